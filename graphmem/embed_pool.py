"""Embedding beside extraction: one helper process embeds event texts while this process parses and writes.

On LoCoMo the sentence embedder costs about three times the CPU of spaCy and the rules together, so
ingesting a file in one process leaves the second core idle. :class:`EmbedPool` takes the texts of a unit
as soon as it is extracted, cuts them into chunks and queues them; a helper process (spawned once
:data:`HELPER_AFTER_TEXTS` texts were queued, so a small input never pays for it) embeds chunks while
this process extracts the next unit. The queue stays here: the helper holds two chunks at a time and is
handed the next one from the head of the queue by a reader thread as soon as it answers, whatever this
process is doing (the thread needs the GIL only for a moment, which the interpreter hands over every few
milliseconds and ONNX Runtime releases while it runs; a C call that holds it longer than the two chunks the
helper has in hand, about 0.6 s, would leave the helper idle meanwhile). When this process waits for a unit's
vectors it embeds that unit's queued chunks itself, from the tail of the queue, then chunks of later units
while the helper finishes the last of the unit (leaving it :data:`HELPER_RESERVE_TEXTS` texts), so both
cores stay busy whichever side is slower, and after the last unit is extracted both processes embed. The
helper holds only the embedder: it starts in about a second, where an extraction worker loads spaCy too.

The helper is ``python -c`` :data:`_BOOT` talking pickles over its stdin and stdout, not a
``multiprocessing`` child: a spawned child re-runs the caller's ``__main__`` module, so a script without
an ``if __name__ == "__main__"`` guard would ingest again inside the helper. The bootstrap takes this
process's ``sys.path`` before it imports graphmem, so the helper runs the same graphmem as this process
(``python -m graphmem.embed_pool`` imported whichever graphmem its own path found first: another checkout,
or none). Pickles are written to the helper by a thread of their own, so a helper that stops reading never
blocks this process (it is stopped after :data:`HELPER_SILENCE_S`). If the helper cannot start or stops,
the chunks it held are embedded here. An embedder the helper could not load (one that does not pickle, or
whose class the caller's ``__main__`` defines: the helper does not run the caller's script) starts no
helper, and this process embeds everything.

A chunk is embedded whole by one process with the same model, so vectors do not depend on who embedded
it. The default embedder (:class:`~graphmem.embed.Int8OnnxEmbedder`) runs one text per pass, so its
vectors do not depend on the chunks either; an embedder that batches texts gets chunks of
:data:`BATCHED_CHUNK_TEXTS`, and its vectors differ from embedding a whole unit in one call only in
float rounding (chunks are cut from the texts sorted by length, as the embedder sorts its own batches).
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np

from graphmem.errors import IngestError

__all__ = ["BATCHED_CHUNK_TEXTS", "CHUNK_TEXTS", "HELPER_AFTER_TEXTS", "HELPER_RESERVE_TEXTS", "EmbedPool", "Ticket"]

#: Texts per queued chunk for an embedder that runs one text per pass: about 0.3 s of CPU here, so this
#: process, waiting for the last chunks of a unit that the helper holds, waits little.
CHUNK_TEXTS = 16

#: Texts per queued chunk for an embedder that batches texts (``batch_size`` above 1): large enough to
#: keep its length-sorted batches full (and the same chunks, so the same float rounding, as before).
BATCHED_CHUNK_TEXTS = 64

#: Texts this process leaves queued for the helper when, waiting for a unit the helper is finishing, it
#: embeds chunks of later units: enough to keep the helper busy while this process writes a unit and
#: extracts the next (about two seconds).
HELPER_RESERVE_TEXTS = 128

#: The helper process starts once this many texts were queued (a unit of a large input is 256 turns or more).
HELPER_AFTER_TEXTS = 256

#: A helper that holds chunks and has not answered for this many seconds is stopped, and what it held
#: is embedded here: a hung or stopped helper must not hang ingest.
HELPER_SILENCE_S = 120.0

_IN_FLIGHT = 2  # chunks handed to the helper at a time: one to embed, one waiting in its pipe

#: The helper's command line: ``sys.path`` first (before graphmem is imported), then :func:`_main`.
_BOOT = (
    "import pickle, sys; sys.path[:] = pickle.load(sys.stdin.buffer); from graphmem.embed_pool import _main; _main()"
)


@dataclass(slots=True)
class Ticket:
    """The chunks of one :meth:`EmbedPool.submit` call and where each chunk's rows go."""

    size: int
    chunks: list[tuple[int, list[int]]] = field(default_factory=list)  # chunk id, rows of the result


