"""Where each node goes: a time-line layout.

Events run left to right in conversation order, one slot per event, sessions side by side as bands
(so a gap in the picture is a gap between sessions, not an empty month). Each speaker has a lane; the
speaker's entity sits at the head of its lane. Every other node (entities, sessions) is packed in rows
above and below the lanes, as near as it fits to the events it is linked to, on the side of those
events. A node's label is shown only where it does not overlap another label; hover shows all.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from graphmem.models import EdgeType, Entity, Event, Session
from graphmem.viz.gather import VizGraph, VizNode

__all__ = ["Band", "Label", "Lane", "Layout", "layout"]

SESSION_GAP = 1.6  # x units between two sessions' events (one event is 1 unit)
LANE_GAP = 1.4  # y units between speaker lanes
FIRST_ROW = 1.1  # y units from the outer lane to the first row of entities
ROW_GAP = 0.62  # y units between rows of entities
MAX_ROWS = 5  # rows on each side
CHAR_PX = 6.6  # mean width of a 9pt label character
MARKER_PX = 18.0  # room a marker takes in a row
LABEL_MAX = 22  # characters of a label before it is cut
HEAD_X = -1.6  # x of the speakers' entities, left of the first event


@dataclass(frozen=True, slots=True)
class Band:
    """A session's stretch of the time axis."""

    x0: float
    x1: float
    label: str
    detail: str
    row: int = 0  # the caption's row (0 at the top)


@dataclass(frozen=True, slots=True)
class Lane:
    """A speaker's row of events."""

    y: float
    speaker: str
    head: str | None = None  # the id of the speaker's entity drawn at the lane's head, if any


@dataclass(frozen=True, slots=True)
class Label:
    """A label shown beside a node: ``align`` is where the text starts relative to the node."""

    text: str
    align: str  # "left" (text to the right of the node), "right" (to its left) or "center"
    dy: float  # pixels above (+) or below (-) the node


@dataclass(frozen=True, slots=True)
class Layout:
    """Positions, the labels that fit, session bands, speaker lanes and the extent of the picture."""

    pos: dict[str, tuple[float, float]]
    labels: dict[str, Label]
    bands: tuple[Band, ...]
    lanes: tuple[Lane, ...]
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    px_per_unit: float  # the horizontal scale the labels were fitted for


def short(text: str, limit: int = LABEL_MAX) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _date(value: datetime | None) -> str:
    return "" if value is None else f"{value.day} {value:%b %Y}"


def session_caption(session: Session | None, session_id: str) -> str:
    """E.g. ``S3 · 24 Jun 2023``: the session's number and date."""
    if session is None:
        return session_id
    return f"S{session.index + 1}" + (f" · {_date(session.started_at)}" if session.started_at else "")


def node_label(node: VizNode) -> str:
    """The short label of a node: a turn id for an event (``#1 D1:3`` for a hit), a name otherwise."""
    item = node.item
    if isinstance(item, Event):
        turn = item.source_id or f"{item.session}:{item.seq}"
        return f"#{node.rank} {turn}" if node.rank is not None else turn
    if isinstance(item, Entity):
        return short(item.name)
    return session_caption(item, item.id)


class _Rows:
    """Occupied x intervals per row, in pixels."""

    def __init__(self, px_per_unit: float) -> None:
        self.scale = px_per_unit
        self.taken: dict[int, list[tuple[float, float]]] = defaultdict(list)

    def free(self, row: int, lo: float, hi: float) -> bool:
        return all(hi <= a or lo >= b for a, b in self.taken[row])

    def take(self, row: int, lo: float, hi: float) -> None:
        self.taken[row].append((lo, hi))


def _event_order(graph: VizGraph) -> list[Event]:
    def key(e: Event) -> tuple[int, int, str]:
        session = graph.sessions.get(e.session)
        return (session.index if session is not None else 1 << 30, e.seq, e.id)

    return sorted(graph.events(), key=key)


