"""Calendar arithmetic for time resolution: the periods phrases name, and their parts.

:mod:`graphmem.extract.times` reads a phrase ("the end of February", "last summer", "two weeks ago");
this module does the calendar work once the phrase is read: the calendar week, month or year holding a
day, a day shifted by whole units, a season's months, a holiday's day, and the part of a period
("early", "the end of", "the first half of", "the first week of"), and the part of a week, month or
year after or before a time talked of ("later that month").

**Parts of a period.** The period is cut into the part in whole units one size down:

| period | early / beginning / start | mid / middle | late / end | grain |
|---|---|---|---|---|
| a month | days 1-10 | days 11-20 | day 21 to its last day | day |
| a year | January-April | May-August | September-December | month |
| a season (three months) | its first month | its second | its third | month |
| a decade | its years 0-2 | 3-6 | 7-9 | year |
| a week | Monday-Tuesday | Wednesday-Friday | Saturday-Sunday | day |

A half is the first or second half in the same units (a month: days 1-15 and 16 to its end, February
1-14 and 15 to its end); "the first (second, third, fourth) week of" a month or year is its days 1-7
(8-14, ...), "the last week of" its last seven days (grain ``week``). A part of a day is the day
("late last night").

**Seasons** follow the northern-hemisphere meteorological convention: spring is March-May, summer
June-August, autumn (fall) September-November and winter December-February (the winter of a year
starts in its December).

**The calendar's edges.** A day moved past the calendar (before year 1 or after 9999: "65000000 years
ago", "the next 9000 years") is ``None`` (:func:`shift`): such a phrase names no time this module can
hold, and the resolver leaves it unresolved.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, datetime, timedelta

__all__ = [
    "HOLIDAYS",
    "Part",
    "Period",
    "add_months",
    "after_or_before",
    "cut",
    "day",
    "guarded",
    "interval",
    "nearest_part",
    "season",
    "shift",
    "shifted_interval",
]

#: A resolved period: ``(start inclusive, end exclusive, grain)``.
Period = tuple[datetime, datetime, str]

_SEASON_START = {"spring": 3, "summer": 6, "fall": 9, "autumn": 9, "winter": 12}


@dataclass(frozen=True, slots=True)
class Part:
    """A part of a period.

    Attributes:
        kind: ``"third"`` (early, mid, late), ``"half"`` or ``"week"``.
        index: the third (0-2), the half (0-1) or the week (0-3, or -1 for the last).
    """

    kind: str
    index: int


def day(d: date) -> datetime:
    """Midnight at the start of ``d``."""
    return datetime(d.year, d.month, d.day)


def add_months(d: date, months: int) -> date:
    """The first day of the month ``months`` after the one holding ``d`` (``ValueError`` past the calendar's
    edges: :func:`shift` is the one for a phrase's number of months)."""
    total = d.year * 12 + d.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


def interval(anchor: date, grain: str) -> tuple[datetime, datetime]:
    """The calendar interval of ``grain`` (a Monday-to-Sunday week, a month, a year, else a day) that
    contains ``anchor``."""
    if grain == "week":
        monday = anchor - timedelta(days=anchor.weekday())
        return day(monday), day(monday + timedelta(days=7))
    if grain == "month":
        first = anchor.replace(day=1)
        return day(first), day(add_months(first, 1))
    if grain == "year":
        return datetime(anchor.year, 1, 1), datetime(anchor.year + 1, 1, 1)
    return day(anchor), day(anchor + timedelta(days=1))


def shift(anchor: date, unit: str, n: int) -> date | None:
    """``anchor`` moved ``n`` days, weeks, months or years (a day past a shorter month's end is its last);
    ``None`` when that is outside the calendar (years 1 to 9999)."""
    try:
        if unit == "day":
            return anchor + timedelta(days=n)
        if unit == "week":
            return anchor + timedelta(weeks=n)
        if unit == "month":
            year, month = divmod(anchor.year * 12 + anchor.month - 1 + n, 12)
            if not MINYEAR <= year <= MAXYEAR:
                return None
            return date(year, month + 1, min(anchor.day, calendar.monthrange(year, month + 1)[1]))
    except OverflowError:  # timedelta or date arithmetic past its range
        return None
    year = anchor.year + n
    if not MINYEAR <= year <= MAXYEAR:
        return None
    last = 28 if anchor.month == 2 and anchor.day == 29 and not calendar.isleap(year) else anchor.day
    return anchor.replace(year=year, day=last)


def shifted_interval(anchor: date, unit: str, n: int) -> tuple[datetime, datetime] | None:
    """The calendar day, week, month or year (``unit``) ``n`` of them from the one holding ``anchor``
    ("three months ago": ``n`` = -3); ``None`` past the calendar's edges ("65000000 years ago")."""
    moved = shift(anchor, unit, n)
    if moved is None:
        return None
    try:
        return interval(moved, unit)
    except ValueError:  # the month or year holding 31 December 9999 ends past the calendar
        return None


def season(name: str, year: int) -> tuple[date, date]:
    """The first day of the season ``name`` of ``year`` and the first day after it (see the module docs)."""
    start = date(year, _SEASON_START[name], 1)
    return start, add_months(start, 3)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


#: Holidays by name (lower case): the day of each in a given year (US dates for the movable ones).
HOLIDAYS: dict[str, Callable[[int], date]] = {
    "christmas": lambda y: date(y, 12, 25),
    "christmas day": lambda y: date(y, 12, 25),
    "christmas eve": lambda y: date(y, 12, 24),
    "new year's eve": lambda y: date(y, 12, 31),
    "new years eve": lambda y: date(y, 12, 31),
    "new year's day": lambda y: date(y, 1, 1),
    "new year's": lambda y: date(y, 1, 1),
    "new year": lambda y: date(y, 1, 1),
    "halloween": lambda y: date(y, 10, 31),
    "valentine's day": lambda y: date(y, 2, 14),
    "valentines day": lambda y: date(y, 2, 14),
    "independence day": lambda y: date(y, 7, 4),
    "the fourth of july": lambda y: date(y, 7, 4),
    "fourth of july": lambda y: date(y, 7, 4),
    "thanksgiving": lambda y: _nth_weekday(y, 11, 3, 4),
    "mother's day": lambda y: _nth_weekday(y, 5, 6, 2),
    "father's day": lambda y: _nth_weekday(y, 6, 6, 3),
}


def _units(start: datetime, end: datetime, grain: str) -> tuple[str, int] | None:
    """The unit one size down a period of ``grain`` is cut in, and how many of them it holds."""
    if grain == "year":
        years = end.year - start.year
        return ("month", 12) if years == 1 else ("year", years)
    if grain == "month":
        months = (end.year - start.year) * 12 + end.month - start.month
        return ("day", (end - start).days) if months == 1 else ("month", months)
    if grain == "week":
        return "day", (end - start).days
    return None


def _step(start: datetime, unit: str, n: int) -> datetime:
    if unit == "day":
        return start + timedelta(days=n)
    if unit == "month":
        return day(add_months(start.date(), n))
    return start.replace(year=start.year + n)


def cut(whole: Period, part: Part) -> Period | None:
    """The ``part`` of the period ``whole`` (see the module docs), or ``None`` when it has no such part
    (the first week of a decade)."""
    start, end, grain = whole
    if grain in ("day", "time"):
        return whole  # "late last night": the day
    units = _units(start, end, grain)
    if units is None:
        return None
    unit, n = units
    if part.kind == "week":
        if unit != "day" and grain != "year":
            return None
        if part.index < 0:
            return end - timedelta(days=7), end, "week"
        first = start + timedelta(weeks=part.index)
        return first, first + timedelta(days=7), "week"
    if part.kind == "half":
        middle = _step(start, unit, n // 2)
        return (start, middle, unit) if part.index == 0 else (middle, end, unit)
    if unit == "day" and grain == "month":
        cuts = (0, 10, 20, n)  # a month's thirds are the usual ten-day ones, the last one taking the rest
    else:
        k = max(1, round(n / 3))
        cuts = (0, k, n - k, n)
    return _step(start, unit, cuts[part.index]), _step(start, unit, cuts[part.index + 1]), unit


def nearest_part(whole: Period, part: Part, reference: datetime, prefer: str) -> Period | None:
    """The ``part`` of a period named without its year (``whole`` is one occurrence of it) nearest
    ``reference`` in the direction of ``prefer``: of the parts of the period a year before, the same
    year and a year after, the earliest ending after the reference (``"future"``), or the latest starting
    at or before it (``"past"``)."""
    parts = []
    for years in (-1, 0, 1):
        start, end = (shift(t.date(), "year", years) for t in whole[:2])
        if start is None or end is None:
            continue  # a year past the calendar's edge
        found = cut((day(start), day(end), whole[2]), part)
        if found is not None:
            parts.append(found)
    if prefer == "future":
        ahead = [p for p in parts if p[1] > reference]
        return min(ahead) if ahead else None
    back = [p for p in parts if p[0] <= reference]
    return max(back) if back else None


def after_or_before(antecedent: Period, unit: str, *, later: bool) -> Period | None:
    """Of the week, month or year (``unit``) holding the start of ``antecedent``, the part after it
    (``later``: "later that month") or before it ("earlier that month"); the whole unit when the
    antecedent is that unit. ``None`` when the antecedent is longer than the unit ("in 2023", "last
    summer", "the first half of the year" ... "later that month" does not say which month), and when
    nothing of the unit lies on that side of it ("on 1 January ... earlier that year")."""
    a_start, a_end, _ = antecedent
    whole_start, whole_end = interval(a_start.date(), unit)
    if a_end - a_start > whole_end - whole_start:
        return None  # lengths, not grains: a season or a half year has a month grain
    if a_start <= whole_start and a_end >= whole_end:
        return whole_start, whole_end, unit
    start, end = (min(a_end, whole_end), whole_end) if later else (whole_start, max(a_start, whole_start))
    if start >= end:
        return None
    return start, end, "day"


def guarded(resolve: Callable[[], Period | None]) -> Period | None:
    """``resolve()``, or ``None`` when its calendar arithmetic leaves the calendar: a phrase whose time
    cannot be held ("65000000 years ago", "December 9999" read to its end) is unresolved, never an error
    that loses the turn."""
    try:
        return resolve()
    except (ValueError, OverflowError):
        return None
