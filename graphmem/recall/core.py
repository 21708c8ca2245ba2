"""``recall()``: seeds → traversal → ranking → hits that explain themselves."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from graphmem.errors import ConfigError
from graphmem.models import Event, validate_namespace
from graphmem.recall.cache import namespace_cache
from graphmem.recall.config import DEFAULT_CONFIG, RecallConfig
from graphmem.recall.hit import Hit, Seed
from graphmem.recall.query import analyse, participants_named, pronouns_for
from graphmem.recall.rank import Ranking, rank
from graphmem.recall.seeds import SeedSet, dense_seeds, entity_seeds, fuse, text_seeds
from graphmem.recall.traverse import Reach, Traversal
from graphmem.store.base import TimeFilter
from graphmem.text import normalise_name

if TYPE_CHECKING:
    from graphmem.memory import Memory

__all__ = ["recall"]


def recall(
    memory: Memory,
    text: str,
    *,
    namespace: str,
    k: int = 10,
    hops: int = 2,
    since: datetime | None = None,
    until: datetime | None = None,
    speakers: Sequence[str] | None = None,
    as_of: datetime | None = None,
    config: RecallConfig | None = None,
) -> list[Hit]:
    """Return the ``k`` events of ``namespace`` that best answer ``text``, each with why it was returned.

    Seeds come from the vector index (nearest turns to the question) and from full-text search (BM25
    over the question's content words), fused after normalising each. From the best seeds a bounded
    propagation follows the graph for ``hops`` steps: neighbouring turns, the session, things mentioned
    (hubs damped) and facts. People named in the question lift the turns they spoke.

    Args:
        memory: the memory to search.
        text: the question.
        namespace: the namespace to search.
        k: how many hits to return.
        hops: how many edges the traversal may follow from a seed (0 = seeds only).
        since: only events at or after this time.
        until: only events at or before this time.
        speakers: only events spoken by one of these (names compared ignoring case).
        as_of: recall what memory held at this moment: facts recorded and not yet expired then, and
            events that had happened by then.
        config: weights and switches (see :class:`RecallConfig`); the default is what the benchmarks use.

    Raises:
        ConfigError: an illegal namespace or a non-positive ``k``.
        VectorIndexError: the vector index is unusable and cannot be rebuilt.
    """
    validate_namespace(namespace)
    if k < 1:
        raise ConfigError(f"k must be at least 1, not {k}")
    if hops < 0:
        raise ConfigError(f"hops must be 0 or more, not {hops}")
    cfg = config or DEFAULT_CONFIG
    if not (cfg.dense or cfg.text):
        raise ConfigError("recall needs dense or text seeds (or both)")
    store = memory.store
    until_eff = until if as_of is None else (as_of if until is None else min(until, as_of))
    window = TimeFilter(since=since, until=until_eff, as_of=as_of)
    speaker_set = {normalise_name(s) for s in speakers} if speakers is not None else None
    filtered = not window.empty or speaker_set is not None
    cache: dict[str, Event] = {}

    def admit(ids: list[str]) -> list[Event]:
        missing = [i for i in ids if i not in cache]
        if missing:
            for fetched in store.get_events(namespace, missing):
                cache[fetched.id] = fetched
        out = []
        for i in ids:
            ev = cache.get(i)
            if ev is None or not window.admits_event(ev):
                continue
            if speaker_set is not None and normalise_name(ev.speaker or "") not in speaker_set:
                continue
            out.append(ev)
        return out

    query = analyse(text)
    seeds = SeedSet(cache=cache)
    ns_cache = namespace_cache(memory, namespace)
    named: dict[str, str] = {}
    participants: dict[str, str] = {}
    dense_text = text
    if cfg.graph:
        # Participants named in the question are matched through who spoke, not through their names:
        # most turns about a speaker never name them, and the turns that do are mostly the other speaker
        # addressing them. So their names leave the embedded and the full-text query, and their turns
        # get a boost in ranking instead.
        participants = ns_cache.load_participants(memory, namespace)
        named = participants_named(query, participants)
        if named:
            dense_text = pronouns_for(text, named)
            query = query.without(set(named))
    depth = max(k, cfg.dense_k if cfg.graph or cfg.text else k)
    dense: list[tuple[Event, float]] = []
    if cfg.dense and memory.vectors.count(namespace) > 0:
        vector = memory.embedder.embed([dense_text])[0]
        dense = dense_seeds(memory.vectors, vector, namespace, depth, admit, filtered=filtered)
    things: list[Any] = []
    if cfg.graph and cfg.entity_weight > 0:
        _people, things = entity_seeds(store, query, namespace)
    lexical: list[tuple[Event, float]] = []
    if cfg.text:
        lexical = text_seeds(store, query, namespace, max(k, cfg.text_k), admit, filtered=filtered)
    fuse(dense, lexical, cfg, seeds)

    reached: dict[str, Reach] = {}
    if cfg.graph:
        entity_list = [(ent, Seed("entity", ent.id, cfg.entity_weight, i, ent.name)) for i, ent in enumerate(things, 1)]
        if hops > 0:
            size = memory.vectors.count(namespace) if cfg.dense else len(seeds.events)
            walk = Traversal(store, namespace, window, admit, cfg, ns_cache.degree, size, ns_cache.edges)
            origins = {eid: max(s, key=_seed_strength) for eid, s in seeds.seeds.items()}
            reached = walk.run(seeds.events, origins, entity_list, hops)
    info = Ranking(
        query=query,
        named=frozenset(named.values()),
        participants=frozenset(participants),
        since=since,
        until=until,
        as_of=as_of,
        speakers=tuple(speakers) if speakers is not None else None,
    )
    return rank(store, namespace, seeds, reached, info, cfg, k, admit)


def _seed_strength(seed: Seed) -> float:
    return 1.0 / seed.rank
