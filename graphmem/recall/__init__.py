"""Recall: vector and full-text seeds, a bounded walk over the temporal graph, hits that explain themselves.

Stages, one module each: :mod:`~graphmem.recall.query` (content terms and names of a question),
:mod:`~graphmem.recall.seeds` (nearest vectors, BM25 matches, named entities; fused),
:mod:`~graphmem.recall.traverse` (bounded propagation with time and speaker filters applied on the
way) and :mod:`~graphmem.recall.core` (ranking and the :class:`Hit` records with their :class:`Why`).
"""

from __future__ import annotations

from graphmem.recall.config import DEFAULT_CONFIG, RecallConfig
from graphmem.recall.core import recall
from graphmem.recall.hit import Hit, Seed, Step, TimeWindow, Why

__all__ = [
    "DEFAULT_CONFIG",
    "Hit",
    "RecallConfig",
    "Seed",
    "Step",
    "TimeWindow",
    "Why",
    "recall",
]
