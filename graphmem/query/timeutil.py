"""Dates in queries: literals to intervals, and calendar shifts.

A date literal denotes an interval ``[start, end)``: ``2023`` the year, ``2023-06`` the month,
``2023-06-01`` the day, ``2023-06-01T14:30`` the minute. Windows use both ends: ``BEFORE d`` is before its
start, ``AFTER d`` after its end, ``ON d`` inside it, ``BETWEEN a AND b`` from the start of ``a`` to the end
of ``b``. All datetimes are naive UTC, as the store keeps them.

The calendar ends at ``datetime.max``: an interval that would end past it (``9999-12-31``, ``9999``)
ends at ``datetime.max`` instead, so the last microsecond of the calendar is never inside a window.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, timedelta

__all__ = [
    "EPSILON",
    "DateTextError",
    "add_months",
    "grain_end",
    "interval_of",
    "naive_utc",
    "parse_date_text",
    "shift",
    "shift_clamped",
]

#: The length of a moment: a datetime ``t`` as an interval is ``[t, t + EPSILON)``.
EPSILON = timedelta(microseconds=1)

_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?)?)?$")
_FORMATS = (
    ("%d %B %Y", "day"),
    ("%d %B, %Y", "day"),
    ("%d %b %Y", "day"),
    ("%d %b, %Y", "day"),
    ("%B %d, %Y", "day"),
    ("%b %d, %Y", "day"),
    ("%B %d %Y", "day"),
    ("%B %Y", "month"),
    ("%b %Y", "month"),
    ("%I:%M %p on %d %B, %Y", "minute"),
    ("%I:%M %p on %d %B %Y", "minute"),
)


class DateTextError(ValueError):
    """A date text that names no date; ``suggestion`` is a valid date close to it, when there is one."""

    def __init__(self, message: str, suggestion: str | None = None) -> None:
        super().__init__(message)
        self.suggestion = suggestion


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


def add_months(value: datetime, months: int) -> datetime:
    """``value`` moved by whole calendar months, the day clamped to the month's length."""
    if months == 0:
        return value
    index = value.year * 12 + value.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    if not 1 <= year <= 9999:
        raise OverflowError("date out of range")
    day = min(value.day, calendar.monthrange(year, month)[1])
    return value.replace(year=year, month=month, day=day)


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


def grain_end(start: datetime, grain: str) -> datetime:
    """The end of the interval of ``grain`` starting at ``start``, clamped to the end of the calendar."""
    try:
        if grain == "year":
            return start.replace(year=start.year + 1)
        if grain == "month":
            return add_months(start, 1)
        steps = {"day": timedelta(days=1), "minute": timedelta(minutes=1), "second": timedelta(seconds=1)}
        return start + steps.get(grain, EPSILON)
    except (OverflowError, ValueError):
        return datetime.max


def parse_date_text(text: str) -> tuple[datetime, datetime]:
    """The interval a date text denotes.

    Accepts ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``, ``YYYY-MM-DDTHH:MM[:SS]`` and written dates such as
    ``8 May 2023``, ``May 8, 2023``, ``May 2023`` or LoCoMo's ``1:56 pm on 8 May, 2023``.

    Raises:
        DateTextError: with a message saying what is wrong with the text, and a close valid date
            when the day or month is past the end.
    """
    raw = text.strip()
    m = _ISO.match(raw)
    if m:
        year, month, day, hour, minute, second = m.groups()
        y = int(year)
        if y < 1:
            raise DateTextError(f"{raw!r} is not a date: the year must be 1 or later")
        if month is None:
            start = datetime(y, 1, 1)
            return start, grain_end(start, "year")
        mo = int(month)
        if not 1 <= mo <= 12:
            raise DateTextError(
                f"{raw!r} is not a date: the month must be 01 to 12", f"{y:04d}-12" if mo > 12 else None
            )
        if day is None:
            start = datetime(y, mo, 1)
            return start, grain_end(start, "month")
        d = int(day)
        last = calendar.monthrange(y, mo)[1]
        if not 1 <= d <= last:
            raise DateTextError(
                f"{raw!r} is not a date: {calendar.month_name[mo]} {y} has days 01 to {last}",
                f"{y:04d}-{mo:02d}-{last:02d}" if d > last else None,
            )
        if hour is None:
            start = datetime(y, mo, d)
            return start, grain_end(start, "day")
        h, mi, s = int(hour), int(minute), int(second or 0)
        if h > 23 or mi > 59 or s > 59:
            raise DateTextError(f"{raw!r} is not a time: use hours 00-23, minutes and seconds 00-59")
        start = datetime(y, mo, d, h, mi, s)
        return start, grain_end(start, "second" if second is not None else "minute")
    for fmt, grain in _FORMATS:
        try:
            start = datetime.strptime(raw, fmt)
        except ValueError:
            continue
        return start, grain_end(start, grain)
    raise DateTextError(f"{raw!r} is not a date: write it as 2023-06-01 (or 2023-06, 2023, 2023-06-01T14:30)")


def interval_of(value: datetime | date) -> tuple[datetime, datetime]:
    """The interval of a bound parameter: a ``date`` is its day, a ``datetime`` a moment."""
    if isinstance(value, datetime):
        moment = naive_utc(value)
        return moment, grain_end(moment, "moment")
    start = datetime(value.year, value.month, value.day)
    return start, grain_end(start, "day")
