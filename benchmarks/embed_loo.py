"""Leave-one-conversation-out over the rows ``benchmarks/embed_variants.py --json`` keeps.

Usage::

    .venv/bin/python benchmarks/embed_loo.py OUT.json [OUT2.json ...] --family prev
        --baseline "mean | graphmem next 0.3"

For each conversation held out, the variant of ``--family`` (its weights: ``prev:0.25``, ``prev:0.5``, …)
best in recall@10 over the other conversations is chosen, and recall@10 all / multi-hop (category 1) of
the held-out conversation is printed for it and for ``--baseline``; the last line sums the held-out
conversations' questions.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

Row = tuple[int, str, float]


def _figure(rows: list[Row], keep: Any) -> float:
    values = [r for c, n, r in rows if keep(c, n)]
    return 100 * statistics.fmean(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json", nargs="+")
    parser.add_argument("--family", required=True, help="variant kind, e.g. prev, prevspk, chain")
    parser.add_argument("--baseline", required=True, help="a key of the json, e.g. 'mean | graphmem next 0.3'")
    parser.add_argument("--method", default="graphmem next 0.3")
    args = parser.parse_args()
    data: dict[str, Any] = {}
    for path in args.json:
        data.update(json.loads(Path(path).read_text(encoding="utf-8")))
    rows = {key: [tuple(r) for r in value["rows"]] for key, value in data.items()}
    family = [k for k in rows if k.split(" | ")[0].split(":")[0] == args.family and k.endswith(args.method)]
    base = rows[args.baseline]
    conversations = sorted({n for _, n, _ in base})
    print(f"| held out | chosen | {args.baseline} (all / multi-hop) | chosen (all / multi-hop) |")
    print("|---|---|---|---|")
    held_base: list[Row] = []
    held_chosen: list[Row] = []
    for ns in conversations:
        best = max(family, key=lambda k, held=ns: _figure(rows[k], lambda c, n: n != held))
        b = [r for r in base if r[1] == ns]
        a = [r for r in rows[best] if r[1] == ns]
        held_base += b
        held_chosen += a
        line = f"{_figure(b, lambda c, n: True):.1f} / {_figure(b, lambda c, n: c == 1):.1f}"
        chosen = f"{_figure(a, lambda c, n: True):.1f} / {_figure(a, lambda c, n: c == 1):.1f}"
        print(f"| {ns} | {best.split(' | ')[0]} | {line} | {chosen} |")
    line = f"{_figure(held_base, lambda c, n: True):.2f} / {_figure(held_base, lambda c, n: c == 1):.1f}"
    chosen = f"{_figure(held_chosen, lambda c, n: True):.2f} / {_figure(held_chosen, lambda c, n: c == 1):.1f}"
    print(f"| all held out | | {line} | {chosen} |")


if __name__ == "__main__":
    main()
