"""Messages added to a memory with a clock (``Memory.open(zone=...)``): their times and what they say are
read on it; fields nothing reads are warned about (tester findings, 5 Dec 2026)."""

from __future__ import annotations

import asyncio
import json
import warnings
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from graphmem import Memory
from graphmem.errors import IngestWarning
from graphmem.extract.clocks import on_memory_clock
from graphmem.live_messages import unread_fields

from ..ingest.fakes import FakeEmbedder

AUCKLAND = "Pacific/Auckland"  # UTC+12 in June
SAID = "I moved to Oslo yesterday."


def _added(tmp_path: Path, nlp: Any, message: dict[str, Any], zone: str | None = AUCKLAND) -> tuple[datetime, Any]:
    """The stored time of the one event and the Oslo fact's start."""
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp, zone=zone) as mem:
        mem.add({"speaker": "Kai", "text": SAID, **message}, namespace="kai")
        (event,) = mem.store.iter_events("kai")
        (fact,) = [f.fact for f in mem.facts("Kai", namespace="kai") if f.object == "Oslo"]
        return event.occurred_at, fact.valid_from


def test_a_time_without_an_offset_is_utc_and_dated_on_the_memory_calendar(tmp_path: Path, nlp: Any) -> None:
    # 08:30 UTC on 1 June, as a file reads it, is 20:30 in Auckland: "yesterday" is 31 May there, from 12:00
    # UTC on the 30th (UTC's calendar would give the 31st from midnight)
    said, start = _added(tmp_path, nlp, {"time": "2024-06-01T08:30"})
    assert (said, start) == (datetime(2024, 6, 1, 8, 30), datetime(2024, 5, 30, 12, 0))


def test_a_moment_keeps_its_time_and_is_dated_on_the_memory_calendar(tmp_path: Path, nlp: Any) -> None:
    moment = datetime(2024, 5, 31, 20, 30, tzinfo=UTC)
    said, start = _added(tmp_path, nlp, {"time": int(moment.timestamp())})
    assert (said, start) == (datetime(2024, 5, 31, 20, 30), datetime(2024, 5, 30, 12, 0))
    said, start = _added(tmp_path / "naive", nlp, {"time": moment.replace(tzinfo=None)})  # a naive datetime is UTC
    assert (said, start) == (datetime(2024, 5, 31, 20, 30), datetime(2024, 5, 30, 12, 0))


def test_a_time_with_its_own_offset_stays_on_that_clock(tmp_path: Path, nlp: Any) -> None:
    said, start = _added(tmp_path, nlp, {"time": "2024-06-01T08:30+02:00"})
    assert said == datetime(2024, 6, 1, 6, 30)
    assert start == datetime(2024, 5, 30, 22, 0)  # 31 May on the speaker's +02:00 calendar


def test_without_a_clock_a_wall_clock_time_is_utc(tmp_path: Path, nlp: Any) -> None:
    said, start = _added(tmp_path, nlp, {"time": "2024-06-01T08:30"}, zone=None)
    assert (said, start) == (datetime(2024, 6, 1, 8, 30), datetime(2024, 5, 31, 0, 0))


def test_a_message_without_a_time_is_dated_on_the_memory_calendar(
    tmp_path: Path, nlp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("graphmem.live.naive_now", lambda: datetime(2024, 5, 31, 20, 30))
    said, start = _added(tmp_path, nlp, {})
    assert (said, start) == (datetime(2024, 5, 31, 20, 30), datetime(2024, 5, 30, 12, 0))


def test_on_memory_clock_shows_a_naive_time_as_utc_on_the_zone_and_keeps_an_offset() -> None:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/Berlin")
    naive = datetime(2024, 10, 30, 23, 30)
    assert on_memory_clock(naive, zone) == naive.replace(tzinfo=UTC)
    assert on_memory_clock(naive, zone).utcoffset() == timedelta(hours=1)
    own = datetime(2024, 10, 30, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert on_memory_clock(own, zone) is own


def test_a_message_a_file_holds_is_the_same_message_added_on_a_zoned_memory(tmp_path: Path, nlp: Any) -> None:
    """Review: a message time without an offset read on the clock by add but as UTC by ingest wrote the
    file's message twice."""
    line = {"speaker": "Kai", "text": "I moved to Oslo.", "time": "2024-06-01T08:30"}
    path = tmp_path / "chat.jsonl"
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp, zone="Europe/Berlin") as mem:
        assert mem.ingest(path, namespace="kai", embed=False).ok
        (stored,) = [e.id for e in mem.store.iter_events("kai")]
        assert mem.add(line, namespace="kai") == [stored]


def test_a_misspelt_or_unread_time_field_is_warned_about(tmp_path: Path, nlp: Any) -> None:
    with (
        Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp) as mem,
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        mem.add(
            [
                {"speaker": "Kai", "text": "Hello there.", "tme": "2024-01-02T03:04:05Z"},
                {"speaker": "Kai", "text": "Hello again.", "ts": "2024-01-02T03:05:05Z"},
                {"speaker": "Kai", "text": "Bye.", "time": "2024-01-02T03:06:05Z", "metadata": {"a": 1}},
            ],
            namespace="kai",
        )
    notes = [str(w.message) for w in caught if isinstance(w.message, IngestWarning)]
    assert len(notes) == 2
    assert "$[0]" in notes[0] and "'tme'" in notes[0] and "did you mean 'time'" in notes[0]
    assert "$[1]" in notes[1] and "'ts' holds a time" in notes[1]


def test_fields_a_chat_api_sends_are_not_warned_about() -> None:
    chat = {"role": "assistant", "content": "Hi", "refusal": None, "annotations": [], "name": "Aide"}
    assert unread_fields(chat) == []
    assert unread_fields({"role": "tool", "content": "42", "tool_call_id": "call_1"}) == []
    assert unread_fields({"speaker": "Kai", "text": "x", "user_id": 5012345678}) == []
    assert unread_fields({"speaker": "Kai", "text": "x", "turn": 5, "score": 0.5, "mood": "fine"}) == []
    assert unread_fields({"speaker": "Kai", "text": "x", "sesion": "3"}) == [
        "field 'sesion' is not read (did you mean 'session'?); it was left out"
    ]


def test_mcp_add_messages_returns_the_warnings(tmp_path: Path, nlp: Any) -> None:
    from graphmem.aio import AsyncMemory
    from graphmem.mcp_server import GraphmemTools

    async def run() -> dict[str, Any]:
        mem = Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp)
        async with AsyncMemory(mem) as amem:
            tools = GraphmemTools(amem)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return await tools.add_messages("kai", [{"speaker": "Kai", "text": "Hi.", "tme": "2024-01-02"}])

    out = asyncio.run(run())
    assert out["warnings"] == ["messages[0]: field 'tme' is not read (did you mean 'time'?); it was left out"]
