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
cosines), ``mean`` (their mean: unit(v_turn + v_context)). Variants built from vectors ingestion already
has, with no second text per turn: ``prev:A`` (unit(v_turn + A·v_prev), ``v_prev`` the previous turn's
own vector in the same session), ``prevspk:A:B`` (unit(v_turn + A·v_prev + B·v_speaker), ``v_speaker``
the embedding of the speaker's name), ``chain:A`` (unit(v_turn + A·w_prev), ``w_prev`` the previous
turn's *final* vector, so context decays over the whole session). One pass over the context text with the
previous turn clipped to N words: ``context@N``, ``mean@N`` (with the turn's own embedding), ``span@N:A``
(unit(v_context + A·v_span), ``v_span`` the turn's own tokens pooled from that pass: what the default
ONNX embedder does, :class:`graphmem.embed_text.EmbeddingRequest`) and ``spancls@N:A`` (the span with
[CLS] and [SEP]). ``--cache FILE`` keeps the turn,
context and name embeddings between runs; ``--cost NS`` prints the embedding CPU seconds each kind of
text costs for one namespace; ``--json`` keeps each question's result for leave-one-out
(``benchmarks/embed_loo.py``).
"""

from __future__ import annotations

import argparse
import json
import time
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


def _previous(events: list[Any]) -> list[int]:
    """Index of each event's previous turn (same session, ``seq - 1``, said by someone), or -1."""
    where = {(e.session, e.seq): i for i, e in enumerate(events)}
    out = []
    for e in events:
        j = where.get((e.session, e.seq - 1), -1)
        out.append(j if e.speaker and j >= 0 and events[j].text.strip() else -1)
    return out


def _one_pass(mem: Memory, namespace: str, events: list[Any], words: int, cache: dict[str, Any]) -> None:
    """Cache, for context texts clipped to ``words`` words, their embeddings and what one pass over them
    gives for the turn's own tokens: ``span`` (the turn's tokens) and ``spancls`` (with [CLS] and [SEP])."""
    key = f"{namespace}/ctx@{words}"
    if key in cache:
        return
    import graphmem.embed_text as et

    kept, et.CONTEXT_WORDS = et.CONTEXT_WORDS, words
    try:
        texts = embedding_texts(events)
    finally:
        et.CONTEXT_WORDS = kept
    spans = [(len(e.speaker) + 2, len(e.speaker) + 2 + len(e.text)) if e.speaker else (0, len(e.text)) for e in events]
    embedder = mem.embedder
    whole = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    span = np.zeros_like(whole)
    spancls = np.zeros_like(whole)
    from graphmem.embed import _span_mask

    for rows, hidden, mask, encodings in embedder._passes(texts):  # type: ignore[attr-defined]
        inside = np.zeros_like(mask)
        for row, (i, encoding) in enumerate(zip(rows, encodings, strict=True)):
            inside[row, : len(encoding.ids)] = _span_mask(encoding, spans[i])
        ends = inside.copy()
        ends[:, 0] = 1
        ends[np.arange(len(rows)), mask.sum(axis=1) - 1] = 1
        for out, m in ((whole, mask), (span, inside), (spancls, ends)):
            w = m[..., None].astype(np.float32)
            out[rows] = (hidden * w).sum(axis=1) / np.maximum(w.sum(axis=1), 1e-9)
    cache[key] = _unit(whole)
    cache[f"{namespace}/span@{words}"] = _unit(span)
    cache[f"{namespace}/spancls@{words}"] = _unit(spancls)


def _texts(mem: Memory, namespace: str, cache: dict[str, Any], speaker: bool, words_wanted: set[int]) -> dict[str, Any]:
    """The namespace's events and the embeddings of their texts, context texts and speaker names."""
    events = sorted(mem.store.iter_events(namespace), key=lambda e: (e.session, e.seq))
    if f"{namespace}/own" not in cache:
        embed = mem.embedder.embed
        names = sorted({e.speaker for e in events if e.speaker})
        cache[f"{namespace}/own"] = np.asarray(embed([e.text for e in events]), dtype=np.float32)
        cache[f"{namespace}/context"] = np.asarray(embed(embedding_texts(events)), dtype=np.float32)
        cache[f"{namespace}/names"] = np.asarray(embed(names), dtype=np.float32)
        cache[f"{namespace}/name_list"] = np.asarray(names)
    if speaker and f"{namespace}/speaker" not in cache:
        said = [f"{e.speaker}: {e.text}" if e.speaker else e.text for e in events]
        cache[f"{namespace}/speaker"] = np.asarray(mem.embedder.embed(said), dtype=np.float32)
    names = [str(n) for n in cache[f"{namespace}/name_list"]]
    for words in sorted(words_wanted):
        _one_pass(mem, namespace, events, words, cache)
    return {
        "events": events,
        "own": cache[f"{namespace}/own"],
        "context": cache[f"{namespace}/context"],
        "speaker": cache.get(f"{namespace}/speaker"),
        "name": {n: cache[f"{namespace}/names"][i] for i, n in enumerate(names)},
        "one_pass": {k.split("/", 1)[1]: v for k, v in cache.items() if k.startswith(f"{namespace}/") and "@" in k},
    }


def _one_pass_space(t: dict[str, Any], kind: str, w: list[float], own: Any) -> list[np.ndarray[Any, Any]]:
    """``context@N`` (the context text clipped to N words), ``mean@N`` (its mean with the turn's own
    embedding), ``span@N:A`` / ``spancls@N:A`` (one pass: unit(context + A · the turn's own tokens
    pooled from it, without / with [CLS] and [SEP]))."""
    what, words = kind.split("@")
    ctx = t["one_pass"][f"ctx@{words}"]
    if what == "context":
        return [ctx]
    if what == "mean":
        return [_unit(own + ctx)]
    if what in ("span", "spancls"):
        part = t["one_pass"][f"{what}@{words}"]
        return [_unit((w[0] if w else 1.0) * part + ctx)]
    raise SystemExit(f"unknown variant {kind!r}")


def _space(t: dict[str, Any], variant: str) -> tuple[list[str], list[np.ndarray[Any, Any]]]:
    events, own, context = t["events"], t["own"], t["context"]
    kind, *weights = variant.split(":")
    w = [float(x) for x in weights]
    prev = _previous(events)
    if "@" in kind:  # one pass over the context text clipped to N words
        matrices = _one_pass_space(t, kind, w, own)
    elif kind == "plain":
        matrices = [own]
    elif kind == "speaker":
        matrices = [t["speaker"]]
    elif kind == "context":
        matrices = [context]
    elif kind == "max":
        matrices = [own, context]
    elif kind == "mean":
        matrices = [_unit(own + context)]
    elif kind in ("prev", "prevspk"):
        rows = own.copy()
        for i, j in enumerate(prev):
            if j >= 0:
                rows[i] += w[0] * own[j]
            if kind == "prevspk" and events[i].speaker:
                rows[i] += w[1] * t["name"][events[i].speaker]
        matrices = [_unit(rows)]
    elif kind == "chain":
        rows = own.copy()
        for i, j in enumerate(prev):  # events are in session order, so row j is final before row i
            if j >= 0:
                rows[i] += w[0] * rows[j]
            rows[i] /= np.linalg.norm(rows[i])
        matrices = [_unit(rows)]
    else:
        raise SystemExit(f"unknown variant {variant!r}")
    return [e.id for e in events], matrices


def _cost(mem: Memory, namespace: str) -> None:
    """Embedding CPU seconds for one namespace's turns, per kind of text embedded at ingest."""
    events = sorted(mem.store.iter_events(namespace), key=lambda e: (e.session, e.seq))
    own = [e.text for e in events]
    context = embedding_texts(events)
    names = sorted({e.speaker for e in events if e.speaker})
    for label, texts in (
        ("turns (plain, prev, chain)", own),
        ("context texts (mean adds these)", [c for o, c in zip(own, context, strict=True) if o != c]),
        ("speaker names (prevspk adds these)", names),
    ):
        runs = []
        for _ in range(3):
            start = time.process_time()
            for i in range(0, len(texts), 64):
                mem.embedder.embed(texts[i : i + 64])
            runs.append(time.process_time() - start)
        print(f"{namespace} {label}: {len(texts)} texts, CPU s {' '.join(f'{r:.2f}' for r in runs)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store")
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--variants", default="plain,mean")
    parser.add_argument("--next-weights", default=str(DEFAULT_CONFIG.next_weight))
    parser.add_argument("--namespaces", default=None, help="comma-separated (default: every conversation)")
    parser.add_argument("--json", default=None)
    parser.add_argument("--cache", default=None, help="npz file of the embeddings, written once, then reused")
    parser.add_argument("--cost", default=None, help="a namespace: print embedding CPU seconds per kind of text")
    parser.add_argument("--no-dense", action="store_true", help="only the full method")
    args = parser.parse_args()
    questions, _ = load_questions(args.data)
    wanted = set(args.namespaces.split(",")) if args.namespaces else None
    scored = [q for q in questions if q.gold and (wanted is None or q.namespace in wanted)]
    namespaces = sorted({q.namespace for q in scored})
    configs = {f"graphmem next {w}": DEFAULT_CONFIG.with_(next_weight=float(w)) for w in args.next_weights.split(",")}
    if not args.no_dense:
        configs["dense"] = DEFAULT_CONFIG.with_(text=False, graph=False)
    out: dict[str, Any] = {}
    with Memory.open(args.store, read_only=True) as mem:
        if args.cost:
            _cost(mem, args.cost)
            return
        cached = Path(args.cache) if args.cache else None
        cache: dict[str, Any] = dict(np.load(cached)) if cached and cached.exists() else {}
        speaker = "speaker" in args.variants.split(",")
        words = {int(v.split(":")[0].split("@")[1]) for v in args.variants.split(",") if "@" in v}
        texts = {ns: _texts(mem, ns, cache, speaker, words) for ns in namespaces}
        if cached and (not cached.exists() or words):
            np.savez(cached, **cache)
        for variant in args.variants.split(","):
            index = _Index({ns: _space(texts[ns], variant) for ns in namespaces})
            for name, cfg in configs.items():
                rows, _ = score_questions(
                    mem, scored, index=index, embed=mem.embedder.embed, cache=mem.recall_cache, config=cfg
                )
                figures = summarise(rows)
                out[f"{variant} | {name}"] = {"figures": figures, "rows": rows}
                print(f"{variant:8} {name:20} " + line(figures), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
