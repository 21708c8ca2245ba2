"""``graphmem ingest`` and ``graphmem bench ingest`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from graphmem.cli import main

from .conftest import DATA


@pytest.fixture(autouse=True)
def _share_nlp(nlp: Any) -> None:
    """Load spaCy once: the CLI's extractor reuses the process-wide pipeline."""


def test_ingest_table_then_no_op(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "db")
    assert main(["ingest", "--db", db, "--no-embed", str(DATA)]) == 0
    out = capsys.readouterr().out
    assert "files ok" in out and "│ turns written             │ 67    │" in out
    assert main(["--db", db, "ingest", "--no-embed", "--json", str(DATA)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["files_ok"], summary["files_skipped"], summary["turns"]) == (0, 4, 0)


def test_failed_file_gives_exit_status_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"speaker": "A", "text": "hi"}\n{"speaker": "B"}\n', encoding="utf-8")
    db = str(tmp_path / "db")
    code = main(["ingest", "--db", db, "--no-embed", str(bad), str(DATA / "chat.jsonl")])
    assert code == 1
    captured = capsys.readouterr()
    assert f"error: {bad}:2: missing field 'text'" in captured.err
    assert main(["--db", db, "namespaces"]) == 0
    assert capsys.readouterr().out.split() == ["chat"]


def test_options_namespace_format_and_embeddings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "db")
    args = ["ingest", "--db", db, "-n", "maya", "--format", "text", "--json", str(DATA / "transcript.txt")]
    assert main(args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["namespaces"] == ["maya"] and summary["events"] == 14
    assert main(["--db", db, "stats", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"]["embeddings"] == 14


def test_bad_option_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", "--db", str(tmp_path / "db"), "--workers", "0", str(DATA)]) == 2
    assert main(["ingest", "--db", str(tmp_path / "db"), "--format", "xml", str(DATA)]) == 2
    assert main(["ingest", "--db", str(tmp_path / "db"), "-n", "bad name", str(DATA)]) == 1
    assert "illegal namespace" in capsys.readouterr().err


def test_bench_ingest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bench.json"
    assert main(["bench", "ingest", str(DATA / "chat.jsonl"), "--no-embed", "--json", str(out)]) == 0
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["extract_only"]["turns"] == figures["end_to_end"]["turns"] == 13
    assert figures["end_to_end"]["turns_per_s"] > 0
    for run in ("extract_only", "end_to_end"):
        assert figures[run]["cpu_seconds"] > 0
        assert figures[run]["turns_per_cpu_s"] == pytest.approx(13 / figures[run]["cpu_seconds"], rel=0.05)
    assert len(figures["machine"]["load_average_before"]) == 3
    assert set(figures["end_to_end"]["timings"]) == {"read", "extract", "resolve", "embed", "write"}
    assert "where the time goes" in capsys.readouterr().out


def test_clock_times_in_an_undated_session_are_a_warning_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "t.txt"
    path.write_text("## Session 1 — the beach trip\n[10:32] Ana: hi\n[10:33] Bo: yo\n", encoding="utf-8")
    assert main(["ingest", "--db", str(tmp_path / "db"), "--no-embed", str(path)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert [line for line in err if line.startswith("warning:")] == [
        f"warning: {path}:2: [10:32] is a time of day but the session header at line 1 has no date that parses "
        "('the beach trip'); the clock times of this session are not kept"
    ]
