"""A state dated by a period and told again with a day inside it: the later, more precise date wins.

"I'm moving to Rome next month", said on 1 May, states ``lives_in`` Rome from 1 June (the start of the
month it names); "I moved to Rome on 3 June", said on 1 July, tells the same move with its day. So does
"Actually, I moved to Berlin on 20 February, not last week." after "I moved to Berlin last week." (the
week of 19 February). Both are statements of one state, and the first only gave the period: read alone,
memory would answer Rome for 2 June and end the home before it there. So a fact whose own clause dated its
start by a period, with no end (a **forecast**, or a past start said roughly), is *dated by* a fact of the
same subject, predicate and object told after it whose clause dated it too, strictly later than the
forecast's start and inside the period the forecast's phrase names (June, resolved again against when the
forecast was said): the forecast then held for no time (:func:`graphmem.extract.temporal.supersession_ends`
gives it an end at its start, and it ends no other value), and the dated fact begins the state. A fact
dated only by when it was said ("I live in Rome now") dates nothing, nor does one dated outside the period
("I moved to Rome on 3 August": another time than the one announced), nor one dated earlier (both then hold
from the earlier start).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from graphmem.models import OVER_PHRASE, Fact

__all__ = ["dated_forecasts"]


def dated_forecasts(group: Iterable[Fact]) -> set[str]:
    """The ids of the forecasts of ``group`` (facts of one subject and one single-valued predicate) that a
    later statement dates (see the module docs)."""
    facts = [f for f in group if not f.never_held]
    out: set[str] = set()
    for f in facts:
        if not _forecast(f):
            continue
        period_end: datetime | None = None
        for g in facts:
            if (
                g.id == f.id
                or g.object_id != f.object_id
                or g.recorded_at <= f.recorded_at
                or g.valid_from is None
                or f.valid_from is None
                or g.time_phrase in (None, OVER_PHRASE)
                or g.valid_from <= f.valid_from
            ):
                continue
            if period_end is None:
                period_end = _period_end(f)
                if period_end is None:
                    break
            if g.valid_from < period_end:
                out.add(f.id)
                break
    return out


def _forecast(f: Fact) -> bool:
    """Whether ``f``'s own clause dated its start by a period and gave it no end: "I'm moving to Rome next
    month", "I moved to Berlin last week" (not "I lived in Porto until 2020")."""
    ended = f.valid_to is not None and f.valid_to <= f.recorded_at  # told as over when said
    return f.valid_from is not None and f.time_phrase not in (None, OVER_PHRASE) and not ended


def _period_end(f: Fact) -> datetime | None:
    """The end of the period the forecast's phrase names, resolved again against when it was said."""
    from graphmem.extract.times import resolve_time  # the resolver loads dateparser: only when a forecast is dated

    assert f.time_phrase is not None
    ahead = f.valid_from is not None and f.valid_from > f.recorded_at
    ref = resolve_time(f.time_phrase, f.recorded_at, prefer="future" if ahead else "past")
    if ref.start is None or ref.end is None or f.valid_from is None or not ref.start <= f.valid_from < ref.end:
        return None
    return ref.end
