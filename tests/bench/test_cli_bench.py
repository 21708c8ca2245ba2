"""``graphmem bench cli`` runs each command as a fresh process and reports wall and CPU seconds."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest

from graphmem.bench.cli import run_bench
from graphmem.cli import main
from graphmem.models import Batch, Event, Session
from graphmem.store.embedded import EmbeddedStore


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "mem"
    db = EmbeddedStore.open(path)
    db.write(Batch("n", (Session("n", "s", 0),), (Event("n", "e", "s", 0, "Ann", "Ann went hiking."),)))
    db.close()
    return path


def test_reports_every_command(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli.json"
    assert main(["bench", "cli", "--db", str(store), "--repeat", "1", "--json", str(out)]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["namespace"] == "n"
    commands = [r["command"] for r in result["runs"]]
    assert commands[0] == "graphmem --help" and any(" recall " in c for c in commands)
    for run in result["runs"]:
        assert run["runs"] == 1 and run["wall_best_s"] > 0 and run["cpu_best_s"] > 0


def test_a_namespace_without_data_is_an_error(store: Path) -> None:
    # recall of an empty namespace succeeds with nothing (an agent's first turn), which would time nothing
    with pytest.raises(click.ClickException, match="namespace 'no-such-namespace' holds no data"):
        run_bench(str(store), "no-such-namespace", None, repeat=1)
