"""``graphmem reembed``: re-embed stored events in place (the CLI twin of :meth:`Memory.reembed`)."""

from __future__ import annotations

import click

from graphmem.cli.common import (
    db_option,
    open_memory,
    print_json,
    print_plain,
    print_table,
    rate_text,
    stderr_console,
)

__all__ = ["STALE_EXIT", "reembed"]

#: Exit status of ``--check`` when some namespace holds stale vectors (1 stays an error).
STALE_EXIT = 3


@click.command()
@db_option
@click.option("--namespace", "-n", default=None, help="Only this namespace (default: every namespace).")
@click.option(
    "--check", is_flag=True, help=f"Only list the namespaces whose vectors are stale; exit {STALE_EXIT} if any."
)
@click.option(
    "--batch", type=click.IntRange(min=1), default=256, show_default=True, help="Events per write transaction."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def reembed(ctx: click.Context, db: str | None, namespace: str | None, check: bool, batch: int, as_json: bool) -> None:
    """Re-embed stored events whose vectors an older embedder or embedded-text scheme made.

    Each stale event gets the vector ingest would store today; events, facts and entities are untouched.
    Batches are committed one at a time, so an interrupted run keeps its work and running it again
    continues. With --check nothing is written: each namespace's vectors are counted by what made them,
    and the exit status is 3 when any are stale (0 when none are, 1 on an error).
    """
    if check:
        with open_memory(ctx, db, read_only=True) as mem:
            statuses = mem.vector_status(namespace)
        stale = [s for s in statuses if s.stale]
        if as_json:
            print_json({"stale_namespaces": len(stale), "namespaces": [s.as_dict() for s in statuses]})
        else:
            rows = [
                [
                    s.namespace,
                    s.total + s.missing,
                    s.stale,
                    "; ".join(
                        [f"{o}: {n}" + (" (current)" if o == s.current else "") for o, n in s.origins]
                        + ([f"no vector: {s.missing}"] if s.missing else [])
                        + ([f"damaged (NaN, infinite or wrong dimension): {s.damaged}"] if s.damaged else [])
                    ),
                ]
                for s in statuses
            ]
            print_table("event vectors by what made them", ["namespace", "events", "stale", "made by"], rows)
            if statuses:
                print_plain(stderr_console(), f"current: {statuses[0].current}")
            if any(s.other_space for s in stale):
                print_plain(stderr_console(), "recall refuses a namespace of another vector space until re-embedded")
        if stale:
            raise _Stale(len(stale), sum(s.stale for s in stale))
        return
    with open_memory(ctx, db) as mem:
        summary = mem.reembed(namespace, batch=batch, progress=not as_json and stderr_console().is_terminal)
    if as_json:
        print_json(summary.as_dict())
        return
    rows = [[ns, n] for ns, n in summary.namespaces.items()]
    rows.append([f"total ({len(summary.namespaces)})", summary.events])
    print_table("re-embedded", ["namespace", "events"], rows)
    print_plain(
        stderr_console(),
        f"{summary.events} events in {summary.batches} batches, {summary.seconds:.2f} s "
        f"({rate_text(summary.events, summary.seconds)} events/s)",
    )


class _Stale(click.ClickException):
    """Exit status :data:`STALE_EXIT` after the listing, with a one-line count."""

    exit_code = STALE_EXIT

    def __init__(self, namespaces: int, events: int) -> None:
        super().__init__(f"{events} stale vector(s) in {namespaces} namespace(s): run `graphmem reembed`")

    def show(self, file: object = None) -> None:
        print_plain(stderr_console(), self.message)
