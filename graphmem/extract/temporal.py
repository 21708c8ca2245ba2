"""Temporal fact maintenance: facts end in the world when a newer value or an ending statement says so.

Most facts record something that happened ("Priya ``went_to`` Lisbon") and never end. The vocabulary
(:mod:`graphmem.extract.vocabulary`) declares which predicates are **single-valued**: a subject holds
one object at a time (``works_at``, ``lives_in``, ``married_to``, ``dating``, ``studies_at``). A fact's
``valid_to`` (the world axis) is the earliest of

- its own bound, when its clause said one ("until June", see :mod:`graphmem.extract.bounds`);
- for a single-valued predicate, the ``valid_from`` of a fact with the same subject and predicate and a
  *different* object that starts strictly later (Priya ``works_at`` Lumen Robotics from 1 April 2024
  ends Priya ``works_at`` Northwind Bank then), unless that fact was told before this one, which was
  said to hold when it was told, and would end it before then ("I live in Hamburg", then "I've been
  living in Munich since Monday": Munich is current); such a later-told state that holds since no later
  than an earlier-told value began ends that value when it was told, the later statement winning from
  then on ("Ruth works at the BBC", then "She moved to Edinburgh last month and works at the Scotsman
  now": the BBC job held until the news, never erased: only a correction makes a value one that never
  held); a value
  announced ahead that a later statement dates more precisely ("I'm moving to Rome next month", then "I
  moved to Rome on 3 June") held for no time either, and ends nothing (:mod:`graphmem.extract.forecasts`);
- for a ``plans`` fact, the ``valid_from`` of a fact carrying it out, of the same subject and object,
  that begins after the plan was told ("I want to visit Rome", then "I went to Rome last week";
  :func:`carried_out_ends`); a plan told with a time ahead also ends when that time has passed, a bound
  its own statement gives it (:func:`graphmem.extract.bounds.plan_bounds`);
- the time of a :class:`~graphmem.models.FactClosing` that matches it ("I quit my job", "we broke up",
  "Max passed away", "I sold my car", "I don't play guitar anymore"), dated strictly after it began; or,
  said later, the end of the period that dates it when that period holds the fact's start ("I quit my job
  last month" a week after "I work at Acme"), or when said if it names the value and dates its end before
  a start that is only when the fact was said (:func:`closing_end`). A closing names subject, predicate
  and object; an end it leaves open matches any value.

A **correction** ("Sorry, I meant Globex": :mod:`graphmem.extract.corrections`) is not an end in the
world: the value it corrects never held. :func:`apply_corrections` gives that fact ``valid_to`` =
``valid_from`` (it holds for no time; the version memory held before stays readable ``AS OF`` an earlier
moment, and retracting the correcting statement restores it) and the new value the corrected one's
start, unless its own clause dated it.

Supersession is order-free: :func:`update_facts` recomputes it from every fact of the namespace, so it
is the same whatever order files are ingested in, and a retracted fact stops ending others. Closings and
corrections are not stored, so they act on the facts stored when they are written; an ending still acts
on a statement told before it that memory learns later, through the fact it leaves: a statement told as
ended ("My dog Rex died yesterday") acts as a closing of the same fact (:func:`statement_closings`), and an
ending that ends nothing is kept as one (:func:`unmatched_endings`). A correction does not (a statement
ingested after the correction that follows it in time is not corrected by it, and a file re-extracted
later brings its facts back as they read alone), but for a correction of a time restating its clause
("Sorry, I meant I'm moving to Lisbon in January, not December."), which the writer reads back from the
fact it stated and its turn (:mod:`graphmem.extract.denied_times`). A
stored fact keeps a ``valid_to`` that no supersession explains (an earlier closing or bound) unless a
newer end comes earlier. ``expired_at`` (the memory axis) is never set here: versioning a closed fact is
the store's business. A fact with no ``valid_from`` (undated input, or a state told as over, "I worked at
Acme", which held before it was said) counts as begun before any dated fact, so a dated newer value ends
it; a closing ends it when it was recorded later, or at the same moment (an undated transcript) later
in the turns of the session (:func:`told_after`). A state told as over keeps the end its statement gave it
(when said) if an end that another fact explained is retracted, on re-ingest and after a forget or
merge (:mod:`graphmem.settle`); an ending its own turn dated earlier is then taken as when it was said.

When a fact was **told** is the earliest time of its evidence events (:func:`told_times`), not its
``recorded_at``: that is when memory recorded its current *version*, which a later write re-records (a
value ended when another was told, a forget's settling, another client's write to a server in between).
The callers that read the store pass these times (``told``, by fact id); a fact missing from them counts
as told when recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from graphmem.extract.closings import (
    closing_end,
    closing_ends,
    earliest,
    own_end,
    remap_closings,
    statement_closings,
    told_after,
    told_ended,
    told_over,
    told_past,
    unmatched_endings,
)
from graphmem.extract.forecasts import dated_forecasts
from graphmem.extract.names import event_place
from graphmem.extract.vocabulary import PREDICATES, canonical, is_single_valued
from graphmem.models import Batch, Event, Fact, FactClosing, TimeRef

__all__ = [
    "CARRYING_OUT",
    "STATE_PREDICATES",
    "alters_ends",
    "apply_corrections",
    "carried_out_ends",
    "closing_end",
    "closing_ends",
    "contested",
    "corrected_by",
    "derived_groups",
    "earliest",
    "explained_ends",
    "explains_end",
    "kept_end",
    "own_end",
    "plan_target",
    "planned_end",
    "rederived_end",
    "remap_closings",
    "state_predicate",
    "statement_closings",
    "supersession_ends",
    "told_after",
    "told_at",
    "told_ended",
    "told_over",
    "told_past",
    "told_times",
    "unmatched_endings",
    "update_facts",
    "valid_to_of",
]

#: Predicates holding one object per subject at a time (declared single-valued in the vocabulary).
STATE_PREDICATES = frozenset(p.name for p in PREDICATES if p.single_valued)


def state_predicate(predicate: str) -> str | None:
    """The single-valued predicate a predicate spells (``"work_for"`` → ``"works_at"``), or ``None``."""
    name = canonical(predicate)
    return name if name is not None and is_single_valued(name) else None


def _starts_after(when: datetime | None, start: datetime | None) -> bool:
    return when is not None and (start is None or when > start)


def supersession_ends(
    facts: Iterable[Fact], *, slips: bool = False, told: Mapping[str, datetime] | None = None
) -> dict[str, datetime]:
    """``valid_to`` of each single-valued fact a later fact with another object replaces, by fact id (a fact
    that never held replaces nothing, unless ``slips``: then the ends it once gave are named too; ``told``:
    when each fact was told, by id, see :func:`told_times`)."""
    when = told or {}
    groups: dict[tuple[str, str], list[Fact]] = {}
    for f in facts:
        if is_single_valued(f.predicate):
            groups.setdefault((f.subject_id, f.predicate), []).append(f)
    out: dict[str, datetime] = {}
    for group in groups.values():
        # "I'm moving to Rome next month", then "I moved to Rome on 3 June": the forecast held for no time
        dated = dated_forecasts(group)
        for f in group:
            if f.id in dated and f.valid_from is not None:
                out[f.id] = f.valid_from
                continue
            later = [
                g.valid_from
                for g in group
                if g.object_id != f.object_id
                and _starts_after(g.valid_from, f.valid_from)
                and (slips or not (g.never_held or g.id in dated))
                and not _told_before_holding(g, f, when)
            ]
            # a value said later to hold since before this one began, through its telling: this one ends
            # when that was told, never where it began (only a correction makes a value one that never held):
            # "Ruth works at the BBC", then "She moved to Edinburgh last month and works at the Scotsman now"
            later += [told_at(g, when) for g in group if g.object_id != f.object_id and _told_since_before(g, f, when)]
            end = earliest(*later)
            if end is not None:
                out[f.id] = end
    return out


#: Predicates that state a plan carried out when they link its subject to its object: "I want to visit Rome",
#: then "I went to Rome"; "I'm moving to Osaka", then "I live in Osaka now"; "I want to adopt a dog", then
#: "I adopted a dog". Liking, disliking and mere talk carry nothing out.
CARRYING_OUT = frozenset(p.name for p in PREDICATES) - {"plans", "likes", "dislikes", "said_about"}


def carried_out_ends(facts: Iterable[Fact]) -> dict[str, datetime]:
    """``valid_to`` of each ``plans`` fact a fact of carrying it out ends, by fact id: a fact of the same
    subject and object with a predicate of :data:`CARRYING_OUT` that begins after the plan was told ends it
    then (the earliest such). One that began before ("I went to Rome last year. I want to go back.") tells
    of another time; a plan told with no time (undated input) ends when such a fact is told after it."""
    facts = list(facts)
    plans = [f for f in facts if f.predicate == "plans" and not f.never_held]
    if not plans:
        return {}
    done: dict[tuple[str, str], list[Fact]] = {}
    for g in facts:
        if g.predicate in CARRYING_OUT and not g.never_held:
            done.setdefault((g.subject_id, g.object_id), []).append(g)
    out: dict[str, datetime] = {}
    for f in plans:
        ends = []
        for g in done.get((f.subject_id, f.object_id), ()):
            if f.valid_from is not None:
                if g.valid_from is not None and g.valid_from > f.valid_from:
                    ends.append(g.valid_from)
            elif told_after(g.recorded_at, g.evidence, f.recorded_at, f.evidence):
                ends.append(g.valid_from or g.recorded_at)
        end = earliest(*ends)
        if end is not None:
            out[f.id] = end
    return out


def alters_ends(predicate: str) -> bool:
    """Whether a change of a fact of ``predicate`` can alter the derived end of another (see
    :func:`derived_groups`): liking, disliking and talk about something end nothing."""
    return is_single_valued(predicate) or predicate in CARRYING_OUT or predicate == "plans"


def derived_groups(f: Fact) -> set[tuple[str, str]]:
    """The ``(subject, predicate)`` groups whose derived ends a change of ``f`` (added, removed, its times
    changed) can alter: its own when single-valued (another value ends it), its subject's plans when it
    can carry one out or is one (:func:`carried_out_ends`)."""
    out = {(f.subject_id, f.predicate)} if is_single_valued(f.predicate) else set()
    if f.predicate in CARRYING_OUT or f.predicate == "plans":
        out.add((f.subject_id, "plans"))
    return out


def explains_end(g: Fact, f: Fact) -> bool:
    """Whether ``g`` is of the kind that ends ``f`` where it begins: another value of ``f``'s single-valued
    predicate (:func:`supersession_ends`), or a fact carrying out the plan ``f`` (:func:`carried_out_ends`)."""
    if g.id == f.id or g.subject_id != f.subject_id or g.never_held:
        return False
    if f.predicate == "plans":
        return g.predicate in CARRYING_OUT and g.object_id == f.object_id
    return is_single_valued(f.predicate) and g.predicate == f.predicate and g.object_id != f.object_id


def explained_ends(facts: Iterable[Fact], told: Mapping[str, datetime] | None = None) -> dict[str, datetime]:
    """The ends that other facts among ``facts`` explain, by fact id: a newer value's (a slip's included)
    and a plan's carrying out. A stored end equal to one of them is derived again when the facts change
    (:func:`rederived_end`); any other was set by a closing or a bound and stays (``told``: as for
    :func:`supersession_ends`)."""
    facts = list(facts)
    ended = closing_ends(facts, statement_closings(facts))
    return {**ended, **supersession_ends(facts, slips=True, told=told), **carried_out_ends(facts)}


def kept_end(f: Fact, explained: Mapping[str, datetime]) -> datetime | None:
    """The end of its own that the stored fact ``f`` keeps whatever other facts say: its ``valid_to`` unless
    ``explained`` (:func:`explained_ends` over the facts before and after a change) accounts for it, else the
    end its own statement gave it (:func:`own_end`)."""
    return f.valid_to if f.valid_to is not None and explained.get(f.id) != f.valid_to else own_end(f)


def rederived_end(
    f: Fact, explained: Mapping[str, datetime], derived: Mapping[str, datetime | None]
) -> datetime | None:
    """The ``valid_to`` of the stored fact ``f`` once the facts around it change: the end other facts now
    give it (``derived``, :func:`valid_to_of`), no later than the end of its own it keeps (:func:`kept_end`);
    a fact no other fact can end keeps its end. One rule for a write that retracts statements
    (:func:`update_facts`) and for a forget or a merge (:mod:`graphmem.settle`)."""
    if f.id not in derived:
        return f.valid_to
    return earliest(kept_end(f, explained), derived.get(f.id))


def plan_target(f: Fact, times: Iterable[TimeRef]) -> TimeRef | None:
    """The time the plan ``f`` is for ("Next month I will visit Rome" said in June: July): its time phrase
    as its statement resolved it (``times``: the times of its evidence events; the phrase is stored with
    the fact, its resolution with the event). ``None`` for another fact and a plan told with no time."""
    if f.predicate != "plans" or f.time_phrase is None:
        return None
    return next((t for t in times if t.phrase == f.time_phrase and t.resolved), None)


def planned_end(f: Fact, times: Iterable[TimeRef]) -> datetime | None:
    """The end the statement of a plan told ahead of its time gave it: when the time it is for has passed
    (:func:`graphmem.extract.bounds.plan_window`; ``times`` as for :func:`plan_target`). ``None`` for a
    plan with no time, or one whose time had passed when it was told."""
    ref = plan_target(f, times)
    if ref is None or ref.start is None:
        return None
    end = ref.end if ref.end is not None and ref.end > ref.start else ref.start
    return end if end > f.recorded_at else None


def told_at(f: Fact, told: Mapping[str, datetime]) -> datetime:
    """When ``f`` was told: its time in ``told`` (:func:`told_times`), else its ``recorded_at``."""
    return told.get(f.id, f.recorded_at)


def told_times(facts: Iterable[Fact], events: Iterable[Event]) -> dict[str, datetime]:
    """When each of ``facts`` that one of ``events`` states was told, by fact id: the earliest time of its
    evidence events among ``events`` (no later than its ``recorded_at``). A version's ``recorded_at`` is
    when memory recorded that version: a value ended when a later one was told, or re-ended by a forget's
    settling or by another client's write, is recorded then, yet was told when its statement was made."""
    times = {e.id: e.occurred_at for e in events if e.occurred_at is not None}
    out: dict[str, datetime] = {}
    for f in facts:
        found = [times[e] for e in f.evidence if e in times]
        if found:
            out[f.id] = min(f.recorded_at, *found)
    return out


