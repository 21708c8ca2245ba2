"""Recall over many namespaces of an existing store, opened read-only in a fresh process.

    python benchmarks/probe_namespaces.py STORE [NAMESPACES] [QUESTIONS] [OUT.json]

What ``graphmem bench scale --namespaces N`` probes, on a store it already wrote (e.g. /work/scale-ns/store,
1,000 namespaces × 1,000 events): open read-only with the default memory budget and
``mirror_max_events``, touch every namespace (its vectors, then one recall), then ask ``QUESTIONS``
(default 200) questions over random namespaces (``graphmem.bench.scale.questions``). Prints wall and
CPU p50/p95 of those questions, the budget's evictions, the questions by whether their namespace was loaded
before, loaded by the question, or answered from SQLite (count, wall p50 and max, and how many of the 10
slowest were of each kind), how many namespaces the mirror holds at the
end, peak RSS and the load average before and after (timings on a shared machine vary with it).
Nothing is written to the store.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import statistics
import sys
import time
from collections import Counter
from typing import Any


def _probe(where: str, namespaces: int, count: int) -> dict[str, Any]:
    from graphmem.bench.scale import questions
    from graphmem.bench.scale_probe import current_rss_mb, peak_rss_mb, percentile
    from graphmem.memory import Memory
    from graphmem.store.embedded import EmbeddedStore

    mem = Memory.open(where, read_only=True)
    try:
        mem.embedder.embed(["warm up"])
        held = mem.namespaces()
        started = time.perf_counter()
        for ns in held:
            mem.vectors.count(ns)
        for ns in held:
            mem.recall("hello", namespace=ns, k=10)
        touch_s = time.perf_counter() - started
        evictions_before = mem.budget.evictions if mem.budget is not None else 0
        wall, cpu = [], []
        store = mem.store

        def loaded() -> frozenset[str]:  # the store's answer is a snapshot: ask at each question
            return store.loaded if isinstance(store, EmbeddedStore) else frozenset()

        kinds: dict[str, list[float]] = {"loaded before": [], "loaded by it": [], "read from SQLite": []}
        for ns, text in questions(count, namespaces=namespaces):
            was_loaded = ns in loaded()
            t, c = time.perf_counter(), time.process_time()
            mem.recall(text, namespace=ns, k=10)
            wall.append(1000 * (time.perf_counter() - t))
            cpu.append(1000 * (time.process_time() - c))
            kind = "loaded before" if was_loaded else "loaded by it" if ns in loaded() else "read from SQLite"
            kinds[kind].append(wall[-1])
        tenth = sorted(wall)[-min(10, len(wall))]  # the 10th slowest question (p95 of 200)
        return {
            "namespaces": len(held),
            "questions": count,
            "touch_all_s": round(touch_s, 1),
            "recall_p50_ms": round(statistics.median(wall), 1),
            "recall_p95_ms": round(percentile(wall, 0.95), 1),
            "recall_cpu_p50_ms": round(statistics.median(cpu), 1),
            "recall_cpu_p95_ms": round(percentile(cpu, 0.95), 1),
            "evictions_total": mem.budget.evictions if mem.budget is not None else 0,
            "evictions_during_questions": (mem.budget.evictions if mem.budget is not None else 0) - evictions_before,
            "graphs_loaded_at_end": len(store.loaded) if isinstance(store, EmbeddedStore) else 0,
            # Where the slow questions come from: each question's namespace was loaded before it, loaded by
            # it (2Q admission on a second reference), or answered from SQLite without loading.
            "questions_by_kind": {
                kind: {
                    "count": len(times),
                    "wall_p50_ms": round(statistics.median(times), 1) if times else None,
                    "wall_max_ms": round(max(times), 1) if times else None,
                }
                for kind, times in kinds.items()
            },
            "slowest_10_by_kind": dict(Counter(kind for kind, times in kinds.items() for ms in times if ms >= tenth)),
            "rss_end_mb": round(current_rss_mb(), 1),
            "peak_rss_mb": round(peak_rss_mb(), 1),
        }
    finally:
        mem.close()


def _child(conn: Any, args: tuple[Any, ...]) -> None:
    try:
        conn.send(("ok", _probe(*args)))
    except BaseException as exc:
        conn.send(("error", f"{exc.__class__.__name__}: {exc}"))
    finally:
        conn.close()


def main(argv: list[str]) -> None:
    where = argv[0]
    namespaces = int(argv[1]) if len(argv) > 1 else 1000
    count = int(argv[2]) if len(argv) > 2 else 200
    load = os.getloadavg()
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(child, (where, namespaces, count)))
    process.start()
    child.close()
    status, row = parent.recv()
    process.join()
    if status != "ok":
        raise SystemExit(f"probe failed: {row}")
    row["load_average_before"] = [round(x, 2) for x in load]
    row["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    text = json.dumps(row, indent=1)
    print(text)
    if len(argv) > 3:
        with open(argv[3], "w", encoding="utf-8") as out:
            out.write(text + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
