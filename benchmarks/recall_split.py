"""Where a warm recall of a store's namespace spends CPU, by stage, without a profiler's overhead.

    python benchmarks/recall_split.py STORE [LIMIT] [COUNT]

Opens ``STORE`` read-only (``LIMIT`` is ``mirror_max_events``, default 0: every namespace read from
SQLite; ``none`` loads), recalls once to warm up, then recalls ``COUNT`` (default 50) of
``graphmem.bench.scale.questions`` and prints the CPU milliseconds per recall spent in each wrapped
stage (a stage's figure includes the stages it calls), then the SQL statements per recall of the next
``COUNT`` questions (full-text internals excluded). See docs/scale.md.
"""

from __future__ import annotations

import collections
import sys
import time
from collections.abc import Callable
from typing import Any

from graphmem.bench.scale import questions
from graphmem.memory import Memory
from graphmem.recall import core
from graphmem.store import embedded, sqlite_graph

_SPENT: collections.Counter[str] = collections.Counter()


def _timed(owner: Any, name: str, label: str) -> None:
    inner: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            _SPENT[label] += time.process_time() - started

    setattr(owner, name, wrapper)


def main(argv: list[str]) -> None:
    where = argv[0]
    limit = None if len(argv) > 1 and argv[1] == "none" else int(argv[1]) if len(argv) > 1 else 0
    count = int(argv[2]) if len(argv) > 2 else 50
    _timed(core, "_seed", "seeds (dense + full-text, with their event reads)")
    _timed(embedded.EmbeddedStore, "search_text", "  full-text search")
    _timed(core, "_walk", "traversal")
    _timed(core, "rank", "ranking")
    _timed(sqlite_graph.DiskNamespace, "get_events", "event rows read and decoded (any stage)")
    edges = "neighbors_many" if hasattr(sqlite_graph.DiskNamespace, "neighbors_many") else "neighbors"
    _timed(sqlite_graph.DiskNamespace, edges, "edges read from SQLite (any stage)")
    asked, others = questions(count), questions(2 * count)[count:]
    with Memory.open(where, read_only=True, mirror_max_events=limit) as mem:
        _timed(mem, "_embed", "  question embedded")
        statements = collections.Counter[str]()
        mem.recall(asked[0][1], namespace=asked[0][0], k=10)
        _SPENT.clear()
        total = 0.0
        for namespace, text in asked:
            started = time.process_time()
            mem.recall(text, namespace=namespace, k=10)
            total += time.process_time() - started
        spent = dict(_SPENT)
        conn = getattr(mem.store, "_conn", None)
        if conn is not None:  # counted over other questions, so the counting costs no figure above
            conn.set_trace_callback(lambda sql: statements.update(["fts" if sql.startswith("--") else "sql"]))
            for namespace, text in others:
                mem.recall(text, namespace=namespace, k=10)
    print(f"CPU per recall: {1000 * total / count:.2f} ms ({count} recalls, warm)")
    for label, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {label:<52} {1000 * seconds / count:6.2f} ms")
    print(
        f"SQL statements per recall (full-text internals excluded; the next questions): {statements['sql'] / count:.1f}"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
