"""A file's messages are grouped into sessions on the memory's clock, as live messages are, so a date alone
among clock times makes the same sessions ingested and added live (task zonedate2, 6 Dec 2026)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem import Memory

from .fakes import FakeEmbedder

TALK = [
    {"speaker": "Kai", "text": "I moved to Oslo yesterday.", "time": "2024-03-05"},  # 05:00 UTC in New York
    {"speaker": "Ana", "text": "Welcome to Oslo!", "time": "2024-03-05T08:00"},
]


@pytest.mark.parametrize("zone", ["America/New_York", None])
@pytest.mark.parametrize("order", [("file", "live"), ("live", "file")])
def test_a_day_alone_among_clock_times_is_one_message_ingested_and_added_live(
    tmp_path: Path, nlp: Any, zone: str | None, order: tuple[str, str]
) -> None:
    path = tmp_path / "kai.jsonl"
    path.write_text("".join(json.dumps(m) + "\n" for m in TALK), encoding="utf-8")
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp, zone=zone) as mem:
        for step in order:
            if step == "file":
                assert mem.ingest(path, namespace="kai", embed=False).ok
            else:
                mem.add(TALK, namespace="kai")
        events = list(mem.store.iter_events("kai"))
        assert sorted(e.text for e in events) == sorted(m["text"] for m in TALK)
        if zone is not None:  # three hours apart on New York's clock: one session
            assert len({e.session for e in events}) == 1


HEADED = "## 5 March 2024\n\nKai: I moved to Oslo yesterday.\nAna: Welcome to Oslo!\n"


@pytest.mark.parametrize("edited", [False, True])
def test_a_file_read_at_utc_midnight_then_renamed_is_taken_as_moved(
    tmp_path: Path, nlp: Any, monkeypatch: pytest.MonkeyPatch, edited: bool
) -> None:
    old, new = tmp_path / "kai.txt", tmp_path / "kai2.txt"
    old.write_text(HEADED, encoding="utf-8")
    with monkeypatch.context() as before:  # readers that did not mark a day alone: read as UTC's midnight
        before.setattr("graphmem.formats._times._day_alone", lambda text, parsed: parsed)
        with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp, zone="America/New_York") as mem:
            assert mem.ingest(old, namespace="kai", embed=False).ok
    old.rename(new)
    if edited:
        new.write_text(HEADED + "Kai: The rent is high here.\n", encoding="utf-8")
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp, zone="America/New_York") as mem:
        summary = mem.ingest(new, namespace="kai", embed=False)
        assert summary.ok and any("taken as moved" in note for _, note in summary.notes)
        events = list(mem.store.iter_events("kai"))
        assert {e.session for e in events} == {"kai/session_1"}  # no second copy under kai2/
        assert len(events) == 3 if edited else 2
        assert min(e.occurred_at for e in events if e.occurred_at) == datetime(2024, 3, 5, 5)  # re-dated
        assert mem.ingest(new, namespace="kai", embed=False).files_skipped == 1
