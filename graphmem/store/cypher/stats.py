"""The counts of the Cypher store (:meth:`CypherStore.stats <graphmem.store.cypher.store.CypherStore.stats>`):
nodes by label and edges by type: for the whole store, per namespace in two statements; for one namespace,
one statement anchored on the indexed ``namespace`` of each label (and of ``FACT``), so it reads that
namespace alone, never every relationship of the server. :data:`EVENT_COUNT` is the one count a live add
needs (:meth:`CypherStore.event_count <graphmem.store.cypher.store.CypherStore.event_count>`)."""

from __future__ import annotations

from collections.abc import Callable

from graphmem.store.cypher.neighbors import kind_of
from graphmem.store.cypher.session import Row
from graphmem.store.results import StoreStats

__all__ = ["EVENT_COUNT", "STATS_NAMESPACE", "STATS_NODES", "STATS_RELS", "count_stats"]

#: The whole store's nodes, by namespace and label.
STATS_NODES = """
MATCH (n:Session|Event|Entity)
RETURN n.namespace AS ns, labels(n) AS labels, count(*) AS n, count(n.embedding) AS embeddings
"""
#: The whole store's relationships, by namespace and type.
STATS_RELS = """
MATCH ()-[r:MENTIONS|SPOKEN_BY|FACT]->()
RETURN r.namespace AS ns, type(r) AS type, count(*) AS n
"""
#: One namespace's counts, each read from an index on ``namespace`` (events' links from their events).
STATS_NAMESPACE = """
OPTIONAL MATCH (s:Session {namespace: $ns})
WITH count(s) AS sessions, count(s.embedding) AS session_vectors
OPTIONAL MATCH (e:Event {namespace: $ns})
WITH sessions, session_vectors, count(e) AS events, count(e.embedding) AS event_vectors
OPTIONAL MATCH (x:Entity {namespace: $ns})
WITH sessions, session_vectors, events, event_vectors, count(x) AS entities, count(x.embedding) AS entity_vectors
WITH sessions, events, entities, session_vectors + event_vectors + entity_vectors AS embeddings
OPTIONAL MATCH ()-[f:FACT {namespace: $ns}]->()
WITH sessions, events, entities, embeddings, count(f) AS facts
OPTIONAL MATCH (:Event {namespace: $ns})-[m:MENTIONS]->()
WITH sessions, events, entities, embeddings, facts, count(m) AS mentions
OPTIONAL MATCH (:Event {namespace: $ns})-[p:SPOKEN_BY]->()
RETURN sessions, events, entities, mentions, count(p) AS spoken_by, facts, embeddings
"""
#: How many events one namespace holds.
EVENT_COUNT = """
MATCH (e:Event {namespace: $ns}) RETURN count(e) AS events
"""
#: The ``stats`` figure each relationship type counts toward.
_FIGURE_OF_TYPE = {"MENTIONS": "mentions", "SPOKEN_BY": "spoken_by", "FACT": "facts"}
_KEYS = ("sessions", "events", "entities", "mentions", "spoken_by", "facts", "embeddings")


def count_stats(read: Callable[..., list[Row]], namespace: str | None) -> StoreStats:
    """Counts for one namespace (``None``: the whole store), read through ``read(cypher, **params)``."""
    if namespace is not None:
        (rec,) = read(STATS_NAMESPACE, ns=namespace)
        counts = {key: int(rec[key]) for key in _KEYS}
        held = any(counts[k] for k in ("sessions", "events", "entities", "facts"))
        return StoreStats.from_counts(namespace, {namespace: counts} if held else {})
    per: dict[str, dict[str, int]] = {}

    def bump(ns: str, key: str, n: int) -> None:
        per.setdefault(ns, dict.fromkeys(_KEYS, 0))[key] += n

    for r in read(STATS_NODES):
        kind = kind_of(r["labels"])
        if kind is None or r["ns"] is None:
            continue
        bump(r["ns"], {"session": "sessions", "event": "events", "entity": "entities"}[kind.value], int(r["n"]))
        bump(r["ns"], "embeddings", int(r["embeddings"]))
    for r in read(STATS_RELS):
        if r["ns"] is not None:
            bump(r["ns"], _FIGURE_OF_TYPE[r["type"]], int(r["n"]))
    # sorted, as namespaces() and the embedded store list them (the server returns them in any order)
    kept = {ns: per[ns] for ns in sorted(per) if any(per[ns][k] for k in ("sessions", "events", "entities", "facts"))}
    return StoreStats.from_counts(namespace, kept)
