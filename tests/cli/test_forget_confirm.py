"""``forget -n NS`` asks before deleting a whole namespace: on a terminal, or from an answer piped in;
with no answer to read (a script, cron) it is a usage error that says to pass ``--yes``."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from graphmem.cli import main


def _held(store_dir: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    capsys.readouterr()
    assert main(["--db", str(store_dir), "namespaces"]) == 0
    return capsys.readouterr().out.split()


def test_no_answer_to_read_says_to_pass_yes(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    # before: the prompt on stdout, then "aborted" and exit 1, with no word of --yes
    assert main(["--db", str(store_dir), "forget", "-n", "conv-1"]) == 2
    captured = capsys.readouterr()
    assert "pass --yes" in captured.err
    assert captured.out == ""  # the question goes to stderr: stdout is for results
    assert _held(store_dir, capsys) == ["conv-1"]


@pytest.mark.parametrize(("answer", "code", "kept"), [("y\n", 0, False), ("n\n", 1, True), ("\n", 1, True)])
def test_a_piped_answer_is_taken(
    store_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    answer: str,
    code: int,
    kept: bool,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(answer))
    assert main(["--db", str(store_dir), "forget", "-n", "conv-1"]) == code
    if kept:
        assert "aborted" in capsys.readouterr().err
    assert _held(store_dir, capsys) == (["conv-1"] if kept else [])
