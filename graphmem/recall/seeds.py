"""Seeds: where the traversal starts. Nearest vectors, full-text matches, and entities the question names.

Dense and full-text scores live on different scales, so each list is normalised before fusing: BM25 by
its best score, cosine by the spread between the best hit and the last one taken. A turn found by both
gets both shares. Filters (time window, speakers) are applied while seeding: lists are fetched deeper
until enough admitted seeds are found or the namespace is exhausted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from graphmem.models import Entity, Event
from graphmem.recall.config import RecallConfig
from graphmem.recall.hit import Seed
from graphmem.recall.query import QueryTerms
from graphmem.store.base import SearchesVectors

if TYPE_CHECKING:
    from graphmem.store.base import GraphStore

__all__ = ["SeedSet", "dense_seeds", "entity_seeds", "fuse", "text_seeds"]

_MAX_DEEPEN = 4


@dataclass(slots=True)
class SeedSet:
    """Seeds of one query.

    Attributes:
        events: event id → the fused seed score.
        seeds: event id → its seed entries (one per kind that found it).
        entities: named things (not people) from the question, with their weight.
        people: people named in the question.
        cache: events already fetched, by id.
    """

    events: dict[str, float] = field(default_factory=dict)
    seeds: dict[str, list[Seed]] = field(default_factory=dict)
    entities: list[tuple[Entity, Seed]] = field(default_factory=list)
    people: list[Entity] = field(default_factory=list)
    cache: dict[str, Event] = field(default_factory=dict)


def _deepening(
    fetch: Callable[[int], Sequence[tuple[str, float]]],
    want: int,
    admit: Callable[[list[str]], list[Event]],
    filtered: bool,
    ceiling: int,
) -> list[tuple[Event, float]]:
    """Fetch ``want`` admitted hits, asking the source for more while filters reject too many."""
    limit = want
    for _ in range(_MAX_DEEPEN):
        raw = fetch(limit)
        scores = dict(raw)
        events = admit([node_id for node_id, _ in raw])
        found = [(ev, scores[ev.id]) for ev in events]
        if not filtered or len(found) >= want or len(raw) < limit or limit >= ceiling:
            return found[:want]
        limit = min(ceiling, limit * 8)
    return found[:want]


def dense_seeds(
    vectors: Any,
    query_vector: np.ndarray[Any, Any],
    namespace: str,
    k: int,
    admit: Callable[[list[str]], list[Event]],
    *,
    filtered: bool,
    store: GraphStore | None = None,
) -> list[tuple[Event, float]]:
    """The ``k`` admitted events nearest to the query vector, with their cosine similarity.

    They come from the server's vector index where ``store`` has one (:class:`SearchesVectors`), else
    from the local index ``vectors``.
    """
    server = store if isinstance(store, SearchesVectors) else None

    def fetch(limit: int) -> list[tuple[str, float]]:
        if server is not None:
            found = server.search_vectors(namespace, query_vector.tolist(), limit)
            if found is not None:
                return found
        return [(h.node_id, h.score) for h in vectors.search(namespace, query_vector, limit)]

    return _deepening(fetch, k, admit, filtered, max(k, vectors.count(namespace)))


def text_seeds(
    store: GraphStore,
    query: QueryTerms,
    namespace: str,
    k: int,
    admit: Callable[[list[str]], list[Event]],
    *,
    filtered: bool,
) -> list[tuple[Event, float]]:
    """The ``k`` admitted events that best match the question's content terms (BM25)."""
    text = query.fulltext
    if not text:
        return []

    def fetch(limit: int) -> list[tuple[str, float]]:
        return [(h.event_id, h.score) for h in store.search_text(namespace, text, limit=limit)]

    return _deepening(fetch, k, admit, filtered, 1 << 20)


def entity_seeds(store: GraphStore, query: QueryTerms, namespace: str) -> tuple[list[Entity], list[Entity]]:
    """People and other things the question names: (people, things), each entity once.

    Capitalised phrases are looked up as names of any type; the question's content phrases (single
    terms and adjacent pairs) as names of things that are not people.
    """
    people: dict[str, Entity] = {}
    things: dict[str, Entity] = {}
    for name in query.names:
        for ent in store.find_entities(namespace, name, limit=5):
            (people if ent.type == "Person" else things).setdefault(ent.id, ent)
    for phrase in query.phrases:
        for ent in store.find_entities(namespace, phrase, limit=5):
            if ent.type != "Person" and ent.id not in people:
                things.setdefault(ent.id, ent)
    return list(people.values()), list(things.values())


def fuse(
    dense: list[tuple[Event, float]],
    text: list[tuple[Event, float]],
    config: RecallConfig,
    out: SeedSet,
) -> None:
    """Normalise both lists and add them into ``out.events`` (fused scores) and ``out.seeds``."""
    if dense:
        top = dense[0][1]
        floor = dense[-1][1] if len(dense) > 1 else top - 1.0
        spread = max(top - floor, 1e-6)
        for rank, (ev, score) in enumerate(dense, 1):
            share = config.dense_weight * max(0.0, (score - floor) / spread)
            out.events[ev.id] = out.events.get(ev.id, 0.0) + share
            out.seeds.setdefault(ev.id, []).append(Seed("dense", ev.id, score, rank, ev.source_id or ""))
            out.cache[ev.id] = ev
    if text:
        best = max(text[0][1], 1e-9)
        for rank, (ev, score) in enumerate(text, 1):
            share = config.text_weight * max(0.0, score / best)
            out.events[ev.id] = out.events.get(ev.id, 0.0) + share
            out.seeds.setdefault(ev.id, []).append(Seed("text", ev.id, score, rank, ev.source_id or ""))
            out.cache[ev.id] = ev
