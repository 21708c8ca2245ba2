"""``graphmem viz`` on the small contract conversation: what is gathered, the layout, the Bokeh model."""

from __future__ import annotations

import itertools
import logging
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem.cli.app import main
from graphmem.errors import ConfigError
from graphmem.models import Event, Session
from graphmem.recall.hit import Hit, Seed, Step, Why
from graphmem.store.embedded import EmbeddedStore
from graphmem.viz import (
    KIND_COLORS,
    VizEdge,
    VizGraph,
    build_plot,
    entity_neighbourhood,
    hits_graph,
    recall_graph,
    render_html,
    time_range_graph,
    validation_problems,
    write_html,
)
from graphmem.viz.layout import Layout, layout
from tests.store.test_contract import conversation, day
from tests.viz.chromium import count_near, probe, screenshot


@pytest.fixture
def store(tmp_path: Path) -> EmbeddedStore:
    s = EmbeddedStore.open(tmp_path / "mem")
    s.write(conversation("c1"))
    return s


def _path_hit(store: EmbeddedStore) -> Hit:
    e4 = store.get_event("c1", "e4")
    assert e4 is not None
    melanie = Seed("entity", "melanie", 1.0, 1, "Melanie")
    why = Why(seeds=(melanie,), path=(Step("melanie", "SPOKEN_BY", "e4", "in", "speaker"),), origin=melanie)
    return Hit(e4, 1.0, why)


def test_entity_neighbourhood_follows_mentions_and_facts(store: EmbeddedStore) -> None:
    one = entity_neighbourhood(store, "c1", "caro", hops=1)  # an alias, any case
    assert one.nodes["caroline"].highlight
    assert set(one.nodes) == {"caroline", "e1", "e2", "e3", "support-group"}
    assert VizEdge("caroline", "support-group", "FACT", "attend") in one.edges
    assert VizEdge("e1", "support-group", "MENTIONS", "mention") in one.edges  # drawn beside its turn
    assert set(one.sessions) == {"s1"}
    two = entity_neighbourhood(store, "c1", "Caroline", hops=2)
    assert "melanie" in two.nodes  # via e2, which Melanie spoke
    assert len(entity_neighbourhood(store, "c1", "Caroline", hops=2, limit=3).nodes) == 3
    with pytest.raises(ConfigError, match="no entity named 'Nobody'"):
        entity_neighbourhood(store, "c1", "Nobody")
    # a near miss names the closest, as timeline and facts do (viz named none)
    with pytest.raises(ConfigError, match=r"^no entity named 'Carolin' in namespace 'c1'; closest: 'Caroline'"):
        entity_neighbourhood(store, "c1", "Carolin")


def test_time_range_keeps_the_events_in_range(store: EmbeddedStore) -> None:
    graph = time_range_graph(store, "c1", since=day(5), until=day(11))
    assert {n.id for n in graph.nodes.values() if n.kind == "event"} == {"e4"}
    assert {"melanie", "camping"} <= set(graph.nodes)
    everything = time_range_graph(store, "c1")
    assert VizEdge("e1", "e2", "NEXT") in everything.edges
    assert VizEdge("e3", "e4", "NEXT") not in everything.edges


def test_recall_graph_draws_hits_seeds_and_their_paths(store: EmbeddedStore) -> None:
    hit = _path_hit(store)

    class FakeMemory:
        def __init__(self) -> None:
            self.store = store

        def recall(self, text: str, **_: Any) -> list[Hit]:
            return [hit]

    graph = recall_graph(FakeMemory(), "c1", "camping")  # type: ignore[arg-type]
    assert graph.nodes["e4"].highlight and graph.nodes["e4"].rank == 1
    assert not graph.nodes["melanie"].highlight and graph.nodes["melanie"].seeds == ["entity 'Melanie'"]
    # the traversed edge is a path edge (stored direction kept), the hit's mention is context
    assert VizEdge("e4", "melanie", "SPOKEN_BY", "speaker", path=True) in graph.edges
    assert VizEdge("e4", "camping", "MENTIONS", "mention") in graph.edges
    assert [e for e in graph.edges if e.path] == [VizEdge("e4", "melanie", "SPOKEN_BY", "speaker", path=True)]