def contested(facts: Iterable[Fact]) -> list[Fact]:
    """The facts whose telling times :func:`supersession_ends` reads: those of a single-valued predicate
    whose subject holds another value of it among ``facts``."""
    groups: dict[tuple[str, str], list[Fact]] = {}
    for f in facts:
        if is_single_valued(f.predicate):
            groups.setdefault((f.subject_id, f.predicate), []).append(f)
    return [f for group in groups.values() if len({g.object_id for g in group}) > 1 for f in group]


def _holds_when_told(f: Fact) -> bool:
    """Whether ``f`` was said to hold when it was said: a dated start and no end by then that its own
    statement gave it (:func:`told_past`; an end other facts gave it, which a forget or a merge may be
    deriving again, is not its statement's)."""
    return f.valid_from is not None and not told_past(f)


def _told_before_holding(g: Fact, f: Fact, told: Mapping[str, datetime]) -> bool:
    """Whether ``g``, told before ``f``, would end ``f`` before ``f`` was said to hold: a statement made
    earlier does not end a state said to hold now ("I live in Hamburg", then "I've been living in Munich
    since Monday": Munich is not ended by Hamburg)."""
    said = told_at(f, told)
    return told_at(g, told) < said and g.valid_from is not None and g.valid_from < said and _holds_when_told(f)


