"""graphmem: long-term memory for conversational agents, shaped as a temporal knowledge graph.

Start with :class:`graphmem.Memory`. Importing this package has no side effects: no models load, no
environment is read and no files are touched until you call something. ``Memory`` and ``AsyncMemory``
(and what they pull in: numpy, the store, asyncio) are imported on first access, so a CLI call that
never opens memory (``graphmem --help``) does not pay for them.
"""

from typing import TYPE_CHECKING, Any

from graphmem.errors import (
    ConfigError,
    CorruptStoreError,
    EmptyInputError,
    ExtractionError,
    ExtractorUnavailableError,
    GraphmemError,
    IngestError,
    IngestWarning,
    MalformedNodeError,
    MissingDependencyError,
    NotFoundError,
    QueryError,
    QueryLimitError,
    QueryNamespaceError,
    QueryPinnedNamespaceError,
    QuerySemanticError,
    QuerySpeakerError,
    QuerySyntaxError,
    ReadOnlyStoreError,
    SchemaUpgradeError,
    SchemaVersionError,
    ServerAccessError,
    ServerLoginError,
    StoreError,
    StoreLockedError,
    StoreUpgradedWarning,
    UnknownNamespaceError,
    UnknownSpeakerError,
    VectorIndexError,
    WriteConflictError,
)
from graphmem.models import Batch, EdgeType, Entity, Event, Fact, Mention, NodeKind, Session, TimeRef
from graphmem.store.base import Direction, GraphStore, TimeFilter

if TYPE_CHECKING:
    from graphmem.aio import AsyncMemory
    from graphmem.memory import Memory

__version__ = "0.1.0"

_LAZY = {"AsyncMemory": "graphmem.aio", "Memory": "graphmem.memory"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'graphmem' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


__all__ = [
    "AsyncMemory",
    "Batch",
    "ConfigError",
    "CorruptStoreError",
    "Direction",
    "EdgeType",
    "EmptyInputError",
    "Entity",
    "Event",
    "ExtractionError",
    "ExtractorUnavailableError",
    "Fact",
    "GraphStore",
    "GraphmemError",
    "IngestError",
    "IngestWarning",
    "MalformedNodeError",
    "Memory",
    "Mention",
    "MissingDependencyError",
    "NodeKind",
    "NotFoundError",
    "QueryError",
    "QueryLimitError",
    "QueryNamespaceError",
    "QueryPinnedNamespaceError",
    "QuerySemanticError",
    "QuerySpeakerError",
    "QuerySyntaxError",
    "ReadOnlyStoreError",
    "SchemaUpgradeError",
    "SchemaVersionError",
    "ServerAccessError",
    "ServerLoginError",
    "Session",
    "StoreError",
    "StoreLockedError",
    "StoreUpgradedWarning",
    "TimeFilter",
    "TimeRef",
    "UnknownNamespaceError",
    "UnknownSpeakerError",
    "VectorIndexError",
    "WriteConflictError",
    "__version__",
]
