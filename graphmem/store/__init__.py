"""Storage backends behind the :class:`~graphmem.store.base.GraphStore` protocol."""

from __future__ import annotations

import os
from typing import Any

from graphmem.config import resolve_db
from graphmem.store.base import Direction, GraphStore, HasDirectory, Neighbor, RunsCypher, TimeFilter
from graphmem.store.registry import open_location
from graphmem.store.results import DeleteResult, StoreIdentity, StoreStats, TextHit

__all__ = [
    "DeleteResult",
    "Direction",
    "GraphStore",
    "HasDirectory",
    "Neighbor",
    "RunsCypher",
    "StoreIdentity",
    "StoreStats",
    "TextHit",
    "TimeFilter",
    "open_store",
]


def open_store(location: str | os.PathLike[str] | None = None, **options: Any) -> GraphStore:
    """Open the store at ``location``: a directory (embedded) or a URI (``neo4j://``, ``bolt://``…).

    The backend is chosen by the URI scheme (:data:`graphmem.store.registry.OPENERS`).

    Args:
        location: a directory path or a URI; ``None`` reads ``GRAPHMEM_DB`` / ``NEO4J_URI``.
        **options: backend options (``create`` for the embedded store; ``auth``, ``database`` for Neo4j).

    Raises:
        ConfigError: the location's scheme names no backend.
    """
    return open_location(resolve_db(location), **options)
