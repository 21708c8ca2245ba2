"""Dates in queries: literals to intervals, and calendar shifts on the memory's clock.

A date literal denotes an interval ``[start, end)``: ``2023`` the year, ``2023-06`` the month,
``2023-06-01`` the day, ``2023-06-01T14:30`` the minute. Windows use both ends: ``BEFORE d`` is before its
start, ``AFTER d`` after its end, ``ON d`` inside it, ``BETWEEN a AND b`` from the start of ``a`` to the end
of ``b``. All datetimes are naive UTC, as the store keeps them; a literal is read on the query's clock (UTC,
or the zone the memory was opened with) and converted.

A shift moves a time by calendar months, calendar days and exact seconds, in that order, as Cypher adds a
``duration`` to a zoned ``datetime``: months and days on the clock's calendar (a day is 23, 24 or 25 hours
when the clock changes; a month keeps its day, clamped to the month's length), then the seconds (hours
and minutes) as a duration. A wall time a change skips is moved on by the change; one that occurs twice
keeps the offset the time had, else the earlier one (as ``java.time`` resolves it, which Neo4j and
ArcadeDB use). :func:`shift_instant` computes on whole microseconds, so a time shifted past either end
of the calendar still compares as Cypher compares it (year 0 is before year 1).

The calendar ends at ``datetime.max``: an interval that would end past it (``9999-12-31``, ``9999``)
ends at ``datetime.max`` instead, so the last microsecond of the calendar is never inside a window.

:func:`parse_date_text` (from :mod:`graphmem.dates`, re-exported here) is the one reader of date text:
the query language's literals and date parameters, the CLI's date options and the MCP tools' date
arguments all read dates with it, so each takes the same forms and refuses the same text with the same
words.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache

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
    "shift_instant",
    "to_instant",
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


def shift(
    value: datetime, *, months: int = 0, days: int = 0, seconds: float = 0.0, zone: tzinfo | None = None
) -> datetime:
    """``value`` (naive UTC) moved by calendar ``months`` and ``days`` on ``zone``'s clock (``None``: UTC),
    then by ``seconds``.

    Raises:
        OverflowError: the result is outside the calendar.
    """
    return _from_instant(shift_instant(to_instant(value), months=months, days=days, seconds=seconds, zone=zone))


def shift_clamped(
    value: datetime, *, months: int = 0, days: int = 0, seconds: float = 0.0, zone: tzinfo | None = None
) -> datetime:
    """:func:`shift`, but a result past either end of the calendar is ``datetime.max``/``datetime.min``."""
    moved = shift_instant(to_instant(value), months=months, days=days, seconds=seconds, zone=zone)
    return _from_instant(min(max(moved, 0), _MAX))


# Times as whole microseconds from 0001-01-01T00:00, which go on past either end of the calendar. The
# Gregorian calendar repeats every 400 years (146,097 days), so a time near or past an end is read on the
# calendar (and a zone's rules: its first offset before year 1, its lasting rules after 9999) 400 years
# at a time nearer the middle.
_DAY = 86_400_000_000
_CYCLE = 146_097 * _DAY
_MAX = (datetime.max - datetime.min) // EPSILON
_SAFE_LOW = (datetime(2, 1, 1) - datetime.min) // EPSILON
_SAFE_HIGH = (datetime(9998, 1, 1) - datetime.min) // EPSILON


def to_instant(value: datetime) -> int:
    """A time (naive UTC; an aware one is converted) as whole microseconds from 0001-01-01T00:00."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return (value - datetime.min) // EPSILON


def _from_instant(instant: int) -> datetime:
    if not 0 <= instant <= _MAX:
        raise OverflowError("date out of range")
    return datetime.min + timedelta(microseconds=instant)


