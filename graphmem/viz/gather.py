"""What a picture shows: the nodes and edges of an entity's neighbourhood, a recall result with the paths
that explain it, or a time range of events, gathered through the
:class:`~graphmem.store.base.GraphStore` protocol (any backend)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from graphmem.errors import ConfigError
from graphmem.models import EdgeType, Entity, Event, NodeKind, Session, chain_order
from graphmem.store.base import Direction, GraphStore, TimeFilter

if TYPE_CHECKING:
    from graphmem.memory import Memory
    from graphmem.recall.hit import Hit

__all__ = [
    "VizEdge",
    "VizGraph",
    "VizNode",
    "entity_neighbourhood",
    "hits_graph",
    "recall_graph",
    "time_range_graph",
]

#: The edges an entity's neighbourhood follows (the time order edges are drawn by the layout instead).
_NEIGHBOURHOOD_EDGES = (EdgeType.SPOKEN_BY, EdgeType.MENTIONS, EdgeType.FACT)
#: At most this many of a recall hit's own entities are drawn beside it.
_HIT_CONTEXT = 6


@dataclass
class VizNode:
    """A node to draw: the stored record, whether it stands out, and what recall says about it.

    Attributes:
        item: the event, entity or session.
        highlight: the start entity of a neighbourhood, or a recall hit.
        rank: the 1-based recall rank of a hit.
        seeds: how recall's searches started from this node (e.g. ``dense #1 (0.83)``).
        note: more to show on hover (e.g. a hit's score and explanation).
    """

    item: Event | Entity | Session
    highlight: bool = False
    rank: int | None = None
    seeds: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def id(self) -> str:
        """The node's id."""
        return self.item.id

    @property
    def kind(self) -> str:
        """``event``, ``entity`` or ``session``."""
        if isinstance(self.item, Event):
            return NodeKind.EVENT.value
        if isinstance(self.item, Entity):
            return NodeKind.ENTITY.value
        return NodeKind.SESSION.value


@dataclass(frozen=True, slots=True)
class VizEdge:
    """An edge to draw; ``path`` marks an edge a recall path traversed."""

    source: str
    target: str
    type: str
    label: str = ""
    path: bool = False


@dataclass
class VizGraph:
    """Nodes and edges to draw, the sessions their events belong to, and a title."""

    title: str
    nodes: dict[str, VizNode] = field(default_factory=dict)
    edges: list[VizEdge] = field(default_factory=list)
    sessions: dict[str, Session] = field(default_factory=dict)
    _edge_at: dict[tuple[str, str, str, str], int] = field(default_factory=dict, repr=False, compare=False)

    def add_node(self, item: Event | Entity | Session, *, highlight: bool = False) -> VizNode:
        """Add a node (once; a later highlight sticks) and return it."""
        node = self.nodes.get(item.id)
        if node is None:
            node = self.nodes[item.id] = VizNode(item)
        node.highlight |= highlight
        return node

    def add_edge(self, source: str, target: str, edge_type: str, label: str = "", *, path: bool = False) -> None:
        """Add an edge between two nodes (a duplicate only upgrades the edge to a path edge)."""
        key = (source, target, edge_type, label)
        at = self._edge_at.get(key)
        if at is None:
            self._edge_at[key] = len(self.edges)
            self.edges.append(VizEdge(source, target, edge_type, label, path))
        elif path and not self.edges[at].path:
            self.edges[at] = VizEdge(source, target, edge_type, label, True)

    def events(self) -> list[Event]:
        """The events drawn, in no particular order."""
        return [n.item for n in self.nodes.values() if isinstance(n.item, Event)]


def _get(store: GraphStore, ns: str, node_id: str, kind: NodeKind | None = None) -> Event | Entity | Session | None:
    if kind is NodeKind.EVENT:
        return store.get_event(ns, node_id)
    if kind is NodeKind.ENTITY:
        return store.get_entity(ns, node_id)
    if kind is NodeKind.SESSION:
        return store.get_session(ns, node_id)
    return store.get_event(ns, node_id) or store.get_entity(ns, node_id) or store.get_session(ns, node_id)


def _attach_sessions(store: GraphStore, ns: str, graph: VizGraph) -> VizGraph:
    """Record the sessions of the events drawn (the layout puts them in session order)."""
    for event in graph.events():
        if event.session not in graph.sessions:
            session = store.get_session(ns, event.session)
            if session is not None:
                graph.sessions[session.id] = session
    for node in graph.nodes.values():
        if isinstance(node.item, Session):
            graph.sessions[node.id] = node.item
    return graph


def entity_neighbourhood(store: GraphStore, namespace: str, name: str, *, hops: int = 1, limit: int = 120) -> VizGraph:
    """The entity named ``name`` and what lies within ``hops`` speaker, mention and fact edges of it, at
    most ``limit`` nodes.

    At each hop the nodes reached from most of the nodes already drawn come first, so a person's
    recurring topics win over things mentioned once.

    Raises:
        ConfigError: no entity has that name or alias (the message names the closest).
    """
    found = store.find_entities(namespace, name, limit=1)
    if not found:
        from graphmem.lookup import no_entity_message

        raise ConfigError(no_entity_message(store, namespace, name))
    start = found[0]
    graph = VizGraph(f"{start.name}: what lies within {hops} hop{'s' if hops > 1 else ''} ({namespace})")
    graph.add_node(start, highlight=True)
    frontier = [start.id]
    for _ in range(hops):
        reached: Counter[str] = Counter()
        kinds: dict[str, NodeKind] = {}
        edges: list[tuple[str, str, str, str]] = []
        for node_id in frontier:
            for nb in store.neighbors(namespace, node_id, edge_types=_NEIGHBOURHOOD_EDGES):
                src, dst = (node_id, nb.node_id) if nb.direction is Direction.OUT else (nb.node_id, node_id)
                edges.append((src, dst, nb.edge.value, nb.fact.predicate if nb.fact else (nb.role or "")))
                if nb.node_id not in graph.nodes:
                    reached[nb.node_id] += 1
                    kinds[nb.node_id] = nb.kind
        frontier = []
        for node_id, _count in sorted(reached.items(), key=lambda kv: (-kv[1], kv[0])):
            if len(graph.nodes) >= limit:
                break
            item = _get(store, namespace, node_id, kinds[node_id])
            if item is not None:
                graph.add_node(item)
                frontier.append(node_id)
        for src, dst, edge_type, label in edges:
            if src in graph.nodes and dst in graph.nodes:
                graph.add_edge(src, dst, edge_type, label)
    _link_mentions(store, namespace, graph)
    return _attach_sessions(store, namespace, graph)


def _link_mentions(store: GraphStore, ns: str, graph: VizGraph) -> None:
    """Draw the mention edges between entities and events that are both in the picture (so a fact's
    object sits beside the turns that talk about it)."""
    for node in list(graph.nodes.values()):
        if isinstance(node.item, Entity):
            for nb in store.neighbors(ns, node.id, edge_types=[EdgeType.MENTIONS], direction=Direction.IN):
                if nb.node_id in graph.nodes:
                    graph.add_edge(nb.node_id, node.id, nb.edge.value, nb.role or "")


def time_range_graph(
    store: GraphStore,
    namespace: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 150,
) -> VizGraph:
    """The events between ``since`` and ``until`` (inclusive; at most ``limit`` nodes), in order, with
    their speakers and the entities they mention."""
    window = TimeFilter(since=since, until=until)
    graph = VizGraph(f"events {_when(since) or '…'} to {_when(until) or '…'} ({namespace})")
    previous: Event | None = None
    for event in chain_order(store.iter_events(namespace)):
        if event.occurred_at is None or not window.admits_event(event):
            continue
        if len(graph.nodes) >= limit:
            break
        graph.add_node(event)
        if previous is not None and previous.session == event.session:
            graph.add_edge(previous.id, event.id, EdgeType.NEXT.value)
        previous = event
        for nb in store.neighbors(
            namespace, event.id, edge_types=[EdgeType.SPOKEN_BY, EdgeType.MENTIONS], direction=Direction.OUT
        ):
            entity = store.get_entity(namespace, nb.node_id)
            if entity is not None and (entity.id in graph.nodes or len(graph.nodes) < limit):
                graph.add_node(entity)
                graph.add_edge(event.id, entity.id, nb.edge.value, nb.role or "")
    return _attach_sessions(store, namespace, graph)


def recall_graph(memory: Memory, namespace: str, text: str, *, k: int = 5) -> VizGraph:
    """What recall returns for ``text``, drawn with the reasons: the hits (highlighted, ranked), the seeds
    the searches started from, the edges each hit's path traversed (any edge type), and the speaker and
    entities of each hit."""
    return hits_graph(
        memory.store, namespace, f"recall: {text} ({namespace})", memory.recall(text, namespace=namespace, k=k)
    )


def hits_graph(store: GraphStore, namespace: str, title: str, hits: list[Hit]) -> VizGraph:
    """:func:`recall_graph` for hits already recalled."""
    graph = VizGraph(title)
    for rank, hit in enumerate(hits, 1):
        node = graph.add_node(hit.event, highlight=True)
        node.rank = rank
        node.note = f"hit #{rank}, score {hit.score:.3g}: {hit.why.describe()}"
    for hit in hits:
        why = hit.why
        for seed in (*why.seeds, *((why.origin,) if why.origin is not None else ())):
            item = (
                graph.nodes[seed.node_id].item if seed.node_id in graph.nodes else _get(store, namespace, seed.node_id)
            )
            if item is None:
                continue
            seeded = graph.add_node(item)
            if seed.describe() not in seeded.seeds:
                seeded.seeds.append(seed.describe())
        for step in why.path:
            ends = [
                graph.nodes[n].item if n in graph.nodes else _get(store, namespace, n)
                for n in (step.source, step.target)
            ]
            if ends[0] is None or ends[1] is None:
                continue
            graph.add_node(ends[0])
            graph.add_node(ends[1])
            src, dst = (step.source, step.target) if step.direction == "out" else (step.target, step.source)
            graph.add_edge(src, dst, step.edge, step.detail or "", path=True)
    for hit in hits:
        _add_context(store, namespace, graph, hit.event)
    return _attach_sessions(store, namespace, graph)


def _add_context(store: GraphStore, ns: str, graph: VizGraph, event: Event) -> None:
    """The speaker and the first few entities ``event`` mentions (entities already drawn first)."""
    neighbours = store.neighbors(
        ns, event.id, edge_types=[EdgeType.SPOKEN_BY, EdgeType.MENTIONS], direction=Direction.OUT
    )
    neighbours.sort(key=lambda nb: (nb.edge is not EdgeType.SPOKEN_BY, nb.node_id not in graph.nodes))
    for nb in neighbours[: _HIT_CONTEXT + 1]:
        entity = graph.nodes[nb.node_id].item if nb.node_id in graph.nodes else store.get_entity(ns, nb.node_id)
        if entity is not None:
            graph.add_node(entity)
            graph.add_edge(event.id, entity.id, nb.edge.value, nb.role or "")


def _when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M")
