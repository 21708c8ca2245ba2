"""The extract stage of :mod:`graphmem.ingest`: each unit's transcripts turned into batches, in this process
or in a pool of worker processes (each loading its own spaCy pipeline once, and embedding what it extracts
when the embedder can travel to it)."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Generator, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, wait
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from graphmem.errors import ConfigError, ExtractorUnavailableError, GraphmemError, IngestError
from graphmem.extract import Extractor, ReportsUsage
from graphmem.ingest_read import Job
from graphmem.ingest_stop import Stop
from graphmem.models import Batch
from graphmem.transcript import Transcript
from graphmem.writer import attach_embeddings

__all__ = ["Extracted", "Parts", "extract_stream", "for_workers"]


@dataclass(slots=True)
class Extracted:
    """What extracting one unit gave: its batches, or the error that stopped it, and the time spent;
    ``stop`` when that error stops the whole run (the extractor's service cannot be reached)."""

    batches: list[Batch] = field(default_factory=list)
    error: str | None = None
    stop: bool = False
    seconds: float = 0.0
    embed_seconds: float = 0.0
    #: What the extractor asked of its service for this unit (:class:`~graphmem.extract.ReportsUsage`).
    usage: dict[str, int] = field(default_factory=dict)


def _extract_all(
    extractor: Extractor, transcripts: Sequence[Transcript], path: str, embedder: Any | None = None
) -> Extracted:
    """Extract every transcript of one input (and embed its events when given an embedder)."""
    started = time.perf_counter()
    out = Extracted()
    counted = extractor.usage() if isinstance(extractor, ReportsUsage) else None
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
        out.error = _unit_error(exc, path, transcripts)
        out.stop = isinstance(exc, ExtractorUnavailableError)
    if counted is not None and isinstance(extractor, ReportsUsage):  # what this unit asked, failed or not
        out.usage = {k: v - counted.get(k, 0) for k, v in extractor.usage().items()}
    return out


def _unit_error(exc: Exception, path: str, transcripts: Sequence[Transcript]) -> str:
    """The message of a unit that failed, naming its input once, as ``path`` (the path as given).

    An extractor names the input by the transcript's source file (an absolute path: the spaCy extractor's
    ``/abs/x.txt: extraction failed: …``); that name is put back to ``path`` rather than prefixed again.
    """
    detail = str(exc) if isinstance(exc, GraphmemError) else f"{type(exc).__name__}: {exc}"
    for named in {t.source_file for t in transcripts if t.source_file and t.source_file != path}:
        if detail.startswith(f"{named}:"):
            detail = path + detail[len(named) :]
            break
    return detail if detail.startswith(path) else f"{path}: extraction failed: {detail}"


_worker_extractor: Extractor | None = None
_worker_embedder: Any | None = None


#: How often a worker checks that the process that started it is still there (see :func:`_watch_parent`).
PARENT_POLL_SECONDS = 0.5
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _watch_parent(parent: int) -> None:
    """End this worker process as soon as ``parent`` (the process that started it) is gone.

    A parent killed by SIGKILL (or by a SIGTERM it had no time to act on) runs no cleanup, and a worker
    blocked on its task queue or in the middle of a unit would go on for ever, holding a spaCy pipeline and
    the embedding model. On Linux the kernel sends this process SIGKILL when its parent dies
    (``PR_SET_PDEATHSIG``); everywhere a daemon thread also notices that the parent process id changed
    (this process was given to another parent) within :data:`PARENT_POLL_SECONDS`, and ends it.
    """
    if sys.platform.startswith("linux"):
        with suppress(OSError, AttributeError):  # a libc without prctl: the thread watches alone
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # gone before the watch was set
        os._exit(1)

    def poll() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)  # nothing to save: what this worker extracted would go to a writer that is gone

    threading.Thread(target=poll, name="graphmem-parent-watch", daemon=True).start()


def _worker_init(spec: str | Extractor, embedder: Any | None, parent: int | None = None) -> None:
    global _worker_extractor, _worker_embedder
    # Ctrl-C reaches the whole process group; stopping is the writer's to handle (it shuts the pool down),
    # so a worker ignores it rather than print a KeyboardInterrupt traceback from wherever it was.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None:
        _watch_parent(parent)
    if isinstance(spec, str):
        from graphmem.extract import get_extractor

        _worker_extractor = get_extractor(spec)
    else:
        _worker_extractor = spec
    _worker_embedder = embedder
    getattr(_worker_extractor, "nlp", None)  # load a lazily loaded pipeline now, outside the timed work


def _worker_extract(transcripts: list[Transcript], path: str) -> Extracted:
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


def for_workers(embedder: Any) -> Any | None:
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


#: The extraction of one unit (see :class:`~graphmem.ingest_units.Todo`) at a time, in order, on demand;
#: the writer closes it when it stops early, so units after a failed one are neither extracted nor embedded.
Parts = Generator[Extracted, None, None]


