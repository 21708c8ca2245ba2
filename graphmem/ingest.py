"""Batch ingestion: transcript files (or in-memory records) → extraction → one committed batch each.

The pipeline per input is read → extract → resolve → embed → write:

- **read** (parent process, :mod:`graphmem.ingest_read`): the file is checked and parsed into transcripts
  by :mod:`graphmem.formats`; a transcript whose source record (file key + content hash) is already in
  the store is skipped, so re-ingesting unchanged content is a no-op and an interrupted run resumes
  where it stopped; so is a file whose content is recorded from another path in the namespaces it
  writes (a copy, or a moved file), with a note naming that path. An edited file redoes only what
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
  workers embed what they extract.

A file is read and checked whole before anything is extracted, so malformed input leaves nothing
behind. It is then extracted and committed in units of consecutive sessions
(:data:`~graphmem.ingest_read.UNIT_TURNS` turns or more; a batch holds one namespace), each unit
marking its sessions done: a large file shows its turns as they are committed, and a run interrupted
(Ctrl-C, a crash, an extractor failure) keeps what it committed and resumes at the next unit.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

from graphmem.errors import ConfigError, GraphmemError, IngestError
from graphmem.extract import Extractor
from graphmem.formats import FORMATS
from graphmem.ingest_diff import without_events
from graphmem.ingest_read import FOLDER_SUFFIXES, Job, Records, Todo, collect_files, inputs_of, read_jobs
from graphmem.models import Batch, validate_namespace
from graphmem.progress import ProgressBar
from graphmem.transcript import Transcript
from graphmem.writer import (
    Resolver,
    Timings,
    attach_embeddings,
    commit_batch,
    default_resolver,
    with_embeddings,
)

if TYPE_CHECKING:
    from graphmem.embed import Embedder
    from graphmem.embed_pool import EmbedPool, Ticket
    from graphmem.embed_text import EmbeddingRequest
    from graphmem.store.base import GraphStore

__all__ = ["FOLDER_SUFFIXES", "STAGES", "Extractor", "IngestSummary", "IngestTarget", "collect_files", "ingest"]

#: The timed stages, in pipeline order.
STAGES = ("read", "extract", "resolve", "embed", "write")


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

    def writing(self) -> AbstractContextManager[None]:
        """Hold the store's write lock for the whole run (having caught up with other writers)."""
        ...


@dataclass(slots=True)
class IngestSummary:
    """What an ingestion run did.

    ``seconds`` is wall time for the whole run; ``timings`` splits it by stage (with ``workers > 1``,
    ``extract`` sums the workers' time). ``errors`` holds ``(path, message)`` for every failed input.
    ``turns`` counts the turns written (extracted, embedded and stored); ``turns_kept`` the turns of
    changed inputs left as stored, each session's unchanged leading turns (:mod:`graphmem.ingest_diff`);
    ``events_retracted`` the events of earlier versions of edited inputs that were deleted (the changed
    rest of a session, and sessions the input no longer holds); ``turns_live`` the turns not written because
    the namespace holds them already, added live with the same id in the same session (a live session the
    input holds whole is taken over instead: its events are retracted and written again from the input).
    """

    files_ok: int = 0
    files_failed: int = 0
    files_skipped: int = 0
    turns: int = 0
    turns_kept: int = 0
    turns_live: int = 0
    events: int = 0
    entities: int = 0
    facts: int = 0
    events_retracted: int = 0
    seconds: float = 0.0
    errors: list[tuple[str, str]] = field(default_factory=list)
    #: ``(path, message)`` for inputs skipped for a reason worth telling: a copy of an input already
    #: ingested from another path (the message names that path).
    notes: list[tuple[str, str]] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    extractor: str = ""
    workers: int = 1
    #: Helper processes started beside the workers (the embedding helper of :mod:`graphmem.embed_pool`).
    helpers: int = 0

    @property
    def turns_per_s(self) -> float:
        """Turns ingested per second of wall time."""
        return self.turns / self.seconds if self.seconds > 0 else 0.0

    @property
    def ok(self) -> bool:
        """Whether no input failed."""
        return self.files_failed == 0

    def as_dict(self) -> dict[str, Any]:
        """The summary as plain JSON-ready data."""
        return {
            "files_ok": self.files_ok,
            "files_failed": self.files_failed,
            "files_skipped": self.files_skipped,
            "turns": self.turns,
            "turns_kept": self.turns_kept,
            "turns_live": self.turns_live,
            "events": self.events,
            "entities": self.entities,
            "facts": self.facts,
            "events_retracted": self.events_retracted,
            "seconds": round(self.seconds, 3),
            "turns_per_s": round(self.turns_per_s, 1),
            "errors": [{"path": p, "message": m} for p, m in self.errors],
            "notes": [{"path": p, "message": m} for p, m in self.notes],
            "namespaces": self.namespaces,
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "extractor": self.extractor,
            "workers": self.workers,
            "helpers": self.helpers,
        }


