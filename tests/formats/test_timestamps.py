"""Timestamps: an invalid or partial one is a named error, never read another way or completed from today."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from graphmem import IngestError, Memory
from graphmem.formats import read_transcripts
from graphmem.formats._source import parse_date_text, parse_timestamp

from ..ingest.fakes import FakeEmbedder

BAD = [
    "2024-13-01T10:00:00",  # dateparser read it as 13 January
    "2024-13-01",
    "2024-02-30",
    "2024/13/05",  # and this as 13 May
    "2024-05",
    "2024",  # dateparser took the month from today
    "March 2024",  # and this the 1st
]


@pytest.mark.parametrize("text", BAD)
def test_an_invalid_or_partial_timestamp_is_an_error(text: str) -> None:
    with pytest.raises(IngestError, match=f"--time: not a timestamp: '{text}'"):
        parse_timestamp(text, path="--time")
    assert parse_date_text(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-14T10:00:00", datetime(2024, 3, 14, 10)),
        ("2024-03-14 10:32", datetime(2024, 3, 14, 10, 32)),
        ("2024/3/14 10:32", datetime(2024, 3, 14, 10, 32)),
        ("2024-03-05 3:05 pm", datetime(2024, 3, 5, 15, 5)),
        ("14 March 2024", datetime(2024, 3, 14)),
        ("March 14, 2024 3:05 pm", datetime(2024, 3, 14, 15, 5)),
        ("1:56 pm on 8 May, 2023", datetime(2023, 5, 8, 13, 56)),
        ("Tuesday, 14 March 2024 at 3pm", datetime(2024, 3, 14, 15)),
        ("2024-03-14T10:00:00+02:00", datetime(2024, 3, 14, 10, tzinfo=timezone(timedelta(hours=2)))),
    ],
)
def test_valid_timestamps_still_parse(text: str, expected: datetime) -> None:
    assert parse_timestamp(text, path="x") == expected


def test_a_jsonl_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    lines = [
        {"speaker": "A", "text": "hi", "time": "2024-03-14T10:00:00"},
        {"speaker": "B", "text": "yo", "time": "2024"},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    with pytest.raises(IngestError, match="not a timestamp: '2024'") as info:
        read_transcripts(path)
    assert info.value.line == 2


@pytest.mark.parametrize("text", ["2024-13-01T10:00:00", "2024"])
def test_add_refuses_the_message(tmp_path: Path, text: str) -> None:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem:
        with pytest.raises(IngestError, match=rf"\$\[0\]\.time: not a timestamp: '{text}'"):
            mem.add({"speaker": "A", "text": "hi", "time": text}, namespace="x")
        assert mem.namespaces() == []


UTC_10 = datetime(2024, 3, 5, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "in_utc"),
    [
        ("Tue, 05 Mar 2024 10:00:00 +0200", UTC_10 - timedelta(hours=2)),  # RFC 2822 (e-mail, chat exports)
        ("2024-03-05 10:00 PST", UTC_10 + timedelta(hours=8)),
        ("5 Mar 2024 10:00 CET", UTC_10 - timedelta(hours=1)),
        ("March 5, 2024 10:00 UTC", UTC_10),
        ("2024-03-05 10:00 GMT+2", UTC_10 - timedelta(hours=2)),
        ("2024-03-05T10:00:00 Europe/Berlin", UTC_10 - timedelta(hours=1)),
        ("2024-07-05T10:00:00 Europe/Berlin", UTC_10.replace(month=7) - timedelta(hours=2)),  # summer time
        ("2024-03-05T10:00:00+01:00[Europe/Berlin]", UTC_10 - timedelta(hours=1)),  # RFC 9557
        ("2024-03-05T10:00 America/Argentina/Buenos_Aires", UTC_10 + timedelta(hours=3)),
    ],
)
def test_a_zone_the_text_gives_is_kept(text: str, in_utc: datetime) -> None:
    parsed = parse_timestamp(text, path="x")
    assert parsed.tzinfo is not None and parsed.astimezone(UTC) == in_utc
    assert parsed.replace(tzinfo=None) == datetime(2024, in_utc.month, 5, 10)  # the speaker's wall clock


def test_an_unknown_zone_name_is_no_timestamp() -> None:
    with pytest.raises(IngestError, match="not a timestamp: '2024-03-05T10:00:00 Mars/Olympus'"):
        parse_timestamp("2024-03-05T10:00:00 Mars/Olympus", path="x")


def test_a_message_with_an_offset_is_stored_at_its_utc_time(tmp_path: Path) -> None:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem:
        (eid,) = mem.add({"speaker": "A", "text": "hi", "time": "Tue, 05 Mar 2024 10:00:00 +0200"}, namespace="x")
        event = mem.store.get_event("x", eid)
        assert event is not None and event.occurred_at == datetime(2024, 3, 5, 8)
