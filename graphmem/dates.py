"""Date text, read one way everywhere: the query language's date literals and date parameters, the CLI's
``--since``/``--until``/``--valid-at``/``--as-of`` and the MCP tools' date arguments.

:func:`parse_date_text` gives the interval ``[start, end)`` a text denotes (``2023`` the year, ``2023-06``
the month, ``8 May 2023`` the day, ``2023-06-01T14:30`` the minute; a zone, ``Z`` or ``+02:00``, is read
as UTC); :func:`parse_date_argument` the moment a date option means. Text without an offset is read on a
*clock*: UTC unless a zone is given (:func:`zone_named`; ``Memory.open(zone="Europe/Lisbon")``), so that
"2024-10-31" is the day on the user's calendar, by the zone's rules for that day (summer time included).
Both refuse text that is no date with one message (:data:`DATE_FORMS` names the forms), and a day its
month does not have with the month's days. Times are naive UTC, as the stores keep them. No import beyond
the standard library, so the CLI can read its options without loading the query language.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import TypeAlias

__all__ = [
    "DATE_FORMS",
    "EPSILON",
    "UTC_ZONE_NAMES",
    "CalendarDay",
    "DateTextError",
    "TimeArg",
    "add_months",
    "clock_with_colons",
    "grain_end",
    "is_utc",
    "local_span_to_utc",
    "local_to_utc",
    "parse_date_argument",
    "parse_date_text",
    "utc_to_local",
    "zone_label",
    "zone_named",
]

#: The length of a moment: a datetime ``t`` as an interval is ``[t, t + EPSILON)``.
EPSILON = timedelta(microseconds=1)

#: A time argument of the Python API (``Memory.recall(since=...)``, ``Memory.facts(valid_at=...)``): a
#: ``datetime`` (an aware one is read in UTC), a ``date``, or date text as the CLI's options take it
#: (``"2024-03"``, ``"March 2024"``, ``"2024-03-14T10:30+02:00"``), read by :func:`parse_date_argument`.
TimeArg: TypeAlias = datetime | date | str

#: The forms a date text takes, as error messages name them.
DATE_FORMS = "2024-05-01 (or 2024-05, 2024, 1 May 2024, 2024-05-01T14:30, 2024-05-01T14:30+02:00)"

_ISO = re.compile(
    r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?"
    r"\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?)?)?)?$"
)
# A clock written with dots after a date ("2024-03-05 14.05", "2024-03-05T00.30.15"): hours.minutes[.seconds],
# as British usage writes it. Python's ISO reader takes the ".05" of "14.05" for a fraction of a second.
_DOTTED_CLOCK = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2}[Tt ])(\d{1,2})\.(\d\d)(?:\.(\d\d))?(?![\d.,:])")
# An hour with a fraction and no minutes after a date ("2024-03-05 14.5", "2024-03-05T14,05"), which Python's
# ISO reader also takes for a fraction of a second
_HOUR_FRACTION = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}[Tt ]\d{1,2}[.,]\d")
_MONTH_NUMBERS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
_MONTH_WORD = "|".join(sorted(_MONTH_NUMBERS, key=len, reverse=True))
# a written day: "29 February 2023", "29 Feb, 2023", "February 29, 2023" (to say when the day does not exist)
_WRITTEN_DAY = (
    re.compile(rf"^(?P<day>\d{{1,2}})\s+(?P<month>{_MONTH_WORD})\.?,?\s+(?P<year>\d{{4}})$", re.IGNORECASE),
    re.compile(rf"^(?P<month>{_MONTH_WORD})\.?\s+(?P<day>\d{{1,2}}),?\s+(?P<year>\d{{4}})$", re.IGNORECASE),
)
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


class CalendarDay(datetime):
    """The midnight starting a day an input names by its date alone (``"2024-03-05"``, a ``## 5 March 2024``
    session header, a ``date``), as the readers (:mod:`graphmem.formats`) give it: naive, and the day of
    whatever calendar reads it. A memory's clock reads it as the start of that day on its own calendar
    (:func:`graphmem.extract.clocks.on_memory_clock`), where a time with a clock time but no offset is UTC.
    It is a ``datetime`` in every other way (equal, hashed and written alike), and the clock step turns it
    into a plain one (:meth:`plain`), so nothing after reading (extraction, the stores) sees the mark."""

    __slots__ = ()

    @classmethod
    def of(cls, value: date) -> CalendarDay:
        """The midnight starting ``value``'s day, marked as a day named alone."""
        return cls(value.year, value.month, value.day)

    def plain(self) -> datetime:
        """The same time as a plain ``datetime``."""
        return datetime.combine(self.date(), self.timetz())


