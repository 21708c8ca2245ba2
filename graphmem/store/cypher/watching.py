"""What the Cypher store (:class:`~graphmem.store.cypher.store.CypherStore`) knows of other connections'
writes: each namespace's change counter (:mod:`graphmem.store.cypher.changes`) and the client copy of a
small namespace that answers a scope's reads while the counter holds (:mod:`graphmem.store.cypher.copy`).

:class:`CypherWatching` holds these; the store sets ``_session``, ``_counters`` and ``_copies``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from graphmem.store.cypher import changes
from graphmem.store.cypher.copy import EDGES, EVENTS, EdgeCopy, LocalCopies, NamespaceCopy, load_edges, load_events
from graphmem.store.cypher.session import SessionReads

__all__ = ["CypherWatching"]

T = TypeVar("T")
P = TypeVar("P", NamespaceCopy, EdgeCopy)


class CypherWatching(SessionReads):
    """The change counters and client copies of :class:`~graphmem.store.cypher.store.CypherStore`."""

    _counters: changes.ChangeCounters
    _copies: LocalCopies

    def _counter(self, ns: str) -> int | None:
        """The change counter of ``ns`` read now (``None``: never written)."""
        rows = self._read(changes.READ, ns=ns)
        return None if not rows or rows[0]["changes"] is None else int(rows[0]["changes"])

    def _forgetting_copy(self, ns: str, result: T) -> T:
        self._copies.forget(ns)  # its size is no longer known
        return result

    def changed_elsewhere(self, namespace: str) -> bool:
        """Whether other connections wrote ``namespace`` since the last call (true on the first call for a
        namespace); this store's own writes do not count unless another writer's came in between (the
        :class:`~graphmem.store.base.WatchesChanges` capability, see :mod:`graphmem.store.cypher.changes`).

        One small read; inside :meth:`reading` it uses the scope's connection, and the rest of the scope
        may answer reads of ``namespace`` from the client's copy of it, when the copy was loaded with the
        counter where it is now (see :mod:`graphmem.store.cypher.copy`).
        """
        ns = self._checked(namespace)
        now = self._counter(ns)
        self._copies.observed(ns, now)
        return self._counters.changed(ns, now)

    @property
    def copy_max_events(self) -> int:
        """Namespaces of at most this many events are answered from a client copy while their change counter
        holds (0: never; see :mod:`graphmem.store.cypher.copy`)."""
        return self._copies.max_events

    @copy_max_events.setter
    def copy_max_events(self, value: int) -> None:
        self._copies.max_events = int(value)

    def _copy(self, ns: str) -> NamespaceCopy | None:
        """The events part of the copy of ``ns`` that answers reads in this scope (read now if it may be)."""
        copies = self._copies
        return self._part(
            ns,
            EVENTS,
            NamespaceCopy,
            lambda now: load_events(self._session, ns, now, copies.max_events, copies.max_bytes),
        )

    def _edge_copy(self, ns: str) -> EdgeCopy | None:
        """The edges part of the copy of ``ns`` that answers reads in this scope (read now if it may be)."""
        return self._part(ns, EDGES, EdgeCopy, lambda now: load_edges(self._session, ns, now, self._copies.max_bytes))

    def _part(self, ns: str, part: str, kind: type[P], load: Callable[[int], P | None]) -> P | None:
        """The ``part`` of the copy of ``ns`` for this scope: the one kept, or ``load(counter)`` when it may be read."""
        wanted = self._copies.wanted(ns, part)
        if wanted is None:
            return None
        now, copy, may_load = wanted
        if copy is None and may_load:
            copy = load(now)
            self._copies.keep(ns, part, copy)
        return copy if isinstance(copy, kind) else None

    def forget_changes(self, namespace: str) -> None:
        """Forget the counter value known for ``namespace`` (the next :meth:`changed_elsewhere` is true)."""
        self._counters.forget(self._checked(namespace))