# -- extraction (in-process or in worker processes) ---------------------------------------------------


@dataclass(slots=True)
class _Extracted:
    batches: list[Batch] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    embed_seconds: float = 0.0


def _extract_all(
    extractor: Extractor, transcripts: Sequence[Transcript], path: str, embedder: Any | None = None
) -> _Extracted:
    """Extract every transcript of one input (and embed its events when given an embedder)."""
    started = time.perf_counter()
    out = _Extracted()
    try:
        # a unit with no turns to write (a changed input whose edits only removed turns) is not extracted
        todo = [t for t in transcripts if t.sessions]
        found = iter(extractor.extract_many(todo) if todo else [])
        batches = [next(found) if t.sessions else Batch(t.namespace) for t in transcripts]
        for t, batch in zip(transcripts, batches, strict=True):
            if batch.namespace != t.namespace:
                raise IngestError(
                    f"the extractor returned a batch for {batch.namespace!r}, expected {t.namespace!r}",
                    path=path,
                )
        out.seconds = time.perf_counter() - started
        if embedder is not None:
            started = time.perf_counter()
            # a unit continuing a stored session is left to the writer, which embeds its first turn with
            # the stored turn it replies to (see graphmem.embed_text); a worker cannot read the store
            batches = [
                b if any(s.first_seq > 1 for s in t.sessions) else attach_embeddings(b, embedder)
                for t, b in zip(transcripts, batches, strict=True)
            ]
            out.embed_seconds = time.perf_counter() - started
        out.batches = batches
    except Exception as exc:  # one bad input must not stop a run over thousands of files
        out.batches = []
        out.seconds = time.perf_counter() - started
        detail = str(exc) if isinstance(exc, GraphmemError) else f"{type(exc).__name__}: {exc}"
        out.error = detail if detail.startswith(path) else f"{path}: extraction failed: {detail}"
    return out


_worker_extractor: Extractor | None = None
_worker_embedder: Any | None = None


def _worker_init(spec: str | Extractor, embedder: Any | None) -> None:
    global _worker_extractor, _worker_embedder
    if isinstance(spec, str):
        from graphmem.extract import get_extractor

        _worker_extractor = get_extractor(spec)
    else:
        _worker_extractor = spec
    _worker_embedder = embedder
    getattr(_worker_extractor, "nlp", None)  # load a lazily loaded pipeline now, outside the timed work


def _worker_extract(transcripts: list[Transcript], path: str) -> _Extracted:
    if _worker_extractor is None:  # pragma: no cover - the initializer always runs first
        raise RuntimeError("worker used before its initializer ran")
    return _extract_all(_worker_extractor, transcripts, path, _worker_embedder)


class _DefaultEmbedder:
    """Stands in a worker process for :func:`graphmem.embed.default_embedder`, which it loads there once."""

    def __init__(self, name: str, spec: str | None = None) -> None:
        self.name = name
        self.spec = spec  # what built the parent's (a Settings value may differ from this process's env)

    def _embedder(self) -> Any:
        from graphmem.embed import default_embedder

        embedder = default_embedder(self.spec)
        if embedder.name != self.name:  # the worker must write into the same vector space
            raise ConfigError(f"worker embedder {embedder.name!r} differs from the parent's {self.name!r}")
        return embedder

    def embed(self, texts: Sequence[str]) -> Any:
        return self._embedder().embed(texts)