class DateTextError(ValueError):
    """A date text that names no date; ``suggestion`` is a valid date close to it, when there is one."""

    def __init__(self, message: str, suggestion: str | None = None) -> None:
        super().__init__(message)
        self.suggestion = suggestion


def clock_with_colons(text: str) -> str | None:
    """``text`` with a clock written with dots after its date written with colons, as hours.minutes[.seconds]:
    ``2024-03-05 14.05`` is ``2024-03-05 14:05``, ``2024-03-05T00.30.15`` is ``2024-03-05T00:30:15`` (a
    fraction of a second follows seconds only: ``00:30:15.5``). ``None`` when the hour carries a fraction
    instead of minutes (``2024-03-05 14.5``, ``2024-03-05T14,05``): no time to read. Other text is returned
    as it is."""
    found = _DOTTED_CLOCK.match(text)
    if found is not None:
        day, hour, minute, second = found.groups()
        clock = f"{int(hour):02d}:{minute}" + (f":{second}" if second is not None else "")
        return f"{day}{clock}{text[found.end() :]}"
    return None if _HOUR_FRACTION.match(text) else text


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


#: The longest text read as a date (LoCoMo's ``1:56 pm on 8 May, 2023`` and ISO times with fractions and zones
#: are far shorter).
_LONGEST = 64


def zone_named(name: str | tzinfo | None) -> tzinfo | None:
    """The clock dates are read on: an IANA zone name (``"Europe/Lisbon"``, ``"America/New_York"``), a
    ``tzinfo``, ``"UTC"`` (:data:`datetime.UTC`, chosen: it goes over a default zone), or ``None`` (none
    chosen: UTC unless a default applies).

    Raises:
        DateTextError: ``name`` is no zone this machine knows, with a close name when there is one.
    """
    if name is None or isinstance(name, tzinfo):
        return name
    text = name.strip()
    if text.upper() in ("UTC", "Z", "GMT", "ETC/UTC"):
        return UTC
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    from difflib import get_close_matches

    close = get_close_matches(text, sorted(available_timezones()), n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise DateTextError(
        f"{text!r} is not a time zone{hint}: write an IANA name such as Europe/Lisbon or America/New_York, or UTC",
        close[0] if close else None,
    )


#: The IANA names of a clock that has always been UTC (GMT's are the same clock): ``UTC``, ``Etc/UTC``,
#: ``Etc/GMT``, ``GMT0``, ``Zulu``...
UTC_ZONE_NAMES = frozenset(
    f"{prefix}{name}"
    for prefix in ("", "Etc/")
    for name in ("UTC", "UCT", "Universal", "Zulu", "GMT", "GMT0", "GMT+0", "GMT-0", "Greenwich")
)


def is_utc(zone: tzinfo | None) -> bool:
    """Whether ``zone`` is UTC's clock: ``None``, :data:`datetime.UTC`, a fixed offset of zero, or an
    IANA name for UTC (``Etc/UTC``), so a query on it plans and runs as with no zone."""
    if zone is None or zone is UTC:
        return True
    if isinstance(zone, timezone):
        return zone.utcoffset(None) == timedelta(0)
    return getattr(zone, "key", None) in UTC_ZONE_NAMES


def zone_label(zone: tzinfo) -> str:
    """The name of a clock as the IANA database, Cypher and ``EXPLAIN`` write it: ``Europe/Berlin``,
    ``UTC``, or a fixed offset as ``+02:00``; another ``tzinfo`` by its ``str``."""
    if zone is UTC:
        return "UTC"
    key = getattr(zone, "key", None)  # a ZoneInfo
    if isinstance(key, str):
        return key
    if isinstance(zone, timezone):
        offset = zone.utcoffset(None)
        sign = "-" if offset < timedelta(0) else "+"
        minutes = abs(offset) // timedelta(minutes=1)
        return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    return str(zone)


def local_to_utc(value: datetime, zone: tzinfo | None) -> datetime:
    """A naive wall-clock time on ``zone``'s clock as naive UTC (by the zone's rules on that date; a time
    skipped when clocks go forward is read with the offset before the change). ``None``: ``value`` as it is.
    The ends of the calendar stay where they are."""
    if zone is None or value in (datetime.min, datetime.max):
        return value
    try:
        return value.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        return datetime.max if value.year > 1 else datetime.min


def local_span_to_utc(start: datetime, end: datetime | None, zone: tzinfo | None) -> tuple[datetime, datetime | None]:
    """The wall-clock interval ``[start, end)`` on ``zone``'s clock as naive UTC.

    The start is read as :func:`local_to_utc` reads it (a wall time that occurs twice, when clocks go
    back, is its first occurrence); the end on the offset the start was read with, while that offset still
    holds at the end, else by the zone's rules for the end's own date. So the minute 02:59 of the night
    clocks go back in Berlin is the minute from 00:59 UTC, not the 61 minutes to the 03:00 that follows
    both of its occurrences, while the day clocks go back has its 25 hours and a night across the change
    its extra hour. ``end`` ``None`` stays ``None``; the ends of the calendar stay where they are.
    """
    first = local_to_utc(start, zone)
    if end is None:
        return first, None
    if zone is None or datetime.min in (first, end) or datetime.max in (first, end):
        return first, local_to_utc(end, zone)
    offset = start.replace(tzinfo=zone).utcoffset()
    try:
        last = end - offset if offset is not None else end
        if last > first and (last - EPSILON).replace(tzinfo=UTC).astimezone(zone).utcoffset() == offset:
            return first, last
    except OverflowError:
        pass
    return first, local_to_utc(end, zone)


def utc_to_local(value: datetime, zone: tzinfo | None) -> datetime:
    """Naive UTC as a naive wall-clock time on ``zone``'s clock (the inverse of :func:`local_to_utc`)."""
    if zone is None or value in (datetime.min, datetime.max):
        return value
    try:
        return value.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)
    except OverflowError:
        return datetime.max if value.year > 1 else datetime.min


