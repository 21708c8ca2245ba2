"""``graphmem ingest``: read transcripts into the store (the CLI twin of :meth:`Memory.ingest`)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from graphmem.cli.common import (
    db_option,
    open_memory,
    participants_of,
    print_json,
    print_plain,
    print_table,
    rate_text,
    stderr_console,
)
from graphmem.cli.extractor_opts import extractor_option_flag, make_extractor
from graphmem.errors import ConfigError
from graphmem.formats import FORMATS
from graphmem.ingest_stop import IngestExit, IngestInterrupted
from graphmem.ingest_summary import IngestSummary
from graphmem.models import validate_namespace
from graphmem.settings import Settings
from graphmem.text import clean_text

if TYPE_CHECKING:
    from graphmem.extract import Extractor
    from graphmem.memory import Memory

__all__ = ["ingest"]


@click.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@db_option
@click.option("--namespace", "-n", default=None, help="Put everything in this namespace (default: per input).")
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default=None, help="Input format (default: detected per file)."
)
@click.option(
    "--extractor",
    type=click.Choice(["spacy", "claude"]),
    default=None,
    help="spaCy runs offline; claude needs ANTHROPIC_API_KEY (default: GRAPHMEM_EXTRACTOR, else spacy).",
)
@extractor_option_flag
@click.option(
    "--participant",
    "participants",
    multiple=True,
    metavar="ROLE=NAME",
    help="Who a role of JSONL and chat messages is, e.g. user=Dana (repeatable; default: the role is the name).",
)
@click.option("--workers", "-w", type=click.IntRange(min=1), default=1, show_default=True, help="Extraction processes.")
@click.option(
    "--no-embed", is_flag=True, help="Do not compute event embeddings (recall then uses text and graph only)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON instead of a table.")
@click.pass_context
def ingest(
    ctx: click.Context,
    paths: tuple[str, ...],
    db: str | None,
    namespace: str | None,
    fmt: str | None,
    extractor: str | None,
    extractor_options: tuple[str, ...],
    participants: tuple[str, ...],
    workers: int,
    no_embed: bool,
    as_json: bool,
) -> None:
    """Ingest transcript files or folders (LoCoMo JSON, JSONL, text, chat exports).

    Folders are walked recursively. A malformed file writes nothing; a good one is committed a few
    sessions at a time, so an interrupted run resumes where it stopped when run again. Unchanged files
    are skipped, and an edited file replaces what its earlier version wrote. Exits with status 1 if any
    file failed (or a folder holds no transcript file); a path that does not exist or cannot be read
    stops the command before anything is opened or written.
    """
    from graphmem.ingest_read import check_readable

    missing = [p for p in paths if not os.path.lexists(p)]
    if missing:  # before the store is opened: a mistyped path neither prints a summary nor creates a store
        raise ConfigError(f"no such file or folder: {', '.join(missing)}")
    names = participants_of(participants)  # a bad pair is a usage error before anything is read
    check_readable(paths)  # likewise for an input that exists but cannot be opened
    if namespace is not None:
        validate_namespace(namespace)  # and for an illegal namespace
    chosen: str | Extractor | None = extractor
    name = (extractor or Settings.from_env().extractor or "spacy").strip().lower()
    if extractor_options or name != "spacy":
        # and for an extractor that cannot run (no API key, a bad setting); spaCy always can
        chosen = make_extractor(name, extractor_options)
    note = ""
    with open_memory(ctx, db, create=True) as mem:
        try:
            summary = mem.ingest(
                list(paths),
                namespace=namespace,
                format=fmt,
                extractor=chosen,
                workers=workers,
                progress=not as_json and stderr_console().is_terminal,
                embed=not no_embed,
                participants=names,
            )
        except (KeyboardInterrupt, SystemExit) as exc:  # Ctrl-C or SIGTERM (graphmem.ingest_stop)
            # stopped before the run began (loading the extractor): nothing done, said as a stopped run says it
            said = _stop_lines(exc.summary if isinstance(exc, (IngestInterrupted, IngestExit)) else IngestSummary())
            for line in said:
                click.echo(line, err=True)
            raise
        where = mem.store.uri
        if summary.files_skipped and not no_embed:  # unchanged files keep their vectors: say if they are old
            note = _older_vectors(mem, namespace)
    if as_json:
        print_json(summary.as_dict())
    else:
        print_table(
            _headline(summary.files_ok, summary.files_failed, where),
            ["", "count"],
            [
                ["files ok", summary.files_ok],
                ["files failed", summary.files_failed],
                ["files skipped (unchanged)", summary.files_skipped],
                # only when some were: a log created but not written yet
                *([["files skipped (empty)", summary.files_empty]] if summary.files_empty else []),
                ["turns written", summary.turns],
                # only when some were: a message without text is left out, and said so here
                *([["messages left out (empty)", summary.messages_empty]] if summary.messages_empty else []),
                ["turns kept (unchanged)", summary.turns_kept],
                # only when some were: most inputs hold no message an agent also added live
                *([["turns already added live", summary.turns_live]] if summary.turns_live else []),
                ["events", summary.events],
                ["entities", summary.entities],
                # the versions its batches wrote; stats also counts those they replaced (docs/cli.md)
                ["facts written", summary.facts],
                ["events retracted", summary.events_retracted],
                ["seconds", f"{summary.seconds:.2f}"],
                ["turns/s", rate_text(summary.turns, summary.seconds)],
                # only when the extractor calls a paid service (claude): what the run asked of it
                *([[_USAGE_ROWS.get(k, k), v] for k, v in summary.usage.items()]),
            ],
        )
    if note:
        print_plain(stderr_console(), note)
    for _path, message in summary.notes:
        print_plain(stderr_console(), f"note: {message}")
    for _path, message in summary.errors:
        print_plain(stderr_console(), f"error: {message}")
    if summary.stopped is not None:
        print_plain(stderr_console(), f"stopped: {summary.stopped}")
    if not summary.ok:
        raise _FilesFailed(summary.files_failed)


def _stop_lines(summary: IngestSummary) -> list[str]:
    """What an ingest stopped by a signal says: the files done, then the unit it abandoned (rolled back) or
    why it stopped where it did (waiting for another writer's lock)."""
    lines = [
        f"ingest stopped: {summary.files_ok} file(s) done, nothing half-written (the sessions committed so far "
        "are kept); run the same command again to resume"
    ]
    if summary.abandoned is not None:
        lines.append(f"abandoned: {summary.abandoned}")
    if summary.stopped is not None:
        lines.append(f"stopped: {summary.stopped}")
    return [clean_text(line) for line in lines]


def _headline(ok: int, failed: int, where: str) -> str:
    """The summary's title: "ingested into" only when a file was; a run whose files all failed says so
    first (the errors follow the table), one whose files were all unchanged that there was nothing to do."""
    if ok:
        return f"ingested into {where}" + (f" ({failed} file(s) failed: errors below)" if failed else "")
    if failed:
        return f"ingest into {where} failed: {failed} file(s) (errors below)"
    return f"nothing to ingest: {where} unchanged"


_USAGE_ROWS = {
    "requests": "Claude requests",
    "input_tokens": "input tokens",
    "output_tokens": "output tokens",
    "cache_hits": "answers from the cache",
    "dropped": "answer entries dropped",
    "untyped": "entities of no declared type",
}


def _older_vectors(mem: Memory, namespace: str | None) -> str:
    """A note when stored event vectors (of ``namespace``, else of every namespace) follow an older or
    unknown embedded-text scheme, else ``""``; loads no embedder."""
    from graphmem.reembed import older_schemes

    held = mem.namespaces()
    chosen = held if namespace is None else [ns for ns in held if ns == namespace]
    stale, total, places = older_schemes(mem.store, chosen)
    if not stale:
        return ""
    return (
        f"note: {stale} of {total} event vectors in {places} namespace(s) were made by an older or unknown "
        "embedded-text scheme (unchanged files keep them); `graphmem reembed` re-embeds them in place"
    )


class _FilesFailed(click.ClickException):
    """Exit status 1 after the summary, with a one-line count instead of click's ``Error:`` banner."""

    def __init__(self, count: int) -> None:
        super().__init__(f"{count} file(s) failed")

    def show(self, file: object = None) -> None:
        print_plain(stderr_console(), self.message)
