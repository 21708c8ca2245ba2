"""The store-wide write lock: one writer at a time, and a second one told who holds the store.

An embedded store's directory holds ``graphmem.lock``. A writer takes an exclusive ``flock`` on it for
the whole of its operation (an ``ingest`` run, an ``add`` call, a ``forget``): reading what the store
holds, deciding what to write and committing it, so two writers never decide from the same state. The
holder writes its pid, command line and start time into the file; a second writer waits up to its
timeout and then fails with :class:`~graphmem.errors.StoreLockedError` naming the holder. The kernel
drops the lock when the holder exits, even if it crashes, so a stale lock file never blocks anyone.

The lock is re-entrant within a process (an ``ingest`` that writes many batches takes it once) and
serialises the threads of one process sharing a store handle.
"""

from __future__ import annotations

import fcntl
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Protocol, runtime_checkable

from graphmem.errors import ConfigError, StoreError, StoreLockedError

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "LOCK_FILENAME",
    "StoppableLock",
    "WriteLock",
    "acquire_polling",
    "parse_lock_timeout",
]

LOCK_FILENAME = "graphmem.lock"
#: Seconds a writer waits for another to finish before giving up.
DEFAULT_LOCK_TIMEOUT = 30.0
_POLL = 0.02


def parse_lock_timeout(raw: str | None) -> float:
    """The write-lock timeout named by ``GRAPHMEM_LOCK_TIMEOUT`` (``raw``), else :data:`DEFAULT_LOCK_TIMEOUT`.

    Raises:
        ConfigError: the value is not a number of seconds ≥ 0.
    """
    text = (raw or "").strip()
    if not text:
        return DEFAULT_LOCK_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise ConfigError(f"GRAPHMEM_LOCK_TIMEOUT must be a number of seconds ≥ 0, not {raw!r}")
    return value


@runtime_checkable
class StoppableLock(Protocol):
    """A write lock whose wait a caller can end: :class:`WriteLock`, and a server store's lock of its threads
    (:class:`~graphmem.store.cypher.writers.Writers`)."""

    def taken(self, waiting: Callable[[], None] | None = None) -> AbstractContextManager[object]:
        """The lock held for a block, ``waiting`` called at each poll while another holds it; what it raises
        ends the wait, the lock not taken."""
        ...


def acquire_polling(mutex: threading.RLock, timeout: float, waiting: Callable[[], None] | None) -> bool:
    """Take ``mutex`` within ``timeout`` seconds (negative: no limit), calling ``waiting`` at each poll while
    another thread holds it; ``False`` when the time ran out. What ``waiting`` raises ends the wait, the
    mutex not taken."""
    if waiting is None:
        return mutex.acquire(timeout=timeout if timeout >= 0 else -1)
    deadline = time.monotonic() + timeout if timeout >= 0 else None
    while not mutex.acquire(timeout=_POLL):
        if deadline is not None and time.monotonic() >= deadline:
            return False
        waiting()
    return True


class WriteLock:
    """An exclusive, re-entrant, inter-process lock on a store directory.

    Args:
        directory: the store directory (the lock file is created in it).
        timeout: seconds to wait for another holder before raising :class:`StoreLockedError` (negative: no
            limit).
    """

    def __init__(self, directory: Path, *, timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
        """Prepare the lock; nothing is opened until it is first taken."""
        self.path = directory / LOCK_FILENAME
        self.timeout = timeout
        self._mutex = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this process holds the lock (through this object)."""
        return self._depth > 0

    def holder(self) -> str | None:
        """What the current holder wrote into the lock file, or ``None`` when it is empty or unreadable."""
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            return None
        return text or None

    def acquire(self, waiting: Callable[[], None] | None = None) -> None:
        """Take the lock, waiting up to :attr:`timeout` seconds for another process to release it.

        Args:
            waiting: called at each poll while another holds it (a thread of this process, or another
                process); what it raises ends the wait, the lock not taken (an ingest stopped by Ctrl-C).

        Raises:
            StoreLockedError: another writer still holds it; the message names it.
            StoreError: the lock file cannot be created.
        """
        if not self._take_mutex(waiting):
            raise StoreLockedError(f"store {self.path.parent} is busy: another thread of this process writes to it")
        if self._depth > 0:
            self._depth += 1
            return
        try:
            self._take(waiting)
        except BaseException:
            self._mutex.release()
            raise
        self._depth = 1

    @contextmanager
    def taken(self, waiting: Callable[[], None] | None = None) -> Iterator[WriteLock]:
        """The lock held for a block (as ``with lock:``), ``waiting`` called while it is waited for
        (:meth:`acquire`)."""
        self.acquire(waiting)
        try:
            yield self
        finally:
            self.release()

    def _take_mutex(self, waiting: Callable[[], None] | None) -> bool:
        return acquire_polling(self._mutex, self.timeout, waiting)

    def _take(self, waiting: Callable[[], None] | None) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"cannot create the write lock {self.path}: {exc.strerror}") from exc
        deadline = time.monotonic() + self.timeout if self.timeout >= 0 else None
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if deadline is not None and time.monotonic() >= deadline:
                        holder = self.holder()
                        raise StoreLockedError(
                            f"store {self.path.parent} is locked by another writer "
                            f"({holder or 'holder unknown'}); waited {self.timeout:g} s. "
                            "Try again when it has finished.",
                            holder=holder,
                        ) from None
                    if waiting is not None:
                        waiting()
                    time.sleep(_POLL)
            since = datetime.now(UTC).isoformat(timespec="seconds")
            note = f"pid {os.getpid()} ({' '.join(sys.argv)[:200]}) since {since}\n".encode()
            os.ftruncate(fd, 0)
            os.pwrite(fd, note, 0)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def release(self) -> None:
        """Release one level of the lock; the file lock is dropped when the outermost holder releases."""
        if self._depth <= 0:
            raise RuntimeError("release of a write lock that is not held")
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                os.ftruncate(fd, 0)
            except OSError:
                pass  # the note is informative only
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
        self._mutex.release()

    def __enter__(self) -> WriteLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"<WriteLock {self.path} {'held' if self.held else 'free'}>"
