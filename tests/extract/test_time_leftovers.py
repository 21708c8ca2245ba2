"""Time leftovers: a past "later that month" ends by its telling, and a named zone dates each time by its own
date's offset (across a daylight-saving change)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from graphmem.cli.app import cli
from graphmem.extract.pipeline import SpacyExtractor
from graphmem.extract.times import TimeResolver, from_utc, to_utc
from graphmem.memory import Memory
from graphmem.models import TimeRef
from graphmem.store.embedded import EmbeddedStore

from .conftest import make_transcript

LISBON = ZoneInfo("Europe/Lisbon")  # WET (+00:00) until 01:00 UTC on 31 March 2024, then WEST (+01:00)
SAID = datetime(2023, 5, 10, 12, 0)  # Wednesday 10 May 2023


# -- a past "later that month" ends when it was said ------------------------------------------------------


def test_past_later_that_month_ends_when_said() -> None:
    resolver = TimeResolver()
    before = resolver.resolve("on 2 May", SAID)
    ref = resolver.resolve("later that month", SAID, antecedent=before)
    assert (ref.start, ref.end, ref.grain) == (datetime(2023, 5, 3), SAID, "day")


def test_future_later_that_month_starts_when_said() -> None:
    resolver = TimeResolver()
    before = resolver.resolve("on 2 May", SAID)
    ref = resolver.resolve("later that month", SAID, prefer="future", antecedent=before)
    assert (ref.start, ref.end) == (SAID, datetime(2023, 6, 1))


def test_a_past_window_wholly_before_the_telling_is_kept() -> None:
    resolver = TimeResolver()
    before = resolver.resolve("on 2 April", SAID)
    ref = resolver.resolve("later that month", SAID, antecedent=before)
    assert (ref.start, ref.end) == (datetime(2023, 4, 3), datetime(2023, 5, 1))


def test_the_extractor_ends_later_that_month_by_its_telling(extractor: SpacyExtractor) -> None:
    batch = extractor.extract(
        make_transcript([(SAID, [("Ana", "I met Ana on 2 May 2023. Later that month I went to Rome.")])])
    )
    [later] = [t for e in batch.events for t in e.times if t.phrase.lower() == "later that month"]
    assert later.end is not None and later.end <= SAID


# -- a named zone: each date on its own offset --------------------------------------------------------------


def test_to_utc_reads_each_end_by_the_zone_rules_of_its_date() -> None:
    day = TimeRef("yesterday", datetime(2024, 3, 30), datetime(2024, 3, 31), "day")
    # 30 March in Lisbon is still winter time (+00:00): the day is the UTC day, though said at +01:00
    assert to_utc(day, LISBON) == day
    summer = TimeRef("1 April", datetime(2024, 4, 1), datetime(2024, 4, 2), "day")
    assert to_utc(summer, LISBON) == TimeRef("1 April", datetime(2024, 3, 31, 23), datetime(2024, 4, 1, 23), "day")
    assert from_utc(to_utc(summer, LISBON), LISBON) == summer
    assert to_utc(summer, timedelta(hours=1)) == to_utc(summer, LISBON)  # a fixed offset as before


def test_a_zoned_transcript_dates_yesterday_across_the_change(tmp_path: Path, nlp: Any) -> None:
    line = {"speaker": "Ann", "text": "I went to the gym yesterday.", "timestamp": "2024-03-31T10:00:00 Europe/Lisbon"}
    path = tmp_path / "gym.jsonl"
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    with Memory.open(tmp_path / "db", nlp=nlp) as mem:
        summary = mem.ingest(path, embed=False)
        assert summary.files_ok == 1, summary.errors
        [event] = mem.store.iter_events("gym")
    assert event.occurred_at == datetime(2024, 3, 31, 9, 0)  # 10:00 WEST
    [ref] = [r for r in event.times if r.phrase == "yesterday"]
    # Ann's 30 March, on the winter clock it had: midnight to midnight UTC (not an hour early)
    assert (ref.start, ref.end) == (datetime(2024, 3, 30), datetime(2024, 3, 31))


def test_add_time_with_a_zone_name_keeps_its_clock(tmp_path: Path) -> None:
    db = str(tmp_path / "db")
    args = ["--db", db, "add", "-n", "c", "--speaker", "Ann", "--time", "2024-03-31T10:00 Europe/Lisbon"]
    result = CliRunner().invoke(cli, [*args, "I went to the gym yesterday."])
    assert result.exit_code == 0, result.output
    store = EmbeddedStore.open(db)
    try:
        [event] = store.iter_events("c")
    finally:
        store.close()
    assert event.occurred_at == datetime(2024, 3, 31, 9, 0)
    [ref] = [r for r in event.times if r.phrase == "yesterday"]
    assert (ref.start, ref.end) == (datetime(2024, 3, 30), datetime(2024, 3, 31))