def _told_since_before(g: Fact, f: Fact, told: Mapping[str, datetime]) -> bool:
    """Whether ``g``, told after ``f``, holds from no later than ``f``'s start through a telling after it
    (:func:`_told_before_holding` the other way round: the later statement wins, ending ``f`` when told)."""
    said = told_at(g, told)
    return (
        said > told_at(f, told)
        and f.valid_from is not None
        and g.valid_from is not None
        and g.valid_from <= f.valid_from < said
        and _holds_when_told(g)
        and not g.never_held
        and not f.never_held
    )


def valid_to_of(
    facts: Iterable[Fact], closings: Sequence[FactClosing] = (), told: Mapping[str, datetime] | None = None
) -> dict[str, datetime | None]:
    """The derived ``valid_to`` of every fact among ``facts`` that a newer value or a closing can end
    (single-valued facts, and facts a closing names), by fact id (see the module docs; ``told``: as for
    :func:`supersession_ends`); a statement told as ended acts as a closing of the same fact told before it
    (:func:`statement_closings`)."""
    facts = list(facts)
    superseded = supersession_ends(facts, told=told)
    closed = closing_ends(facts, (*closings, *statement_closings(facts)))
    carried = carried_out_ends(facts)
    out: dict[str, datetime | None] = {}
    for f in facts:
        if is_single_valued(f.predicate) or f.id in closed or f.predicate == "plans":
            out[f.id] = earliest(superseded.get(f.id), closed.get(f.id), carried.get(f.id))
    return out


