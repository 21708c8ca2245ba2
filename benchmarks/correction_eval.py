"""Corrections against changes on ``tests/data/corrections.jsonl`` (rules in ``tests/data/README.md``).

Each dialogue is ingested the way a file is (spaCy extraction, entity resolution, temporal maintenance,
the store's versions; no embedding) into its own namespace, and the value of its predicate that memory
now holds at the labelled moment is compared with the label. Printed: accuracy over all dialogues and by
kind (``correction``: the earlier value was a slip; ``change``: it held until the change; ``other``: a
correction must leave this value alone), and correction precision and recall against the ``slip``
label: a dialogue counts as corrected when some fact of it now holds for no time (a corrected slip).

Usage::

    .venv/bin/python benchmarks/correction_eval.py [--verbose]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DIALOGUES = ROOT / "tests" / "data" / "corrections.jsonl"
DAY = "2024-01-10"


@dataclass
class CorrectionScore:
    """How the dialogues came out."""

    right: dict[str, int] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)
    corrected: int = 0  # dialogues where memory now holds a slip
    corrected_right: int = 0  # of those, labelled as holding a slip
    corrections: int = 0  # dialogues labelled as holding a slip
    misses: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return sum(self.right.values()) / max(1, sum(self.total.values()))

    @property
    def precision(self) -> float:
        return self.corrected_right / self.corrected if self.corrected else 1.0

    @property
    def recall(self) -> float:
        return self.corrected_right / self.corrections if self.corrections else 1.0


def load(path: Path = DIALOGUES) -> list[dict[str, Any]]:
    """The labelled dialogues."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class _NoEmbedder:
    def embed(self, texts: Any) -> Any:  # pragma: no cover - ingestion runs with embed=False
        raise AssertionError("not used")


def score(dialogues: Sequence[dict[str, Any]], extractor: Any | None = None) -> CorrectionScore:
    """Ingest each dialogue into its own namespace of a scratch store and score what memory holds."""
    from graphmem.memory import Memory
    from graphmem.store.base import TimeFilter

    out = CorrectionScore()
    with tempfile.TemporaryDirectory() as tmp, Memory.open(Path(tmp) / "db", embedder=_NoEmbedder()) as mem:  # type: ignore[arg-type]
        for item in dialogues:
            ns = item["id"]
            path = Path(tmp) / f"{ns}.txt"
            lines = [f"## Session 1 — {DAY}"] + [f"[{t}] {who}: {text}" for t, who, text in item["turns"]]
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            kw = {"extractor": extractor} if extractor is not None else {}
            summary = mem.ingest(path, namespace=ns, embed=False, **kw)
            if not summary.ok:
                raise RuntimeError(f"{ns}: {summary.errors}")
            names = {e.id: e.name for e in mem.store.iter_entities(ns)}
            at = datetime.fromisoformat(f"{DAY} {item['at']}")
            held = sorted(
                names[f.object_id]
                for f in mem.store.iter_facts(ns, time=TimeFilter(valid_at=at))
                if f.predicate == item["predicate"]
            )
            kind = item["kind"]
            ok = held == item["held"]
            out.total[kind] = out.total.get(kind, 0) + 1
            out.right[kind] = out.right.get(kind, 0) + int(ok)
            slipped = any(getattr(f, "never_held", False) for f in mem.store.iter_facts(ns))
            out.corrections += int(item["slip"])
            out.corrected += int(slipped)
            out.corrected_right += int(slipped and item["slip"])
            if not ok:
                out.misses.append(f"{ns} ({kind}): held {held}, labelled {item['held']}")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", action="store_true", help="list the dialogues that came out wrong")
    args = parser.parse_args(argv)
    dialogues = load()
    result = score(dialogues)
    print(f"dialogues: {len(dialogues)}  accuracy: {result.accuracy:.3f}")
    for kind in sorted(result.total):
        print(f"  {kind:<11} {result.right[kind]}/{result.total[kind]}")
    print(
        f"corrections: precision {result.precision:.3f} ({result.corrected_right}/{result.corrected}), "
        f"recall {result.recall:.3f} ({result.corrected_right}/{result.corrections})"
    )
    if args.verbose:
        for miss in result.misses:
            print("  miss:", miss)
    return 0


if __name__ == "__main__":
    sys.exit(main())
