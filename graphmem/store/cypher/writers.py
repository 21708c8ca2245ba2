"""Writers of one namespace of a Cypher server: one at a time within a process, checked across processes.

The embedded store serialises writers with a file lock held across a whole operation (read what is stored,
decide, commit). A server has no such lock that a client can hold across several transactions, and the
reads of an operation run outside its write transaction. So a :class:`~graphmem.store.cypher.store.CypherStore`
guards its writers in two ways, held by :class:`Writers`:

- **threads of one process** sharing the store take its re-entrant write lock (:meth:`Writers.lock`, the
  :class:`~graphmem.store.base.WriteLocking` capability that :meth:`Memory.writing
  <graphmem.memory.Memory.writing>` takes), so they never decide from the same state;
- **other processes and clients** are caught by the namespace's change counter
  (:mod:`graphmem.store.cypher.changes`). :meth:`Writers.guarded` reads it before the operation's
  reads; every write transaction bumps it as its first statement, which takes the counter node's
  exclusive lock on Neo4j until the commit (the new value is read under that lock), and the transaction
  goes on only if the counter moved by this writer's own writes alone (:meth:`Writers.check`). Otherwise
  another writer committed in between: the transaction raises
  :class:`~graphmem.errors.WriteConflictError` and is rolled back, and the caller reads again
  (:func:`graphmem.live.add` and each unit of :func:`graphmem.ingest.ingest` do:
  :mod:`graphmem.write_retry`). On a server with optimistic transactions (ArcadeDB), two
  transactions that bump the counter at once both pass the check, but the second commit fails (a
  concurrent change of the counter, which the driver retries and the check then refuses, or a
  duplicate key, which the session maps to the same error).

Retrying alone starved writers under steady load (the one already running kept winning), so the
outermost guarded block of a namespace first waits its turn in the namespace's line of writers
(:mod:`graphmem.store.cypher.line`): writers of a namespace take turns in the order they came, and the
counter's check only refuses a writer that went ahead out of turn.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from types import TracebackType

from graphmem.errors import StoreLockedError, WriteConflictError
from graphmem.store.lock import DEFAULT_LOCK_TIMEOUT, acquire_polling

__all__ = ["Writers"]


class Writers:
    """The write lock of one store's threads and the counters its guarded writes expect, per thread.

    Args:
        where: the store, as messages name it.
        timeout: seconds a thread waits for another's write lock before :class:`StoreLockedError`
            (``GRAPHMEM_LOCK_TIMEOUT``, ``Memory.open(..., lock_timeout=...)``; negative: no limit).
    """

    def __init__(self, where: str, *, timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
        """Nothing is held until :meth:`lock` or :meth:`guarded` is entered."""
        self.where = where
        self.timeout = timeout
        self._mutex = threading.RLock()
        self._local = threading.local()  # .expected: namespace → counter value seen (None: no counter yet)
        self._holder: int | None = None  # the thread holding the write lock (its outermost hold)
        self._queued: dict[int, str] = {}  # thread → the namespace whose server line it waits in

    def _busy(self) -> str:
        """Why the write lock is held, as :class:`StoreLockedError` says it: a thread of this process that
        waits for its turn among a namespace's writers on the server is held up by other clients, not writing."""
        holder = self._holder
        waiting = self._queued.get(holder) if holder is not None else None
        if waiting is not None:
            return (
                f"store {self.where} is busy: another thread of this process has been waiting for "
                f"{self.timeout:g} s for its turn among the writers of namespace {waiting!r} on the server "
                "(other clients are writing it)"
            )
        return (
            f"store {self.where} is busy: another thread of this process has been writing to it for {self.timeout:g} s"
        )

    def lock(self) -> _Lock:
        """The store's write lock (re-entrant): ``with writers.lock():`` holds it, another thread waiting up to
        :attr:`timeout` seconds; ``with writers.lock().taken(waiting):`` calls ``waiting`` at each poll of
        that wait, and what it raises ends the wait, the lock not taken (an ingest stopped by Ctrl-C).

        Raises (on entering):
            StoreLockedError: another thread of this process held it for longer (the message says whether
                that thread was writing or waiting for its turn in a namespace's line on the server).
        """
        return _Lock(self)

    @contextmanager
    def _hold(self, waiting: Callable[[], None] | None) -> Iterator[None]:
        if not acquire_polling(self._mutex, self.timeout, waiting):
            raise StoreLockedError(
                f"{self._busy()}; wait longer with GRAPHMEM_LOCK_TIMEOUT (or Memory.open(..., lock_timeout=...))"
            )
        me = threading.get_ident()
        outermost = self._holder != me
        if outermost:
            self._holder = me
        try:
            yield
        finally:
            if outermost:
                self._holder = None
            self._mutex.release()

    def _expected(self) -> dict[str, int | None]:
        found: dict[str, int | None] | None = getattr(self._local, "expected", None)
        if found is None:
            found = self._local.expected = {}
        return found

    @contextmanager
    def guarded(
        self,
        namespace: str,
        read_counter: Callable[[], int | None],
        line: Callable[[], AbstractContextManager[object]] = nullcontext,
    ) -> Iterator[None]:
        """Let writes of this thread to ``namespace`` inside commit only while no other writer has written it
        since the block began (``read_counter`` reads the namespace's counter now). The outermost block
        first waits its turn in ``line`` (the namespace's line of writers, :mod:`graphmem.store.cypher.line`)
        and holds it to its end; nested blocks of one namespace share the outer one."""
        expected = self._expected()
        if namespace in expected:
            yield
            return
        with ExitStack() as turn:
            me = threading.get_ident()
            self._queued[me] = namespace
            try:
                turn.enter_context(line())
            finally:
                del self._queued[me]
            expected[namespace] = read_counter()
            try:
                yield
            finally:
                del expected[namespace]

    def check(self, namespace: str, after: int, start: int) -> None:
        """Inside a write transaction: raise unless the counter of ``namespace``, bumped to ``after`` (a new
        counter starting at ``start``), moved by this guard's writes only. Unguarded writes pass.

        Raises:
            WriteConflictError: another writer committed to the namespace since the guard began; the
                transaction is rolled back.
        """
        expected = self._expected()
        if namespace not in expected:
            return
        seen = expected[namespace]
        if after != (start if seen is None else seen + 1):
            raise WriteConflictError(
                f"another writer changed namespace {namespace!r} of {self.where} since this write read it; "
                "nothing was written",
                namespace=namespace,
            )

    def wrote(self, namespace: str, after: int) -> None:
        """Note that a guarded write committed, leaving the counter at ``after``: the guard expects it now."""
        expected = self._expected()
        if namespace in expected:
            expected[namespace] = after


class _Lock(AbstractContextManager[None]):
    """:meth:`Writers.lock`: a context manager, whose :meth:`taken` lets the caller end the wait
    (:class:`~graphmem.store.lock.StoppableLock`)."""

    __slots__ = ("_held", "_writers")

    def __init__(self, writers: Writers) -> None:
        self._writers = writers
        self._held: list[AbstractContextManager[None]] = []

    def taken(self, waiting: Callable[[], None] | None = None) -> AbstractContextManager[None]:
        """The lock held for a block, ``waiting`` called at each poll while another thread holds it."""
        return self._writers._hold(waiting)

    def __enter__(self) -> None:
        held = self._writers._hold(None)
        held.__enter__()
        self._held.append(held)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool | None:
        return self._held.pop().__exit__(exc_type, exc, tb)
