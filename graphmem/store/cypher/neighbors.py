"""A node's edges as the Cypher store reads them: the statements, and their rows turned into neighbours.

One row per edge end: the edge type, whether the node asked about is its start (``out``) and/or its end
(``inn``), the far node's labels, id and time (``at``), and the edge's properties (``p``). The store reads
such rows from the server (:data:`NEIGHBORS`, :data:`NEIGHBORS_MANY`) or from its copy of the namespace
(:mod:`graphmem.store.cypher.copy`, which builds the same rows), and :func:`neighbors_from_rows` turns them
into :class:`~graphmem.store.base.Neighbor` values either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from graphmem.models import EdgeType, NodeKind
from graphmem.store.base import Direction, Neighbor, TimeFilter
from graphmem.store.cypher.props import PropReader
from graphmem.store.cypher.schema import EVENT_KEYS, KIND_OF_LABEL, dt_in, fact_from_props, projection
from graphmem.store.cypher.session import Row

__all__ = ["NEIGHBORS", "NEIGHBORS_MANY", "NEIGHBORS_MANY_EVENTS", "kind_of", "neighbors_from_rows"]

_NOW = TimeFilter()  # no bound: the fact versions memory holds now

# What a neighbour row holds besides the edge type. The fact's ends are known without asking for them (the
# node asked about and ``m``, ordered by ``out``): ``startNode(r).id`` and ``endNode(r).id`` measured about
# a sixth of the query's time on ArcadeDB.
_EDGE_COLUMNS = (
    "startNode(r) = n AS out, endNode(r) = n AS inn, labels(m) AS labels, m.id AS id, m.occurred_at AS at, "
    "properties(r) AS p"
)

# The edges of a node of any label in one round trip: one index seek per label.
NEIGHBORS = "\nUNION ALL\n".join(
    f"MATCH (n:{label} {{namespace: $ns, id: $id}})-[r]-(m) "
    "WHERE ($types IS NULL OR type(r) IN $types) AND (m:Session OR m:Event OR m:Entity) "
    "RETURN type(r) AS type, " + _EDGE_COLUMNS
    for label in ("Session", "Event", "Entity")
)

# The edges of many nodes of any label in one round trip (a traversal frontier): per label, one index seek
# per id. ``UNWIND $ids`` measured faster on ArcadeDB 26.10 than ``n.id IN $ids`` (the server's own
# figures for 30 turns: 2-5 against 8-15 ms; benchmarks/probe_bolt_recall.py), and Neo4j plans both as
# index seeks.
NEIGHBORS_MANY = "\nUNION ALL\n".join(
    f"UNWIND $ids AS origin MATCH (n:{label} {{namespace: $ns, id: origin}})-[r]-(m) "
    "WHERE ($types IS NULL OR type(r) IN $types) AND (m:Session OR m:Event OR m:Entity) "
    "RETURN origin, type(r) AS type, " + _EDGE_COLUMNS
    for label in ("Session", "Event", "Entity")
)

# The same with the event at the far end of each edge (``event``; ``null`` for another label): read inside a
# scope, where recall asks for the events a hop reached right after.
NEIGHBORS_MANY_EVENTS = "\nUNION ALL\n".join(
    part + ", CASE WHEN m:Event THEN " + projection("m", EVENT_KEYS) + " END AS event"
    for part in NEIGHBORS_MANY.split("\nUNION ALL\n")
)


# -- rows --------------------------------------------------------------------------------------------------


def neighbors_from_rows(
    node_id: str, rows: Iterable[Row], direction: Direction, time: TimeFilter | None
) -> list[Neighbor]:
    """The :class:`Neighbor` values of one node's edge rows, outgoing first, each side in a stable order."""
    outs: list[Neighbor] = []
    ins: list[Neighbor] = []
    for r in rows:
        edge = EdgeType(r["type"])
        kind = kind_of(r["labels"])
        if kind is None:
            continue
        fact = None
        if edge is EdgeType.FACT:
            src, dst = (node_id, r["id"]) if r["out"] else (r["id"], node_id)
            fact = fact_from_props(r["p"], src, dst)
        if fact is not None and not (time or _NOW).admits_fact(fact):
            continue
        if time is not None and kind is NodeKind.EVENT and not _admits_event_time(time, _event_time(r)):
            continue
        role = r["p"].get("role") if edge in (EdgeType.MENTIONS, EdgeType.SPOKEN_BY) else None
        if r["out"] and direction in (Direction.OUT, Direction.BOTH):
            outs.append(Neighbor(edge, Direction.OUT, r["id"], kind, role, fact))
        if r["inn"] and direction in (Direction.IN, Direction.BOTH):
            ins.append(Neighbor(edge, Direction.IN, r["id"], kind, role, fact))

    def key(n: Neighbor) -> tuple[str, str, str, str]:
        return (n.edge.value, n.node_id, n.role or "", n.fact.id if n.fact else "")

    return sorted(outs, key=key) + sorted(ins, key=key)


def kind_of(labels: Sequence[str]) -> NodeKind | None:
    """The node kind of the first of ``labels`` that names one."""
    for label in labels:
        kind = KIND_OF_LABEL.get(label)
        if kind is not None:
            return kind
    return None


def _admits_event_time(time: TimeFilter, when: datetime | None) -> bool:
    """``TimeFilter.admits_event`` for a stored event time (naive UTC, like the bounds after ``dt_in``)."""
    if when is None:
        return True
    since, until = dt_in(time.since), dt_in(time.until)
    if since is not None and when < since:
        return False
    return until is None or when <= until


def _event_time(r: Row) -> datetime | None:
    """The time of the event at the far end of a neighbour row, checked (a string set by hand is named)."""
    return PropReader("Event", {"occurred_at": r["at"]}, namespace=r["p"].get("namespace"), node_id=r["id"]).moment(
        "occurred_at"
    )
