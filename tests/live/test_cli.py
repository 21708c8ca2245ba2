"""``graphmem add`` and the agent-loop example."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from graphmem import Memory
from graphmem.cli.app import cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "agent_loop.py"


def test_add_one_message_then_jsonl_on_stdin(tmp_path: Path) -> None:
    store = str(tmp_path / "db")
    runner = CliRunner()
    one = runner.invoke(
        cli, ["--db", store, "add", "-n", "dana", "--speaker", "Dana", "--time", "2024-05-01T09:00", "Hi!"]
    )
    assert one.exit_code == 0, one.output
    assert one.output.strip() == "ev:session_1:1"
    lines = "\n".join(
        json.dumps(m)
        for m in [
            {"speaker": "Sam", "text": "Hello Dana.", "time": "2024-05-01T09:01"},
            {"speaker": "Dana", "text": "Bye.", "time": "2024-05-01T09:02", "id": "m-3"},
        ]
    )
    more = runner.invoke(cli, ["--db", store, "add", "-n", "dana", "--json"], input=lines + "\n")
    assert more.exit_code == 0, more.output
    assert json.loads(more.output)["events"] == ["ev:session_1:2", "ev:session_1:3"]
    with Memory.open(store, read_only=True) as mem:
        assert [e.text for e in mem.store.iter_events("dana")] == ["Hi!", "Hello Dana.", "Bye."]


def test_add_names_a_bad_stdin_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "db"), "add", "-n", "x"], input='{"speaker": "A"}\nnot json\n'
    )
    assert result.exit_code != 0
    assert "<stdin>:2" in str(result.exception) or "<stdin>:2" in result.output


def test_add_names_the_stdin_line_of_a_bad_message(tmp_path: Path) -> None:
    # A well-formed JSON line that is not a good message was named by its index among the messages
    # ("messages at $[2]"), not by its line on stdin; --time by a JSON path of a message never written.
    store = str(tmp_path / "db")
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", store, "add", "-n", "x", "--speaker", "A", "first"]).exit_code == 0
    good = json.dumps({"speaker": "A", "text": "fine"})
    cases = [
        (f'{good}\n\n{{"speaker": "B"}}\n', "<stdin>:3: missing field 'text' (or 'content')"),
        (f'{good}\n{{"speaker": "B", "text": "t", "time": "soon"}}\n', "<stdin>:2: not a timestamp: 'soon'"),
    ]
    for lines, message in cases:
        result = runner.invoke(cli, ["--db", store, "add", "-n", "x"], input=lines)
        assert result.exit_code == 1
        assert str(result.exception) == message
    bad_time = runner.invoke(cli, ["--db", store, "add", "-n", "x", "--speaker", "A", "--time", "soon", "hi"])
    assert bad_time.exit_code == 2  # a usage error, as --since's (tests/cli/test_time_options.py)
    assert "Invalid value for '--time': 'soon' is not a date" in bad_time.output
    with Memory.open(store, read_only=True) as mem:
        assert [e.text for e in mem.store.iter_events("x")] == ["first"]  # nothing of a bad call was written


def test_add_without_text_on_a_terminal_says_what_it_wants(monkeypatch: pytest.MonkeyPatch) -> None:
    # `graphmem add -n dana` typed at a terminal waited, silently, for JSONL on stdin.
    from graphmem.cli import add_cmd

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(add_cmd.sys, "stdin", Terminal(""))
    with pytest.raises(click.UsageError, match="give TEXT with --speaker, or pipe JSONL messages on stdin"):
        add_cmd._read_jsonl()


def test_add_needs_a_speaker_with_text(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "db"), "add", "-n", "x", "hello"])
    assert result.exit_code == 2 and "--speaker is required" in result.output


def test_agent_loop_example_runs(tmp_path: Path) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(EXAMPLE.parents[1])}
    proc = subprocess.run(
        [sys.executable, str(EXAMPLE), str(tmp_path / "mem")], capture_output=True, text=True, env=env, timeout=600
    )
    assert proc.returncode == 0, proc.stderr
    assert "added ev:session_1:4 | Also, my dog Rex hates the rain here." in proc.stdout
    assert "Where does Dana work? -> I just started a new job at Acme Robotics in Porto." in proc.stdout
