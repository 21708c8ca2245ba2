"""``graphmem bench live`` runs end to end on a small LoCoMo-shaped file (figures are not asserted)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from graphmem.cli.app import cli

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "locomo_style.json"


def test_bench_live_reports_adds_batch_and_recall(tmp_path: Path) -> None:
    out = tmp_path / "live.json"
    result = CliRunner().invoke(
        cli, ["bench", "live", str(SAMPLE), "--limit", "8", "--recall-seconds", "1", "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["turns"] == 8
    assert figures["live"]["events"] == 8 and figures["live"]["add_latency"]["n"] == 8
    assert figures["batch"]["turns"] == 8
    assert figures["recall_while_writing"]["writer_adds"] >= 1
    assert "add, one message per call" in result.output
