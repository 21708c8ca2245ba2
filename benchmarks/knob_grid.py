"""One recall knob over a grid on LoCoMo, with leave-one-conversation-out choice.

    python benchmarks/knob_grid.py STORE ../shared/data/locomo/locomo_dev.json name_boost 0.3,0.5,0.65,1.0

Asks every scored question with the default configuration and ``FIELD`` set to each value (k 50, as
``graphmem bench locomo`` asks), prints recall@10 overall and per category for each value, then, holding
each conversation out, the value the other four would choose and the held-out conversation's recall@10
with the default value and with the chosen one. ``STORE`` is a store the bench ingested (``--store``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> None:
    from graphmem.bench.locomo import load_questions, score
    from graphmem.memory import Memory
    from graphmem.recall import RecallRequest
    from graphmem.recall.config import DEFAULT_CONFIG

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store")
    parser.add_argument("data")
    parser.add_argument("field", help="a RecallConfig field")
    parser.add_argument("values", help="comma-separated values")
    args = parser.parse_args()
    kind = type(getattr(DEFAULT_CONFIG, args.field))
    values = [kind(float(v)) if kind is int else kind(v) for v in args.values.split(",")]
    default = getattr(DEFAULT_CONFIG, args.field)
    if default not in values:
        values.append(default)
    questions = [q for q in load_questions(args.data)[0] if q.gold]
    rows: dict[object, list[tuple[str, int, float]]] = {}
    with Memory.open(args.store) as mem:
        for value in values:
            cfg = DEFAULT_CONFIG.with_(**{args.field: value})
            rows[value] = []
            for q in questions:
                request = RecallRequest.of(q.text, namespace=q.namespace, k=50, hops=2)
                hits = mem.recall_request(request, config=cfg)
                ranked = [h.event.source_id or h.event.id for h in hits]
                rows[value].append((q.namespace, q.category, score(ranked, q.gold, [10])["recall@10"]))

    def mean(items: list[float]) -> float:
        return 100 * statistics.fmean(items) if items else 0.0

    for value in values:
        r = rows[value]
        cats = " ".join(f"cat {c} {mean([x[2] for x in r if x[1] == c]):.2f}" for c in sorted({x[1] for x in r}))
        print(f"{args.field}={value}: all {mean([x[2] for x in r]):.2f} {cats}")
    for held in sorted({q.namespace for q in questions}):
        best = max(values, key=lambda v: statistics.fmean(x[2] for x in rows[v] if x[0] != held))
        before = mean([x[2] for x in rows[default] if x[0] == held])
        after = mean([x[2] for x in rows[best] if x[0] == held])
        print(f"held out {held}: chosen {best}, {before:.2f} -> {after:.2f}")


if __name__ == "__main__":
    main()
