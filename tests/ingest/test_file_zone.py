"""Files ingested into a memory with a clock (``Memory.open(zone=...)``) date what their turns say on its
calendar, as messages added live do: a file's time without an offset is UTC, shown on the memory's clock
(task filezone, 5 Dec 2026)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem import Memory
from graphmem.extract import get_extractor
from graphmem.ingest_hashes import Hashes, clock_name, content_hash

from .fakes import FakeEmbedder

AUCKLAND = "Pacific/Auckland"  # UTC+12 in June
BERLIN = "Europe/Berlin"  # summer time from 01:00 UTC on 31 March 2024 to 01:00 UTC on 27 October 2024

#: 20:30 on 1 June in Auckland: "yesterday" is 31 May there, from 12:00 UTC on 30 May
AUCKLAND_TALK = [{"speaker": "Kai", "text": "I moved to Oslo yesterday.", "time": "2024-06-01T08:30"}]
#: Berlin around both changes of clock: 00:30 on 31 March (still winter time), 10:00 that morning (summer
#: time), 00:30 on 27 October (still summer time)
BERLIN_TALK = [
    {"speaker": "Kai", "text": "I moved to Oslo yesterday.", "time": "2024-03-30T23:30"},
    {"speaker": "Kai", "text": "I started a new job at Acme this morning.", "time": "2024-03-31T08:00"},
    {"speaker": "Kai", "text": "I moved to Bergen yesterday.", "time": "2024-10-26T22:30"},
]

Dates = tuple[list[tuple[str, datetime | None, tuple[Any, ...]]], list[tuple[Any, ...]]]


def _dates(mem: Memory, ns: str = "kai") -> Dates:
    """What the namespace holds that a clock decides: each event's time and resolved phrases, each fact's
    bounds."""
    events = sorted(mem.store.iter_events(ns), key=lambda e: (e.occurred_at or datetime.min, e.seq))
    said = [(e.text, e.occurred_at, tuple((t.phrase, t.start, t.end) for t in e.times)) for e in events]
    facts = sorted(
        ((f.predicate, f.valid_from, f.valid_to, f.time_phrase) for f in mem.store.iter_facts(ns)),
        key=repr,
    )
    return said, facts


def _write(path: Path, messages: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(m) + "\n" for m in messages), encoding="utf-8")
    return path


def _open(db: Path, nlp: Any, zone: str | None, **options: Any) -> Memory:
    return Memory.open(db, embedder=FakeEmbedder(), nlp=nlp, zone=zone, **options)


def _ingested(tmp_path: Path, nlp: Any, messages: list[dict[str, Any]], zone: str | None, **options: Any) -> Dates:
    path = _write(tmp_path / "kai.jsonl", messages)
    with _open(tmp_path / "file-db", nlp, zone) as mem:
        assert mem.ingest(path, namespace="kai", embed=False, **options).ok
        return _dates(mem)


def _added(tmp_path: Path, nlp: Any, messages: list[dict[str, Any]], zone: str | None) -> Dates:
    with _open(tmp_path / "live-db", nlp, zone) as mem:
        mem.add(messages, namespace="kai")
        return _dates(mem)


def _starts(dates: Dates) -> list[datetime | None]:
    return sorted((start for _, start, _, _ in dates[1]), key=lambda d: d or datetime.min)


@pytest.mark.parametrize(
    ("zone", "talk", "starts"),
    [
        (AUCKLAND, AUCKLAND_TALK, [datetime(2024, 5, 30, 12)]),
        # 30 March on the winter clock; the job from 31 March, whose morning is on the summer clock while its
        # midnight was on the winter one; 26 October on the summer clock
        (BERLIN, BERLIN_TALK, [datetime(2024, 3, 29, 23), datetime(2024, 3, 30, 23), datetime(2024, 10, 25, 22)]),
        # no clock: UTC's calendar, as before
        (None, AUCKLAND_TALK, [datetime(2024, 5, 31)]),
        (None, BERLIN_TALK, [datetime(2024, 3, 29), datetime(2024, 3, 31), datetime(2024, 10, 25)]),
    ],
)
def test_a_file_dates_what_it_says_on_the_memory_calendar_as_live_messages_do(
    tmp_path: Path, nlp: Any, zone: str | None, talk: list[dict[str, Any]], starts: list[datetime]
) -> None:
    ingested = _ingested(tmp_path, nlp, talk, zone)
    assert _starts(ingested) == starts
    assert ingested == _added(tmp_path, nlp, talk, zone)


def test_a_session_date_without_an_offset_is_utc_on_the_memory_clock(tmp_path: Path, nlp: Any) -> None:
    # turns without a time of their own are said at their session's date: 20:30 UTC on 31 May is 08:30 on
    # 1 June in Auckland, where "yesterday" is 31 May
    path = tmp_path / "kai.txt"
    path.write_text("## 31 May 2024 20:30\n\nKai: I moved to Oslo yesterday.\nAna: Welcome!\n", encoding="utf-8")
    for zone, start in ((AUCKLAND, datetime(2024, 5, 30, 12)), (None, datetime(2024, 5, 30))):
        with _open(tmp_path / f"db-{zone is None}", nlp, zone) as mem:
            assert mem.ingest(path, namespace="kai", embed=False).ok
            assert _starts(_dates(mem)) == [start]
            assert min(e.occurred_at for e in mem.store.iter_events("kai")) == datetime(2024, 5, 31, 20, 30)


def test_a_file_ingested_again_on_the_same_clock_writes_nothing(tmp_path: Path, nlp: Any) -> None:
    path = _write(tmp_path / "kai.jsonl", BERLIN_TALK)
    with _open(tmp_path / "db", nlp, BERLIN) as mem:
        assert mem.ingest(path, namespace="kai", embed=False).ok
        before, stats = _dates(mem), mem.store.stats("kai")
        again = mem.ingest(path, namespace="kai", embed=False)
        assert (again.files_skipped, again.turns, again.events, again.facts) == (1, 0, 0, 0)
        assert (_dates(mem), mem.store.stats("kai")) == (before, stats)
    with _open(tmp_path / "db", nlp, BERLIN) as mem:  # opened again, on the same clock
        assert mem.ingest(path, namespace="kai", embed=False).files_skipped == 1


def test_a_file_read_on_another_clock_is_read_again_on_this_one(tmp_path: Path, nlp: Any) -> None:
    """A file ingested before files were dated on the memory's clock (or on another clock) holds the dates
    of UTC's calendar: ingested on this clock it is redone, not written twice, and then skipped."""
    path = _write(tmp_path / "kai.jsonl", AUCKLAND_TALK)
    with _open(tmp_path / "db", nlp, None) as mem:
        assert mem.ingest(path, namespace="kai", embed=False).ok
        assert _starts(_dates(mem)) == [datetime(2024, 5, 31)]
        events = mem.store.stats("kai").events
    with _open(tmp_path / "db", nlp, AUCKLAND) as mem:
        redone = mem.ingest(path, namespace="kai", embed=False)
        assert redone.ok and redone.files_skipped == 0 and redone.events_retracted == events
        assert _starts(_dates(mem)) == [datetime(2024, 5, 30, 12)]
        assert mem.store.stats("kai").events == events
        assert _dates(mem) == _added(tmp_path, nlp, AUCKLAND_TALK, AUCKLAND)
        assert mem.ingest(path, namespace="kai", embed=False).files_skipped == 1


