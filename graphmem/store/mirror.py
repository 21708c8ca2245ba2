"""The in-memory side of the embedded store: a networkx graph plus per-namespace lookups.

SQLite is the durable record; a namespace is read into this mirror on its first use (and dropped again
under memory pressure), and updated after every committed batch while it is loaded.
Nodes are keyed ``(namespace, id)``; order edges (NEXT, NEXT_SESSION) are derived from the events' times and
positions (:func:`~graphmem.models.chain_key`) and ``Session.index`` whenever a session's events or a
namespace's sessions change.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from graphmem.models import EdgeType, Entity, Event, Fact, NodeKind, Session, event_chain_key, session_order_key
from graphmem.store.base import Direction, Neighbor, TimeFilter
from graphmem.text import normalise_name

if TYPE_CHECKING:
    from datetime import datetime

    import networkx as nx

__all__ = ["MemoryGraph", "NamespaceIndex", "estimate_bytes", "normalise_name"]


#: Measured bytes of the mirror per stored item (tracemalloc over a loaded synthetic namespace, see
#: ``tests/store/test_lazy.py``); a namespace's size in the memory budget is their weighted sum.
BYTES_PER_EVENT = 2600
BYTES_PER_ENTITY = 1200
BYTES_PER_MENTION = 500
BYTES_PER_FACT = 1500
BYTES_PER_SESSION = 1000
_BASE_BYTES = 4096


def estimate_bytes(*, sessions: int = 0, events: int = 0, entities: int = 0, mentions: int = 0, facts: int = 0) -> int:
    """About how much memory the mirror of a namespace with these counts takes."""
    return (
        _BASE_BYTES
        + sessions * BYTES_PER_SESSION
        + events * BYTES_PER_EVENT
        + entities * BYTES_PER_ENTITY
        + mentions * BYTES_PER_MENTION
        + facts * BYTES_PER_FACT
    )


@dataclass(slots=True)
class NamespaceIndex:
    """Lookups for one namespace."""

    sessions: dict[str, Session] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)
    entities: dict[str, Entity] = field(default_factory=dict)
    facts: dict[str, Fact] = field(default_factory=dict)
    session_events: dict[str, dict[str, int]] = field(default_factory=dict)
    names: dict[str, set[str]] = field(default_factory=dict)
    by_source: dict[str, set[str]] = field(default_factory=dict)
    evidence: dict[str, set[str]] = field(default_factory=dict)
    #: MENTIONS edges (an event naming an entity) and SPOKEN_BY edges (an event to its speaker), as ``stats``
    #: counts them
    mentions: int = 0
    spoken_by: int = 0
    #: event ids by ``occurred_at``, built on first use (:meth:`at`) and kept up to date from then on
    by_time: dict[datetime, set[str]] | None = None

    def count_links(self, edges: Iterable[tuple[object, object, dict[str, object]]], sign: int) -> None:
        """Add (``sign`` 1) or take away (-1) the MENTIONS and SPOKEN_BY edges among ``edges`` from the counts."""
        for _, _, data in edges:
            if data["type"] is EdgeType.MENTIONS:
                self.mentions += sign
            elif data["type"] is EdgeType.SPOKEN_BY:
                self.spoken_by += sign

    def at(self, when: datetime) -> set[str]:
        """The ids of the events said at ``when`` (the index is built on the first call)."""
        if self.by_time is None:
            self.by_time = {}
            for event in self.events.values():
                if event.occurred_at is not None:
                    self.by_time.setdefault(event.occurred_at, set()).add(event.id)
        return self.by_time.get(when, set())

    def index_time(self, event: Event, add: bool) -> None:
        """Keep the index by time (once built) up to date as ``event`` is added or dropped."""
        if self.by_time is not None and event.occurred_at is not None:
            if add:
                self.by_time.setdefault(event.occurred_at, set()).add(event.id)
            else:
                self.by_time.get(event.occurred_at, set()).discard(event.id)

    def kind_of(self, node_id: str) -> NodeKind | None:
        """The kind of node ``node_id`` names, or ``None``."""
        if node_id in self.events:
            return NodeKind.EVENT
        if node_id in self.entities:
            return NodeKind.ENTITY
        if node_id in self.sessions:
            return NodeKind.SESSION
        return None

    def ordered_sessions(self) -> list[Session]:
        """Sessions by index, then id in natural order (:func:`~graphmem.models.session_order_key`)."""
        return sorted(self.sessions.values(), key=lambda s: session_order_key(s.index, s.id))

    def ordered_events(self, session_id: str) -> list[str]:
        """Event ids of a session by seq, then id."""
        members = self.session_events.get(session_id, {})
        return sorted(members, key=lambda eid: (members[eid], eid))

    def chained_events(self, session_id: str) -> list[str]:
        """Event ids of a session in the order of its NEXT chain (:func:`~graphmem.models.chain_key`)."""
        return sorted(self.session_events.get(session_id, {}), key=lambda eid: event_chain_key(self.events[eid]))

    @property
    def empty(self) -> bool:
        """Whether the namespace holds nothing."""
        return not (self.sessions or self.events or self.entities or self.facts)


class MemoryGraph:
    """A networkx MultiDiGraph mirroring the store, with per-namespace lookups."""

    def __init__(self) -> None:
        import networkx as nx  # here, not at import: a store that loads no namespace never needs it

        self.graph: nx.MultiDiGraph = nx.MultiDiGraph()
        self.spaces: dict[str, NamespaceIndex] = {}

    def space(self, namespace: str) -> NamespaceIndex:
        """The lookups of a namespace, created empty on first use."""
        found = self.spaces.get(namespace)
        if found is None:
            found = self.spaces[namespace] = NamespaceIndex()
        return found

    def peek(self, namespace: str) -> NamespaceIndex | None:
        """The lookups of a namespace if it holds anything."""
        return self.spaces.get(namespace)

    # -- nodes ---------------------------------------------------------------------------------------

    def put_session(self, session: Session) -> None:
        """Insert or replace a session."""
        ix = self.space(session.namespace)
        ix.sessions[session.id] = session
        ix.session_events.setdefault(session.id, {})
        self.graph.add_node((session.namespace, session.id), kind=NodeKind.SESSION)

    def put_event(self, event: Event) -> set[str]:
        """Insert or replace an event; returns the sessions whose order changed."""
        ns = event.namespace
        ix = self.space(ns)
        key = (ns, event.id)
        touched = {event.session}
        old = ix.events.get(event.id)
        if old is not None:
            touched.add(old.session)
            ix.session_events.get(old.session, {}).pop(event.id, None)
            if old.source_id is not None:
                ix.by_source.get(old.source_id, set()).discard(event.id)
            ix.index_time(old, add=False)
            if self.graph.has_edge(key, (ns, old.session), EdgeType.IN_SESSION.value):
                self.graph.remove_edge(key, (ns, old.session), EdgeType.IN_SESSION.value)
        ix.events[event.id] = event
        ix.session_events.setdefault(event.session, {})[event.id] = event.seq
        if event.source_id is not None:
            ix.by_source.setdefault(event.source_id, set()).add(event.id)
        ix.index_time(event, add=True)
        self.graph.add_node(key, kind=NodeKind.EVENT)
        self.graph.add_edge(key, (ns, event.session), key=EdgeType.IN_SESSION.value, type=EdgeType.IN_SESSION)
        return touched

    def put_entity(self, entity: Entity) -> None:
        """Insert or replace an entity and its name lookups."""
        ix = self.space(entity.namespace)
        old = ix.entities.get(entity.id)
        if old is not None:
            for name in (old.name, *old.aliases):
                ix.names.get(normalise_name(name), set()).discard(entity.id)
        ix.entities[entity.id] = entity
        for name in (entity.name, *entity.aliases):
            ix.names.setdefault(normalise_name(name), set()).add(entity.id)
        self.graph.add_node((entity.namespace, entity.id), kind=NodeKind.ENTITY)

    def put_mention(self, namespace: str, event_id: str, entity_id: str, role: str, *, new: bool = False) -> None:
        """Add an event → entity edge (SPOKEN_BY for the speaker role, else MENTIONS).

        ``new`` skips the check for an existing edge (loading rows whose key is unique).
        """
        etype = EdgeType.SPOKEN_BY if role == "speaker" else EdgeType.MENTIONS
        key = f"{etype.value}:{role}"
        src, dst = (namespace, event_id), (namespace, entity_id)
        if new or not self.graph.has_edge(src, dst, key):
            self.graph.add_edge(src, dst, key=key, type=etype, role=role)
            self.space(namespace).count_links([(src, dst, {"type": etype})], 1)

    def replace_mentions(self, namespace: str, event_id: str, rows: Iterable[tuple[str, str]]) -> None:
        """Make the event's SPOKEN_BY and MENTIONS edges exactly ``rows`` (``(entity id, role)`` each)."""
        src = (namespace, event_id)
        edges = self.graph.out_edges(src, keys=True, data=True)
        stale = [(v, k, d) for _, v, k, d in edges if d["type"] in _MENTION_TYPES]
        for v, k, _ in stale:
            self.graph.remove_edge(src, v, k)
        self.space(namespace).count_links(((src, v, d) for v, _, d in stale), -1)
        for entity_id, role in rows:
            self.put_mention(namespace, event_id, entity_id, role)

    def put_fact(self, fact: Fact) -> None:
        """Insert or replace a FACT edge."""
        ix = self.space(fact.namespace)
        self.drop_fact(fact.namespace, fact.id)
        ix.facts[fact.id] = fact
        for eid in fact.evidence:
            ix.evidence.setdefault(eid, set()).add(fact.id)
        self.graph.add_edge(
            (fact.namespace, fact.subject_id),
            (fact.namespace, fact.object_id),
            key=f"FACT:{fact.id}",
            type=EdgeType.FACT,
            fact=fact,
        )

    def drop_fact(self, namespace: str, fact_id: str) -> Fact | None:
        """Remove a fact if present; returns it."""
        ix = self.space(namespace)
        old = ix.facts.pop(fact_id, None)
        if old is None:
            return None
        for eid in old.evidence:
            ix.evidence.get(eid, set()).discard(fact_id)
        src, dst = (namespace, old.subject_id), (namespace, old.object_id)
        if self.graph.has_edge(src, dst, f"FACT:{fact_id}"):
            self.graph.remove_edge(src, dst, f"FACT:{fact_id}")
        return old

    def drop_event(self, namespace: str, event_id: str) -> Event | None:
        """Remove an event node and its edges; its session's order is re-derived."""
        ix = self.space(namespace)
        old = ix.events.pop(event_id, None)
        if old is None:
            return None
        key = (namespace, event_id)
        ix.count_links(self.graph.out_edges(key, data=True), -1)
        self.graph.remove_node(key)
        ix.session_events.get(old.session, {}).pop(event_id, None)
        if old.source_id is not None:
            ix.by_source.get(old.source_id, set()).discard(event_id)
        ix.index_time(old, add=False)
        ix.evidence.pop(event_id, None)
        self.relink_session(namespace, old.session)
        return old

    def mentioned_by(self, namespace: str, event_id: str) -> set[str]:
        """The entities an event speaks or mentions (its SPOKEN_BY and MENTIONS edges)."""
        key = (namespace, event_id)
        if key not in self.graph:
            return set()
        return {v[1] for _, v, d in self.graph.out_edges(key, data=True) if d["type"] in _MENTION_TYPES}

    def drop_entity(self, namespace: str, entity_id: str) -> None:
        """Remove an entity node (callers remove its facts first)."""
        ix = self.space(namespace)
        old = ix.entities.pop(entity_id, None)
        if old is None:
            return
        for name in (old.name, *old.aliases):
            ix.names.get(normalise_name(name), set()).discard(entity_id)
        key = (namespace, entity_id)
        ix.count_links(self.graph.in_edges(key, data=True), -1)
        self.graph.remove_node(key)

    def drop_session(self, namespace: str, session_id: str) -> None:
        """Remove a session node (callers remove its events first, and re-derive the sessions' order)."""
        ix = self.space(namespace)
        if ix.sessions.pop(session_id, None) is None:
            return
        ix.session_events.pop(session_id, None)
        key = (namespace, session_id)
        if self.graph.has_node(key):
            self.graph.remove_node(key)

    def drop_namespace(self, namespace: str) -> None:
        """Forget a namespace entirely."""
        ix = self.spaces.pop(namespace, None)
        if ix is None:
            return
        keys = [(namespace, i) for i in (*ix.sessions, *ix.events, *ix.entities)]
        self.graph.remove_nodes_from(keys)

    # -- derived order edges -------------------------------------------------------------------------

    def relink_session(self, namespace: str, session_id: str, *, fresh: bool = False) -> None:
        """Re-derive NEXT edges between the events of one session (``fresh``: none exist yet, as on load)."""
        ix = self.space(namespace)
        order = ix.chained_events(session_id)
        for eid in () if fresh else order:
            key = (namespace, eid)
            stale = [(u, v) for u, v, k in self.graph.out_edges(key, keys=True) if k == EdgeType.NEXT.value]
            for u, v in stale:
                self.graph.remove_edge(u, v, EdgeType.NEXT.value)
        for a, b in itertools.pairwise(order):
            self.graph.add_edge((namespace, a), (namespace, b), key=EdgeType.NEXT.value, type=EdgeType.NEXT)

    def relink_sessions(self, namespace: str) -> None:
        """Re-derive NEXT_SESSION edges between the sessions of a namespace, in the order they are listed
        (by index, then id in natural order: :func:`~graphmem.models.session_order_key`)."""
        ix = self.space(namespace)
        order = [s.id for s in sorted(ix.sessions.values(), key=lambda s: session_order_key(s.index, s.id))]
        nxt = EdgeType.NEXT_SESSION.value
        for sid in order:
            key = (namespace, sid)
            stale = [(u, v) for u, v, k in self.graph.out_edges(key, keys=True) if k == nxt]
            for u, v in stale:
                self.graph.remove_edge(u, v, nxt)
        for a, b in itertools.pairwise(order):
            self.graph.add_edge((namespace, a), (namespace, b), key=nxt, type=EdgeType.NEXT_SESSION)

    # -- traversal -----------------------------------------------------------------------------------

    def neighbors(
        self,
        namespace: str,
        node_id: str,
        edge_types: Iterable[EdgeType] | None,
        direction: Direction,
        time: TimeFilter | None,
    ) -> list[Neighbor]:
        """Edges of a node, filtered by type, direction and time; see ``GraphStore.neighbors``."""
        key = (namespace, node_id)
        if key not in self.graph:
            return []
        wanted = None if edge_types is None else {EdgeType(t) for t in edge_types}
        ix = self.spaces[namespace]
        out: list[Neighbor] = []
        sides = []
        if direction in (Direction.OUT, Direction.BOTH):
            sides.append((Direction.OUT, self.graph.out_edges(key, data=True)))
        if direction in (Direction.IN, Direction.BOTH):
            sides.append((Direction.IN, self.graph.in_edges(key, data=True)))
        for side, edges in sides:
            for u, v, data in edges:
                etype: EdgeType = data["type"]
                if wanted is not None and etype not in wanted:
                    continue
                far = v if side is Direction.OUT else u
                far_id = far[1]
                kind: NodeKind = self.graph.nodes[far]["kind"]
                fact: Fact | None = data.get("fact")
                if fact is not None and not (time or _NOW).admits_fact(fact):
                    continue
                if time is not None and kind is NodeKind.EVENT and not time.admits_event(ix.events[far_id]):
                    continue
                out.append(Neighbor(etype, side, far_id, kind, data.get("role"), fact))
        return out


_NOW = TimeFilter()  # no bound: the fact versions memory holds now
_MENTION_TYPES = (EdgeType.MENTIONS, EdgeType.SPOKEN_BY)
