"""Ranking: fuse seed and graph scores, lift turns by who spoke them and what they answer, explain."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from graphmem.models import Entity, Event
from graphmem.recall.about import (
    AnswerScope,
    Stated,
    asks_now,
    asks_of_relative,
    other_names,
    scoped_answers,
    stated_facts,
)
from graphmem.recall.acts import lower_askers
from graphmem.recall.answer import answer_things, answer_types, asks_time
from graphmem.recall.config import RecallConfig
from graphmem.recall.fetch import entities_by_id
from graphmem.recall.hit import AskedDate, Hit, Step, TimeWindow, Why
from graphmem.recall.query import QueryTerms
from graphmem.recall.seeds import SeedSet
from graphmem.recall.traverse import Reach
from graphmem.recall.when import window_share
from graphmem.text import normalise_name

if TYPE_CHECKING:
    from graphmem.store.base import GraphStore

__all__ = ["Ranking", "rank"]

_NO_FACTS = Stated()


@dataclass(frozen=True, slots=True)
class Ranking:
    """Everything ranking needs about one query.

    Attributes:
        query: the analysed question.
        named: speakers the question names (their turns get ``name_boost``).
        participants: normalised names of everyone who speaks in the namespace.
        since, until, as_of, speakers: the filters, for the explanation.
        time_axis: what ``since``/``until`` bound (``RecallRequest.time_axis``), for the explanation.
        happened_since, happened_until: the second window, on when events happened, for the explanation.
        asked: the date the question names ("on 20 May 2023"), resolved, or ``None``.
        at: when the question is asked (``reference``, else ``as_of``, else now): what "now" means.
    """

    query: QueryTerms
    named: frozenset[str]
    participants: frozenset[str]
    since: datetime | None = None
    until: datetime | None = None
    as_of: datetime | None = None
    speakers: tuple[str, ...] | None = None
    asked: AskedDate | None = None
    time_axis: str = "said"
    at: datetime | None = None
    happened_since: datetime | None = None
    happened_until: datetime | None = None


def rank(
    store: GraphStore,
    namespace: str,
    seeds: SeedSet,
    reached: dict[str, Reach],
    info: Ranking,
    cfg: RecallConfig,
    k: int,
    admit: Callable[[list[str]], list[Event]],
) -> list[Hit]:
    """The ``k`` best events with their explanations.

    Every candidate that passed the filters can be returned: one whose fused score is zero (the last
    dense seed sits on the normalisation floor; a turn reached with no mass) ranks after every scored
    one, ordered by how early a seed list found it, so a small namespace gives ``min(k, candidates)``.
    """
    candidates = set(seeds.events) | set(reached)
    events = {ev.id: ev for ev in admit(sorted(candidates))}
    names = {normalise_name(p) for p in info.named}
    link_scale = _link_scale(reached, events, cfg)
    scored: dict[str, tuple[float, dict[str, float]]] = {}
    said_by: dict[str, bool] = {}  # speaker → whether the question names them (a few speakers, many turns)
    for eid, ev in events.items():
        base = seeds.events.get(eid, 0.0)
        reach = reached.get(eid)
        graph = reach.mass if reach is not None else 0.0
        link = reach.link * link_scale if reach is not None else 0.0
        parts = {"seed": base, "graph": graph, "link": link}
        boost = 1.0
        if cfg.graph and names:
            speaker = ev.speaker or ""
            named_speaker = said_by.get(speaker)
            if named_speaker is None:
                named_speaker = said_by[speaker] = normalise_name(speaker) in names
            if named_speaker:
                parts["speaker"] = cfg.name_boost
                boost += cfg.name_boost
        share = window_share(ev, info.asked) if cfg.graph and info.asked is not None else 0.0
        if share > 0:
            parts["date"] = cfg.date_boost * share
            if cfg.date_exact:
                boost *= 1.0 + cfg.date_boost * share
            else:
                boost += cfg.date_boost * share
        elif (
            cfg.graph
            and cfg.date_exact
            and info.asked is not None
            and info.asked.exact
            and (ev.occurred_at is not None or ev.happened is not None)  # an undated turn may be in it
        ):
            # an exact date (one that names itself, or a relative single day): a turn neither said in
            # it nor telling of it holds no answer, like a turn that only asks
            parts["outside"] = cfg.date_outside
            boost *= cfg.date_outside
        scored[eid] = ((base + graph + link) * boost, parts)
    if cfg.graph:
        _answer_boost(store, namespace, events, scored, seeds, info, cfg)
        lower_askers(events, scored, cfg)
    order = sorted(scored, key=lambda e: (-scored[e][0], _found_at(seeds, e) if scored[e][0] <= 0 else 0, e))[:k]
    # the things and facts the hits' link paths went through, named in one read
    steps = [step for eid in order if eid in reached for step in reached[eid].link_path]
    named = entities_by_id(store, namespace, [node for step in steps for node in (step.source, step.target)])
    return [_hit(named, events[eid], scored[eid][0], scored[eid][1], seeds, reached, info, link_scale) for eid in order]


def _found_at(seeds: SeedSet, eid: str) -> int:
    """The best rank a seed list gave ``eid`` (orders candidates that scored nothing); huge if none did."""
    return min((s.rank for s in seeds.seeds.get(eid, ())), default=1 << 30)


def _link_scale(reached: dict[str, Reach], events: dict[str, Event], cfg: RecallConfig) -> float:
    """What turns the link channel (score that came through things and facts) into seed-score units.

    Its raw scale depends on how many things the extractor found and how they are shared, so it is
    calibrated per query like the full-text seeds: the best link score among the candidates becomes
    ``link_weight``.
    """
    best = max((reached[e].link for e in events if e in reached), default=0.0)
    return cfg.link_weight / best if best > 0 else 0.0


def _answer_boost(
    store: GraphStore,
    namespace: str,
    events: dict[str, Event],
    scored: dict[str, tuple[float, dict[str, float]]],
    seeds: SeedSet,
    info: Ranking,
    cfg: RecallConfig,
) -> None:
    """Lift the best candidates that hold an answer of the asked type (a place, a work, a time...).

    With ``answer_scope`` the thing must answer this question (:mod:`graphmem.recall.about`: the asked
    person's, the named thing's turn, a turn the question's words found); with ``present_facts`` a
    question about now does not count a thing the asked person has left, and lifts a turn stating what
    holds now by ``date_boost`` (``parts["now"]``), as a turn in a date the question names is lifted.
    """
    types = answer_types(info.query) if cfg.type_boost > 0 else set()
    when = cfg.time_boost > 0 and asks_time(info.query)
    if not types and not when:
        return
    top = sorted(scored, key=lambda e: -scored[e][0])[: cfg.answer_top]
    participants = set(info.participants)
    things = answer_things(store, namespace, (events[e] for e in top), types, participants)
    typed: set[str] = set(things)
    current: set[str] = set()
    if cfg.answer_scope and types:
        named = frozenset(normalise_name(p) for p in info.named)
        scope = AnswerScope(
            named=named,
            others=other_names(info.query.names, participants),
            matched=frozenset(e for e in top if any(s.kind == "text" for s in seeds.seeds.get(e, ()))),
            speaker_answers="Person" in types and not named,
            now=cfg.present_facts and asks_now(info.query.text, dated=info.asked is not None),
            at=info.at,
            relative=asks_of_relative(info.query.text),
        )
        stated = stated_facts(store, namespace, things, named if scope.now else ()) if named else None
        typed, current = scoped_answers({e: events[e] for e in top}, things, scope, stated or _NO_FACTS)
    for eid in top:
        score, parts = scored[eid]
        lift = 0.0
        if eid in typed:
            parts["answer_type"] = cfg.type_boost
            lift += cfg.type_boost
        if eid in current:
            parts["now"] = cfg.date_boost
            lift += cfg.date_boost
        if when and any(t.resolved for t in events[eid].times):
            parts["time"] = cfg.time_boost
            lift += cfg.time_boost
        if lift:
            scored[eid] = (score * (1.0 + lift), parts)


def _hit(
    named: Mapping[str, Entity],
    ev: Event,
    score: float,
    parts: dict[str, float],
    seeds: SeedSet,
    reached: dict[str, Reach],
    info: Ranking,
    link_scale: float,
) -> Hit:
    own = sorted(seeds.seeds.get(ev.id, []), key=lambda s: s.rank)
    reach = reached.get(ev.id)
    path: Sequence[Step] = ()
    origin = None
    via: tuple[str, ...] = ()
    chain = list(own)
    if reach is not None:
        # the single largest contribution that arrived over edges, in the units of the final score
        best, best_origin, best_path = reach.best, reach.origin, reach.path
        if reach.link_origin is not None:
            via = _via(named, reach.link_path)
            if reach.link_best * link_scale > best or best_origin is None:
                best, best_origin, best_path = reach.link_best * link_scale, reach.link_origin, reach.link_path
        if best_origin is not None and (not own or best > parts["seed"]):
            path = best_path
            origin = best_origin
            if origin not in chain:
                chain.append(origin)
    why = Why(
        seeds=tuple(chain),
        path=tuple(path),
        origin=origin,
        window=TimeWindow(
            since=info.since,
            until=info.until,
            as_of=info.as_of,
            occurred_at=ev.occurred_at,
            happened=span[0] if (span := ev.happened if ev.happened_ref is not None else None) else None,
            axis=info.time_axis,
            happened_end=span[1] if span else None,
            asked=info.asked,
            asked_share=window_share(ev, info.asked) if info.asked is not None else 0.0,
            happened_since=info.happened_since,
            happened_until=info.happened_until,
        ),
        speakers=info.speakers,
        parts=parts,
        via=via,
    )
    return Hit(ev, score, why)


def _via(named: Mapping[str, Entity], path: Sequence[Step]) -> tuple[str, ...]:
    """The things and facts a link path went through, named: ``entity 'Sintra' (MENTIONS)``."""
    out: list[str] = []
    for step in path:
        if step.edge == "MENTIONS" and step.direction == "out":
            entity = named.get(step.target)
            label = f"entity {entity.name!r}" if entity is not None else f"entity {step.target}"
            out.append(f"{label} (MENTIONS)")
        elif step.edge == "FACT" and step.detail:
            entity = named.get(step.source)
            subject = entity.name if entity is not None else step.source
            out.append(f"fact {subject!r} {step.detail} (FACT)")
        elif step.edge == "MENTIONS" and not out:
            entity = named.get(step.source)  # an entity the question named
            out.append(f"entity {entity.name if entity is not None else step.source!r} (MENTIONS)")
    return tuple(out)
