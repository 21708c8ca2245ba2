"""Recall latency in this process while another process adds one message every PERIOD seconds.

    python benchmarks/probe_live_writer.py STORE NAMESPACE PERIOD N

Works on a copy of a store (it writes to it): ``N`` recalls with no other writer, then ``N`` recalls
(0.25 s apart) while a second process adds a message to ``NAMESPACE`` every ``PERIOD`` seconds, so each
recall first catches up with what that process committed. The first recall after the writer's first add
is not timed (on a namespace of exactly 20,000 vectors it turns the exact index into an hnswlib graph).
Prints the timed recalls under writes (ms) and a JSON line of p50/p95. See docs/scale.md, "Recall while
another process writes".
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from graphmem import Memory

_WRITER = r"""
import sys, time
from graphmem import Memory
store, ns, period = sys.argv[1], sys.argv[2], float(sys.argv[3])
with Memory.open(store) as mem:
    mem.add({"speaker": "Writer", "text": "warming up"}, namespace=ns)
    print("ready", flush=True)
    i = 0
    while True:
        i += 1
        t = time.monotonic()
        text = f"Note {i}: I walked to the lake with Sam and we talked about pottery."
        mem.add({"speaker": "Writer", "text": text}, namespace=ns)
        time.sleep(max(0.0, period - (time.monotonic() - t)))
"""
_QUESTIONS = [
    "what did they say about the lake",
    "who likes pottery",
    "when did Sam go hiking",
    "favourite food",
    "the new job",
]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 1)


def main(store: str, namespace: str, period: float, n: int) -> None:
    """Run the probe and print its figures."""
    with Memory.open(store) as mem:
        mem.recall("warm up", namespace=namespace)
        quiet = []
        for i in range(n):
            t = time.perf_counter()
            mem.recall(_QUESTIONS[i % len(_QUESTIONS)], namespace=namespace)
            quiet.append(time.perf_counter() - t)
        writer = subprocess.Popen(
            [sys.executable, "-c", _WRITER, store, namespace, str(period)], stdout=subprocess.PIPE, text=True
        )
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        mem.recall("after the warm-up add", namespace=namespace)
        busy = []
        try:
            for i in range(n):
                t = time.perf_counter()
                mem.recall(_QUESTIONS[i % len(_QUESTIONS)], namespace=namespace)
                busy.append(time.perf_counter() - t)
                time.sleep(0.25)
        finally:
            writer.kill()
            writer.wait()
    print([round(1000 * b) for b in busy])
    figures = {
        "quiet_p50": _pct(quiet, 0.5),
        "quiet_p95": _pct(quiet, 0.95),
        "busy_p50": _pct(busy, 0.5),
        "busy_p95": _pct(busy, 0.95),
        "busy_max": _pct(busy, 1.0),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]))