def parse_date_text(text: str, zone: tzinfo | None = None) -> tuple[datetime, datetime]:
    """The interval a date text denotes.

    Accepts ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``, ``YYYY-MM-DDTHH:MM[:SS[.ffffff]]`` (or a space for the
    ``T``), the same with a zone (``Z``, ``+02:00``: read as UTC, ``2024-04-10T22:01+02:00`` is the minute
    from 20:01 UTC), other ISO 8601 times (as moments) and written dates such as ``8 May 2023``,
    ``May 8, 2023``, ``May 2023`` or LoCoMo's ``1:56 pm on 8 May, 2023``. Text without its own offset is
    read on ``zone``'s clock (:func:`zone_named`): with ``Europe/Lisbon``, ``2024-07-01`` is the day from
    23:00 UTC on 30 June; without a zone, in UTC.

    Raises:
        DateTextError: with a message saying what is wrong with the text, and a close valid date
            when the day or month is past the end.
    """
    start, end, _grain = _read_date(text, zone)
    return start, end


def _read_date(text: str, zone: tzinfo | None = None) -> tuple[datetime, datetime, str]:
    """:func:`_read_wall` with a text that gives no offset read on ``zone``'s clock."""
    start, end, grain, own = _read_wall(text)
    if own or zone is None:
        return start, end, grain
    first, last = local_span_to_utc(start, end, zone)
    assert last is not None
    return first, last, grain


