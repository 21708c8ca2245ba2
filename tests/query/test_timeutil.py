"""Date literals as intervals, and calendar shifts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from graphmem.query.timeutil import EPSILON, add_months, interval_of, naive_utc, parse_date_text, shift_clamped


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2024", datetime(2024, 1, 1), datetime(2025, 1, 1)),
        ("2024-02", datetime(2024, 2, 1), datetime(2024, 3, 1)),
        ("2024-12", datetime(2024, 12, 1), datetime(2025, 1, 1)),
        ("2024-02-29", datetime(2024, 2, 29), datetime(2024, 3, 1)),
        ("2024-03-24T19:30", datetime(2024, 3, 24, 19, 30), datetime(2024, 3, 24, 19, 31)),
        ("2024-03-24T19:30:05", datetime(2024, 3, 24, 19, 30, 5), datetime(2024, 3, 24, 19, 30, 6)),
        ("24 March 2024", datetime(2024, 3, 24), datetime(2024, 3, 25)),
        ("March 24, 2024", datetime(2024, 3, 24), datetime(2024, 3, 25)),
        ("8 May, 2023", datetime(2023, 5, 8), datetime(2023, 5, 9)),
        ("March 2024", datetime(2024, 3, 1), datetime(2024, 4, 1)),
        ("7:30 pm on 24 March, 2024", datetime(2024, 3, 24, 19, 30), datetime(2024, 3, 24, 19, 31)),
    ],
)
def test_date_texts_are_intervals(text: str, start: datetime, end: datetime) -> None:
    assert parse_date_text(text) == (start, end)


@pytest.mark.parametrize("text", ["2023-02-29", "2024-13", "0000", "2024-01-01T24:00", "soon", "24/03/2024", ""])
def test_bad_date_texts(text: str) -> None:
    with pytest.raises(ValueError, match="is not a"):
        parse_date_text(text)


def test_add_months_clamps_the_day() -> None:
    assert add_months(datetime(2024, 1, 31), 1) == datetime(2024, 2, 29)
    assert add_months(datetime(2024, 3, 31), -1) == datetime(2024, 2, 29)
    assert add_months(datetime(2024, 11, 15, 8), 14) == datetime(2026, 1, 15, 8)
    with pytest.raises(OverflowError):
        add_months(datetime(9999, 12, 1), 1)


def test_parameters_as_intervals() -> None:
    assert interval_of(date(2024, 3, 24)) == (datetime(2024, 3, 24), datetime(2024, 3, 25))
    moment = datetime(2024, 3, 24, 20, 30, tzinfo=timezone(timedelta(hours=1)))
    assert interval_of(moment) == (datetime(2024, 3, 24, 19, 30), datetime(2024, 3, 24, 19, 30) + EPSILON)
    assert naive_utc(datetime(2024, 1, 1, tzinfo=UTC)) == datetime(2024, 1, 1)


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("9999", datetime(9999, 1, 1)),
        ("9999-12", datetime(9999, 12, 1)),
        ("9999-12-31", datetime(9999, 12, 31)),
        ("9999-12-31T23:59", datetime(9999, 12, 31, 23, 59)),
        ("9999-12-31T23:59:59", datetime(9999, 12, 31, 23, 59, 59)),
        ("31 December 9999", datetime(9999, 12, 31)),
        ("December 9999", datetime(9999, 12, 1)),
    ],
)
def test_intervals_at_the_end_of_the_calendar_end_there(text: str, start: datetime) -> None:
    assert parse_date_text(text) == (start, datetime.max)


def test_parameters_at_the_ends_of_the_calendar() -> None:
    assert interval_of(date(9999, 12, 31)) == (datetime(9999, 12, 31), datetime.max)
    assert interval_of(datetime.max) == (datetime.max, datetime.max)
    assert naive_utc(datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5)))) == datetime.max
    assert naive_utc(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))) == datetime.min


def test_shift_clamped_stops_at_the_ends() -> None:
    assert shift_clamped(datetime(2024, 1, 31), 1, 60) == datetime(2024, 2, 29, 0, 1)
    assert shift_clamped(datetime(9999, 12, 31), 1) == datetime.max
    assert shift_clamped(datetime(9999, 12, 31), 0, 86400) == datetime.max
    assert shift_clamped(datetime(1, 1, 1), -1) == datetime.min
    assert shift_clamped(datetime(1, 1, 1), 0, -1.0) == datetime.min
    assert shift_clamped(datetime(2024, 1, 1), 0, 1e300) == datetime.max
