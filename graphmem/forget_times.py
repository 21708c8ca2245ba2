"""A forgotten turn dates nothing: the "later that month" it gave a date to is dated again without it.

"Later that month", "earlier that year" are relative to the time the session talked of last
(:mod:`graphmem.extract.antecedents`). When the turn that named that time is forgotten
(:func:`graphmem.forget.forget_message`), the later turns of its session whose phrase took its date from it
are dated as a fresh ingest of the remaining turns dates them: against the time the turns kept talked of
before (:func:`redated`), or left undated when there is none. Only what the stored turns hold is read
(their text and times, as :mod:`graphmem.live` reads a stored session's antecedent), so the phrase is
resolved on the stored (UTC) clock, pointing back when its old date began before it was said, else ahead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from graphmem.extract.antecedents import antecedent, can_lead
from graphmem.extract.times import TimeResolver, anaphoric
from graphmem.models import Event, TimeRef, event_chain_key

__all__ = ["redated"]


def redated(events: Iterable[Event], gone: Event, resolver: TimeResolver | None = None) -> list[Event]:
    """The events of ``gone``'s session, among ``events`` (the session's as stored, with or without
    ``gone``), whose anaphoric times ("later that month") took their date from ``gone``: with those times
    resolved again against the time the other turns talked of before, or unresolved without one.

    Events whose times do not change are left out; the result is in the session's order.
    """
    resolver = resolver or TimeResolver()
    session = sorted((e for e in events if e.session == gone.session and e.id != gone.id), key=event_chain_key)
    gone_key = event_chain_key(gone)
    told_before: TimeRef | None = None  # the antecedent as it was, with the forgotten turn
    told_now: TimeRef | None = None  # without it
    passed = False
    out: list[Event] = []
    for event in session:
        if not passed and event_chain_key(event) > gone_key:
            passed = True
            told_before = antecedent(gone.text, gone.times) or told_before
        if not passed:
            told_before = told_now = antecedent(event.text, event.times) or told_now
            continue
        topic_before, topic_now = told_before, told_now
        times: list[TimeRef] = []
        for ref in event.times:
            if anaphoric(ref.phrase) and topic_before != topic_now:
                ref = _again(resolver, ref, event, topic_now)
            elif can_lead(event.text, ref):
                topic_before = topic_now = ref
            times.append(ref)
        if tuple(times) != event.times:
            out.append(replace(event, times=tuple(times)))
        told_before, told_now = topic_before, topic_now
        if told_before == told_now:
            break  # a turn of the session named a time of its own: the turns after it date as before
    return out


def _again(resolver: TimeResolver, ref: TimeRef, event: Event, topic: TimeRef | None) -> TimeRef:
    """``ref``, a phrase of ``event`` relative to the time talked of before, resolved against ``topic``."""
    if topic is None or ref.start is None:
        return TimeRef(ref.phrase)
    said = event.occurred_at
    prefer = "past" if said is None or ref.start < said else "future"
    return resolver.resolve(ref.phrase, said, prefer=prefer, antecedent=topic)
