"""Fact versions: the record-time axis kept whole, shared by every store.

A fact (one id) has a *chain* of versions. The current version keeps the fact's id; each earlier one is
archived under ``<id>@<its recorded_at>`` (:func:`archive_id`) with ``expired_at`` set to the time the next
version was recorded. Nothing is updated in place:

- **Writing** a fact whose id is stored with another valid time, subject, predicate or object makes a new
  version (:func:`version_batch`): it is recorded at the written fact's ``recorded_at`` when that is later
  than the stored version's, else at the latest time of the batch's events (the statements that changed
  it); the stored version is archived, expired at that time. A version names the statements that made
  it in ``revised_by``; when the writer leaves it empty and the batch holds the fact whose new value
  ended this one (same subject and predicate, starting when this one ends), that fact's evidence and
  ``recorded_at`` are used: a :class:`~graphmem.models.FactClosing` of the batch that ends it ("I quit
  my job"), else a fact about the same subject starting when this one ends (a new value of the
  predicate, else an ending statement such as "left Acme", or another value of it told when this one
  ends and held since no later than this one began: a fact is told when its evidence events were made,
  :func:`graphmem.extract.temporal.told_times`, never when its version was recorded), else, for a fact
  now held for no time, the later statement showing so (its value dated more precisely). A new
  fact that a later fact of the same batch ends is written as both versions (open until that fact was
  recorded, then closed); so is one a later *stored* fact ends, which the writer names as a closing
  (:func:`stored_causes`: an older conversation ingested after a newer one). A change told before the
  stored version was recorded is filed in the chain when it was told (:func:`_filed_back`), the stored
  version kept as told. A write that changes only evidence, phrase or confidence, or that cannot be dated
  after the stored version and has no version to file it after, updates that version.
- **Retracting** events (``delete_event``, ``Batch.retract``) removes the versions they caused (a
  version's ``revised_by``) and re-links the chain (:func:`unwind_chain`): retracting the statement that
  closed a fact makes the version before it current again; two versions left next to each other that a
  change filed back made (same claim, same ``revised_by``) are one again.

``AS OF t`` reads the versions recorded by ``t`` and not yet expired then; every other read sees the
current versions only (:meth:`graphmem.store.base.TimeFilter.admits_fact`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import pairwise

from graphmem.extract.temporal import told_at, told_times
from graphmem.models import OVER_PHRASE, Batch, Fact, FactClosing
from graphmem.store.sqlite_rows import normalise_dt, normalised_event, normalised_fact

__all__ = [
    "Chain",
    "archive_id",
    "chain_order",
    "current_after_retraction",
    "is_archive",
    "kept_closings",
    "logical_id",
    "normalised_batch_times",
    "rekeyed_ids",
    "stored_causes",
    "unwind_chain",
    "unwound",
    "version_batch",
]

_SEP = "@"


def archive_id(fact_id: str, recorded_at: datetime) -> str:
    """The id an earlier version of ``fact_id`` recorded at ``recorded_at`` is kept under."""
    return f"{fact_id}{_SEP}{recorded_at.isoformat()}"


def is_archive(fact_id: str) -> bool:
    """Whether ``fact_id`` names an archived (expired) version."""
    return _SEP in fact_id


def logical_id(fact_id: str) -> str:
    """The id of the fact a version belongs to (``f1@2024-01-01T00:00:00`` → ``f1``)."""
    return fact_id.split(_SEP, 1)[0]


def rekeyed_ids(
    versions: Iterable[tuple[str, str, str, str, Sequence[str]]], old_id: str, new_id: str
) -> dict[str, str]:
    """The ids the fact versions an entity moving from ``old_id`` to ``new_id`` is an end of take: each
    ``(id, subject, predicate, object, evidence)`` as stored before the move.

    A fact's id is made of the event that first stated it and its ends
    (:func:`graphmem.extract.names.fact_id`), and a later statement of the same fact by the same turn (a
    start told after the job, which cites the job's turn) finds it by that id. A fact whose logical id is
    made so (of a version's first evidence event, or of none) gets the one its moved ends make, each
    version keeping its archive suffix, so its chain stays one; a fact whose id was given otherwise (by a
    caller of ``write``) keeps it. Returns old id → new id, only for the ids that change.
    """
    from graphmem.extract.names import fact_id

    def moved(end: str) -> str:
        return new_id if end == old_id else end

    chains: dict[str, list[tuple[str, str, str, str, Sequence[str]]]] = {}
    for row in versions:
        chains.setdefault(logical_id(row[0]), []).append(row)
    out: dict[str, str] = {}
    for logical, rows in chains.items():
        made = next(
            (
                fact_id(first, moved(subject), predicate, moved(obj))
                for _fid, subject, predicate, obj, evidence in rows
                for first in (evidence[0] if evidence else "",)
                if fact_id(first, subject, predicate, obj) == logical
            ),
            None,
        )
        if made is not None and made != logical:
            out.update((fid, made + fid[len(logical) :]) for fid, *_rest in rows)
    return out


#: The fields of a version that say what memory believed held (the rest say when and why it was recorded).
_HELD = ("subject_id", "predicate", "object_id", "valid_from", "valid_to")
#: Those and the phrase it was told in: what a version filed back takes from the change (:func:`_filed_back`).
_CLAIM = (*_HELD, "time_phrase")


def _claim(v: Fact, names: Sequence[str] = _CLAIM) -> tuple[object, ...]:
    return tuple(getattr(v, name) for name in names)


def _same_claim(a: Fact, b: Fact) -> bool:
    """Whether ``a`` and ``b`` say the same thing held (a change of phrase alone makes no new version)."""
    return _claim(a, _HELD) == _claim(b, _HELD)


def normalised_batch_times(batch: Batch) -> Batch:
    """The batch with its facts', closings' and events' datetimes naive UTC, as stores keep them."""
    closings = tuple(
        replace(
            c,
            recorded_at=normalise_dt(c.recorded_at) or c.recorded_at,
            at=normalise_dt(c.at),
            at_latest=normalise_dt(c.at_latest),
        )
        for c in batch.closings
    )
    return replace(
        batch,
        facts=tuple(normalised_fact(f) for f in batch.facts),
        events=tuple(normalised_event(e) for e in batch.events),
        closings=closings,
    )


@dataclass(frozen=True, slots=True)
class _Cause:
    """The statement that ended a fact: when memory learned it and the events that say it."""

    recorded_at: datetime
    evidence: tuple[str, ...]


def _closes(c: FactClosing, f: Fact) -> bool:
    return (
        c.value is None  # a correction as extracted names the new value; its closings per fact have none
        and c.predicate == f.predicate
        and c.subject_id in (None, f.subject_id)
        and c.object_id in (None, f.object_id)
        and f.valid_to in (c.at or c.recorded_at, c.at_latest, c.recorded_at)
    )


def _cause_in_batch(f: Fact, batch: Batch) -> _Cause | None:
    """What in the batch ended ``f``: a closing whose end is ``f``'s ``valid_to`` ("I quit", "we broke
    up"), else a fact about the same subject starting when ``f`` ends, or told by the batch's events then
    and ending ``f`` so (:func:`_ended_when_told`; a new value of the predicate first, then an ending
    statement about the same object, then any; of those, the one told first), else, for a fact that held
    for no time, the first statement told after it that shows so (:func:`_shows_unheld`)."""
    if f.valid_to is None:
        return None
    closings = sorted((c for c in batch.closings if _closes(c, f)), key=lambda c: c.recorded_at)
    if closings:
        return _Cause(closings[0].recorded_at, closings[0].evidence)
    told = told_times(batch.facts, batch.events)
    found = [
        g
        for g in batch.facts
        if g.id != f.id
        and g.subject_id == f.subject_id
        and (g.valid_from == f.valid_to or (g.id in told and _ended_when_told(g, f, told[g.id])))
    ]
    # the first statement of the change is what ended it ("I will move to York in March" before "I live in
    # York now"): the id breaks ties only, since it is hashed from the namespace
    found.sort(key=lambda g: (g.predicate != f.predicate, g.object_id != f.object_id, g.recorded_at, g.id))
    if not found and f.valid_to == f.valid_from:
        found = sorted(
            (g for g in batch.facts if _shows_unheld(g, f)), key=lambda g: (g.recorded_at, g.valid_from, g.id)
        )
    return _Cause(found[0].recorded_at, found[0].evidence) if found else None


def _ended_when_told(g: Fact, f: Fact, said: datetime) -> bool:
    """Whether ``g``, another value of ``f``'s subject and predicate told at ``said`` (by its evidence events),
    when ``f`` ends, and holding since no later than ``f`` began, ended ``f`` when it was told
    (:func:`graphmem.extract.temporal.supersession_ends`: "Ruth works at the BBC", then "She moved to
    Edinburgh last month and works at the Scotsman now")."""
    return (
        g.predicate == f.predicate
        and g.object_id != f.object_id
        and said == f.valid_to
        and g.valid_from is not None
        and f.valid_from is not None
        and g.valid_from <= f.valid_from
    )


def _shows_unheld(g: Fact, f: Fact) -> bool:
    """Whether ``g``, told after ``f``, is a statement of ``f``'s subject and predicate that shows ``f`` held
    for no time (:func:`graphmem.extract.temporal.supersession_ends`): another value since no later than
    ``f`` began ("I live in Hamburg", then "I've lived in Munich since March"), or ``f``'s value dated more
    precisely, later ("I'm moving to York next month", then "I moved to York last week")."""
    if g.id == f.id or (g.subject_id, g.predicate) != (f.subject_id, f.predicate) or g.recorded_at <= f.recorded_at:
        return False
    if g.valid_from is None or f.valid_from is None:
        return False
    return g.valid_from > f.valid_from if g.object_id == f.object_id else g.valid_from <= f.valid_from


def _split_new(f: Fact, batch: Batch) -> list[Fact]:
    """A new fact ended by a later statement of the same batch, as two versions: open until that
    statement was recorded, then closed (so ``AS OF`` a time between the two sees it open)."""
    if f.revised_by or f.expired_at is not None or is_archive(f.id):
        return [f]
    cause = _cause_in_batch(f, batch)
    if cause is None or cause.recorded_at <= f.recorded_at:
        return [f]
    opened = replace(f, id=archive_id(f.id, f.recorded_at), valid_to=None, expired_at=cause.recorded_at)
    if f.time_phrase == OVER_PHRASE:  # a state told as over held before it was said, until then
        opened = replace(opened, valid_from=None, valid_to=f.recorded_at)
    return [opened, replace(f, recorded_at=cause.recorded_at, revised_by=cause.evidence)]


#: The versions (current and archived, oldest first) of the fact whose current version is given, as the
#: write sees them: the stored chain with the events the write retracts unwound and the versions it
#: wrote so far put over it (:func:`graphmem.store.fact_chain.chain_reader`).
Chain = Callable[[Fact], Sequence[Fact]]

#: How far apart two versions of one fact recorded "at the same moment" are put (:func:`_free_moment`):
#: a whole second, which every store keeps exactly, so the ids made of it round-trip.
_TICK = timedelta(seconds=1)


def _free_moment(after: datetime, taken: Collection[datetime]) -> datetime:
    """The first whole tick after ``after`` at which no version of the chain (``taken``) was recorded:
    a version's archive id is made of its ``recorded_at``, so two versions of one fact never share it."""
    t = after + _TICK
    while t in taken:
        t += _TICK
    return t


def version_batch(batch: Batch, current: Callable[[str], Fact | None], chain: Chain | None = None) -> Batch:
    """The batch with each changed fact written as a new version and its stored version archived.

    A change learned before the stored version was recorded (an end told in March, written after a live
    "I left" recorded in June) is filed in the fact's chain when it was learned (:func:`_filed_back`),
    so ``AS OF`` a time before then reads as it did, and the versions recorded since are left as they are
    (what was told later wins); without ``chain``, or when no version was recorded by then, it updates
    the stored version.

    Args:
        batch: the batch to write (datetimes already normalised).
        current: the stored, unexpired version of a fact id (``None`` when there is none).
        chain: a fact's versions as the write sees them, given its current one (:data:`Chain`: stored,
            retracted events unwound, earlier writes put over them); read only to file a change back.
    """
    if not batch.facts:
        return batch
    times = [e.occurred_at for e in batch.events if e.occurred_at is not None]
    latest_statement = max(times, default=None)
    out: list[Fact] = []
    for f in batch.facts:
        old = current(f.id) if not is_archive(f.id) and f.expired_at is None else None
        if old is None:
            out.extend(_split_new(f, batch))
            continue
        if _same_claim(old, f):
            out.append(f)
            continue
        cause = _cause_in_batch(f, batch) if not f.revised_by else None
        if cause is not None:
            f = replace(f, recorded_at=max(f.recorded_at, cause.recorded_at), revised_by=cause.evidence)
        when = max((t for t in (f.recorded_at, latest_statement) if t is not None), default=f.recorded_at)
        if cause is not None:
            when = f.recorded_at
        # when memory learned the change: the statement that made it (a reckoned stored fact keeps the
        # recorded_at of the version it was reckoned from)
        learned = cause.recorded_at if cause is not None else (latest_statement or f.recorded_at)
        if when <= old.recorded_at and learned < old.recorded_at and chain is not None:
            filed = _filed_back(f, old, learned, chain(old), [e.id for e in batch.events])
            if filed is not None:
                out.extend(filed)
                continue
        if when <= old.recorded_at:  # cannot be dated after the stored version: a correction of it
            out.append(replace(f, recorded_at=old.recorded_at))
            continue
        out.append(replace(old, id=archive_id(old.id, old.recorded_at), expired_at=when))
        out.append(replace(f, recorded_at=when))
    return replace(batch, facts=tuple(out))


def _filed_back(f: Fact, old: Fact, when: datetime, versions: Sequence[Fact], told: Sequence[str]) -> list[Fact] | None:
    """The versions to write for ``f``, a change of the current version ``old`` learned at ``when``, before
    ``old`` was recorded (see :func:`version_batch`); ``None`` when no version of the fact was recorded by
    ``when``.

    The version memory held at ``when`` is expired then and a version bearing the change (what ``f``
    changes of ``old``) follows it until the next one was recorded (a version recorded at ``when`` itself
    is kept, the change following it a tick later). ``old`` is kept as it was told, under its own id, and
    ``f`` is current from the first free tick after ``old`` was recorded (:func:`_free_moment`): what
    memory believes once both were told, whatever order they came in. No two versions share a
    ``recorded_at``, so none shares an id, and a later change archives ``f`` without touching ``old``.
    The versions recorded between are left as they are. Each version
    the change made names its statement in ``revised_by`` (the cause ``f`` names, else the evidence it
    adds, else ``told``, the batch's events), so forgetting that statement removes them and the chain
    re-links to what it was (:func:`unwind_chain`); forgetting ``old``'s statement leaves the change.
    """
    fid = logical_id(old.id)
    ordered = [*chain_order(v for v in versions if logical_id(v.id) == fid and v.id != old.id), old]
    at = max((i for i, v in enumerate(ordered) if v.recorded_at <= when), default=None)
    if at is None or at == len(ordered) - 1:
        return None
    added = tuple(e for e in f.evidence if e not in old.evidence)
    cause = f.revised_by if f.revised_by and f.revised_by != old.revised_by else added or tuple(told)
    if not cause:
        return None
    held, following = ordered[at], ordered[at + 1]
    taken = {v.recorded_at for v in ordered}  # this fact's versions only: other facts' times do not clash
    # the reckoned version is recorded a tick after the one kept as told, so each has an id of its own and
    # the next change archives the reckoned one without touching what was told
    reckoned = _free_moment(old.recorded_at, taken)
    changed = {name: getattr(f, name) for name in _CLAIM if getattr(f, name) != getattr(old, name)}
    out = [
        replace(old, id=archive_id(fid, old.recorded_at), expired_at=reckoned),
        replace(f, recorded_at=reckoned, expired_at=None, revised_by=cause),
    ]
    if all(getattr(held, name) == value for name, value in changed.items()):
        return out  # memory held it so already then
    evidence = (*held.evidence, *(e for e in added if e not in held.evidence))
    filed = replace(held, **changed, evidence=evidence, revised_by=cause)
    if held.recorded_at == when:
        # a version recorded at that very moment: the change follows it a tick later, as a version of its
        # own, so forgetting either statement leaves the other's version
        moment = _free_moment(when, taken)
        if moment < following.recorded_at:
            when = moment
        else:  # no tick free before the next version: that version bears the change (both statements)
            both = (*held.revised_by, *(e for e in cause if e not in held.revised_by))
            return [replace(filed, revised_by=both), *out]
    return [
        replace(held, expired_at=when),
        replace(filed, id=archive_id(fid, when), recorded_at=when, expired_at=following.recorded_at),
        *out,
    ]


def chain_order(versions: Iterable[Fact]) -> list[Fact]:
    """The versions of one fact oldest first (by record time; the current one last)."""
    return sorted(versions, key=lambda v: (not is_archive(v.id) and v.expired_at is None, v.recorded_at))


def unwind_chain(chain: Sequence[Fact], gone: set[str]) -> tuple[list[str], list[Fact]]:
    """Remove from one fact's version chain what deleting the events ``gone`` removes.

    A version whose evidence lies wholly in ``gone`` or that ``gone`` caused (``revised_by``) is removed;
    the others lose ``gone`` from their evidence and are re-linked: each is expired when the next kept
    one was recorded, the last is current under the fact's id.

    Returns:
        The version ids to delete and the versions to write (full records), or ``([], [])`` when the
        chain is untouched.
    """
    ordered = chain_order(chain)
    if not ordered:
        return [], []
    touched = any(gone & set(v.evidence) or gone & set(v.revised_by) for v in ordered)
    if not touched:
        return [], []
    fid = logical_id(ordered[0].id)
    kept = [
        replace(v, evidence=tuple(e for e in v.evidence if e not in gone))
        for v in ordered
        if not (gone & set(v.revised_by)) and not (v.evidence and set(v.evidence) <= gone)
    ]
    # a version a change filed back made current says what the one it filed says (_filed_back): with the
    # version told between them gone, they are one again
    kept = [
        v
        for i, v in enumerate(kept)
        if i == 0 or not v.revised_by or (_claim(v), v.revised_by) != (_claim(kept[i - 1]), kept[i - 1].revised_by)
    ]
    rebuilt: list[Fact] = []
    for i, v in enumerate(kept):
        last = i == len(kept) - 1
        rebuilt.append(
            replace(
                v,
                id=fid if last else archive_id(fid, v.recorded_at),
                expired_at=None if last else kept[i + 1].recorded_at,
            )
        )
    new_ids = {v.id for v in rebuilt}
    old_by_id = {v.id: v for v in ordered}
    drop = sorted(v.id for v in ordered if v.id not in new_ids)
    puts = [v for v in rebuilt if old_by_id.get(v.id) != v]
    return drop, puts


def unwound(versions: Iterable[Fact], gone: set[str]) -> list[Fact]:
    """The fact versions left once the events ``gone`` are retracted, each fact's chain re-linked
    (:func:`unwind_chain`); untouched versions keep their order, re-linked ones take their place."""
    chains: dict[str, list[Fact]] = {}
    for v in versions:
        chains.setdefault(logical_id(v.id), []).append(v)
    out: list[Fact] = []
    for chain in chains.values():
        drop, puts = unwind_chain(chain, gone)
        rewritten = {v.id: v for v in puts}
        out.extend(rewritten.pop(v.id, v) for v in chain if v.id not in drop)
        out.extend(rewritten.values())
    return out


def current_after_retraction(versions: Iterable[Fact], gone: Collection[str]) -> dict[str, Fact | None]:
    """The current version each fact will have once the events ``gone`` are retracted, for the facts whose
    chain that changes (:func:`unwind_chain`): ``None`` when no version of the fact is left.

    The write path reckons a batch's ends against this (a retracted closing no longer ends the fact), so
    an end the batch derives again is written as a new version rather than lost with the one unwound.

    Args:
        versions: every version of the facts concerned (current and archived, e.g. ``iter_facts(history=True)``).
        gone: the events retracted.
    """
    drop = set(gone)
    if not drop:
        return {}
    chains: dict[str, list[Fact]] = {}
    for v in versions:
        chains.setdefault(logical_id(v.id), []).append(v)
    out: dict[str, Fact | None] = {}
    for fid, chain in chains.items():
        if not any(drop & set(v.evidence) or drop & set(v.revised_by) for v in chain):
            continue
        current = next((v for v in unwound(chain, drop) if v.id == fid), None)
        out[fid] = current if current is not None and current.expired_at is None else None
    return out


def kept_closings(versions: Iterable[Fact], gone: Collection[str]) -> tuple[FactClosing, ...]:
    """The ends that events other than ``gone`` gave to facts whose versions retracting ``gone`` removes,
    as closings to apply again when the batch retracting them states those facts anew.

    A fact stated only by retracted events loses every version, the closed ones included, though what
    closed it (a turn of another input or session, "I left Acme") is still stored: without these the
    fact written again would stay open. A version held for no time (a correction's) is left out: a
    correction is found again from its request.

    Args:
        versions: every version of the facts concerned (e.g. :func:`graphmem.writer.fact_chains`).
        gone: the events retracted.
    """
    drop = set(gone)
    chains: dict[str, list[Fact]] = {}
    for v in versions:
        chains.setdefault(logical_id(v.id), []).append(v)
    out: list[FactClosing] = []
    for chain in chains.values():
        ordered = chain_order(chain)
        for before, v in pairwise(ordered):
            removed = bool(v.evidence) and set(v.evidence) <= drop
            if not removed or not v.revised_by or drop.intersection(v.revised_by):
                continue
            if v.valid_to is None or v.valid_to == before.valid_to or v.valid_to == v.valid_from:
                continue
            out.append(
                FactClosing(
                    v.namespace,
                    v.predicate,
                    v.recorded_at,
                    subject_id=v.subject_id,
                    object_id=v.object_id,
                    at=v.valid_to,
                    evidence=v.revised_by,
                )
            )
    return tuple(out)


def _ends_as_told(g: Fact, f: Fact) -> bool:
    """Whether ``g`` is a statement of ``f``'s fact told as ended that gave ``f`` its end
    (:func:`graphmem.extract.temporal.statement_closings`: "My dog Rex died yesterday" stored before "My dog
    Rex loves the snow", said in January)."""
    from graphmem.extract.temporal import told_ended
    from graphmem.extract.vocabulary import MUTUAL

    ends = {(f.subject_id, f.object_id)} | ({(f.object_id, f.subject_id)} if f.predicate in MUTUAL else set())
    same = g.predicate == f.predicate and (g.subject_id, g.object_id) in ends
    return same and told_ended(g) and g.valid_to == f.valid_to


def stored_causes(
    batch: Batch, stored: Iterable[Fact], told: Mapping[str, datetime] | None = None
) -> tuple[FactClosing, ...]:
    """Closings naming, for each new fact of ``batch`` that a later stored fact ends, that fact as its
    cause, for :func:`version_batch` to write it as two versions (open until the cause was recorded, then
    closed) as it does when the cause is in the batch.

    An older conversation ingested after a newer one ("I live in Lisbon" in January, after "I moved to
    Berlin" in March was stored; "My dog Rex loves the snow" after "My dog Rex died yesterday"): the end
    comes from the stored fact, which was recorded after the new one, so the new fact was not known to
    have ended when it was told. A fact the batch itself ends, or
    a stored one only the batch's ``retract`` events support, names no cause here.

    Args:
        batch: the resolved batch, its facts' ends derived (:func:`graphmem.extract.temporal.update_facts`).
        stored: the namespace's current facts.
        told: when stored facts were told, by id (:func:`graphmem.extract.temporal.told_times`); a stored
            value that ended a new fact when told is its cause (else: when its version was recorded).
    """
    from graphmem.extract.temporal import told_ended
    from graphmem.extract.vocabulary import MUTUAL

    when = told or {}
    gone = set(batch.retract)
    known: dict[str, list[Fact]] = {}
    ids: set[str] = set()
    for g in stored:
        ids.add(g.id)
        if not (gone and g.evidence and set(g.evidence) <= gone):
            known.setdefault(g.subject_id, []).append(g)
            if g.predicate in MUTUAL and told_ended(g):  # Omar's divorce from Fay ended Fay's marriage
                known.setdefault(g.object_id, []).append(g)
    out: list[FactClosing] = []
    for f in batch.facts:
        if f.valid_to is None or f.id in ids or f.revised_by or _cause_in_batch(f, batch) is not None:
            continue
        found = [
            g
            for g in known.get(f.subject_id, ())
            if g.id != f.id
            and (g.valid_from == f.valid_to or _ended_when_told(g, f, told_at(g, when)) or _ends_as_told(g, f))
            and g.recorded_at > f.recorded_at
        ]
        if not found:
            continue
        found.sort(key=lambda g: (g.predicate != f.predicate, g.object_id != f.object_id, g.recorded_at, g.id))
        g = found[0]
        out.append(
            FactClosing(
                f.namespace,
                f.predicate,
                g.recorded_at,
                subject_id=f.subject_id,
                object_id=f.object_id,
                at=f.valid_to,
                evidence=g.evidence,
            )
        )
    return tuple(out)
