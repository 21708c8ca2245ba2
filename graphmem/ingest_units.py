"""The units of an ingest: an input's sessions grouped into batches, each extracted and committed in one
transaction.

:func:`add_units` turns the plans of a transcript's sessions (:mod:`graphmem.ingest_diff`) into
:class:`Todo` items of at least :data:`UNIT_TURNS` turns: an interrupted input resumes at the unit it
stopped in (:func:`session_key` marks each session committed), and the first unit into a namespace
retracts every turn the run redoes. The read stage (:mod:`graphmem.ingest_read`) plans them; ingestion
(:mod:`graphmem.ingest`) extracts and writes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from graphmem import ingest_context as kept_turns
from graphmem.entity_prior import known_entities, turn_texts
from graphmem.ingest_diff import SessionPlan
from graphmem.ingest_prints import SessionPrint, prints_key
from graphmem.models import Batch, SourceRecord
from graphmem.transcript import Transcript

if TYPE_CHECKING:
    from graphmem.ingest_read import Job
    from graphmem.store.base import GraphStore

__all__ = ["UNIT_TURNS", "Todo", "add_units", "session_key"]


#: Sessions are committed in units of at least this many turns (a longer session is a unit of its own):
#: an interrupted input resumes at the unit it stopped in, and units this size keep the embedder's and
#: spaCy's batches full (one-session units of LoCoMo's ~22 turns cost 1.8x the embedding CPU time).
UNIT_TURNS = 256


@dataclass(frozen=True, slots=True)
class Todo:
    """One unit to extract and commit in one batch: consecutive sessions of a transcript (or all of it).

    A session whose leading turns are unchanged since the input was last ingested appears with only its
    changed or new turns, numbered on from its ``first_seq``. ``record`` marks the whole transcript done
    (on its last unit; ``None`` on the others); ``marks`` mark each session of the unit committed (so an
    interrupted run resumes after them) and hold the sessions' turn fingerprints
    (:mod:`graphmem.ingest_prints`); ``retract`` lists events of the input's earlier version to delete
    in the same transaction; ``indexes`` gives each session's place in its whole transcript, which the
    extraction of a part cannot know; ``forgotten`` lists the events of this unit not to write again,
    their unchanged turns having been forgotten (:meth:`graphmem.Memory.forget`) since; ``moves`` are
    written first, each in its own transaction (:func:`graphmem.ingest_moved.move_batch`);
    ``forgotten_live`` are the places (session id, position) of the messages added live that the unit
    retracts and writes under another event id, recorded as forgotten live places
    (:func:`graphmem.ingest_held.live_in_the_way`); ``resumed`` (on the last unit of a conversation) lists
    the events of the sessions an interrupted run of the same content wrote, whose facts that unit
    catches up (:mod:`graphmem.ingest_run`).
    """

    transcript: Transcript
    record: SourceRecord | None
    retract: tuple[str, ...] = ()
    marks: tuple[SourceRecord, ...] = ()
    indexes: tuple[tuple[str, int], ...] = ()
    forgotten: tuple[str, ...] = ()
    moves: tuple[Batch, ...] = ()
    forgotten_live: tuple[tuple[str, int], ...] = ()
    resumed: tuple[str, ...] = ()


def add_units(
    job: Job,
    t: Transcript,
    key: str,
    plans: list[SessionPlan],
    gone: list[SourceRecord],
    stale: tuple[str, ...],
    content_hash: str,
    recorded: bool,
    now: datetime,
    store: GraphStore,
    written: dict[str, dict[int, str]],
    done: set[str],
) -> None:
    """Group the sessions to write into units and add them to ``job`` (see :class:`Todo`); the last
    carries the input's record in the namespace when ``recorded`` (``t`` is the namespace's last
    conversation of the input) and the events of the sessions an interrupted run of this content wrote
    (``done``), as :attr:`Todo.resumed`."""
    ns = t.namespace

    def prints_of(items: Sequence[SessionPlan]) -> tuple[SourceRecord, ...]:
        return tuple(SourceRecord(ns, prints_key(key, p.raw.id), p.print.encode(), now) for p in items)

    # unchanged sessions keep their events; their prints are written again (with the first unit), so a
    # session marked done by an interrupted run of an older graphmem gets one
    settled = [p for p in plans if p.unchanged]
    pending = [p for p in plans if not p.unchanged]
    first_extra = (*gone, *prints_of(settled))
    units = _units(pending)
    if not units:
        units = [[]]  # nothing to extract: one empty unit still retracts and records the new version
    # a unit holding part of the conversation is extracted as the whole would be: with everyone taking
    # part (whom a speaker addresses) and, when stored turns are kept, the words they use in lower case
    partial = len(units) > 1 or bool(settled) or any(p.kept for p in pending)
    vocabulary: frozenset[str] = frozenset()
    kept_ids: list[str] = []
    if settled or any(p.kept for p in pending):
        retracted = {e for p in pending for e in p.retract} | set(stale)
        kept_ids = [e for evs in written.values() for e in evs.values() if e not in retracted]
        vocabulary = frozenset(kept_turns.vocabulary(store, ns, kept_ids))
    participants = kept_turns.participants(t)
    kept_set = frozenset(kept_ids)
    # a session whose leading turns stay is extracted on from the time they talked of last ("later that month")
    told = {
        p.raw.id: ref
        for p in pending
        if p.kept and (ref := kept_turns.told(store, ns, written.get(p.raw.id, {}), p.kept))
    }
    # every unit's retractions go with the first: a unit written while later units of the earlier version
    # are still stored would be ended by their facts, with versions recorded before the statements that
    # caused them (re-extraction with another extractor redoes every unit); a fresh ingest has not
    # written the later units yet either. An interrupted run resumes at the first unit not committed: the
    # first unit stores each later session's print cut where its turns were retracted, so the resumed
    # run writes them all (none is taken for forgotten; one forgotten before comes back, a limit)
    redone = (*stale, *(e for p in pending for e in p.retract))
    later = [p for unit in units[1:] for p in unit if p.retract]
    first_extra += tuple(
        SourceRecord(
            ns, prints_key(key, p.raw.id), SessionPrint(p.print.session, p.print.turns[: p.kept]).encode(), now
        )
        for p in later
    )
    for n, unit in enumerate(units):
        retract = redone if n == 0 else ()
        marks = tuple(SourceRecord(ns, session_key(key, p.raw.id), content_hash, now) for p in unit)
        marks += prints_of(unit) + (first_extra if n == 0 else ())
        last = n == len(units) - 1
        record = SourceRecord(ns, key, content_hash, now) if last and recorded else None
        part = replace(t, sessions=tuple(p.raw for p in unit))
        if partial:
            part = replace(part, participants=participants, vocabulary=vocabulary)
        if kept_set and part.sessions:
            # the entities the kept turns stored, that this unit names: typed as a fresh ingest would
            texts = turn_texts(part)
            part = replace(part, known=known_entities(store, ns, texts, participants=participants, kept=kept_set))
        if any(p.raw.id in told for p in unit):
            part = replace(part, antecedents=tuple((p.raw.id, told[p.raw.id]) for p in unit if p.raw.id in told))
        # the stored turns before those extracted again, for an extractor that reads a turn after them
        context = [
            (p.raw.id, kept_turns.said_before(store, ns, written.get(p.raw.id, {}), p.kept)) for p in unit if p.kept
        ]
        if any(turns for _, turns in context):
            part = replace(part, context=tuple((sid, turns) for sid, turns in context if turns))
        forgotten = tuple(e for p in unit for e in p.forgotten)
        if forgotten:
            part = replace(part, forgotten=frozenset(forgotten))
        job.todo.append(Todo(part, record, retract, marks, tuple((p.raw.id, p.index) for p in unit), forgotten))
    resumed = tuple(e for p in settled if p.raw.id in done for e in written.get(p.raw.id, {}).values())
    if resumed:
        job.todo[-1] = replace(job.todo[-1], resumed=resumed)


def _units(pending: list[SessionPlan]) -> list[list[SessionPlan]]:
    """Consecutive sessions grouped into units of at least :data:`UNIT_TURNS` turns to write (the last
    may be short)."""
    units: list[list[SessionPlan]] = []
    current: list[SessionPlan] = []
    turns = 0
    for item in pending:
        current.append(item)
        turns += len(item.raw.turns)
        if turns >= UNIT_TURNS:
            units.append(current)
            current, turns = [], 0
    if current:
        units.append(current)
    return units


def session_key(key: str, session_id: str) -> str:
    """The source key that marks one session of an input committed (``<key>@session_3``)."""
    return f"{key}@{session_id}"