class _DefaultSpanEmbedder(_DefaultEmbedder):
    """:class:`_DefaultEmbedder` for a default embedder that is a :class:`~graphmem.embed.SpanEmbedder`."""

    def embed_spans(self, texts: Sequence[str], spans: Sequence[tuple[int, int]]) -> Any:
        from graphmem.embed import pools_spans

        embedder = self._embedder()
        if not pools_spans(embedder):  # pragma: no cover - the parent checked the same one
            raise ConfigError(f"worker embedder {embedder.name!r} cannot pool spans")
        return embedder.embed_spans(texts, spans)


def _for_workers(embedder: Any) -> Any | None:
    """What to send to worker processes so they embed as ``embedder`` would, or ``None`` if nothing can.

    The process-wide default embedder is rebuilt in each worker; another one travels if it pickles (a
    model session usually does not, and then the writer embeds).
    """
    try:
        pickle.dumps(embedder)
    except Exception:  # pickling raises TypeError, AttributeError, PicklingError ... depending on the object
        from graphmem.embed import default_embedder_spec, is_default_embedder, pools_spans

        if not is_default_embedder(embedder):
            return None
        kind = _DefaultSpanEmbedder if pools_spans(embedder) else _DefaultEmbedder
        return kind(embedder.name, default_embedder_spec(embedder))
    return embedder


#: The extraction of one unit (see :class:`~graphmem.ingest_read.Todo`) at a time, in order, on demand;
#: the writer closes it when it stops early, so units after a failed one are neither extracted nor embedded.
Parts = Generator[_Extracted, None, None]


def _extract_stream(
    jobs: Iterator[Job], extractor: Extractor, spec: str | Extractor, workers: int, embedder: Any | None = None
) -> Iterator[tuple[Job, Parts | None]]:
    """Yield every job with its units' extraction results, in input order, as they become ready.

    In this process (``workers == 1``) a unit is extracted when the writer asks for it, so each session
    is committed before the next is extracted. With ``workers > 1`` the units run in a process pool (an
    ``embedder`` given here is sent to the workers, which then embed the events they extract) and come
    back in order as each finishes. The caller consumes a job's parts before asking for the next job.
    """
    if workers <= 1:
        for job in jobs:
            ready = job.todo and job.error is None
            yield job, (_extract_all(extractor, [t.transcript], job.path) for t in job.todo) if ready else None
        return
    # spawn, not fork: the parent may hold torch/ONNX threads, which do not survive a fork.
    context = multiprocessing.get_context("spawn")
    window: deque[tuple[Job, list[Future[_Extracted]]]] = deque()
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init, initargs=(spec, embedder)) as pool:
        try:
            for job in jobs:
                futures = []
                if job.todo and job.error is None:
                    futures = _submit(pool, job)
                window.append((job, futures))
                while len(window) > 2 * workers:
                    yield _gather(*window.popleft())
            while window:
                yield _gather(*window.popleft())
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _submit(pool: ProcessPoolExecutor, job: Job) -> list[Future[_Extracted]]:
    """Submit one task per unit (a session), so a large file uses every worker.

    The longest units go first (longest-processing-time-first): with LoCoMo's five conversations
    of 369 to 680 turns on two workers, the last worker then finishes 6% after the ideal instead of 24%.
    The futures come back in the input's order.
    """
    order = sorted(range(len(job.todo)), key=lambda i: -job.todo[i].transcript.turn_count)
    submitted = {i: pool.submit(_worker_extract, [job.todo[i].transcript], job.path) for i in order}
    return [submitted[i] for i in range(len(job.todo))]


def _gather(job: Job, futures: list[Future[_Extracted]]) -> tuple[Job, Parts | None]:
    """The results of one input's units, each waited for when the writer reaches it; closing them early
    (the writer stopped at a failed unit) cancels the units not started yet."""
    if not futures:
        return job, None

    def results() -> Parts:
        try:
            for fut in futures:
                yield fut.result()
        finally:
            for fut in futures:
                fut.cancel()  # a no-op for those done or running

    return job, results()