def test_a_file_whose_times_carry_offsets_is_not_read_again_on_another_clock(tmp_path: Path, nlp: Any) -> None:
    talk = [{**AUCKLAND_TALK[0], "time": "2024-06-01T08:30+02:00"}]
    path = _write(tmp_path / "kai.jsonl", talk)
    with _open(tmp_path / "db", nlp, None) as mem:
        assert mem.ingest(path, namespace="kai", embed=False).ok
        before = _dates(mem)
    with _open(tmp_path / "db", nlp, AUCKLAND) as mem:
        assert mem.ingest(path, namespace="kai", embed=False).files_skipped == 1
        assert _dates(mem) == before
        assert _starts(before) == [datetime(2024, 5, 30, 22)]  # 31 May on the speaker's +02:00 calendar


def test_utc_leaves_the_hashes_as_they_were() -> None:
    extractor = get_extractor("spacy")
    assert clock_name(None) is None and clock_name(UTC) is None
    assert Hashes(extractor, True, (), clock_name(UTC)).run("d", "jsonl") == content_hash("d", "jsonl", extractor, True)
    from zoneinfo import ZoneInfo

    assert clock_name(ZoneInfo(BERLIN)) == BERLIN
    zoned = Hashes(extractor, True, (), clock_name(ZoneInfo(BERLIN)))
    assert zoned.run("d", "jsonl") != content_hash("d", "jsonl", extractor, True)
    assert zoned.dating(False).run("d", "jsonl") == content_hash("d", "jsonl", extractor, True)


def test_in_memory_records_are_dated_on_the_memory_calendar(tmp_path: Path, nlp: Any) -> None:
    with _open(tmp_path / "db", nlp, AUCKLAND) as mem:
        assert mem.ingest(AUCKLAND_TALK, namespace="kai", embed=False).ok
        assert _starts(_dates(mem)) == [datetime(2024, 5, 30, 12)]


def test_workers_date_on_the_memory_calendar(tmp_path: Path, nlp: Any) -> None:
    other = _write(tmp_path / "ana.jsonl", [{**m, "speaker": "Ana"} for m in BERLIN_TALK])
    path = _write(tmp_path / "kai.jsonl", BERLIN_TALK)
    with _open(tmp_path / "db", nlp, BERLIN) as mem:
        assert mem.ingest([path, other], workers=2, embed=False).ok
        assert _starts(_dates(mem, "kai")) == [
            datetime(2024, 3, 29, 23),
            datetime(2024, 3, 30, 23),
            datetime(2024, 10, 25, 22),
        ]
        assert _starts(_dates(mem, "ana")) == _starts(_dates(mem, "kai"))


def test_graphmem_ingest_dates_on_the_global_zone(tmp_path: Path, nlp: Any) -> None:
    from graphmem.cli import main

    path = _write(tmp_path / "kai.jsonl", AUCKLAND_TALK)
    args = ["--db", str(tmp_path / "db"), "--zone", AUCKLAND, "ingest", str(path), "-n", "kai", "--no-embed", "--json"]
    assert main(args) == 0
    with _open(tmp_path / "db", nlp, None) as mem:
        assert _starts(_dates(mem)) == [datetime(2024, 5, 30, 12)]
