"""Embedding beside extraction: one helper process embeds event texts while this process parses and writes.

On LoCoMo the sentence embedder costs about as much CPU as spaCy and the rules together, so ingesting a
file in one process leaves the second core idle. :class:`EmbedPool` takes the texts of a unit as soon as
it is extracted, cuts them into chunks and queues them; a helper process (spawned once
:data:`HELPER_AFTER_TEXTS` texts were queued, so a small input never pays for it) embeds chunks while
this process extracts the next unit, and this process embeds queued chunks itself whenever it would
otherwise wait for a result (work sharing over one queue), so both cores stay busy whichever side is
slower. The helper holds only the embedder: it starts in about a second, where an extraction worker
loads spaCy too.

A chunk is embedded whole by one process with the same model, so vectors do not depend on who embedded
it; they differ from embedding a whole unit in one call only in float rounding (chunks are cut from the
texts sorted by length, as the embedder sorts its own batches).
"""

from __future__ import annotations

import multiprocessing
import queue
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from graphmem.errors import IngestError

__all__ = ["CHUNK_TEXTS", "HELPER_AFTER_TEXTS", "EmbedPool", "Ticket"]

#: Texts per queued chunk: large enough to keep the embedder's length-sorted batches full, small enough
#: that the two processes share the last unit of a file evenly.
CHUNK_TEXTS = 64

#: The helper process starts once this many texts were queued (a unit of a large input is 256 turns or more).
HELPER_AFTER_TEXTS = 256

_POLL_SECONDS = 0.5


@dataclass(slots=True)
class Ticket:
    """The chunks of one :meth:`EmbedPool.submit` call and where each chunk's rows go."""

    size: int
    chunks: list[tuple[int, list[int]]] = field(default_factory=list)  # chunk id, rows of the result


def _serve(embedder: Any, tasks: Any, done: Any) -> None:  # pragma: no cover - runs in the helper process
    """The helper's loop: embed chunks until the ``None`` sentinel."""
    while True:
        item = tasks.get()
        if item is None:
            return
        chunk_id, texts = item
        try:
            done.put((chunk_id, np.asarray(embedder.embed(texts), dtype=np.float32), None))
        except Exception as exc:  # the writer reports it for the unit; the helper keeps serving
            done.put((chunk_id, None, f"{type(exc).__name__}: {exc}"))


class EmbedPool:
    """Embeds texts in a helper process and in this one, sharing one queue of chunks.

    Args:
        embedder: the embedder this process uses (its ``name`` is the vectors' model).
        shipped: what the helper process embeds with (a picklable embedder, or a stand-in that builds the
            same one there: see ``graphmem.ingest``); ``None`` embeds everything here.
        chunk: texts per chunk.

    Use as a context manager; leaving it stops the helper.
    """

    def __init__(self, embedder: Any, shipped: Any | None, *, chunk: int = CHUNK_TEXTS) -> None:
        self.embedder = embedder
        self.name = str(embedder.name)
        self._shipped = shipped
        self._chunk = max(1, chunk)
        self._context = multiprocessing.get_context("spawn")  # never fork a process holding ONNX threads
        self._tasks: Any = self._context.Queue()
        self._done: Any = self._context.Queue()
        self._process: Any = None
        self._queued = 0
        #: Whether the helper process was started.
        self.started = False
        self._next_id = 0
        self._results: dict[int, Any] = {}
        self._errors: dict[int, str] = {}
        #: Seconds this process spent embedding queued chunks itself, and waiting for the helper.
        self.local_seconds = 0.0
        self.wait_seconds = 0.0

    def __enter__(self) -> EmbedPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the helper process (if it was started)."""
        if self._process is None:
            return
        try:
            self._tasks.put(None)
            self._process.join(5)
        finally:
            if self._process.is_alive():  # pragma: no cover - a stuck helper
                self._process.terminate()
                self._process.join(5)
            self._process = None
            self._tasks.cancel_join_thread()

    def submit(self, texts: Sequence[str]) -> Ticket:
        """Queue ``texts`` for embedding; :meth:`result` returns their vectors in this order."""
        ticket = Ticket(len(texts))
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self._chunk):
            rows = order[start : start + self._chunk]
            chunk_id = self._next_id
            self._next_id += 1
            self._tasks.put((chunk_id, [texts[i] for i in rows]))
            ticket.chunks.append((chunk_id, rows))
        self._queued += len(texts)
        if self._queued >= HELPER_AFTER_TEXTS and self._process is None and self._shipped is not None:
            self._start()
        return ticket

    def _start(self) -> None:
        self._process = self._context.Process(
            target=_serve, args=(self._shipped, self._tasks, self._done), name="graphmem-embed", daemon=True
        )
        self._process.start()
        self.started = True

    def result(self, ticket: Ticket) -> Any:
        """The vectors of a submitted ticket, ``(size, dim)``; embeds queued chunks here while waiting.

        Raises:
            IngestError: the helper failed on one of the chunks, or stopped.
        """
        rows = None
        for chunk_id, where in ticket.chunks:
            vectors = self._wait(chunk_id)
            if rows is None:
                rows = np.zeros((ticket.size, vectors.shape[1]), dtype=np.float32)
            rows[where] = vectors
        return rows if rows is not None else np.zeros((0, 0), dtype=np.float32)

    def _wait(self, chunk_id: int) -> Any:
        while chunk_id not in self._results and chunk_id not in self._errors:
            self._collect(block=False)
            if chunk_id in self._results or chunk_id in self._errors:
                break
            if self._help():
                continue
            started = time.perf_counter()
            self._collect(block=True)
            self.wait_seconds += time.perf_counter() - started
        if chunk_id in self._errors:
            raise IngestError(f"embedding failed: {self._errors.pop(chunk_id)}")
        return self._results.pop(chunk_id)

    def _help(self) -> bool:
        """Embed one queued chunk here; ``False`` when the queue is empty."""
        try:  # alone, wait for the queue's feeder thread: what this process queued is on its way
            item = self._tasks.get(timeout=_POLL_SECONDS) if self._process is None else self._tasks.get_nowait()
        except queue.Empty:
            return False
        if item is None:  # pragma: no cover - only close() queues the sentinel
            return False
        chunk_id, texts = item
        started = time.perf_counter()
        try:
            self._results[chunk_id] = np.asarray(self.embedder.embed(texts), dtype=np.float32)
        except Exception as exc:  # reported for the chunk's unit, as the helper's failures are
            self._errors[chunk_id] = f"{type(exc).__name__}: {exc}"
        self.local_seconds += time.perf_counter() - started
        return True

    def _collect(self, *, block: bool) -> None:
        while True:
            try:
                item = self._done.get(timeout=_POLL_SECONDS) if block else self._done.get_nowait()
            except queue.Empty:
                if block and (self._process is None or not self._process.is_alive()):
                    if self._process is not None:
                        raise IngestError("the embedding helper process stopped") from None
                    return
                if block:
                    continue
                return
            chunk_id, vectors, error = item
            if error is not None:
                self._errors[chunk_id] = error
            else:
                self._results[chunk_id] = vectors
            block = False