def corrected_by(request: FactClosing, facts: Iterable[Fact]) -> list[Fact]:
    """The facts a correction corrects: of its subject and predicate, another value, said before it by
    another statement, and held when it was said (neither ended before then nor corrected already); only
    the value it denies when it names one, else the value of the latest such statement. A correction of a
    time (``at`` set: "Sorry, I meant 2021.") corrects the same value said to start at another time."""
    said = set(request.evidence)
    timed = request.at is not None  # "Sorry, I meant 2021.": the value stays, its time was the slip
    found = [
        f
        for f in facts
        if f.subject_id == request.subject_id
        and f.predicate == request.predicate
        and (f.object_id == request.value and f.valid_from != request.at if timed else f.object_id != request.value)
        and (f.valid_from is not None or told_past(f))
        and f.expired_at is None
        and f.recorded_at <= request.recorded_at
        and not said & set(f.evidence)
        and not f.never_held
        and (f.valid_to is None or f.valid_to >= request.recorded_at or told_past(f))
    ]
    if request.object_id is not None:
        return [f for f in found if f.object_id == request.object_id]
    if not found:
        return []
    latest = max(found, key=lambda f: (f.recorded_at, f.valid_from or f.recorded_at, f.id))
    return [f for f in found if f.object_id == latest.object_id]


