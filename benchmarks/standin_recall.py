"""Scoring LoCoMo questions through ``recall`` with a stand-in vector index: shared by the embedding studies.

``embed_variants.py``, ``model_candidates.py`` and ``multivec.py`` each build their own exact index over
vectors made another way, then ask every scored question exactly as ``graphmem bench locomo`` does
(``k`` 50, ``hops`` 2) and keep recall@10 per question. This module is that loop and its summary, so the
three studies score alike. It is imported by those scripts (run as ``python benchmarks/X.py``, which puts
this folder on ``sys.path``); it is not part of the package.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from graphmem.bench.locomo import score
from graphmem.recall import RecallRequest, recall
from graphmem.recall.cache import NamespaceCache
from graphmem.recall.config import RecallConfig

Row = tuple[int, str, float]  # category, namespace, recall@10 of one question


def score_questions(
    mem: Any,
    questions: Sequence[Any],
    *,
    index: Any,
    embed: Callable[[Sequence[str]], Any],
    cache: Callable[[str], NamespaceCache],
    config: RecallConfig,
) -> tuple[list[Row], list[tuple[list[str], list[str]]]]:
    """Ask each question as the bench does; its row, and its top 10 beside its sorted gold turns."""
    rows: list[Row] = []
    ranked_lists: list[tuple[list[str], list[str]]] = []
    for q in questions:
        request = RecallRequest.of(q.text, namespace=q.namespace, k=50, hops=2)  # as the bench asks
        hits = recall(request, store=mem.store, vectors=index, embed=embed, cache=cache(q.namespace), config=config)
        ranked = [h.event.source_id or h.event.id for h in hits]
        rows.append((q.category, q.namespace, score(ranked, q.gold, [10])["recall@10"]))
        ranked_lists.append((ranked[:10], sorted(q.gold)))
    return rows, ranked_lists


def figures(rows: Sequence[Row]) -> dict[str, float]:
    """Recall@10 in percent per category (``cat N``), per namespace and over ``all``."""
    by: dict[str, list[float]] = defaultdict(list)
    for category, namespace, r in rows:
        by[f"cat {category}"].append(r)
        by[namespace].append(r)
        by["all"].append(r)
    return {key: round(100 * statistics.fmean(v), 2) for key, v in sorted(by.items())}


def line(figures_: dict[str, float]) -> str:
    """The figures on one line, as the studies print them."""
    return "  ".join(f"{k} {v}" for k, v in figures_.items())
