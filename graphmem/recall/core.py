"""``recall()``: seeds → traversal → ranking → hits that explain themselves."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from graphmem.errors import ConfigError
from graphmem.fact_time import utc_now
from graphmem.models import Entity, Event
from graphmem.recall.cache import NamespaceCache
from graphmem.recall.config import DEFAULT_CONFIG, RecallConfig
from graphmem.recall.feedback import feedback_round
from graphmem.recall.hit import AskedDate, Hit, Seed
from graphmem.recall.person_facts import fact_seeds
from graphmem.recall.query import QueryTerms, analyse, participants_named, pronouns_for
from graphmem.recall.rank import Ranking, rank
from graphmem.recall.request import RecallRequest
from graphmem.recall.seeds import SeedSet, dense_seeds, entity_seeds, fuse, text_seeds
from graphmem.recall.speakers import require_known_speakers
from graphmem.recall.traverse import Reach, Traversal
from graphmem.recall.when import asked_in_window
from graphmem.text import normalise_name

if TYPE_CHECKING:
    from graphmem.embed import FloatArray
    from graphmem.store.base import GraphStore, TimeFilter
    from graphmem.vector_index import VectorIndex

__all__ = ["EmbedFn", "recall"]

#: Texts → an ``(n, dim)`` array of unit vectors (an :class:`~graphmem.embed.Embedder`'s ``embed``).
#: Called only when the namespace has vectors, so a memory can load its model lazily behind it.
EmbedFn = Callable[[Sequence[str]], "FloatArray"]


def recall(
    request: RecallRequest,
    *,
    store: GraphStore,
    vectors: VectorIndex,
    embed: EmbedFn,
    cache: NamespaceCache | None = None,
    config: RecallConfig | None = None,
) -> list[Hit]:
    """Return the ``request.k`` events that best answer ``request.text``, each with why it was returned.

    Seeds come from the vector index (nearest turns to the question) and from full-text search (BM25
    over the question's content words), fused after normalising each. From the best seeds a bounded
    propagation follows the graph for ``request.hops`` steps: neighbouring turns, the session, things
    mentioned (hubs damped) and facts. People named in the question lift the turns they spoke.

    Args:
        request: the question, namespace, depth and filters (see :class:`RecallRequest`).
        store: the graph to search.
        vectors: the vector index of ``store``.
        embed: embeds the question (called only when the namespace has vectors).
        cache: what recall remembers about the namespace between queries (participants, entity
            degrees); the caller drops it when the namespace changes. ``None`` = a fresh one.
        config: weights and switches (see :class:`RecallConfig`); the default is what the benchmarks use.

    Raises:
        ConfigError: the config turns off both dense and text seeds.
        UnknownSpeakerError: ``request.speakers`` names someone who never speaks in the namespace.
        UnknownNamespaceError: it does because the namespace holds no data.
        VectorIndexError: the vector index is unusable and cannot be rebuilt.
    """
    cfg = config or DEFAULT_CONFIG
    if not (cfg.dense or cfg.text):
        raise ConfigError("recall needs dense or text seeds (or both)")
    ns_cache = cache if cache is not None else NamespaceCache()
    if request.speakers is not None:  # a filter naming nobody would find nothing: say so instead
        require_known_speakers(store, request.namespace, ns_cache, request.speakers)
    admit = _Admit(store, request)
    asked = _asked(request)
    question = _Question.read(request, store, ns_cache, cfg, asked)
    seeds = SeedSet(cache=admit.cache)
    embed = _once(embed)  # the question is embedded once, whichever channel asks first
    things = _seed(request, question, seeds, store, vectors, embed, admit, cfg)
    if cfg.graph and cfg.fact_seed_weight > 0 and question.named and vectors.count(request.namespace) > 0:
        vector = embed([question.dense_text])[0]
        speakers = sorted(set(question.named.values()))
        fact_seeds(store, request.namespace, speakers, vector, embed, admit, ns_cache, cfg, seeds)
    reached = _walk(request, seeds, things, store, vectors, ns_cache, admit, cfg)
    info = Ranking(
        query=question.terms,
        named=frozenset(question.named.values()),
        participants=frozenset(question.participants),
        since=request.since,
        until=request.until,
        as_of=request.as_of,
        speakers=request.speakers,
        time_axis=request.time_axis,
        happened_since=request.happened_since,
        happened_until=request.happened_until,
        asked=asked if cfg.date_boost else None,
        at=request.reference or request.as_of or utc_now(),
    )
    return rank(store, request.namespace, seeds, reached, info, cfg, request.k, admit)


def _asked(request: RecallRequest) -> AskedDate | None:
    """The date the question names, read against when it is asked (``reference``, else ``as_of``, else now)
    and, for a date that names no year, in view of the request's ``since``/``until`` window (else its
    ``happened_since``/``happened_until`` one)."""
    reference = request.reference or request.as_of or utc_now()
    since, until = request.since, request.until
    if since is None and until is None:
        since, until = request.happened_since, request.happened_until
    return asked_in_window(request.text, reference, since, until, request.zone)


class _Admit:
    """Fetches events by id (once per query) and keeps those that pass the request's filters."""

    __slots__ = ("cache", "namespace", "open", "request", "speakers", "store", "window")

    def __init__(self, store: GraphStore, request: RecallRequest) -> None:
        self.store = store
        self.namespace = request.namespace
        self.request = request
        self.window: TimeFilter = request.window
        self.speakers = request.speaker_names
        self.cache: dict[str, Event] = {}
        # no time bound on either axis and no speaker filter: every event that exists passes
        window = self.window
        self.open = window.since is None and window.until is None and not request.bounded and self.speakers is None

    def __call__(self, ids: list[str]) -> list[Event]:
        cache = self.cache
        missing = [i for i in ids if i not in cache]
        if missing:
            for fetched in self.store.get_events(self.namespace, missing):
                cache[fetched.id] = fetched
        if self.open:
            return [ev for i in ids if (ev := cache.get(i)) is not None]
        out = []
        for i in ids:
            ev = self.cache.get(i)
            if ev is None or not self.request.admits(ev, self.window):
                continue
            if self.speakers is not None and normalise_name(ev.speaker or "") not in self.speakers:
                continue
            out.append(ev)
        return out


