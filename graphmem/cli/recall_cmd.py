"""``graphmem recall``: the events that answer a question, each with why (the CLI twin of ``Memory.recall``)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

import click

from graphmem.cli.common import (
    DateTime,
    UntilDateTime,
    db_option,
    k_option,
    no_data_note,
    open_memory,
    plain,
    print_json,
    stdout_console,
    time_axis_option,
)
from graphmem.text import clean_text

if TYPE_CHECKING:
    from graphmem.recall import Hit

__all__ = ["recall"]


@click.command()
@click.argument("question")
@db_option
@click.option("--namespace", "-n", required=True, help="The namespace to search.")
@k_option(default=10, help="How many events.")
@click.option(
    "--hops",
    type=click.IntRange(min=0),  # the upper bound is checked by RecallRequest, whose error says why
    default=2,
    show_default=True,
    help="Traversal depth: 0 (seeds only) to 6.",
)
@click.option("--since", type=DateTime(), default=None, help="Only events at or after.")
@click.option("--until", type=UntilDateTime(), default=None, help="Only events at or before (a date: its whole day).")
@click.option(
    "--as-of",
    "as_of",
    type=UntilDateTime(),
    default=None,
    help="Recall what memory held then (a date: at the end of that day).",
)
@time_axis_option
@click.option("--speaker", "speakers", multiple=True, help="Only events by this speaker (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (with the full explanation) instead of a table.")
@click.pass_context
def recall(
    ctx: click.Context,
    question: str,
    db: str | None,
    namespace: str,
    k: int,
    hops: int,
    since: datetime | None,
    until: datetime | None,
    as_of: datetime | None,
    time_axis: Literal["said", "happened", "either"],
    speakers: tuple[str, ...],
    as_json: bool,
) -> None:
    """Recall the events of a namespace that answer QUESTION, and why each was returned."""
    from graphmem.recall import RecallRequest

    question = clean_text(question)  # an argument that was not UTF-8 arrives with lone surrogates
    with open_memory(ctx, db, read_only=True, one_shot=True) as mem:
        note = no_data_note(mem, namespace)
        if speakers and note is None:
            from graphmem.lookup import require_speakers

            require_speakers(mem, namespace, speakers)
        request = RecallRequest.of(
            question,
            namespace=namespace,
            k=k,
            hops=hops,
            since=since,
            until=until,
            speakers=speakers or None,
            as_of=as_of,
            time_axis=time_axis,
        )
        hits = mem.recall_request(request)
    if note is not None:
        click.echo(note, err=True)
    if as_json:
        print_json({"question": question, "namespace": namespace, "hits": [h.as_dict() for h in hits]})
        return
    _print_hits(question, hits)
    if not hits and note is None:
        click.echo("no events matched", err=True)


_SHORT = ("#", "score", "id", "when", "speaker")


def _print_hits(question: str, hits: list[Hit]) -> None:
    """The hits as a table, or as blocks in a terminal too narrow for one (see :mod:`graphmem.cli.narrow`)."""
    from rich.table import Table

    from graphmem.cli.narrow import fits_table, print_blocks

    console = stdout_console()
    title = f"recall: {question}"
    rows = [
        (
            str(rank),
            f"{hit.score:.3f}",
            hit.event.source_id or hit.event.id,
            hit.event.occurred_at.strftime("%Y-%m-%d") if hit.event.occurred_at else "",
            hit.event.speaker or "",
        )
        for rank, hit in enumerate(hits, 1)
    ]
    if not fits_table(console, _SHORT, rows, free=2):
        blocks = [
            ((f"{rank}.", score, when, speaker, eid), ((hit.event.text, ""), (f"why: {hit.why.describe()}", "dim")))
            for (rank, score, eid, when, speaker), hit in zip(rows, hits, strict=True)
        ]
        print_blocks(console, title, blocks)
        return
    table = Table(title=plain(title), show_lines=True)
    for column in _SHORT:
        table.add_column(column, no_wrap=True)
    table.add_column("text", ratio=3, overflow="fold")
    table.add_column("why", ratio=2, overflow="fold")
    for row, hit in zip(rows, hits, strict=True):
        cells = (*row, hit.event.text, hit.why.describe())
        table.add_row(*(plain(c) for c in cells))  # user text is printed literally, never as markup
    console.print(table)
