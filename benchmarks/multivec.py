"""Several vectors per turn, scored together, compared on a kept LoCoMo store without re-ingesting it.

Usage::

    .venv/bin/python benchmarks/multivec.py STORE [--data DATA.json] [--variants mean,max,lin:0.5,maxp]
        [--cache emb.npz] [--json OUT] [--loo]

Opens ``STORE`` (kept by ``graphmem bench locomo --store``) read-only and embeds each namespace's turns
(own text), their context texts (:func:`graphmem.embed_text.embedding_texts`) and the sentences of
every turn with more than one. Every scored question is then asked through :func:`graphmem.recall.recall`
with a stand-in vector index (exact search) that scores each turn from its vectors as the variant says;
full method (the default configuration) and dense only. Prints recall@10 per category and overall.

Variants (cosines with the question; ``own``, ``ctx``: the turn's own and context text, ``mean``:
unit(own + ctx), the vector ingestion stores today; ``sent``: the best sentence of the turn, the own
text for a turn of one sentence):

- ``mean``, ``own``, ``ctx``: one vector.
- ``max``: max(own, ctx).  ``lin:A``: A·own + (1 − A)·ctx.
- calibrated: ``zlin:A``: A·z(own) + (1 − A)·z(ctx), ``zmax``: max(z(own), z(ctx)), where z standardises
  a cosine over the namespace's turns for the question (mean 0, standard deviation 1).
- ``maxp``: sent.  ``maxp+mean:W``: W·mean + (1 − W)·sent.  ``maxp|mean``: max(mean, sent).
- ``maxp+ctx:W``: W·ctx + (1 − W)·sent.  ``maxp|ctx``: max(ctx, sent).

Sentences come from spaCy (``--split spacy``, the parser's sentences, as at ingest) or from a rule
(``--split rule``: split after ``.!?``; the shared photo's caption on its own; sentences under four
words joined to the next). ``--loo`` prints, for each family with a weight, the weight chosen by
leave-one-conversation-out (best overall recall@10 of the full method on the other four) and the
held-out figures.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from standin_recall import figures as summarise
from standin_recall import line, score_questions

from graphmem.bench.locomo import load_questions
from graphmem.embed_text import embedding_texts
from graphmem.memory import Memory
from graphmem.recall.config import DEFAULT_CONFIG

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "locomo" / "locomo_dev.json"
Array = np.ndarray[Any, Any]

_CAPTION = re.compile(r"\s*(\[shares [^\]]*\])\s*")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"\w+")


def rule_sentences(text: str, min_words: int = 4) -> list[str]:
    """Sentences of ``text`` by rule: split after ``.!?``, the caption apart, short ones joined forward."""
    parts: list[str] = []
    for chunk in _CAPTION.split(text):
        chunk = chunk.strip()
        if not chunk:
            continue
        if chunk.startswith("[shares "):
            parts.append(chunk)
            continue
        pending = ""
        for s in _SENTENCE.split(chunk):
            s = s.strip()
            if not s:
                continue
            pending = f"{pending} {s}".strip()
            if len(_WORD.findall(pending)) >= min_words:
                parts.append(pending)
                pending = ""
        if pending:
            if parts and not parts[-1].startswith("[shares "):
                parts[-1] = f"{parts[-1]} {pending}"
            else:
                parts.append(pending)
    return parts or [text]


def spacy_sentences(texts: list[str]) -> list[list[str]]:
    from graphmem.extract.nlp import load_nlp

    nlp = load_nlp()
    out = []
    for doc in nlp.pipe(texts, batch_size=64):
        sents = [s.text.strip() for s in doc.sents if s.text.strip()]
        out.append(sents or [doc.text])
    return out


@dataclass(frozen=True, slots=True)
class _Hit:
    node_id: str
    score: float


@dataclass(slots=True)
class _Space:
    ids: list[str]
    own: Array
    ctx: Array
    sent: Array  # all sentence rows
    starts: Array  # first sentence row of each turn (for np.maximum.reduceat)

    @property
    def mean(self) -> Array:
        m = self.own + self.ctx
        return (m / np.linalg.norm(m, axis=1, keepdims=True)).astype(np.float32)


def scorer(space: _Space, variant: str) -> Callable[[Array], Array]:
    """Per-turn score for a question vector, as ``variant`` says."""
    kind, *w = variant.split(":")
    a = float(w[0]) if w else 0.0
    own, ctx, mean = space.own, space.ctx, space.mean

    def best_sentence(q: Array) -> Array:
        return np.maximum.reduceat(space.sent @ q, space.starts)

    def z(s: Array) -> Array:  # standardised over the namespace's turns, per question
        return (s - s.mean()) / max(float(s.std()), 1e-6)

    table: dict[str, Callable[[Array], Array]] = {
        "mean": lambda q: mean @ q,
        "own": lambda q: own @ q,
        "ctx": lambda q: ctx @ q,
        "max": lambda q: np.maximum(own @ q, ctx @ q),
        "lin": lambda q: a * (own @ q) + (1 - a) * (ctx @ q),
        "zlin": lambda q: a * z(own @ q) + (1 - a) * z(ctx @ q),
        "zmax": lambda q: np.maximum(z(own @ q), z(ctx @ q)),
        "maxp": best_sentence,
        "maxp+mean": lambda q: a * (mean @ q) + (1 - a) * best_sentence(q),
        "maxp|mean": lambda q: np.maximum(mean @ q, best_sentence(q)),
        "maxp+ctx": lambda q: a * (ctx @ q) + (1 - a) * best_sentence(q),
        "maxp|ctx": lambda q: np.maximum(ctx @ q, best_sentence(q)),
    }
    if kind not in table:
        raise SystemExit(f"unknown variant {variant!r}")
    return table[kind]


class _Index:
    """Stand-in for :class:`graphmem.vector_index.VectorIndex`: exact search with a per-turn scorer."""

    def __init__(self, spaces: dict[str, _Space], variant: str) -> None:
        self.spaces = spaces
        self.score = {ns: scorer(s, variant) for ns, s in spaces.items()}

    def count(self, namespace: str) -> int:
        return len(self.spaces[namespace].ids)

    def vectors(self, namespace: str, ids: list[str]) -> Array:
        space = self.spaces[namespace]
        where = {e: i for i, e in enumerate(space.ids)}
        return space.mean[[where[i] for i in ids if i in where]]

    def search(self, namespace: str, vector: Array, k: int) -> list[_Hit]:
        sims = self.score[namespace](np.asarray(vector, dtype=np.float32))
        top = np.argsort(-sims, kind="stable")[:k]
        ids = self.spaces[namespace].ids
        return [_Hit(ids[i], float(sims[i])) for i in top]


def build_spaces(mem: Memory, namespaces: list[str], cache: dict[str, Any], split: str) -> dict[str, _Space]:
    spaces = {}
    for ns in namespaces:
        events = sorted(mem.store.iter_events(ns), key=lambda e: (e.session, e.seq))
        key = f"{ns}/{split}"
        if f"{ns}/own" not in cache:
            cache[f"{ns}/own"] = np.asarray(mem.embedder.embed([e.text for e in events]), dtype=np.float32)
            cache[f"{ns}/ctx"] = np.asarray(mem.embedder.embed(embedding_texts(events)), dtype=np.float32)
        if f"{key}/sent" not in cache:
            texts = [e.text for e in events]
            sents = spacy_sentences(texts) if split == "spacy" else [rule_sentences(t) for t in texts]
            flat: list[str | None] = []
            starts: list[int] = []
            single: list[int] = []  # sentence rows of turns of one sentence: the turn's own vector
            for ss in sents:
                starts.append(len(flat))
                if len(ss) == 1:
                    single.append(len(flat))
                    flat.append(None)
                else:
                    flat.extend(ss)
            todo = [i for i, s in enumerate(flat) if s is not None]
            rows = np.zeros((len(flat), cache[f"{ns}/own"].shape[1]), dtype=np.float32)
            start = time.process_time()
            if todo:
                rows[todo] = mem.embedder.embed([str(flat[i]) for i in todo])
            cpu = time.process_time() - start
            turn_of = np.repeat(np.arange(len(sents)), [len(s) for s in sents])
            rows[single] = cache[f"{ns}/own"][turn_of[single]]
            cache[f"{key}/sent"] = rows
            cache[f"{key}/starts"] = np.asarray(starts, dtype=np.int64)
            print(
                f"{ns}: {len(events)} turns, {len(todo)} sentences embedded from "
                f"{sum(1 for s in sents if len(s) > 1)} turns of several ({split}), CPU {cpu:.1f} s",
                flush=True,
            )
        spaces[ns] = _Space(
            [e.id for e in events], cache[f"{ns}/own"], cache[f"{ns}/ctx"], cache[f"{key}/sent"], cache[f"{key}/starts"]
        )
    return spaces


def _figure(rows: list[tuple[int, str, float]], keep: Callable[[int, str], bool]) -> float:
    values = [r for c, n, r in rows if keep(c, n)]
    return 100 * statistics.fmean(values) if values else float("nan")


def loo(out: dict[str, Any], method: str, baseline: str) -> None:
    """Leave-one-conversation-out for every family with more than one weight."""
    rows = {k: [tuple(r) for r in v["rows"]] for k, v in out.items() if k.endswith(f"| {method}")}
    families: dict[str, list[str]] = defaultdict(list)
    for key in rows:
        variant = key.split(" | ")[0]
        if ":" in variant:
            families[variant.split(":")[0]].append(key)
    base = rows[f"{baseline} | {method}"]
    conversations = sorted({n for _, n, _ in base})
    for family, keys in sorted(families.items()):
        print(f"\nLOO {family} ({method}) | held out | chosen | {baseline} all / cat 1 | chosen all / cat 1")
        held_b: list[Any] = []
        held_c: list[Any] = []
        for ns in conversations:
            best = max(keys, key=lambda k, held=ns: _figure(rows[k], lambda c, n: n != held))
            b = [r for r in base if r[1] == ns]
            a = [r for r in rows[best] if r[1] == ns]
            held_b += b
            held_c += a
            print(
                f"| {ns} | {best.split(' | ')[0]} | {_figure(b, lambda c, n: True):.1f} / "
                f"{_figure(b, lambda c, n: c == 1):.1f} | {_figure(a, lambda c, n: True):.1f} / "
                f"{_figure(a, lambda c, n: c == 1):.1f} |"
            )
        print(
            f"| all held out | | {_figure(held_b, lambda c, n: True):.2f} / {_figure(held_b, lambda c, n: c == 1):.1f}"
            f" | {_figure(held_c, lambda c, n: True):.2f} / {_figure(held_c, lambda c, n: c == 1):.1f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store")
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--variants", default="mean,max,maxp")
    parser.add_argument("--split", choices=("spacy", "rule"), default="spacy")
    parser.add_argument("--namespaces", default=None, help="comma-separated (default: every conversation)")
    parser.add_argument("--json", default=None)
    parser.add_argument("--cache", default=None, help="npz file of the embeddings, written once, then reused")
    parser.add_argument("--no-dense", action="store_true", help="only the full method")
    parser.add_argument("--loo", action="store_true")
    parser.add_argument("--ranked", action="store_true", help="keep each question's top 10 and gold in the json")
    args = parser.parse_args()
    questions, _ = load_questions(args.data)
    wanted = set(args.namespaces.split(",")) if args.namespaces else None
    scored = [q for q in questions if q.gold and (wanted is None or q.namespace in wanted)]
    namespaces = sorted({q.namespace for q in scored})
    configs = {"graphmem": DEFAULT_CONFIG}
    if not args.no_dense:
        configs["dense"] = DEFAULT_CONFIG.with_(text=False, graph=False)
    out: dict[str, Any] = {}
    with Memory.open(args.store, read_only=True) as mem:
        cached = Path(args.cache) if args.cache else None
        cache: dict[str, Any] = dict(np.load(cached)) if cached and cached.exists() else {}
        before = set(cache)
        spaces = build_spaces(mem, namespaces, cache, args.split)
        if cached and set(cache) != before:
            np.savez(cached, **cache)
        memo: dict[tuple[str, ...], Any] = {}

        def embed(texts: Any) -> Any:
            key = tuple(texts)
            if key not in memo:
                memo[key] = mem.embedder.embed(list(texts))
            return memo[key]

        for variant in args.variants.split(","):
            index = _Index(spaces, variant)
            for name, cfg in configs.items():
                rows, ranked_lists = score_questions(
                    mem, scored, index=index, embed=embed, cache=mem.recall_cache, config=cfg
                )
                figures = summarise(rows)
                out[f"{variant} | {name}"] = {"figures": figures, "rows": rows}
                if args.ranked:
                    out[f"{variant} | {name}"]["ranked"] = ranked_lists
                print(f"{variant:12} {name:9} " + line(figures), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    if args.loo:
        for method in configs:
            loo(out, method, "mean")


if __name__ == "__main__":
    main()
