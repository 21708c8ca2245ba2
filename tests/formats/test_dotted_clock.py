"""A clock written with a dot ("00.30", "14.05") is hours.minutes, as British usage writes it; a fraction
only follows seconds ("00:30:15.5"). Python's ISO reader took "2024-03-05 00.30" for 300 ms after midnight
(task time29, 6 Dec 2026)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from graphmem.dates import DateTextError, clock_with_colons
from graphmem.dates import parse_date_text as parse_query_date
from graphmem.errors import IngestError
from graphmem.formats import read_transcripts
from graphmem.formats._source import parse_date_text, parse_timestamp

DOTTED = [
    ("2024-03-05 00.30", datetime(2024, 3, 5, 0, 30)),
    ("2024-03-05 14.05", datetime(2024, 3, 5, 14, 5)),
    ("2024-03-05T14.05", datetime(2024, 3, 5, 14, 5)),
    ("2024-03-05 9.30", datetime(2024, 3, 5, 9, 30)),
    ("2024-03-05 14.05.30", datetime(2024, 3, 5, 14, 5, 30)),
    ("2024/3/5 14.05", datetime(2024, 3, 5, 14, 5)),
    ("2024-03-05 00:30:15.5", datetime(2024, 3, 5, 0, 30, 15, 500000)),  # a fraction after seconds stays one
]


@pytest.mark.parametrize(("text", "expected"), DOTTED)
def test_a_dotted_clock_is_hours_and_minutes(text: str, expected: datetime) -> None:
    assert parse_date_text(text) == expected
    assert parse_timestamp(text, path="x") == expected


def test_a_dotted_clock_keeps_its_offset_or_zone() -> None:
    aware = parse_timestamp("2024-03-05T14.05+02:00", path="x")
    assert aware.utcoffset() is not None and aware.replace(tzinfo=None) == datetime(2024, 3, 5, 14, 5)
    berlin = parse_timestamp("2024-03-05 14.05 Europe/Berlin", path="x")
    assert berlin.replace(tzinfo=None) == datetime(2024, 3, 5, 14, 5)


def test_a_dotted_midnight_is_a_clock_time_not_a_day_alone() -> None:
    for text in ("2024-03-05 00.00", "2024-03-05 00.00.00"):
        parsed = parse_date_text(text)
        assert parsed is not None and type(parsed) is datetime, text


@pytest.mark.parametrize("text", ["2024-03-05 14.5", "2024-03-05T14,05", "2024-03-05 14.055"])
def test_an_hour_with_a_fraction_is_no_time(text: str) -> None:
    assert parse_date_text(text) is None
    with pytest.raises(IngestError, match="not a timestamp"):
        parse_timestamp(text, path="x")
    with pytest.raises(DateTextError, match="is not a"):
        parse_query_date(text)


def test_query_and_option_dates_read_a_dotted_clock_as_the_minute() -> None:
    assert parse_query_date("2024-03-05 00.30") == (datetime(2024, 3, 5, 0, 30), datetime(2024, 3, 5, 0, 31))
    assert parse_query_date("2024-03-05T14.05.30")[0] == datetime(2024, 3, 5, 14, 5, 30)
    assert clock_with_colons("2024-03-05 00:30:15.5") == "2024-03-05 00:30:15.5"
    assert clock_with_colons("14 March 2024") == "14 March 2024"


def test_a_jsonl_time_with_a_dotted_clock(write: Callable[[str, str], Path]) -> None:
    lines = [{"speaker": "A", "text": "hi", "time": "2024-03-05 00.30"}]
    path = write("a.jsonl", "".join(json.dumps(line) + "\n" for line in lines))
    (t,) = read_transcripts(path)
    assert [turn.timestamp for s in t.sessions for turn in s.turns] == [datetime(2024, 3, 5, 0, 30)]


def test_transcript_line_stamps_and_headers_with_a_dotted_clock(write: Callable[[str, str], Path]) -> None:
    text = (
        "## Session 1 — 5 March 2024\n[14.05] Ana: hi\n[14.35.30] Bo: yo\n[2024-03-05 14.10] Ana: bye\n"
        "## Session 2 — 2024-03-06 00.30\nAna: up late\n"
    )
    (t,) = read_transcripts(write("chat.txt", text))
    first, second = t.sessions
    assert [turn.timestamp for turn in first.turns] == [
        datetime(2024, 3, 5, 14, 5),
        datetime(2024, 3, 5, 14, 35, 30),
        datetime(2024, 3, 5, 14, 10),
    ]
    assert second.started_at == datetime(2024, 3, 6, 0, 30)


def test_dotted_day_month_year_stamps_are_dates(write: Callable[[str, str], Path]) -> None:
    # "13.05.24" shows the day comes first: both stamps are dates, not clocks on no session date
    (t,) = read_transcripts(write("a.txt", "[12.05.24] Ana: hi\n[13.05.24] Bo: yo\n"))
    assert [turn.timestamp for s in t.sessions for turn in s.turns] == [datetime(2024, 5, 12), datetime(2024, 5, 13)]


def test_a_dotted_date_that_is_no_clock_is_read(write: Callable[[str, str], Path]) -> None:
    (t,) = read_transcripts(write("a.txt", "[31.12.23] Ana: happy new year\n"))
    assert [turn.timestamp for s in t.sessions for turn in s.turns] == [datetime(2023, 12, 31)]


def test_a_dotted_date_under_a_dated_header_is_its_own_date(write: Callable[[str, str], Path]) -> None:
    (t,) = read_transcripts(write("a.txt", "## 5 March 2024\n[14.05.24] Ana: hi\n[14.35.30] Bo: yo\n"))
    assert [turn.timestamp for s in t.sessions for turn in s.turns] == [
        datetime(2024, 5, 14),
        datetime(2024, 3, 5, 14, 35, 30),
    ]
