"""Stage 4: resolving time expressions against the session date.

A phrase such as "yesterday", "last Saturday", "two weeks ago" or "in 2022" becomes a
:class:`~graphmem.models.TimeRef` with the interval it denotes (``start`` inclusive, ``end`` exclusive)
and its grain. Common conversational phrases are handled by small rules here (weekends, seasons,
"the week before", decades, holidays, clock times); the rest goes to ``dateparser`` with the session date
as its relative base and a preference for the past (:mod:`graphmem.extract.dateparsing`); a range ("from
2015 to 2019") is its two ends resolved so (:mod:`graphmem.extract.time_ranges`). A phrase that
names no definite time ("recently", "a few days ago", "for three years", "every day") is kept with
``start=None``: never guessed.

**Parts of a period.** "the end of February", "early 2023", "mid-March", "the first half of last year",
"the first week of June": the period is resolved as any phrase (the rest of the phrase, by the rules
above or ``dateparser``), then cut into the part in whole units one size down, as
:mod:`graphmem.extract.periods` documents (a month's ten-day thirds, a year's four-month ones, a
season's months, a decade's years 0-2, 3-6 and 7-9, halves and weeks of a month or year). "The
month", "the year", "the week" are the one holding the reference, or the one before (after) it when
the part lies wholly after (before) the reference and the clause points back (ahead): "I moved at the
end of the month", said on 12 March, is late February. A month or season named without its year
("late March", "the end of February") is, of its parts a year before, the same year and a year after,
the earliest ending after the reference when the clause points ahead, or the latest begun by it when
it points back: said on 12 March 2024, "I start in late March" is 21 March 2024 and "I moved in late
March" 21 March 2023. A bare month holding the reference, pointing ahead, is this month ("I'm moving
in December", said on 5 December). "Midweek" is the middle of the week (Wednesday to Friday), as "the
middle of the week" is. Decades are read in figures and in words ("the 90s", "the mid-nineties", "the
late eighties", "the noughties"; "the twenties" is the 2020s, as "the 20s" is), but not with a
possessive in the phrase ("my early twenties" is an age; the extractor checks the word before a span:
:mod:`graphmem.extract.spans`).

**The time talked of before.** "Later that month", "earlier that year", "later that week" are relative
to an ``antecedent`` (which one the extractor passes: :mod:`graphmem.extract.antecedents`). "Later" is
the rest of the week, month or year holding it, after it; "earlier" the part before it; the whole unit
when the antecedent is that unit ("in May ... later that month": May). The phrase stays unresolved (not
taken from the statement time) without an antecedent, with one longer than the unit by its length ("in
2023", "last summer" ... "later that month"), when nothing of the unit lies on that side of it, and when
the result lies wholly after the reference while ``prefer`` is past (before it while future); a past
result reaching past the reference ends there (a future one starts there). "Later this month" is this
month (a hedge, as "around").
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from graphmem.date_order import ordered
from graphmem.extract.clocks import from_utc, to_utc
from graphmem.extract.dateparsing import Dateparser
from graphmem.extract.names import words
from graphmem.extract.periods import (
    HOLIDAYS,
    Part,
    Period,
    after_or_before,
    cut,
    day,
    guarded,
    interval,
    nearest_part,
    season,
    shift,
    shifted_interval,
)
from graphmem.extract.relative import UNRESOLVED as _UNRESOLVED
from graphmem.extract.relative import ahead, day_of_month, same_day, spelled_out
from graphmem.extract.time_ranges import day_range, resolve_range, split_range
from graphmem.models import TimeRef

__all__ = ["TimeResolver", "anaphoric", "duration", "from_utc", "names_late_part", "resolve_time", "to_utc"]

_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
}  # fmt: skip
_UNITS = ("day", "week", "month", "year")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = sorted(
    words(
        "january february march april may june july august september october november december "
        "jan feb mar apr jun jul aug sep sept oct nov dec"
    )
)
# Words that show a phrase names a point or span of time; without one, dateparser is not asked
# (it reads "one" as January and "the 90s" as ninety seconds ago).
_DATEISH = re.compile(
    r"\b(?:yesterday|today|tonight|tomorrow|ago|last|next|this|past|previous|week|weekend|month|year|"
    r"morning|afternoon|evening|night|noon|midnight|"
    + "|".join(_WEEKDAYS)
    + "|"
    + "|".join(_MONTHS)
    + r")\b|\b(?:1[89]|20)\d\d\b|\d{1,2}[/.-]\d{1,2}|\d\s*(?:am|pm)\b|\d:\d\d"
)
_PREPOSITIONS = (
    r"in|on|at|since|during|around|about|by|from|until|till|of|approximately|roughly|nearly|almost|just|only|"
    r"towards?"
)
_LEADING = re.compile(r"^(?:(?:" + _PREPOSITIONS + r"|early|late|earlier|later)\s+)+")
# A part of a period: "(at) the very end of February", "early 2023", "mid-March", "the first half of
# last year", "the last week of June" (the period is the rest, resolved on its own).
_PART = re.compile(
    r"^(?:(?:" + _PREPOSITIONS + r")\s+)*(?:the\s+)?(?:very\s+)?"
    r"(?:(?P<third>beginning|start|middle|end)(?:\s+part)?\s+of\s+"
    r"|(?P<adjective>early|mid|late)(?:\s*-\s*|\s+)"
    r"|(?P<half>first|second|latter)\s+half\s+of\s+"
    r"|(?P<week>first|second|third|fourth|last|final)\s+week\s+of\s+)"
    r"(?P<rest>.+)$"
)
_THIRDS = {"beginning": 0, "start": 0, "early": 0, "middle": 1, "mid": 1, "end": 2, "late": 2}
# A period named without its year: which year it is in depends on the reference and the direction.
_YEARLESS = re.compile(r"^(?:the\s+)?(?:" + "|".join(_MONTHS) + r"|spring|summer|fall|autumn|winter)$")
_DEICTIC = re.compile(r"^the\s+(week|month|year)$")
_VAGUE = re.compile(
    r"^(?:recently|lately|now and then|these days|nowadays|the other day|someday|some day|one day|soon|"
    r"sometimes|always|ever|never|once|the past|the future|a while(?: ago| back)?|a bit|ages|years|months|"
    r"weeks|days|the moment|the time|the day|the week|the weekend before|back then|then|these past few .*)$"
    r"|\b(?:few|several|some|many)\b|^(?:every|each|all|most)\b"
    r"|^(?:a|an|one|that|the same|some|this one)\s+(?:morning|night|evening|afternoon|day|week|month|year|weekend)$"
    r"|\b(?:daily|weekly|monthly|yearly|annually)\b|^(?:on\s+)?(?:weekends|mornings|evenings|nights)$"
)
_NUMBER_WORD = r"(\d+|" + "|".join(_NUMBERS) + r")"
_DURATION = re.compile(
    r"^(?:for\s+|over\s+)?(?:the\s+)?(?:\d+|" + "|".join(_NUMBERS) + r")(?:\s+and\s+a\s+half|\s+more)?\s+"
    r"(?:day|week|month|year|hour|minute)s?(?:\s+old|\s+long|\s+now)?$"
)
# "a few weeks ago": a few is two to four, so the span from four units back to two units back
_FEW_AGO = re.compile(r"^a\s+few\s+(day|week|month|year)s\s+(?:ago|back|earlier)$")
_FEW = (2, 4)
# A length of time: "seven years", "for 4 years", "for about four months now", "5 years already".
_LENGTH = re.compile(
    r"^(?:(?:for|over|about|around|almost|nearly|roughly|approximately|just|only|some|well over)\s+)*"
    + _NUMBER_WORD
    + r"(?:\s+and\s+a\s+half)?\s+(minute|hour|day|week|month|year|decade)s?"
    r"(?:\s+(?:now|already|long|so far|in total|straight|or so))*$"
)
_AGO = re.compile(r"^" + _NUMBER_WORD + r"\s+(day|week|weekend|month|year)s?\s+(?:ago|back|earlier)$")
_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december",
)  # fmt: skip
_MONTH_NUMBER = {name: i + 1 for i, name in enumerate(_MONTH_NAMES)} | {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10,
    "nov": 11, "dec": 12,
}  # fmt: skip
_NAMED_MONTH = re.compile(r"^(last|this|next|this past|past)\s+(" + "|".join(_MONTH_NUMBER) + r")$")
_PAST_SPAN = re.compile(r"^(?:the\s+)?(past|last)\s+(?:" + _NUMBER_WORD + r"\s+)?(day|week|month|year)s?$")
_NEXT_SPAN = re.compile(r"^(?:the\s+)?(?:next|coming)\s+" + _NUMBER_WORD + r"\s+(day|week|month|year)s?$")
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
# "midweek": the middle of the week, as "mid-the week" would be (Wednesday to Friday)
_MIDWEEK = re.compile(r"^((?:(?:" + _PREPOSITIONS + r")\s+)*)mid\s*-?\s*week$")
# "later that month", "earlier that year": a part of the week, month or year of the time talked of before
_ANAPHORIC = re.compile(
    r"^(?:(?:" + _PREPOSITIONS + r")\s+)*(later|earlier)\s+(?:on\s+)?(?:in\s+)?that\s+(?:same\s+)?(week|month|year)$"
)
_CLOCK = re.compile(r"^(\d{1,2})(?::(\d\d))?\s*(am|pm|a\.m\.|p\.m\.|o'clock)?$")
_HOLIDAY = re.compile(r"^(?:(last|this|next|this past|past)\s+)?(.+?)(?:\s+((?:19|20)\d\d))?$")
_DAY_WORDS = {
    "today": 0, "tonight": 0, "this morning": 0, "this afternoon": 0, "this evening": 0, "now": 0,
    "right now": 0, "earlier today": 0, "later today": 0, "yesterday": -1, "last night": -1,
    "yesterday morning": -1, "yesterday afternoon": -1, "yesterday evening": -1, "the night before": -1,
    "the day before yesterday": -2, "tomorrow": 1, "tomorrow morning": 1, "tomorrow night": 1,
    "tomorrow evening": 1, "the day after tomorrow": 2,
}  # fmt: skip


def _number(word: str | None) -> int | None:
    if word is None:
        return 1
    if word.isdigit():
        return int(word)
    return _NUMBERS.get(word)


def _part_of(m: re.Match[str]) -> Part:
    """The part of a period a match of :data:`_PART` names."""
    if m.group("week"):
        which = m.group("week")
        return Part("week", -1 if which in ("last", "final") else ("first", "second", "third", "fourth").index(which))
    if m.group("half"):
        return Part("half", 0 if m.group("half") == "first" else 1)
    return Part("third", _THIRDS[(m.group("third") or m.group("adjective")).lower()])


def _normal(phrase: str) -> str:
    """``phrase`` in lower case with single spaces, cut at the first clause punctuation."""
    text = re.sub(r"\s+", " ", phrase.lower().replace("’", "'"))
    text = re.sub(r",\s*(?=(?:19|20)\d\d\b)", " ", text)  # "May 7, 2023": the year is part of the date
    return re.split(r"\s[-–—]\s|[,;:!?]", text)[0].strip(' ."()')  # "last week - so" -> "last week"


def anaphoric(phrase: str) -> bool:
    """Whether ``phrase`` is relative to the time talked of before ("later that month")."""
    return _ANAPHORIC.match(_normal(phrase)) is not None


def _against(found: Period, reference: datetime, prefer: str) -> bool:
    """Whether ``found`` lies wholly on the other side of ``reference`` than ``prefer`` points."""
    return (prefer == "past" and found[0] >= reference) or (prefer == "future" and found[1] <= reference)


def _clipped(found: Period, reference: datetime, prefer: str) -> Period:
    """``found`` cut at ``reference`` on the side ``prefer`` does not point to: "later that month I went
    to Rome", said on 10 May, ends when it was said, not on 1 June (and a future one starts then)."""
    start, end, grain = found
    if prefer == "past" and end > reference:
        return start, reference, grain
    if prefer == "future" and start < reference:
        return reference, end, grain
    return found


