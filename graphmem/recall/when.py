"""The date a question names: "What did Melanie do on 20 May 2023?", "Where did she go last summer?".

:func:`asked_window` finds the time phrases of a question with a few patterns of English date
expressions (a day and month with or without a year, a month and year, a year after a preposition,
"last"/"this"/"next" with a unit, season, month or weekday, "on" and a weekday, "N units ago",
"yesterday") and resolves the longest one with the ingest resolver (:mod:`graphmem.extract.times`) against
the moment the question is asked, pointing back: "on Tuesday" is the latest Tuesday before the day it is
asked (asked on a Tuesday, the one a week before), as a turn's "on Tuesday" told in the past is read.
Ranking then lifts the candidates whose happened-or-said time lies in that interval
(:mod:`graphmem.recall.rank`); it does not filter, since a question's date may be worded loosely.
:func:`window_share` says how much of a candidate lies in that interval: a turn said in it, or a time it
tells of that lies at least half in it, gets the whole lift; a time mostly outside it gets the share of
its span inside (a year-long "last year" asked about June keeps a twelfth), so a narrow time inside the
asked date is not outranked by a wide one that merely overlaps it. Every time a turn tells of counts: a
turn that names the asked date beside a narrower one is in it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo

from graphmem.dates import utc_to_local
from graphmem.extract.times import resolve_time, to_utc
from graphmem.models import Event, TimeRef
from graphmem.recall.hit import AskedDate

__all__ = ["asked_date", "asked_in_window", "asked_window", "window_share"]

_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december|"
    r"jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
)
_YEAR = r"(?:19|20)\d\d"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_UNIT = r"(?:days?|weeks?|weekends?|months?|years?)"
_SEASON = r"(?:spring|summer|fall|autumn|winter)"
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_NUMBER = r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|a few|a couple of)"
_PATTERNS = [
    rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s*{_YEAR})?\b",
    rf"\b{_MONTH}\s+{_DAY}(?:,?\s*{_YEAR})?\b",
    r"\b\d{4}-\d\d-\d\d\b",
    rf"\b{_MONTH},?\s+{_YEAR}\b",
    rf"\b(?:the\s+)?{_SEASON}\s+(?:of\s+)?{_YEAR}\b",
    rf"\b(?:in|during|since|of|by)\s+(?:the\s+year\s+)?{_YEAR}\b",
    rf"\b(?:in|during)\s+{_MONTH}(?:,?\s+{_YEAR})?\b",
    rf"\b(?:last|this|next|this past|the past)\s+(?:{_UNIT}|{_SEASON}|{_MONTH}|{_WEEKDAY})\b",
    # "on Monday last week": that week's Monday (see _WEEK_DAY)
    rf"\bon\s+{_WEEKDAY}\s+(?:of\s+)?(?:last|this|next)\s+week\b",
    # "on Monday": the resolver reads it as a turn pointing back is read, the latest Monday before the day.
    # Not when a date follows ("on Monday 3 March": the date names the day) nor a plural part of the day
    # ("on Monday mornings" is a habit, as "on Mondays" is).
    rf"\bon\s+{_WEEKDAY}\b(?!,?\s+(?:the\s+)?(?:{_DAY}\s+(?:of\s+)?{_MONTH}|{_MONTH}\s+{_DAY}|\d{{4}}-)"
    r"|\s+(?:mornings|afternoons|evenings|nights)\b)",
    rf"\b{_NUMBER}\s+{_UNIT}\s+ago\b",
    r"\b(?:the\s+day\s+before\s+yesterday|yesterday|today|tonight|tomorrow|last\s+night)\b",
]
_FINDER = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE)
_WEEK_DAY = re.compile(rf"^on\s+({_WEEKDAY})\s+(?:of\s+)?((?:last|this|next)\s+week)$", re.IGNORECASE)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# "may" is a month only when capitalised or beside a day or year ("you may go" is not)
_BARE_MAY = re.compile(r"^(?:in|during)\s+may$")


def asked_window(question: str, reference: datetime | None, zone: tzinfo | None = None) -> TimeRef | None:
    """The interval the question's date denotes, or ``None`` when it names none (or none resolves).

    Args:
        question: the question text.
        reference: when it is asked, naive UTC (relative dates are read against it); absolute dates need none.
        zone: the asker's clock: "yesterday" and "20 May" are days on it (``None``: UTC).
    """
    if zone is not None:
        local = utc_to_local(reference, zone) if reference is not None else None
        window = asked_window(question, local)
        return None if window is None else to_utc(window, zone)
    found: list[TimeRef] = []
    for match in _FINDER.finditer(question):
        phrase = match.group(0)
        if _BARE_MAY.match(phrase.lower()) and "May" not in phrase:
            continue
        ref = _resolve(phrase, reference)
        if ref.start is not None:
            found.append(ref)
    if not found:
        return None
    return max(found, key=lambda r: len(r.phrase))


def _resolve(phrase: str, reference: datetime | None) -> TimeRef:
    """The phrase's interval; "on Monday last week" is that week's Monday (the resolver reads no such day)."""
    week_day = _WEEK_DAY.match(phrase)
    if week_day is None:
        return resolve_time(phrase, reference, prefer="past")
    week = resolve_time(week_day.group(2), reference, prefer="past")
    if week.start is None:
        return week
    day = week.start + timedelta(days=_WEEKDAYS.index(week_day.group(1).lower()) - week.start.weekday())
    return TimeRef(phrase=phrase, start=day, end=day + timedelta(days=1), grain="day")


def asked_date(question: str, reference: datetime, zone: tzinfo | None = None) -> AskedDate | None:
    """:func:`asked_window` with what recall's explanation shows: the phrase, its interval, and the
    moment it was read against (``None`` when the phrase names its date alone, as "20 May 2023" does)."""
    window = asked_window(question, reference, zone)
    if window is None or window.start is None:
        return None
    end = window.end if window.end is not None and window.end > window.start else window.start
    # read against a moment years apart: a phrase that names its date alone resolves the same
    other = asked_window(window.phrase, _years_away(reference), zone)
    relative = other is None or (other.start, other.end) != (window.start, window.end)
    return AskedDate(window.phrase, window.start, end, reference if relative else None)


def asked_in_window(
    question: str,
    reference: datetime,
    since: datetime | None,
    until: datetime | None,
    zone: tzinfo | None = None,
) -> AskedDate | None:
    """:func:`asked_date`, read with the caller's own window in view.

    A date that names no year ("in April", "last week") read against ``reference`` can fall wholly outside
    the ``since``..``until`` window the caller asked for ("What happened in April?" bounded to 2025, asked
    in 2026): then the reading against the window's end is taken instead, when that one meets the window.
    A phrase that names its year, or still misses the window read so, keeps its first reading (the
    explanation then says it is outside). Dates are read on ``zone``'s clock."""
    asked = asked_date(question, reference, zone)
    if asked is None or until is None or _meets(asked, since, until):
        return asked
    again = asked_date(question, until, zone)
    return again if again is not None and _meets(again, since, until) else asked


