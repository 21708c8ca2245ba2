"""``graphmem bench scale``: the synthetic dialogue, checkpoints, and a tiny end-to-end run with its plot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphmem.bench.scale import checkpoints, dialogue, plot, questions, run_scale
from graphmem.cli import main


def test_checkpoints() -> None:
    assert checkpoints(100_000) == [1000, 3000, 10_000, 30_000, 100_000]
    assert checkpoints(2500) == [1000, 2500]
    assert checkpoints(500) == [500]


def test_dialogue_is_deterministic_and_sized() -> None:
    first = list(dialogue(130, namespaces=2))
    again = list(dialogue(130, namespaces=2))
    assert first == again
    assert sum(len(records) for _, records in first) == 130
    assert {ns for ns, _ in first} == {"scale-0", "scale-1"}
    ids = [r["id"] for _, records in first for r in records]
    assert len(ids) == len(set(ids))
    assert all(r["text"] and r["speaker"] for _, records in first for r in records)
    assert len(questions(7, namespaces=2)) == 7


def test_tiny_run_and_plot(tmp_path: Path) -> None:
    result = run_scale(120, namespaces=2, queries=6, chunk=40, store=tmp_path / "store")
    (row,) = result["checkpoints"]
    assert row["events"] == 120
    assert row["ingest_turns_per_s"] > 0 and row["store_mb"] > 0 and row["peak_rss_mb"] > 0
    assert 0 < row["recall_p50_ms"] <= row["recall_p95_ms"]
    png = tmp_path / "scale.png"
    plot({**result, "checkpoints": [dict(row, events=100), row]}, png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bulk_run_writes_real_vectors_and_measures_a_second_namespace(tmp_path: Path) -> None:
    result = run_scale(200, namespaces=2, queries=5, chunk=40, store=tmp_path / "store", bulk=True, cache_mb=64)
    (row,) = result["checkpoints"]
    assert result["bulk"] and row["events"] == 200
    assert row["rss_one_ns_mb"] > 0 and row["rss_two_ns_mb"] > 0 and row["rss_after_drop_mb"] > 0
    assert 0 < row["recall_p50_ms"] <= row["recall_p95_ms"]
    from graphmem.memory import Memory

    with Memory.open(tmp_path / "store") as mem:
        stats = mem.stats("scale-1")
        assert stats.events == 100 and stats.embeddings == 100
        assert {e.type for e in mem.store.iter_entities("scale-1")} == {"PERSON", "THING"}


def test_cli_refuses_a_store_with_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "something").write_text("x")
    assert main(["bench", "scale", "--events", "100", "--store", str(tmp_path / "full")]) != 0
    assert "not empty" in capsys.readouterr().err


def test_cli_tiny(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "scale.json"
    png = tmp_path / "scale.png"
    args = [
        "bench",
        "scale",
        "--events",
        "100",
        "--queries",
        "3",
        "--chunk",
        "50",
        "--json",
        str(out),
        "--plot",
        str(png),
    ]
    assert main(args) == 0
    assert json.loads(out.read_text())["checkpoints"][0]["events"] == 100
    assert png.exists()
