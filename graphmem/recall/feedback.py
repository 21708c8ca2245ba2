"""Pseudo-relevance feedback: a second seeding round from the best fused seeds of the first.

Two standard IR methods, each behind its own weight in :class:`~graphmem.recall.config.RecallConfig`
(both 0, i.e. off, by default; docs/recall.md has the measurements):

- **Rocchio in the dense space** (``feedback_dense``): the question's vector moved towards the mean of the
  ``feedback_docs`` best seeds' vectors, ``q' = q + β · mean(d)``, normalised, and searched again. A short
  reply whose words share nothing with the question can still sit near the turns that answered it.
- **RM3-style term expansion for BM25** (``feedback_terms`` terms at weight ``feedback_text``): the
  words that weigh most in the best seeds (term frequency in each seed, weighted by the seed's score and
  by how rare the word is among all the first round's seeds) and are not already in the question,
  searched as a query of their own; its normalised BM25 scores are added at ``feedback_text``.

Seeds found this way carry ``kind`` ``feedback`` in ``why`` (its rank and raw score in its own list).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from graphmem.models import Event
from graphmem.recall.config import RecallConfig
from graphmem.recall.hit import Seed
from graphmem.recall.query import STOP_WORDS, QueryTerms
from graphmem.recall.seeds import SeedSet, dense_seeds, text_seeds

if TYPE_CHECKING:
    from graphmem.store.base import GraphStore
    from graphmem.vector_index import VectorIndex

__all__ = ["expansion_terms", "feedback_round", "rocchio"]

_WORD = re.compile(r"[a-z][a-z'’]+")


def rocchio(query: np.ndarray[Any, Any], docs: np.ndarray[Any, Any], beta: float) -> np.ndarray[Any, Any]:
    """``query + beta · mean(docs)``, normalised to unit length (``query`` itself when there are no docs)."""
    if not len(docs) or beta <= 0:
        return query
    moved = np.asarray(query, dtype=np.float32) + beta * np.asarray(docs, dtype=np.float32).mean(axis=0)
    norm = float(np.linalg.norm(moved))
    return moved / norm if norm > 0 else query


def expansion_terms(
    feedback: Sequence[tuple[str, float]],
    pool: Sequence[str],
    exclude: set[str],
    n: int,
) -> list[str]:
    """The ``n`` words that weigh most in the ``feedback`` texts (``(text, weight)`` pairs).

    A word's weight is ``Σ_d weight_d · tf(w, d) / |d|`` (the relevance model of RM3) times its inverse
    document frequency among the ``pool`` texts (the first round's candidates): a word every candidate
    uses separates nothing. Function words, words of two letters or fewer and ``exclude`` (the question's
    own terms, names) are left out.
    """
    if n <= 0 or not feedback:
        return []
    df: Counter[str] = Counter()
    for text in pool:
        df.update(set(_words(text)))
    size = max(len(pool), 1)
    weights: dict[str, float] = {}
    for text, weight in feedback:
        words = _words(text)
        if not words:
            continue
        for word, tf in Counter(words).items():
            weights[word] = weights.get(word, 0.0) + weight * tf / len(words)
    scored = {
        w: v * math.log(1 + size / (1 + df[w]))
        for w, v in weights.items()
        if w not in STOP_WORDS and w not in exclude and len(w) > 2
    }
    return [w for w, _ in sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


def _words(text: str) -> list[str]:
    return [w.replace("’", "'").split("'")[0] for w in _WORD.findall(text.casefold())]


def feedback_round(
    seeds: SeedSet,
    terms: QueryTerms,
    query_vector: np.ndarray[Any, Any] | None,
    *,
    store: GraphStore,
    vectors: VectorIndex,
    namespace: str,
    depth: int,
    admit: Callable[[list[str]], list[Event]],
    filtered: bool,
    exclude: set[str],
    cfg: RecallConfig,
) -> None:
    """Add the second round's seeds to ``seeds`` (see the module docstring); a no-op when both are off."""
    if cfg.feedback_docs <= 0 or not seeds.events:
        return
    best = sorted(seeds.events, key=lambda e: (-seeds.events[e], e))[: cfg.feedback_docs]
    found: list[tuple[Event, float]] = []
    if cfg.feedback_dense > 0 and query_vector is not None:
        held = vectors.vectors(namespace, best)
        if len(held):
            moved = rocchio(query_vector, held, cfg.feedback_dense)
            found = dense_seeds(vectors, moved, namespace, depth, admit, filtered=filtered, store=store)
            _add_dense(found, cfg.feedback_weight, seeds)
    if cfg.feedback_text > 0 and cfg.feedback_terms > 0:
        top = max(seeds.events[best[0]], 1e-9)
        docs = [(seeds.cache[e].text, seeds.events[e] / top) for e in best if e in seeds.cache]
        pool = [ev.text for ev in seeds.cache.values()]
        words = expansion_terms(docs, pool, exclude | set(terms.terms), cfg.feedback_terms)
        if words:
            expanded = QueryTerms(terms.text, tuple(words), (), (), fallback=False)
            lexical = text_seeds(store, expanded, namespace, depth, admit, filtered=filtered)
            _add_text(lexical, cfg.feedback_text, seeds)


def _add_dense(found: list[tuple[Event, float]], weight: float, out: SeedSet) -> None:
    if not found or weight <= 0:
        return
    top = found[0][1]
    floor = found[-1][1] if len(found) > 1 else top - 1.0
    spread = max(top - floor, 1e-6)
    for rank, (ev, score) in enumerate(found, 1):
        share = weight * max(0.0, (score - floor) / spread)
        _add(out, ev, share, Seed("feedback", ev.id, score, rank, ev.source_id or ""))


def _add_text(found: list[tuple[Event, float]], weight: float, out: SeedSet) -> None:
    if not found:
        return
    best = max(found[0][1], 1e-9)
    for rank, (ev, score) in enumerate(found, 1):
        _add(out, ev, weight * max(0.0, score / best), Seed("feedback", ev.id, score, rank, ev.source_id or ""))


def _add(out: SeedSet, ev: Event, share: float, seed: Seed) -> None:
    out.events[ev.id] = out.events.get(ev.id, 0.0) + share
    out.seeds.setdefault(ev.id, []).append(seed)
    out.cache[ev.id] = ev