def _embedding_ahead(parts: Parts, pool: EmbedPool, store: GraphStore) -> Parts:
    """Queue each unit's texts for embedding as soon as it is extracted and hand the units on one behind,
    their vectors attached: the helper process embeds a unit while this process extracts the next one.

    A unit whose extraction failed is handed on at once and nothing after it is extracted: the writer
    stops there (see :func:`_write_job`), so a unit extracted ahead of it would only wait in the queue.
    When the writer stops at a unit for another reason (its embedding or write failed), the unit after
    it was already queued: closing this generator discards its tickets
    (:meth:`~graphmem.embed_pool.EmbedPool.discard`), so it is not embedded.
    """
    pending: deque[tuple[_Extracted, list[tuple[Ticket, EmbeddingRequest]]]] = deque()
    interrupted: BaseException | None = None
    try:
        while True:
            try:
                part = next(parts)
            except StopIteration:
                break
            except BaseException as exc:  # Ctrl-C while extracting: what was extracted before is still written
                interrupted = exc
                break
            tickets = [] if part.error is not None else [_request(pool, store, b) for b in part.batches]
            pending.append((part, tickets))
            if part.error is not None:
                break
            if len(pending) > 1:
                yield _attach_pooled(*pending.popleft(), pool)
        while pending:
            yield _attach_pooled(*pending.popleft(), pool)
    finally:  # the writer stopped early: the units queued after the one it stopped at are not wanted
        for _part, tickets in pending:
            for ticket, _ in tickets:
                pool.discard(ticket)
        if interrupted is not None:  # raised here, so a writer closing this early cannot swallow it
            raise interrupted


def _request(pool: EmbedPool, store: GraphStore, batch: Batch) -> tuple[Ticket, EmbeddingRequest]:
    """Queue what :func:`graphmem.writer.attach_embeddings` would embed for ``batch``."""
    from graphmem.embed import pools_spans
    from graphmem.embed_text import embedding_request

    namespace = batch.namespace
    one_pass = pools_spans(pool.embedder)
    request = embedding_request(batch.events, lambda ids: store.get_events(namespace, ids), one_pass=one_pass)
    return pool.submit(request.texts, request.spans), request


def _pooled_vectors(rows: Any, request: EmbeddingRequest) -> Any:
    if request.spans is None:
        return request.vectors(rows)
    dim = rows.shape[1] // 2
    return request.vectors(rows[:, :dim], rows[:, dim:])


def _attach_pooled(part: _Extracted, tickets: list[tuple[Ticket, EmbeddingRequest]], pool: EmbedPool) -> _Extracted:
    if part.error is not None:
        return part
    started = time.perf_counter()
    try:
        part.batches = [
            with_embeddings(batch, _pooled_vectors(pool.result(ticket), request), pool.name, request.scheme)
            if batch.events
            else batch
            for batch, (ticket, request) in zip(part.batches, tickets, strict=True)
        ]
    except GraphmemError as exc:
        part.batches, part.error = [], str(exc)
        for ticket, _ in tickets:  # the unit is not written: its batches not collected yet are not embedded
            pool.discard(ticket)
    except BaseException:  # not a unit's failure (a bug, Ctrl-C): still nothing left queued for this unit
        for ticket, _ in tickets:
            pool.discard(ticket)
        raise
    part.embed_seconds += time.perf_counter() - started
    return part


class _LazyPool:
    """The run's :class:`~graphmem.embed_pool.EmbedPool`, made when the first unit is ready to embed."""

    def __init__(self, target: IngestTarget) -> None:
        self._target = target
        self.pool: EmbedPool | None = None

    def get(self) -> EmbedPool:
        if self.pool is None:
            from graphmem.embed_pool import EmbedPool

            embedder = self._target.embedder
            self.pool = EmbedPool(embedder, _for_workers(embedder))
        return self.pool

    def close(self, summary: IngestSummary) -> None:
        if self.pool is not None:
            self.pool.close()
            summary.helpers += int(self.pool.started)


# -- the single writer -------------------------------------------------------------------------------


