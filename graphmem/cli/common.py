"""Pieces every CLI command shares: the ``--db`` option, opening memory, printing."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from graphmem.memory import Memory

__all__ = ["State", "db_option", "open_memory", "print_json", "print_table", "stderr", "stdout"]

stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False)


class State:
    """What the top-level group passes down to commands."""

    def __init__(self, db: str | None) -> None:
        self.db = db


def db_option(func: Any) -> Any:
    """``--db`` on a subcommand, overriding the group's."""
    return click.option(
        "--db",
        "db",
        default=None,
        metavar="PATH|URI",
        help="Store directory or neo4j:// URI (default: $GRAPHMEM_DB, $NEO4J_URI or ./graphmem-data).",
    )(func)


@contextmanager
def open_memory(ctx: click.Context, db: str | None = None, *, create: bool = False, **options: Any) -> Iterator[Memory]:
    """Open the memory named by ``--db`` on the command or the group.

    Only commands that write (``ingest``, a ``sync`` target) pass ``create=True``: a mistyped path given
    to a reading command is an error, never a new empty store.
    """
    state = ctx.find_object(State)
    where = db or (state.db if state else None)
    with Memory.open(where, create=create, **options) as mem:
        yield mem


def print_json(data: Any) -> None:
    """Print ``data`` as JSON on stdout (datetimes as ISO strings)."""
    click.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))


def print_table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print a rich table."""
    table = Table(title=title, show_lines=False)
    for col in columns:
        table.add_column(str(col))
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    stdout.print(table)
