"""Batch ingestion: transcript files (or in-memory records) → extraction → one committed batch each.

The pipeline per input is read → extract → resolve → embed → write:

- **read** (parent process): the file is checked and parsed into transcripts by :mod:`graphmem.formats`;
  a transcript whose source record (file key + content hash) is already in the store is skipped, so
  re-ingesting unchanged content is a no-op and an interrupted run resumes where it stopped.
- **extract**: the extractor turns each transcript into a :class:`~graphmem.models.Batch`. With
  ``workers > 1`` this runs in worker processes, each loading its own spaCy pipeline once.
- **resolve**, **embed**, **write** (parent, the single writer, in input order): entities are resolved
  against those already in the namespace, event texts are embedded, and the batch is written together
  with its :class:`~graphmem.models.SourceRecord`, all-or-nothing.

Every transcript of a file is extracted before any of it is written, so a file that fails to read or
extract leaves nothing behind. A LoCoMo file holding several conversations writes one batch per
conversation (a batch holds one namespace); should the store fail between two of them, the next run
picks up the rest.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import pickle
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from graphmem.errors import ConfigError, GraphmemError, IngestError
from graphmem.formats import FORMATS, READER_VERSION, load_source, read_records, read_source
from graphmem.models import Batch, Entity, SourceRecord, validate_namespace
from graphmem.transcript import Transcript

if TYPE_CHECKING:
    from graphmem.memory import Memory

__all__ = ["FOLDER_SUFFIXES", "STAGES", "Extractor", "IngestSummary", "collect_files", "ingest"]

#: Extensions picked up when walking a folder (an explicitly named file may have any extension).
FOLDER_SUFFIXES = frozenset({".json", ".jsonl", ".ndjson", ".txt", ".log"})
#: The timed stages, in pipeline order.
STAGES = ("read", "extract", "resolve", "embed", "write")

Resolver = Callable[[Batch, list[Entity]], Batch]


@runtime_checkable
class Extractor(Protocol):
    """Turns one transcript into a batch for its namespace."""

    @property
    def name(self) -> str:
        """A short name (``spacy``, ``claude``), part of every content hash."""
        ...

    @property
    def version(self) -> str:
        """Bumped when the output changes, so unchanged inputs are extracted again."""
        ...

    def extract(self, transcript: Transcript) -> Batch:
        """Return the sessions, events, entities, mentions and facts of ``transcript``."""
        ...


@dataclass(slots=True)
class IngestSummary:
    """What an ingestion run did.

    ``seconds`` is wall time for the whole run; ``timings`` splits it by stage (with ``workers > 1``,
    ``extract`` sums the workers' time). ``errors`` holds ``(path, message)`` for every failed input.
    """

    files_ok: int = 0
    files_failed: int = 0
    files_skipped: int = 0
    turns: int = 0
    events: int = 0
    entities: int = 0
    facts: int = 0
    seconds: float = 0.0
    errors: list[tuple[str, str]] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    extractor: str = ""
    workers: int = 1

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
            "events": self.events,
            "entities": self.entities,
            "facts": self.facts,
            "seconds": round(self.seconds, 3),
            "turns_per_s": round(self.turns_per_s, 1),
            "errors": [{"path": p, "message": m} for p, m in self.errors],
            "namespaces": self.namespaces,
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "extractor": self.extractor,
            "workers": self.workers,
        }


# -- inputs ------------------------------------------------------------------------------------------


def collect_files(paths: Sequence[str | os.PathLike[str]]) -> list[str]:
    """Expand paths into input files: folders recursively (sorted, hidden entries and files without a
    transcript extension skipped), files as given, duplicates dropped. Missing paths are kept so
    that reading them reports the error."""
    out: list[str] = []
    seen: set[str] = set()

    def add(p: Path) -> None:
        key = str(p.resolve())
        if key not in seen:
            seen.add(key)
            out.append(str(p))

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith(".") and Path(name).suffix.lower() in FOLDER_SUFFIXES:
                        add(Path(root) / name)
        else:
            add(p)
    return out


@dataclass(frozen=True, slots=True)
class _Records:
    records: list[Any]


def _inputs(source: Any) -> list[str] | _Records:
    """The input files named by ``source``, or the in-memory records it holds."""
    if isinstance(source, dict):
        return _Records([source])
    if isinstance(source, str | os.PathLike):
        return collect_files([source])
    if not isinstance(source, Sequence) or isinstance(source, bytes):
        raise ConfigError(f"cannot ingest a {type(source).__name__}: give paths or a list of message dicts")
    items = list(source)
    if items and all(isinstance(item, dict) for item in items):
        return _Records(items)
    if not all(isinstance(item, str | os.PathLike) for item in items):
        raise ConfigError("give either paths or message dicts, not a mix")
    return collect_files(items)


@dataclass(slots=True)
class _Job:
    """One input: its transcripts still to ingest, with their source records; or why it failed."""

    path: str
    todo: list[tuple[Transcript, SourceRecord]] = field(default_factory=list)
    error: str | None = None
    skipped: bool = False
    read_seconds: float = 0.0

    @property
    def turns(self) -> int:
        return sum(t.turn_count for t, _ in self.todo)


def _content_hash(digest: str, fmt: str, extractor: Extractor, embed: bool) -> str:
    parts = [digest, fmt, READER_VERSION, extractor.name, extractor.version, "embed" if embed else "noembed"]
    return "sha256:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _plan(
    memory: Memory,
    transcripts: list[Transcript],
    job: _Job,
    key: str,
    content_hash: str,
) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    for i, t in enumerate(transcripts):
        tkey = key if len(transcripts) == 1 else f"{key}#{i}"
        if not memory.store.has_source(t.namespace, tkey, content_hash):
            job.todo.append((t, SourceRecord(t.namespace, tkey, content_hash, now)))
    job.skipped = not job.todo


def _read_jobs(
    memory: Memory,
    inputs: list[str] | _Records,
    *,
    namespace: str | None,
    format: str | None,
    extractor: Extractor,
    embed: bool,
) -> Iterator[_Job]:
    """Yield one job per input, read and checked against the store (lazily, so a big folder streams)."""
    if isinstance(inputs, _Records):
        records = inputs.records
        started = time.perf_counter()
        job = _Job("<records>")
        try:
            blob = json.dumps(records, sort_keys=True, default=str, ensure_ascii=False).encode()
            digest = hashlib.sha256(blob).hexdigest()
            ns = namespace or "default"
            transcript = read_records(records, namespace=ns, key=f"records-{digest[:8]}")
            key = f"records:{digest[:16]}"
            _plan(memory, [transcript], job, key, _content_hash(digest, "records", extractor, embed))
        except GraphmemError as exc:
            job.error = str(exc)
        job.read_seconds = time.perf_counter() - started
        yield job
        return
    for path in inputs:
        started = time.perf_counter()
        job = _Job(path)
        try:
            src = load_source(path)
            transcripts = read_source(src, format=format, namespace=namespace)
            fmt = transcripts[0].format if transcripts else (format or "unknown")
            digest = hashlib.sha256(src.data).hexdigest()
            key = str(Path(path).resolve())
            _plan(memory, transcripts, job, key, _content_hash(digest, fmt, extractor, embed))
        except GraphmemError as exc:
            job.error = str(exc) if isinstance(exc, IngestError) else f"{path}: {exc}"
        job.read_seconds = time.perf_counter() - started
        yield job


# -- extraction (in-process or in worker processes) ---------------------------------------------------


@dataclass(slots=True)
class _Extracted:
    batches: list[Batch] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    embed_seconds: float = 0.0


def _attach_embeddings(batch: Batch, embedder: Any) -> Batch:
    """The batch with a vector for every event text, made by ``embedder``."""
    if not batch.events:
        return batch
    vectors = embedder.embed([e.text for e in batch.events])
    pairs = tuple((e.id, v.tolist()) for e, v in zip(batch.events, vectors, strict=True))
    return replace(batch, embeddings=batch.embeddings + pairs, embedding_model=embedder.name)


def _extract_all(
    extractor: Extractor, transcripts: Sequence[Transcript], path: str, embedder: Any | None = None
) -> _Extracted:
    """Extract every transcript of one input (and embed its events when given an embedder)."""
    started = time.perf_counter()
    out = _Extracted()
    try:
        many = getattr(extractor, "extract_many", None)
        batches = list(many(transcripts)) if many else [extractor.extract(t) for t in transcripts]
        for t, batch in zip(transcripts, batches, strict=True):
            if batch.namespace != t.namespace:
                raise IngestError(
                    f"the extractor returned a batch for {batch.namespace!r}, expected {t.namespace!r}",
                    path=path,
                )
        out.seconds = time.perf_counter() - started
        if embedder is not None:
            started = time.perf_counter()
            batches = [_attach_embeddings(b, embedder) for b in batches]
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

        _worker_extractor = get_extractor(spec, None)
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

    def __init__(self, name: str) -> None:
        self.name = name

    def embed(self, texts: Sequence[str]) -> Any:
        from graphmem.embed import default_embedder

        embedder = default_embedder()
        if embedder.name != self.name:  # the worker must write into the same vector space
            raise ConfigError(f"worker embedder {embedder.name!r} differs from the parent's {self.name!r}")
        return embedder.embed(texts)


def _for_workers(embedder: Any) -> Any | None:
    """What to send to worker processes so they embed as ``embedder`` would, or ``None`` if nothing can.

    The process-wide default embedder is rebuilt in each worker; another one travels if it pickles (a
    model session usually does not, and then the writer embeds).
    """
    try:
        pickle.dumps(embedder)
    except Exception:  # pickling raises TypeError, AttributeError, PicklingError ... depending on the object
        from graphmem.embed import default_embedder

        return _DefaultEmbedder(embedder.name) if embedder is default_embedder() else None
    return embedder


def _extract_stream(
    jobs: Iterator[_Job], extractor: Extractor, spec: str | Extractor, workers: int, embedder: Any | None = None
) -> Iterator[tuple[_Job, _Extracted | None]]:
    """Yield every job with its extraction result, in input order.

    With ``workers > 1`` the work runs in a process pool; an ``embedder`` given here is sent to the
    workers, which then embed the events they extract.
    """
    if workers <= 1:
        for job in jobs:
            ready = job.todo and job.error is None
            yield job, _extract_all(extractor, [t for t, _ in job.todo], job.path) if ready else None
        return
    # spawn, not fork: the parent may hold torch/ONNX threads, which do not survive a fork.
    context = multiprocessing.get_context("spawn")
    window: deque[tuple[_Job, list[Future[_Extracted]]]] = deque()
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init, initargs=(spec, embedder)) as pool:
        try:
            for job in jobs:
                futures = []
                if job.todo and job.error is None:
                    # one task per conversation, so a file of many conversations uses every worker
                    futures = [pool.submit(_worker_extract, [t], job.path) for t, _ in job.todo]
                window.append((job, futures))
                while len(window) > 2 * workers:
                    yield _gather(*window.popleft())
            while window:
                yield _gather(*window.popleft())
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _gather(job: _Job, futures: list[Future[_Extracted]]) -> tuple[_Job, _Extracted | None]:
    """Join the per-conversation results of one input: all batches, or its first error."""
    if not futures:
        return job, None
    out = _Extracted()
    for fut in futures:
        part = fut.result()
        out.seconds += part.seconds
        out.embed_seconds += part.embed_seconds
        if part.error is not None and out.error is None:
            out.error = part.error
        out.batches.extend(part.batches)
    if out.error is not None:
        out.batches = []
    return job, out


# -- progress ---------------------------------------------------------------------------------------


class _Progress:
    """A rich progress bar on stderr (files done of total, turns, turns/s), or nothing when disabled."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self._total = total
        self._enabled = enabled
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        if self._enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(
                TextColumn("[bold]ingest"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("files  {task.fields[turns]:,} turns  {task.fields[rate]:,.0f} turns/s"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
            )
            self._task = self._bar.add_task("ingest", total=self._total, turns=0, rate=0.0)
            self._bar.start()
        return self

    def advance(self, summary: IngestSummary, files: int = 1) -> None:
        """Count ``files`` more inputs done and show the summary's turns and rate."""
        if self._bar is not None:
            self._bar.update(self._task, advance=files, turns=summary.turns, rate=summary.turns_per_s)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


# -- the single writer -------------------------------------------------------------------------------


def _default_resolver(memory: Memory, embed: bool) -> Resolver:
    """:func:`graphmem.extract.resolve.resolve_batch`, using the embedder as a second signal when embedding."""
    from graphmem.extract.resolve import resolve_batch

    if not embed:
        return resolve_batch
    return lambda batch, existing: resolve_batch(batch, existing, memory.embedder)


def _write_job(
    memory: Memory,
    job: _Job,
    result: _Extracted,
    resolver: Resolver,
    embed: bool,
    summary: IngestSummary,
    on_write: Callable[[], None],
) -> None:
    """Resolve, embed and write the batches of one input; record the outcome in ``summary``."""
    t = summary.timings
    for (transcript, record), batch in zip(job.todo, result.batches, strict=True):
        started = time.perf_counter()
        batch = resolver(batch, list(memory.store.iter_entities(batch.namespace)))
        t["resolve"] += time.perf_counter() - started
        if embed and not batch.embeddings:
            started = time.perf_counter()
            batch = _attach_embeddings(batch, memory.embedder)
            t["embed"] += time.perf_counter() - started
        started = time.perf_counter()
        memory.write(replace(batch, sources=(*batch.sources, record)))
        t["write"] += time.perf_counter() - started
        summary.turns += transcript.turn_count
        summary.events += len(batch.events)
        summary.entities += len(batch.entities)
        summary.facts += len(batch.facts)
        if batch.namespace not in summary.namespaces:
            summary.namespaces.append(batch.namespace)
        on_write()


def _get_extractor(memory: Memory, extractor: str | Extractor) -> Extractor:
    if not isinstance(extractor, str):
        return extractor
    from graphmem.extract import get_extractor

    return get_extractor(extractor, memory)


def ingest(
    memory: Memory,
    source: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | Sequence[dict[str, Any]],
    *,
    namespace: str | None = None,
    format: str | None = None,
    extractor: str | Extractor = "spacy",
    workers: int = 1,
    progress: bool = False,
    embed: bool = True,
    resolver: Resolver | None = None,
) -> IngestSummary:
    """Ingest transcripts into ``memory`` and return what happened.

    Args:
        memory: the open memory to write into.
        source: a file, a folder (walked recursively for ``.json``, ``.jsonl``, ``.ndjson``, ``.txt`` and
            ``.log`` files), a list of those, or in-memory message dicts shaped like JSONL lines.
        namespace: put everything here; by default a LoCoMo sample goes to its ``sample_id``, another file
            to a namespace named after its stem, and in-memory records to ``default``.
        format: one of ``locomo``, ``jsonl``, ``text``, ``chat``; detected per file when ``None``.
        extractor: ``spacy`` (offline, the default), ``claude``, or an :class:`Extractor` object.
        workers: extraction processes; ``1`` extracts in this process. Writing is always done here.
        progress: show a progress bar (files, turns, turns/s) on stderr.
        embed: embed event texts with ``memory.embedder`` and store the vectors.
        resolver: the entity resolver run before each write; defaults to
            :func:`graphmem.extract.resolve.resolve_batch`.

    Returns:
        The :class:`IngestSummary`. Inputs that fail are listed in ``errors`` and leave nothing behind;
        the others are ingested.

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
    ex = _get_extractor(memory, extractor)
    resolve = resolver or _default_resolver(memory, embed)
    summary = IngestSummary(extractor=f"{ex.name} {ex.version}", workers=workers)
    inputs = _inputs(source)
    jobs = _read_jobs(memory, inputs, namespace=namespace, format=format, extractor=ex, embed=embed)
    with _Progress(len(inputs) if isinstance(inputs, list) else 1, enabled=progress) as bar:

        def tick(files: int) -> None:
            summary.seconds = time.perf_counter() - started
            bar.advance(summary, files)

        spec = extractor if isinstance(extractor, str) else ex
        # workers embed what they extract when the embedder can travel; else the writer embeds
        shipped = _for_workers(memory.embedder) if embed and workers > 1 else None
        for job, result in _extract_stream(jobs, ex, spec, workers, shipped):
            summary.timings["read"] += job.read_seconds
            if job.error is None and result is not None:
                summary.timings["extract"] += result.seconds
                summary.timings["embed"] += result.embed_seconds
                job.error = result.error
            if job.error is not None:
                summary.files_failed += 1
                summary.errors.append((job.path, job.error))
            elif job.skipped:
                summary.files_skipped += 1
            elif result is not None:
                try:
                    _write_job(memory, job, result, resolve, embed, summary, lambda: tick(0))
                    summary.files_ok += 1
                except Exception as exc:  # a store or resolver failure on one input; others continue
                    detail = str(exc) if isinstance(exc, GraphmemError) else f"{type(exc).__name__}: {exc}"
                    summary.files_failed += 1
                    summary.errors.append((job.path, f"{job.path}: {detail}"))
            tick(1)
    summary.seconds = time.perf_counter() - started
    return summary
