"""Readers group and order a date alone (``"2024-03-05"``) where the reading memory's clock puts it, and a
clock time spelled any way the readers read is never a date alone (task zonedate2, 6 Dec 2026).

5 March 2024 starts at 05:00 UTC in New York and at 15:00 UTC on 4 March in Tokyo.
"""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from graphmem.dates import CalendarDay
from graphmem.formats import load_source, read_records, read_source
from graphmem.formats._times import parse_date_text, parse_timestamp


def _jsonl(tmp_path: Path, times: list[str]) -> Path:
    path = tmp_path / "kai.jsonl"
    lines = [json.dumps({"speaker": "Kai", "text": f"message {i}", "time": t}) for i, t in enumerate(times)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _sessions(path: Path, zone: str | None) -> list[list[str]]:
    (transcript,) = read_source(load_source(path), zone=ZoneInfo(zone) if zone else None)
    return [[turn.text for turn in s.turns] for s in transcript.sessions]


@pytest.mark.parametrize(
    ("zone", "times", "sessions"),
    [
        # New York: the day starts at 05:00 UTC, three hours before 08:00 UTC: one session (two read at UTC)
        ("America/New_York", ["2024-03-05", "2024-03-05T08:00"], [["message 0", "message 1"]]),
        (None, ["2024-03-05", "2024-03-05T08:00"], [["message 0"], ["message 1"]]),
        # 03:00 UTC is before New York's day starts: written oldest first, not newest first
        ("America/New_York", ["2024-03-05T03:00", "2024-03-05"], [["message 0", "message 1"]]),
        (None, ["2024-03-05T03:00", "2024-03-05"], [["message 1", "message 0"]]),
        # Tokyo: the day starts at 15:00 UTC on 4 March, before 20:00 UTC: oldest first, one session
        ("Asia/Tokyo", ["2024-03-05", "2024-03-04T20:00"], [["message 0", "message 1"]]),
        (None, ["2024-03-05", "2024-03-04T20:00"], [["message 1", "message 0"]]),  # newest first at UTC
    ],
)
def test_records_group_and_order_a_day_alone_on_the_memory_clock(
    tmp_path: Path, zone: str | None, times: list[str], sessions: list[list[str]]
) -> None:
    assert _sessions(_jsonl(tmp_path, times), zone) == sessions


def test_records_keep_the_day_alone_as_read() -> None:
    records = [{"speaker": "Kai", "text": "hi", "time": "2024-03-05"}]
    transcript = read_records(records, namespace="kai", key="k", zone=ZoneInfo("Asia/Tokyo"))
    (turn,) = transcript.sessions[0].turns
    assert isinstance(turn.timestamp, CalendarDay)  # resolved by the clock step, which also hashes it


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-05 00.00",
        "2024-03-05 0000",
        "2024-03-05T0000",
        "5 Mar 2024 00h00",
        "5 March 2024 at 0h",
        "2024-03-05 00:00",
        "2024-03-05T00",
        "5 March 2024 midnight",
        "5 March 2024 12 am",
    ],
)
def test_a_midnight_spelled_as_a_clock_time_is_no_day_alone(text: str) -> None:
    for parsed in (parse_date_text(text), parse_timestamp(text, path="x")):
        assert parsed is not None and not isinstance(parsed, CalendarDay), text


@pytest.mark.parametrize("text", ["2024-03-05", "2024.03.05", "05.03.2024", "5 March 2024", "March 5th, 2024"])
def test_a_date_alone_is_a_day_alone(text: str) -> None:
    assert isinstance(parse_date_text(text), CalendarDay)
    assert isinstance(parse_timestamp(text, path="x"), CalendarDay)
