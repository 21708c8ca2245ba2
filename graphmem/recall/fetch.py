"""Reads recall makes for many nodes at once: one round trip per batch on a server.

A store with the :class:`~graphmem.store.base.FetchesFrontier` or
:class:`~graphmem.store.base.FetchesEntities` capability answers a whole batch in one call; any other
store is asked once per node (the embedded store reads memory, where that costs nothing).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from graphmem.store.base import Direction, FetchesEntities, FetchesFrontier

if TYPE_CHECKING:
    from graphmem.models import EdgeType, Entity
    from graphmem.store.base import GraphStore, Neighbor, TimeFilter

__all__ = ["edges_of", "entities_by_id"]


def edges_of(
    store: GraphStore,
    namespace: str,
    node_ids: Sequence[str],
    *,
    edge_types: Iterable[EdgeType] | None = None,
    direction: Direction = Direction.BOTH,
    time: TimeFilter | None = None,
) -> dict[str, list[Neighbor]]:
    """``store.neighbors`` of every id (each id a key, an unknown one mapping to ``[]``)."""
    if not node_ids:
        return {}
    types = None if edge_types is None else tuple(edge_types)
    if isinstance(store, FetchesFrontier):
        return store.neighbors_many(namespace, node_ids, edge_types=types, direction=direction, time=time)
    return {
        node_id: store.neighbors(namespace, node_id, edge_types=types, direction=direction, time=time)
        for node_id in node_ids
    }


def entities_by_id(store: GraphStore, namespace: str, entity_ids: Iterable[str]) -> dict[str, Entity]:
    """The entities that exist among ``entity_ids``, by id."""
    ids = list(dict.fromkeys(entity_ids))
    if not ids:
        return {}
    if isinstance(store, FetchesEntities):
        return {ent.id: ent for ent in store.get_entities(namespace, ids)}
    found = (store.get_entity(namespace, entity_id) for entity_id in ids)
    return {ent.id: ent for ent in found if ent is not None}
