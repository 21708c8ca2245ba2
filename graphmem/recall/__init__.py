"""Recall: vector and full-text seeds, a bounded walk over the temporal graph, hits that explain themselves.

Stages, one module each, all taking one frozen :class:`RecallRequest` (:mod:`~graphmem.recall.request`):
:mod:`~graphmem.recall.query` (content terms and names of a question),
:mod:`~graphmem.recall.seeds` (nearest vectors, BM25 matches, named entities; fused),
:mod:`~graphmem.recall.traverse` (bounded propagation with time and speaker filters applied on the
way) and :mod:`~graphmem.recall.core` (ranking and the :class:`Hit` records with their :class:`Why`).
"""

from __future__ import annotations

from graphmem.recall.cache import NamespaceCache, NamespaceCaches
from graphmem.recall.config import DEFAULT_CONFIG, RecallConfig
from graphmem.recall.core import EmbedFn, recall
from graphmem.recall.hit import Hit, Seed, Step, TimeWindow, Why
from graphmem.recall.request import RecallRequest

__all__ = [
    "DEFAULT_CONFIG",
    "EmbedFn",
    "Hit",
    "NamespaceCache",
    "NamespaceCaches",
    "RecallConfig",
    "RecallRequest",
    "Seed",
    "Step",
    "TimeWindow",
    "Why",
    "recall",
]
