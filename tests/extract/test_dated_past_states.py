"""States told as over in a dated period ("In 2019 I worked at Acme", "I lived in Porto until 2020") and
time phrases that name a range ("from 2015 to 2019")."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem.extract.times import TimeResolver
from graphmem.memory import Memory
from graphmem.store.base import TimeFilter
from tests.ingest.fakes import FakeEmbedder

NS = "d"
JAN = datetime(2024, 1, 10, 10, 0)
MAR = datetime(2024, 3, 12, 19, 0)  # Tuesday 12 March 2024


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[Memory]:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        yield mem


def _say(mem: Memory, *turns: tuple[str, datetime]) -> None:
    for text, when in turns:
        session = when.date().isoformat()
        mem.add({"speaker": "Ana", "text": text, "time": when, "session": session}, namespace=NS)
        mem.add({"speaker": "Ben", "text": "I see.", "time": when.replace(second=30), "session": session}, namespace=NS)


def _bounds(mem: Memory, predicate: str) -> dict[str, tuple[datetime | None, datetime | None]]:
    names = {e.id: e.name for e in mem.store.iter_entities(NS)}
    facts = mem.store.iter_facts(NS)
    return {names[f.object_id]: (f.valid_from, f.valid_to) for f in facts if f.predicate == predicate}


def _held(mem: Memory, predicate: str, when: datetime) -> set[str]:
    names = {e.id: e.name for e in mem.store.iter_entities(NS)}
    found = mem.store.iter_facts(NS, time=TimeFilter(valid_at=when))
    return {names[f.object_id] for f in found if f.predicate == predicate}


def _interval(phrase: str, said: datetime = MAR, prefer: str = "past") -> tuple[str, str, str] | None:
    ref = TimeResolver().resolve(phrase, said, prefer=prefer)
    if ref.start is None or ref.end is None:
        return None
    return ref.start.date().isoformat(), ref.end.date().isoformat(), ref.grain


@pytest.mark.parametrize(
    ("phrase", "prefer", "expected"),
    [
        ("2015 to 2019", "past", ("2015-01-01", "2020-01-01", "year")),
        ("from 2015 until 2019", "past", ("2015-01-01", "2020-01-01", "year")),
        ("between 2010 and 2014", "past", ("2010-01-01", "2015-01-01", "year")),
        ("2008-2012", "past", ("2008-01-01", "2013-01-01", "year")),
        ("2008 – 2012", "past", ("2008-01-01", "2013-01-01", "year")),
        ("March to June", "past", ("2023-03-01", "2023-07-01", "month")),
        ("from March 2019 to June", "past", ("2019-03-01", "2019-07-01", "month")),
        ("November to February", "past", ("2023-11-01", "2024-03-01", "month")),
        ("March to June", "future", ("2024-03-01", "2024-07-01", "month")),
        ("3 April to 10 April", "future", ("2024-04-03", "2024-04-11", "day")),
        ("from January until last week", "past", ("2024-01-01", "2024-03-11", "month")),
    ],
)
def test_a_range_runs_from_its_first_end_to_its_second(phrase: str, prefer: str, expected: Any) -> None:
    assert _interval(phrase, prefer=prefer) == expected


@pytest.mark.parametrize("phrase", ["9 to 5", "from time to time", "up to three days", "2019 to 2015", "door to door"])
def test_what_is_no_range_is_resolved_as_before(phrase: str) -> None:
    assert _interval(phrase) is None


def test_iso_dates_and_a_trailing_dash_are_not_ranges() -> None:
    assert _interval("2023-06-10") == ("2023-06-10", "2023-06-11", "day")
    assert _interval("last week - so") == ("2024-03-04", "2024-03-11", "week")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("In 2019 I worked at Acme Analytics.", (datetime(2019, 1, 1), datetime(2020, 1, 1))),
        ("I worked at Acme Analytics from 2015 to 2019.", (datetime(2015, 1, 1), datetime(2020, 1, 1))),
        ("I worked at Acme Analytics until 2020.", (None, datetime(2020, 1, 1))),
        ("Last year I worked at Acme Analytics.", (datetime(2023, 1, 1), datetime(2024, 1, 1))),
        ("This year I worked at Acme Analytics.", (datetime(2024, 1, 1), MAR)),  # ended by when said
    ],
)
def test_a_state_told_as_over_in_a_dated_period_held_then(memory: Memory, text: str, expected: Any) -> None:
    _say(memory, (text, MAR))
    # before: the phrase started it and nothing ended it ("until 2020" even started it when said)
    assert _bounds(memory, "works_at") == {"Acme Analytics": expected}


def test_an_episode_on_a_day_is_not_a_state_gone_by(memory: Memory) -> None:
    _say(memory, ("I worked at Acme Analytics yesterday.", MAR))
    assert _bounds(memory, "works_at")["Acme Analytics"][1] is None


def test_a_dated_past_home_does_not_replace_the_current_one(memory: Memory) -> None:
    _say(memory, ("I live in Lisbon.", JAN), ("I lived in Porto until 2020.", MAR))
    # before: "I lived in Porto until 2020" started Porto when said and ended Lisbon then
    assert _held(memory, "lives_in", datetime(2024, 6, 1)) == {"Lisbon"}
    assert _held(memory, "lives_in", datetime(2019, 6, 1)) == {"Porto"}


def test_a_present_stay_over_a_range_ends_with_it(memory: Memory) -> None:
    _say(memory, ("I'm staying in Lisbon from 3 April to 10 April.", MAR))
    assert _bounds(memory, "lives_in") == {"Lisbon": (datetime(2024, 4, 3), datetime(2024, 4, 11))}


@pytest.mark.parametrize(
    ("slip", "expected"),
    [
        ("In 2019 I worked at Acme Analytics.", (datetime(2019, 1, 1), datetime(2020, 1, 1))),
        ("I worked at Acme Analytics until 2020.", (None, datetime(2020, 1, 1))),
    ],
)
def test_a_dated_past_slip_is_corrected_with_its_dates(memory: Memory, slip: str, expected: Any) -> None:
    _say(memory, (slip, MAR), ("Sorry, I meant Globex Corporation.", MAR.replace(minute=5)))
    bounds = _bounds(memory, "works_at")
    # before: its end made it look over before the correction, so the correction found nothing to correct
    assert bounds["Globex Corporation"] == expected
    start, end = bounds["Acme Analytics"]
    assert start is not None and start == end  # the slip never held
    assert _held(memory, "works_at", datetime(2019, 6, 1)) == {"Globex Corporation"}
    assert _held(memory, "works_at", datetime(2024, 6, 1)) == set()


def test_a_dated_past_slip_in_one_file_is_corrected(memory: Memory, tmp_path: Path) -> None:
    path = tmp_path / "talk.txt"
    path.write_text(
        "## Session 1 — 12 March 2024\n[19:00] Ana: In 2019 I worked at Acme Analytics.\n"
        "[19:01] Ben: Nice.\n[19:02] Ana: Sorry, I meant Globex Corporation.\n",
        encoding="utf-8",
    )
    assert memory.ingest(path, namespace=NS, embed=False).ok
    assert _held(memory, "works_at", datetime(2019, 6, 1)) == {"Globex Corporation"}
    assert _held(memory, "works_at", datetime(2024, 6, 1)) == set()


@pytest.mark.parametrize(
    ("text", "predicate", "expected"),
    [
        # a schedule, not a span (review: it read as next week only)
        ("I work at Acme Analytics from Monday to Friday.", "works_at", (MAR, None)),
        ("I live in Porto from Monday to Friday and in Lisbon on weekends.", "lives_in", (MAR, None)),
        # since, before: the phrase is not the period it held in (review: both held through 2019)
        ("I worked at Acme Analytics since 2019.", "works_at", (datetime(2019, 1, 1), MAR)),
        ("Before 2019 I lived in Porto.", "lives_in", (None, datetime(2019, 1, 1))),
        ("I've worked at Acme Analytics from 2019 to now.", "works_at", (datetime(2019, 1, 1), None)),
    ],
)
def test_phrases_that_are_no_period_held_in(memory: Memory, text: str, predicate: str, expected: Any) -> None:
    _say(memory, (text, MAR))
    (bounds,) = _bounds(memory, predicate).values()
    assert bounds == expected


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("from today until June", ("2024-03-12", "2024-07-01", "month")),
        ("from this month to June", ("2024-03-01", "2024-07-01", "month")),
    ],
)
def test_a_range_from_a_relative_end_is_not_moved_a_year_back(phrase: str, expected: Any) -> None:
    assert _interval(phrase) == expected


@pytest.mark.parametrize(
    "phrase",
    [
        "from the 20th to the 3rd of May",
        "between the 20th and the 3rd of May",
        "from 20 May to 3 May",
        "from May 20 to May 3",
        "20-3 May",
    ],
)
def test_a_range_of_one_month_whose_second_day_comes_first_names_no_time(phrase: str) -> None:
    # before, "from 20 May to 3 May" ran a year, to the next 3 May
    assert _interval(phrase, prefer="past") is None
    assert _interval(phrase, prefer="future") is None


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("from the 3rd to the 20th of May", ("2024-05-03", "2024-05-21", "day")),
        ("between the 3rd and the 20th of May", ("2024-05-03", "2024-05-21", "day")),
        ("3-20 May", ("2024-05-03", "2024-05-21", "day")),
        ("May 3 to 20", ("2024-05-03", "2024-05-21", "day")),
        ("from 20 May to 3 June", ("2024-05-20", "2024-06-04", "day")),
    ],
)
def test_a_range_of_days_of_one_month_runs_through_its_second_day(phrase: str, expected: Any) -> None:
    assert _interval(phrase, prefer="future") == expected


@pytest.mark.parametrize(
    "text",
    [
        "I'm staying in Lisbon from the 20th to the 3rd of May.",
        "I'm staying in Lisbon from May 20th until May 3rd.",
        "I'm living in Lisbon from the 20th until the 3rd of May.",
    ],
)
def test_a_stay_over_a_reversed_range_of_one_month_is_not_dated_by_it(memory: Memory, text: str) -> None:
    # before, NER's pieces dated it: from 20 May (the end dropped), or to 3 May from when it was said
    _say(memory, (text, MAR))
    assert _bounds(memory, "lives_in") == {"Lisbon": (MAR, None)}


def test_a_stay_over_a_range_of_days_of_one_month_runs_through_it(memory: Memory) -> None:
    _say(memory, ("I'm staying in Lisbon from the 3rd to the 20th of May.", MAR))
    assert _bounds(memory, "lives_in") == {"Lisbon": (datetime(2024, 5, 3), datetime(2024, 5, 21))}
