"""The counts of the Cypher store (:meth:`CypherStore.stats <graphmem.store.cypher.store.CypherStore.stats>`):
nodes by label and edges by type, per namespace, in two statements."""

from __future__ import annotations

from collections.abc import Callable

from graphmem.store.cypher.neighbors import kind_of
from graphmem.store.cypher.session import Row
from graphmem.store.results import StoreStats

__all__ = ["STATS_NODES", "STATS_RELS", "count_stats"]

STATS_NODES = """
MATCH (n:Session|Event|Entity) WHERE $ns IS NULL OR n.namespace = $ns
RETURN n.namespace AS ns, labels(n) AS labels, count(*) AS n, count(n.embedding) AS embeddings
"""
STATS_RELS = """
MATCH ()-[r:MENTIONS|SPOKEN_BY|FACT]->() WHERE $ns IS NULL OR r.namespace = $ns
RETURN r.namespace AS ns, type(r) AS type, count(*) AS n
"""
#: The ``stats`` figure each relationship type counts toward.
_FIGURE_OF_TYPE = {"MENTIONS": "mentions", "SPOKEN_BY": "spoken_by", "FACT": "facts"}


def count_stats(read: Callable[..., list[Row]], namespace: str | None) -> StoreStats:
    """Counts for one namespace (``None``: the whole store), read through ``read(cypher, **params)``."""
    per: dict[str, dict[str, int]] = {}

    def bump(ns: str, key: str, n: int) -> None:
        counts = per.setdefault(
            ns,
            {"sessions": 0, "events": 0, "entities": 0, "mentions": 0, "spoken_by": 0, "facts": 0, "embeddings": 0},
        )
        counts[key] += n

    for r in read(STATS_NODES, ns=namespace):
        kind = kind_of(r["labels"])
        if kind is None or r["ns"] is None:
            continue
        bump(r["ns"], {"session": "sessions", "event": "events", "entity": "entities"}[kind.value], int(r["n"]))
        bump(r["ns"], "embeddings", int(r["embeddings"]))
    for r in read(STATS_RELS, ns=namespace):
        if r["ns"] is not None:
            bump(r["ns"], _FIGURE_OF_TYPE[r["type"]], int(r["n"]))
    # sorted, as namespaces() and the embedded store list them (the server returns them in any order)
    kept = {ns: per[ns] for ns in sorted(per) if any(per[ns][k] for k in ("sessions", "events", "entities", "facts"))}
    return StoreStats.from_counts(namespace, kept)
