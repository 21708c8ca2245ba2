"""Pictures of memory: a standalone HTML file of an entity's neighbourhood, a recall result with its
explaining paths, or a time range of events.

The graph is gathered through the :class:`~graphmem.store.base.GraphStore` protocol (any backend), laid
out with networkx, and drawn with Bokeh (BSD-3-Clause) with BokehJS inlined, so the file opens offline
with no network. Hover a node for its text.
"""

from __future__ import annotations

import os
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from graphmem.errors import ConfigError, MissingDependencyError
from graphmem.models import EdgeType, Entity, Event, NodeKind, Session
from graphmem.store.base import Direction, GraphStore, TimeFilter

if TYPE_CHECKING:
    from graphmem.memory import Memory

__all__ = [
    "EDGE_COLORS",
    "KIND_COLORS",
    "VizGraph",
    "entity_neighbourhood",
    "recall_graph",
    "render_html",
    "time_range_graph",
    "write_html",
]

#: Node colours per kind (the same as ``docs/graphmem.grass`` uses in Neo4j Browser); hits stand out.
KIND_COLORS = {"event": "#4C8EDA", "entity": "#F79767", "session": "#57C7E3", "hit": "#DA7194"}
EDGE_COLORS = {
    "IN_SESSION": "#A5ABB6",
    "NEXT": "#C0C4CC",
    "NEXT_SESSION": "#57C7E3",
    "SPOKEN_BY": "#8DCC93",
    "MENTIONS": "#F79767",
    "FACT": "#D9534F",
}


@dataclass
class VizNode:
    """A node to draw."""

    id: str
    kind: str
    label: str
    title: str
    highlight: bool = False


@dataclass
class VizGraph:
    """Nodes and edges to draw, and a title."""

    title: str
    nodes: dict[str, VizNode] = field(default_factory=dict)
    edges: list[tuple[str, str, str, str]] = field(default_factory=list)

    def add_node(self, node: Event | Entity | Session, *, highlight: bool = False) -> None:
        """Add a node (once; a later highlight sticks)."""
        if node.id in self.nodes:
            self.nodes[node.id].highlight |= highlight
            return
        self.nodes[node.id] = _viz_node(node, highlight)

    def add_edge(self, src: str, dst: str, edge_type: str, label: str = "") -> None:
        """Add an edge between two added nodes (duplicates are dropped)."""
        item = (src, dst, edge_type, label)
        if item not in self.edges:
            self.edges.append(item)


def _when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M")


def _viz_node(node: Event | Entity | Session, highlight: bool) -> VizNode:
    if isinstance(node, Event):
        snippet = node.text if len(node.text) <= 24 else node.text[:23] + "…"
        title = f"[{node.source_id or node.id}] {_when(node.occurred_at)}\n{node.speaker or '?'}: {node.text}"
        return VizNode(node.id, "event", f"{node.speaker or '?'}: {snippet}", title, highlight)
    if isinstance(node, Entity):
        aliases = f" (also {', '.join(node.aliases)})" if node.aliases else ""
        return VizNode(node.id, "entity", node.name, f"{node.name} — {node.type}{aliases}", highlight)
    return VizNode(node.id, "session", node.id, f"session {node.id} {node.date_text or _when(node.started_at)}")


def _get(store: GraphStore, ns: str, node_id: str, kind: NodeKind) -> Event | Entity | Session | None:
    if kind is NodeKind.EVENT:
        return store.get_event(ns, node_id)
    if kind is NodeKind.ENTITY:
        return store.get_entity(ns, node_id)
    return store.get_session(ns, node_id)


def entity_neighbourhood(store: GraphStore, namespace: str, name: str, *, hops: int = 1, limit: int = 120) -> VizGraph:
    """The entity named ``name`` and what lies within ``hops`` edges (order edges left out), at most
    ``limit`` nodes.

    Raises:
        ConfigError: no entity has that name or alias.
    """
    found = store.find_entities(namespace, name, limit=1)
    if not found:
        raise ConfigError(f"no entity named {name!r} in namespace {namespace!r}")
    start = found[0]
    graph = VizGraph(f"{start.name} and its neighbourhood ({namespace})")
    graph.add_node(start, highlight=True)
    wanted = [EdgeType.SPOKEN_BY, EdgeType.MENTIONS, EdgeType.FACT]
    queue: deque[tuple[str, int]] = deque([(start.id, 0)])
    seen = {start.id}
    while queue and len(graph.nodes) < limit:
        node_id, depth = queue.popleft()
        if depth >= hops:
            continue
        for nb in store.neighbors(namespace, node_id, edge_types=wanted):
            if nb.node_id not in graph.nodes:
                if len(graph.nodes) >= limit:
                    break
                node = _get(store, namespace, nb.node_id, nb.kind)
                if node is None:
                    continue
                graph.add_node(node)
            src, dst = (node_id, nb.node_id) if nb.direction is Direction.OUT else (nb.node_id, node_id)
            graph.add_edge(src, dst, nb.edge.value, nb.fact.predicate if nb.fact else (nb.role or ""))
            if nb.node_id not in seen:
                seen.add(nb.node_id)
                queue.append((nb.node_id, depth + 1))
    return graph


