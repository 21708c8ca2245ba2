"""graphmem: long-term memory for conversational agents, shaped as a temporal knowledge graph.

Start with :class:`graphmem.Memory`. Importing this package has no side effects: no models load, no
environment is read and no files are touched until you call something.
"""

from graphmem.aio import AsyncMemory
from graphmem.errors import (
    ConfigError,
    ExtractionError,
    GraphmemError,
    IngestError,
    MissingDependencyError,
    NotFoundError,
    QueryError,
    QueryLimitError,
    QuerySemanticError,
    QuerySyntaxError,
    ReadOnlyStoreError,
    SchemaVersionError,
    StoreError,
    StoreLockedError,
    VectorIndexError,
)
from graphmem.memory import Memory
from graphmem.models import Batch, EdgeType, Entity, Event, Fact, Mention, NodeKind, Session, TimeRef
from graphmem.store.base import Direction, GraphStore, TimeFilter

__version__ = "0.1.0"

__all__ = [
    "AsyncMemory",
    "Batch",
    "ConfigError",
    "Direction",
    "EdgeType",
    "Entity",
    "Event",
    "ExtractionError",
    "Fact",
    "GraphStore",
    "GraphmemError",
    "IngestError",
    "Memory",
    "Mention",
    "MissingDependencyError",
    "NodeKind",
    "NotFoundError",
    "QueryError",
    "QueryLimitError",
    "QuerySemanticError",
    "QuerySyntaxError",
    "ReadOnlyStoreError",
    "SchemaVersionError",
    "Session",
    "StoreError",
    "StoreLockedError",
    "TimeFilter",
    "TimeRef",
    "VectorIndexError",
    "__version__",
]
