"""Date literals as intervals, and calendar shifts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from graphmem.query.timeutil import (
    EPSILON,
    add_months,
    interval_of,
    naive_utc,
    parse_date_text,
    shift,
    shift_clamped,
    shift_instant,
    to_instant,
)


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
    assert shift_clamped(datetime(2024, 1, 31), months=1, seconds=60) == datetime(2024, 2, 29, 0, 1)
    assert shift_clamped(datetime(9999, 12, 31), months=1) == datetime.max
    assert shift_clamped(datetime(9999, 12, 31), seconds=86400) == datetime.max
    assert shift_clamped(datetime(1, 1, 1), months=-1) == datetime.min
    assert shift_clamped(datetime(1, 1, 1), seconds=-1.0) == datetime.min
    assert shift_clamped(datetime(2024, 1, 1), seconds=1e300) == datetime.max


BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("value", "months", "days", "seconds", "moved"),
    [
        # the day clocks go forward has 23 hours: a day on from 00:30 on 31 March is 00:30 on 1 April
        (datetime(2024, 3, 30, 23, 30), 0, 1, 0, datetime(2024, 3, 31, 22, 30)),
        # a skipped 02:30 moves on by the hour skipped; an hour is exact, after the day
        (datetime(2024, 3, 30, 1, 30), 0, 1, 0, datetime(2024, 3, 31, 1, 30)),
        (datetime(2024, 3, 30, 1, 30), 0, 1, 3600, datetime(2024, 3, 31, 2, 30)),
        # an 02:30 that occurs twice keeps the offset the time had (as java.time, so Neo4j and ArcadeDB)
        (datetime(2024, 10, 26, 0, 30), 0, 1, 0, datetime(2024, 10, 27, 0, 30)),
        (datetime(2024, 10, 28, 1, 30), 0, -1, 0, datetime(2024, 10, 27, 1, 30)),
        # months on the local calendar, clamped: 00:30 on 31 May there, a month back, is 30 April
        (datetime(2024, 5, 30, 22, 30), -1, 0, 0, datetime(2024, 4, 29, 22, 30)),
        (datetime(2024, 1, 31, 12), 1, 1, 0, datetime(2024, 3, 1, 12)),
    ],
)
def test_shifts_on_a_zone_clock_move_its_calendar(
    value: datetime, months: int, days: int, seconds: float, moved: datetime
) -> None:
    assert shift(value, months=months, days=days, seconds=seconds, zone=BERLIN) == moved


def test_shifts_on_utc_are_unchanged_and_go_past_the_calendar_as_cypher_does() -> None:
    assert shift(datetime(2024, 3, 30, 23, 30), days=1) == datetime(2024, 3, 31, 23, 30)
    assert shift(datetime(2024, 3, 31), months=-1) == datetime(2024, 2, 29)
    # past either end an instant goes on (year 0 is before year 1), where a datetime cannot
    assert shift_instant(to_instant(datetime(1, 1, 15)), months=-1) == -17 * 86_400_000_000
    assert shift_instant(to_instant(datetime(9999, 12, 20)), months=12) > to_instant(datetime.max)
    ny = ZoneInfo("America/New_York")  # its clock is in year 0 at 00:30 UTC on 1 January of year 1
    assert shift_instant(to_instant(datetime(1, 1, 1, 0, 30)), days=-1, zone=ny) == -(23 * 60 + 30) * 60_000_000
    for zone in (None, BERLIN, ny):
        for value in (datetime(1, 1, 1), datetime(9999, 12, 31, 23), datetime(2024, 2, 29)):
            for months, days in ((-1200, 0), (1200, 0), (0, -400), (0, 400), (-13, 5)):
                there = shift_instant(to_instant(value), months=months, days=days, zone=zone)
                back = shift_instant(there, months=-months, days=-days, zone=zone)
                assert abs(back - to_instant(value)) < 4 * 86_400_000_000, (zone, value, months, days)
    with pytest.raises(OverflowError):
        shift(datetime(1, 1, 15), months=-1)
