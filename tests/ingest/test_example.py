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