def _serve(source: IO[bytes], sink: IO[bytes]) -> bool:  # pragma: no cover - runs in the helper process
    """The helper's loop: the embedder, then chunks until ``None`` or end of input (``sys.path`` was read
    by :data:`_BOOT`). Returns ``False`` when the parent is gone (its end of a pipe closed: killed, or
    stopped mid-write), which the helper takes as the end, quietly."""
    embedder = pickle.load(source)
    while True:
        try:
            item = pickle.load(source)
        except EOFError:
            return True
        except pickle.UnpicklingError:  # a pickle cut short: the parent died while writing it
            return False
        if item is None:
            return True
        chunk_id, texts, spans = item
        reply: tuple[int, Any, str | None]
        try:
            reply = (chunk_id, _embed_chunk(embedder, texts, spans), None)
        except Exception as exc:  # the writer reports it for the unit; the helper keeps serving
            reply = (chunk_id, None, f"{type(exc).__name__}: {exc}")
        try:
            pickle.dump(reply, sink, protocol=pickle.HIGHEST_PROTOCOL)
            sink.flush()
        except (BrokenPipeError, ConnectionResetError):  # the parent is gone: nobody reads the reply
            return False


#: The texts of a chunk and, for a one-pass request, the span of each text to pool apart.
_Chunk = tuple[list[str], list[tuple[int, int]] | None]


def _embed_chunk(embedder: Any, texts: list[str], spans: list[tuple[int, int]] | None) -> Any:
    """The rows of one chunk: ``embed(texts)``, or with ``spans`` both arrays of ``embed_spans`` side by side."""
    if spans is None:
        return np.asarray(embedder.embed(texts), dtype=np.float32)
    whole, part = embedder.embed_spans(texts, spans)
    return np.hstack([np.asarray(whole, dtype=np.float32), np.asarray(part, dtype=np.float32)])


class _Shipping(pickle.Pickler):
    """Pickles what the helper embeds with, refusing a class or function of this process's ``__main__``:
    the helper does not run the caller's script, so it could not load it (it would stop with a traceback)."""

    def reducer_override(self, obj: Any) -> Any:
        # Classes and functions pickle by name; so do other callables of __main__ (e.g. a functools.lru_cache
        # wrapper), and an instance of a __main__ class reports its class's module.
        if callable(obj) and getattr(obj, "__module__", None) == "__main__":
            name = getattr(obj, "__qualname__", type(obj).__qualname__)
            raise pickle.PicklingError(f"{name} is defined in __main__, which the helper does not run")
        return NotImplemented