def test_any_edge_type_on_a_path_is_drawn(store: EmbeddedStore) -> None:
    e3, e4 = store.get_event("c1", "e3"), store.get_event("c1", "e4")
    assert e3 is not None and e4 is not None
    seed = Seed("dense", "e3", 0.9, 1, "D1:3")
    why = Why(seeds=(seed,), path=(Step("e3", "IN_SESSION", "s1"), Step("s1", "WHATEVER", "e4", "in")), origin=seed)
    graph = hits_graph(store, "c1", "t", [Hit(e4, 0.5, why)])
    assert {(e.source, e.target, e.type) for e in graph.edges if e.path} == {
        ("e3", "s1", "IN_SESSION"),
        ("e4", "s1", "WHATEVER"),
    }
    plot = build_plot(graph)
    names = {r.name for r in plot.renderers}
    assert {"graphmem-edges-path", "graphmem-seeds", "graphmem-nodes-session"} <= names
    assert validation_problems(plot) == []


def test_layout_puts_events_in_time_order_and_speakers_in_lanes(store: EmbeddedStore) -> None:
    graph = time_range_graph(store, "c1")
    placed = layout(graph, inner_width=900)
    xs = [placed.pos[e][0] for e in ("e1", "e2", "e3", "e4")]
    assert xs == sorted(xs) and len(set(xs)) == 4
    assert placed.pos["e1"][1] == placed.pos["e3"][1] != placed.pos["e2"][1]  # Caroline's lane, Melanie's lane
    assert [b.label.split(" · ")[0] for b in placed.bands] == ["S1", "S2"]
    assert placed.pos["caroline"][0] < xs[0] and placed.pos["caroline"][1] == placed.pos["e1"][1]
    for node_id in ("camping", "support-group"):  # beside the lanes, not on them
        assert placed.pos[node_id][1] not in {lane.y for lane in placed.lanes}
    lo, hi = placed.x_range
    assert all(lo <= x <= hi for x, _ in placed.pos.values())


def _spans(placed: Layout) -> list[tuple[float, float, float, float]]:
    px = placed.px_per_unit
    return sorted(
        (
            placed.pos[i][0] * px - len(lab.text) * 3.3,
            placed.pos[i][0] * px + len(lab.text) * 3.3,
            placed.pos[i][1],
            lab.dy,
        )
        for i, lab in placed.labels.items()
        if lab.align == "center"
    )


def test_turn_labels_are_culled_where_they_would_overlap() -> None:
    graph = VizGraph("crowded")
    graph.sessions["s"] = Session("n", "s", 0, day(0))
    for seq in range(60):
        graph.add_node(Event("n", f"e{seq}", "s", seq, "Ann", "text", day(0), source_id=f"D1:{seq}"))
    graph.nodes["e30"].rank = 1
    graph.nodes["e30"].highlight = True
    placed = layout(graph, inner_width=600)
    spans = _spans(placed)
    rows: dict[tuple[float, float], list[tuple[float, float]]] = {}
    for lo, hi, y, dy in spans:
        rows.setdefault((y, dy), []).append((lo, hi))
    for row in rows.values():
        for (_a, a_hi), (b_lo, _b) in itertools.pairwise(row):
            assert b_lo >= a_hi - 1, f"labels overlap in {row}"
    assert 4 < len(placed.labels) < 60  # some turn labels were culled; hover still shows them
    assert placed.labels["e30"].text == "#1 D1:30"  # a hit always keeps its label


def test_the_plot_passes_bokehs_own_checks(store: EmbeddedStore, caplog: pytest.LogCaptureFixture) -> None:
    for graph in (
        entity_neighbourhood(store, "c1", "Caroline", hops=2),
        time_range_graph(store, "c1"),
        hits_graph(store, "c1", "t", [_path_hit(store)]),
    ):
        assert validation_problems(build_plot(graph)) == []
        with caplog.at_level(logging.WARNING, logger="bokeh"):
            render_html(graph)
    assert not [r for r in caplog.records if r.name.startswith("bokeh")], caplog.text


