"""Fact versions of a batch told over time: its statements reckoned one by one, as adding them one by one does.

A file is written as one batch per unit (:mod:`graphmem.ingest`), a live ``add`` of several messages as one
batch too, yet what memory believed after each statement must not depend on how the statements arrived.
Reckoning the batch once against the stored facts (:func:`graphmem.extract.temporal.update_facts`) gives
the right *current* facts, since supersession is order-free, but not the right history: a correction then
saw the facts of the batch before any of them was ended ("I live in Madrid" in 2023, "I moved to Valencia
two weeks ago" in 2024, then "Sorry, I meant Valencia" bound to Madrid, long ended by the move), and a
fact ended and then reopened within the batch ("Barcelona now", corrected two minutes later) was never
written ended, so ``AS OF`` the moment between read two places at once.

:func:`replay` reckons the batch statement by statement instead, in the order of its events: each step
holds the facts and closings of one event (a fact or closing belongs to the first of its evidence events
the batch holds), reckoned against the facts as the steps before left them and versioned as a store
versions a write (:func:`graphmem.store.versions.version_batch`), so every step's change is a version
recorded when its statement was made. The batch comes back with ``versioned`` set and every version
written (archived ones under their ids), which the store writes as they are. A step's change to a fact
whose current version was recorded after the step's statement (a live "I left Initech" in June, a file's
March turn) is filed in the fact's chain when it was told, the later version kept as told: the chain is
read from the store (``chains``) as the batch's retraction and earlier steps leave it.

Before the steps, each fact's end that the extractor derived from other statements of the batch (a later
value, a closing, a plan's carrying out) is taken off: it is derived again at the step that tells it. A
fact's own bound ("until June") that equals such an end is taken off too and only the step of that
statement ends it, a limit (a plan gets back the end of its planned time, which the event's times keep).
A closing whose statement the batch does not hold (an end kept across a re-ingest,
:func:`graphmem.store.versions.kept_closings`) applies at every step. Each step reads the current facts of
the subjects its facts and closings name (all of them when a closing names no subject; both people of a
marriage or a relationship, which is stored either way round).

A stored fact told after a step's statement (a live message newer than the file a re-ingest redoes,
an older conversation ingested after a newer one) ends nothing at that step: memory did not know it then.
Told is when its evidence events were made, not when its version was recorded: a fact told in January
that a live "I left Initech" in June recorded anew was known at a March step, which reckons it.
It is held back until the steps are done, then applied to what they wrote (:func:`_caught_up`), each end it
gives a new version recorded when it was. Reckoned at the step instead, its later value ended the step's
fact before a later step told before it could, and that later step then archived a version bearing an end
learned afterwards: an edit re-ingested after a live add changed what ``AS OF`` read before it.

An input written in several units (:mod:`graphmem.ingest`) is one run: a unit that more units of the run
follow (``more``) applies no held-back fact, since a later unit may state what ended its facts first (a
file's first unit says Acme, its second, told before the live message, Globex); the run's last unit
catches up the facts the earlier units wrote (``earlier``: their events) with its own.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from graphmem.extract.temporal import (
    carried_out_ends,
    closing_ends,
    planned_end,
    told_at,
    told_over,
    told_times,
)
from graphmem.extract.vocabulary import MUTUAL
from graphmem.models import Batch, Event, Fact, FactClosing
from graphmem.store.fact_chain import ReadChains, chain_reader
from graphmem.store.sqlite_rows import normalise_dt
from graphmem.store.versions import is_archive, normalised_batch_times, stored_causes, version_batch

__all__ = ["Reckon", "replay"]

#: One step's reckoning: the step's batch and the namespace's current facts → the batch with the ends derived
#: (its facts and every stored fact whose end changes) and the closings naming the causes of those ends.
Reckon = Callable[[Batch, list[Fact]], Batch]


def _step_of(evidence: Iterable[str], order: dict[str, int]) -> int | None:
    return min((order[e] for e in evidence if e in order), default=None)


def _unended(batch: Batch) -> tuple[Fact, ...]:
    """The batch's facts without the ends other statements of the batch gave them (see the module docs).

    An end is taken for one another statement gave when another fact of the subject and predicate starts
    then or, told later, was told then (by its evidence events, :func:`~graphmem.extract.temporal.told_times`),
    whatever its value (the extractor ended the fact before resolution merged values it kept apart:
    "Valencia" typed a person in one turn, a place in another), a closing of the batch ends it then, or a
    fact of the batch carries out the plan then (the plan gets back the end its own statement gave it, when
    its planned time passes: :func:`~graphmem.extract.temporal.planned_end`)."""
    told = told_times(batch.facts, batch.events)
    starts: dict[tuple[str, str], list[Fact]] = {}
    for f in batch.facts:
        starts.setdefault((f.subject_id, f.predicate), []).append(f)
    closed = closing_ends(batch.facts, [c for c in batch.closings if not c.correction])
    carried = carried_out_ends(batch.facts)
    times = {e.id: e.times for e in batch.events}
    out = []
    for f in batch.facts:
        end = f.valid_to
        group = [g for g in starts[(f.subject_id, f.predicate)] if g.id != f.id]
        others = {g.valid_from for g in group}
        if others and f.valid_from is not None:
            others.add(f.valid_from)  # its value dated more precisely later: it never held
            # a value said later to hold since before this one: it ends this one when told
            said = told_at(f, told)
            others.update(t for g in group if (t := told_at(g, told)) > said)
        if end is not None and not told_over(f) and (end in others or end == closed.get(f.id)):
            f = replace(f, valid_to=None)
        if end is not None and end == carried.get(f.id):
            # a plan carried out later in the batch: until then it held until its planned time had passed
            f = replace(f, valid_to=planned_end(f, [t for e in f.evidence for t in times.get(e, ())]))
        out.append(f)
    return tuple(out)


def _steps(batch: Batch, order: dict[str, int]) -> list[tuple[Event, list[Fact], list[FactClosing]]]:
    """The batch's events that state a fact or a closing, in order, each with those facts and closings
    (``order``: event id → its index in ``batch.events``)."""
    facts: dict[int, list[Fact]] = {}
    closings: dict[int, list[FactClosing]] = {}
    for f in batch.facts:
        facts.setdefault(_step_of(f.evidence, order) or 0, []).append(f)
    for c in batch.closings:
        step = _step_of(c.evidence, order)
        if step is not None:
            closings.setdefault(step, []).append(c)
    return [(batch.events[i], facts.get(i, []), closings.get(i, [])) for i in sorted(facts.keys() | closings.keys())]


def replay(
    batch: Batch,
    stored: Sequence[Fact],
    reckon: Reckon,
    told: Mapping[str, datetime] | None = None,
    *,
    more: bool = False,
    earlier: Collection[str] = (),
    chains: ReadChains | None = None,
) -> Batch:
    """The batch with the fact versions its statements make one by one (see the module docs).

    Args:
        batch: a resolved batch, its corrections bound.
        stored: the namespace's current facts as the batch's write finds them (after its ``retract``).
        reckon: derives the ends of one step's batch against the current facts.
        told: when the stored facts were told, by id (:func:`graphmem.fact_time.told_in_store`), for the
            ends stored facts held back from the steps give (:func:`_caught_up`).
        more: later units of the same run follow: stored facts told after a step are left to the last.
        earlier: the events the run's earlier units wrote; their facts are caught up with this batch's.
        chains: every stored version of the facts some events state or revised (read as the batch's
            retraction and earlier steps leave them, :func:`graphmem.store.fact_chain.chain_reader`): a
            step's change learned before a fact's version was recorded is filed in its chain when it was
            learned (:func:`graphmem.store.versions.version_batch`).

    Returns:
        ``reckon(batch, stored)`` when the batch's facts and closings come from one event at most and it is
        a run of its own; else the batch holding every version its steps wrote, ``versioned`` set.
    """
    ours = _of_events(stored, earlier) if not more else set()
    if not batch.facts and not ours:
        return reckon(batch, list(stored))
    order = {e.id: i for i, e in enumerate(batch.events)}
    outside = tuple(c for c in batch.closings if _step_of(c.evidence, order) is None)
    unended = replace(batch, facts=_unended(batch), closings=tuple(c for c in batch.closings if c not in outside))
    steps = _steps(unended, order)
    if len(steps) < 2 and not more and not ours:
        return reckon(batch, list(stored))
    gone = set(batch.retract)
    known = {f.id: f for f in stored}
    by_subject: dict[str, set[str]] = {}
    for f in stored:
        by_subject.setdefault(f.subject_id, set()).add(f.id)
    # what the store's write deletes with the retraction: never archived, as the store would not
    dropped = {f.id for f in stored if gone and f.evidence and set(f.evidence) <= gone}
    written: dict[str, Fact] = {}
    closings: dict[FactClosing, None] = {}

    def lookup(fact_id: str) -> Fact | None:
        return None if fact_id in dropped else known.get(fact_id)

    chain_of = chain_reader(chains or (lambda ids: ()), gone=gone, written=written)

    before: set[str] = set()  # the events of the steps before
    rewritten: set[str] = set()  # the facts the steps before wrote a version of

    held_back: dict[str, Fact] = {}  # stored facts told after a step they were kept from
    for event, facts, own in steps:
        step_closings = (*own, *outside)
        subjects = {f.subject_id for f in facts} | {c.subject_id for c in step_closings if c.subject_id is not None}
        # a state of two people is stored either way round ("Omar and I got divorced" kept as Omar's)
        subjects |= {f.object_id for f in facts if f.predicate in MUTUAL}
        subjects |= {c.object_id for c in step_closings if c.predicate in MUTUAL and c.object_id is not None}
        if any(c.subject_id is None for c in step_closings):
            subjects = set(by_subject)
        at = normalise_dt(event.occurred_at)
        base = []
        for i in (i for s in sorted(subjects) for i in sorted(by_subject.get(s, ()))):
            if i in dropped and set(known[i].evidence) <= before:
                continue  # retracted, and not stated again
            if _later(known[i], at, rewritten, dropped, told or {}):
                held_back[i] = known[i]
            else:
                base.append(known[i])
        # a retracted event a step before stated again states facts again: they are no longer retracted
        retract = tuple(e for e in batch.retract if e not in before)
        sub = replace(unended, events=(event,), facts=tuple(facts), closings=step_closings, retract=retract)
        before.add(event.id)
        reckoned = reckon(sub, base)
        closings.update(dict.fromkeys(reckoned.closings))
        versions = version_batch(normalised_batch_times(reckoned), lookup, chain_of).facts
        _kept(versions, written, known, by_subject, dropped, rewritten)
    if not more:
        ours -= dropped
        held_back.update(_told_after(ours - rewritten, known, by_subject, rewritten | ours, dropped, told or {}))
    if held_back and not more:
        retract = tuple(e for e in batch.retract if e not in before)
        mine = rewritten | ours
        written.update(
            (f.id, f)
            for f in _caught_up(unended, outside, retract, known, dropped, mine, held_back, reckon, told or {})
        )
    return replace(batch, facts=tuple(written.values()), closings=tuple(closings), versioned=True)


def _kept(
    versions: Iterable[Fact],
    written: dict[str, Fact],
    known: dict[str, Fact],
    by_subject: dict[str, set[str]],
    dropped: set[str],
    rewritten: set[str],
) -> None:
    """Note the versions a step wrote: each is written; a current one is what the next steps reckon."""
    for f in versions:
        written[f.id] = f
        if is_archive(f.id) or f.expired_at is not None:
            continue
        old = known.get(f.id)
        if old is not None and old.subject_id != f.subject_id:
            by_subject.get(old.subject_id, set()).discard(f.id)
        known[f.id] = f
        by_subject.setdefault(f.subject_id, set()).add(f.id)
        dropped.discard(f.id)
        rewritten.add(f.id)


def _later(
    fact: Fact, at: datetime | None, rewritten: set[str], dropped: set[str], told: Mapping[str, datetime]
) -> bool:
    """Whether a stored fact was told after the statement of a step told at ``at``: memory did not know
    it then, so it ends nothing at that step (:func:`_caught_up` applies it after the batch's steps). Told
    is when its evidence events were made (``told``, :func:`~graphmem.extract.temporal.told_at`), not when
    its version was recorded: a later statement ending it ("I left Initech") records it anew, yet memory
    knew it since it was told."""
    if at is None or fact.id in rewritten or fact.id in dropped:
        return False
    return told_at(fact, told) > at


def _of_events(stored: Sequence[Fact], events: Collection[str]) -> set[str]:
    """The ids of the stored facts one of ``events`` states."""
    if not events:
        return set()
    said = set(events)
    return {f.id for f in stored if said.intersection(f.evidence)}


def _told_after(
    ids: set[str],
    known: dict[str, Fact],
    by_subject: dict[str, set[str]],
    ours: set[str],
    dropped: set[str],
    told: Mapping[str, datetime],
) -> dict[str, Fact]:
    """The stored facts, not the run's (``ours``), told after one of the run's facts ``ids`` of their
    subject (:func:`_later`): the earlier units held them back from that fact's statement, the last unit
    applies them."""
    out: dict[str, Fact] = {}
    for i in ids:
        f = known[i]
        for j in by_subject.get(f.subject_id, ()):
            g = known[j]
            if j not in ours and j not in dropped and told_at(g, told) > told_at(f, told):
                out[j] = g
    return out


def _caught_up(
    batch: Batch,
    outside: tuple[FactClosing, ...],
    retract: tuple[str, ...],
    known: dict[str, Fact],
    dropped: set[str],
    rewritten: set[str],
    held_back: dict[str, Fact],
    reckon: Reckon,
    told: Mapping[str, datetime],
) -> list[Fact]:
    """The versions the stored facts held back from earlier steps give the facts the steps wrote, once
    every step is reckoned: each end such a fact gives is a new version recorded when that fact was
    (:func:`graphmem.store.versions.stored_causes`), after the versions the batch's own statements made.

    A step reckoned against a stored fact told after it would end its facts before a later step of
    the batch, told before that stored fact, could: a file's first session's job ended by a job a live
    message told months later, not by the file's second session, told between them; the version recorded
    at the first session then bore an end learned later, and the second session archived it so.
    """
    subjects = {f.subject_id for f in held_back.values()}
    mine = [known[i] for i in sorted(rewritten) if i in known and known[i].subject_id in subjects]
    if not mine:
        return []
    base = [
        f
        for i, f in sorted(known.items())
        if i not in rewritten and f.subject_id in subjects and not (i in dropped and set(f.evidence) <= set(retract))
    ]
    sub = replace(batch, events=(), facts=tuple(mine), closings=outside, retract=retract)
    reckoned = reckon(sub, base)
    before = {f.id: f for f in mine}
    changed = []
    for f in reckoned.facts:
        old = before.get(f.id) or known.get(f.id)
        if old is not None and (f.valid_from, f.valid_to) == (old.valid_from, old.valid_to):
            continue
        # the end is the held-back fact's doing: the versioning names it, not what made the version before
        changed.append(replace(f, revised_by=()) if f.id in before else f)
    if not changed:
        return []
    ended = replace(reckoned, facts=tuple(changed))
    causes = stored_causes(ended, list(held_back.values()), told)
    ended = replace(ended, closings=(*ended.closings, *causes))
    return list(version_batch(normalised_batch_times(ended), lambda i: None if i in dropped else known.get(i)).facts)
