"""Merge precision and recall of entity resolution on a labelled set of name pairs.

Each pair in ``tests/data/resolution_pairs.jsonl`` is two entity names with their types and whether
they denote the same entity (``same``). The pair is put through :func:`graphmem.extract.resolve.resolve_batch`
exactly as ingestion does it (the first name stored, the second arriving in a new batch), and counts as
merged when the second entity's mentions are rewritten to the first. Precision = correct merges /
merges; recall = correct merges / pairs that should merge.

Usage::

    .venv/bin/python benchmarks/resolution_eval.py [--pairs FILE] [--no-embed] [--json OUT]

Prints one table at the chosen thresholds (by source of the pairs), then a sweep over the fuzzy
threshold, and (with the default embedder) a sweep over the embedding threshold.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from graphmem.extract.resolve import DEFAULT_CONFIG, ResolutionConfig, resolve_batch
from graphmem.models import Batch, Entity, Mention

PAIRS = Path(__file__).resolve().parents[1] / "tests" / "data" / "resolution_pairs.jsonl"


@dataclass(frozen=True)
class Pair:
    a: str
    a_type: str
    b: str
    b_type: str
    same: bool
    source: str


@dataclass(frozen=True)
class Score:
    pairs: int
    positives: int
    merged: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.merged if self.merged else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.positives if self.positives else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load_pairs(path: Path) -> list[Pair]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out.append(Pair(row["a"], row["a_type"], row["b"], row["b_type"], bool(row["same"]), row["source"]))
    return out


def merges(pair: Pair, config: ResolutionConfig, embedder: Any | None) -> bool:
    """Whether resolution merges the incoming ``b`` into the stored ``a``."""
    stored = Entity("eval", "stored", pair.a, pair.a_type)
    incoming = Entity("eval", "incoming", pair.b, pair.b_type)
    batch = Batch("eval", entities=(incoming,), mentions=(Mention("eval", "ev", "incoming"),))
    out = resolve_batch(batch, [stored], embedder, config=config, salience=False)
    return out.mentions[0].entity_id == "stored"


def score(pairs: Sequence[Pair], config: ResolutionConfig, embedder: Any | None) -> tuple[Score, list[Pair]]:
    merged = correct = 0
    wrong = []
    for pair in pairs:
        decided = merges(pair, config, embedder)
        merged += decided
        correct += decided and pair.same
        if decided != pair.same:
            wrong.append(pair)
    return Score(len(pairs), sum(p.same for p in pairs), merged, correct), wrong


def _row(table: Table, label: str, s: Score) -> None:
    table.add_row(label, str(s.pairs), str(s.positives), str(s.merged), f"{s.precision:.3f}", f"{s.recall:.3f}",
                  f"{s.f1:.3f}")  # fmt: skip


def _table(title: str, first: str) -> Table:
    table = Table(title=title)
    for col in (first, "pairs", "should merge", "merged", "precision", "recall", "F1"):
        table.add_column(col, justify="left" if col == first else "right")
    return table


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=Path, default=PAIRS)
    parser.add_argument("--no-embed", action="store_true", help="skip the embedding rows")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    console = Console()
    pairs = load_pairs(args.pairs)
    groups = {
        "LoCoMo dev": [p for p in pairs if p.source.startswith("locomo-dev")],
        "data/ samples": [p for p in pairs if p.source.startswith("data:")],
        "constructed": [p for p in pairs if p.source == "constructed"],
        "all": pairs,
    }
    embedder = None
    if not args.no_embed:
        try:
            from graphmem.embed import default_embedder

            embedder = default_embedder()
        except Exception as exc:  # the benchmark still reports the rules without embeddings
            console.print(f"[yellow]no embedder ({exc}); embedding rows skipped[/]")
    report: dict[str, Any] = {"config": {f: getattr(DEFAULT_CONFIG, f) for f in ResolutionConfig.__dataclass_fields__}}

    cfg = DEFAULT_CONFIG
    table = _table(
        f"Merge precision/recall at fuzzy_threshold={cfg.fuzzy_threshold:g}, "
        f"embed_threshold={cfg.embed_threshold:g} (floor {cfg.embed_fuzzy_floor:g})",
        "pairs from",
    )
    report["chosen"] = {}
    for name, group in groups.items():
        s, wrong = score(group, cfg, None)
        _row(table, f"{name} (rules)", s)
        report["chosen"][f"{name} (rules)"] = s.__dict__ | {"precision": s.precision, "recall": s.recall}
        if embedder is not None:
            s, _ = score(group, cfg, embedder)
            _row(table, f"{name} (+ embeddings)", s)
            report["chosen"][f"{name} (+ embeddings)"] = s.__dict__ | {"precision": s.precision, "recall": s.recall}
        if name == "all":
            report["errors"] = [p.__dict__ for p in wrong]
    console.print(table)

    sweep = _table("Sweep: fuzzy_threshold (rules only, all pairs)", "fuzzy_threshold")
    report["fuzzy_sweep"] = {}
    for threshold in (70, 75, 80, 85, 88, 90, 92, 95, 100):
        s, _ = score(pairs, replace(cfg, fuzzy_threshold=threshold), None)
        _row(sweep, f"{threshold}", s)
        report["fuzzy_sweep"][threshold] = {"precision": s.precision, "recall": s.recall, "f1": s.f1}
    console.print(sweep)

    if embedder is not None:
        esweep = _table(
            f"Sweep: embed_threshold (fuzzy_threshold={cfg.fuzzy_threshold:g}, floor "
            f"{cfg.embed_fuzzy_floor:g}, all pairs)",
            "embed_threshold",
        )
        report["embed_sweep"] = {}
        for threshold in (0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95):
            s, _ = score(pairs, replace(cfg, embed_threshold=threshold), embedder)
            _row(esweep, f"{threshold:g}", s)
            report["embed_sweep"][threshold] = {"precision": s.precision, "recall": s.recall, "f1": s.f1}
        console.print(esweep)

    wrong_table = Table(title="Pairs the chosen rules get wrong (all pairs, no embeddings)")
    for col in ("a", "b", "label", "source"):
        wrong_table.add_column(col)
    for p in report["errors"]:
        wrong_table.add_row(f"{p['a']} ({p['a_type']})", f"{p['b']} ({p['b_type']})",
                            "same" if p["same"] else "different", p["source"])  # fmt: skip
    console.print(wrong_table)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
