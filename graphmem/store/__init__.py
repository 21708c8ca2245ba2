"""Storage backends behind the :class:`~graphmem.store.base.GraphStore` protocol."""

from __future__ import annotations

import os
from typing import Any

from graphmem.config import is_bolt_uri, resolve_db
from graphmem.store.base import (
    DeleteResult,
    Direction,
    GraphStore,
    Neighbor,
    StoreStats,
    TextHit,
    TimeFilter,
)

__all__ = [
    "DeleteResult",
    "Direction",
    "GraphStore",
    "Neighbor",
    "StoreStats",
    "TextHit",
    "TimeFilter",
    "open_store",
]


def open_store(location: str | os.PathLike[str] | None = None, **options: Any) -> GraphStore:
    """Open the store at ``location``: a directory (embedded) or a ``neo4j://``/``bolt://`` URI.

    Args:
        location: a directory path or a Bolt URI; ``None`` reads ``GRAPHMEM_DB`` / ``NEO4J_URI``.
        **options: backend options (``create`` for the embedded store; ``auth``, ``database`` for Neo4j).
    """
    where = resolve_db(location)
    if is_bolt_uri(where):
        from graphmem.store.neo4j_store import Neo4jStore

        return Neo4jStore.open(where, **options)
    from graphmem.store.embedded import EmbeddedStore

    return EmbeddedStore.open(where, **options)
