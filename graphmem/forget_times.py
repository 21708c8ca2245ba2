"""A forgotten turn dates nothing: the "later that month" it gave a date to is dated again without it.

"Later that month", "earlier that year" are relative to the time the session talked of last
(:mod:`graphmem.extract.antecedents`). When the turn that named that time is forgotten
(:func:`graphmem.forget.forget_message`), the later turns of its session whose phrase took its date from it
are dated as a fresh ingest of the remaining turns dates them: against the time the turns kept talked of
before (:func:`redated`), or left undated when there is none. Only what the stored turns hold is read
(their text and times, as :mod:`graphmem.live` reads a stored session's antecedent), so the phrase is
resolved on the stored (UTC) clock, pointing back when its old date began before it was said, else ahead.

The facts those turns stated or ended are dated again with them (:func:`redated_facts`), every version of
each (current and archived, :mod:`graphmem.store.versions`), in place: a bound the phrase gave (its start,
its end) moves to the phrase's new start or end; with the phrase left undated, a fact it started starts
when its statement was made and one it ended (a state told as over, an ending such as "later that month I
quit") ends when said, as a fresh ingest of the remaining turns dates them. In place, not as a new version
recorded now: the old date came from the forgotten turn, and a forget keeps nothing the turn said (as
retracting a statement removes the versions it caused instead of archiving them), so ``AS OF`` an earlier
time answers as a memory that never heard it. The events and facts are one write (:func:`write_redated`);
the ends the new dates change in other facts of their subjects are then derived again
(:func:`graphmem.settle.settle`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from graphmem.extract.antecedents import antecedent, can_lead
from graphmem.extract.times import TimeResolver, anaphoric
from graphmem.models import OVER_PHRASE, Batch, Event, Fact, TimeRef, event_chain_key

if TYPE_CHECKING:
    from graphmem.store.base import GraphStore

__all__ = ["redated", "redated_facts", "write_redated"]


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


def redated_facts(
    versions: Iterable[Fact], changed: Mapping[str, tuple[Event, Event]], said: Mapping[str, datetime | None]
) -> list[Fact]:
    """The fact versions among ``versions`` whose valid time came from a phrase :func:`redated` dated again,
    with that time moved as the module docs say; the others are left out.

    Args:
        versions: fact versions (current and archived) of the facts the changed events stated or revised.
        changed: event id → the event as stored and as dated again (the same ``times``, some resolved anew).
        said: event id → when it was said, for the first evidence event of each version (an undated fact
            starts when its statement was made).
    """
    out: list[Fact] = []
    for version in versions:
        fact = version
        for event_id in dict.fromkeys((*version.evidence, *version.revised_by)):
            if event_id not in changed:
                continue
            before, after = changed[event_id]
            for old, new in zip(before.times, after.times, strict=True):
                if old == new or old.start is None:
                    continue
                if event_id in version.evidence and fact.time_phrase == old.phrase:
                    first = version.evidence[0] if version.evidence else event_id
                    fact = _stated(fact, old, new, said.get(first), after.occurred_at)
                elif event_id in version.revised_by:
                    fact = _ended(fact, old, new, after.occurred_at)
        if fact != version:
            out.append(fact)
    return out


def _moved(value: datetime | None, old: TimeRef, new: TimeRef) -> datetime | None:
    """A bound ``old`` gave (its start or end) moved to ``new``'s; any other kept."""
    if value is not None and value == old.start:
        return new.start
    if value is not None and value == old.end:
        return new.end
    return value


def _stated(fact: Fact, old: TimeRef, new: TimeRef, stated: datetime | None, said: datetime | None) -> Fact:
    """``fact``, dated by the phrase ``old`` of its statement, dated by ``new`` instead (``stated``: when the
    statement it was first made by was said; ``said``: when the phrase's turn was)."""
    gave = {old.start, old.end}
    if new.start is not None:
        start, end = _moved(fact.valid_from, old, new), _moved(fact.valid_to, old, new)
        if start is not None and end is not None and end <= start and fact.valid_to != fact.valid_from:
            end = None  # an end before the start is a misreading, never a state (as extraction drops it)
        return replace(fact, valid_from=start, valid_to=end, time_phrase=new.phrase)
    if fact.valid_from is None and fact.valid_to in gave:  # a state told as over, dated by the phrase
        return replace(fact, valid_to=said, time_phrase=OVER_PHRASE)
    start = stated if fact.valid_from in gave else fact.valid_from
    end = None if fact.valid_to in gave else fact.valid_to
    return replace(fact, valid_from=start, valid_to=end, time_phrase=None)


def _ended(fact: Fact, old: TimeRef, new: TimeRef, said: datetime | None) -> Fact:
    """``fact``, ended by a statement whose phrase ``old`` dated the end, ended as ``new`` dates it (when said,
    undated)."""
    if fact.valid_to is None or fact.valid_to not in (old.start, old.end):
        return fact
    end = _moved(fact.valid_to, old, new) if new.start is not None else said
    return replace(fact, valid_to=end)


def write_redated(store: GraphStore, namespace: str, gone: Event) -> Callable[[], int] | None:
    """Date again, without ``gone`` (just deleted), the later turns of its session whose phrase took its date
    from it and the facts they stated or ended, in one write; ``None`` when none did, else the call that
    derives again the ends the new dates change in other facts of their subjects (how many it wrote), which
    the caller makes (and may make again: it settles from the facts current when it runs)."""
    from graphmem.settle import current_facts, settle
    from graphmem.writer import fact_chains

    stored = {e.id: e for e in store.iter_events(namespace, session=gone.session)}
    again = redated(stored.values(), gone)
    if not again:
        return None
    changed = {e.id: (stored[e.id], e) for e in again}
    versions = fact_chains(store, namespace, changed)
    firsts = sorted({v.evidence[0] for v in versions if v.evidence} - stored.keys())
    said = {e.id: e.occurred_at for e in (*stored.values(), *store.get_events(namespace, firsts))}
    facts = redated_facts(versions, changed, said)
    subjects = {f.subject_id for f in facts}
    before = current_facts(store, namespace, subjects)
    store.write(Batch(namespace, events=tuple(again), facts=tuple(facts), versioned=True))
    if not subjects:
        return lambda: 0
    return lambda: settle(store, namespace, before, subjects=subjects)
