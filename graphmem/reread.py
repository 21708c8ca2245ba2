"""The ends that stored turns outside an input give again once its re-ingest takes back an earlier end.

A live "I left Initech last week" added after the file had ended the job ("I quit Initech on 15 April")
ended nothing, and nothing of it is stored. When the file is ingested again without (or with another)
April turn, its retraction opens the job again; :func:`reread_ends` extracts again the stored turns outside
the input that may end a reopened fact (:func:`graphmem.reopened.later_turns`), each as a live ``add``
read it (with the :data:`~graphmem.live_placement.CONTEXT_TURNS` stored turns of its session said before
it), and gives the ends they say of those facts, to apply with the unit's write
(:attr:`graphmem.writer.RunUnit.kept`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from graphmem.reopened import later_turns, retracted_ends

if TYPE_CHECKING:
    from graphmem.extract import Extractor
    from graphmem.models import Batch, Event, Fact, FactClosing
    from graphmem.store.base import GraphStore

__all__ = ["reread_ends", "still_open"]


def reread_ends(
    store: GraphStore, namespace: str, retract: Collection[str], extractor: Extractor
) -> tuple[FactClosing, ...]:
    """The ends that stored events other than ``retract`` (and other than those of the input retracting
    them, which it redoes itself) say of the facts whose end an event of ``retract`` gave, extracted again.

    Args:
        store: the store, read before the retraction is written.
        namespace: the namespace of the input.
        retract: the events the unit retracts.
        extractor: the extractor the input is read with.
    """
    from graphmem.writer import fact_chains

    gone = set(retract)
    ends = retracted_ends(fact_chains(store, namespace, gone), gone)
    if not ends:
        return ()
    todo = sorted(later_turns(store, namespace, ends) - gone)
    if not todo:
        return ()
    events = sorted(store.get_events(namespace, todo), key=lambda e: (e.occurred_at is None, e.occurred_at, e.id))
    facts = [f for f, _ in ends]
    out: list[FactClosing] = []
    for event in events:
        out.extend(c for c in _closings(store, namespace, event, extractor) if any(_ends(c, f) for f in facts))
    return tuple(out)


def _ends(c: FactClosing, f: Fact) -> bool:
    """Whether the closing ``c`` (resolved) may end the fact ``f``."""
    return (
        c.correction is False
        and c.predicate == f.predicate
        and c.subject_id in (None, f.subject_id)
        and c.object_id in (None, f.object_id)
    )


def _closings(store: GraphStore, namespace: str, event: Event, extractor: Extractor) -> tuple[FactClosing, ...]:
    """The closings ``event`` says, extracted as a live ``add`` of it did and resolved against the
    namespace's stored entities."""
    from graphmem.entity_prior import known_entities, turn_texts
    from graphmem.extract.names import event_id
    from graphmem.extract.resolve import resolve_batch
    from graphmem.live import _only_new
    from graphmem.live_placement import CONTEXT_TURNS
    from graphmem.transcript import RawSession, RawTurn, Transcript

    session = next((s for s in store.iter_sessions(namespace) if s.id == event.session), None)
    said = sorted((e for e in store.iter_events(namespace, session=event.session) if e.seq < event.seq), key=_order)
    window: list[Event] = []
    for e in reversed(said[-CONTEXT_TURNS:]):
        if not e.speaker:
            break
        window.append(e)
    before = window[::-1]
    turns = tuple(RawTurn(e.speaker or "", e.text, timestamp=e.occurred_at) for e in (*before, event))
    first = event.seq - len(before)
    raw = RawSession(
        event.session,
        session.index if session else 0,
        turns,
        session.started_at if session else None,
        session.date_text if session else None,
        first,
    )
    speakers = tuple(dict.fromkeys(t.speaker for t in turns if t.speaker))
    transcript = Transcript(namespace, (raw,), format="live", participants=speakers)
    known = known_entities(store, namespace, turn_texts(transcript), participants=speakers)
    transcript = replace(transcript, known=known)
    context = frozenset(event_id(event.session, first + k) for k in range(len(before)))
    batch = _only_new(extractor.extract(transcript), context)
    if not batch.closings:
        return ()
    resolved = resolve_batch(batch, list(store.iter_entities(namespace)), None, history=store)
    return tuple(c for c in resolved.closings if set(c.evidence) <= {event.id})


def _order(e: Event) -> tuple[object, ...]:
    return (e.occurred_at is None, e.occurred_at, e.seq)


def still_open(closings: Iterable[FactClosing], batch: Batch) -> tuple[FactClosing, ...]:
    """The ``closings`` (:func:`reread_ends`) whose fact ``batch`` (resolved) leaves open when each was
    told: the batch's last statement of the subject's predicate told before it, if any, states that fact
    again rather than ending it (a closing of it, or another value). A live "I left Initech last week"
    after the re-ingested file's own "I quit Initech on 15 April" ends nothing, as when it was added."""
    when = {e.id: e.occurred_at for e in batch.events if e.occurred_at is not None}

    def told(evidence: Iterable[str]) -> datetime | None:
        return min((when[e] for e in evidence if e in when), default=None)

    out = []
    for c in closings:
        said: list[tuple[datetime, bool]] = []  # (told, whether it leaves the fact open)
        for f in batch.facts:
            at = told(f.evidence)
            if at is not None and at < c.recorded_at and f.predicate == c.predicate and f.subject_id == c.subject_id:
                said.append((at, c.object_id is None or f.object_id == c.object_id))
        for b in batch.closings:
            at = told(b.evidence)
            same = not b.correction and b.predicate == c.predicate and b.subject_id in (None, c.subject_id)
            if at is not None and at < c.recorded_at and same and b.object_id in (None, c.object_id):
                said.append((at, False))
        if not said or max(said)[1]:
            out.append(c)
    return tuple(out)