def extract_stream(
    jobs: Iterator[Job],
    extractor: Extractor,
    spec: str | Extractor,
    workers: int,
    embedder: Any | None = None,
    stop: Stop | None = None,
) -> Generator[tuple[Job, Parts | None], None, None]:
    """Yield every job with its units' extraction results, in input order, as they become ready.

    In this process (``workers == 1``) a unit is extracted when the writer asks for it, so each session
    is committed before the next is extracted. With ``workers > 1`` the units run in a process pool (an
    ``embedder`` given here is sent to the workers, which then embed the events they extract) and come
    back in order as each finishes. The caller consumes a job's parts before asking for the next job.
    Extracting here is where ``stop`` (:mod:`graphmem.ingest_stop`) lets a signal raise at once; waiting
    for the workers checks it between short polls.
    """
    stop = stop if stop is not None else Stop()
    if workers <= 1:
        for job in jobs:
            ready = job.todo and job.error is None
            yield job, _in_process(job, extractor, stop) if ready else None
        return
    # spawn, not fork: the parent may hold torch/ONNX threads, which do not survive a fork.
    context = multiprocessing.get_context("spawn")
    window: deque[tuple[Job, list[Future[Extracted]]]] = deque()
    init = (spec, embedder, os.getpid())
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init, initargs=init) as pool:
        try:
            for job in jobs:
                futures = []
                if job.todo and job.error is None:
                    futures = _submit(pool, job)
                window.append((job, futures))
                while len(window) > 2 * workers:
                    yield _gather(*window.popleft(), stop)
            while window:
                yield _gather(*window.popleft(), stop)
        except BaseException:  # Ctrl-C, SIGTERM (SystemExit), a failure: the workers are stopped first
            _stop_workers(pool)  # they ignore Ctrl-C; a unit already handed out is not waited for
            raise


def _in_process(job: Job, extractor: Extractor, stop: Stop) -> Parts:
    """The units of ``job`` extracted here, one when the writer asks for it."""
    for t in job.todo:
        with stop.interruptible():  # no store call in flight: a signal raises at once
            part = _extract_all(extractor, [t.transcript], job.path)
        yield part


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Shut the pool down without waiting: queued units are cancelled and the worker processes ended now
    (what they extract is thrown away: the writer stopped)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()


@contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Block SIGINT in this thread while worker processes may start.

    A spawned worker inherits the blocked signal through its exec, so a Ctrl-C (sent to the whole process
    group) never interrupts it, even while it is still importing, before :func:`_worker_init` runs; the
    writer handles Ctrl-C. One that arrives meanwhile is delivered here when the block is lifted.
    """
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows: the initializer ignores it
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _submit(pool: ProcessPoolExecutor, job: Job) -> list[Future[Extracted]]:
    """Submit one task per unit (a session), so a large file uses every worker.

    The longest units go first (longest-processing-time-first): with LoCoMo's five conversations
    of 369 to 680 turns on two workers, the last worker then finishes 6% after the ideal instead of 24%.
    The futures come back in the input's order.
    """
    order = sorted(range(len(job.todo)), key=lambda i: -job.todo[i].transcript.turn_count)
    with _sigint_blocked():  # a submit may start a worker process
        submitted = {i: pool.submit(_worker_extract, [job.todo[i].transcript], job.path) for i in order}
    return [submitted[i] for i in range(len(job.todo))]


def _gather(job: Job, futures: list[Future[Extracted]], stop: Stop) -> tuple[Job, Parts | None]:
    """The results of one input's units, each waited for when the writer reaches it (a signal then stops
    the wait within a poll: ``stop``); closing them early (the writer stopped at a failed unit) cancels the
    units not started yet."""
    if not futures:
        return job, None

    def results() -> Parts:
        try:
            for fut in futures:
                yield _result(fut, stop)
        finally:
            for fut in futures:
                fut.cancel()  # a no-op for those done or running

    return job, results()


#: How often the writer, waiting for a worker's unit, looks whether a signal asked it to stop.
WAIT_POLL_SECONDS = 0.1


def _result(fut: Future[Extracted], stop: Stop) -> Extracted:
    """The result of ``fut``, waited for in short polls with :meth:`Stop.check` between them.

    The wait is not :meth:`Stop.interruptible`: an exception raised by a signal handler lands wherever the
    main thread is, here inside ``concurrent.futures``' waiting code (the future's condition, whose lock the
    pool's manager thread also takes to set the result), which is not written to survive it. Once, a SIGTERM
    so raised left ``graphmem ingest -w 2`` running for minutes after it (a CI run of
    tests/ingest/test_worker_signals.py; not reproduced in 28 runs since). A check between polls raises
    where no such lock is held, within :data:`WAIT_POLL_SECONDS` of the signal.
    """
    while True:
        stop.check()
        done, _ = wait([fut], timeout=WAIT_POLL_SECONDS)
        if done:
            return fut.result()
