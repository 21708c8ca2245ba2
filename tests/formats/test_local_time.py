"""Timestamps with an offset keep it: relative dates resolve on the speaker's wall clock, the store keeps UTC."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from graphmem.formats import read_transcripts
from graphmem.memory import Memory

PLUS2 = timezone(timedelta(hours=2))
Write = Callable[[str, str | bytes], Path]


@pytest.fixture(scope="module")
def nlp() -> Any:
    """The spaCy pipeline (cached process-wide by ``load_nlp``)."""
    from graphmem.extract.nlp import load_nlp

    return load_nlp()


def test_offset_is_kept_and_epoch_stays_naive_utc(write: Write) -> None:
    lines = [
        {"speaker": "Ann", "text": "late", "timestamp": "2024-09-07T00:30:00+02:00"},
        {"speaker": "Ann", "text": "epoch", "timestamp": 1_725_575_400},
    ]
    [t] = read_transcripts(write("a.jsonl", "\n".join(json.dumps(x) for x in lines)))
    times = {turn.text: turn.timestamp for s in t.sessions for turn in s.turns}  # read oldest first
    late, epoch = times["late"], times["epoch"]
    assert late is not None and late.utcoffset() == timedelta(hours=2)
    assert late.replace(tzinfo=None) == datetime(2024, 9, 7, 0, 30)
    assert epoch == datetime(2024, 9, 5, 22, 30) and epoch.tzinfo is None


def test_mixed_naive_and_aware_times_split_and_sort_through_utc(write: Write) -> None:
    lines = [
        {"speaker": "A", "text": "second", "session": "b", "timestamp": "2024-09-07T12:00:00+02:00"},
        {"speaker": "A", "text": "first", "session": "a", "timestamp": "2024-09-07T09:00:00"},
        {"speaker": "A", "text": "first again", "session": "a", "timestamp": "2024-09-07T10:30:00+02:00"},
    ]
    [t] = read_transcripts(write("m.jsonl", "\n".join(json.dumps(x) for x in lines)))
    assert [s.id for s in t.sessions] == ["a", "b"]
    # 10:30+02:00 is 08:30 UTC, earlier than the naive (UTC) 09:00.
    assert t.sessions[0].started_at == datetime(2024, 9, 7, 10, 30, tzinfo=PLUS2)

    gap = [
        {"speaker": "A", "text": "one", "timestamp": "2024-09-07T09:00:00"},
        {"speaker": "B", "text": "two", "timestamp": "2024-09-07T16:00:00+02:00"},  # 14:00 UTC: 5 h later
        {"speaker": "A", "text": "three", "timestamp": "2024-09-07T21:00:00"},  # 7 h later: a new session
    ]
    [t] = read_transcripts(write("g.jsonl", "\n".join(json.dumps(x) for x in gap)))
    assert [[x.text for x in s.turns] for s in t.sessions] == [["one", "two"], ["three"]]


def test_text_clock_time_takes_the_header_offset(write: Write) -> None:
    text = "## Session 1 — 2024-09-06T23:00+02:00\n[23:10] Ann: hi\n[09:00] Bo: ok\n"
    [t] = read_transcripts(write("t.txt", text))
    [session] = t.sessions
    assert [turn.timestamp for turn in session.turns] == [
        datetime(2024, 9, 6, 23, 10, tzinfo=PLUS2),
        datetime(2024, 9, 7, 9, 0, tzinfo=PLUS2),  # 14 h before 23:10: the next morning
    ]
    assert session.started_at == datetime(2024, 9, 6, 23, 10, tzinfo=PLUS2)


def test_yesterday_resolves_on_the_local_calendar_end_to_end(write: Write, tmp_path: Path, nlp: Any) -> None:
    line = {"speaker": "Ann", "text": "I went to the gym yesterday.", "timestamp": "2024-09-07T00:30:00+02:00"}
    path = write("gym.jsonl", json.dumps(line) + "\n")
    with Memory.open(tmp_path / "db", nlp=nlp) as mem:
        summary = mem.ingest(path, embed=False)
        assert summary.files_ok == 1, summary.errors
        [event] = mem.store.iter_events("gym")
        [session] = mem.store.iter_sessions("gym")
    assert event.occurred_at == datetime(2024, 9, 6, 22, 30)  # naive UTC in the store
    assert session.started_at == datetime(2024, 9, 6, 22, 30)
    [ref] = [r for r in event.times if r.phrase == "yesterday"]
    assert ref.start is not None and ref.end is not None and ref.start.tzinfo is None
    # The speaker's 6 September (local, +02:00), stored as naive UTC: 5 Sep 22:00 to 6 Sep 22:00.
    assert (ref.start, ref.end - ref.start) == (datetime(2024, 9, 5, 22, 0), timedelta(days=1))
    assert (ref.start + timedelta(hours=2)).date() == date(2024, 9, 6)