def _ship(shipped: Any) -> bytes | None:
    """The pickle of ``shipped`` for the helper, or ``None`` if the helper could not load it."""
    buffer = io.BytesIO()
    try:
        _Shipping(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(shipped)
    except Exception:  # pickling raises several types; the helper is then not used
        return None
    return buffer.getvalue()


class EmbedPool:
    """Embeds texts in a helper process and in this one, sharing one queue of chunks kept here.

    The helper takes chunks from the head of the queue (its reader thread hands it the next one as soon
    as it answers, whatever this process is doing); this process, when it waits for a ticket, embeds that
    ticket's chunks from the tail of the queue, then (while the helper still holds one of them) chunks of
    later tickets as long as :data:`HELPER_RESERVE_TEXTS` texts stay queued for the helper.

    Args:
        embedder: the embedder this process uses (its ``name`` is the vectors' model).
        shipped: what the helper process embeds with (a picklable embedder, or a stand-in that builds the
            same one there: see ``graphmem.ingest``); ``None`` embeds everything here.
        chunk: texts per chunk; default :data:`CHUNK_TEXTS`, or :data:`BATCHED_CHUNK_TEXTS` for an
            embedder that batches texts (its ``batch_size`` is above 1).

    Use as a context manager; leaving it stops the helper.
    """

    def __init__(self, embedder: Any, shipped: Any | None, *, chunk: int | None = None) -> None:
        self.embedder = embedder
        self.name = str(embedder.name)
        self._shipped = shipped
        if chunk is None:
            # small chunks only for an embedder that says it embeds one text per pass; any other may batch
            # inside, and keeps the chunks (so the float rounding) it always had
            one_by_one = getattr(embedder, "batch_size", None) == 1
            chunk = CHUNK_TEXTS if one_by_one else BATCHED_CHUNK_TEXTS
        self._chunk = max(1, chunk)
        # everything below is shared with the reader thread, under this condition's lock
        self._cond = threading.Condition()
        self._backlog: deque[tuple[int, _Chunk]] = deque()
        self._in_flight: dict[int, _Chunk] = {}
        self._process: subprocess.Popen[bytes] | None = None  # while the helper takes chunks
        self._results: dict[int, Any] = {}
        self._errors: dict[int, str] = {}
        self._dropped: set[int] = set()  # chunks of discarded tickets the helper still holds
        self._live: set[int] = set()  # chunks submitted and neither collected nor discarded
        self._heard = 0.0  # when the helper last answered, or was handed work while it held none
        self._handle: tuple[subprocess.Popen[bytes], threading.Thread, threading.Thread] | None = None  # to stop it
        self._outbox: queue.Queue[bytes | None] = queue.Queue()  # pickles for the writer thread; None: stop
        self._queued = 0
        self._next_id = 0
        #: Whether the helper process was started.
        self.started = False
        #: Seconds this process spent embedding queued chunks itself, and waiting for the helper.
        self.local_seconds = 0.0
        self.wait_seconds = 0.0
        #: Texts embedded by this process and by the helper.
        self.local_texts = 0
        self.helper_texts = 0

    def __enter__(self) -> EmbedPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the helper process (if it was started) and close its pipes."""
        with self._cond:
            handle, self._handle, self._process = self._handle, None, None
        if handle is None:
            return
        process, reader, writer = handle
        self._outbox.put(None)  # the writer sends the helper ``None`` and closes its stdin
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:  # pragma: no cover - a stuck helper (its writer may be blocked)
            process.kill()
            process.wait(5)
        finally:
            writer.join(5)
            reader.join(5)
            for pipe in (process.stdin, process.stdout):
                if pipe is not None:
                    with contextlib.suppress(OSError):
                        pipe.close()

    def submit(self, texts: Sequence[str], spans: Sequence[tuple[int, int]] | None = None) -> Ticket:
        """Queue ``texts`` for embedding; :meth:`result` returns their vectors in this order.

        With ``spans`` (one per text) the embedder's ``embed_spans`` is used (a
        :class:`~graphmem.embed.SpanEmbedder`) and each result row holds both of its vectors, the whole
        text's then the span's.
        """
        ticket = Ticket(len(texts))
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with self._cond:
            for start in range(0, len(order), self._chunk):
                rows = order[start : start + self._chunk]
                chunk_id = self._next_id
                self._next_id += 1
                part = [spans[i] for i in rows] if spans is not None else None
                self._backlog.append((chunk_id, ([texts[i] for i in rows], part)))
                self._live.add(chunk_id)
                ticket.chunks.append((chunk_id, rows))
            self._queued += len(texts)
            if self._queued >= HELPER_AFTER_TEXTS and not self.started and self._shipped is not None:
                self._start()
            self._feed()
        return ticket

    def result(self, ticket: Ticket) -> Any:
        """The vectors of a submitted ticket, ``(size, dim)``; embeds queued chunks here while waiting.

        Raises:
            IngestError: embedding one of the chunks failed (the ticket is then discarded).
            ValueError: the ticket was already collected or discarded (its chunks are gone).
        """
        rows = None
        mine = {chunk_id for chunk_id, _ in ticket.chunks}
        try:
            for chunk_id, where in ticket.chunks:
                vectors = self._wait(chunk_id, mine)
                mine.discard(chunk_id)
                if rows is None:
                    rows = np.zeros((ticket.size, vectors.shape[1]), dtype=np.float32)
                rows[where] = vectors
        except BaseException:  # a failed chunk (or Ctrl-C): keep nothing of this ticket
            self.discard(ticket)
            raise
        return rows if rows is not None else np.zeros((0, 0), dtype=np.float32)

    def discard(self, ticket: Ticket) -> None:
        """Forget a submitted ticket whose vectors are no longer wanted (its unit will not be written).

        Its queued chunks are not embedded, and its vectors are not kept, now or when the helper answers.
        Discarding a ticket again, or one already collected, does nothing.
        """
        ids = {chunk_id for chunk_id, _ in ticket.chunks}
        with self._cond:
            self._live -= ids
            self._backlog = deque(item for item in self._backlog if item[0] not in ids)
            for chunk_id in ids:
                self._results.pop(chunk_id, None)
                self._errors.pop(chunk_id, None)
            self._dropped |= ids & self._in_flight.keys()

    # -- the helper process (every method below that touches the shared state holds the lock) --------

    def _start(self) -> None:
        shipped = _ship(self._shipped)
        if shipped is None:  # the helper could not load it: this process embeds everything
            self._shipped = None
            return
        try:
            process = subprocess.Popen([sys.executable, "-c", _BOOT], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        except OSError:  # no helper: this process embeds everything
            self._shipped = None
            return
        self.started = True
        assert process.stdin is not None and process.stdout is not None
        self._outbox.put(pickle.dumps(list(sys.path), protocol=pickle.HIGHEST_PROTOCOL))
        self._outbox.put(shipped)
        writer = threading.Thread(target=self._write, args=(process.stdin,), name="graphmem-embed-writer")
        reader = threading.Thread(target=self._read, args=(process.stdout,), name="graphmem-embed-reader")
        self._process, self._handle = process, (process, reader, writer)
        for thread in (writer, reader):
            thread.daemon = True
            thread.start()

    def _write(self, stdin: IO[bytes]) -> None:
        """Send the outbox's pickles to the helper; on ``None`` (or when it stops), close its stdin."""
        try:
            while (data := self._outbox.get()) is not None:
                stdin.write(data)
                stdin.flush()
            stdin.write(pickle.dumps(None))
        except (OSError, ValueError):  # the helper stopped (the reader then requeues what it held) or was closed
            pass
        finally:
            with contextlib.suppress(OSError, ValueError):
                stdin.close()

    def _read(self, stdout: IO[bytes]) -> None:
        """Take the helper's replies as they come and hand it its next chunks; requeue what it held when it stops."""
        try:
            while True:
                reply = pickle.load(stdout)
                with self._cond:
                    self._receive(reply)
                    self._cond.notify_all()
        except Exception:  # end of input, a broken pipe or an unreadable reply: the helper is done
            with self._cond:
                self._process = None
                self._requeue_held()
                self._cond.notify_all()

    def _receive(self, reply: tuple[int, Any, str | None]) -> None:
        """Keep one reply of the helper and feed it more."""
        chunk_id, vectors, error = reply
        chunk = self._in_flight.pop(chunk_id, None)
        if chunk is None:  # taken back from a helper that was given up on: it is embedded here
            return
        self._heard = time.monotonic()
        if chunk_id in self._dropped:  # its ticket was discarded
            self._dropped.discard(chunk_id)
        elif error is not None:
            # the helper could not embed it (say it cannot build this embedder): this process embeds it,
            # and the helper gets no more chunks; a failure here is the unit's error
            self._process = None
            self._backlog.appendleft((chunk_id, chunk))
        else:
            self._results[chunk_id] = vectors
            self.helper_texts += len(chunk[0])
        self._feed()

    def _feed(self) -> None:
        """Hand the helper the next chunks (from the head of the queue) while it holds fewer than two."""
        if self._process is None:
            return
        while self._backlog and len(self._in_flight) < _IN_FLIGHT:
            chunk_id, chunk = self._backlog.popleft()
            if not self._in_flight:
                self._heard = time.monotonic()
            self._in_flight[chunk_id] = chunk
            # never blocks: the writer thread sends it (a helper that stops reading blocks only that thread)
            self._outbox.put(pickle.dumps((chunk_id, *chunk), protocol=pickle.HIGHEST_PROTOCOL))

    def _abandon(self) -> None:
        """Stop a helper that stopped answering; what it held is embedded here."""
        if self._handle is not None:
            self._handle[0].kill()
        self._process = None
        self._requeue_held()

    def _requeue_held(self) -> None:
        """Put the chunks the helper held back at the front of the queue (those still wanted)."""
        for held_id, held in sorted(self._in_flight.items(), reverse=True):
            if held_id not in self._dropped:
                self._backlog.appendleft((held_id, held))
        self._dropped.clear()
        self._in_flight.clear()

    # -- waiting, and embedding here ---------------------------------------------------------------

    def _wait(self, chunk_id: int, mine: set[int]) -> Any:
        """The rows of ``chunk_id`` (one of the ticket's chunks ``mine``), embedding queued chunks here meanwhile."""
        while True:
            with self._cond:
                if chunk_id not in self._live:  # nothing would ever answer: never wait for it
                    raise ValueError("EmbedPool.result: this ticket was already collected or discarded")
                if chunk_id in self._results:
                    self._live.discard(chunk_id)
                    return self._results.pop(chunk_id)
                if chunk_id in self._errors:
                    self._live.discard(chunk_id)
                    raise IngestError(f"embedding failed: {self._errors.pop(chunk_id)}")
                job = self._pick(mine)
                if job is None:  # the helper holds what is left of this ticket: wait for its reply
                    started = time.perf_counter()
                    self._cond.wait(timeout=1.0)
                    self.wait_seconds += time.perf_counter() - started
                    if chunk_id in self._in_flight and time.monotonic() - self._heard > HELPER_SILENCE_S:
                        self._abandon()
                    continue
            try:
                self._embed_here(*job)
            except BaseException:  # not embedded (Ctrl-C): back on the queue, a later ticket may wait for it
                with self._cond:
                    if job[0] in self._live and job[0] not in self._results and job[0] not in self._errors:
                        self._backlog.append(job)
                        self._feed()
                        self._cond.notify_all()
                raise

    def _pick(self, mine: set[int]) -> tuple[int, _Chunk] | None:
        """Take a queued chunk to embed here: the ticket's last one, else (while the helper is busy with the
        ticket) the last chunk of a later ticket if enough stay queued for the helper; ``None``: wait."""
        for at in range(len(self._backlog) - 1, -1, -1):
            if self._backlog[at][0] in mine:
                job = self._backlog[at]
                del self._backlog[at]
                return job
        if self._process is None or not self._backlog:
            return None
        left = sum(len(texts) for _, (texts, _spans) in self._backlog) - len(self._backlog[-1][1][0])
        return self._backlog.pop() if left >= HELPER_RESERVE_TEXTS else None

    def _embed_here(self, chunk_id: int, chunk: _Chunk) -> None:
        """Embed one chunk taken off the queue in this process (outside the lock)."""
        texts, spans = chunk
        started = time.perf_counter()
        try:
            vectors, error = _embed_chunk(self.embedder, texts, spans), None
        except Exception as exc:  # reported for the chunk's unit, as the helper's failures are
            vectors, error = None, f"{type(exc).__name__}: {exc}"
        self.local_seconds += time.perf_counter() - started
        with self._cond:
            if chunk_id not in self._live:  # its ticket was discarded meanwhile (by another thread)
                return
            if error is not None:
                self._errors[chunk_id] = error
            else:
                self._results[chunk_id] = vectors
                self.local_texts += len(texts)


def _main() -> None:  # pragma: no cover - the helper process
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the writer's to handle; it stops us by EOF
    source = sys.stdin.buffer
    sink = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print must not corrupt the replies
    if not _serve(source, sink):
        # the parent is gone: exit without the flush at shutdown, which would print the broken pipe again
        os._exit(0)


if __name__ == "__main__":  # pragma: no cover - ``python -m graphmem.embed_pool``: the path comes first here too
    sys.path[:] = pickle.load(sys.stdin.buffer)
    _main()
