"""bench mcp: the MCP recall round trip over stdio and context() latency and size, on a small LoCoMo file."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphmem.bench.mcp import run_mcp_bench

pytest.importorskip("mcp", reason="the MCP SDK is the graphmem[mcp] extra (installed by the dev extra)")

DATA = Path(__file__).resolve().parents[2] / "data" / "locomo_style.json"


def test_measures_round_trips_and_sizes(tmp_path: Path) -> None:
    result = run_mcp_bench(DATA, store=tmp_path / "store", max_questions=3, budget_tokens=200, warmup=1)
    assert result["questions"] == 3
    for key in ("context_ms", "context_cpu_ms", "mcp_recall_ms"):
        fig = result[key]
        assert fig["n"] == 3 and 0 < fig["p50"] <= fig["p95"]
    tokens = result["tokens"]
    assert 0 < tokens["context_mean"] <= tokens["context_max"] <= 200
    assert tokens["conversation_mean"] > tokens["context_mean"]
    assert tokens["share_percent"] == pytest.approx(
        100 * tokens["context_mean"] / tokens["conversation_mean"], abs=0.01
    )
