"""A memory budget shared by everything that loads a namespace into memory: an LRU over namespaces.

The embedded store's graph mirror and the vector index load a namespace on its first read. Each tells
the :class:`CacheBudget` what it holds (an estimate in bytes); when the total passes the limit the
least recently used namespaces of any holder are dropped (their data stays on disk and is read back
on next use). The namespace being charged is never dropped for itself, by any holder (its graph is
not evicted to make room for its own vectors), so one namespace larger than the budget still loads
whole: the budget bounds what is kept besides it, not what one read needs.

A holder drops a namespace in :meth:`Evictable.evict`. Eviction may be asked from another holder's
thread while that holder is busy: holders then take the request without blocking (they drop it at
their next access), so two holders' locks are never waited for in opposite orders.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

__all__ = ["CacheBudget", "DeferredEvictions", "Evictable", "megabytes"]


class Evictable(Protocol):
    """Something that holds namespaces in memory and can drop one on request."""

    def evict(self, namespace: str) -> None:
        """Drop ``namespace`` from memory (now, or at the next access if busy); its data stays on disk."""
        ...


class _Lock(Protocol):
    def acquire(self, blocking: bool = ..., timeout: float = ...) -> bool: ...

    def release(self) -> None: ...


class DeferredEvictions:
    """How a holder takes an eviction without blocking: ``drop`` now if its ``lock`` is free, else at
    its next access (the holder calls :meth:`drain` under its lock)."""

    def __init__(self, lock: _Lock, drop: Callable[[str], None]) -> None:
        self._lock = lock
        self._drop = drop
        self._pending: set[str] = set()

    def evict(self, namespace: str) -> None:
        """Drop ``namespace`` now, or mark it to be dropped at the holder's next access if it is busy."""
        if self._lock.acquire(blocking=False):
            try:
                self._drop(namespace)
            finally:
                self._lock.release()
        else:
            self._pending.add(namespace)

    def drain(self) -> None:
        """Drop what was asked while the holder was busy (called with the holder's lock held)."""
        while self._pending:
            self._drop(self._pending.pop())


def megabytes(value: float) -> int:
    """``value`` MiB in bytes."""
    return int(value * 1024 * 1024)


class CacheBudget:
    """An LRU of ``(holder, namespace)`` entries whose estimated sizes must stay under ``limit`` bytes.

    Args:
        limit: the budget in bytes; ``None`` keeps everything (no eviction).
    """

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[int, str], tuple[Evictable, int]] = OrderedDict()
        self._used = 0
        #: How many entries were evicted so far (for tests and benchmarks).
        self.evictions = 0

    @property
    def used(self) -> int:
        """The estimated bytes held now."""
        return self._used

    def held(self, holder: Evictable) -> list[str]:
        """The namespaces ``holder`` holds, least recently used first."""
        with self._lock:
            return [ns for (key, ns), (_h, _n) in self._entries.items() if key == id(holder)]

    def charge(self, holder: Evictable, namespace: str, nbytes: int) -> None:
        """Record that ``holder`` holds ``namespace`` at about ``nbytes``, as the most recently used entry.

        Call it before loading (with an estimate) to make room first, and again after with the size
        held. Entries over the budget are evicted, least recently used first, never one of this namespace.
        """
        key = (id(holder), namespace)
        victims: list[tuple[Evictable, str]] = []
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._used -= old[1]
            self._entries[key] = (holder, max(0, int(nbytes)))
            self._used += max(0, int(nbytes))
            if self.limit is not None:
                for other in list(self._entries):
                    if self._used <= self.limit:
                        break
                    if other[1] == namespace:
                        continue
                    victim, size = self._entries.pop(other)
                    self._used -= size
                    self.evictions += 1
                    victims.append((victim, other[1]))
        for victim, ns in victims:  # outside our lock: a holder's evict takes its own
            victim.evict(ns)

    def touch(self, holder: Evictable, namespace: str) -> None:
        """Mark ``namespace`` of ``holder`` as just used (no-op if it is not held)."""
        key = (id(holder), namespace)
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)

    def release(self, holder: Evictable, namespace: str) -> None:
        """Forget an entry the holder dropped by itself."""
        with self._lock:
            old = self._entries.pop((id(holder), namespace), None)
            if old is not None:
                self._used -= old[1]

    def release_all(self, holder: Evictable) -> None:
        """Forget every entry of a holder (it closed)."""
        with self._lock:
            for key in [k for k in self._entries if k[0] == id(holder)]:
                self._used -= self._entries.pop(key)[1]
