"""What recall remembers between queries about a namespace: its participants and entity degrees.

Both are derived from the store and only steer weights. :class:`NamespaceCaches` holds one
:class:`NamespaceCache` per namespace; its owner (the :class:`~graphmem.memory.Memory`) drops a
namespace's entry whenever :meth:`Memory.write` or :meth:`Memory.forget` touches it, so nothing derived
outlives the data it came from.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphmem.text import normalise_name

if TYPE_CHECKING:
    from graphmem.store.base import GraphStore, Neighbor

__all__ = ["NamespaceCache", "NamespaceCaches"]


@dataclass(slots=True)
class NamespaceCache:
    """Per-namespace facts recall reuses.

    Attributes:
        degree: entity id → how many turns mention it (filled as entities are expanded).
        edges: answers of ``store.neighbors`` without time bounds, by (node, edge types, direction), the
            types as their values joined by commas: keys of strings only, which the garbage collector
            stops tracking (it visits every tracked object in a full collection).
        participants: normalised name → speaker name, for everyone who speaks in the namespace (full
            names, and first names that only one speaker has); ``None`` until first needed.
        derived: what a recall channel derives from the namespace, by channel (e.g. the person facts
            of :mod:`graphmem.recall.person_facts`), dropped with the rest.
    """

    degree: dict[str, int] = field(default_factory=dict)
    edges: dict[tuple[str, str, str], list[Neighbor]] = field(default_factory=dict)
    participants: dict[str, str] | None = None
    derived: dict[str, Any] = field(default_factory=dict)

    def load_participants(self, store: GraphStore, namespace: str) -> dict[str, str]:
        """The participants, read from the store's events on first use."""
        if self.participants is None:
            from graphmem.store.base import ListsSpeakers

            if isinstance(store, ListsSpeakers):
                speakers = set(store.speakers(namespace))
            else:
                speakers = {ev.speaker for ev in store.iter_events(namespace) if ev.speaker}
            names: dict[str, str] = {normalise_name(s): s for s in speakers}
            firsts: dict[str, set[str]] = {}
            for speaker in speakers:
                parts = normalise_name(speaker).split()
                if len(parts) > 1:
                    firsts.setdefault(parts[0], set()).add(speaker)
            for first, owners in firsts.items():
                if len(owners) == 1 and first not in names:
                    names[first] = next(iter(owners))
            self.participants = names
        return self.participants


class NamespaceCaches:
    """One :class:`NamespaceCache` per namespace, created on first use and dropped when the data changes.

    At most ``limit`` namespaces keep a cache (the least recently used is dropped first), so an agent
    serving many tenants does not keep what it derived from each of them.
    """

    __slots__ = ("_by_namespace", "limit")

    def __init__(self, limit: int = 64) -> None:
        self._by_namespace: OrderedDict[str, NamespaceCache] = OrderedDict()
        self.limit = limit

    def get(self, namespace: str) -> NamespaceCache:
        """The cache of ``namespace``, created empty on first use."""
        found = self._by_namespace.get(namespace)
        if found is None:
            found = self._by_namespace[namespace] = NamespaceCache()
            while len(self._by_namespace) > self.limit:
                self._by_namespace.popitem(last=False)
        else:
            self._by_namespace.move_to_end(namespace)
        return found

    def __contains__(self, namespace: object) -> bool:
        return namespace in self._by_namespace

    def drop(self, namespace: str) -> None:
        """Forget what was derived from ``namespace`` (call after anything changes it)."""
        self._by_namespace.pop(namespace, None)
