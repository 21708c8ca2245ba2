"""Relative-date resolution accuracy on the labelled LoCoMo expressions.

Each line of ``tests/data/relative_dates.jsonl`` is a time expression from a dev conversation turn, the
session date it is read against, and the interval it denotes (``start`` inclusive, ``end`` exclusive,
dates) with its ``grain``, or ``start: null`` when it names no definite time; a duration ("for seven
years") also carries ``duration: [amount, unit]``. The labelling rules are in ``tests/data/README.md``.

A row is right when :func:`graphmem.extract.times.resolve_time` (preferring the past, as for a
past-tense clause) gives exactly the labelled interval, or leaves an unlabelled phrase unresolved; a
duration row also needs :func:`graphmem.extract.times.duration` to give the labelled length.

Usage::

    python benchmarks/time_eval.py [--data FILE] [--show-wrong]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from graphmem.extract.times import duration, resolve_time

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "relative_dates.jsonl"


def load(path: Path = DATA) -> list[dict[str, Any]]:
    """The labelled rows, in file order."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def judge(row: dict[str, Any]) -> tuple[bool, str]:
    """Whether the resolver gets ``row`` right, and what it gave."""
    ref = resolve_time(row["phrase"], datetime.fromisoformat(row["reference"]), prefer="past")
    got_start = ref.start.date().isoformat() if ref.start is not None else None
    got_end = ref.end.date().isoformat() if ref.end is not None and ref.start is not None else None
    got = f"{got_start}..{got_end} ({ref.grain})" if got_start else "unresolved"
    if "duration" in row:
        length = duration(row["phrase"])
        got += f", duration {length}"
        want = (float(row["duration"][0]), row["duration"][1])
        return got_start is None and length is not None and (float(length[0]), length[1]) == want, got
    if row["start"] is None:
        return got_start is None, got
    return (got_start, got_end, ref.grain) == (row["start"], row["end"], row["grain"]), got


def accuracy(rows: list[dict[str, Any]]) -> float:
    """The share of rows the resolver gets right."""
    return sum(judge(r)[0] for r in rows) / len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--show-wrong", action="store_true", help="List the rows resolved wrong.")
    args = parser.parse_args(argv)
    rows = load(args.data)
    right = Counter[str]()
    total = Counter[str]()
    wrong = []
    for row in rows:
        kind = "duration" if "duration" in row else ("unresolved" if row["start"] is None else row["grain"])
        ok, got = judge(row)
        total[kind] += 1
        right[kind] += ok
        if not ok:
            wrong.append((row, got))
    for kind in sorted(total):
        print(f"{kind:>10}: {right[kind]:3d} / {total[kind]:3d}")
    n_right = sum(right.values())
    print(f"{'all':>10}: {n_right:3d} / {len(rows):3d} = {100 * n_right / len(rows):.1f}% right")
    if args.show_wrong:
        for row, got in wrong:
            want = f"{row['start']}..{row['end']} ({row['grain']})" if row["start"] else "unresolved"
            where = f"{row['conversation']} {row['dia_id']} {row['phrase']!r} @ {row['reference']}"
            print(f"  {where}: want {want}, got {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
