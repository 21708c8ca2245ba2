"""The time talked of before: what "later that month", "earlier that year" are relative to.

The antecedent is the last time phrase of the session that can be one: resolved, not itself relative
to an antecedent (a chain stays on the first date: "in May ... later that month ... earlier that year"
are both of May), and not said in a question or a condition ("Did you go in May?", "If you go back
next week, tell me!" name no time that happened). Within a turn it is the last such phrase before; from
a turn before, the last such phrase of the latest earlier turn of the session that has one.

The choice reads only what an event stores, its text and its times (:func:`antecedent`), so a
conversation extracted whole and one added message by message (:mod:`graphmem.live`, which reads the
antecedent from the stored turns with :func:`latest`) give the same dates. The antecedent keeps the
clock of the turn that said it: within one extraction it is never stored, so it keeps that clock
exactly; read back from the store (naive UTC, no offset kept) it is put back on a clock by
:func:`on_clock`, which finds the same one unless the conversation mixes clocks (see there).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from graphmem.extract.times import anaphoric
from graphmem.models import Event, TimeRef

__all__ = ["antecedent", "can_lead", "latest", "on_clock"]

# What makes the clause of a phrase no telling of a time that was: a condition or an open question
_CONDITION = re.compile(r"\b(?:if|unless|whether)\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?\n]+")
_CLAUSE_START = re.compile(r"[.!?\n,;:]|\bbut\b", re.IGNORECASE)


def can_lead(text: str, ref: TimeRef) -> bool:
    """Whether ``ref``, a phrase of the turn ``text``, can be what a later "later that month" is
    relative to (see the module docs).

    A sentence ends at ``.``, ``!``, ``?`` or a line break; one that ends with ``?`` is a question. A
    condition is "if", "unless" or "whether" before the phrase in its clause: the stretch of the
    sentence since the last comma, semicolon, colon or "but" ("Not sure if you remember, but I moved
    on 3 May" tells of 3 May). A phrase said more than once leads if any of its occurrences does.
    """
    if ref.start is None or ref.end is None or anaphoric(ref.phrase):
        return False
    places = [m.start() for m in re.finditer(re.escape(ref.phrase), text)]
    return not places or any(_told(text, at, len(ref.phrase)) for at in places)


def _told(text: str, at: int, size: int) -> bool:
    """Whether the phrase at ``text[at:at + size]`` is said neither in a question nor in a condition."""
    end = _SENTENCE_END.search(text, at + size)
    if end is not None and "?" in end.group():
        return False
    opening = max((m.end() for m in _CLAUSE_START.finditer(text, 0, at)), default=0)
    return _CONDITION.search(text, opening, at) is None


def antecedent(text: str, times: Sequence[TimeRef]) -> TimeRef | None:
    """The last of a turn's ``times`` that a later turn's "later that month" can be relative to."""
    return next((ref for ref in reversed(times) if can_lead(text, ref)), None)


def latest(events: Iterable[Event]) -> TimeRef | None:
    """The antecedent a new turn of a stored session starts with: that of the latest of the session's
    ``events`` that has one."""
    for event in sorted(events, key=lambda e: e.seq, reverse=True):
        found = antecedent(event.text, event.times)
        if found is not None:
            return found
    return None


_CALENDAR = frozenset({"day", "week", "month", "season", "year", "decade"})
_DAY = timedelta(days=1)
# The UTC offsets clocks keep: Baker Island's -12:00 to Kiritimati's +14:00
_WEST, _EAST = timedelta(hours=-12), timedelta(hours=14)


def on_clock(ref: TimeRef | None, offset: timedelta | None) -> TimeRef | None:
    """A stored (naive UTC) ``ref`` on the wall clock of the turn that said it: the inverse of
    :func:`~graphmem.extract.times.to_utc`, so the calendar date is what its speaker said.

    A day or longer starts at a midnight of its speaker's clock, so that clock's offset is read from the
    stored start. Offsets run from -12:00 to +14:00, so a start between 10:00 and 12:00 UTC is midnight
    on two clocks (11:00 UTC: at +13:00, Tonga's, the next day; at -11:00 the same day): of the two, the
    one nearer ``offset``, the clock of the turn that reads it, as a conversation mostly keeps one clock
    (of equally near ones the eastern: a naive reader's are -10:00, -11:00 and +12:00). A clock time has no
    midnight and is put on ``offset``. So a speaker at +13:00 read by one at -08:00, or a clock time read
    on another clock, are read on the reader's clock here; one extraction keeps the antecedent's own
    (:class:`~graphmem.extract.pipeline.SpacyExtractor` and the Claude extractor alike).
    """
    if ref is None or ref.start is None:
        return ref
    if ref.grain in _CALENDAR:
        offset = _midnight_at(ref.start, offset or timedelta(0))
    if not offset:
        return ref
    try:
        end = ref.end + offset if ref.end is not None else None
        return TimeRef(ref.phrase, ref.start + offset, end, ref.grain)
    except OverflowError:  # "30 December 9999" on a clock east of UTC: past the calendar, unresolved
        return TimeRef(ref.phrase)


def _midnight_at(start: datetime, near: timedelta) -> timedelta:
    """The offset of a clock whose midnight is the UTC time ``start``: of two, the one nearer ``near``
    (equally near: the eastern one)."""
    since = start - start.replace(hour=0, minute=0, second=0, microsecond=0)
    fits = [o for o in (-since, _DAY - since) if _WEST <= o <= _EAST]
    return min(fits, key=lambda o: (abs(o - near), -o))
