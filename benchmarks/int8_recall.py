"""Per-question LoCoMo recall of a store queried through one embedder, and a paired comparison of two runs.

``graphmem bench locomo`` prints means per method and category; deciding whether an embedder may replace
another needs the questions paired (the same question, store built the same way, each model). Usage::

    # per question: recall@1/5/10 of the graphmem and dense methods, and the query embedding's time
    python benchmarks/int8_recall.py run STORE --embedder onnx --out cur.json
    python benchmarks/int8_recall.py run STORE_INT8 --embedder onnx-int8 --out int8.json
    python benchmarks/int8_recall.py run STORE --embedder onnx-int8 --out mixed.json   # old vectors, new queries
    # paired: mean difference (B - A) ± standard error, overall and per category, questions better / worse
    python benchmarks/int8_recall.py compare cur.json int8.json [--metric recall@10] [--method graphmem]

``run`` opens the store read-only with the given embedder (``graphmem.embed.make_embedder`` spec), asks
every scored question of the LoCoMo file with the bench's own method configurations
(``graphmem.bench.locomo.METHODS``) and scores with its ``score``, so the means equal the bench's.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

DEFAULT_DATA = "/work/shared/data/locomo/locomo_dev.json"
KS = (1, 5, 10, 25, 50)


def run(store: str, spec: str, data: str, methods: list[str], out: str) -> None:
    from graphmem.bench.locomo import METHODS, load_questions, score
    from graphmem.embed import make_embedder
    from graphmem.memory import Memory
    from graphmem.recall import RecallRequest

    embedder = make_embedder(spec)
    questions = [q for q in load_questions(data)[0] if q.gold]
    rows: list[dict[str, Any]] = []
    load = os.getloadavg()[0]
    with Memory.open(store, embedder=embedder, read_only=True) as mem:
        for q in questions[:5]:  # warm up: model, index, caches
            mem.recall_request(RecallRequest.of(q.text, namespace=q.namespace, k=max(KS)))
        for q in questions:
            wall, cpu = time.perf_counter(), time.process_time()
            embedder.embed([q.text])
            row: dict[str, Any] = {
                "namespace": q.namespace,
                "index": q.index,
                "category": q.category,
                "embed_ms": 1000 * (time.perf_counter() - wall),
                "embed_cpu_ms": 1000 * (time.process_time() - cpu),
            }
            for name in methods:
                request = RecallRequest.of(q.text, namespace=q.namespace, k=max(KS))
                hits = mem.recall_request(request, config=METHODS[name])
                row[name] = score([h.event.source_id or h.event.id for h in hits], q.gold, KS)
            rows.append(row)
    result = {
        "store": store,
        "embedder": embedder.name,
        "load_start": load,
        "load_end": os.getloadavg()[0],
        "rows": rows,
    }
    Path(out).write_text(json.dumps(result) + "\n", encoding="utf-8")
    print(f"{out}: {len(rows)} questions, embedder {embedder.name}, load {load:.2f} -> {result['load_end']:.2f}")
    for name in methods:
        print(f"  {name:10s} " + "  ".join(f"R@{k} {_mean(rows, name, f'recall@{k}'):.2f}" for k in (1, 5, 10)))
    embed = sorted(r["embed_ms"] for r in rows)
    embed_cpu = sorted(r["embed_cpu_ms"] for r in rows)
    print(
        f"  query embedding wall ms p50 {_pct(embed, 0.5):.2f} p95 {_pct(embed, 0.95):.2f}, "
        f"CPU ms p50 {_pct(embed_cpu, 0.5):.2f} p95 {_pct(embed_cpu, 0.95):.2f}"
    )


def _mean(rows: list[dict[str, Any]], method: str, metric: str) -> float:
    return 100 * statistics.fmean(r[method][metric] for r in rows)


def _pct(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]


def paired(a: list[float], b: list[float]) -> dict[str, float]:
    """Mean of ``b - a`` (in points), its standard error, and how many questions are better / worse."""
    diffs = [100 * (y - x) for x, y in zip(a, b, strict=True)]
    se = statistics.stdev(diffs) / math.sqrt(len(diffs)) if len(diffs) > 1 else 0.0
    return {
        "n": len(diffs),
        "a": 100 * statistics.fmean(a),
        "b": 100 * statistics.fmean(b),
        "diff": statistics.fmean(diffs),
        "se": se,
        "better": sum(d > 0 for d in diffs),
        "worse": sum(d < 0 for d in diffs),
    }


def compare(path_a: str, path_b: str, metric: str, method: str) -> None:
    a, b = (json.loads(Path(p).read_text(encoding="utf-8")) for p in (path_a, path_b))
    key_a = {(r["namespace"], r["index"]): r for r in a["rows"]}
    pairs = [(key_a[(r["namespace"], r["index"])], r) for r in b["rows"] if (r["namespace"], r["index"]) in key_a]
    print(f"{method} {metric}: A = {a['embedder']} ({path_a}), B = {b['embedder']} ({path_b}); B - A in points")
    groups: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {"all": pairs}
    for cat in sorted({x["category"] for x, _ in pairs}):
        groups[f"cat {cat}"] = [(x, y) for x, y in pairs if x["category"] == cat]
    for name, items in groups.items():
        s = paired([x[method][metric] for x, _ in items], [y[method][metric] for _, y in items])
        print(
            f"  {name:6s} n={s['n']:4d}  A {s['a']:6.2f}  B {s['b']:6.2f}  diff {s['diff']:+.2f} ± {s['se']:.2f}"
            f"  better {s['better']:3d} worse {s['worse']:3d}"
        )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("store")
    r.add_argument("--embedder", required=True, help="a GRAPHMEM_EMBEDDER spec, e.g. onnx or onnx-int8")
    r.add_argument("--data", default=DEFAULT_DATA)
    r.add_argument("--methods", default="graphmem,dense")
    r.add_argument("--out", required=True)
    c = sub.add_parser("compare")
    c.add_argument("a")
    c.add_argument("b")
    c.add_argument("--metric", default="recall@10")
    c.add_argument("--method", default="graphmem")
    args = parser.parse_args(argv)
    if args.cmd == "run":
        run(args.store, args.embedder, args.data, args.methods.split(","), args.out)
    else:
        compare(args.a, args.b, args.metric, args.method)


if __name__ == "__main__":
    main(sys.argv[1:])
