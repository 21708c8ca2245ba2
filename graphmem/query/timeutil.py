"""Dates in queries: literals to intervals, and calendar shifts.

A date literal denotes an interval ``[start, end)``: ``2023`` the year, ``2023-06`` the month,
``2023-06-01`` the day, ``2023-06-01T14:30`` the minute. Windows use both ends: ``BEFORE d`` is before its
start, ``AFTER d`` after its end, ``ON d`` inside it, ``BETWEEN a AND b`` from the start of ``a`` to the end
of ``b``. All datetimes are naive UTC, as the store keeps them; a literal is read on the query's clock (UTC,
or the zone the memory was opened with) and converted.

The calendar ends at ``datetime.max``: an interval that would end past it (``9999-12-31``, ``9999``)
ends at ``datetime.max`` instead, so the last microsecond of the calendar is never inside a window.

:func:`parse_date_text` (from :mod:`graphmem.dates`, re-exported here) is the one reader of date text:
the query language's literals and date parameters, the CLI's date options and the MCP tools' date
arguments all read dates with it, so each takes the same forms and refuses the same text with the same
words.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo

from graphmem.dates import (
    DATE_FORMS,
    EPSILON,
    DateTextError,
    add_months,
    grain_end,
    local_to_utc,
    parse_date_argument,
    parse_date_text,
)

__all__ = [
    "DATE_FORMS",
    "EPSILON",
    "DateTextError",
    "add_months",
    "grain_end",
    "interval_of",
    "naive_utc",
    "parse_date_argument",
    "parse_date_text",
    "shift",
    "shift_clamped",
]


def naive_utc(value: datetime) -> datetime:
    """``value`` as naive UTC (aware datetimes are converted, naive ones kept).

    An aware time whose UTC value falls outside the calendar is clamped to ``datetime.min``/``max``.
    """
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        return datetime.max if value.year > 1 else datetime.min


def shift(value: datetime, months: int = 0, seconds: float = 0.0) -> datetime:
    """``value`` moved by calendar ``months`` and then ``seconds``."""
    return add_months(value, months) + timedelta(seconds=seconds)


def shift_clamped(value: datetime, months: int = 0, seconds: float = 0.0) -> datetime:
    """:func:`shift`, but a result past either end of the calendar is ``datetime.max``/``datetime.min``."""
    try:
        value = add_months(value, months)
    except (OverflowError, ValueError):
        return datetime.max if months > 0 else datetime.min
    try:
        return value + timedelta(seconds=seconds)
    except (OverflowError, ValueError):
        return datetime.max if seconds > 0 else datetime.min


def interval_of(value: datetime | date, zone: tzinfo | None = None) -> tuple[datetime, datetime]:
    """The interval of a bound parameter: a ``date`` is its day (on ``zone``'s clock, see
    :func:`graphmem.dates.zone_named`), a ``datetime`` a moment (naive: UTC, as the stores keep times)."""
    if isinstance(value, datetime):
        moment = naive_utc(value)
        return moment, grain_end(moment, "moment")
    start = datetime(value.year, value.month, value.day)
    return local_to_utc(start, zone), local_to_utc(grain_end(start, "day"), zone)