def _read_wall(text: str) -> tuple[datetime, datetime, str, bool]:
    """:func:`parse_date_text` with the grain of the text (``year``, ``month``, ``day``, ``minute``...) and
    whether the text gave its own offset (then the interval is UTC already)."""
    raw = text.strip()
    if len(raw) > _LONGEST:  # no date is this long; its error must not repeat all of it (MCP answers hold it)
        raise DateTextError(f"{raw[:40]!r}… ({len(raw)} characters) is not a date: write {DATE_FORMS}")
    iso = _colon_clock(raw)
    m = _ISO.match(iso)
    if m:
        year, month, day, hour, minute, second, fraction, zone = m.groups()
        y = int(year)
        if y < 1:
            raise DateTextError(f"{raw!r} is not a date: the year must be 1 or later")
        if month is None:
            start = datetime(y, 1, 1)
            return start, grain_end(start, "year"), "year", False
        mo = int(month)
        if not 1 <= mo <= 12:
            raise DateTextError(
                f"{raw!r} is not a date: the month must be 01 to 12", f"{y:04d}-12" if mo > 12 else None
            )
        if day is None:
            start = datetime(y, mo, 1)
            return start, grain_end(start, "month"), "month", False
        d = int(day)
        last = calendar.monthrange(y, mo)[1]
        if not 1 <= d <= last:
            raise DateTextError(
                f"{raw!r} is not a date: {calendar.month_name[mo]} {y} has days 01 to {last}",
                f"{y:04d}-{mo:02d}-{last:02d}" if d > last else None,
            )
        if hour is None:
            start = datetime(y, mo, d)
            return start, grain_end(start, "day"), "day", False
        h, mi, s = int(hour), int(minute), int(second or 0)
        if h > 23 or mi > 59 or s > 59:
            raise DateTextError(f"{raw!r} is not a time: use hours 00-23, minutes and seconds 00-59")
        start = datetime(y, mo, d, h, mi, s, int((fraction or "").ljust(6, "0") or 0))
        grain = "moment" if fraction is not None else "second" if second is not None else "minute"
        return (*_in_utc(raw, start, grain_end(start, grain), zone), grain, zone is not None)
    for fmt, grain in _FORMATS:
        try:
            start = datetime.strptime(raw, fmt)
        except ValueError:
            continue
        return start, grain_end(start, grain), grain, False
    _check_written_day(raw)
    try:  # other ISO 8601 text: a day (20240501), or the moment it names (2024-05-01T14, 20240501T1430+0200)
        day = date.fromisoformat(raw)
    except ValueError:
        pass
    else:
        start = datetime(day.year, day.month, day.day)
        return start, grain_end(start, "day"), "day", False
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        raise DateTextError(f"{raw!r} is not a date: write {DATE_FORMS}") from None
    naive = moment.replace(tzinfo=None)
    return (*_in_utc(raw, naive, grain_end(naive, "moment"), moment.tzinfo), "moment", moment.tzinfo is not None)


def _colon_clock(raw: str) -> str:
    """``raw`` with a dotted clock written with colons (:func:`clock_with_colons`).

    Raises:
        DateTextError: the hour carries a fraction instead of minutes (``2024-03-05 14.5``).
    """
    iso = clock_with_colons(raw)
    if iso is None:
        raise DateTextError(f"{raw!r} is not a time: write its minutes after a colon (or a dot): 14:05, 14.05")
    return iso


def parse_date_argument(text: str, *, until: bool = False, zone: tzinfo | None = None) -> datetime:
    """The moment a date argument names (``--since``, ``valid_at``): the start of the interval
    :func:`parse_date_text` reads, or with ``until`` (an inclusive upper bound: ``--until``, ``as_of``) the
    last microsecond of a date without a time of day (``2024-03`` keeps all of March), a time's own moment.
    Text without an offset is read on ``zone``'s clock, as :func:`parse_date_text` reads it.

    Raises:
        DateTextError: as :func:`parse_date_text`.
    """
    start, end, grain = _read_date(text, zone)
    if until and grain in ("year", "month", "day"):
        return end - EPSILON if end < datetime.max else end
    return start


def _in_utc(raw: str, start: datetime, end: datetime, zone: object) -> tuple[datetime, datetime]:
    """``start``/``end`` read in ``zone`` (``Z``, ``+02:00``, a tzinfo, or none: UTC already) as naive UTC."""
    if zone is None:
        return start, end
    if isinstance(zone, str):
        if zone in "Zz":
            return start, end
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:] or 0)
        if hours > 23 or minutes > 59:
            raise DateTextError(f"{raw!r} is not a time: its offset {zone} is not one (-23:59 to +23:59)")
        offset = sign * timedelta(hours=hours, minutes=minutes)
    else:
        assert isinstance(zone, tzinfo)
        offset = zone.utcoffset(None) or timedelta(0)
    try:
        return start - offset, end - offset
    except OverflowError:
        raise DateTextError(f"{raw!r} has no UTC time within the calendar") from None


def _check_written_day(raw: str) -> None:
    """Refuse a written day its month does not have (``29 February 2023``) as the ISO form is refused."""
    for pattern in _WRITTEN_DAY:
        found = pattern.match(raw)
        if found is None:
            continue
        year, month, day = int(found["year"]), _MONTH_NUMBERS[found["month"].lower()], int(found["day"])
        if year < 1:
            raise DateTextError(f"{raw!r} is not a date: the year must be 1 or later")
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            raise DateTextError(
                f"{raw!r} is not a date: {calendar.month_name[month]} {year} has days 01 to {last}",
                f"{last} {calendar.month_name[month]} {year}" if day > last else None,
            )
