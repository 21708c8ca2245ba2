"""What recall remembers between queries about a namespace: its participants and entity degrees.

Both are derived from the store and only steer weights; they are dropped for a namespace whenever
:meth:`Memory.write` or :meth:`Memory.forget` touches it (see :meth:`Memory.derived`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from graphmem.text import normalise_name

if TYPE_CHECKING:
    from graphmem.memory import Memory
    from graphmem.models import EdgeType
    from graphmem.store.base import Neighbor

__all__ = ["NamespaceCache", "namespace_cache"]


@dataclass(slots=True)
class NamespaceCache:
    """Per-namespace facts recall reuses.

    Attributes:
        degree: entity id → how many turns mention it (filled as entities are expanded).
        edges: answers of ``store.neighbors`` without time bounds, by (node, edge types, direction).
        participants: normalised name → speaker name, for everyone who speaks in the namespace (full
            names, and first names that only one speaker has); ``None`` until first needed.
    """

    degree: dict[str, int] = field(default_factory=dict)
    edges: dict[tuple[str, tuple[EdgeType, ...], str], list[Neighbor]] = field(default_factory=dict)
    participants: dict[str, str] | None = None

    def load_participants(self, memory: Memory, namespace: str) -> dict[str, str]:
        """The participants, read from the store's events on first use."""
        if self.participants is None:
            speakers = {ev.speaker for ev in memory.store.iter_events(namespace) if ev.speaker}
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


def namespace_cache(memory: Memory, namespace: str) -> NamespaceCache:
    """Recall's cache for ``namespace`` in ``memory``; the memory drops it whenever the namespace changes."""
    found = memory.derived(namespace).get("recall")
    if found is None:
        found = memory.derived(namespace)["recall"] = NamespaceCache()
    assert isinstance(found, NamespaceCache)
    return found