def _write_job(
    target: IngestTarget,
    job: Job,
    parts: Parts,
    resolver: Resolver,
    embed: bool,
    summary: IngestSummary,
    on_write: Callable[[], None],
) -> str | None:
    """Resolve, embed and write the units of one input as each is extracted, one commit per unit.

    Every unit goes through the one write path (:func:`graphmem.writer.commit_batch`). Returns the error
    that stopped the input (an extraction, embedding, resolution or store failure of one unit; see
    :func:`_stopped_at`), or ``None``. The units before it stay committed; it and the units after it are
    not written (the last unit carries the record that marks the whole input done, and a later run
    resumes at the failed unit), and ``parts`` is closed so nothing after it is extracted or embedded.
    """
    t = summary.timings
    spent = Timings()
    try:
        for n, (todo, part) in enumerate(zip(job.todo, parts, strict=True)):
            t["extract"] += part.seconds
            t["embed"] += part.embed_seconds
            if part.error is not None:
                return _stopped_at(job, n, part.error)
            try:
                _write_unit(target, todo, part, resolver, embed, summary, spent)
            except Exception as exc:  # a store or resolver failure: reported for this unit, as extraction's
                detail = str(exc) if isinstance(exc, GraphmemError) else f"{type(exc).__name__}: {exc}"
                return _stopped_at(job, n, f"{job.path}: {detail}")
            on_write()
    finally:
        parts.close()
        for stage in ("resolve", "embed", "write"):
            t[stage] += getattr(spent, stage)
    return None


def _write_unit(
    target: IngestTarget,
    todo: Todo,
    part: _Extracted,
    resolver: Resolver,
    embed: bool,
    summary: IngestSummary,
    spent: Timings,
) -> None:
    """Commit the batches of one extracted unit (one per transcript) and count them in ``summary``."""
    for extracted in part.batches:
        batch = without_events(extracted, set(todo.forgotten)) if todo.forgotten else extracted
        if todo.indexes:  # the extraction of a part numbers its sessions from 0
            index = dict(todo.indexes)
            batch = replace(batch, sessions=tuple(replace(s, index=index.get(s.id, s.index)) for s in batch.sessions))
        records = (*todo.marks, todo.record) if todo.record is not None else todo.marks
        written = commit_batch(
            target, batch, resolver=resolver, embed=embed, records=records, retract=todo.retract, timings=spent
        )
        batch = written.batch
        summary.events_retracted += len(todo.retract)
        summary.events += len(batch.events)
        summary.entities += len(written.new_entities)
        summary.facts += len(batch.facts)
        if batch.namespace not in summary.namespaces:
            summary.namespaces.append(batch.namespace)
    summary.turns += todo.transcript.turn_count - len(todo.forgotten)


#: Sessions named in the message of an input that stopped part way (the rest are counted).
_NAMED_SESSIONS = 6


