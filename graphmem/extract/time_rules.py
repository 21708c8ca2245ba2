"""The rules of the time resolver (:mod:`graphmem.extract.times`) for phrases it reads without
``dateparser``: absolute years and decades (:func:`absolute`), and, against the day a phrase was said,
the day words ("yesterday", "tonight"), clock times ("3 pm"), "N units ago", "the past/next N units",
"last/this/next week", named months ("last March"), "the week before", weekends, seasons and holidays
(:data:`RELATIVE_RULES`, tried in order). Each rule gives ``(start, end, grain)``, ``None`` when the phrase
is not its kind, or :data:`~graphmem.extract.relative.UNRESOLVED` when it is but names no time.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from graphmem.extract.periods import HOLIDAYS, day, interval, season, shift, shifted_interval
from graphmem.extract.relative import UNRESOLVED as _UNRESOLVED
from graphmem.extract.relative import day_of_month

__all__ = ["NUMBERS", "NUMBER_WORD", "RELATIVE_RULES", "absolute", "number"]

NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
}  # fmt: skip
NUMBER_WORD = r"(\d+|" + "|".join(NUMBERS) + r")"
_AGO = re.compile(r"^" + NUMBER_WORD + r"\s+(day|week|weekend|month|year)s?\s+(?:ago|back|earlier)$")
_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december",
)  # fmt: skip
_MONTH_NUMBER = {name: i + 1 for i, name in enumerate(_MONTH_NAMES)} | {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10,
    "nov": 11, "dec": 12,
}  # fmt: skip
_NAMED_MONTH = re.compile(r"^(last|this|next|this past|past)\s+(" + "|".join(_MONTH_NUMBER) + r")$")
_PAST_SPAN = re.compile(r"^(?:the\s+)?(past|last)\s+(?:" + NUMBER_WORD + r"\s+)?(day|week|month|year)s?$")
_NEXT_SPAN = re.compile(r"^(?:the\s+)?(?:next|coming)\s+" + NUMBER_WORD + r"\s+(day|week|month|year)s?$")
# "last week", "this month", "next year": the calendar unit before, holding or after the reference
_CALENDAR_UNIT = re.compile(r"^(?:the\s+)?(last|this|next)\s+(week|month|year)$")
_BEFORE = re.compile(r"^the\s+(day|week|month|year)\s+before$|^the\s+(?:previous|prior)\s+(day|week|month|year)$")
_WEEKEND = re.compile(r"^(?:(last|this past|the past|past|this|next|the|over the)\s+)?weekend$")
_SEASON = re.compile(
    r"^(?:(last|this past|this|next|the|past)\s+)?(spring|summer|fall|autumn|winter)(?:\s+(?:of\s+)?((?:19|20)\d\d))?$"
)
_DECADE = re.compile(r"^(?:the\s+)?(?:(19|20)?(\d)0|'(\d)0)'?s$")
# Decades in words ("the nineties", "the mid-nineties"), by their digit; "the noughties" is the 2000s.
_DECADE_WORDS = {
    "twenties": "2", "thirties": "3", "forties": "4", "fifties": "5", "sixties": "6", "seventies": "7",
    "eighties": "8", "nineties": "9", "noughties": "0", "aughts": "0",
}  # fmt: skip
_DECADE_WORD = re.compile(r"^(?:the\s+)?(" + "|".join(_DECADE_WORDS) + r")$")
_CLOCK = re.compile(r"^(\d{1,2})(?::(\d\d))?\s*(am|pm|a\.m\.|p\.m\.|o'clock)?$")
_HOLIDAY = re.compile(r"^(?:(last|this|next|this past|past)\s+)?(.+?)(?:\s+((?:19|20)\d\d))?$")
_DAY_WORDS = {
    "today": 0, "tonight": 0, "this morning": 0, "this afternoon": 0, "this evening": 0, "now": 0,
    "right now": 0, "earlier today": 0, "later today": 0, "yesterday": -1, "last night": -1,
    "yesterday morning": -1, "yesterday afternoon": -1, "yesterday evening": -1, "the night before": -1,
    "the day before yesterday": -2, "tomorrow": 1, "tomorrow morning": 1, "tomorrow night": 1,
    "tomorrow evening": 1, "the day after tomorrow": 2,
}  # fmt: skip


def number(word: str | None) -> int | None:
    """The amount a number word or figure names (``None``, no word: one); ``None`` for a word it is not."""
    if word is None:
        return 1
    if word.isdigit():
        return int(word)
    return NUMBERS.get(word)


def absolute(text: str) -> tuple[datetime, datetime, str] | None:
    """The year or decade a phrase names on its own ("2022", "the 90s", "the nineties"), or ``None``."""
    m = re.fullmatch(r"(?:the\s+year\s+)?((?:19|20)\d\d)", text)
    if m:
        year = int(m.group(1))
        return datetime(year, 1, 1), datetime(year + 1, 1, 1), "year"
    m = _DECADE_WORD.match(text)
    if m:
        digit = _DECADE_WORDS[m.group(1)]
        start_year = int(f"{'19' if int(digit) >= 3 else '20'}{digit}0")
        return datetime(start_year, 1, 1), datetime(start_year + 10, 1, 1), "year"
    m = _DECADE.match(text)
    if m:
        century = m.group(1) or "19"
        digit = m.group(2) or m.group(3)
        if m.group(3) is not None or m.group(1) is None:
            century = "19" if int(digit) >= 3 else "20"
        start_year = int(f"{century}{digit}0")
        return datetime(start_year, 1, 1), datetime(start_year + 10, 1, 1), "year"
    return None


def _day_word(text: str, today: date, prefer: str) -> tuple[datetime, datetime, str] | None:
    offset = _DAY_WORDS.get(text)
    if offset is None:
        return None
    return (*interval(today + timedelta(days=offset), "day"), "day")


def _clock(text: str, today: date, prefer: str) -> tuple[datetime, datetime, str] | None:
    if text in ("noon", "midday"):
        at = day(today) + timedelta(hours=12)
        return at, at, "time"
    m = _CLOCK.match(text)
    if not m or m.group(3) is None:
        return None
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    suffix = m.group(3).replace(".", "")
    if hour > 12 or minute > 59:
        return None
    if suffix == "pm" and hour < 12:
        hour += 12
    elif suffix == "am" and hour == 12:
        hour = 0
    at = day(today) + timedelta(hours=hour, minutes=minute)
    return at, at, "time"


def _ago(text: str, today: date, prefer: str) -> tuple[datetime, datetime, str] | None:
    m = _AGO.match(text)
    if not m:
        return None
    n = number(m.group(1))
    if n is None:
        return None
    unit = m.group(2)
    if unit == "weekend":
        saturday = today - timedelta(days=(today.weekday() - 5) % 7 or 7) - timedelta(weeks=n - 1)
        if today.weekday() == 6:
            saturday -= timedelta(weeks=1)  # on a Sunday, "a weekend ago" is not this one
        return day(saturday), day(saturday + timedelta(days=2)), "day"
    found = shifted_interval(today, unit, -n)
    return (*found, unit) if found is not None else _UNRESOLVED


def _past_span(text: str, today: date, prefer: str) -> tuple[datetime, datetime, str] | None:
    m = _PAST_SPAN.match(text)
    if not m or (m.group(2) is None and text.startswith("last")):
        return None  # "last week" is a calendar week: dateparser's job
    if prefer == "future" and m.group(1) == "last":
        # "will join us for the last three days": the end of something ahead, not the days before now
        return _UNRESOLVED
    n = number(m.group(2))
    if n is None:
        return None
    unit = m.group(3)
    start = shift(today, unit, -n)
    return (day(start), day(today + timedelta(days=1)), unit) if start is not None else _UNRESOLVED


def _next_span(text: str, today: date, prefer: str) -> tuple[datetime, datetime, str] | None:
    m = _NEXT_SPAN.match(text)
    if not m:
        return None
    n = number(m.group(1))
    if n is None or prefer == "past":
        return _UNRESOLVED  # "I spent the next three days in bed": after a past event, not after now
    unit = m.group(2)
    end = shift(today, unit, n)
    return (day(today), day(end), unit) if end is not None else _UNRESOLVED


def _calendar_unit(text: str, today: date, prefer: str) -> tuple[datetime, datetime, str] | None:
    # What dateparser answers for these (the calendar week, month or year of the reference shifted
    # by one unit), without loading it: a question like "what did we discuss last week?" is common
    # and dateparser costs a one-shot CLI recall about 0.2 s of CPU (tests/extract/test_times_calendar.py).
    m = _CALENDAR_UNIT.match(text)
    if not m:
        return None
    unit = m.group(2)
    step = {"last": -1, "this": 0, "next": 1}[m.group(1)]
    found = shifted_interval(today, unit, step)
    return (*found, unit) if found is not None else _UNRESOLVED


def _named_month(text: str, today: date, prefer: str) -> tuple[datetime, datetime, str] | None:
    m = _NAMED_MONTH.match(text)
    if not m:
        return None
    which, month = m.group(1), _MONTH_NUMBER[m.group(2)]
    year = today.year
    if which == "this":
        pass
    elif which == "next":
        year += 1 if month <= today.month else 0
    else:  # last, this past, past: the latest such month that has ended
        year -= 1 if month >= today.month else 0
    return (*interval(date(year, month, 1), "month"), "month")


def _this_month(text: str, today: date, prefer: str) -> tuple[datetime, datetime, str] | None:
    # "I'm moving in December", said on 5 December: this December, which has not ended (dateparser
    # takes the next one)
    if prefer != "future" or _MONTH_NUMBER.get(text) != today.month:
        return None
    return (*interval(today, "month"), "month")


def _before(text: str, today: date, prefer: str) -> tuple[datetime, datetime, str] | None:
    m = _BEFORE.match(text)
    if not m:
        return None
    unit = m.group(1) or m.group(2)
    found = shifted_interval(today, unit, -1)
    return (*found, unit) if found is not None else _UNRESOLVED


def _weekend(text: str, today: date, prefer: str) -> tuple[datetime, datetime, str] | None:
    m = _WEEKEND.match(text)
    if not m:
        return None
    which = m.group(1) or "the"
    monday = today - timedelta(days=today.weekday())
    this_saturday = monday + timedelta(days=5)
    in_weekend = today.weekday() >= 5
    if which in ("this", "the", "over the"):
        upcoming = in_weekend or which == "this" or prefer == "future"
        saturday = this_saturday if upcoming else this_saturday - timedelta(days=7)
    elif which == "next":
        saturday = this_saturday + timedelta(days=7)
    else:  # last, this past, the past, past
        saturday = this_saturday - timedelta(days=7)
    return day(saturday), day(saturday + timedelta(days=2)), "day"


def _season(text: str, today: date, prefer: str) -> tuple[datetime, datetime, str] | None:
    m = _SEASON.match(text)
    if not m:
        return None
    which, name, year = m.group(1) or "the", m.group(2), m.group(3)
    if year is not None:
        start, end = season(name, int(year))
    else:
        # the season containing today, or else the latest one that started before today
        y = today.year
        start, end = season(name, y)
        while start > today:
            y -= 1
            start, end = season(name, y)
        current = end > today
        if which in ("last", "this past", "past") and current:
            start, end = season(name, y - 1)
        elif which == "next" or (not current and (which == "this" or (which == "the" and prefer == "future"))):
            start, end = season(name, y + 1)
    return day(start), day(end), "month"


def _holiday(text: str, today: date, prefer: str) -> tuple[datetime, datetime, str] | None:
    m = _HOLIDAY.match(text)
    if not m:
        return None
    which, name, year = m.group(1), m.group(2), m.group(3)
    make = HOLIDAYS.get(name)
    if make is None:
        return None
    if year is not None:
        day = make(int(year))
    elif which in ("this", "next") or (which is None and prefer == "future"):
        day = make(today.year)
        if day < today:
            day = make(today.year + 1)
    else:
        day = make(today.year)
        strictly_before = which is not None
        if day > today or (strictly_before and day == today):
            day = make(today.year - 1)
    return (*interval(day, "day"), "day")


#: The rules read against the day a phrase was said, in the order they are tried.
RELATIVE_RULES = (_day_word, _clock, _ago, _past_span, _next_span, _before, _weekend, _season, _holiday,
                  _named_month, _calendar_unit, _this_month, day_of_month)  # fmt: skip
