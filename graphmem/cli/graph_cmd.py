"""``graphmem export``, ``sync``, ``viz`` and ``browser-guide``: the graph for other tools and for people.

Each command is a thin layer over a Python twin: :func:`graphmem.export.export_graph`,
:func:`graphmem.sync.sync_stores`, :mod:`graphmem.viz` and :mod:`graphmem.browser_guide`.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import secrets
import shlex
import shutil
import stat
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from graphmem.cli.common import (
    DateTime,
    State,
    UntilDateTime,
    db_option,
    k_option,
    open_memory,
    print_json,
    print_table,
    stderr_console,
)
from graphmem.config import resolve_db
from graphmem.errors import ConfigError, GraphmemError
from graphmem.export import FORMATS
from graphmem.namespaces import require_namespace
from graphmem.store.registry import scheme_of

_T = TypeVar("_T")

__all__ = ["browser_guide", "export", "sync", "viz"]


def _single_namespace(mem: Any, namespace: str | None) -> str:
    existing = mem.namespaces()
    if namespace is not None:
        return require_namespace(namespace, existing, where=mem.store.uri)
    if len(existing) == 1:
        return str(existing[0])
    if not existing:
        raise ConfigError("the store is empty: ingest something first")
    names = ", ".join(sorted(existing)[:10]) + (", …" if len(existing) > 10 else "")
    raise ConfigError(f"the store holds {len(existing)} namespaces ({names}); choose one with --namespace/-n")


@click.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True, help="Output format.")
@click.option("--namespace", "-n", default=None, help="Only this namespace (default: all).")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None, help="File (default: stdout)."
)
@click.option("--embeddings", is_flag=True, help="Include embedding vectors (json and cypher).")
@click.pass_context
def export(
    ctx: click.Context, db: str | None, fmt: str, namespace: str | None, output: str | None, embeddings: bool
) -> None:
    """Export the graph as JSON (lossless with --embeddings), GraphML (Gephi, yEd) or a Cypher script (cypher-shell -f).

    An export to a file replaces the file only once it is complete: a failed export leaves it as it was.
    """
    from graphmem.export import export_graph

    if embeddings and fmt == "graphml":
        raise click.UsageError("--embeddings works with --format json or cypher; GraphML holds no vectors")
    with open_memory(ctx, db, read_only=True) as mem:
        if output is None:
            summary = export_graph(mem.store, sys.stdout, fmt, namespace=namespace, embeddings=embeddings)
        else:
            summary = _export_to_file(
                output, lambda out: export_graph(mem.store, out, fmt, namespace=namespace, embeddings=embeddings)
            )
        # a store restored from it recalls by words and the graph until re-embedded: say so when vectors are left out
        dropped = not embeddings and fmt != "graphml" and mem.stats(namespace).embeddings > 0
    stderr_console().print(
        f"exported {summary.namespaces} namespace(s), {summary.nodes} nodes, {summary.edges} edges as {fmt}"
        + (f" to {output}" if output else "")
        + (", without vectors (--embeddings adds them)" if dropped else ""),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@click.command()
@click.option(
    "--from", "source", required=True, metavar="PATH|URI", help="The store (or a JSON export file) to copy from."
)
@click.option("--to", "target", required=True, metavar="PATH|URI", help="The store to copy into.")
@click.option("--namespace", "-n", "namespaces", multiple=True, help="Only this namespace (repeatable).")
@click.option(
    "--replace", is_flag=True, help="Make each target namespace hold exactly what the source holds (atomically)."
)
@click.option("--no-embeddings", is_flag=True, help="Do not copy stored embeddings.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def sync(
    source: str, target: str, namespaces: tuple[str, ...], replace: bool, no_embeddings: bool, as_json: bool
) -> None:
    """Copy memory between stores: an embedded directory into Neo4j and back, one namespace or all.

    Neo4j credentials come from NEO4J_USERNAME, NEO4J_PASSWORD and NEO4J_DATABASE. Records are
    upserted by id, so running a sync again completes one that was interrupted. The source must exist;
    only the target is created when missing. A source ending in .json is a JSON export (graphmem export
    --format json), restored into the target.
    """
    from graphmem.namespaces import require_namespace
    from graphmem.store import open_store
    from graphmem.sync import read_export, restore_export, sync_stores

    wanted = list(namespaces) or None
    # what the source holds is checked before the target opens: a failed sync creates no store
    if source.endswith(".json") and not Path(source).is_dir():  # a JSON export, read whole before the target opens
        dumps = read_export(source)
        for ns in wanted or ():
            require_namespace(ns, [d.namespace for d in dumps], where=source)
        with contextlib.closing(open_store(target, create=True)) as dst:
            summary = restore_export(
                dumps, dst, source=source, namespaces=wanted, replace=replace, embeddings=not no_embeddings
            )
    else:
        with contextlib.closing(open_store(source, create=False)) as src:
            for ns in wanted or ():
                require_namespace(ns, src.namespaces(), where=src.uri)
            new_directory = "://" not in target and not Path(target).expanduser().exists()
            dst = open_store(target, create=True)
            try:
                summary = sync_stores(src, dst, namespaces=wanted, replace=replace, embeddings=not no_embeddings)
            except BaseException:
                try:
                    empty = not dst.namespaces()
                except GraphmemError:
                    empty = False  # a target that cannot be read is left for the error to name
                dst.close()
                if new_directory and empty:  # the sync failed before anything was written
                    shutil.rmtree(Path(target).expanduser(), ignore_errors=True)
                raise
            finally:
                dst.close()
    # speaker links last: a --json reader of the older six counts by position keeps reading them
    rows = [
        [n.namespace, n.sessions, n.events, n.entities, n.mentions, n.facts, n.embeddings, n.spoken_by]
        for n in summary.namespaces
    ]
    if as_json:
        print_json({"source": summary.source, "target": summary.target, "namespaces": rows})
        return
    print_table(
        f"synced {summary.source} → {summary.target}",
        # every version of every fact copied, as `stats` counts them
        ["namespace", "sessions", "events", "entities", "mentions", "fact versions", "embeddings", "spoken by"],
        rows,
    )
    kept = sum(n.events_kept for n in summary.namespaces)
    if kept:
        click.echo(
            f"note: {kept} events of files {summary.target} has ingested were not copied: it keeps its own version "
            "of those files (ingesting a newer version of one there, or sync --replace, brings it up to date)",
            err=True,
        )
    events, vectors = sum(n.events for n in summary.namespaces), sum(n.embeddings for n in summary.namespaces)
    if vectors < events:  # an export without --embeddings, --no-embeddings, or events ingested --no-embed
        click.echo(
            f"note: {events - vectors} of {events} events came without a vector: recall finds them by their "
            f"words and the graph only until `graphmem --db {shlex.quote(summary.target)} reembed` embeds them",
            err=True,
        )


@click.command()
@db_option
@click.option("--namespace", "-n", default=None, help="The namespace (default: the only one).")
@click.option("--entity", default=None, help="Draw this entity's neighbourhood (name or alias).")
@click.option("--hops", type=click.IntRange(1, 4), default=1, show_default=True, help="Neighbourhood depth.")
@click.option("--recall", "recall_text", default=None, help="Draw what recall returns for this text, with its paths.")
@k_option(default=5, maximum=50, help="Recall hits to draw.")
@click.option("--since", type=DateTime(), default=None, help="Draw the events from this date/time.")
@click.option(
    "--until", type=UntilDateTime(), default=None, help="…up to this date/time (inclusive; a date means its whole day)."
)
@click.option("--limit", type=click.IntRange(1, 2000), default=150, show_default=True, help="At most this many nodes.")
@click.option("--output", "-o", default="graphmem-viz.html", show_default=True, help="The HTML file to write.")
@click.pass_context
def viz(
    ctx: click.Context,
    db: str | None,
    namespace: str | None,
    entity: str | None,
    hops: int,
    recall_text: str | None,
    k: int,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    output: str,
) -> None:
    """Write a standalone HTML picture (opens offline) of an entity's neighbourhood, a recall result with
    its explaining paths, or a time range of events.

    Events run left to right in conversation order (sessions as bands, one row per speaker); entities
    sit beside the turns that mention them. A recall picture rings the seeds the searches started from
    and draws the edges each hit's path traversed. Hover a node for its speaker, time and full text.
    """
    from graphmem import viz as v

    chosen = sum(x is not None for x in (entity, recall_text)) + (since is not None or until is not None)
    if chosen != 1:
        raise click.UsageError("choose one of --entity, --recall, or --since/--until")
    v.require_bokeh()  # before the store is read and recall's models load, not after
    with open_memory(ctx, db, read_only=True) as mem:
        ns = _single_namespace(mem, namespace)
        if entity is not None:
            graph = v.entity_neighbourhood(mem.store, ns, entity, hops=hops, limit=limit)
        elif recall_text is not None:
            graph = v.recall_graph(mem, ns, recall_text, k=k)
        else:
            graph = v.time_range_graph(
                mem.store,
                ns,
                since=since,
                until=until,
                limit=limit,
            )
        path = v.write_html(graph, output)
    stderr_console().print(
        f"wrote {path} ({len(graph.nodes)} nodes, {len(graph.edges)} edges)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@click.command("browser-guide")
@db_option
@click.option("--namespace", "-n", default=None, help="Take the values from this namespace (default: the busiest).")
@click.option("--grass", is_flag=True, help="Print the Neo4j Browser style sheet (.grass) instead.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None, help="Write to a file.")
@click.pass_context
def browser_guide(ctx: click.Context, db: str | None, namespace: str | None, grass: bool, output: str | None) -> None:
    """Print starter Cypher queries for exploring memory in Neo4j Browser (or its .grass style sheet).

    The :param values are taken from the store (--db): its busiest namespace (or --namespace), its
    most talkative speakers, a session, a predicate and times its facts use, so each query returns rows.
    Without a store at hand the values are examples from a LoCoMo conversation.
    """
    from graphmem.browser_guide import EXAMPLE_VALUES, GRASS, guide_text, guide_values

    if grass:
        text = GRASS
    else:
        state = ctx.find_object(State)
        given = db or (state.db if state else None)
        where = resolve_db(given)
        if given is None and namespace is None and scheme_of(where) is None and not Path(where).exists():
            text = guide_text(EXAMPLE_VALUES)  # no store at hand: say so in the header
        else:
            with open_memory(ctx, db, create=False) as mem:
                values = guide_values(mem.store, namespace)
                # a server's store is <server>/<database>: the URI alone may not say which database
                source = mem.store.uri if scheme_of(where) is not None else where
            text = guide_text(values, source=f"{source}, namespace {values.ns}")
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {output}: {exc.strerror}") from exc


_DESCRIPTOR = re.compile(r"/dev/(?:fd/(\d+)|(stdout)|(stderr))|/proc/self/fd/(\d+)")


def _write_in_place(target: Path, existed: bool, write: Callable[[IO[str]], _T]) -> _T:
    """Write the export into ``target`` itself, built in memory first so a failure leaves the file as it was.

    The file is opened (not emptied) before the export is built: a file that cannot be written either fails
    at once, not after the whole store was read.
    """
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o666)
    try:
        buffer = io.StringIO()
        result = write(buffer)
    except BaseException:
        os.close(fd)
        if not existed:  # created just now (a name too long for a file beside it): nothing to leave behind
            target.unlink(missing_ok=True)
        raise
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.truncate(0)
        out.write(buffer.getvalue())
    return result


def _descriptor(path: str) -> int | None:
    """The open file descriptor ``path`` names (``/dev/stdout``, ``/dev/fd/3``, …), or ``None``."""
    m = _DESCRIPTOR.fullmatch(path)
    if m is None:
        return None
    number, out, err, proc = m.groups()
    return 1 if out else 2 if err else int(number or proc)


def _export_to_file(output: str, write: Callable[[IO[str]], _T]) -> _T:
    """Run ``write`` into the file ``output`` so that a failed export leaves the file as it was.

    A regular file (or a new one) is written beside its real path (a symbolic link stays a link) and moved
    in place with the mode the file had (a new one: the umask's). Anything else named (``/dev/stdout``, a
    pipe, a device) is written directly, as is a file in a folder graphmem may not write into: then the
    export is made in memory first, so a failure still leaves the file as it was.

    Raises:
        ConfigError: the file cannot be written (the message names it).
    """
    try:
        return _write_export(output, write)
    except OSError as exc:
        raise ConfigError(f"cannot write {output}: {exc.strerror}") from exc


def _write_export(output: str, write: Callable[[IO[str]], _T]) -> _T:
    try:  # /dev/stdout and /dev/fd/N name what the shell opened: written as it is, never replaced
        regular = stat.S_ISREG(os.stat(output).st_mode) and not output.startswith(("/dev/", "/proc/"))
    except FileNotFoundError:
        regular = True  # a new file
    if not regular:
        fd = _descriptor(output)
        if fd is not None:  # what the shell opened, written through (reopened: another offset, or truncated)
            sys.stdout.flush()
            sys.stderr.flush()
            with os.fdopen(os.dup(fd), "w", encoding="utf-8") as out:
                return write(out)
        with open(output, "w", encoding="utf-8") as out:
            return write(out)
    target = Path(os.path.realpath(output))
    part = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.part")
    existed = target.exists()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(part, flags, 0o600 if existed else 0o666)
    except OSError:  # the folder cannot be written: in memory first, then into the file itself
        return _write_in_place(target, existed, write)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            result = write(out)
        if existed:
            shutil.copymode(target, part)
        os.replace(part, target)
        return result
    finally:
        part.unlink(missing_ok=True)