@dataclass(frozen=True, slots=True)
class _Question:
    """The question as recall reads it: its terms, the text to embed, and the participants it names."""

    terms: QueryTerms
    dense_text: str
    named: dict[str, str]
    participants: dict[str, str]

    @classmethod
    def read(
        cls,
        request: RecallRequest,
        store: GraphStore,
        cache: NamespaceCache,
        cfg: RecallConfig,
        asked: AskedDate | None = None,
    ) -> _Question:
        # the question's date is read as a date (ranking lifts the turns in it), not as words to match
        terms = analyse(request.text, dates=(asked.phrase,) if asked is not None else ())
        if not cfg.graph:
            return cls(terms, request.text, {}, {})
        # Participants named in the question are matched through who spoke, not through their names:
        # most turns about a speaker never name them, and the turns that do are mostly the other speaker
        # addressing them. So their names leave the embedded and the full-text query, and their turns
        # get a boost in ranking instead.
        participants = cache.load_participants(store, request.namespace)
        named = participants_named(terms, participants)
        if not named:
            return cls(terms, request.text, named, participants)
        return cls(terms.without(set(named)), pronouns_for(request.text, named), named, participants)


def _seed(
    request: RecallRequest,
    question: _Question,
    seeds: SeedSet,
    store: GraphStore,
    vectors: VectorIndex,
    embed: EmbedFn,
    admit: _Admit,
    cfg: RecallConfig,
) -> list[Entity]:
    """Fill ``seeds`` with the fused dense and full-text seeds; return the things the question names."""
    namespace, k = request.namespace, request.k
    depth = max(k, cfg.dense_k if cfg.graph or cfg.text else k)
    dense: list[tuple[Event, float]] = []
    if cfg.dense and vectors.count(namespace) > 0:
        vector = embed([question.dense_text])[0]
        dense = dense_seeds(vectors, vector, namespace, depth, admit, filtered=request.filtered, store=store)
    things: list[Entity] = []
    if cfg.graph and cfg.entity_weight > 0:
        _people, things = entity_seeds(store, question.terms, namespace)
    lexical: list[tuple[Event, float]] = []
    if cfg.text:
        lexical = text_seeds(store, question.terms, namespace, max(k, cfg.text_k), admit, filtered=request.filtered)
    fuse(dense, lexical, cfg, seeds)
    if cfg.feedback_docs > 0:
        feedback_round(
            seeds,
            question.terms,
            embed([question.dense_text])[0] if dense else None,
            store=store,
            vectors=vectors,
            namespace=namespace,
            depth=depth,
            admit=admit,
            filtered=request.filtered,
            exclude={w for name in question.participants for w in name.split()},
            cfg=cfg,
        )
    return things


def _walk(
    request: RecallRequest,
    seeds: SeedSet,
    things: list[Entity],
    store: GraphStore,
    vectors: VectorIndex,
    cache: NamespaceCache,
    admit: _Admit,
    cfg: RecallConfig,
) -> dict[str, Reach]:
    """Propagate from the seeds (and the things named) for ``request.hops`` steps."""
    if not cfg.graph or request.hops == 0:
        return {}
    namespace = request.namespace
    entity_list = [(ent, Seed("entity", ent.id, cfg.entity_weight, i, ent.name)) for i, ent in enumerate(things, 1)]
    size = vectors.count(namespace) if cfg.dense else len(seeds.events)
    walk = Traversal(store, namespace, admit.window, admit, cfg, cache.degree, size, cache.edges)
    origins = {eid: max(s, key=_seed_strength) for eid, s in seeds.seeds.items()}
    return walk.run(seeds.events, origins, entity_list, request.hops)


def _once(embed: EmbedFn) -> EmbedFn:
    """``embed`` remembering its last answer (the question is asked for by more than one channel)."""
    last: list[tuple[tuple[str, ...], FloatArray]] = []

    def remembered(texts: Sequence[str]) -> FloatArray:
        key = tuple(texts)
        if last and last[0][0] == key:
            return last[0][1]
        vectors = embed(texts)
        last[:] = [(key, vectors)]
        return vectors

    return remembered


def _seed_strength(seed: Seed) -> float:
    return 1.0 / seed.rank
