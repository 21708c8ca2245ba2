"""Stage 4: "one year ago today", "four years ago today", "this day next year" name a day, not a year."""

from __future__ import annotations

from datetime import datetime

import pytest

from graphmem.extract.pipeline import SpacyExtractor
from graphmem.extract.resolve import resolve_batch
from graphmem.extract.times import TimeResolver

from .conftest import make_transcript, named_facts

LEAP = datetime(2024, 2, 29, 10, 0)  # Thursday 29 February 2024


@pytest.mark.parametrize(
    ("phrase", "day"),
    [
        ("four years ago today", "2020-02-29"),
        ("one year ago today", "2023-02-28"),  # 2023 has no 29 February: the 28th
        ("a year ago today", "2023-02-28"),
        ("two weeks ago today", "2024-02-15"),
        ("a year from today", "2025-02-28"),
        ("this day next year", "2025-02-28"),
        ("on this day next year", "2025-02-28"),
        ("this day last year", "2023-02-28"),
        ("the same day next month", "2024-03-29"),
    ],
)
@pytest.mark.parametrize("prefer", ["past", "future"])
def test_the_same_day_units_off_is_that_day(phrase: str, day: str, prefer: str) -> None:
    ref = TimeResolver().resolve(phrase, LEAP, prefer=prefer)
    assert ref.start is not None and ref.end is not None
    assert (ref.start.date().isoformat(), (ref.end - ref.start).days, ref.grain) == (day, 1, "day")


def test_a_length_ago_alone_stays_its_unit() -> None:
    ref = TimeResolver().resolve("one year ago", LEAP)
    assert (ref.start, ref.end, ref.grain) == (datetime(2023, 1, 1), datetime(2024, 1, 1), "year")


@pytest.mark.parametrize(
    ("text", "fact", "start"),
    [
        ("Exactly one year ago today I adopted my cat Nala.", ("Zoe", "has_pet", "Nala"), datetime(2023, 2, 28)),
        ("Four years ago today I started at Pied Piper.", ("Zoe", "works_at", "Pied Piper"), datetime(2020, 2, 29)),
        ("On this day next year I will move to Lima.", ("Zoe", "lives_in", "Lima"), datetime(2025, 2, 28)),
    ],
)
def test_the_extractor_dates_facts_by_the_same_day(
    text: str, fact: tuple[str, str, str], start: datetime, extractor: SpacyExtractor
) -> None:
    batch = resolve_batch(extractor.extract(make_transcript([(LEAP, [("Zoe", text)])])), (), salience=False)
    assert fact in named_facts(batch)
    names = {e.id: e.name for e in batch.entities}
    found = [f for f in batch.facts if (names[f.subject_id], f.predicate, names[f.object_id]) == fact]
    assert [f.valid_from for f in found] == [start]
