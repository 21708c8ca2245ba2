"""``graphmem context``: what memory holds about a question, as a prompt-ready block (``Memory.context``)."""

from __future__ import annotations

from datetime import datetime

import click

from graphmem.cli.common import DateTime, UntilDateTime, db_option, k_option, no_data_note, open_memory, print_json

__all__ = ["context"]


@click.command()
@click.argument("question")
@db_option
@click.option("--namespace", "-n", required=True, help="The namespace to search.")
@click.option("--budget", "budget", type=click.IntRange(min=1), default=1500, show_default=True, help="Token budget.")
@k_option(default=20, help="Events to consider.")
@click.option("--since", type=DateTime(), default=None, help="Only events at or after; facts that held since.")
@click.option(
    "--until",
    type=UntilDateTime(),
    default=None,
    help="Only events at or before (a date: its whole day); facts that held up to it.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the structured fields and the text as JSON.")
@click.pass_context
def context(
    ctx: click.Context,
    question: str,
    db: str | None,
    namespace: str,
    budget: int,
    k: int,
    since: datetime | None,
    until: datetime | None,
    as_json: bool,
) -> None:
    """Print what memory holds about QUESTION: facts and recalled events with reasons, within a budget.

    The facts are those current now; with --since/--until, those that held at some time in that window
    (--until alone: up to it; --since alone: from it to now). The first line says which.
    """
    from graphmem.recall import RecallRequest
    from graphmem.text import clean_text

    question = clean_text(question)  # an argument that was not UTF-8 arrives with lone surrogates
    with open_memory(ctx, db, read_only=True) as mem:
        request = RecallRequest.of(question, namespace=namespace, k=k, since=since, until=until)
        result = mem.context_for(request, budget_tokens=budget)
        note = no_data_note(mem, namespace)
    if note is not None:
        click.echo(note, err=True)
    if as_json:
        print_json(result.as_dict())
        return
    click.echo(result.text)
    click.echo(f"({result.tokens} of {budget} tokens)", err=True)
