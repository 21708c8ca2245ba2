"""Per-question wall and CPU time of each recall stage, in a fresh process, read-only (the probe's order).

    python benchmarks/probe_stages.py STORE LIMIT [COUNT] [OUT.json]

Opens ``STORE`` read-only as ``benchmarks/probe_store.py`` does (``LIMIT`` is ``mirror_max_events``), recalls
the first question, then ``COUNT`` (default 100) of ``graphmem.bench.scale.questions``, and records for each
question the wall and CPU milliseconds of the whole recall and of each wrapped stage (full-text search,
question embedding, vector search, event rows, edges), the wall milliseconds of the garbage collections
it paid (``gc.callbacks``; ``gc2``: the full ones), the bytes read from disk (``/proc/self/io``
``read_bytes``: page-cache misses), the major page faults, and the time its threads waited for a CPU
(``/proc/self/task/*/schedstat``, Linux: wall time beyond CPU that is not I/O). Prints the slowest
questions by wall time and the sums over all questions. ``OUT.json`` also holds each question's hits
(``Hit.as_dict()``), so two checkouts' answers can be compared (run this file with the other checkout on
``PYTHONPATH``). See docs/scale.md.
"""

from __future__ import annotations

import collections
import gc
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

from graphmem.bench.scale import questions
from graphmem.bench.scale_probe import percentile
from graphmem.memory import Memory
from graphmem.store import embedded, sqlite_graph
from graphmem.vector_index import VectorIndex

_WALL: collections.Counter[str] = collections.Counter()
_CPU: collections.Counter[str] = collections.Counter()
_GC_STARTED: list[tuple[float, float]] = []
_STAGES = ("fulltext", "embed", "vectors", "events", "edges", "gc", "gc2")


def _timed(owner: Any, name: str, label: str) -> None:
    inner: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            _WALL[label] += time.perf_counter() - wall
            _CPU[label] += time.process_time() - cpu

    setattr(owner, name, wrapper)


def _collected(phase: str, info: dict[str, Any]) -> None:
    """``gc.callbacks`` hook: the time of each collection, and of the full (generation 2) ones apart."""
    if phase == "start":
        _GC_STARTED[:] = [(time.perf_counter(), time.process_time())]
    elif _GC_STARTED:
        wall, cpu = _GC_STARTED.pop()
        labels = ("gc", "gc2") if info["generation"] == 2 else ("gc",)
        for label in labels:
            _WALL[label] += time.perf_counter() - wall
            _CPU[label] += time.process_time() - cpu


def _disk() -> tuple[int, int, int]:
    """Bytes read from disk, major page faults, and nanoseconds this process's threads waited for a CPU."""
    read = 0
    with open("/proc/self/io", encoding="ascii") as io:
        for line in io:
            if line.startswith("read_bytes:"):
                read = int(line.split()[1])
    waited = 0
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/schedstat", encoding="ascii") as stat:
                waited += int(stat.read().split()[1])
        except OSError:
            pass
    return read, resource.getrusage(resource.RUSAGE_SELF).ru_majflt, waited


def main(argv: list[str]) -> None:
    where = argv[0]
    limit = None if argv[1] == "none" else int(argv[1])
    count = int(argv[2]) if len(argv) > 2 else 100
    _timed(embedded.EmbeddedStore, "search_text", "fulltext")
    _timed(VectorIndex, "search", "vectors")
    _timed(sqlite_graph.DiskNamespace, "get_events", "events")
    if hasattr(sqlite_graph.DiskNamespace, "events_by_rowid"):  # text seeds read by rowid (newer code)
        _timed(sqlite_graph.DiskNamespace, "events_by_rowid", "events")
    _timed(sqlite_graph.DiskNamespace, "neighbors_many", "edges")
    asked = questions(count)
    rows = []
    hits = []
    gc.callbacks.append(_collected)
    with Memory.open(where, read_only=True, mirror_max_events=limit) as mem:
        _timed(mem.embedder, "embed", "embed")
        mem.embedder.embed(["warm up"])
        first = time.perf_counter()
        mem.recall(asked[0][1], namespace=asked[0][0], k=10)
        first_ms = 1000 * (time.perf_counter() - first)
        mem.recall("hello", namespace=asked[0][0], k=10)
        for namespace, text in asked:
            _WALL.clear()
            _CPU.clear()
            disk = _disk()
            wall, cpu = time.perf_counter(), time.process_time()
            found = mem.recall(text, namespace=namespace, k=10)
            row: dict[str, Any] = {
                "question": text,
                "wall": 1000 * (time.perf_counter() - wall),
                "cpu": 1000 * (time.process_time() - cpu),
            }
            after = _disk()
            row["read_kb"] = (after[0] - disk[0]) // 1024
            row["majflt"] = after[1] - disk[1]
            row["runqueue_ms"] = (after[2] - disk[2]) / 1e6
            for label in _STAGES:
                row[label] = (round(1000 * _WALL[label], 2), round(1000 * _CPU[label], 2))
            rows.append(row)
            hits.append([hit.as_dict() for hit in found])
    walls = [r["wall"] for r in rows]
    cpus = [r["cpu"] for r in rows]
    print(
        f"first recall {first_ms:.0f} ms; wall p50/p95 {percentile(walls, 0.5):.1f}/{percentile(walls, 0.95):.1f}"
        f" CPU p50/p95 {percentile(cpus, 0.5):.1f}/{percentile(cpus, 0.95):.1f}"
    )
    print(
        f"{'wall':>6} {'cpu':>6} {'queue':>6} {'readKB':>7} {'mflt':>5}  "
        "stage wall/cpu: fulltext embed vectors events edges, gc wall (full)"
    )
    for r in sorted(rows, key=lambda r: -r["wall"])[:15]:
        stages = "  ".join(f"{r[s][0]:.0f}/{r[s][1]:.0f}" for s in _STAGES[:5])
        stages += f"  {r['gc'][0]:.0f} ({r['gc2'][0]:.0f})"
        print(
            f"{r['wall']:6.1f} {r['cpu']:6.1f} {r['runqueue_ms']:6.1f} {r['read_kb']:7d} {r['majflt']:5d}  "
            f"{stages}  {r['question'][:50]}"
        )
    print("total read KB", sum(r["read_kb"] for r in rows), "majflt", sum(r["majflt"] for r in rows))
    print(
        f"summed over the questions: wall {sum(walls):.0f} ms, CPU {sum(cpus):.0f} ms, "
        f"waiting for a CPU {sum(r['runqueue_ms'] for r in rows):.0f} ms, collecting garbage "
        f"{sum(r['gc'][0] for r in rows):.0f} ms (full: {sum(r['gc2'][0] > 0 for r in rows)} recalls, "
        f"{sum(r['gc2'][0] for r in rows):.0f} ms)"
    )
    if len(argv) > 3:
        with open(argv[3], "w", encoding="utf-8") as out:
            json.dump({"first_recall_ms": first_ms, "rows": rows, "hits": hits}, out, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])
