"""``graphmem viz``: standalone HTML pictures, rendered in headless Chromium to check they show nodes."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem.cli.app import main
from graphmem.errors import ConfigError
from graphmem.recall.hit import Hit, Seed, Step, Why
from graphmem.store.embedded import EmbeddedStore
from graphmem.viz import KIND_COLORS, entity_neighbourhood, recall_graph, render_html, time_range_graph, write_html
from tests.store.test_contract import conversation, day


@pytest.fixture
def store(tmp_path: Path) -> EmbeddedStore:
    s = EmbeddedStore.open(tmp_path / "mem")
    s.write(conversation("c1"))
    return s


def test_entity_neighbourhood_follows_mentions_and_facts(store: EmbeddedStore) -> None:
    one = entity_neighbourhood(store, "c1", "caro", hops=1)  # an alias, any case
    assert one.nodes["caroline"].highlight
    assert set(one.nodes) == {"caroline", "e1", "e2", "e3", "support-group"}
    assert ("caroline", "support-group", "FACT", "attend") in one.edges
    two = entity_neighbourhood(store, "c1", "Caroline", hops=2)
    assert "melanie" in two.nodes  # via e2, which Melanie spoke
    assert len(entity_neighbourhood(store, "c1", "Caroline", hops=2, limit=3).nodes) == 3
    with pytest.raises(ConfigError, match="no entity named 'Nobody'"):
        entity_neighbourhood(store, "c1", "Nobody")


def test_time_range_keeps_the_events_in_range(store: EmbeddedStore) -> None:
    graph = time_range_graph(store, "c1", since=day(5), until=day(11))
    assert {n.id for n in graph.nodes.values() if n.kind == "event"} == {"e4"}
    assert {"melanie", "camping"} <= set(graph.nodes)
    everything = time_range_graph(store, "c1")
    assert ("e1", "e2", "NEXT", "") in everything.edges and ("e3", "e4", "NEXT", "") not in everything.edges


def test_recall_graph_draws_hits_and_their_paths(store: EmbeddedStore) -> None:
    e4 = store.get_event("c1", "e4")
    assert e4 is not None
    why = Why(
        seeds=(Seed("entity", "melanie", 1.0, 1, "Melanie"),),
        path=(Step("melanie", "SPOKEN_BY", "e4", "in", "speaker"),),
    )

    class FakeMemory:
        def __init__(self) -> None:
            self.store = store

        def recall(self, text: str, **_: Any) -> list[Hit]:
            return [Hit(e4, 1.0, why)]

    graph = recall_graph(FakeMemory(), "c1", "camping")  # type: ignore[arg-type]
    assert graph.nodes["e4"].highlight and not graph.nodes["melanie"].highlight
    assert graph.edges == [("e4", "melanie", "SPOKEN_BY", "speaker")]


def test_html_is_standalone(store: EmbeddedStore) -> None:
    graph = entity_neighbourhood(store, "c1", "Caroline")
    graph.title = "<script>alert(1)</script>"
    page = render_html(graph)
    assert not re.search(r"<script[^>]*\bsrc=", page), "every script must be inlined"
    assert not re.search(r"<link[^>]*href=\"https?:", page)
    assert "<script>alert(1)</script>" not in page.split("<body>")[0]
    assert "Caroline" in page


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def _screenshot(html: Path, png: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("needs Chromium (apt-get install -y chromium)")
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-background-networking",
        "--disable-gpu",
        "--hide-scrollbars",
        "--window-size=1000,800",
        "--virtual-time-budget=8000",
        f"--screenshot={png}",
        html.resolve().as_uri(),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert png.exists(), f"no screenshot: {done.stderr[-2000:]}"


def _count(image: Any, hex_color: str, tolerance: int = 12) -> int:
    want = tuple(int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return sum(
        n
        for n, rgb in image.getcolors(maxcolors=1 << 20)
        if all(abs(int(c) - w) <= tolerance for c, w in zip(rgb[:3], want, strict=True))
    )


def test_screenshot_shows_the_nodes(store: EmbeddedStore, tmp_path: Path) -> None:
    from PIL import Image

    html = write_html(entity_neighbourhood(store, "c1", "Caroline", hops=2), tmp_path / "viz.html")
    png = tmp_path / "shot.png"
    _screenshot(html, png)
    image = Image.open(png).convert("RGB")
    assert image.size == (1000, 800)
    colors = image.getcolors(maxcolors=1 << 20)
    assert len(colors) > 20, "the page rendered blank"
    # the start entity (hit colour), events and other entities are all on the picture
    assert _count(image, KIND_COLORS["hit"]) > 100
    assert _count(image, KIND_COLORS["event"]) > 3 * 60
    assert _count(image, KIND_COLORS["entity"]) > 2 * 100


def test_cli_viz_writes_the_file(store: EmbeddedStore, tmp_path: Path) -> None:
    store.close()
    out = tmp_path / "out.html"
    db = str(tmp_path / "mem")
    assert main(["viz", "--db", db, "--entity", "Melanie", "-o", str(out)]) == 0
    assert out.stat().st_size > 10_000
    assert main(["viz", "--db", db, "--since", "2023-05-17", "-o", str(out)]) == 0
    assert main(["viz", "--db", db, "--since", "yesterday-ish", "-o", str(out)]) == 1
    assert main(["viz", "--db", db, "-o", str(out)]) == 2  # no view chosen: a usage error


def test_cli_viz_until_a_bare_date_keeps_that_whole_day(
    store: EmbeddedStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from graphmem.cli.graph_cmd import _parse_when

    store.close()
    out, db = tmp_path / "out.html", str(tmp_path / "mem")
    first_day = day(0).date().isoformat()  # e1, e2 and e3 happen in the afternoon of that day
    assert main(["viz", "--db", db, "--until", first_day, "-o", str(out)]) == 0
    assert "(6 nodes" in capsys.readouterr().err  # e1–e3, Caroline, Melanie, the support group
    assert main(["viz", "--db", db, "--since", first_day, "--until", first_day, "-o", str(out)]) == 0
    assert "(6 nodes" in capsys.readouterr().err
    assert _parse_when("2024-03-14", "--until", end_of_day=True) == datetime(2024, 3, 14, 23, 59, 59, 999999)
    assert _parse_when("2024-03-14", "--since") == datetime(2024, 3, 14)
    assert _parse_when("2024-03-14T10:00", "--until", end_of_day=True) == datetime(2024, 3, 14, 10, 0)


def test_cli_viz_never_creates_a_store_at_a_mistyped_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    typo = tmp_path / "mme"
    assert main(["viz", "--db", str(typo), "--entity", "Melanie", "-o", str(tmp_path / "o.html")]) == 1
    assert "no graphmem store" in capsys.readouterr().err
    assert not typo.exists() and not (tmp_path / "o.html").exists()
