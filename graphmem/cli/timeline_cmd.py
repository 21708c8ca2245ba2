"""``graphmem timeline``: what an entity was part of, in time order (the CLI twin of ``Memory.timeline``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import click

from graphmem.cli.common import (
    DateTime,
    UntilDateTime,
    db_option,
    open_memory,
    print_json,
    print_table,
    stdout_console,
    time_axis_option,
)
from graphmem.cli.narrow import fits_table, print_blocks

__all__ = ["timeline"]


@click.command()
@click.argument("entity")
@db_option
@click.option("--namespace", "-n", required=True, help="The namespace to read.")
@click.option("--since", type=DateTime(), default=None, help="Only events at or after (on --time-axis).")
@click.option(
    "--until",
    type=UntilDateTime(),
    default=None,
    help="Only events at or before (a date: its whole day; on --time-axis).",
)
@time_axis_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def timeline(
    ctx: click.Context,
    entity: str,
    db: str | None,
    namespace: str,
    since: datetime | None,
    until: datetime | None,
    time_axis: Literal["said", "happened", "either"],
    as_json: bool,
) -> None:
    """The events that mention ENTITY (a name or alias) or that it spoke, in time order.

    A name that is part of one name only (Caro for Caroline, Smith for Caroline Smith) is taken as that
    name, with a note; part of several names, it is an error listing them; an unknown name is an error
    that suggests the closest names the namespace holds.

    \b
    Example: graphmem timeline Priya -n priya-tomas --since 2024-04-01
    """
    with open_memory(ctx, db, read_only=True) as mem:
        match = mem.match_entity(entity, namespace=namespace)
        events = mem.timeline(match, namespace=namespace, since=since, until=until, time_axis=time_axis)
    if note := match.note():
        click.echo(f"note: {note}", err=True)
    if as_json:
        print_json(
            {
                "entity": entity,
                "name": match.name,
                "namespace": namespace,
                "events": [
                    {
                        "event_id": e.id,
                        "time": e.occurred_at,
                        "speaker": e.speaker,
                        "session": e.session,
                        "text": e.text,
                    }
                    for e in events
                ],
            }
        )
        return
    short = [
        (e.id, "" if e.occurred_at is None else e.occurred_at.strftime("%Y-%m-%d %H:%M"), e.speaker or "")
        for e in events
    ]
    title = f"{match.name} in {namespace}"
    console = stdout_console()
    if fits_table(console, ("id", "when", "speaker"), short, free=1):
        print_table(
            title, ["id", "when", "speaker", "text"], [[*s, e.text] for s, e in zip(short, events, strict=True)]
        )
    else:  # a terminal too narrow for the table: each event a block, its text under its id, time and speaker
        print_blocks(
            console, title, [((s[1], s[2], s[0]), ((e.text, ""),)) for s, e in zip(short, events, strict=True)]
        )
    if not events:
        click.echo("no events matched", err=True)
