"""LoCoMo evidence recall: the methods of ``graphmem bench locomo`` plus a finer ablation of graphmem.

Usage::

    .venv/bin/python benchmarks/recall_locomo.py [DATA.json] [--store DIR] [--json OUT] [--no-ablation]

Ingests the file once (into ``--store`` if given, so a second run skips ingestion), then asks every
question with each configuration and prints Markdown tables: the methods (graphmem, no entity/fact
edges, seeds only, dense, BM25) at every k with the share of top-10 hits that came through an entity
or a fact, recall@10 by category, and recall@10 / MRR with one part of graphmem switched off at a time. All
configurations run on the same store with the same embedder; latency is per ``recall`` call, query
embedding included.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from graphmem.bench.locomo import METHODS, _evaluate, _ingest, load_questions
from graphmem.memory import Memory
from graphmem.recall import RecallConfig
from graphmem.recall.config import DEFAULT_CONFIG, ENTITY_WALK_CONFIG

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "locomo" / "locomo_dev.json"
KS = [1, 5, 10, 25, 50]

#: graphmem with one part switched off.
ABLATION: dict[str, RecallConfig] = {
    "graphmem (full)": DEFAULT_CONFIG,
    "- speaker lift": DEFAULT_CONFIG.with_(name_boost=0.0),
    "- NEXT edges": DEFAULT_CONFIG.with_(next_weight=0.0),
    "- session edges": DEFAULT_CONFIG.with_(session_weight=0.0),
    "+ entity/fact walk": ENTITY_WALK_CONFIG,
    "- lowering turns that only ask": DEFAULT_CONFIG.with_(asking_factor=1.0),
    "- answer type/time": DEFAULT_CONFIG.with_(type_boost=0.0, time_boost=0.0),
    "fusion only (no graph)": DEFAULT_CONFIG.with_(graph=False),
}


def markdown(result: dict[str, Any], ablation: dict[str, Any] | None) -> str:
    """The figures as Markdown tables."""
    lines = ["| method | " + " | ".join(f"R@{k}" for k in KS) + " | MRR | p50 ms | p95 ms | via links % |"]
    lines.append("|---" * (len(KS) + 5) + "|")
    for name, fig in result["methods"].items():
        cells = [f"{fig[f'recall@{k}']:.1f}" for k in KS]
        lat = fig["latency_ms"]
        via = fig["top10_links"]["via_links"]
        row = f"| {name} | {' | '.join(cells)} | {fig['mrr']:.1f} | {lat['p50']:.1f} | {lat['p95']:.1f} | {via:.1f} |"
        lines.append(row)
    lines += ["", "| recall@10 | cat 1 | cat 2 | cat 3 | cat 4 | cat 5 | all |", "|---|---|---|---|---|---|---|"]
    for name, fig in result["methods"].items():
        cats = [f"{fig['by_category'][c]['recall@10']:.1f}" for c in "12345"]
        lines.append(f"| {name} | {' | '.join(cats)} | {fig['recall@10']:.1f} |")
    if ablation:
        lines += ["", "| configuration | R@10 | cat 1 R@10 | MRR |", "|---|---|---|---|"]
        for name, fig in ablation["methods"].items():
            c1 = fig["by_category"]["1"]["recall@10"]
            lines.append(f"| {name} | {fig['recall@10']:.1f} | {c1:.1f} | {fig['mrr']:.1f} |")
    ing = result["ingest"]
    lines += ["", f"ingest: {ing['turns']} turns in {ing['seconds']} s ({ing['turns_per_s']} turns/s)"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print Markdown; optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", default=str(DEFAULT_DATA))
    parser.add_argument("--store", default=None, help="store directory to keep (default: temporary)")
    parser.add_argument("--json", dest="json_out", default=None)
    parser.add_argument("--no-ablation", action="store_true")
    args = parser.parse_args(argv)
    questions, _ = load_questions(args.data)
    with (
        tempfile.TemporaryDirectory(prefix="graphmem-recall-bench-") as tmp,
        Memory.open(args.store or Path(tmp) / "store") as mem,
    ):
        ingest = _ingest(mem, args.data)
        result = _evaluate(mem, questions, KS, METHODS, 2, None, ingest, args.data)
        ablation = None
        if not args.no_ablation:
            ablation = _evaluate(mem, questions, [10], ABLATION, 2, None, ingest, args.data)
    print(markdown(result, ablation))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"methods": result, "ablation": ablation}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
