"""``graphmem add`` and the agent-loop example."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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
