"""A time an input gives as a date alone (a ``## 5 March 2024`` header, ``"time": "2024-03-05"``) on a memory
with a clock is that day on the memory's calendar: its local midnight. A time with a clock time but no offset
stays UTC; a memory without a clock reads both as before (task zonedate, 5 Dec 2026).

5 March 2024 starts at 05:00 UTC in New York (EST, -05:00) and at 15:00 UTC on 4 March in Tokyo (+09:00).
Read as UTC's midnight, the day was 4 March in New York, and "yesterday" under it 3 March.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from graphmem import Memory
from graphmem.dates import CalendarDay
from graphmem.extract import get_extractor
from graphmem.extract.clocks import on_memory_clock
from graphmem.formats._times import parse_date_text, parse_timestamp
from graphmem.ingest_hashes import Hashes, clock_name, content_hash

from .fakes import FakeEmbedder

NEW_YORK = "America/New_York"
TOKYO = "Asia/Tokyo"
SAID = "I moved to Oslo yesterday."
HEADED = f"## 5 March 2024\n\nKai: {SAID}\nAna: Welcome to Oslo!\n"

#: (zone, the day's first moment in UTC, "yesterday"'s first moment in UTC)
DAYS = [
    (NEW_YORK, datetime(2024, 3, 5, 5), datetime(2024, 3, 4, 5)),
    (TOKYO, datetime(2024, 3, 4, 15), datetime(2024, 3, 3, 15)),
    (None, datetime(2024, 3, 5), datetime(2024, 3, 4)),  # no clock: UTC's calendar, as before
]


def _open(db: Path, nlp: Any, zone: str | None) -> Memory:
    return Memory.open(db, embedder=FakeEmbedder(), nlp=nlp, zone=zone)


def _said_and_moved(mem: Memory) -> tuple[datetime | None, datetime | None]:
    """When the first turn was said and when the move to Oslo starts, as stored (naive UTC)."""
    said = min(e.occurred_at for e in mem.store.iter_events("kai") if e.occurred_at is not None)
    (fact,) = [f.fact for f in mem.facts("Kai", namespace="kai") if f.object == "Oslo"]
    return said, fact.valid_from


def _texts(mem: Memory, query: str) -> list[str]:
    return sorted(row[0] for row in mem.query(query, namespace="kai").rows)


@pytest.mark.parametrize(("zone", "day", "yesterday"), DAYS)
def test_a_dated_session_header_is_that_day_on_the_memory_calendar(
    tmp_path: Path, nlp: Any, zone: str | None, day: datetime, yesterday: datetime
) -> None:
    path = tmp_path / "kai.txt"
    path.write_text(HEADED, encoding="utf-8")
    with _open(tmp_path / "db", nlp, zone) as mem:
        assert mem.ingest(path, namespace="kai", embed=False).ok
        assert _said_and_moved(mem) == (day, yesterday)
        (session,) = mem.store.iter_sessions("kai")
        assert session.started_at == day
        # the session's turns are the day's turns on the memory's calendar
        on_the_day = _texts(mem, "FIND (e:Event) WHERE e.time ON 2024-03-05 RETURN e.text")
        assert on_the_day == sorted([SAID, "Welcome to Oslo!"])
        assert _texts(mem, "FIND (e:Event) WHERE e.time ON 2024-03-04 RETURN e.text") == []


@pytest.mark.parametrize(("zone", "day", "yesterday"), DAYS)
@pytest.mark.parametrize("time", ["2024-03-05", date(2024, 3, 5)])
def test_a_live_message_dated_by_its_day_alone_is_that_day_on_the_memory_calendar(
    tmp_path: Path, nlp: Any, zone: str | None, day: datetime, yesterday: datetime, time: object
) -> None:
    with _open(tmp_path / "db", nlp, zone) as mem:
        mem.add({"speaker": "Kai", "text": SAID, "time": time}, namespace="kai")
        assert _said_and_moved(mem) == (day, yesterday)
        assert _texts(mem, "FIND (e:Event) WHERE e.time ON 2024-03-05 RETURN e.text") == [SAID]


def test_a_time_with_a_clock_time_but_no_offset_stays_utc(tmp_path: Path, nlp: Any) -> None:
    with _open(tmp_path / "db", nlp, NEW_YORK) as mem:
        mem.add({"speaker": "Kai", "text": SAID, "time": "2024-03-05T00:00"}, namespace="kai")
        # 19:00 on 4 March in New York: "yesterday" is 3 March there
        assert _said_and_moved(mem) == (datetime(2024, 3, 5), datetime(2024, 3, 3, 5))


def test_a_file_and_live_messages_date_a_day_alone_alike(tmp_path: Path, nlp: Any) -> None:
    talk = [{"speaker": "Kai", "text": SAID, "time": "2024-03-05"}]
    path = tmp_path / "kai.jsonl"
    path.write_text("".join(json.dumps(m) + "\n" for m in talk), encoding="utf-8")
    with _open(tmp_path / "file-db", nlp, NEW_YORK) as mem:
        assert mem.ingest(path, namespace="kai", embed=False).ok
        from_file = _said_and_moved(mem)
    with _open(tmp_path / "records-db", nlp, NEW_YORK) as mem:
        assert mem.ingest(talk, namespace="kai", embed=False).ok
        assert _said_and_moved(mem) == from_file
    assert from_file == (datetime(2024, 3, 5, 5), datetime(2024, 3, 4, 5))


def test_a_month_header_starts_on_the_memory_calendar(tmp_path: Path, nlp: Any) -> None:
    path = tmp_path / "kai.txt"
    path.write_text(f"## March 2024\n\nKai: {SAID}\n", encoding="utf-8")
    with _open(tmp_path / "db", nlp, NEW_YORK) as mem:
        assert mem.ingest(path, namespace="kai", embed=False).ok
        (session,) = mem.store.iter_sessions("kai")
        assert session.started_at == datetime(2024, 3, 1, 5)


def test_readers_mark_a_day_alone_and_only_that() -> None:
    for text in ("5 March 2024", "2024-03-05", "March 5, 2024", "2024/3/5", "Tuesday, 5 March 2024"):
        assert isinstance(parse_date_text(text), CalendarDay), text
        assert isinstance(parse_timestamp(text, path="x"), CalendarDay), text
    for text in ("2024-03-05T00:00", "2024-03-05 00:00", "12:00 am on 5 March, 2024", "2024-03-05T00:00+02:00"):
        assert not isinstance(parse_date_text(text), CalendarDay), text
    assert isinstance(parse_timestamp(date(2024, 3, 5), path="x"), CalendarDay)
    assert not isinstance(parse_timestamp(datetime(2024, 3, 5), path="x"), CalendarDay)
    assert not isinstance(parse_timestamp(1709596800, path="x"), CalendarDay)  # epoch seconds: a moment


def test_on_memory_clock_reads_a_day_alone_as_its_local_midnight() -> None:
    day = CalendarDay(2024, 3, 10)  # New York moves its clocks forward at 02:00 that day: midnight stays EST
    shown = on_memory_clock(day, ZoneInfo(NEW_YORK))
    assert shown.astimezone(UTC).replace(tzinfo=None) == datetime(2024, 3, 10, 5)
    assert type(shown) is datetime and type(on_memory_clock(day, None)) is datetime
    assert on_memory_clock(day, None) == datetime(2024, 3, 10)
    # a zone whose clocks go forward at midnight (Santiago, 8 September 2024): its first moment, 01:00
    santiago = on_memory_clock(CalendarDay(2024, 9, 8), ZoneInfo("America/Santiago"))
    assert santiago.astimezone(UTC).replace(tzinfo=None) == datetime(2024, 9, 8, 4)


def test_a_zoned_memory_reads_a_file_dated_by_days_anew_once_and_utc_hashes_stay() -> None:
    extractor = get_extractor("spacy")
    plain = content_hash("d", "text", extractor, False)
    utc = Hashes(extractor, False, (), clock_name(UTC))
    assert utc.dating(True, True).run("d", "text") == plain == utc.dating(True, False).run("d", "text")
    zoned = Hashes(extractor, False, (), clock_name(ZoneInfo(NEW_YORK)))
    # read before days alone were on its calendar: recorded with the clock alone, so not current now
    assert zoned.dating(True, True).run("d", "text") != zoned.dating(True, False).run("d", "text")
    assert zoned.dating(False, True).run("d", "text") == plain  # every time has an offset: the clock dates none


def test_a_file_dated_by_days_is_skipped_once_read_on_the_same_clock(tmp_path: Path, nlp: Any) -> None:
    path = tmp_path / "kai.txt"
    path.write_text(HEADED, encoding="utf-8")
    with _open(tmp_path / "db", nlp, NEW_YORK) as mem:
        assert mem.ingest(path, namespace="kai", embed=False).ok
        again = mem.ingest(path, namespace="kai", embed=False)
        assert (again.files_skipped, again.events) == (1, 0)
        assert _said_and_moved(mem) == (datetime(2024, 3, 5, 5), datetime(2024, 3, 4, 5))


def test_a_file_a_zoned_memory_read_with_days_at_utc_midnight_is_read_anew_once(
    tmp_path: Path, nlp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "kai.txt"
    path.write_text(HEADED, encoding="utf-8")
    with monkeypatch.context() as before:  # readers that did not mark a day alone: read as UTC's midnight
        before.setattr("graphmem.formats._times._day_alone", lambda text, parsed: parsed)
        with _open(tmp_path / "db", nlp, NEW_YORK) as mem:
            assert mem.ingest(path, namespace="kai", embed=False).ok
            assert _said_and_moved(mem) == (datetime(2024, 3, 5), datetime(2024, 3, 3, 5))
            events = mem.store.stats("kai").events
    with _open(tmp_path / "db", nlp, NEW_YORK) as mem:
        redone = mem.ingest(path, namespace="kai", embed=False)
        assert redone.ok and redone.files_skipped == 0 and redone.events_retracted == events
        assert _said_and_moved(mem) == (datetime(2024, 3, 5, 5), datetime(2024, 3, 4, 5))
        assert mem.store.stats("kai").events == events
        assert mem.ingest(path, namespace="kai", embed=False).files_skipped == 1


def test_utc_memory_records_the_hash_it_always_did(tmp_path: Path, nlp: Any) -> None:
    path = tmp_path / "kai.txt"
    path.write_text(HEADED, encoding="utf-8")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with _open(tmp_path / "db", nlp, None) as mem:
        assert mem.ingest(path, namespace="kai", embed=False).ok
        hashes = {r.content_hash for r in mem.store.source_records("kai", "")}
        assert content_hash(digest, "text", get_extractor("spacy"), False) in hashes


@pytest.mark.parametrize("how", ["option", "stdin"])
def test_graphmem_add_reads_a_day_alone_on_the_memory_calendar(tmp_path: Path, nlp: Any, how: str) -> None:
    """``stdin`` failed before zonedate; ``option`` (``add --time``) already read the day on the memory's
    calendar before it, and stays as a guard that it still does."""
    from click.testing import CliRunner

    from graphmem.cli.app import cli

    base = ["--db", str(tmp_path / "db"), "--zone", NEW_YORK, "add", "-n", "kai"]
    if how == "option":
        result = CliRunner().invoke(cli, [*base, "--speaker", "Kai", "--time", "2024-03-05", SAID])
    else:
        line = json.dumps({"speaker": "Kai", "text": SAID, "time": "2024-03-05"})
        result = CliRunner().invoke(cli, base, input=line + "\n")
    assert result.exit_code == 0, result.output
    with _open(tmp_path / "db", nlp, NEW_YORK) as mem:
        assert _said_and_moved(mem) == (datetime(2024, 3, 5, 5), datetime(2024, 3, 4, 5))


@pytest.mark.anyio
async def test_mcp_add_messages_reads_a_day_alone_on_the_memory_calendar(tmp_path: Path, nlp: Any) -> None:
    pytest.importorskip("mcp", reason="the MCP SDK is the graphmem[mcp] extra (installed by the dev extra)")
    from mcp import Client

    from graphmem import AsyncMemory
    from graphmem.mcp_server import build_server

    async with (
        AsyncMemory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp, zone=NEW_YORK) as amem,
        Client(build_server(amem)) as client,
    ):
        message = {"speaker": "Kai", "text": SAID, "time": "2024-03-05"}
        added = await client.call_tool("add_messages", {"namespace": "kai", "messages": [message]})
        assert not added.is_error
    with _open(tmp_path / "db", nlp, NEW_YORK) as mem:
        assert _said_and_moved(mem) == (datetime(2024, 3, 5, 5), datetime(2024, 3, 4, 5))


@pytest.mark.parametrize("zone", [NEW_YORK, None])
@pytest.mark.parametrize("first", ["file", "live"])
def test_a_message_dated_by_its_day_is_one_message_added_live_and_ingested(
    tmp_path: Path, nlp: Any, zone: str | None, first: str
) -> None:
    talk = [
        {"speaker": "Kai", "text": SAID, "time": "2024-03-05"},
        {"speaker": "Ana", "text": "Welcome to Oslo!", "time": "2024-03-05"},
    ]
    path = tmp_path / "kai.jsonl"
    path.write_text("".join(json.dumps(m) + "\n" for m in talk), encoding="utf-8")
    with _open(tmp_path / "db", nlp, zone) as mem:
        for step in (first, "live" if first == "file" else "file"):
            if step == "file":
                assert mem.ingest(path, namespace="kai", embed=False).ok
            else:
                mem.add(talk, namespace="kai")
        assert sorted(e.text for e in mem.store.iter_events("kai")) == sorted(m["text"] for m in talk)