def duration(phrase: str) -> tuple[float, str] | None:
    """The length a phrase names, as ``(amount, unit)``: "for seven years" → ``(7, "year")``.

    A duration says how long, not when ("I've known them for 4 years", "Seven years now"), so
    :meth:`TimeResolver.resolve` leaves it unresolved; fact bounds turn it into a start with the tense
    of its clause (:mod:`graphmem.extract.bounds`). Vague amounts ("a few days") give ``None``.
    """
    text = spelled_out(re.sub(r"\s+", " ", phrase.lower().replace("’", "'")).strip(' ."!,'))
    text = re.sub(r"^(?:a\s+)?couple(?:\s+of)?\s+", "2 ", text)
    m = _LENGTH.match(text)
    if not m:
        return None
    n = _number(m.group(1))
    if n is None:
        return None
    amount = n + (0.5 if "and a half" in text else 0)
    unit = m.group(2)
    if unit == "decade":
        return amount * 10, "year"
    return amount, unit


class TimeResolver:
    """Resolves time phrases against reference dates, caching results.

    One instance per extractor (or process); ``resolve`` is deterministic for a phrase and reference.
    """

    def __init__(self, *, cache_size: int = 50_000) -> None:
        """Create a resolver; ``cache_size`` bounds the memo of resolved (phrase, reference) pairs."""
        self._cache: dict[tuple[str, datetime | None, str, bool | None], TimeRef] = {}
        self._cache_size = cache_size
        self._dateparser = Dateparser()

    def __getstate__(self) -> dict[str, Any]:
        return {"_cache": {}, "_cache_size": self._cache_size}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._cache = state["_cache"]
        self._cache_size = state["_cache_size"]
        self._dateparser = Dateparser()

    def resolve(
        self,
        phrase: str,
        reference: datetime | None,
        *,
        prefer: str = "past",
        antecedent: TimeRef | None = None,
        day_first: bool | None = None,
    ) -> TimeRef:
        """Resolve ``phrase`` relative to ``reference`` (the session or turn time).

        Args:
            phrase: the time expression as written.
            reference: the time it is relative to; ``None`` resolves only absolute phrases ("2022").
            prefer: ``"past"``, ``"future"`` or ``"nearest"``: which way an undirected phrase ("Saturday",
                "3 June", "Christmas") points. The extractor derives it from the tense of the governing
                verb (:func:`graphmem.extract.tense.direction`).
            antecedent: the time talked of before, which "later that month", "earlier that year" are
                relative to; without one, or with one longer than the unit, they stay unresolved.
            day_first: whether a numeric date (``8/5/2023``) writes the day first, as its input's dates
                show (:mod:`graphmem.date_order`); ``None``: month first, ``dateparser``'s reading.

        Returns a :class:`TimeRef` carrying the original phrase; ``start`` is ``None`` when the phrase
        names no definite time or there is no reference for a relative one.
        """
        if prefer not in ("past", "future", "nearest"):
            raise ValueError(f"prefer must be 'past', 'future' or 'nearest', not {prefer!r}")
        anaphoric = _ANAPHORIC.match(_normal(phrase))
        if anaphoric is not None:
            found = None
            if antecedent is not None and antecedent.start is not None and antecedent.end is not None:
                before = (antecedent.start, antecedent.end, antecedent.grain)
                unit, later = anaphoric.group(2), anaphoric.group(1) == "later"
                found = guarded(lambda: after_or_before(before, unit, later=later))
            if found and reference is not None and _against(found, reference, prefer):
                found = None  # "later that month I visited Porto" cannot lie ahead of the telling
            elif found and reference is not None:
                found = _clipped(found, reference, prefer)
            return TimeRef(phrase, *found) if found else TimeRef(phrase)
        key = (phrase, reference, prefer, day_first)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        read = ordered(phrase, day_first)
        if prefer == "nearest":
            back = guarded(lambda: self._resolve(read, reference, "past"))
            ahead = guarded(lambda: self._resolve(read, reference, "future"))
            found = back or ahead  # "In two weeks.": a length ahead reads only forward
            if back and ahead and reference is not None and abs(ahead[0] - reference) < abs(reference - back[0]):
                found = ahead
        else:
            found = guarded(lambda: self._resolve(read, reference, prefer))
        ref = TimeRef(phrase, found[0], found[1], found[2]) if found else TimeRef(phrase)
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        self._cache[key] = ref
        return ref

    # -- rules ---------------------------------------------------------------------------------------

    def _resolve(self, phrase: str, reference: datetime | None, prefer: str) -> tuple[datetime, datetime, str] | None:
        days = day_range(phrase)
        if days is not None:
            day_a, day_b, month = days
            if day_b < day_a:
                return None  # "from the 20th to the 3rd of May": it would end before it starts
            return resolve_range(self._resolve, (f"{day_a} {month}", f"{day_b} {month}"), reference, prefer)
        ends = split_range(phrase)
        found = resolve_range(self._resolve, ends, reference, prefer) if ends is not None else None
        if found is not None:
            return found
        text = spelled_out(_normal(phrase))
        text = _MIDWEEK.sub(r"\1mid the week", text)
        part = _PART.match(text)
        if part is not None:
            return self._part(part, reference, prefer)
        for counted in (ahead, same_day):
            found = counted(text, reference.date(), prefer) if reference is not None else None
            if found is not None:
                return found if found is not _UNRESOLVED else None
        text = _LEADING.sub("", text)
        text = re.sub(r"^(?:a\s+)?couple(?:\s+of)?\s+", "2 ", text)
        few = _FEW_AGO.match(text)
        if few is not None and reference is not None:
            unit, today = few.group(1), reference.date()
            first, last = shifted_interval(today, unit, -_FEW[1]), shifted_interval(today, unit, -_FEW[0])
            return (first[0], last[1], unit) if first is not None and last is not None else None
        if not text or _VAGUE.search(text) or _DURATION.match(text) or duration(text) is not None:
            return None
        absolute = self._absolute(text)
        if absolute is not None:
            return absolute
        if reference is None:
            return None
        today = reference.date()
        for rule in (self._day_word, self._clock, self._ago, self._past_span, self._next_span, self._before,
                     self._weekend, self._season, self._holiday, self._named_month, self._calendar_unit,
                     self._this_month, day_of_month):  # fmt: skip
            found = rule(text, today, prefer)
            if found is _UNRESOLVED:
                return None
            if found is not None:
                return found
        if not _DATEISH.search(text):
            return None
        return self._dateparser(text, reference, prefer)

    def _part(self, m: re.Match[str], reference: datetime | None, prefer: str) -> Period | None:
        """A part of the period the rest of the phrase names (see the module docs), or ``None``."""
        rest = m.group("rest")
        part = _part_of(m)
        deictic = _DEICTIC.match(rest)
        whole = self._resolve(f"this {deictic.group(1)}" if deictic else rest, reference, prefer)
        found = cut(whole, part) if whole is not None else None
        if found is None or whole is None or reference is None or prefer not in ("past", "future"):
            return found
        if deictic is None:
            # a month or season named without its year ("late March", "the end of February")
            yearless = _YEARLESS.match(rest) is not None
            return (nearest_part(whole, part, reference, prefer) if yearless else None) or found
        step = 0
        if prefer == "past" and found[0] > reference:
            step = -1
        elif prefer == "future" and found[1] <= reference:
            step = 1
        if step:
            unit = deictic.group(1)
            shifted = shifted_interval(reference.date(), unit, step)
            found = cut((*shifted, unit), part) if shifted is not None else None
        return found

    @staticmethod
    def _absolute(text: str) -> tuple[datetime, datetime, str] | None:
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

    @staticmethod
    def _day_word(text: str, today: date, prefer: str) -> tuple[datetime, datetime, str] | None:
        offset = _DAY_WORDS.get(text)
        if offset is None:
            return None
        return (*interval(today + timedelta(days=offset), "day"), "day")

    @staticmethod
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

    @staticmethod
    def _ago(text: str, today: date, prefer: str) -> tuple[datetime, datetime, str] | None:
        m = _AGO.match(text)
        if not m:
            return None
        n = _number(m.group(1))
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

    @staticmethod
    def _past_span(text: str, today: date, prefer: str) -> tuple[datetime, datetime, str] | None:
        m = _PAST_SPAN.match(text)
        if not m or (m.group(2) is None and text.startswith("last")):
            return None  # "last week" is a calendar week: dateparser's job
        if prefer == "future" and m.group(1) == "last":
            # "will join us for the last three days": the end of something ahead, not the days before now
            return _UNRESOLVED
        n = _number(m.group(2))
        if n is None:
            return None
        unit = m.group(3)
        start = shift(today, unit, -n)
        return (day(start), day(today + timedelta(days=1)), unit) if start is not None else _UNRESOLVED

    @staticmethod
    def _next_span(text: str, today: date, prefer: str) -> tuple[datetime, datetime, str] | None:
        m = _NEXT_SPAN.match(text)
        if not m:
            return None
        n = _number(m.group(1))
        if n is None or prefer == "past":
            return _UNRESOLVED  # "I spent the next three days in bed": after a past event, not after now
        unit = m.group(2)
        end = shift(today, unit, n)
        return (day(today), day(end), unit) if end is not None else _UNRESOLVED

    @staticmethod
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

    @staticmethod
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

    @staticmethod
    def _this_month(text: str, today: date, prefer: str) -> tuple[datetime, datetime, str] | None:
        # "I'm moving in December", said on 5 December: this December, which has not ended (dateparser
        # takes the next one)
        if prefer != "future" or _MONTH_NUMBER.get(text) != today.month:
            return None
        return (*interval(today, "month"), "month")

    @staticmethod
    def _before(text: str, today: date, prefer: str) -> tuple[datetime, datetime, str] | None:
        m = _BEFORE.match(text)
        if not m:
            return None
        unit = m.group(1) or m.group(2)
        found = shifted_interval(today, unit, -1)
        return (*found, unit) if found is not None else _UNRESOLVED

    @staticmethod
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

    @staticmethod
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

    @staticmethod
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


def names_late_part(phrase: str) -> bool:
    """Whether ``phrase`` names the late part of a period ("the end of February", "late March", "at the
    very end of the month"): a state that ends then ends with the period (:mod:`graphmem.extract.facts`)."""
    text = re.sub(r"\s+", " ", phrase.lower().replace("’", "'")).strip(' ."!,')
    m = _PART.match(text)
    return m is not None and _THIRDS.get((m.group("third") or m.group("adjective") or "").lower()) == 2


_default: TimeResolver | None = None


def resolve_time(phrase: str, reference: datetime | None, *, prefer: str = "past") -> TimeRef:
    """Resolve one phrase with a process-wide :class:`TimeResolver` (see :meth:`TimeResolver.resolve`)."""
    global _default
    if _default is None:
        _default = TimeResolver()
    return _default.resolve(phrase, reference, prefer=prefer)
