"""The date a question names: "What did Melanie do on 20 May 2023?", "Where did she go last summer?".

:func:`asked_window` finds the time phrases of a question with a few patterns of English date
expressions (a day and month with or without a year, a month and year, a year after a preposition,
"last"/"this"/"next" with a unit, season, month or weekday, "N units ago", "yesterday") and resolves the
longest one with the ingest resolver (:mod:`graphmem.extract.times`) against the moment the question is
asked. Ranking then lifts the candidates whose happened-or-said time lies in that interval
(:mod:`graphmem.recall.rank`); it does not filter, since a question's date may be worded loosely.
"""

from __future__ import annotations

import re
from datetime import datetime

from graphmem.extract.times import resolve_time
from graphmem.models import Event, TimeRef

__all__ = ["asked_window", "in_window"]

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
    rf"\b{_NUMBER}\s+{_UNIT}\s+ago\b",
    r"\b(?:the\s+day\s+before\s+yesterday|yesterday|today|tonight|tomorrow|last\s+night)\b",
]
_FINDER = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE)
# "may" is a month only when capitalised or beside a day or year ("you may go" is not)
_BARE_MAY = re.compile(r"^(?:in|during)\s+may$")


def asked_window(question: str, reference: datetime | None) -> TimeRef | None:
    """The interval the question's date denotes, or ``None`` when it names none (or none resolves).

    Args:
        question: the question text.
        reference: when it is asked (relative dates are read against it); absolute dates need none.
    """
    found: list[TimeRef] = []
    for match in _FINDER.finditer(question):
        phrase = match.group(0)
        if _BARE_MAY.match(phrase.lower()) and "May" not in phrase:
            continue
        ref = resolve_time(phrase, reference, prefer="past")
        if ref.start is not None:
            found.append(ref)
    if not found:
        return None
    return max(found, key=lambda r: len(r.phrase))


def in_window(event: Event, window: TimeRef) -> bool:
    """Whether the event happened or was said within ``window`` (its interval, ``end`` exclusive)."""
    start = window.start
    if start is None:
        return False
    end = window.end if window.end is not None and window.end > start else start
    said = event.occurred_at
    if said is not None and (start <= said < end or said == start):
        return True
    span = event.happened
    if span is None:
        return False
    a, b = span
    return a < end and (b > start if b > a else a >= start)