def _requests(batch: Batch) -> list[FactClosing]:
    """The batch's corrections as extracted (``value`` the new object), not the closings they became."""
    return [c for c in batch.closings if c.correction and c.value is not None and c.subject_id is not None]


def apply_corrections(batch: Batch, stored: Iterable[Fact]) -> tuple[Batch, dict[str, datetime]]:
    """Apply the batch's corrections (see the module docs), oldest first, each to the facts as the ones
    before it left them.

    Args:
        batch: the batch; its correction requests (``correction`` set, ``value`` the new object) apply.
        stored: the namespace's stored facts (not the batch's).

    Returns:
        The batch with each corrected fact of its own held for no time, each correcting fact starting when
        the value it corrects was said to start (unless its own clause dated it), and one closing added per
        corrected fact (``correction`` set, ``at`` its start: what versioning names as the cause of its new
        version); and the ``valid_to`` of every corrected fact, stored or not, by id.
    """
    requests = sorted(_requests(batch), key=lambda c: (c.recorded_at, [event_place(e) for e in c.evidence]))
    if not requests:
        return batch, {}
    pool = {f.id: f for f in stored}
    pool.update((f.id, f) for f in batch.facts)
    ends: dict[str, datetime] = {}
    closings = list(batch.closings)
    known = set(closings)
    for r in requests:
        hit = corrected_by(r, pool.values())
        for f in hit:
            # held for no time: at its start, or (a state told as over, no start) at its end
            point = f.valid_from if f.valid_from is not None else f.valid_to
            assert point is not None
            ends[f.id] = point
            pool[f.id] = replace(f, valid_from=point, valid_to=point)
            concrete = replace(r, object_id=f.object_id, at=point, value=None)
            if concrete not in known:
                known.add(concrete)
                closings.append(concrete)
        past = [f for f in hit if told_past(f)]
        start = min((f.valid_from for f in hit if f.valid_from is not None), default=None)
        if start is None and not past:
            continue
        for g in list(pool.values()):
            correcting = (g.subject_id, g.predicate, g.object_id) == (r.subject_id, r.predicate, r.value)
            # the slip's start, before the correction ("I worked at Acme in 2019") or ahead of it ("I start on
            # 1 April"): the corrected value starts then too
            moved = g.valid_from is None or start is None or start != g.valid_from
            if correcting and moved and set(g.evidence) & set(r.evidence) and g.time_phrase is None:
                if past:  # "I worked at Acme in 2019." — "Sorry, I meant Globex.": Globex held then, not now
                    first = min(past, key=lambda f: f.valid_to or datetime.max)
                    begun = None if any(f.valid_from is None for f in past) else start
                    pool[g.id] = replace(g, valid_from=begun, valid_to=first.valid_to, time_phrase=first.time_phrase)
                else:
                    pool[g.id] = replace(g, valid_from=start)
    own = tuple(pool[f.id] for f in batch.facts)
    return replace(batch, facts=own, closings=tuple(closings)), ends