def _meets(asked: AskedDate, since: datetime | None, until: datetime | None) -> bool:
    """Whether the asked interval (``end`` exclusive) overlaps ``since``..``until`` (both inclusive)."""
    return (until is None or asked.start <= until) and (since is None or asked.end > since or asked.start >= since)


def _years_away(when: datetime) -> datetime:
    away = timedelta(days=7 * 365 + 3)
    return when - away if when.year > 100 else when + away


def window_share(event: Event, window: TimeRef | AskedDate) -> float:
    """How much of the event lies in ``window`` (``end`` exclusive), from 0 to 1.

    1 when it was said in the window or at least half of a time it tells of lies in it; for a time
    mostly outside the window, the share of its span inside it; 0 when none touches it. Every resolved
    time of the turn counts, not only the narrowest (:attr:`~graphmem.models.Event.happened`): "I moved to
    Leeds in 2019, and last week I started a pottery class" is in 2019 as much as in last week.
    """
    start = window.start
    if start is None:
        return 0.0
    end = window.end if window.end is not None and window.end > start else start
    said = event.occurred_at
    if said is not None and (start <= said < end or said == start):
        return 1.0
    spans = [_span(t) for t in event.times if t.start is not None]
    if not spans and event.happened is not None:
        spans = [event.happened]
    return max((_share(a, b, start, end) for a, b in spans), default=0.0)


def _span(ref: TimeRef) -> tuple[datetime, datetime]:
    assert ref.start is not None
    return ref.start, ref.end if ref.end is not None and ref.end > ref.start else ref.start


def _share(a: datetime, b: datetime, start: datetime, end: datetime) -> float:
    """How much of the time ``a``..``b`` lies in ``start``..``end`` (see :func:`window_share`)."""
    if b <= a:  # a moment
        return 1.0 if (start <= a < end or a == start) else 0.0
    inside = min(b, end) - max(a, start)
    if inside.total_seconds() <= 0:
        return 1.0 if end == start and a <= start < b else 0.0
    # at least half inside ("last weekend" asked about its Saturday) is in it; a time mostly outside
    # ("last year" asked about June) keeps the share of its span that lies inside
    return 1.0 if inside * 2 >= b - a else inside / (b - a)
