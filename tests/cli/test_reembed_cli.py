"""``graphmem reembed`` and ``--check`` exit codes, and the note ``graphmem ingest`` prints for old vectors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from graphmem.cli import main
from graphmem.cli.reembed_cmd import STALE_EXIT
from graphmem.memory import Memory
from graphmem.models import Batch

CHAT = Path(__file__).resolve().parents[2] / "data" / "chat.jsonl"


@pytest.fixture(scope="module", autouse=True)
def _share_nlp() -> Any:
    """Load spaCy once: the CLI's extractor reuses the process-wide pipeline."""
    from graphmem.extract.nlp import load_nlp

    return load_nlp()


def _make_one_stale(db: str) -> None:
    """Rewrite one event vector as a store of an older graphmem holds it: no scheme recorded."""
    with Memory.open(db) as mem:
        event_id, vector, model = next(mem.store.iter_embeddings("chat"))
        mem.write(Batch("chat", embeddings=((event_id, vector),), embedding_model=model))


def test_check_exit_codes_reembed_and_the_ingest_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "db")
    assert main(["ingest", "--db", db, str(CHAT)]) == 0
    capsys.readouterr()
    assert main(["--db", db, "reembed", "--check"]) == 0
    assert "(current)" in capsys.readouterr().out

    _make_one_stale(db)
    assert main(["--db", db, "ingest", str(CHAT)]) == 0  # unchanged: skipped, and the old vector is named
    err = capsys.readouterr().err
    assert "note: 1 of 13 event vectors" in err and "graphmem reembed" in err
    assert main(["--db", db, "reembed", "--check", "--json"]) == STALE_EXIT
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["stale_namespaces"] == 1
    [chat] = report["namespaces"]
    assert (chat["namespace"], chat["events"], chat["stale"], chat["other_space"]) == ("chat", 13, 1, False)
    assert {o["scheme"] for o in chat["origins"] if not o["current"]} == {None}
    assert "1 stale vector(s) in 1 namespace(s)" in captured.err

    assert main(["--db", db, "reembed", "-n", "chat"]) == 0
    assert "total (1)" in capsys.readouterr().out
    assert main(["--db", db, "reembed", "--check"]) == 0
    assert main(["--db", db, "ingest", str(CHAT)]) == 0
    assert "note:" not in capsys.readouterr().err
    assert main(["--db", db, "reembed", "--check", "-n", "nope"]) == 1
    capsys.readouterr()
    assert main(["--db", db, "reembed", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["events"] == 0


@pytest.mark.parametrize(("events", "seconds", "shown"), [(2, 4.3, "(0.47 events/s)"), (1234, 10.0, "(123 events/s)")])
def test_reembed_prints_a_rate_that_means_something_for_small_inputs(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    events: int,
    seconds: float,
    shown: str,
) -> None:
    from graphmem.reembed import ReembedSummary

    def reembed(self: Memory, namespace: str | None = None, **_: object) -> ReembedSummary:
        return ReembedSummary(namespaces={"chat": events}, batches=1, seconds=seconds)

    monkeypatch.setattr(Memory, "reembed", reembed)
    with Memory.open(tmp_path / "db", create=True):
        pass
    assert main(["--db", str(tmp_path / "db"), "reembed"]) == 0
    assert shown in capsys.readouterr().err
