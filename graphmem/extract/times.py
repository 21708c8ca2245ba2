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
from datetime import datetime
from typing import Any

from graphmem.date_order import ordered
from graphmem.extract import time_rules as rules
from graphmem.extract.clocks import from_utc, to_utc
from graphmem.extract.dateparsing import Dateparser
from graphmem.extract.names import words
from graphmem.extract.periods import Part, Period, after_or_before, cut, guarded, nearest_part, shifted_interval
from graphmem.extract.relative import UNRESOLVED as _UNRESOLVED
from graphmem.extract.relative import ahead, same_day, spelled_out
from graphmem.extract.time_ranges import day_range, resolve_range, split_range
from graphmem.extract.time_rules import NUMBER_WORD as _NUMBER_WORD
from graphmem.extract.time_rules import NUMBERS as _NUMBERS
from graphmem.extract.time_rules import number as _number
from graphmem.models import TimeRef

__all__ = ["TimeResolver", "anaphoric", "duration", "from_utc", "names_late_part", "resolve_time", "to_utc"]

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
# "midweek": the middle of the week, as "mid-the week" would be (Wednesday to Friday)
_MIDWEEK = re.compile(r"^((?:(?:" + _PREPOSITIONS + r")\s+)*)mid\s*-?\s*week$")
# "later that month", "earlier that year": a part of the week, month or year of the time talked of before
_ANAPHORIC = re.compile(
    r"^(?:(?:" + _PREPOSITIONS + r")\s+)*(later|earlier)\s+(?:on\s+)?(?:in\s+)?that\s+(?:same\s+)?(week|month|year)$"
)


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
        absolute = rules.absolute(text)
        if absolute is not None:
            return absolute
        if reference is None:
            return None
        today = reference.date()
        for rule in rules.RELATIVE_RULES:
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
