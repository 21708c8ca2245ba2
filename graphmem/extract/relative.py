"""Time resolver rules for phrases counted from the telling that ``dateparser`` does not read.

- **A length ahead**: "in two weeks", "in 3 days", "in a week", "in two weeks' time", "in a couple of
  months" is the day that many units after the reference (said on Thursday 20 June 2024, "in two weeks"
  is Thursday 4 July). It points ahead whatever the tense, but with a past verb "in" is how long
  something took ("I read it in two days", "we built it in a week"), so a clause pointing back leaves it
  unresolved.
- **A day of the month without its month**: "on the 15th", "the 3rd of this month" is, of the months
  around the reference, the one a listener takes from the tense: pointing back, the latest such day on or
  before the reference (this month's 15th said on the 20th, last month's said on the 3rd); pointing
  ahead, the earliest on or after it (next month's 15th said on the 20th). A month without that day
  ("the 31st" in a 30-day month) is passed over for the next one that has it, in the same direction.
- **The same day, years or months off**: "one year ago today", "four years ago today", "a year from
  today", "three days from now", "(on) this day next year", "this day last month" name the day of the
  telling that many units back or ahead (a day, never the whole year). A 29 February counted to a year
  without one is the 28th ("four years ago today" said on 29 February 2024 is 29 February 2020; "one
  year ago today" is 28 February 2023; "this day next year" is 28 February 2025), as
  :func:`graphmem.extract.periods.shift` counts.
- **Words spelled short**: weekday abbreviations (Mon, Tue(s), Wed(s), Thu(r)(s), Fri, Sat, Sun) are
  read as the full names, and a fortnight as two weeks ("a fortnight ago", "in a fortnight", "for a
  fortnight", "the past fortnight"), before any rule or ``dateparser`` reads the phrase.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from graphmem.extract.periods import Period, interval, shift

__all__ = ["UNRESOLVED", "WEEKDAY_ABBREVIATIONS", "ahead", "day_of_month", "same_day", "spelled_out"]

# A rule's answer for "this phrase is mine and names no definite time": stop, do not ask dateparser.
UNRESOLVED: Period = (datetime.min, datetime.min, "unknown")

_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
}  # fmt: skip
_NUMBER = r"(\d+|" + "|".join(_NUMBERS) + r")"
# The one table of weekdays spelled short: :mod:`graphmem.extract.spans` finds them in a turn from it too
WEEKDAY_ABBREVIATIONS = {
    "mon": "monday", "tue": "tuesday", "tues": "tuesday", "wed": "wednesday", "weds": "wednesday",
    "thu": "thursday", "thur": "thursday", "thurs": "thursday", "fri": "friday", "sat": "saturday",
    "sun": "sunday",
}  # fmt: skip
_ABBREVIATION = re.compile(r"\b(" + "|".join(WEEKDAY_ABBREVIATIONS) + r")\b\.?")
_FORTNIGHTS = re.compile(r"\b" + _NUMBER + r"\s+fortnights?\b")
_FORTNIGHT = re.compile(r"\bfortnight\b")
# "in two weeks", "in about 3 days", "in a week's time", "in two weeks' time"
_AHEAD = re.compile(
    r"^in\s+(?:(?:about|around|roughly|approximately|just|only|another)\s+)?(?:a\s+)?couple(?:\s+of)?\s+"
    r"(day|week|month|year)s?(?:'s?)?(?:\s+time)?$"
    r"|^in\s+(?:(?:about|around|roughly|approximately|just|only|another)\s+)?"
    + _NUMBER
    + r"\s+(day|week|month|year)s?(?:'s?)?(?:\s+time)?$"
)
# "one year ago today", "a year from today", "on this day next year", "this day last month"
_SAME_DAY = re.compile(
    r"^(?:(?:a|" + _NUMBER + r")\s+(day|week|month|year)s?\s+(ago|back|from)\s+today"
    r"|(?:on\s+)?(?:this|the\s+same)\s+day\s+(next|last)\s+(week|month|year))$"
)
# "three days from now" counts from the day of the telling, as "three days from today" does
_FROM_NOW = re.compile(r"\s+from\s+now$")
_DAY_OF_MONTH = re.compile(r"^(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)(?:\s+of\s+(?:the|this)\s+month)?$")


def spelled_out(text: str) -> str:
    """``text`` (normalised, lower case) with weekday abbreviations and fortnights spelled out."""
    text = _ABBREVIATION.sub(lambda m: WEEKDAY_ABBREVIATIONS[m.group(1)], text)
    text = _FORTNIGHTS.sub(lambda m: f"{2 * _count(m.group(1))} weeks", text)
    return _FORTNIGHT.sub("2 weeks", text)


def ahead(text: str, today: date, prefer: str) -> Period | None:
    """The day a length ahead names ("in two weeks"; see the module docs); ``UNRESOLVED`` for such a length in
    a clause pointing back (a time taken, not a time); ``None`` when ``text`` is no such phrase."""
    m = _AHEAD.match(text)
    if m is None:
        return None
    if prefer == "past":
        return UNRESOLVED
    n, unit = (2, m.group(1)) if m.group(1) else (_count(m.group(2)), m.group(3))
    when = shift(today, unit, n)
    if when is None:
        return UNRESOLVED
    return (*interval(when, "day"), "day")


def same_day(text: str, today: date, prefer: str) -> Period | None:
    """The day of the telling some units back or ahead ("one year ago today", "this day next year"; see the
    module docs); ``UNRESOLVED`` past the calendar's edges; ``None`` when ``text`` is no such phrase."""
    m = _SAME_DAY.match(_FROM_NOW.sub(" from today", text))
    if m is None:
        return None
    if m.group(4) is not None:  # "this day next year"
        n, unit = (1 if m.group(4) == "next" else -1), m.group(5)
    else:
        n, unit = _count(m.group(1)) if m.group(1) else 1, m.group(2)
        n = n if m.group(3) == "from" else -n
    when = shift(today, unit, n)
    if when is None:
        return UNRESOLVED
    return (*interval(when, "day"), "day")


def day_of_month(text: str, today: date, prefer: str) -> Period | None:
    """The day a day of the month without its month names ("on the 15th"; see the module docs);
    ``UNRESOLVED`` for an impossible day ("the 32nd"); ``None`` when ``text`` is no such phrase."""
    m = _DAY_OF_MONTH.match(text)
    if m is None:
        return None
    n = int(m.group(1))
    if not 1 <= n <= 31:
        return UNRESOLVED
    step = 1 if prefer == "future" else -1
    year, month = today.year, today.month
    for _ in range(13):
        try:
            when = date(year, month, n)
        except ValueError:
            when = None
        if when is not None and (when >= today if step == 1 else when <= today):
            return (*interval(when, "day"), "day")
        month += step
        if month == 0:
            year, month = year - 1, 12
        elif month == 13:
            year, month = year + 1, 1
        if not 1 <= year <= 9999:
            return UNRESOLVED
    return UNRESOLVED


def _count(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBERS[word]