def update_facts(
    batch: Batch,
    existing_facts: Iterable[Fact],
    *,
    corrections: bool = True,
    told: Mapping[str, datetime] | None = None,
    keep_endings: bool = False,
) -> Batch:
    """Set ``valid_to`` on the facts of a batch and of its namespace (run after entity resolution).

    Args:
        batch: a resolved batch (its entity ids are the stored ones); its ``closings`` are applied.
        existing_facts: the facts already stored in the batch's namespace.
        corrections: apply the batch's corrections (:func:`apply_corrections`). An extractor's own pass
            over its batch leaves them to the writer's pass against the stored facts: a correction
            corrects the latest statement before it, which may be stored, and is applied once.
        told: when facts were told, by id (:func:`told_times` of their evidence events, which the caller
            reads from the store); the batch's own facts are timed by its events. A fact in neither counts
            as told when its version was recorded.
        keep_endings: keep the batch's own endings that end nothing as statements told as ended
            (:func:`unmatched_endings`): the writer's pass, against the stored facts; an extractor's own
            pass sees only its batch.

    Returns:
        The batch with its own facts' ``valid_to`` derived (never later than the bound their clause
        said), plus every stored fact whose ``valid_to`` changes, re-emitted under its id with no
        ``revised_by`` (the store versions it, naming what in the batch changed it). Stored facts that
        only the batch's ``retract`` events supported are left out of the reckoning, as the write deletes
        them.
    """
    retracted = set(batch.retract)
    own = {f.id for f in batch.facts}
    stored: dict[str, Fact] = {}
    gone: list[Fact] = []
    for f in existing_facts:
        if f.namespace != batch.namespace or f.id in own:
            continue
        if retracted and f.evidence and set(f.evidence) <= retracted:
            gone.append(f)
            continue
        stored[f.id] = f
    told = {**told_times(batch.facts, batch.events), **(told or {})}
    corrected: dict[str, datetime] = {}
    if corrections and _requests(batch):
        # the extractor's own pass ended the batch's facts by the batch's other facts, a slip among them
        # (or ended a slip by its correction, so it read as ended before it was corrected): those ends
        # are derived again below, once the corrections are applied
        given = supersession_ends(batch.facts, slips=True, told=told)
        reset = [
            replace(f, valid_to=None) if f.valid_to is not None and given.get(f.id) == f.valid_to else f
            for f in batch.facts
        ]
        batch, corrected = apply_corrections(replace(batch, facts=tuple(reset)), stored.values())
    # a stored fact a correction of this batch corrects replaces nothing from now on
    current = [replace(f, valid_to=corrected[fid]) if fid in corrected else f for fid, f in stored.items()]
    derived = valid_to_of([*current, *batch.facts], batch.closings, told)
    # an end some fact (retracted ones included) explains is recomputed; any other end was set by an
    # earlier closing or bound and stays (an end a slip once gave is recomputed too)
    explained = explained_ends([*current, *gone, *batch.facts], told)
    facts = []
    for f in batch.facts:
        end = earliest(f.valid_to, derived.get(f.id)) if f.id in derived else f.valid_to
        end = earliest(end, corrected.get(f.id))
        facts.append(replace(f, valid_to=end) if end != f.valid_to else f)
    # an ending that ends nothing memory holds is kept, to end the fact it names when that comes later
    if keep_endings:  # (an end a stored statement told, applied again to facts re-stated, is not the batch's)
        said = {e.id for e in batch.events}
        endings = [c for c in batch.closings if c.evidence and set(c.evidence) <= said]
        # an ending is kept only of entities memory will hold (a closing's value is not written for it)
        held = {e.id for e in batch.entities} | {i for f in current for i in (f.subject_id, f.object_id)}
        endings = [c for c in endings if c.subject_id in held and c.object_id in held]
        facts += unmatched_endings([*current, *batch.facts], endings)
    for fid, f in stored.items():
        end = earliest(rederived_end(f, explained, derived), corrected.get(fid))
        # a corrected state told as over held for no time: it gets the instant it ends at as its start too
        start = end if fid in corrected and f.valid_from is None else f.valid_from
        if (start, end) != (f.valid_from, f.valid_to):
            evidence = tuple(e for e in f.evidence if e not in retracted) or f.evidence
            # the new version is this batch's doing: the store's versioning names its cause (a fact, a
            # closing of the batch), not the statement that made the stored version
            facts.append(replace(f, valid_from=start, valid_to=end, evidence=evidence, revised_by=()))
    return replace(batch, facts=tuple(facts))