def layout(graph: VizGraph, *, inner_width: float) -> Layout:
    """Lay ``graph`` out for a plot ``inner_width`` pixels wide."""
    events = _event_order(graph)
    pos: dict[str, tuple[float, float]] = {}
    bands: list[Band] = []
    x = 0.0
    current: str | None = None
    start = 0.0
    for event in events:
        if current is not None and event.session != current:
            bands.append(_band(graph, current, start, x))
            x += SESSION_GAP
        if event.session != current:
            current, start = event.session, x
        pos[event.id] = (x + 0.5, 0.0)
        x += 1.0
    if current is not None:
        bands.append(_band(graph, current, start, x))
    span = max(x, 1.0)

    # speaker lanes, the busiest first, from the top down
    speakers = Counter(e.speaker or "(no speaker)" for e in events)
    lanes = [Lane(-i * LANE_GAP, name) for i, (name, _n) in enumerate(speakers.most_common())]
    lane_y = {lane.speaker: lane.y for lane in lanes}
    for event in events:
        pos[event.id] = (pos[event.id][0], lane_y[event.speaker or "(no speaker)"])
    top = lanes[0].y if lanes else 0.0
    bottom = lanes[-1].y if lanes else 0.0

    head = HEAD_X
    head_px = max((len(short(lane.speaker)) for lane in lanes), default=0) * CHAR_PX + 30.0
    px_per_unit = max(inner_width - head_px, 0.4 * inner_width) / (span + 1.5 - head)
    left = head - 0.5 - head_px / px_per_unit
    labels: dict[str, Label] = {}
    _label_events(graph, events, pos, labels, lane_y, px_per_unit)

    # speakers at the head of their lane
    open_lanes = {lane.speaker.casefold(): lane for lane in lanes}
    heads: dict[str, str] = {}  # lane speaker -> the entity drawn at its head
    rest: list[VizNode] = []
    spoke = {e.target for e in graph.edges if e.type == EdgeType.SPOKEN_BY.value}
    for node in graph.nodes.values():
        if isinstance(node.item, Event):
            continue
        key = node.item.name.casefold() if isinstance(node.item, Entity) else None
        lane = open_lanes.get(key) if key is not None else None
        if key is not None and lane is not None and (node.id in spoke or not spoke):
            del open_lanes[key]
            heads[lane.speaker] = node.id
            pos[node.id] = (head, lane.y)
            labels[node.id] = Label(node_label(node), "right", 0.0)
        else:
            rest.append(node)
    lanes = [Lane(lane.y, lane.speaker, heads.get(lane.speaker)) for lane in lanes]
    _pack_rows(graph, rest, pos, labels, (top, bottom), px_per_unit, span)

    ys = [y for _x, y in pos.values()] or [0.0]
    return Layout(
        pos=pos,
        labels=labels,
        bands=tuple(_fit_band_labels(bands, px_per_unit, (span + 1.5) * px_per_unit)),
        lanes=tuple(lanes),
        x_range=(left, span + 1.5),
        y_range=(min(ys) - 0.7, max(ys) + 1.3),
        px_per_unit=px_per_unit,
    )


def _fit_band_labels(bands: list[Band], px_per_unit: float, right_px: float) -> list[Band]:
    """Each band's caption in full where it fits, else its session number, else nothing; two rows."""
    rows = _Rows(px_per_unit)
    fitted = []
    for band in bands:
        centre = (band.x0 + band.x1) / 2 * px_per_unit
        label, at = "", 0
        for text in (band.label, band.label.split(" · ")[0]):
            half = len(text) * CHAR_PX * 0.9 / 2 + 4
            if centre + half > right_px:
                continue
            row = next((r for r in (0, 1) if rows.free(r, centre - half, centre + half)), None)
            if row is not None:
                rows.take(row, centre - half, centre + half)
                label, at = text, row
                break
        fitted.append(Band(band.x0, band.x1, label, band.detail, at))
    return fitted


def _band(graph: VizGraph, session_id: str, x0: float, x1: float) -> Band:
    session = graph.sessions.get(session_id)
    detail = session_id if session is None else f"{session.id}: {session.date_text or _date(session.started_at)}"
    return Band(x0 - 0.3, x1 + 0.3, session_caption(session, session_id), detail)


