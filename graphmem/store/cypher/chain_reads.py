"""The reads a Cypher write transaction makes to find what it touches: an event's edges, the facts whose
evidence names some events, the versions of some facts, and each fact's chain or current version.

Constant statements with parameters only (``$ns``, ``$ids``, ``$prefixes``), used inside the write transactions
of :mod:`graphmem.store.cypher.write` and by :class:`~graphmem.store.cypher.store.CypherStore`'s reads of
fact chains.
"""

from __future__ import annotations

__all__ = ["CURRENT_FACTS", "EVENTS_EDGES", "EVIDENCE_OF", "FACT_CHAINS", "VERSIONS_OF"]

EVENTS_EDGES = """
UNWIND $ids AS i
MATCH (e:Event {namespace: $ns, id: i})
OPTIONAL MATCH (e)-[r:MENTIONS|SPOKEN_BY]->(x:Entity)
RETURN e.id AS id, e.session AS session, collect(x.id) AS entities,
       sum(CASE WHEN type(r) = 'MENTIONS' THEN 1 ELSE 0 END) AS mentions,
       sum(CASE WHEN type(r) = 'SPOKEN_BY' THEN 1 ELSE 0 END) AS spoken_by
"""

EVIDENCE_OF = """
MATCH ()-[r:FACT {namespace: $ns}]->()
WHERE any(i IN r.evidence WHERE i IN $ids) OR any(i IN coalesce(r.revised_by, []) WHERE i IN $ids)
RETURN DISTINCT r.id AS id
"""

VERSIONS_OF = """
MATCH (a:Entity)-[r:FACT {namespace: $ns}]->(b:Entity)
WHERE r.id IN $ids OR any(p IN $prefixes WHERE r.id STARTS WITH p)
RETURN properties(r) AS p, a.id AS s, b.id AS o
"""

#: The fact chains of some events: the versions naming one of ``$ids``, then every version of their facts
#: (an archived version's id is its fact's id, ``@`` and when it was recorded: graphmem.store.versions).
#: Each fact's few evidence ids are looked up in ``$ids``, in one pass over the facts: unwinding ``$ids``
#: first made a row per event and fact (1,000 events over 5,000 facts: 19.7 s on ArcadeDB, this 1.1 s).
FACT_CHAINS = (
    "MATCH (:Entity)-[r:FACT {namespace: $ns}]->(:Entity) "
    "WHERE any(e IN coalesce(r.evidence, []) + coalesce(r.revised_by, []) WHERE e IN $ids) "
    "WITH collect(DISTINCT split(r.id, '@')[0]) AS chains "
    "MATCH (a:Entity)-[v:FACT {namespace: $ns}]->(b:Entity) "
    # projected first: ArcadeDB 26.10 drops every row when the split is in the WHERE itself
    "WITH v, a, b, chains, split(v.id, '@')[0] AS fid WHERE fid IN chains "
    "RETURN properties(v) AS p, a.id AS s, b.id AS o"
)

CURRENT_FACTS = """
UNWIND $ids AS fid
MATCH (a:Entity)-[r:FACT {namespace: $ns, id: fid}]->(b:Entity)
RETURN properties(r) AS p, a.id AS s, b.id AS o
"""
