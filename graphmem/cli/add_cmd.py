"""``graphmem add``: append messages to a namespace as they are said (the CLI twin of :meth:`Memory.add`)."""

from __future__ import annotations

import json
import sys
import warnings
from datetime import datetime
from typing import Any

import click

from graphmem.cli.common import MessageTime, db_option, open_memory, participants_of, print_json
from graphmem.cli.extractor_opts import chosen_extractor, extractor_flag, extractor_option_flag
from graphmem.errors import IngestError, IngestWarning
from graphmem.models import validate_namespace

__all__ = ["add"]


@click.command()
@click.argument("text", required=False)
@db_option
@click.option("--namespace", "-n", required=True, help="The namespace to add to.")
@click.option("--speaker", default=None, help="Who said TEXT (required with TEXT).")
@click.option(
    "--session",
    default=None,
    help="The session id to join as stored, e.g. session_3 (default: the namespace's latest one).",
)
@click.option(
    "--time",
    "when",
    type=MessageTime(),
    default=None,
    help="When it was said: a date and time as --since takes one (2024-05-01T14:30, with a zone: in UTC), one with a "
    "zone name (2024-03-31T10:00 Europe/Lisbon: on that zone's clock), or epoch seconds (default: now).",
)
@click.option("--id", "message_id", default=None, help="The message's own id (re-adding it is a no-op).")
@click.option(
    "--participant",
    "participants",
    multiple=True,
    metavar="ROLE=NAME",
    help="Who a role or speaker of the messages is, e.g. user=Dana (repeatable).",
)
@extractor_flag("What extracts the messages (default: GRAPHMEM_EXTRACTOR, else spacy); claude needs ANTHROPIC_API_KEY.")
@extractor_option_flag
@click.option("--json", "as_json", is_flag=True, help="Print the event ids as JSON.")
@click.pass_context
def add(
    ctx: click.Context,
    text: str | None,
    db: str | None,
    namespace: str,
    speaker: str | None,
    session: str | None,
    when: datetime | None,
    message_id: str | None,
    participants: tuple[str, ...],
    extractor: str | None,
    extractor_options: tuple[str, ...],
    as_json: bool,
) -> None:
    """Add one message (TEXT with --speaker), or JSONL messages read from stdin when TEXT is absent or '-'.

    Each message joins its session at the next position, and its entities are resolved against what the
    namespace already holds. Prints the id of every event written.

    \b
    Example: graphmem add -n dana --speaker Dana "I start at Acme on Monday."
    """
    from graphmem.live import parse_messages

    validate_namespace(namespace)  # before the store is created
    names = participants_of(participants)
    if text is not None and text != "-":
        if not speaker:
            raise click.UsageError("--speaker is required with TEXT")
        if not text.strip():
            raise click.UsageError("TEXT is empty: there is nothing to add")
        message: dict[str, object] = {"speaker": speaker, "text": text}
        for key, value in (("time", when), ("id", message_id)):
            if value is not None:
                message[key] = value
        messages: list[dict[str, object]] = [message]
    else:
        if speaker or when or message_id:
            raise click.UsageError("--speaker, --time and --id go with TEXT; JSONL lines carry their own fields")
        messages, lines = _read_jsonl()
        with warnings.catch_warnings():  # checked here for errors by line; the add warns once, below
            warnings.simplefilter("ignore", IngestWarning)
            parse_messages(messages, path="<stdin>", lines=lines, participants=names)  # named by its line
    options: dict[str, Any] = {}
    chosen = chosen_extractor(extractor, extractor_options)  # before the store is opened (no API key ...)
    if chosen is not None:
        options["extractor"] = chosen
    with open_memory(ctx, db, create=True, **options) as mem:
        ids = mem.add(messages, namespace=namespace, session=session, participants=names)
    if as_json:
        print_json({"namespace": namespace, "events": ids})
    else:
        for event_id in ids:
            click.echo(event_id)


def _read_jsonl() -> tuple[list[dict[str, object]], list[int]]:
    """The JSONL messages on stdin (blank lines skipped) and their line numbers; a bad line is named."""
    if sys.stdin.isatty():  # reading would wait, silently, for lines nobody means to type
        raise click.UsageError("give TEXT with --speaker, or pipe JSONL messages on stdin")
    out: list[dict[str, object]] = []
    lines: list[int] = []
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise IngestError(f"not valid JSON: {exc.msg}", path="<stdin>", line=number) from exc
        if not isinstance(record, dict):
            raise IngestError(f"expected a message object, found {type(record).__name__}", path="<stdin>", line=number)
        out.append(record)
        lines.append(number)
    if not out:
        raise IngestError("no messages on stdin (give TEXT with --speaker, or JSONL lines)", path="<stdin>")
    return out, lines