def _stopped_at(job: Job, index: int, error: str) -> str:
    """The error of an input stopped at its unit ``index``: ``error``, then where that unit starts in the
    file (``path:line``, when its reader knows lines) and the sessions not written."""
    rest = [(t.transcript.namespace, s) for t in job.todo[index:] for s in t.transcript.sessions]
    lines = (turn.line for _, s in rest[:1] for turn in s.turns if turn.line is not None)
    line = next(lines, None)
    where = f"{job.path}:{line}" if line is not None else job.path
    several = len({ns for ns, _ in rest}) > 1
    names = [f"{ns}/{s.id}" if several else s.id for ns, s in rest]
    listed = ", ".join(names[:_NAMED_SESSIONS]) + (f", … ({len(names)} in all)" if len(names) > _NAMED_SESSIONS else "")
    kept = sum(len(t.transcript.sessions) for t in job.todo[:index])
    return (
        f"{error} (the unit starting at {where}, session {names[0]}; not written: {listed}; "
        f"{kept} session(s) of this run committed before it; ingesting the same content again resumes there)"
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


def _space_mismatch(target: IngestTarget) -> Callable[[str], str | None]:
    """Per namespace (remembered for the run), why ``target.embedder`` must not add vectors there: the
    stored ones are another model's, and a namespace of two models cannot be searched (``None``: fine)."""
    from graphmem.vector_index import REEMBED_HINT, same_space

    seen: dict[str, str | None] = {}

    def check(namespace: str) -> str | None:
        if namespace not in seen:
            models = {model for model, _scheme in target.store.embedding_origins(namespace) if model}
            other = sorted(m for m in models if not same_space(m, target.embedder))
            seen[namespace] = (
                f"namespace {namespace!r} holds vectors of {', '.join(other)}, not of the embedder "
                f"{target.embedder.name!r}: adding to it would leave two models that recall cannot search "
                f"together; nothing was written. Either {REEMBED_HINT}, then ingest again, or ingest with "
                "the embedder that made the stored vectors"
                if other
                else None
            )
        return seen[namespace]

    return check


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

    Returns:
        The :class:`IngestSummary`. Inputs that fail (a folder without transcript files counts as one)
        are listed in ``errors``: one that cannot be read leaves nothing behind; one whose unit fails
        (its extraction, embedding, resolution or write) keeps the units committed before it, while
        that unit and those after it are not written (nothing after it is extracted), and its message
        names the ``path:line`` where the failed unit starts and the sessions not written (ingesting
        the same content again resumes at that unit); the other inputs are ingested. An edited file
        redoes only what changed: each session keeps its unchanged leading turns (``turns_kept``), and
        the rest is retracted (``events_retracted``) and written again in the transaction of its unit.

    Raises:
        ConfigError: a bad option (unknown format, illegal namespace, ``workers < 1``).
    """
    if format is not None and format not in FORMATS:
        raise ConfigError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    if namespace is not None:
        validate_namespace(namespace)
    if workers < 1:
        raise ConfigError(f"workers must be at least 1, got {workers}")
    started = time.perf_counter()
    ex = _get_extractor(extractor, nlp)
    resolve = resolver or default_resolver(target, embed)
    summary = IngestSummary(extractor=f"{ex.name} {ex.version}", workers=workers)
    inputs = inputs_of(source)
    if isinstance(inputs, Records):  # in-memory messages have no file identity: they are added
        return _add_records(target, inputs, namespace or "default", ex, resolve, embed, summary, started)
    mismatch = _space_mismatch(target) if embed else None
    jobs = read_jobs(
        target.store, inputs, namespace=namespace, format=format, extractor=ex, embed=embed, mismatch=mismatch
    )
    # one writer at a time, from reading what the store holds to the last commit (read_jobs is lazy)
    with (
        target.writing(),
        ProgressBar(
            "ingest",
            len(inputs) if isinstance(inputs, list) else 1,
            "files  {task.fields[turns]:,} turns  {task.fields[rate]:,.0f} turns/s",
            enabled=progress,
            turns=0,
            rate=0.0,
        ) as bar,
        ExitStack() as stack,
    ):

        def tick(files: int) -> None:
            summary.seconds = time.perf_counter() - started
            bar.advance(files, turns=summary.turns, rate=summary.turns_per_s)

        spec = extractor if isinstance(extractor, str) else ex
        # workers embed what they extract when the embedder can travel; else the writer embeds
        shipped = _for_workers(target.embedder) if embed and workers > 1 else None
        pooled = _LazyPool(target) if embed and workers == 1 and embed_helper else None
        if pooled is not None:
            stack.callback(pooled.close, summary)
        for job, parts in _extract_stream(jobs, ex, spec, workers, shipped):
            if pooled is not None and parts is not None:
                parts = _embedding_ahead(parts, pooled.get(), target.store)
            summary.timings["read"] += job.read_seconds
            if job.error is None and job.skipped:
                summary.files_skipped += 1
                if job.note is not None:
                    summary.notes.append((job.path, job.note))
            elif job.error is None and parts is not None:
                summary.turns_kept += job.kept
                summary.turns_live += job.live
                try:
                    job.error = _write_job(target, job, parts, resolve, embed, summary, lambda: tick(0))
                except Exception as exc:  # a store or resolver failure on one input; others continue
                    detail = str(exc) if isinstance(exc, GraphmemError) else f"{type(exc).__name__}: {exc}"
                    job.error = f"{job.path}: {detail}"
                if job.error is None:
                    summary.files_ok += 1
            if job.error is not None:
                summary.files_failed += 1
                summary.errors.append((job.path, job.error))
            tick(1)
    summary.seconds = time.perf_counter() - started
    return summary