def time_range_graph(
    store: GraphStore,
    namespace: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 150,
) -> VizGraph:
    """The events between ``since`` and ``until`` (inclusive; at most ``limit``), in order, with their
    speakers and the entities they mention."""
    window = TimeFilter(since=since, until=until)
    graph = VizGraph(f"events {_when(since) or '…'} to {_when(until) or '…'} ({namespace})")
    previous: Event | None = None
    for event in store.iter_events(namespace):
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
            if entity is not None:
                graph.add_node(entity)
                graph.add_edge(event.id, entity.id, nb.edge.value, nb.role or "")
    return graph


def recall_graph(memory: Memory, namespace: str, text: str, *, k: int = 5) -> VizGraph:
    """The events recall returns for ``text`` (highlighted) and the paths that explain them."""
    store = memory.store
    graph = VizGraph(f"recall: {text} ({namespace})")
    for hit in memory.recall(text, namespace=namespace, k=k):
        graph.add_node(hit.event, highlight=True)
        for step in hit.why.path:
            for node_id in (step.source, step.target):
                if node_id not in graph.nodes:
                    node = _lookup_any(store, namespace, node_id)
                    if node is not None:
                        graph.add_node(node)
            if step.source in graph.nodes and step.target in graph.nodes:
                src, dst = (step.source, step.target) if step.direction == "out" else (step.target, step.source)
                graph.add_edge(src, dst, step.edge, step.detail or "")
        for seed in hit.why.seeds:
            node = _lookup_any(store, namespace, seed.node_id)
            if node is not None:
                graph.add_node(node)
    return graph


def _lookup_any(store: GraphStore, ns: str, node_id: str) -> Event | Entity | Session | None:
    return store.get_event(ns, node_id) or store.get_entity(ns, node_id) or store.get_session(ns, node_id)


# -- drawing ---------------------------------------------------------------------------------------------


def render_html(graph: VizGraph, *, width: int = 1000, height: int = 760) -> str:
    """The graph as one standalone HTML page (BokehJS inlined; no network needed to view it).

    Raises:
        ConfigError: the graph has no nodes.
        MissingDependencyError: Bokeh is not installed.
    """
    if not graph.nodes:
        raise ConfigError(f"nothing to draw for {graph.title!r}")
    try:
        from bokeh.embed import file_html
        from bokeh.models import ColumnDataSource, HoverTool, MultiLine, Range1d, Scatter
        from bokeh.models.annotations.labels import LabelSet
        from bokeh.plotting import figure, from_networkx
        from bokeh.resources import INLINE
    except ImportError as exc:
        raise MissingDependencyError("bokeh", "viz", "graphmem viz") from exc
    import networkx as nx

    g = nx.DiGraph()
    for node in graph.nodes.values():
        color = KIND_COLORS["hit"] if node.highlight else KIND_COLORS[node.kind]
        size = 22 if node.highlight else {"entity": 18, "event": 13, "session": 15}[node.kind]
        g.add_node(node.id, kind=node.kind, label=node.label, title=node.title, color=color, size=size)
    for src, dst, edge_type, label in graph.edges:
        if src in g and dst in g:
            g.add_edge(src, dst, type=edge_type, detail=label, color=EDGE_COLORS.get(edge_type, "#999999"))
    pos = nx.spring_layout(g, seed=7, k=1.2 / max(len(g), 1) ** 0.5)
    plot = figure(
        title=graph.title,
        width=width,
        height=height,
        x_range=Range1d(start=-1.25, end=1.25),
        y_range=Range1d(start=-1.2, end=1.2),
        tools="pan,wheel_zoom,reset,save",
        toolbar_location="above",
    )
    plot.axis.visible = False
    plot.grid.visible = False
    renderer = from_networkx(g, {n: (float(x), float(y)) for n, (x, y) in pos.items()})
    renderer.node_renderer.glyph = Scatter(size="size", fill_color="color", line_color="#333333", line_width=1)
    renderer.edge_renderer.glyph = MultiLine(line_color="color", line_alpha=0.8, line_width=1.6)
    plot.renderers.append(renderer)
    plot.add_tools(HoverTool(renderers=[renderer.node_renderer], tooltips=[("", "@kind"), ("", "@title")]))
    ids = list(g.nodes)
    labels = ColumnDataSource(
        {
            "x": [float(pos[n][0]) for n in ids],
            "y": [float(pos[n][1]) for n in ids],
            # events are labelled only in small pictures; hover shows every node's text
            "text": [g.nodes[n]["label"] if g.nodes[n]["kind"] != "event" or len(ids) <= 40 else "" for n in ids],
        }
    )
    plot.add_layout(LabelSet(x="x", y="y", text="text", source=labels, x_offset=8, y_offset=4, text_font_size="9pt"))
    page: str = file_html(plot, resources=INLINE, title=graph.title)
    return page


def write_html(graph: VizGraph, path: str | os.PathLike[str]) -> Path:
    """Render ``graph`` and write the page to ``path``; returns the path."""
    out = Path(path)
    text = render_html(graph)
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {out}: {exc.strerror}") from exc
    return out
