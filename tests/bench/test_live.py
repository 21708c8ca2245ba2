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


def test_bench_live_names_the_users_file_and_line_for_a_bad_input(tmp_path: Path) -> None:
    # The chosen sample was rewritten to a temporary conversation.json first, so an error named that
    # (deleted) file at line 1 instead of the user's file at the faulty turn.
    import pytest

    from graphmem.bench.live import _one_conversation
    from graphmem.errors import IngestError

    doc = json.loads(SAMPLE.read_text(encoding="utf-8"))
    samples = doc if isinstance(doc, list) else [doc]
    session = next(k for k in samples[0]["conversation"] if k.startswith("session_") and k[-1].isdigit())
    del samples[0]["conversation"][session][1]["text"]
    bad = tmp_path / "badlocomo.json"
    bad.write_text(json.dumps(samples, indent=1), encoding="utf-8")
    with pytest.raises(IngestError) as info:
        path, _ = _one_conversation(str(bad), 0, tmp_path)
        from graphmem.formats import read_transcripts

        read_transcripts(path)  # what run_bench does next with the copy
    message = str(info.value)
    assert message.startswith(f"{bad}:") and not message.startswith(f"{bad}:1 ")
    assert "conversation.json" not in message and "text" in message
