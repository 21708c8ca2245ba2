"""Batch ingestion: transcript files (or in-memory records) → extraction → one committed batch each.

The pipeline per input is read → extract → resolve → embed → write:

- **read** (parent process, :mod:`graphmem.ingest_read`): the file is checked and parsed into transcripts
  by :mod:`graphmem.formats`; a transcript whose source record (file key + content hash) is already in
  the store is skipped, so re-ingesting unchanged content is a no-op and an interrupted run resumes
  where it stopped; so is a file whose content is recorded from another path in the namespaces it
  writes (a copy, or a moved file), with a note naming that path; one moved and edited whose old path is
  gone is diffed as the input it was (:mod:`graphmem.ingest_moved`). An edited file redoes only what
  changed (:mod:`graphmem.ingest_diff`): each session keeps its unchanged leading turns, and the rest is
  retracted and written again in one transaction per unit; two inputs never write the same session or
  event ids.
- **extract**: the extractor turns each transcript into a :class:`~graphmem.models.Batch`. With
  ``workers > 1`` this runs in worker processes, each loading its own spaCy pipeline once.
- **resolve**, **embed**, **write** (parent, the single writer, in input order): entities are resolved
  against those already in the namespace, event texts are embedded, and the batch is written together
  with its :class:`~graphmem.models.SourceRecord` marks, all-or-nothing. With one extraction process,
  a unit's texts are embedded by a helper process (:mod:`graphmem.embed_pool`) while the next unit is
  extracted, the parent taking queued texts itself whenever it would wait; with ``workers > 1`` the
  workers embed what they extract. On a server store other clients may write the namespace meanwhile: a
  unit is resolved and written inside the store's guard, and resolved again from what the namespace now
  holds when another client wrote it in between (:mod:`graphmem.write_retry`, as :func:`graphmem.live.add`
  does), so a fact version written meanwhile is never replaced unarchived; a unit one of whose event ids
  another client wrote since the input was read fails instead of writing over it.

A file is read and checked whole before anything is extracted, so malformed input leaves nothing
behind. It is then extracted and committed in units of consecutive sessions
(:data:`~graphmem.ingest_units.UNIT_TURNS` turns or more; a batch holds one namespace), each unit
marking its sessions done: a large file shows its turns as they are committed, and a run interrupted
(Ctrl-C, a crash, an extractor failure) keeps what it committed and resumes at the next unit.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, closing
from dataclasses import replace
from datetime import tzinfo
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from graphmem.entity_prior import undo_retypes
from graphmem.errors import ConfigError, GraphmemError, StoreError
from graphmem.extract import Extractor
from graphmem.formats import FORMATS
from graphmem.ingest_diff import without_events
from graphmem.ingest_embed import LazyPool, embedding_ahead, space_mismatch
from graphmem.ingest_extract import Extracted, Parts, extract_stream, for_workers
from graphmem.ingest_paths import FOLDER_SUFFIXES, Records, collect_files, inputs_of
from graphmem.ingest_read import Job, read_jobs
from graphmem.ingest_run import UnitRun, retype_kept
from graphmem.ingest_stop import Committing, IngestExit, IngestInterrupted, Stop, UnitAbandoned, stopping, writing
from graphmem.ingest_summary import STAGES, WAITING, IngestSummary, stopped_at, until_stopped
from graphmem.ingest_units import Todo
from graphmem.models import Batch, SourceRecord, validate_namespace
from graphmem.progress import ProgressBar
from graphmem.store.base import GuardsWrites
from graphmem.store.versions import is_archive
from graphmem.write_retry import guarded, retry_conflicts
from graphmem.writer import (
    Committed,
    Resolver,
    RunUnit,
    Timings,
    commit_batch,
    default_resolver,
    embedded,
)

if TYPE_CHECKING:
    from graphmem.embed import Embedder
    from graphmem.models import Entity
    from graphmem.store.base import GraphStore

__all__ = ["FOLDER_SUFFIXES", "STAGES", "Extractor", "IngestSummary", "IngestTarget", "collect_files", "ingest"]


class IngestTarget(Protocol):
    """What ingestion needs from where it writes (a :class:`~graphmem.Memory` is one).

    ``store`` is read (entities to resolve against, stored facts, source records), ``embedder`` is asked
    for only when something is embedded, and every batch goes through ``write``, which keeps whatever
    mirrors the store (the vector index, recall's caches) up to date.
    """

    @property
    def store(self) -> GraphStore:
        """The store read while ingesting."""
        ...

    @property
    def embedder(self) -> Embedder:
        """The embedder (loaded on first use)."""
        ...

    def write(self, batch: Batch) -> None:
        """Apply one batch all-or-nothing."""
        ...

    def writing(self, waiting: Callable[[], None] | None = None) -> AbstractContextManager[None]:
        """Hold the store's write lock for the whole run (having caught up with other writers); ``waiting`` is
        called at each poll while another process holds it, and what it raises ends the wait. ``waiting`` is
        optional: a target whose ``writing()`` takes no argument is called without it (a stop then waits
        for its lock)."""
        ...


# -- the single writer -------------------------------------------------------------------------------


def _write_job(
    target: IngestTarget,
    job: Job,
    parts: Parts,
    resolvers: Callable[[RunUnit], Resolver],
    embed: bool,
    summary: IngestSummary,
    on_write: Callable[[], None],
    stop: Stop,
) -> str | None:
    """Resolve, embed and write the units of one input as each is extracted, one commit per unit.

    Every unit goes through the one write path (:func:`graphmem.writer.commit_batch`). Returns the error
    that stopped the input (an extraction, embedding, resolution or store failure of one unit; see
    :func:`~graphmem.ingest_summary.stopped_at`), or ``None``. The units before it stay committed; it and
    the units after it are not written (the last unit carries the record that marks the whole input done,
    and a later run resumes at the failed unit), and ``parts`` is closed so nothing after it is extracted
    or embedded. The units are one run (:mod:`graphmem.ingest_run`): ``resolvers`` gives the resolver of
    each unit from where it stands. A signal (``stop``, :mod:`graphmem.ingest_stop`) stops the run between
    units: the unit being written is committed whole, and an error raised meanwhile is taken as the
    signal's; a second signal abandons the unit up to its commit (``summary.abandoned`` names it).
    """
    t = summary.timings
    spent = Timings()
    run = UnitRun(job.todo)
    # the neo4j driver turns an exception raised mid-I/O into another error: a server store's unit is
    # abandoned only at its writes (graphmem.ingest_stop)
    at_once = not isinstance(target.store, GuardsWrites)
    left = iter(parts)
    try:
        for n, todo in enumerate(job.todo):
            try:
                with stop.unit(at_once=at_once):  # a second signal abandons it (graphmem.ingest_stop)
                    part = next(left)  # extracted here or by a worker, and embedded by the helper
                    error = _write_part(target, job, n, todo, part, run, resolvers, embed, summary, spent, stop)
            except UnitAbandoned:  # nothing of this unit is stored: its transaction was rolled back
                summary.abandoned = stopped_at(job, n, f"{job.path}: abandoned part way by a second signal")
                stop.check()  # the stop the first signal asked for
                raise
            if error is not None:
                return error
            on_write()
    finally:
        parts.close()
        for stage in ("resolve", "embed", "write"):
            t[stage] += getattr(spent, stage)
    return None


def _write_part(
    target: IngestTarget,
    job: Job,
    n: int,
    todo: Todo,
    part: Extracted,
    run: UnitRun,
    resolvers: Callable[[RunUnit], Resolver],
    embed: bool,
    summary: IngestSummary,
    spent: Timings,
    stop: Stop,
) -> str | None:
    """Write unit ``n`` of ``job`` (:func:`_write_job`), extracted as ``part``; returns the error that stopped
    the input there, or ``None``."""
    t = summary.timings
    t["extract"] += part.seconds
    t["embed"] += part.embed_seconds
    for key, value in part.usage.items():
        summary.usage[key] = summary.usage.get(key, 0) + value
    stop.check()  # Ctrl-C or SIGTERM since the last unit: this one is not written
    if part.error is not None:
        if part.stop:
            summary.stopped = part.error
        return stopped_at(job, n, part.error)
    try:
        placed = partial(run.resolver, resolvers, target.store, n)  # read after the unit's moves
        run.wrote(todo.transcript.namespace, _write_unit(target, todo, part, placed, embed, summary, spent, stop))
    except Exception as exc:  # a store or resolver failure: reported for this unit, as extraction's
        stop.check()  # unless a signal came meanwhile: then it is why (it was not raised mid-call)
        detail = str(exc) if isinstance(exc, GraphmemError) else f"{type(exc).__name__}: {exc}"
        return stopped_at(job, n, f"{job.path}: {detail}")
    return None


def _write_unit(
    target: IngestTarget,
    todo: Todo,
    part: Extracted,
    placed: Callable[[], Resolver],
    embed: bool,
    summary: IngestSummary,
    spent: Timings,
    stop: Stop,
) -> list[str]:
    """Commit the batches of one extracted unit (one per transcript), count them in ``summary`` and return
    the ids of the events written.

    On a server store each commit runs in the store's guard of its namespace and is resolved and written
    again, from the batch as extracted, when another client wrote the namespace meanwhile
    (:func:`graphmem.write_retry.retry_conflicts`, as :func:`graphmem.live.add` does); the unit's plan (what
    the input wrote before, read with the input) is the input's own and is not read again. ``placed`` gives
    the unit's resolver, read once its moves are written (what its retraction removes is read by then).
    ``stop`` holds off a second signal while what the unit moves is written, and from its commit on."""
    for moved in todo.moves:  # what an input moved here wrote from its old path, re-keyed first
        with stop.held():
            target.write(moved)
    resolver = placed()
    places = todo.forgotten_live  # with the unit's first batch: the one retracting them
    events: list[str] = []
    for extracted in part.batches:
        batch = without_events(extracted, set(todo.forgotten)) if todo.forgotten else extracted
        if places:
            batch, places = replace(batch, forgotten_live=(*batch.forgotten_live, *places)), ()
        if todo.indexes:  # the extraction of a part numbers its sessions from 0
            index = dict(todo.indexes)
            batch = replace(batch, sessions=tuple(replace(s, index=index.get(s.id, s.index)) for s in batch.sessions))
        if embed and not batch.embeddings:  # embedded once, outside the guard: an attempt only resolves and writes
            batch = embedded(target, batch, spent)
        records = (*todo.marks, todo.record) if todo.record is not None else todo.marks
        retyped: list[tuple[Entity, str]] = []
        try:
            with stop.held():  # a kept entity NER alone typed that the unit's facts type otherwise moves
                retyped = retype_kept(target.store, batch, todo.transcript.known, target.write)
            committing = Committing(target, stop)
            written = _commit_guarded(committing, batch, resolver, embed, records, todo.retract, spent)
        except BaseException:
            with stop.held():  # the unit was not written: nor is what it moved
                undo_retypes(target.store, retyped, target.write)
            raise
        batch = written.batch
        events.extend(e.id for e in batch.events)
        summary.events_retracted += len(todo.retract)
        summary.events += len(batch.events)
        summary.entities += len(written.new_entities)
        # a batch reckoned turn by turn holds the earlier versions too (fact_replay): one fact each
        summary.facts += sum(1 for f in batch.facts if not is_archive(f.id))
        if batch.namespace not in summary.namespaces:
            summary.namespaces.append(batch.namespace)
    summary.turns += todo.transcript.turn_count - len(todo.forgotten)
    return events


def _commit_guarded(
    target: IngestTarget,
    batch: Batch,
    resolver: Resolver,
    embed: bool,
    records: tuple[SourceRecord, ...],
    retract: tuple[str, ...],
    spent: Timings,
) -> Committed:
    """:func:`commit_batch` inside the store's guard of the batch's namespace, tried again from ``batch`` (as
    extracted, never as an attempt resolved it) while other clients write the namespace meanwhile.

    Raises:
        WriteConflictError: they did during every attempt; nothing of the batch was written.
        StoreError: another client wrote one of the batch's event ids since the input was read
            (:func:`_check_ids`); nothing of the batch was written.
    """
    ns = batch.namespace

    def attempt() -> Committed:
        with guarded(target.store, ns):
            if isinstance(target.store, GuardsWrites):
                _check_ids(target.store, batch, retract)
            return commit_batch(
                target, batch, resolver=resolver, embed=embed, records=records, retract=retract, timings=spent
            )

    return retry_conflicts(
        attempt,
        namespace=ns,
        failed=lambda attempts: (
            f"other writers changed namespace {ns!r} during each of {attempts} attempts to write this unit; "
            "nothing of this unit was written"
        ),
    )


def _check_ids(store: GraphStore, batch: Batch, retract: tuple[str, ...]) -> None:
    """Refuse ``batch`` when the namespace holds one of its event ids that it does not retract.

    The ids a unit writes were chosen when its input was read, against the sessions and events stored then
    (:mod:`graphmem.ingest_ids`): every one is new or one the unit retracts. On a server another client may
    have written one since (an agent's ``add`` starting ``session_1`` before a new file's first unit was
    written), and writing it would replace that client's message. Resolving again does not help; reading
    the input again does (it then takes other ids), so the input fails here and a later run resumes it.

    Raises:
        StoreError: such an id is stored (names the first few); nothing is written.
    """
    gone = {*retract, *batch.retract}
    taken = [e for e in store.get_events(batch.namespace, [e.id for e in batch.events]) if e.id not in gone]
    if taken:
        named = ", ".join(e.id for e in taken[:3]) + (f" … ({len(taken)} in all)" if len(taken) > 3 else "")
        raise StoreError(
            f"another writer wrote {named} in namespace {batch.namespace!r} after this input was read, and "
            "this unit would write over it; nothing of this unit was written"
        )


def _add_records(
    target: IngestTarget,
    inputs: Records,
    namespace: str,
    extractor: Extractor,
    resolver: Resolver,
    embed: bool,
    summary: IngestSummary,
    started: float,
    participants: Mapping[str, str] | None = None,
    zone: tzinfo | None = None,
) -> IngestSummary:
    """Ingest in-memory messages the way :meth:`Memory.add` appends them (no idempotence by content)."""
    from graphmem.live import add

    spent = Timings()
    try:
        with target.writing():
            before = target.store.stats(namespace)
            ids = add(
                target,
                inputs.records,
                namespace=namespace,
                extractor=extractor,
                resolver=resolver,
                embed=embed,
                timings=spent,
                participants=participants,
                zone=zone,
            )
            after = target.store.stats(namespace)
    except GraphmemError as exc:
        summary.files_failed = 1
        summary.errors.append(("<records>", str(exc)))
    else:
        summary.files_ok = 1
        summary.turns = len(ids)
        summary.events = after.events - before.events
        summary.entities = after.entities - before.entities
        summary.facts = after.facts - before.facts
        summary.namespaces.append(namespace)
    for stage in ("resolve", "embed", "write"):
        summary.timings[stage] += getattr(spent, stage)
    summary.seconds = time.perf_counter() - started
    return summary


def _get_extractor(extractor: str | Extractor, nlp: Any | None) -> Extractor:
    if not isinstance(extractor, str):
        return extractor
    from graphmem.extract import get_extractor

    return get_extractor(extractor, nlp=nlp)


def _count_read(summary: IngestSummary, job: Job) -> None:
    """Count what reading ``job`` found: its note, and whether it was skipped (empty, or unchanged)."""
    if job.error is not None:
        return
    if job.note is not None:  # a copy or an empty file skipped, or an input taken as moved
        summary.notes.append((job.path, job.note))
    if job.empty:
        summary.files_empty += 1
    elif job.skipped:
        summary.files_skipped += 1


def ingest(
    target: IngestTarget,
    source: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | Sequence[dict[str, Any]],
    *,
    namespace: str | None = None,
    format: str | None = None,
    extractor: str | Extractor = "spacy",
    workers: int = 1,
    progress: bool = False,
    embed: bool = True,
    resolver: Resolver | None = None,
    nlp: Any | None = None,
    embed_helper: bool = True,
    participants: Mapping[str, str] | None = None,
    zone: tzinfo | None = None,
) -> IngestSummary:
    """Ingest transcripts into ``target`` and return what happened.

    Args:
        target: where to write (an open :class:`~graphmem.Memory`, see :class:`IngestTarget`).
        source: a file, a folder (walked recursively for ``.json``, ``.jsonl``, ``.ndjson``, ``.txt`` and
            ``.log`` files), a list of those, or in-memory message dicts shaped like JSONL lines.
        namespace: put everything here; by default a LoCoMo sample goes to its ``sample_id``, another file
            to a namespace named after its stem, and in-memory records to ``default``. Files sharing a
            namespace never overwrite each other: when a file's session ids are taken by another file
            (``a/chat.txt`` and ``b/chat.txt``), its ids carry a tag of its path (``chat-1f2e3d4c/session_1``).
        format: one of :data:`graphmem.formats.FORMATS` (``locomo``, ``jsonl``, ``text``, ``chat``, ``whatsapp``);
            detected per file when ``None``.
        extractor: ``spacy`` (offline, the default), ``claude``, or an :class:`Extractor` object.
        workers: extraction processes; ``1`` extracts in this process. Writing is always done here.
        progress: show a progress bar on stderr (files, and turns as each unit is committed, turns/s).
        embed: embed event texts with ``target.embedder`` and store the vectors.
        resolver: the entity resolver run before each write; defaults to
            :func:`graphmem.extract.resolve.resolve_batch`.
        nlp: a loaded spaCy pipeline for the ``spacy`` extractor to reuse (default: loaded on first use).
        embed_helper: with ``workers == 1``, embed in a helper process while this one extracts and
            writes (:mod:`graphmem.embed_pool`; started once 256 texts were queued, so small inputs run
            in this process alone). The vectors are this process's (the default embedder runs one text
            per pass, so they are identical byte for byte; a batching one's differ in float rounding).
        participants: maps a role or speaker of JSONL and chat messages to a name (``{"user": "Dana"}``), as
            :meth:`~graphmem.memory.Memory.add` does (default: none, so a role is the speaker's name); over
            a chat export's own ``participants``. Other formats ignore it.
        zone: the memory's clock (default: UTC): a time an input gives without an offset is UTC, and what
            its turn says ("yesterday") is a day of this clock's calendar, as for :meth:`Memory.add`
            (:func:`graphmem.ingest_read.read_jobs`).

    Returns:
        The :class:`IngestSummary`. Inputs that fail (a folder without transcript files counts as one)
        are listed in ``errors``: one that cannot be read leaves nothing behind; one whose unit fails
        (its extraction, embedding, resolution or write; on a server store also other clients writing
        the namespace during each attempt at it) keeps the units committed before it, while that unit
        and those after it are not written (nothing after it is extracted), and its message names the
        ``path:line`` where the failed unit starts and the sessions not written (ingesting the same
        content again resumes at that unit); the other inputs are ingested. An edited file redoes only
        what changed: each session keeps its unchanged leading turns (``turns_kept``), and
        the rest is retracted (``events_retracted``) and written again in the transaction of its unit.

    Raises:
        ConfigError: a bad option (unknown format, illegal namespace, ``workers < 1``).
        KeyboardInterrupt: Ctrl-C, and ``SystemExit(143)`` SIGTERM, taken between units in the main thread
            (:mod:`graphmem.ingest_stop`), as :class:`~graphmem.ingest_stop.IngestInterrupted` and
            :class:`~graphmem.ingest_stop.IngestExit`, whose ``summary`` says what the run did: the unit
            being written is committed whole, unless a second signal abandons it before its commit (rolled
            back: ``summary.abandoned`` names it); one that comes while the run waits for another writer's
            lock ends the wait at once (``summary.stopped`` says so). The next run resumes.
    """
    if format is not None and format not in FORMATS:
        raise ConfigError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    if namespace is not None:
        validate_namespace(namespace)
    if workers < 1:
        raise ConfigError(f"workers must be at least 1, got {workers}")
    from graphmem.live_messages import check_participants

    names = check_participants(participants)
    started = time.perf_counter()
    ex = _get_extractor(extractor, nlp)
    resolve = resolver or default_resolver(target, embed)

    def resolvers(unit: RunUnit) -> Resolver:
        return resolver or default_resolver(target, embed, unit)

    summary = IngestSummary(extractor=f"{ex.name} {ex.version}", workers=workers)
    inputs = inputs_of(source)
    if isinstance(inputs, Records):  # in-memory messages have no file identity: they are added
        return _add_records(target, inputs, namespace or "default", ex, resolve, embed, summary, started, names, zone)
    mismatch = space_mismatch(target) if embed else None
    jobs = read_jobs(
        target.store,
        inputs,
        namespace=namespace,
        format=format,
        extractor=ex,
        embed=embed,
        mismatch=mismatch,
        participants=names,
        zone=zone,
    )
    try:
        _run(target, jobs, inputs, ex, extractor, workers, progress, embed, embed_helper, resolvers, summary, started)
    except KeyboardInterrupt as exc:  # the summary says what the run did before (the CLI prints it)
        summary.seconds = time.perf_counter() - started
        raise IngestInterrupted(summary) from exc
    except SystemExit as exc:
        summary.seconds = time.perf_counter() - started
        raise IngestExit(exc.code, summary) from exc
    summary.seconds = time.perf_counter() - started
    return summary


def _run(
    target: IngestTarget,
    jobs: Iterator[Job],
    inputs: Sequence[str] | str,
    ex: Extractor,
    extractor: str | Extractor,
    workers: int,
    progress: bool,
    embed: bool,
    embed_helper: bool,
    resolvers: Callable[[RunUnit], Resolver],
    summary: IngestSummary,
    started: float,
) -> None:
    """Ingest the inputs ``jobs`` reads into ``target``, counting in ``summary`` (:func:`ingest`)."""
    # one writer at a time, from reading what the store holds to the last commit (read_jobs is lazy). Ctrl-C
    # and SIGTERM stop the run between units (graphmem.ingest_stop), and at once while it waits for the
    # lock of another process (at each poll of the wait): nothing is written yet.
    with ExitStack() as stack:
        stop = stack.enter_context(stopping())
        summary.stopped = WAITING
        stack.enter_context(writing(target, stop.check))
        summary.stopped = None
        bar = stack.enter_context(
            ProgressBar(
                "ingest",
                len(inputs) if isinstance(inputs, list) else 1,
                "files  {task.fields[turns]:,} turns  {task.fields[rate]:,.0f} turns/s",
                enabled=progress,
                turns=0,
                rate=0.0,
            )
        )

        def tick(files: int) -> None:
            summary.seconds = time.perf_counter() - started
            bar.advance(files, turns=summary.turns, rate=summary.turns_per_s)

        spec = extractor if isinstance(extractor, str) else ex
        # workers embed what they extract when the embedder can travel; else the writer embeds
        shipped = for_workers(target.embedder) if embed and workers > 1 else None
        pooled = LazyPool(target) if embed and workers == 1 and embed_helper else None
        if pooled is not None:
            stack.callback(pooled.close, summary)
        # closed on a stop, so a pool of workers is shut down and no later input is read or extracted
        stream = stack.enter_context(closing(extract_stream(jobs, ex, spec, workers, shipped, stop)))
        for job, parts in until_stopped(stream, summary, len(inputs)):
            stop.check()
            if pooled is not None and parts is not None:
                parts = embedding_ahead(parts, pooled.get(), target.store)
            summary.timings["read"] += job.read_seconds
            _count_read(summary, job)
            if job.error is None and not job.skipped and parts is not None:
                summary.turns_kept += job.kept
                summary.turns_live += job.live
                summary.messages_empty += job.empty_messages
                try:
                    job.error = _write_job(target, job, parts, resolvers, embed, summary, lambda: tick(0), stop)
                except Exception as exc:  # a store or resolver failure on one input; others continue
                    stop.check()
                    detail = str(exc) if isinstance(exc, GraphmemError) else f"{type(exc).__name__}: {exc}"
                    job.error = f"{job.path}: {detail}"
                if job.error is None:
                    summary.files_ok += 1
            if job.error is not None:
                summary.files_failed += 1
                summary.errors.append((job.path, job.error))
            tick(1)
    stop.check()  # a signal during the last unit: the run is complete, yet it was asked to stop
