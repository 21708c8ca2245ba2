"""``graphmem recall``: table and JSON output over a store built by hand."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from graphmem.cli import main
from graphmem.embed import Embedder
from graphmem.memory import Memory

from .conftest import NS, write_dialogue


@pytest.fixture
def store_dir(tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> Path:
    import graphmem.embed

    monkeypatch.delenv("GRAPHMEM_EMBEDDER", raising=False)
    # the CLI uses the process-wide embedder of the default spec
    monkeypatch.setattr(graphmem.embed, "_defaults", {graphmem.embed._spec_key(None): embedder})
    with Memory.open(tmp_path / "mem", embedder=embedder) as mem:
        write_dialogue(mem)
    return tmp_path / "mem"


def test_recall_json(store_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["--db", str(store_dir), "recall", "What instrument is Ben learning?", "-n", NS, "--k", "3", "--json"])
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["namespace"] == NS and len(out["hits"]) == 3
    top = out["hits"][0]
    assert top["source_id"] == "s3-1" and "cello" in top["text"]
    assert top["why"]["seeds"] and "window" in top["why"]


def test_recall_table_has_why_column(store_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--db", str(store_dir), "recall", "puppy", "-n", NS, "--speaker", "Ana", "--since", "2024-03-05"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "why" in out and "Biscuit" in out
    assert "dense #" in out or "text #" in out
    assert main([*args, "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert hits and {h["speaker"] for h in hits} == {"Ana"}
    assert all(h["occurred_at"] >= "2024-03-05" for h in hits)


def test_recall_bad_namespace_is_a_message(store_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(store_dir), "recall", "x", "-n", "bad name!"]) == 1
    assert "illegal namespace" in capsys.readouterr().err


def test_recall_by_a_speaker_nobody_is_is_a_message(store_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # `--speaker Bne` printed an empty table, as a mistyped namespace once did.
    db = ["--db", str(store_dir), "recall", "cello", "-n", NS, "--json"]
    assert main([*db, "--speaker", "ben", "--speaker", "Bne"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"error: no speaker 'Bne' in namespace '{NS}' (speakers: Ana, Ben) (did you mean 'Ben'?)\n"
    assert main([*db, "--speaker", "ben", "--speaker", "ANA"]) == 0  # names ignore case
    assert {h["speaker"] for h in json.loads(capsys.readouterr().out)["hits"]} <= {"Ana", "Ben"}


def test_recall_as_of_a_date_keeps_that_days_turns(store_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # s3 is said on 2024-03-15 from 10:01; --as-of and --until that day both keep it
    args = ["--db", str(store_dir), "recall", "cello lessons", "-n", NS, "--k", "20", "--json"]
    assert main([*args, "--as-of", "2024-03-15", "--until", "2024-03-15"]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert any(h["source_id"].startswith("s3-") for h in hits)
    assert main([*args, "--as-of", "2024-03-15T10:00"]) == 0
    assert not any(h["source_id"].startswith("s3-") for h in json.loads(capsys.readouterr().out)["hits"])


def _narrow(monkeypatch: pytest.MonkeyPatch, width: int) -> io.StringIO:
    """Make the CLI's stdout console a terminal ``width`` columns wide, printing into the returned buffer."""
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=True, color_system=None)
    monkeypatch.setattr("graphmem.cli.common._consoles", {"stdout": console})
    return buffer


def test_recall_in_an_80_column_terminal_prints_each_hit_as_a_block(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # tester finding: at 80 columns the short columns left text and why 5 to 7 characters, a syllable a line
    buffer = _narrow(monkeypatch, 80)
    assert main(["--db", str(store_dir), "recall", "What instrument is Ben learning?", "-n", NS, "--k", "2"]) == 0
    out = buffer.getvalue()
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "   I started learning the cello last month." in lines  # the text whole, on one line
    assert any(line.startswith("1.  ") and "s3-1" in line and "Ben" in line for line in lines)
    assert any(line.startswith("   why: ") for line in lines)


def test_recall_in_a_wide_terminal_keeps_its_table(store_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = _narrow(monkeypatch, 160)
    assert main(["--db", str(store_dir), "recall", "What instrument is Ben learning?", "-n", NS, "--k", "2"]) == 0
    out = buffer.getvalue()
    assert "┃ why" in out and "│ I started learning the cello last month." in out


def test_timeline_in_a_narrow_terminal_prints_each_event_as_a_block(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    buffer = _narrow(monkeypatch, 60)
    assert main(["--db", str(store_dir), "timeline", "Ben", "-n", NS]) == 0
    lines = buffer.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 60
    assert "   Yes, every Tuesday with a teacher from the conservatory." in lines
    assert "2024-03-15 10:03  Ben  s3:3" in lines


def test_output_that_is_not_a_terminal_keeps_the_table_however_narrow(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # reviewer finding: a pipe (160 columns) switched to blocks when an id was long; a pipe's layout never changes
    from rich.console import Console

    from graphmem.cli.narrow import fits_table

    buffer = io.StringIO()
    monkeypatch.setattr("graphmem.cli.common._consoles", {"stdout": Console(file=buffer, width=60)})
    assert main(["--db", str(store_dir), "recall", "What instrument is Ben learning?", "-n", NS, "--k", "2"]) == 0
    assert "┃ why" in buffer.getvalue()
    assert main(["--db", str(store_dir), "timeline", "Ben", "-n", NS]) == 0
    assert "┃ text" in buffer.getvalue()
    long_id = [("1", "0.500", "ev:" + "x" * 70, "2024-03-15", "Ben")]
    assert fits_table(Console(file=io.StringIO(), width=160), ("#", "score", "id", "when", "speaker"), long_id, 2)
    terminal = Console(file=io.StringIO(), width=160, force_terminal=True)
    assert not fits_table(terminal, ("#", "score", "id", "when", "speaker"), long_id, 2)


def test_block_lines_end_without_spaces(store_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # reviewer finding: the wrapped lines of a block kept rich's trailing spaces
    buffer = _narrow(monkeypatch, 40)
    assert main(["--db", str(store_dir), "recall", "What instrument is Ben learning?", "-n", NS, "--k", "3"]) == 0
    assert main(["--db", str(store_dir), "timeline", "Ben", "-n", NS]) == 0
    lines = buffer.getvalue().splitlines()
    assert any(line.startswith("   why: ") for line in lines)
    assert all(line == line.rstrip() for line in lines)
