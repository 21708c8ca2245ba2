"""``examples/ingest_and_stats.py`` runs and reports the samples."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ingest_and_stats.py"


def test_example_runs(tmp_path: Path) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    store = tmp_path / "mem"
    proc = subprocess.run(
        [sys.executable, str(EXAMPLE), str(store)], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert "ingested 4 files (0 unchanged, 0 failed): 67 turns" in proc.stdout
    assert "priya-tomas" in proc.stdout and "D3:1" in proc.stdout
    again = subprocess.run(
        [sys.executable, str(EXAMPLE), str(store)], capture_output=True, text=True, env=env, timeout=300
    )
    assert "ingested 0 files (4 unchanged, 0 failed)" in again.stdout


def test_example_copied_out_of_the_repository_says_it_needs_data(tmp_path: Path) -> None:
    """Copied away from ``data/``, the example says what it needs and fails instead of ingesting nothing."""
    copy = tmp_path / "ingest_and_stats.py"
    copy.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, str(copy), str(tmp_path / "mem")], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 2, proc.stdout
    assert "no data folder at" in proc.stderr and "--data" in proc.stderr


def test_example_exits_non_zero_when_nothing_is_ingested(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "broken.json").write_text("{not json", encoding="utf-8")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, str(EXAMPLE), str(tmp_path / "mem"), "--data", str(tmp_path / "data")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "nothing was ingested" in proc.stderr
