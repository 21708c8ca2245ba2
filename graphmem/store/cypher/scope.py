"""What the server sent during one read scope: events, so a read in the same scope need not ask again.

A recall reads in one scope (:meth:`~graphmem.store.cypher.store.CypherStore.reading`). Some of its
statements bring whole events along with what they were asked (the full-text candidates carry their
text anyway; a traversal hop's edges carry the events at their far ends), and recall then asks for those
events by id. :class:`SeenEvents` keeps them for the rest of the scope, per thread, and forgets them when
the scope ends: nothing outlives the recall that read it, so a write committed by another process is
seen by the next recall exactly as without it. Inside the scope an event is as of the statement that
brought it, which is what a read made a moment earlier would have given (Neo4j reads are
read-committed: statements of one scope never shared a snapshot anyway).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from graphmem.models import Event

__all__ = ["SeenEvents"]


class SeenEvents:
    """Events read during the current scope of each thread, by ``(namespace, id)``."""

    def __init__(self) -> None:
        self._local = threading.local()

    @contextmanager
    def scope(self) -> Iterator[None]:
        """Remember events until the scope ends (a nested scope shares the outer one)."""
        if self.active:
            yield
            return
        self._local.events = {}
        try:
            yield
        finally:
            self._local.events = None

    @property
    def active(self) -> bool:
        """Whether this thread is inside a scope (only then is anything remembered)."""
        return getattr(self._local, "events", None) is not None

    def add(self, event: Event) -> None:
        """Remember ``event`` (ignored outside a scope)."""
        events: dict[tuple[str, str], Event] | None = getattr(self._local, "events", None)
        if events is not None:
            events[event.namespace, event.id] = event

    def get(self, namespace: str, event_id: str) -> Event | None:
        """The event read earlier in this scope, or ``None``."""
        events: dict[tuple[str, str], Event] | None = getattr(self._local, "events", None)
        return None if events is None else events.get((namespace, event_id))
