"""What the garbage collector costs recall: full collections paid, tracked objects, one full collection.

    python benchmarks/probe_gc.py STORE LIMIT [COUNT] [freeze]

Opens ``STORE`` read-only as ``benchmarks/probe_store.py`` does (``LIMIT`` is ``mirror_max_events``),
recalls the first question, then ``COUNT`` (default 100) of ``graphmem.bench.scale.questions``, and
prints the full (generation 2) collections those recalls paid (CPU ms each, ``gc.callbacks``), the
objects the collector tracks afterwards, the CPU time of one full collection then (the least of five
``gc.collect()``) and the recalls' CPU p50 / p95 / max. With ``freeze``, what the process holds after
the first recall is collected and frozen (``gc.freeze()``) first, as an application serving recall may
do (``graphmem mcp`` does); the library never does. See docs/scale.md.
"""

from __future__ import annotations

import gc
import sys
import time
from typing import Any

from graphmem.bench.scale import questions
from graphmem.bench.scale_probe import percentile
from graphmem.memory import Memory

_STARTED: list[float] = []
_FULL: list[float] = []


def _collected(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _STARTED[:] = [time.process_time()]
    elif _STARTED and info["generation"] == 2:
        _FULL.append(1000 * (time.process_time() - _STARTED.pop()))


def main(argv: list[str]) -> None:
    where = argv[0]
    limit = None if argv[1] == "none" else int(argv[1])
    count = int(argv[2]) if len(argv) > 2 else 100
    freeze = len(argv) > 3 and argv[3] == "freeze"
    asked = questions(count)
    with Memory.open(where, read_only=True, mirror_max_events=limit) as mem:
        mem.embedder.embed(["warm up"])
        mem.recall(asked[0][1], namespace=asked[0][0], k=10)
        if freeze:
            gc.collect()
            gc.freeze()
        gc.callbacks.append(_collected)
        cpu = []
        for namespace, text in asked:
            started = time.process_time()
            mem.recall(text, namespace=namespace, k=10)
            cpu.append(1000 * (time.process_time() - started))
        gc.callbacks.remove(_collected)
        tracked = len(gc.get_objects())
        full = []
        for _ in range(5):
            started = time.process_time()
            gc.collect()
            full.append(1000 * (time.process_time() - started))
    print(
        f"full collections during the recalls: {len(_FULL)} ({', '.join(f'{ms:.1f}' for ms in _FULL)} ms CPU); "
        f"tracked objects {tracked:,}, frozen {gc.get_freeze_count():,}; a full collection {min(full):.1f} ms CPU; "
        f"recall CPU p50 / p95 / max {percentile(cpu, 0.5):.1f} / {percentile(cpu, 0.95):.1f} / {max(cpu):.1f} ms"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
