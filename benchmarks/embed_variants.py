"""What a turn is embedded as, compared on a kept LoCoMo store without re-ingesting it.

Usage::

    .venv/bin/python benchmarks/embed_variants.py STORE [--data DATA.json] [--variants plain,mean]
        [--next-weights 0.4,0.3] [--namespaces conv-26] [--json OUT]

Opens ``STORE`` (kept by ``graphmem bench locomo --store``) read-only, embeds each namespace's turns once
per variant, and asks every scored question through :func:`graphmem.recall.recall` with a stand-in vector
index over those vectors (exact search; the store's own index is not touched), full method and dense only.
Prints recall@10 per category and overall, and per conversation (for leave-one-conversation-out).

Variants: ``plain`` (the turn), ``speaker`` (``Speaker: turn``), ``context``
(:func:`graphmem.embed_text.embedding_text`), ``max`` (the turn and the context text, max of the two
cosines), ``mean`` (their mean, what ingestion stores: :func:`graphmem.embed_text.embed_events`).
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from graphmem.bench.locomo import load_questions, score
from graphmem.embed_text import embedding_texts
from graphmem.memory import Memory
from graphmem.recall import RecallRequest, recall
from graphmem.recall.config import DEFAULT_CONFIG

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "locomo" / "locomo_dev.json"


@dataclass(frozen=True, slots=True)
class _Hit:
    node_id: str
    score: float


class _Index:
    """Exact search over one or more matrices per namespace (max of the cosines)."""

    def __init__(self, spaces: dict[str, tuple[list[str], list[np.ndarray[Any, Any]]]]) -> None:
        self.spaces = spaces

    def count(self, namespace: str) -> int:
        return len(self.spaces[namespace][0])

    def vectors(self, namespace: str, ids: list[str]) -> np.ndarray[Any, Any]:
        order, matrices = self.spaces[namespace]
        where = {e: i for i, e in enumerate(order)}
        rows = [where[i] for i in ids if i in where]
        return matrices[0][rows] if rows else np.zeros((0, 0), dtype=np.float32)

    def search(self, namespace: str, vector: np.ndarray[Any, Any], k: int) -> list[_Hit]:
        order, matrices = self.spaces[namespace]
        sims = np.max(np.stack([m @ vector for m in matrices]), axis=0)
        top = np.argsort(-sims)[:k]
        return [_Hit(order[i], float(sims[i])) for i in top]


def _unit(rows: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def _space(mem: Memory, namespace: str, variant: str) -> tuple[list[str], list[np.ndarray[Any, Any]]]:
    events = sorted(mem.store.iter_events(namespace), key=lambda e: (e.session, e.seq))
    embed = mem.embedder.embed
    own = [e.text for e in events]
    context = embedding_texts(events)
    if variant == "plain":
        matrices = [np.asarray(embed(own), dtype=np.float32)]
    elif variant == "speaker":
        matrices = [np.asarray(embed([f"{e.speaker}: {e.text}" if e.speaker else e.text for e in events]))]
    elif variant == "context":
        matrices = [np.asarray(embed(context), dtype=np.float32)]
    elif variant in ("max", "mean"):
        a, b = np.asarray(embed(own), dtype=np.float32), np.asarray(embed(context), dtype=np.float32)
        matrices = [a, b] if variant == "max" else [_unit(a + b)]
    else:
        raise SystemExit(f"unknown variant {variant!r}")
    return [e.id for e in events], matrices


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store")
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--variants", default="plain,mean")
    parser.add_argument("--next-weights", default=str(DEFAULT_CONFIG.next_weight))
    parser.add_argument("--namespaces", default=None, help="comma-separated (default: every conversation)")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    questions, _ = load_questions(args.data)
    wanted = set(args.namespaces.split(",")) if args.namespaces else None
    scored = [q for q in questions if q.gold and (wanted is None or q.namespace in wanted)]
    namespaces = sorted({q.namespace for q in scored})
    configs = {f"graphmem next {w}": DEFAULT_CONFIG.with_(next_weight=float(w)) for w in args.next_weights.split(",")}
    configs["dense"] = DEFAULT_CONFIG.with_(text=False, graph=False)
    out: dict[str, Any] = {}
    with Memory.open(args.store, read_only=True) as mem:
        for variant in args.variants.split(","):
            index = _Index({ns: _space(mem, ns, variant) for ns in namespaces})
            for name, cfg in configs.items():
                rows: list[tuple[int, str, float]] = []
                for q in scored:
                    request = RecallRequest.of(q.text, namespace=q.namespace, k=50, hops=2)  # as the bench asks
                    hits = recall(
                        request,
                        store=mem.store,
                        vectors=index,  # type: ignore[arg-type]
                        embed=mem.embedder.embed,
                        cache=mem.recall_cache(q.namespace),
                        config=cfg,
                    )
                    ranked = [h.event.source_id or h.event.id for h in hits]
                    rows.append((q.category, q.namespace, score(ranked, q.gold, [10])["recall@10"]))
                by: dict[str, list[float]] = defaultdict(list)
                for category, namespace, r in rows:
                    by[f"cat {category}"].append(r)
                    by[namespace].append(r)
                    by["all"].append(r)
                figures = {key: round(100 * statistics.fmean(v), 2) for key, v in sorted(by.items())}
                out[f"{variant} | {name}"] = figures
                print(f"{variant:8} {name:20} " + "  ".join(f"{k} {v}" for k, v in figures.items()), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