def _label_events(
    graph: VizGraph,
    events: list[Event],
    pos: dict[str, tuple[float, float]],
    labels: dict[str, Label],
    lane_y: dict[str, float],
    px_per_unit: float,
) -> None:
    """Turn labels over or under the events: hits first, then left to right, each only where it does
    not overlap a label already placed beside its lane (over the top lane first, under the others)."""
    rows = _Rows(px_per_unit)
    top = max(lane_y.values(), default=0.0)
    ranked = sorted(events, key=lambda e: (graph.nodes[e.id].rank or 1 << 30, pos[e.id][0]))
    for event in ranked:
        node = graph.nodes[event.id]
        text = node_label(node)
        x, y = pos[event.id]
        half = len(text) * CHAR_PX / 2 + 3
        centre = x * px_per_unit
        lift = 15.0 if node.seeds or node.highlight else 11.0
        for side in (1, -1) if y == top else (-1, 1):
            row = 2 * round(y * 10) + (side > 0)
            if rows.free(row, centre - half, centre + half):
                rows.take(row, centre - half, centre + half)
                labels[event.id] = Label(text, "center", side * lift)
                break


def _pack_rows(
    graph: VizGraph,
    nodes: list[VizNode],
    pos: dict[str, tuple[float, float]],
    labels: dict[str, Label],
    lanes: tuple[float, float],
    px_per_unit: float,
    span: float,
) -> None:
    """Place ``nodes`` in rows above and below the lanes near the mean x of their placed neighbours."""
    links: dict[str, list[str]] = defaultdict(list)
    for edge in graph.edges:
        links[edge.source].append(edge.target)
        links[edge.target].append(edge.source)
    top, bottom = lanes
    middle = (top + bottom) / 2

    def wanted(node: VizNode) -> tuple[float, float]:
        near = [n for n in links[node.id] if n in pos]
        turns = [n for n in near if isinstance(graph.nodes[n].item, Event)]
        placed = [pos[n] for n in (turns or near)]
        if isinstance(node.item, Session):
            xs = [pos[e.id][0] for e in graph.events() if e.session == node.id and e.id in pos]
            if xs:
                return sum(xs) / len(xs), top + 1.0
        if not placed:
            return span / 2, top + 1.0
        return sum(p[0] for p in placed) / len(placed), sum(p[1] for p in placed) / len(placed)

    rows = _Rows(px_per_unit)
    limit_px = (span + 0.8) * px_per_unit
    # most linked first: they get the rows nearest the lanes and their labels
    order = sorted(nodes, key=lambda n: (not n.highlight, -len(links[n.id]), node_label(n)))
    unplaced: list[VizNode] = []
    for node in order:
        if not _place(node, wanted, rows, pos, labels, (top, bottom, middle), limit_px, with_label=True):
            unplaced.append(node)
    for node in unplaced:  # a second pass for entities which fit on a row
        if not _place(node, wanted, rows, pos, labels, (top, bottom, middle), limit_px, with_label=False):
            x, y = wanted(node)
            pos[node.id] = (
                x,
                top + FIRST_ROW + MAX_ROWS * ROW_GAP if y >= middle else bottom - FIRST_ROW - MAX_ROWS * ROW_GAP,
            )


def _place(
    node: VizNode,
    wanted: Callable[[VizNode], tuple[float, float]],
    rows: _Rows,
    pos: dict[str, tuple[float, float]],
    labels: dict[str, Label],
    lanes: tuple[float, float, float],
    limit_px: float,
    *,
    with_label: bool,
) -> bool:
    top, bottom, middle = lanes
    x, y = wanted(node)
    text = node_label(node)
    above_first = y >= middle
    sides = (1, -1) if above_first else (-1, 1)
    centre = x * rows.scale
    lo = centre - MARKER_PX / 2
    hi = centre + MARKER_PX / 2 + (len(text) * CHAR_PX + 6 if with_label else 0)
    if with_label and hi > limit_px:  # the label would run off the picture: put it on the left
        lo, hi = centre - MARKER_PX / 2 - len(text) * CHAR_PX - 6, centre + MARKER_PX / 2
        align = "right"
    else:
        align = "left"
    for depth in range(MAX_ROWS):
        for side in sides:
            row = side * (depth + 1)
            if rows.free(row, lo, hi):
                rows.take(row, lo, hi)
                ry = top + FIRST_ROW + depth * ROW_GAP if side > 0 else bottom - FIRST_ROW - depth * ROW_GAP
                pos[node.id] = (x, ry)
                if with_label:
                    labels[node.id] = Label(text, align, 0.0)
                return True
    return False
