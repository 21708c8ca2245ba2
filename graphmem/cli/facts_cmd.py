"""``graphmem facts``: facts on their two time axes, current ones by default (the CLI twin of ``Memory.facts``)."""

from __future__ import annotations

from datetime import datetime

import click

from graphmem.cli.common import DateTime, UntilDateTime, db_option, no_data_note, open_memory, print_json, print_table

__all__ = ["facts"]


def _fmt(when: datetime | None) -> str:
    return "" if when is None else when.strftime("%Y-%m-%d %H:%M")


@click.command()
@db_option
@click.option("--namespace", "-n", required=True, help="The namespace to read.")
@click.option(
    "--entity", "entity", default=None, help="Only facts about the entity with this name (or part of one name)."
)
@click.option("--predicate", default=None, help="Only facts with this predicate.")
@click.option("--valid-at", type=DateTime(), default=None, help="What held then (default: now).")
@click.option("--as-of", type=UntilDateTime(), default=None, help="What memory believed then (a date: at its end).")
@click.option("--all-time", is_flag=True, help="Every version, whatever its times (statements of one holding merged).")
@click.option(
    "--each-statement",
    is_flag=True,
    help="One row per statement as stored (default: a fact said again is one row, from its earliest start).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def facts(
    ctx: click.Context,
    db: str | None,
    namespace: str,
    entity: str | None,
    predicate: str | None,
    valid_at: datetime | None,
    as_of: datetime | None,
    all_time: bool,
    each_statement: bool,
    as_json: bool,
) -> None:
    """Facts of a namespace: those valid now in the version memory holds now, unless --valid-at, --as-of
    or --all-time asks otherwise. A fact said again is one row, from its earliest start (--json lists the
    statements behind it as its evidence)."""
    if all_time and (valid_at is not None or as_of is not None):
        raise click.UsageError("--all-time reads every fact version: give it without --valid-at and --as-of")
    with open_memory(ctx, db, read_only=True) as mem:
        note = no_data_note(mem, namespace)  # an empty answer, and a typo named on stderr
        match = mem.match_entity(entity, namespace=namespace) if entity is not None and note is None else None
        if match is not None and (note := match.note()):
            click.echo(f"note: {note}", err=True)
        stated = mem.facts(
            match if match is not None else entity,
            namespace=namespace,
            predicate=predicate,
            valid_at=valid_at,
            as_of=as_of,
            all_time=all_time,
            coalesce=not each_statement,
        )
    if note is not None:
        click.echo(note, err=True)
    found = [s.fact for s in stated]
    names = {s.fact.subject_id: s.subject for s in stated} | {s.fact.object_id: s.object for s in stated}
    if as_json:  # the shape of Memory.facts' StatedFact.as_dict and the MCP facts tool
        print_json([s.as_dict() for s in stated])
        return
    cols = ["subject", "predicate", "object", "valid_from", "valid_to", "recorded_at", "expired_at"]
    rows = [
        [
            names[f.subject_id],
            f.predicate,
            names[f.object_id],
            _fmt(f.valid_from),
            _fmt(f.valid_to),
            _fmt(f.recorded_at),
            _fmt(f.expired_at),
        ]
        for f in found
    ]
    if any(s.target is not None for s in stated):  # a plan's planned time ("Next month I will visit Rome")
        cols.append("for")
        for row, s in zip(rows, stated, strict=True):
            row.append(s.describe_target())
    print_table(f"facts in {namespace}", cols, rows)
    if not rows and note is None:
        click.echo("no facts matched", err=True)
