"""Ranking: fuse seed and graph scores, lift turns by who spoke them and what they answer, explain."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from graphmem.models import Event
from graphmem.recall.answer import answer_types, asks_time, holds_answer_type
from graphmem.recall.config import RecallConfig
from graphmem.recall.hit import Hit, Step, TimeWindow, Why
from graphmem.recall.query import QueryTerms
from graphmem.recall.seeds import SeedSet
from graphmem.recall.traverse import Reach
from graphmem.text import normalise_name

if TYPE_CHECKING:
    from graphmem.store.base import GraphStore

__all__ = ["Ranking", "rank"]


@dataclass(frozen=True, slots=True)
class Ranking:
    """Everything ranking needs about one query.

    Attributes:
        query: the analysed question.
        named: speakers the question names (their turns get ``name_boost``).
        participants: normalised names of everyone who speaks in the namespace.
        since, until, as_of, speakers: the filters, for the explanation.
    """

    query: QueryTerms
    named: frozenset[str]
    participants: frozenset[str]
    since: datetime | None = None
    until: datetime | None = None
    as_of: datetime | None = None
    speakers: tuple[str, ...] | None = None


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
    """The ``k`` best events with their explanations."""
    candidates = set(seeds.events) | set(reached)
    events = {ev.id: ev for ev in admit(sorted(candidates))}
    names = {normalise_name(p) for p in info.named}
    scored: dict[str, tuple[float, dict[str, float]]] = {}
    for eid, ev in events.items():
        base = seeds.events.get(eid, 0.0)
        graph = reached[eid].mass if eid in reached else 0.0
        if base + graph <= 0:
            continue
        parts = {"seed": base, "graph": graph}
        boost = 1.0
        if cfg.graph and names and normalise_name(ev.speaker or "") in names:
            parts["speaker"] = cfg.name_boost
            boost += cfg.name_boost
        scored[eid] = ((base + graph) * boost, parts)
    if cfg.graph:
        _answer_boost(store, namespace, events, scored, info, cfg)
    order = sorted(scored, key=lambda e: (-scored[e][0], e))[:k]
    return [_hit(events[eid], scored[eid][0], scored[eid][1], seeds, reached, info) for eid in order]


def _answer_boost(
    store: GraphStore,
    namespace: str,
    events: dict[str, Event],
    scored: dict[str, tuple[float, dict[str, float]]],
    info: Ranking,
    cfg: RecallConfig,
) -> None:
    """Lift the best candidates that hold an answer of the asked type (a place, a work, a time...)."""
    types = answer_types(info.query) if cfg.type_boost > 0 else set()
    when = cfg.time_boost > 0 and asks_time(info.query)
    if not types and not when:
        return
    top = sorted(scored, key=lambda e: -scored[e][0])[: cfg.answer_top]
    typed = holds_answer_type(store, namespace, (events[e] for e in top), types, set(info.participants))
    for eid in top:
        score, parts = scored[eid]
        lift = 0.0
        if eid in typed:
            parts["answer_type"] = cfg.type_boost
            lift += cfg.type_boost
        if when and any(t.resolved for t in events[eid].times):
            parts["time"] = cfg.time_boost
            lift += cfg.time_boost
        if lift:
            scored[eid] = (score * (1.0 + lift), parts)


def _hit(
    ev: Event,
    score: float,
    parts: dict[str, float],
    seeds: SeedSet,
    reached: dict[str, Reach],
    info: Ranking,
) -> Hit:
    own = sorted(seeds.seeds.get(ev.id, []), key=lambda s: s.rank)
    reach = reached.get(ev.id)
    path: Sequence[Step] = ()
    origin = None
    chain = list(own)
    if reach is not None and reach.origin is not None and (not own or reach.best > parts["seed"]):
        path = reach.path
        origin = reach.origin
        if origin not in chain:
            chain.append(origin)
    why = Why(
        seeds=tuple(chain),
        path=tuple(path),
        origin=origin,
        window=TimeWindow(since=info.since, until=info.until, as_of=info.as_of, occurred_at=ev.occurred_at),
        speakers=info.speakers,
        parts=parts,
    )
    return Hit(ev, score, why)
