"""Drawing a :class:`~graphmem.viz.gather.VizGraph` with Bokeh (BSD-3-Clause), BokehJS inlined so the
page opens offline.

Each kind of node and edge is its own renderer (named ``graphmem-nodes-…`` / ``graphmem-edges-…``), so
the legend can hide it and a test can count what the page holds.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from graphmem.errors import ConfigError, MissingDependencyError
from graphmem.models import Entity, Event
from graphmem.viz.gather import VizEdge, VizGraph, VizNode
from graphmem.viz.layout import HEAD_X, Layout, layout, node_label, session_caption

if TYPE_CHECKING:
    from bokeh.models import Model

__all__ = ["EDGE_STYLES", "KIND_COLORS", "build_plot", "render_html", "validation_problems"]

#: Node colours (events and entities as in ``docs/graphmem.grass``); hits and the entity asked about stand out.
KIND_COLORS = {"event": "#4C8EDA", "entity": "#F79767", "session": "#57C7E3", "hit": "#DA7194"}
#: Edge type → (colour, width, alpha). A recall path is drawn over everything in its own colour.
EDGE_STYLES: dict[str, tuple[str, float, float]] = {
    "path": ("#6A3D9A", 3.6, 0.95),
    "FACT": ("#D9534F", 1.6, 0.7),
    "MENTIONS": ("#F79767", 1.0, 0.35),
    "SPOKEN_BY": ("#8DCC93", 1.0, 0.3),
    "NEXT": ("#A5ABB6", 1.2, 0.6),
    "IN_SESSION": ("#57C7E3", 1.0, 0.5),
    "NEXT_SESSION": ("#57C7E3", 1.6, 0.6),
}
_OTHER_EDGE = ("#888888", 1.2, 0.6)
_NODE_STYLES = {  # category → (legend, colour, marker, size)
    "hit": ("recall hit (#rank)", KIND_COLORS["hit"], "circle", 17),
    "event": ("event (a turn)", KIND_COLORS["event"], "circle", 11),
    "start": ("entity asked about", KIND_COLORS["hit"], "square", 17),
    "entity": ("entity", KIND_COLORS["entity"], "square", 13),
    "session": ("session", KIND_COLORS["session"], "diamond", 16),
}
_LEGEND_PX = 190
_Y_PX = 44  # pixels per y unit
_TOOLTIP = (
    '<div style="max-width:420px;white-space:normal;font-size:12px;line-height:1.35">'
    '<div style="font-weight:bold">@heading</div><div>@body</div>'
    '<div style="color:#6A3D9A">@note</div></div>'
)


def _when(value: datetime | None) -> str:
    return "undated" if value is None else value.strftime("%Y-%m-%d %H:%M")


def _category(node: VizNode) -> str:
    if isinstance(node.item, Event):
        return "hit" if node.highlight else "event"
    if isinstance(node.item, Entity):
        return "start" if node.highlight else "entity"
    return "session"


def _hover(graph: VizGraph, node: VizNode, degree: int) -> tuple[str, str, str]:
    """Heading, body and note shown on hover."""
    item = node.item
    seeds = f"recall started here: {', '.join(node.seeds)}" if node.seeds else ""
    note = " · ".join(x for x in (node.note, seeds) if x)
    if isinstance(item, Event):
        session = session_caption(graph.sessions.get(item.session), item.session)
        turn = item.source_id or item.id
        return f"{item.speaker or '?'} · {_when(item.occurred_at)} · {turn} ({session})", item.text, note
    if isinstance(item, Entity):
        aliases = f"also {', '.join(item.aliases)}; " if item.aliases else ""
        return f"{item.name} ({item.type})", f"{aliases}{degree} link(s) in this picture", note
    return session_caption(item, item.id), f"{item.id}: {item.date_text or _when(item.started_at)}", note


def _edge_key(edge: VizEdge) -> str:
    return "path" if edge.path else edge.type


def require_bokeh() -> None:
    """Check that Bokeh is installed, before any work that ends in a picture.

    Raises:
        MissingDependencyError: it is not (the message names ``pip install 'graphmem[viz]'``).
    """
    try:
        import bokeh  # noqa: F401
    except ImportError as exc:
        raise MissingDependencyError("bokeh", "viz", "graphmem viz") from exc


def build_plot(graph: VizGraph, *, width: int = 1200) -> Model:
    """The Bokeh model of the picture of ``graph``.

    Raises:
        ConfigError: the graph has no nodes.
        MissingDependencyError: Bokeh is not installed.
    """
    if not graph.nodes:
        raise ConfigError(f"nothing to draw for {graph.title!r}")
    try:
        from bokeh.models import ColumnDataSource, HoverTool, Range1d
        from bokeh.models.annotations import Legend, LegendItem, Title
        from bokeh.plotting import figure
    except ImportError as exc:
        raise MissingDependencyError("bokeh", "viz", "graphmem viz") from exc

    placed = layout(graph, inner_width=width - _LEGEND_PX - 40)
    (x0, x1), (y0, y1) = placed.x_range, placed.y_range
    height = int(max(380, min(1100, (y1 - y0) * _Y_PX + 110)))
    plot = figure(
        title=graph.title,
        width=width,
        height=height,
        x_range=Range1d(start=x0, end=x1),
        y_range=Range1d(start=y0, end=y1),
        tools="pan,wheel_zoom,box_zoom,reset,save",
        toolbar_location="above",
        min_border_left=10,
        min_border_right=10,
    )
    plot.add_layout(
        Title(
            text="time runs left to right; bands are sessions, rows of dots are speakers' turns; "
            "hover a node for its text",
            text_font_style="italic",
            text_font_size="9pt",
            text_color="#666666",
        ),
        "above",
    )
    plot.axis.visible = False
    plot.grid.visible = False
    plot.outline_line_color = None
    _draw_background(plot, placed, y0, y1, ColumnDataSource)
    items: list[Any] = []
    items += _draw_edges(plot, graph, placed, ColumnDataSource)
    node_renderers, node_items = _draw_nodes(plot, graph, placed, ColumnDataSource)
    items += node_items
    plot.add_tools(HoverTool(renderers=node_renderers, tooltips=_TOOLTIP))
    _draw_labels(plot, graph, placed, ColumnDataSource)
    legend = Legend(
        items=[LegendItem(label=label, renderers=[r]) for label, r in items],
        location="top_left",
        click_policy="hide",
        label_text_font_size="9pt",
        title="click to hide",
        title_text_font_size="8pt",
    )
    plot.add_layout(legend, "right")
    return plot


def _draw_background(plot: Any, placed: Layout, y0: float, y1: float, source: Any) -> None:
    bands = placed.bands
    plot.quad(
        left=[b.x0 for b in bands],
        right=[b.x1 for b in bands],
        bottom=[y0] * len(bands),
        top=[y1] * len(bands),
        fill_color=["#F2F4F7" if i % 2 == 0 else "#FAFBFC" for i in range(len(bands))],
        line_alpha=0.0,
        level="underlay",
    )
    plot.text(
        x=[(b.x0 + b.x1) / 2 for b in bands],
        y=[y1 - 0.12 - 0.34 * b.row for b in bands],
        text=[b.label for b in bands],
        text_align="center",
        text_baseline="top",
        text_font_size="8pt",
        text_color="#555555",
    )
    xs = [b.x0 for b in bands] or [0.0]
    xe = [b.x1 for b in bands] or [1.0]
    plot.segment(
        x0=[min(xs)] * len(placed.lanes),
        x1=[max(xe)] * len(placed.lanes),
        y0=[lane.y for lane in placed.lanes],
        y1=[lane.y for lane in placed.lanes],
        line_color="#D5D9E0",
        line_dash="dashed",
        level="underlay",
    )
    unheaded = [lane for lane in placed.lanes if lane.head is None]
    if unheaded:  # no entity for this speaker is drawn: name the lane
        plot.text(
            x=[HEAD_X] * len(unheaded),
            y=[lane.y for lane in unheaded],
            text=[lane.speaker for lane in unheaded],
            text_align="right",
            text_baseline="middle",
            text_font_size="9pt",
            text_color="#555555",
        )


def _draw_edges(plot: Any, graph: VizGraph, placed: Layout, source: Any) -> list[tuple[str, Any]]:
    groups: dict[str, list[VizEdge]] = defaultdict(list)
    for edge in graph.edges:
        if edge.source in placed.pos and edge.target in placed.pos:
            groups[_edge_key(edge)].append(edge)
    order = [k for k in EDGE_STYLES if k in groups and k != "path"] + sorted(set(groups) - set(EDGE_STYLES))
    if "path" in groups:
        order.append("path")  # drawn last, on top
    items = []
    for key in order:
        edges = groups[key]
        color, width, alpha = EDGE_STYLES.get(key, _OTHER_EDGE)
        data = source(
            {
                "x0": [placed.pos[e.source][0] for e in edges],
                "y0": [placed.pos[e.source][1] for e in edges],
                "x1": [placed.pos[e.target][0] for e in edges],
                "y1": [placed.pos[e.target][1] for e in edges],
                "type": [e.type for e in edges],
                "detail": [e.label for e in edges],
            }
        )
        renderer = plot.segment(
            "x0",
            "y0",
            "x1",
            "y1",
            source=data,
            line_color=color,
            line_width=width,
            line_alpha=alpha,
            name=f"graphmem-edges-{key}",
        )
        if key == "path":  # name each traversed edge at its middle
            plot.text(
                x=[(placed.pos[e.source][0] + placed.pos[e.target][0]) / 2 for e in edges],
                y=[(placed.pos[e.source][1] + placed.pos[e.target][1]) / 2 for e in edges],
                text=[f"{e.type}:{e.label}" if e.label else e.type for e in edges],
                text_align="left",
                text_baseline="middle",
                x_offset=6,
                text_font_size="8pt",
                text_color=color,
                name="graphmem-path-labels",
            )
        label = "recall path (edges traversed)" if key == "path" else key
        items.append((label, renderer))
    return items


def _draw_nodes(plot: Any, graph: VizGraph, placed: Layout, source: Any) -> tuple[list[Any], list[tuple[str, Any]]]:
    degree: dict[str, int] = defaultdict(int)
    for edge in graph.edges:
        degree[edge.source] += 1
        degree[edge.target] += 1
    groups: dict[str, list[VizNode]] = defaultdict(list)
    for node in graph.nodes.values():
        groups[_category(node)].append(node)
    renderers, items = [], []
    for key, (legend, color, marker, size) in _NODE_STYLES.items():
        nodes = groups.get(key)
        if not nodes:
            continue
        hover = [_hover(graph, n, degree[n.id]) for n in nodes]
        data = source(
            {
                "x": [placed.pos[n.id][0] for n in nodes],
                "y": [placed.pos[n.id][1] for n in nodes],
                "id": [n.id for n in nodes],
                "label": [node_label(n) for n in nodes],
                "heading": [h[0] for h in hover],
                "body": [h[1] for h in hover],
                "note": [h[2] for h in hover],
            }
        )
        renderer = plot.scatter(
            "x",
            "y",
            source=data,
            marker=marker,
            size=size,
            fill_color=color,
            line_color="#333333",
            line_width=1,
            name=f"graphmem-nodes-{key}",
        )
        renderers.append(renderer)
        items.append((legend, renderer))
    seeded = [n for n in graph.nodes.values() if n.seeds]
    if seeded:
        ring = plot.scatter(
            x=[placed.pos[n.id][0] for n in seeded],
            y=[placed.pos[n.id][1] for n in seeded],
            marker="circle",
            size=27,
            fill_alpha=0.0,
            line_color="#6A3D9A",
            line_width=2.5,
            name="graphmem-seeds",
        )
        items.append(("seed: where a search started", ring))
    return renderers, items


def _draw_labels(plot: Any, graph: VizGraph, placed: Layout, source: Any) -> None:
    shown = [(node_id, label) for node_id, label in placed.labels.items() if node_id in graph.nodes]
    offsets = {"left": 10.0, "right": -10.0, "center": 0.0}
    data = source(
        {
            "x": [placed.pos[i][0] for i, _ in shown],
            "y": [placed.pos[i][1] for i, _ in shown],
            "text": [label.text for _, label in shown],
            "align": [label.align for _, label in shown],
            "dx": [offsets[label.align] for _, label in shown],
            "dy": [-label.dy for _, label in shown],  # screen y grows downwards
            "weight": ["bold" if graph.nodes[i].highlight else "normal" for i, _ in shown],
        }
    )
    plot.text(
        "x",
        "y",
        text="text",
        source=data,
        x_offset="dx",
        y_offset="dy",
        text_align="align",
        text_baseline="middle",
        text_font_size="9pt",
        text_font_style="weight",
        text_color="#222222",
        name="graphmem-labels",
    )


def validation_problems(model: Model) -> list[str]:
    """Bokeh's own integrity checks of ``model`` (errors and warnings), as text; empty when clean."""
    from bokeh.core.validation.check import check_integrity

    issues = check_integrity(list(model.references()))
    return [f"{i.code} {i.name}: {i.text}" for i in (*issues.error, *issues.warning)]


def render_html(graph: VizGraph, *, width: int = 1200) -> str:
    """The graph as one standalone HTML page (BokehJS inlined; no network needed to view it).

    Raises:
        ConfigError: the graph has no nodes.
        MissingDependencyError: Bokeh is not installed.
    """
    require_bokeh()
    from bokeh.embed import file_html
    from bokeh.resources import INLINE

    page: str = file_html(build_plot(graph, width=width), resources=INLINE, title=graph.title)
    return page
