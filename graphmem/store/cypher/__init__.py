"""One graph store for every Cypher server: a session (the I/O) and a dialect (the differences).

- :mod:`~graphmem.store.cypher.session`: the :class:`CypherSession` protocol a client library implements.
- :mod:`~graphmem.store.cypher.dialect`: :class:`CypherDialect` values (:data:`NEO4J`, :data:`ARCADEDB`).
- :mod:`~graphmem.store.cypher.schema`: the graph's labels, types, constraints and property conversion.
- :mod:`~graphmem.store.cypher.store`: :class:`CypherStore`, the :class:`~graphmem.store.base.GraphStore`.
- :mod:`~graphmem.store.cypher.write`: the write transactions; :mod:`~graphmem.store.cypher.setup`: the
  schema's creation and migration; :mod:`~graphmem.store.cypher.text_search`: BM25 without a full-text
  index.
"""

from __future__ import annotations

from graphmem.store.cypher.dialect import ARCADEDB, DIALECTS, NEO4J, CypherDialect, dialect_for_agent
from graphmem.store.cypher.session import CypherSession, CypherTx, Row
from graphmem.store.cypher.store import CypherStore

__all__ = [
    "ARCADEDB",
    "DIALECTS",
    "NEO4J",
    "CypherDialect",
    "CypherSession",
    "CypherStore",
    "CypherTx",
    "Row",
    "dialect_for_agent",
]
