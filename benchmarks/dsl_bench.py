"""Benchmark of the query language: parse + plan time, and 2-hop FIND with ABOUT on the LoCoMo dev store.

Targets (issue 5): parse + plan < 1 ms for the reference examples; a 2-hop ``FIND`` with ``ABOUT``
p95 <= 25 ms on the LoCoMo dev store (query embedding included).

Usage::

    python benchmarks/dsl_bench.py                       # builds /tmp/graphmem-bench-locomo once
    python benchmarks/dsl_bench.py --db ./locomo-store --questions 300 --json out.json

The LoCoMo dev file (CC BY-NC, not in this repository) is read from ../shared/data/locomo by default.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LOCOMO = ROOT.parent / "shared" / "data" / "locomo" / "locomo_dev.json"

#: The issue's illustration and the reference's worked examples (parse + plan only; no store needed).
REFERENCE = [
    'RECALL "camping with the kids" IN "conv-26" HOPS 2 LIMIT 10',
    'FIND (p:Person ~"Carolin")-[:SAID]->(e:Event)-[:MENTIONS]->(t ~"support group") '
    "RETURN e.time, e.text ORDER BY e.time",
    'FIND (e:Event ABOUT "charity race")-[:NEXT*1..3]->(later:Event) WHERE later.speaker = "Melanie" RETURN later',
    'FIND (m:Person {name: "Melanie"})-[f:FACT]->(x) AS OF 2023-06-01 RETURN f.predicate, x.name',
    'FIND (e:Event) WHERE e.time BETWEEN 2023-05-01 AND 2023-07-31 AND e MENTIONS ~"adoption" '
    "RETURN e.session, count(*) GROUP BY e.session",
    'EXPLAIN FIND (e:Event ABOUT "charity race")-[:NEXT*1..3]->(later:Event) RETURN later',
    'TIMELINE (p:Person ~"Melanie") IN "conv-26" WHERE event.time AFTER 2023-06-01 LIMIT 20',
    'FIND LAST 3 (p:Person ~"Caroline")-[:SAID]->(e:Event) RETURN e.time, e.text',
    'FIND (s:Event ABOUT "I got the job" TOP 1), (e:Event) WHERE e AFTER s AND e.speaker = "Priya" '
    "RETURN e.time, e.text ORDER BY e.time LIMIT 4",
    'FIND (k ~"Kyoto")<-[:MENTIONS]-(e:Event)-[:MENTIONS]->(other) RETURN other.name, count(*) AS n '
    "ORDER BY n DESC LIMIT 6",
]

#: The 2-hop ABOUT queries measured on LoCoMo; ``$q`` is a benchmark question.
TWO_HOP = {
    "about_next2": "FIND (e:Event ABOUT $q)-[:NEXT*1..2]->(n:Event) RETURN e.source, n.source, n.text",
    "about_topic_2hop": (
        "FIND (e:Event ABOUT $q)-[:MENTIONS]->(t:Topic)<-[:MENTIONS]-(o:Event) "
        "RETURN o.source, count(*) AS n ORDER BY n DESC LIMIT 10"
    ),
}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def bench_parse_plan(repeat: int) -> dict[str, Any]:
    from graphmem.query import parse, plan_query

    params = {"namespace": "conv-26"}
    for text in REFERENCE:  # warm up: grammar load and first-call caches
        plan_query(parse(text), params)
    per_query = {}
    for text in REFERENCE:
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            plan_query(parse(text), params)
            times.append((time.perf_counter() - t0) * 1000)
        per_query[text[:60]] = {"median_ms": statistics.median(times), "p95_ms": pct(times, 95)}
    medians = [v["median_ms"] for v in per_query.values()]
    return {"queries": per_query, "max_median_ms": max(medians), "mean_median_ms": statistics.mean(medians)}


def open_locomo(db: Path, locomo: Path) -> Any:
    from graphmem import Memory

    mem = Memory.open(db)
    if not mem.namespaces():
        print(f"ingesting {locomo} into {db} (once) ...", file=sys.stderr)
        t0 = time.perf_counter()
        summary = mem.ingest(locomo)
        print(f"  {summary.turns} turns in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return mem


def questions(locomo: Path, limit: int) -> list[tuple[str, str]]:
    data = json.loads(locomo.read_text(encoding="utf-8"))
    pairs = []
    for sample in data:
        for qa in sample["qa"]:
            pairs.append((sample["sample_id"], str(qa["question"])))
    step = max(1, len(pairs) // limit)
    return pairs[::step][:limit]


def bench_two_hop(mem: Any, qs: list[tuple[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    first = dict(reversed(qs))  # one question per namespace
    for ns, text in first.items():  # warm up: embedder, and each namespace's vector index verification
        for query in TWO_HOP.values():
            mem.query(query, q=text, namespace=ns)
    for name, query in TWO_HOP.items():
        times, rows = [], []
        for ns, text in qs:
            t0 = time.perf_counter()
            result = mem.query(query, q=text, namespace=ns)
            times.append((time.perf_counter() - t0) * 1000)
            rows.append(len(result))
        out[name] = {
            "query": query,
            "n": len(times),
            "p50_ms": pct(times, 50),
            "p95_ms": pct(times, 95),
            "max_ms": max(times),
            "mean_rows": statistics.mean(rows),
        }
    # The query embedding alone, for reference.
    t_embed = []
    for _, text in qs:
        t0 = time.perf_counter()
        mem.embedder.embed([text])
        t_embed.append((time.perf_counter() - t0) * 1000)
    out["embed_only"] = {"p50_ms": pct(t_embed, 50), "p95_ms": pct(t_embed, 95)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--locomo", type=Path, default=DEFAULT_LOCOMO)
    parser.add_argument("--db", type=Path, default=Path("/tmp/graphmem-bench-locomo"))
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    report: dict[str, Any] = {"parse_plan": bench_parse_plan(args.repeat)}
    pp = report["parse_plan"]
    print(
        f"parse+plan over {len(REFERENCE)} reference queries: max median {pp['max_median_ms']:.3f} ms, "
        f"mean median {pp['mean_median_ms']:.3f} ms (target < 1 ms)"
    )
    if args.locomo.is_file():
        with open_locomo(args.db, args.locomo) as mem:
            report["two_hop"] = bench_two_hop(mem, questions(args.locomo, args.questions))
        for name, r in report["two_hop"].items():
            if name == "embed_only":
                print(f"  query embedding alone: p50 {r['p50_ms']:.2f} ms, p95 {r['p95_ms']:.2f} ms")
                continue
            print(
                f"{name}: n={r['n']} p50 {r['p50_ms']:.2f} ms, p95 {r['p95_ms']:.2f} ms, max {r['max_ms']:.1f} ms, "
                f"mean rows {r['mean_rows']:.1f} (target p95 <= 25 ms)"
            )
    else:
        print(f"skipping the LoCoMo part: {args.locomo} not found", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