def _folded(instant: int) -> tuple[datetime, int]:
    """``instant`` moved by whole 400-year cycles to a time at least a year inside the calendar, and the
    cycles it was moved by (``instant`` is the time plus that many cycles)."""
    cycles = 0
    if instant < _SAFE_LOW:
        cycles = -((_SAFE_LOW - instant + _CYCLE - 1) // _CYCLE)
    elif instant >= _SAFE_HIGH:
        cycles = (instant - _SAFE_HIGH) // _CYCLE + 1
    return datetime.min + timedelta(microseconds=instant - cycles * _CYCLE), cycles


def _offset(instant: int, zone: tzinfo) -> int:
    """The offset of ``zone``'s clock from UTC at a UTC instant, in microseconds."""
    moment, _ = _folded(instant)
    offset = moment.replace(tzinfo=UTC).astimezone(zone).utcoffset()
    return 0 if offset is None else offset // EPSILON


def _wall_to_instant(wall: int, zone: tzinfo, preferred: int) -> int:
    """A wall time on ``zone``'s clock as a UTC instant: where it occurs twice, at the ``preferred``
    offset if that is one of its two, else the earlier; where it is skipped, with the offset before the
    change (so it moves on by the change's length), as ``java.time`` resolves a local time."""
    moment, _ = _folded(wall)
    offsets = []
    for fold in (0, 1):
        offset = moment.replace(tzinfo=zone, fold=fold).utcoffset()
        offsets.append(0 if offset is None else offset // EPSILON)
    valid = [o for o in offsets if _offset(wall - o, zone) == o]
    if preferred in valid:
        return wall - preferred
    return wall - (valid[0] if valid else offsets[0])


def _add_months(wall: int, months: int) -> int:
    """``wall`` moved by calendar months, the day clamped to the month's length."""
    moment, cycles = _folded(wall)
    year, month = divmod(moment.year * 12 + moment.month - 1 + months, 12)
    extra = 0
    if year < 2:
        extra = -((2 - year + 399) // 400)
    elif year > 9998:
        extra = (year - 9998 + 399) // 400
    year -= 400 * extra
    moved = moment.replace(year=year, month=month + 1, day=min(moment.day, calendar.monthrange(year, month + 1)[1]))
    return to_instant(moved) + (cycles + extra) * _CYCLE


def shift_instant(
    instant: int, *, months: int = 0, days: int = 0, seconds: float = 0.0, zone: tzinfo | None = None
) -> int:
    """An instant (:func:`to_instant`) moved by calendar ``months``, then calendar ``days`` on ``zone``'s
    clock (``None``: UTC), then exact ``seconds``; the result may lie past either end of the calendar."""
    if zone is None:
        if months:
            instant = _add_months(instant, months)
        instant += days * _DAY
        return instant + round(seconds * 1_000_000)
    return _zoned_shift(instant, months, days, seconds, zone)


@lru_cache(maxsize=16_384)
def _zoned_shift(instant: int, months: int, days: int, seconds: float, zone: tzinfo) -> int:
    # cached: a join shifts the same time once per pair, and a zone's rules cost microseconds a look-up
    if months or days:
        offset = _offset(instant, zone)
        if months:  # the months, then the days, each resolved on the clock (a duration's order in Cypher)
            instant = _on_clock(_add_months(instant + offset, months), zone, offset)
        if days:
            if months:
                offset = _offset(instant, zone)
            instant = _on_clock(instant + offset + days * _DAY, zone, offset)
    return instant + round(seconds * 1_000_000)


def _on_clock(wall: int, zone: tzinfo, offset: int) -> int:
    """A wall time as an instant, at ``offset`` when the clock has that offset there (the usual case:
    no change of the clock between), else as :func:`_wall_to_instant` resolves it."""
    moved = wall - offset
    if _offset(moved, zone) == offset:
        return moved
    return _wall_to_instant(wall, zone, offset)


def interval_of(value: datetime | date, zone: tzinfo | None = None) -> tuple[datetime, datetime]:
    """The interval of a bound parameter: a ``date`` is its day (on ``zone``'s clock, see
    :func:`graphmem.dates.zone_named`), a ``datetime`` a moment (naive: UTC, as the stores keep times)."""
    if isinstance(value, datetime):
        moment = naive_utc(value)
        return moment, grain_end(moment, "moment")
    start = datetime(value.year, value.month, value.day)
    return local_to_utc(start, zone), local_to_utc(grain_end(start, "day"), zone)
