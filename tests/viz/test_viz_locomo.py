"""``graphmem viz`` on a real conversation (LoCoMo conv-26): rendered in headless Chromium, the page
must hold every node and edge in its Bokeh document, raise no errors, and read as a time line."""

from __future__ import annotations

from pathlib import Path

from graphmem.memory import Memory
from graphmem.viz import KIND_COLORS, build_plot, entity_neighbourhood, recall_graph, validation_problems, write_html
from graphmem.viz.layout import layout
from tests.viz.chromium import count_near, probe, screenshot

NS = "conv-26"


def _drawn(seen: dict[str, object], prefix: str) -> int:
    counts = seen["counts"]
    assert isinstance(counts, dict)
    return sum(int(n) for k, n in counts.items() if k.startswith(prefix))


def test_a_persons_neighbourhood_reads_as_a_time_line(locomo: Memory, tmp_path: Path) -> None:
    from PIL import Image

    graph = entity_neighbourhood(locomo.store, NS, "Caroline", hops=2, limit=120)
    events = graph.events()
    assert len(events) > 40 and len(graph.nodes) == 120
    assert validation_problems(build_plot(graph)) == []
    placed = layout(graph, inner_width=970)
    assert len({placed.pos[e.id][0] for e in events}) == len(events), "two turns share a place"
    assert len(placed.bands) >= 4 and len(placed.lanes) >= 1
    assert len(placed.labels) < len(graph.nodes), "labels are culled where they would overlap"

    html = write_html(graph, tmp_path / "caroline.html")
    seen = probe(html, tmp_path)
    assert seen["problems"] == [] and seen["documents"] == 1
    assert _drawn(seen, "graphmem-nodes-") == len(graph.nodes)
    assert _drawn(seen, "graphmem-edges-") == len(graph.edges)

    png = tmp_path / "caroline.png"
    screenshot(html, png, (1200, 800))
    image = Image.open(png).convert("RGB")
    assert len(image.getcolors(maxcolors=1 << 22)) > 50, "the page rendered blank"
    assert count_near(image, KIND_COLORS["event"]) > 40 * 50
    assert count_near(image, KIND_COLORS["entity"]) > 20 * 80
    assert count_near(image, KIND_COLORS["hit"]) > 100  # Caroline, the entity asked about
    # not one clump: event-coloured pixels spread over most of the plot's width
    blue = [
        x
        for x in range(0, image.width, 4)
        if any(_near(image.getpixel((x, y)), KIND_COLORS["event"]) for y in range(0, image.height, 3))
    ]
    assert max(blue) - min(blue) > 0.6 * (image.width - 230)


def _near(rgb: tuple[int, ...], hex_color: str, tolerance: int = 12) -> bool:
    want = tuple(int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return all(abs(c - w) <= tolerance for c, w in zip(rgb[:3], want, strict=True))


def test_a_recall_picture_draws_the_hits_seeds_and_paths(locomo: Memory, tmp_path: Path) -> None:
    question = "When did Melanie run a charity race?"
    hits = locomo.recall(question, namespace=NS, k=8)
    graph = recall_graph(locomo, NS, question, k=8)
    ranked = {n.id: n.rank for n in graph.nodes.values() if n.rank is not None}
    assert ranked == {h.event.id: i for i, h in enumerate(hits, 1)}
    steps = {(s.source, s.target, s.edge) for h in hits for s in h.why.path}
    drawn = {(e.source, e.target, e.type) for e in graph.edges if e.path}
    assert len(drawn) == len(steps)
    for source, target, edge in steps:
        assert (source, target, edge) in drawn or (target, source, edge) in drawn
    seeded = {s.node_id for h in hits for s in h.why.seeds}
    assert seeded == {n.id for n in graph.nodes.values() if n.seeds}
    assert len(graph.edges) > len(hits), "each hit is drawn with its speaker and entities"

    html = write_html(graph, tmp_path / "recall.html")
    seen = probe(html, tmp_path)
    assert seen["problems"] == []
    assert _drawn(seen, "graphmem-nodes-hit") == len(hits)
    assert _drawn(seen, "graphmem-edges-path") == len(drawn)
    assert _drawn(seen, "graphmem-seeds") == len(seeded)
    assert _drawn(seen, "graphmem-edges-") == len(graph.edges)
