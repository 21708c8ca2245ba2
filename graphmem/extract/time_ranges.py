"""Time phrases that name a range: "from 2015 to 2019", "between 2010 and 2014", "2008-2012", "March to
June", "3 May until 10 May".

Each end is resolved as a phrase of its own, and the range runs from the first one's start to the second
one's end (``end`` exclusive, as every :class:`~graphmem.models.TimeRef`). The second end is read after the
first when it names no year and no time relative to the telling ("from March 2019 to June" is June 2019,
"from 3 May to 10 May" the 10 May after the 3rd), and a range of such ends told as past ends by the
telling ("from March to June", said in March 2024 of the past, is March to June 2023); a relative second
end ("from March until last week") is read against the telling, as any phrase. A range of clock times
("9 to 5"), one whose second end comes first, or one an end of which does not resolve is no range: the
phrase is then resolved, or not, as before.

Two days of one month (:data:`DAY_RANGE`: "from the 3rd to the 20th of May", "3-20 May", "May 3 to 20")
are a range of those days; with the second day first ("from the 20th to the 3rd of May", "from 20 May to 3
May") the phrase names no time (:func:`day_range` gives the days; the resolver leaves it unresolved).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

__all__ = ["DAY_RANGE", "day_range", "is_range", "names_weekdays", "resolve_range", "runs_to_now", "split_range"]

Found = tuple[datetime, datetime, str]
Resolve = Callable[[str, datetime | None, str], Found | None]

_YEARS = re.compile(r"^(?:from\s+|between\s+)?((?:19|20)\d\d)\s*[-–—]\s*((?:19|20)\d\d)$")
_FROM_TO = re.compile(r"^(?:from\s+)?(?P<a>.+?)\s+(?:to|until|till|through|thru)\s+(?P<b>.+)$")
_BETWEEN = re.compile(r"^between\s+(?P<a>.+?)\s+and\s+(?P<b>.+)$")
_RELATIVE = re.compile(
    r"\b(?:today|now|yesterday|tomorrow|tonight|ago|last|next|this|past|previous|present|coming|later|earlier)\b"
)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_GRAINS = ("time", "day", "week", "month", "year")

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DAY = r"(?:the\s+)?(?P<{}>\d{{1,2}})(?:st|nd|rd|th)?"
_TO = r"\s*(?:-|–|—|\s(?:to|until|till|through|thru|and)\s)\s*"
#: Two days of one month, the month said once or twice: "from the 20th to the 3rd of May", "between the
#: 3rd and the 20th of May 2023", "3-20 May", "May 3 to 20", "from 20 May to 3 May" (no year between).
DAY_RANGE = re.compile(
    r"\b(?:(?:from|between)\s+)?(?:"
    + _DAY.format("a")
    + r"(?:\s+(?:of\s+)?(?P<m0>"
    + _MONTH
    + r"))?"
    + _TO
    + _DAY.format("b")
    + r"\s+(?:of\s+)?(?P<m1>"
    + _MONTH
    + r")"
    + r"|(?P<m2>"
    + _MONTH
    + r")\s+"
    + _DAY.format("c")
    + _TO
    + r"(?:(?P<m3>"
    + _MONTH
    + r")\s+)?"
    + _DAY.format("d")
    + r")(?:,?\s+(?P<year>(?:19|20)\d\d))?\b(?!\s*(?:am|pm|a\.m\.|p\.m\.|:|\.\d))",
    re.IGNORECASE,
)


def _second(
    resolve: Resolve, phrase: str, first: Found, reference: datetime | None, prefer: str, *, anchored: bool
) -> Found | None:
    """The range's second end: after the first when ``anchored`` ("March to June": the June after that
    March), else read against the telling."""
    return resolve(phrase, first[0], "future") if anchored else resolve(phrase, reference, prefer)


def split_range(phrase: str) -> tuple[str, str] | None:
    """The two ends of a range phrase ("from 2015 to 2019" → ``("2015", "2019")``), or ``None``."""
    text = re.sub(r"\s+", " ", phrase.lower().replace("’", "'")).strip(' ."()')
    m = _YEARS.match(text)
    if m is not None:
        return m.group(1), m.group(2)
    m = _BETWEEN.match(text) or _FROM_TO.match(text)
    if m is None:
        return None
    return m.group("a").strip(), m.group("b").strip()


def day_range(phrase: str) -> tuple[int, int, str] | None:
    """The days and the month (with its year when said) of a range of two days of one month ("from the 20th
    to the 3rd of May" → ``(20, 3, "may")``), or ``None`` when the phrase is no such range."""
    text = re.sub(r"\s+", " ", phrase.lower().replace("’", "'")).strip(' ."()')
    m = DAY_RANGE.fullmatch(text)
    if m is None:
        return None
    if m.group("m1") is not None:
        first, second, month, other = m.group("a"), m.group("b"), m.group("m1"), m.group("m0")
    else:
        first, second, month, other = m.group("c"), m.group("d"), m.group("m2"), m.group("m3")
    if other is not None and other[:3] != month[:3]:
        return None  # "from 20 December to 3 January": two months
    period = f"{month} {m.group('year')}" if m.group("year") else month
    return int(first), int(second), period


def is_range(phrase: str | None) -> bool:
    """Whether ``phrase`` has the shape of a range (whether or not its ends resolve)."""
    return phrase is not None and split_range(phrase) is not None


_WEEKDAY = re.compile(r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)days?\b")
_NOW = frozenset({"now", "today", "present", "the present", "date", "this day", "the present day"})


def names_weekdays(phrase: str) -> bool:
    """Whether a range phrase runs between weekdays ("Monday to Friday"): a schedule more often than a span."""
    return _WEEKDAY.search(phrase.lower()) is not None


def runs_to_now(phrase: str) -> bool:
    """Whether a range phrase runs to the telling ("from 2019 to now", "2019 to the present"): no end."""
    ends = split_range(phrase)
    return ends is not None and ends[1] in _NOW


def resolve_range(resolve: Resolve, ends: tuple[str, str], reference: datetime | None, prefer: str) -> Found | None:
    """The interval a range's ``ends`` name (see the module docs), each resolved by ``resolve(phrase,
    reference, prefer)``; ``None`` when it is no range."""
    first_phrase, second_phrase = ends
    first = resolve(first_phrase, reference, prefer)
    if first is None or first[2] == "time":
        return None
    anchored = not (_RELATIVE.search(second_phrase) or _YEAR.search(second_phrase))
    second = _second(resolve, second_phrase, first, reference, prefer, anchored=anchored)
    if second is not None and anchored and prefer == "past" and reference is not None and second[0] > reference:
        # "I lived there from March to June", said in March: the last such range wholly told as past
        earlier = resolve(first_phrase, first[0] - timedelta(days=1), "past")
        relative = _YEAR.search(first_phrase) or _RELATIVE.search(first_phrase)
        if earlier is not None and earlier[0] < first[0] and not relative:
            first, second = earlier, _second(resolve, second_phrase, earlier, reference, prefer, anchored=True)
    if first is None or second is None or second[2] == "time" or second[1] <= first[0]:
        return None
    grains = [g for g in (first[2], second[2]) if g in _GRAINS]
    grain = max(grains, key=_GRAINS.index) if grains else "unknown"
    return first[0], second[1], grain
