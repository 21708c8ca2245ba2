"""Times in inputs: session dates written by people, machine timestamps, and the range a time must lie in.

Every reader dates its turns through :func:`parse_date_text` and :func:`parse_timestamp`, and compares
times through :func:`naive_utc`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any

from graphmem.date_order import ordered, the_order
from graphmem.dates import CalendarDay, clock_with_colons, local_to_utc
from graphmem.errors import IngestError

__all__ = [
    "EARLIEST",
    "LATEST",
    "looks_dated",
    "naive_utc",
    "named_zone",
    "parse_date_text",
    "parse_timestamp",
    "utc_on_clock",
]

#: The range a time's UTC value must lie in (later arithmetic on times near the calendar's ends overflows).
EARLIEST = datetime(100, 1, 1)
LATEST = datetime(9900, 1, 1)
_LOCOMO_DATE = "%I:%M %p on %d %B, %Y"
# An IANA zone name ending a timestamp ("Europe/Berlin", "America/Argentina/Buenos_Aires"; RFC 9557 puts it
# in brackets after the offset)
_ZONE_NAME = re.compile(r"(?:\s+|(?<=\d)(?=\[))\[?([A-Z][A-Za-z_]+(?:/[A-Za-z0-9_+-]+)+)\]?\s*$")
# A year-first date with "/", "." or "-" and one-digit parts ("2024/3/5 10:00"): read as ISO 8601 once
# written "2024-03-05"
_YEAR_FIRST = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?=$|[T ,(])")
# Text that starts as an ISO 8601 date (a year, "-" and a digit): only a valid ISO date is one
_ISO_SHAPED = re.compile(r"^[+-]?\d{4}-\d")
_ISO_DATE = re.compile(r"^(\d{4})-(\d\d)-(\d\d)(?=$|[T ,(])")
# Text that gives a clock time, not a day alone: "10:30", "3 pm", "2024-03-05T00", "noon", "00.00" (not the
# parts of a dotted date: "2024.03.05", "05.03.2024"), "00h00", "0h", an ISO date's "0000", a dotted clock
# with seconds after a year-first date ("2024-03-05 00.00.00")
_CLOCK_TIME = re.compile(
    r"\d\s*:\s*\d|\d\s*[ap]\.?\s*m\b|\dT\d|\b(?:noon|midnight)\b"
    r"|(?<![\d.])\d{1,2}\.\d\d(?![\d.])|\b\d{1,2}\s*h(?:\s*\d\d)?\b|^\d{4}-\d\d-\d\d[ T]\d{4}\b"
    r"|^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}[ T]\d{1,2}\.\d\d\.\d\d\b",
    re.IGNORECASE,
)
_DATE_FORMATS = (
    _LOCOMO_DATE,
    "%d %B %Y",
    "%d %B, %Y",
    "%B %d, %Y",
    "%B %d %Y",
    "%d %b %Y",
    "%b %d, %Y",
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%d %B %Y, %H:%M",
    "%d %B %Y %H:%M",
    "%d %B %Y, %I:%M %p",
    "%d %B %Y %I:%M %p",
)


def naive_utc(value: datetime) -> datetime:
    """``value`` as naive UTC (an aware time is converted; a naive one is returned as is).

    The readers keep a timestamp's offset (so relative dates resolve against the speaker's wall clock)
    and compare or sort times through this key, since naive and aware values cannot be compared. The
    readers refuse times whose UTC value falls outside :data:`EARLIEST` .. :data:`LATEST` (see
    :func:`parse_timestamp`), so the conversion cannot overflow here.
    """
    if value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def utc_on_clock(value: datetime, zone: tzinfo | None) -> datetime:
    """``value`` as naive UTC as a memory on ``zone``'s clock reads it: a date alone (a
    :class:`~graphmem.dates.CalendarDay`) is the start of that day on ``zone``'s calendar, any other time as
    :func:`naive_utc` gives it. The readers group and order times through this key, so a date alone sits
    among clock times where the memory will store it (as messages added live do)."""
    if isinstance(value, CalendarDay) and value.tzinfo is None:
        return local_to_utc(value.plain(), zone)
    return naive_utc(value)


def _in_range(value: datetime) -> bool:
    """Whether ``value``'s UTC time lies within :data:`EARLIEST` .. :data:`LATEST`.

    ``9999-12-31T23:30-05:00`` has no UTC time at all; a time near the ends of the calendar would
    overflow later, when turn offsets are added or a relative phrase ("next year") is resolved.
    """
    if value.tzinfo is not None:
        try:
            value = value.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:
            return False
    return EARLIEST <= value < LATEST


_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATED = re.compile(
    rf"\b(?:19|20)\d\d\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?!\w)|\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b",
    re.IGNORECASE,
)


def looks_dated(text: str) -> bool:
    """Whether a session header's text means to give a date: it names a plausible year (1900 to 2099,
    ``31 February 2024``) or a month with a day (``31 Feb``, ``February 30th``).

    A title without one (``Book club, chapter 3``, ``Ticket 4521``, ``room 1204``) is not a date that
    failed to parse.
    """
    return _DATED.search(text) is not None


def parse_date_text(text: str) -> datetime | None:
    """Parse a human-written session date (``"14 March 2024"``, LoCoMo's ``"1:56 pm on 8 May, 2023"``).

    Known layouts are tried first, then ``dateparser`` insisting on a year, a month and a day, so a
    relative phrase such as ``"yesterday"`` is never resolved against today, nor ``"2024"`` completed
    from it; an invalid year-first date (``"2024-13-01"``) is never read another way. Returns ``None``
    when nothing parses; the caller keeps the text. ISO 8601 text with an offset
    (``"2024-09-07T00:30:00+02:00"``) stays aware, so the speaker's local wall time is kept; the store
    converts it to naive UTC. A date outside :data:`EARLIEST` .. :data:`LATEST` counts as unparsed. A
    date without a clock time or a zone (``"5 March 2024"``) is a :class:`~graphmem.dates.CalendarDay`: that
    day on the calendar of the memory that reads it.
    """
    parsed = _parse_date(text)
    return _day_alone(text, parsed) if parsed is not None and _in_range(parsed) else None


def _day_alone(text: str, parsed: datetime) -> datetime:
    """``parsed`` marked a :class:`~graphmem.dates.CalendarDay` when ``text`` names a day alone (no clock time,
    no offset or zone), else as it is."""
    if parsed.tzinfo is not None or parsed.time() != time() or _CLOCK_TIME.search(text):
        return parsed
    return CalendarDay.of(parsed)


def _parse_date(text: str) -> datetime | None:
    """The time ``text`` names, or ``None``: ISO 8601 (also with ``/`` or ``.`` between the year, month and
    day), a known layout, else ``dateparser`` when it names a year, a month and a day. Text shaped as a
    year-first date that is no valid one ("2024-13-01T10:00:00") is ``None``, never read another way
    (dateparser swaps its month and day), and a year or a month alone ("2024", "March 2024") names no
    day: dateparser would take the rest from today.

    A zone the text gives is kept: an offset (``+0200``, ``GMT+2``), an abbreviation dateparser knows
    (``PST``, ``CET``, ``UTC``) or an IANA name after the time (``2024-03-05 10:00 Europe/Berlin``, also in
    brackets as RFC 9557 writes it); an IANA name that is no known zone is read as any other text."""
    zone_name = _ZONE_NAME.search(text)
    if zone_name is not None and (zone := _zone(zone_name.group(1))) is not None:
        return _in_zone(text[: zone_name.start()], zone)
    cleaned = " ".join(text.replace("—", " ").replace("–", " ").split()).strip(" ,;:-")
    if not cleaned:
        return None
    ymd = _YEAR_FIRST.match(cleaned)
    if ymd is not None:  # "2024/3/5 10:00" is "2024-03-05 10:00"
        year, month, day_ = (int(part) for part in ymd.groups())
        cleaned = f"{year:04d}-{month:02d}-{day_:02d}{cleaned[ymd.end() :]}"
    else:  # "8/5/2023" in the order its input's dates show (graphmem.date_order)
        cleaned = ordered(cleaned, the_order())
    colons = clock_with_colons(cleaned)  # "2024-03-05 00.30" is half past midnight, not 300 ms after it
    if colons is None:
        return None  # "2024-03-05 14.5": an hour with a fraction, no time of day
    cleaned = colons
    try:
        return datetime.fromisoformat(cleaned)
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
    if not re.search(r"\b\d{4}\b", cleaned):
        return None
    leading = _ISO_DATE.match(cleaned)
    if leading is not None:  # "2024-03-05 3:05 pm": its date must be valid, and stay what it says
        try:
            said = date(*(int(part) for part in leading.groups()))
        except ValueError:
            return None
    elif _ISO_SHAPED.match(cleaned):
        return None  # "2024-05", "2024-1-2-3"
    import dateparser

    # aware when the text gives a zone ("Tue, 05 Mar 2024 10:00:00 +0200", "10:00 PST"), naive otherwise
    parsed: datetime | None = dateparser.parse(
        cleaned, languages=["en"], settings={"REQUIRE_PARTS": ["year", "month", "day"]}
    )
    if parsed is None or (leading is not None and parsed.date() != said):
        return None
    return parsed


def named_zone(text: str) -> tzinfo | None:
    """The IANA zone ``text`` ends in (``2024-03-31 10:00 Europe/Lisbon``, ``…[Europe/Lisbon]``), or ``None``."""
    found = _ZONE_NAME.search(text)
    return _zone(found.group(1)) if found is not None else None


def _zone(name: str) -> tzinfo | None:
    """The IANA zone ``name``, or ``None`` when there is none of that name."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _in_zone(text: str, zone: tzinfo) -> datetime | None:
    """The time ``text`` names, on the clock of ``zone`` unless the text gives its own offset."""
    parsed = _parse_date(text)
    if parsed is None or parsed.tzinfo is not None:
        return parsed
    try:
        return parsed.replace(tzinfo=zone)
    except (OverflowError, ValueError):
        return None


def parse_timestamp(value: Any, *, path: str, line: int | None = None, json_path: str | None = None) -> datetime:
    """Parse a machine timestamp: ISO 8601 text, epoch seconds (or milliseconds), or a dated phrase.

    Epoch numbers become naive UTC; text keeps its offset when it gives one (see :func:`parse_date_text`).
    A ``datetime`` (from a Python caller's message) is taken as it is; a ``date``, or text naming a day alone
    (``"2024-03-05"``), means its midnight, as a :class:`~graphmem.dates.CalendarDay`: that day on the calendar
    of the memory that reads it.

    Raises:
        IngestError: the value is not a time; the message quotes it.
    """
    if isinstance(value, bool):
        parsed = None
    elif isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = CalendarDay.of(value)
    elif isinstance(value, int | float):
        seconds = float(value) / 1000.0 if abs(value) > 1e11 else float(value)
        try:
            parsed = datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
        except (OverflowError, OSError, ValueError):
            parsed = None
    elif isinstance(value, str):
        parsed = _parse_date(value)
        parsed = _day_alone(value, parsed) if parsed is not None else None
    else:
        parsed = None
    if parsed is None:
        raise IngestError(f"not a timestamp: {value!r}", path=path, line=line, json_path=json_path)
    if not _in_range(parsed):
        raise IngestError(
            f"timestamp out of range: {value!r} (accepted: years {EARLIEST.year} to {LATEST.year - 1}, in UTC)",
            path=path,
            line=line,
            json_path=json_path,
        )
    return parsed
