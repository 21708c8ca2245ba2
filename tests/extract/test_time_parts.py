"""Stage 4: parts of a period ("the end of February", "mid-March", "the first week of June")."""

from __future__ import annotations

from datetime import datetime

import pytest

from graphmem.extract.times import TimeResolver

REF = datetime(2024, 3, 12, 19, 0)  # Tuesday 12 March 2024


@pytest.mark.parametrize(
    ("phrase", "prefer", "start", "end", "grain"),
    [
        # a month in thirds: days 1-10, 11-20, 21 to its end
        ("the end of February", "past", "2024-02-21", "2024-03-01", "day"),
        ("at the end of February", "past", "2024-02-21", "2024-03-01", "day"),
        ("towards the end of January", "past", "2024-01-21", "2024-02-01", "day"),
        ("end of last month", "past", "2024-02-21", "2024-03-01", "day"),
        ("the beginning of March", "past", "2024-03-01", "2024-03-11", "day"),
        ("the start of next month", "future", "2024-04-01", "2024-04-11", "day"),
        ("early March", "past", "2024-03-01", "2024-03-11", "day"),
        ("mid March", "past", "2024-03-11", "2024-03-21", "day"),
        ("mid-March", "past", "2024-03-11", "2024-03-21", "day"),
        ("the middle of March", "past", "2024-03-11", "2024-03-21", "day"),
        ("late March 2023", "past", "2023-03-21", "2023-04-01", "day"),
        ("late June", "future", "2024-06-21", "2024-07-01", "day"),
        # a year in thirds of four months
        ("early 2023", "past", "2023-01-01", "2023-05-01", "month"),
        ("mid-2023", "past", "2023-05-01", "2023-09-01", "month"),
        ("late last year", "past", "2023-09-01", "2024-01-01", "month"),
        ("the end of 2022", "past", "2022-09-01", "2023-01-01", "month"),
        ("the middle of the year", "future", "2024-05-01", "2024-09-01", "month"),
        # "the month", "the year": the one holding the reference, or the one before when the part lies
        # ahead of a statement about the past
        ("the end of the month", "future", "2024-03-21", "2024-04-01", "day"),
        ("the end of the month", "past", "2024-02-21", "2024-03-01", "day"),
        ("the end of the year", "past", "2023-09-01", "2024-01-01", "month"),
        ("the beginning of the year", "past", "2024-01-01", "2024-05-01", "month"),
        # halves, weeks of a month, a season in months, a decade in years
        ("the first half of 2023", "past", "2023-01-01", "2023-07-01", "month"),
        ("the second half of last year", "past", "2023-07-01", "2024-01-01", "month"),
        ("the first week of June", "past", "2023-06-01", "2023-06-08", "week"),
        ("the second week of May", "past", "2023-05-08", "2023-05-15", "week"),  # was left unresolved
        ("the last week of February", "past", "2024-02-23", "2024-03-01", "week"),
        ("the end of last summer", "past", "2023-08-01", "2023-09-01", "month"),
        ("the early 90s", "past", "1990-01-01", "1993-01-01", "year"),
        ("the late 90s", "past", "1997-01-01", "2000-01-01", "year"),
        ("early next week", "future", "2024-03-18", "2024-03-20", "day"),
    ],
)
def test_part_of_a_period(phrase: str, prefer: str, start: str, end: str, grain: str) -> None:
    ref = TimeResolver().resolve(phrase, REF, prefer=prefer)
    assert (ref.start, ref.end, ref.grain) == (
        datetime.fromisoformat(start),
        datetime.fromisoformat(end),
        grain,
    ), phrase


@pytest.mark.parametrize(
    "phrase",
    ["the end of the day", "the start of it", "early on", "later that month", "the end of the story", "last week"],
)
def test_parts_of_nothing_definite_stay_as_before(phrase: str) -> None:
    resolver = TimeResolver()
    ref = resolver.resolve(phrase, REF)
    if phrase == "last week":
        assert (ref.start, ref.grain) == (datetime(2024, 3, 4), "week")  # "last week" is no part of a week
    else:
        assert not ref.resolved, phrase


def test_a_part_of_a_day_is_the_day() -> None:
    ref = TimeResolver().resolve("late last night", REF)
    assert (ref.start, ref.end, ref.grain) == (datetime(2024, 3, 11), datetime(2024, 3, 12), "day")


SAID_IN = {
    "10 February 2024": datetime(2024, 2, 10, 10, 0),
    "25 February 2024": datetime(2024, 2, 25, 10, 0),
    "29 February 2024": datetime(2024, 2, 29, 10, 0),
    "12 March 2024": REF,
    "5 December 2024": datetime(2024, 12, 5, 10, 0),
    "30 December 2024": datetime(2024, 12, 30, 10, 0),
    "20 February 2025": datetime(2025, 2, 20, 10, 0),
}


@pytest.mark.parametrize(
    ("said", "phrase", "prefer", "start", "end"),
    [
        # said inside the month it names: ahead is this month's part while it has not ended, back is the
        # latest part that had begun
        ("10 February 2024", "the end of February", "future", "2024-02-21", "2024-03-01"),
        ("10 February 2024", "the end of February", "past", "2023-02-21", "2023-03-01"),
        ("25 February 2024", "the end of February", "future", "2024-02-21", "2024-03-01"),
        ("25 February 2024", "the end of February", "past", "2024-02-21", "2024-03-01"),
        ("29 February 2024", "the end of February", "past", "2024-02-21", "2024-03-01"),  # leap year
        ("29 February 2024", "the second half of February", "future", "2024-02-15", "2024-03-01"),
        ("12 March 2024", "late March", "future", "2024-03-21", "2024-04-01"),
        ("12 March 2024", "late March", "past", "2023-03-21", "2023-04-01"),
        ("12 March 2024", "early March", "past", "2024-03-01", "2024-03-11"),
        ("12 March 2024", "early March", "future", "2025-03-01", "2025-03-11"),
        ("20 February 2025", "late February", "past", "2024-02-21", "2024-03-01"),
        # at the end of a year
        ("5 December 2024", "late December", "future", "2024-12-21", "2025-01-01"),
        ("5 December 2024", "late December", "past", "2023-12-21", "2024-01-01"),
        ("30 December 2024", "the end of December", "past", "2024-12-21", "2025-01-01"),
        ("30 December 2024", "early January", "future", "2025-01-01", "2025-01-11"),
        ("5 December 2024", "early January", "past", "2024-01-01", "2024-01-11"),
        # a period with its year is that year whichever way
        ("12 March 2024", "late March 2023", "future", "2023-03-21", "2023-04-01"),
    ],
)
def test_a_part_of_a_named_month_is_the_nearest_in_its_direction(
    said: str, phrase: str, prefer: str, start: str, end: str
) -> None:
    ref = TimeResolver().resolve(phrase, SAID_IN[said], prefer=prefer)
    assert (ref.start, ref.end) == (datetime.fromisoformat(start), datetime.fromisoformat(end)), (said, phrase)


@pytest.mark.parametrize(("said", "month"), [("10 February 2024", "February"), ("5 December 2024", "December")])
def test_a_month_said_inside_it_ahead_is_this_month(said: str, month: str) -> None:
    ref = TimeResolver().resolve(f"in {month}", SAID_IN[said], prefer="future")
    assert ref.start == SAID_IN[said].replace(day=1, hour=0, minute=0)
