"""Stage 4 at the calendar's edges: a phrase naming a time before year 1 or after 9999 is unresolved."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from graphmem.extract.bounds import duration_before
from graphmem.extract.periods import shift, shifted_interval
from graphmem.extract.times import TimeResolver, to_utc
from graphmem.models import TimeRef

REF = datetime(2024, 5, 1, 12, 0)


@pytest.mark.parametrize(
    "phrase",
    [
        "65000000 years ago",
        "2100 years ago",
        "800000 days ago",
        "30000 months ago",
        "3000000000 weeks ago",
        "the past 9000 years",
        "the last 3000 years",
        "the next 9000 years",
        "next 8000 years",
        "the year 9999",
        "December 9999",
    ],
)
@pytest.mark.parametrize("prefer", ["past", "future", "nearest"])
def test_a_time_past_the_calendar_is_unresolved(phrase: str, prefer: str) -> None:
    ref = TimeResolver().resolve(phrase, REF, prefer=prefer)
    assert ref == TimeRef(phrase)


@pytest.mark.parametrize(
    ("phrase", "start"),
    [
        ("2 years ago", datetime(2022, 1, 1)),
        ("3000 weeks ago", datetime(1966, 10, 31)),
        ("2023 years ago", datetime(1, 1, 1)),
    ],
)
def test_a_time_within_it_still_resolves(phrase: str, start: datetime) -> None:
    assert TimeResolver().resolve(phrase, REF).start == start


@pytest.mark.parametrize(
    ("unit", "n", "expected"),
    [
        ("year", -2024, None),
        ("year", 7976, None),
        ("year", -2023, date(1, 5, 1)),
        ("month", -30000, None),
        ("month", 12 * 7975 + 7, date(9999, 12, 1)),
        ("day", -800000, None),
        ("week", 10**12, None),
    ],
)
def test_shift_past_the_calendar_is_none(unit: str, n: int, expected: date | None) -> None:
    assert shift(date(2024, 5, 1), unit, n) == expected


def test_shifted_interval_at_the_calendar_s_end() -> None:
    assert shifted_interval(date(2024, 5, 1), "month", -3) == (datetime(2024, 2, 1), datetime(2024, 3, 1))
    assert shifted_interval(date(9999, 12, 5), "day", 0) == (datetime(9999, 12, 5), datetime(9999, 12, 6))
    assert shifted_interval(date(9999, 12, 5), "month", 0) is None  # it would end in year 10000
    assert shifted_interval(date(2024, 5, 1), "year", -2024) is None


def test_shift_keeps_29_february_in_a_leap_year_only() -> None:
    assert shift(date(2024, 2, 29), "year", 1) == date(2025, 2, 28)
    assert shift(date(2024, 2, 29), "year", 4) == date(2028, 2, 29)


@pytest.mark.parametrize("phrase", ["2100 years", "for 800000 days", "for 3000 decades", "for 30000000 weeks"])
def test_duration_before_the_calendar_is_none(phrase: str) -> None:
    assert duration_before(phrase, REF) is None


def test_to_utc_at_the_calendar_edge_is_clamped() -> None:
    # as a date a user writes (graphmem.dates.local_to_utc): the phrase stays resolved, its start at the
    # calendar's first moment, where it would move past it
    first = TimeRef("then", datetime(1, 1, 1), datetime(1, 1, 2), "day")
    assert to_utc(first, datetime(1, 1, 1, 2) - datetime(1, 1, 1)) == TimeRef(
        "then", datetime(1, 1, 1), datetime(1, 1, 1, 22), "day"
    )
