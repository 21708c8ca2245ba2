"""``graphmem recall``: the events that answer a question, each with why (the CLI twin of ``Memory.recall``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

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
    from rich.table import Table

    table = Table(title=plain(f"recall: {question}"), show_lines=True)
    for column, ratio in (("#", None), ("score", None), ("id", None), ("when", None), ("speaker", None)):
        table.add_column(column, ratio=ratio, no_wrap=True)
    table.add_column("text", ratio=3, overflow="fold")
    table.add_column("why", ratio=2, overflow="fold")
    for rank, hit in enumerate(hits, 1):
        ev = hit.event
        cells = (
            str(rank),
            f"{hit.score:.3f}",
            ev.source_id or ev.id,
            ev.occurred_at.strftime("%Y-%m-%d") if ev.occurred_at else "",
            ev.speaker or "",
            ev.text,
            hit.why.describe(),
        )
        table.add_row(*(plain(c) for c in cells))  # user text is printed literally, never as markup
    stdout_console().print(table)
    if not hits and note is None:
        click.echo("no events matched", err=True)
