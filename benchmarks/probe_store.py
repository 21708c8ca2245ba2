"""Probe an existing store read-only in a fresh process: first recall, recall p50/p95, peak RSS.

    python benchmarks/probe_store.py STORE LIMIT [QUESTIONS] [OUT.json]

``LIMIT`` is the store's ``mirror_max_events`` (a namespace with more events is read from SQLite, never
loaded), or ``none`` to load every namespace. The store is opened with ``read_only=True``: nothing is
written to it. The questions are ``graphmem.bench.scale.questions`` (namespace ``scale-0``), as in
``graphmem bench scale``; see docs/scale.md.
"""

from __future__ import annotations

import json
import os
import sys

from graphmem.bench.scale import questions
from graphmem.bench.scale_probe import probe_in_fresh_process


def main(argv: list[str]) -> None:
    where, limit = argv[0], argv[1]
    count = int(argv[2]) if len(argv) > 2 else 50
    options = {"mirror_max_events": None if limit == "none" else int(limit)}
    load = os.getloadavg()
    row = probe_in_fresh_process(where, questions(count), 1, 10, None, read_only=True, store_options=options)
    row.update(mirror_max_events=limit, load_average_before=[round(x, 2) for x in load])
    text = json.dumps(row, indent=1)
    print(text)
    if len(argv) > 3:
        with open(argv[3], "w", encoding="utf-8") as out:
            out.write(text + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
