"""The Claude extractor on a memory with a clock: a file's message is asked about and dated as the same
message added live is (recorded-answer stub; task filezone, 5 Dec 2026)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem import Memory
from graphmem.extract.claude import ClaudeExtractor
from tests.extract import test_claude as base
from tests.extract.test_claude import NOW, Stub, _answer

from .fakes import FakeEmbedder

stub = base.stub

pytestmark = pytest.mark.llm

#: 08:30 on 1 June in Auckland (UTC+12): "yesterday" is 31 May there, from 12:00 UTC on 30 May
MESSAGE = {"speaker": "Kai", "text": "I moved to Oslo yesterday.", "time": "2024-05-31T20:30"}


def _moved() -> dict[str, Any]:
    fact = {"subject": "Kai", "predicate": "lives_in", "object": "Oslo", "time_phrase": "yesterday"}
    when = {"phrase": "yesterday", "start": "2024-05-31", "end": "2024-06-01", "grain": "day"}
    return _answer([{"turn": "T1", "facts": [fact], "times": [when]}], [{"name": "Oslo", "type": "Place"}])


def _memory(stub: Stub, db: Path, zone: str | None) -> Memory:
    claude = ClaudeExtractor(api_key="test-key", base_url=stub.url, cache_dir=db.parent / f"{db.name}-cache", now=NOW)
    return Memory.open(db, embedder=FakeEmbedder(), extractor=claude, zone=zone)


def _starts(mem: Memory) -> list[datetime | None]:
    return [f.valid_from for f in mem.store.iter_facts("kai")]


@pytest.mark.parametrize(
    ("zone", "day", "start"),
    [("Pacific/Auckland", "2024-06-01", datetime(2024, 5, 30, 12)), (None, "2024-05-31", datetime(2024, 5, 31))],
)
def test_a_file_message_is_asked_about_and_dated_as_the_same_message_added_live(
    stub: Stub, tmp_path: Path, zone: str | None, day: str, start: datetime
) -> None:
    path = tmp_path / "kai.jsonl"
    path.write_text(json.dumps(MESSAGE) + "\n", encoding="utf-8")
    stub.answer(_moved())
    with _memory(stub, tmp_path / "file-db", zone) as mem:
        assert mem.ingest(path, namespace="kai", embed=False).ok
        assert _starts(mem) == [start]
    stub.answer(_moved())
    with _memory(stub, tmp_path / "live-db", zone) as mem:
        mem.add(MESSAGE, namespace="kai")
        assert _starts(mem) == [start]
    asked = [r["body"]["messages"][-1]["content"] for r in stub.requests]
    assert len(asked) == 2 and asked[0] == asked[1]
    assert f"Session date: {day}" in json.dumps(asked[0])