def test_the_validation_check_can_fail() -> None:
    from bokeh.models import ColumnDataSource
    from bokeh.plotting import figure

    plot = figure()
    plot.segment(
        "x0",
        "y0",
        "x1",
        "y1",
        source=ColumnDataSource({"x0": [0], "y0": [0], "x1": [1], "y1": [1]}),
        line_color="color",
    )
    assert any("BAD_COLUMN_NAME" in p for p in validation_problems(plot))


def test_hover_text_is_escaped_and_the_page_standalone(store: EmbeddedStore) -> None:
    graph = entity_neighbourhood(store, "c1", "Caroline")
    graph.title = "<script>alert(1)</script>"
    page = render_html(graph)
    assert not re.search(r"<script[^>]*\bsrc=", page), "every script must be inlined"
    assert not re.search(r"<link[^>]*href=\"https?:", page)
    assert "<script>alert(1)</script>" not in page.split("<body>")[0]
    assert "Caroline" in page
    assert "{safe}" not in page  # Bokeh escapes @fields in the tooltip template unless told not to


def test_screenshot_shows_the_nodes(store: EmbeddedStore, tmp_path: Path) -> None:
    from PIL import Image

    graph = entity_neighbourhood(store, "c1", "Caroline", hops=2)
    html = write_html(graph, tmp_path / "viz.html")
    seen = probe(html, tmp_path)
    assert seen["problems"] == [] and seen["documents"] == 1
    nodes = sum(n for k, n in seen["counts"].items() if k.startswith("graphmem-nodes-"))
    edges = sum(n for k, n in seen["counts"].items() if k.startswith("graphmem-edges-"))
    assert (nodes, edges) == (len(graph.nodes), len(graph.edges))
    png = tmp_path / "shot.png"
    screenshot(html, png)
    image = Image.open(png).convert("RGB")
    assert len(image.getcolors(maxcolors=1 << 22)) > 20, "the page rendered blank"
    assert count_near(image, KIND_COLORS["hit"]) > 100  # the start entity
    assert count_near(image, KIND_COLORS["event"]) > 3 * 60
    assert count_near(image, KIND_COLORS["entity"]) > 2 * 100


def test_cli_viz_writes_the_file(store: EmbeddedStore, tmp_path: Path) -> None:
    store.close()
    out = tmp_path / "out.html"
    db = str(tmp_path / "mem")
    assert main(["viz", "--db", db, "--entity", "Melanie", "-o", str(out)]) == 0
    assert out.stat().st_size > 10_000
    assert main(["viz", "--db", db, "--since", "2023-05-17", "-o", str(out)]) == 0
    assert main(["viz", "--db", db, "--since", "yesterday-ish", "-o", str(out)]) == 2  # as recall --since
    assert main(["viz", "--db", db, "-o", str(out)]) == 2  # no view chosen: a usage error


def test_cli_viz_until_a_bare_date_keeps_that_whole_day(
    store: EmbeddedStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from graphmem.cli.common import DateTime, UntilDateTime

    store.close()
    out, db = tmp_path / "out.html", str(tmp_path / "mem")
    first_day = day(0).date().isoformat()  # e1, e2 and e3 happen in the afternoon of that day
    assert main(["viz", "--db", db, "--until", first_day, "-o", str(out)]) == 0
    assert "(6 nodes" in capsys.readouterr().err  # e1–e3, Caroline, Melanie, the support group
    assert main(["viz", "--db", db, "--since", first_day, "--until", first_day, "-o", str(out)]) == 0
    assert "(6 nodes" in capsys.readouterr().err
    assert UntilDateTime().convert("2024-03-14", None, None) == datetime(2024, 3, 14, 23, 59, 59, 999999)
    assert DateTime().convert("2024-03-14", None, None) == datetime(2024, 3, 14)
    assert UntilDateTime().convert("2024-03-14T10:00", None, None) == datetime(2024, 3, 14, 10, 0)


def test_cli_viz_never_creates_a_store_at_a_mistyped_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    typo = tmp_path / "mme"
    assert main(["viz", "--db", str(typo), "--entity", "Melanie", "-o", str(tmp_path / "o.html")]) == 1
    assert "no graphmem store" in capsys.readouterr().err
    assert not typo.exists() and not (tmp_path / "o.html").exists()
