"""How well full-text pruning works with each kind of upper bound: rows scored and CPU per question.

    python benchmarks/probe_fulltext_bounds.py STORE [QUESTIONS] [OUT.json]

The full-text searches that recall makes for the scale questions (``graphmem.bench.scale.questions``,
namespace ``scale-0``) are recorded once (a read-only recall of each question), then replayed
against the store's full-text table, each question's words met for the first time in a fresh
:class:`~graphmem.store.sqlite_text.TermStats` shared by the questions in order (as one process asking
them would), with the upper bounds

* ``learnt``: scored on first use of a word (the champion list's head: exact), as a store without
  write-time summaries does; ``learnt again``: the same questions asked a second time (bounds known);
* ``summaries``: computed from the write-time summaries (``fts_term_bounds``; needs a schema 4 store);
* ``summaries and heads``: the same, and one-word searches read from the write-time heads
  (``fts_term_heads``, :mod:`graphmem.store.sqlite_heads`; needs a schema 5 store). Every other mode
  leaves the heads unused;
* ``idf only``: ``idf · (k1 + 1)``, the bound without any summary (what the write side could skip);
* ``full``: no pruning, the unpruned query.

"rows scored" counts the rows each ranked FTS5 statement matches (counted apart, off the clock). The
answers of every mode are checked equal to the full query's. Nothing is written to the store.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from graphmem.bench.scale import questions
from graphmem.bench.scale_probe import percentile
from graphmem.store import sqlite_heads, sqlite_terms, sqlite_text
from graphmem.store.readonly import connect_read_only
from graphmem.store.sqlite_rows import fts_table


def _recorded(where: str, count: int) -> list[tuple[list[str], int]]:
    """``(words, limit)`` of every full-text search recall makes for the questions."""
    from graphmem.memory import Memory

    calls: list[tuple[list[str], int]] = []
    original = sqlite_text.top_rows

    def recording(conn: Any, table: str, words: Any, limit: int, stats: Any) -> Any:
        calls.append((list(words), limit))
        return original(conn, table, words, limit, stats)

    sqlite_text.top_rows = recording  # type: ignore[assignment]
    try:
        with Memory.open(where, read_only=True, mirror_max_events=0) as mem:
            for ns, text in questions(count):
                mem.recall(text, namespace=ns, k=10)
    finally:
        sqlite_text.top_rows = original  # type: ignore[assignment]
    return calls


def _replay(conn: Any, table: str, calls: list[tuple[list[str], int]], mode: str, count_rows: bool) -> dict[str, Any]:
    scored = [0]
    counting = [False]  # not while warming up
    original_ranked = sqlite_text._ranked
    original_summaries = sqlite_terms.summaries
    original_has = sqlite_terms.has_bounds
    original_heads = sqlite_heads.has_heads

    def ranked(c: Any, t: str, match: str, limit: int) -> list[tuple[int, float]]:
        if counting[0]:
            scored[0] += int(c.execute(f"SELECT count(*) FROM {t} WHERE {t} MATCH ?", (match,)).fetchone()[0])
        return original_ranked(c, t, match, limit)

    def loosest(c: Any, t: str, terms: Any) -> dict[str, list[tuple[int, int]]]:
        return {term: [(1 << 40, 0)] for term in original_summaries(c, t, terms)}

    sqlite_text._ranked = ranked  # type: ignore[assignment]
    if mode != "summaries and heads":
        sqlite_heads.has_heads = lambda c: False  # type: ignore[assignment]
    if mode.startswith("learnt"):
        sqlite_terms.has_bounds = lambda c: False  # type: ignore[assignment]
    elif mode == "idf only":
        sqlite_terms.summaries = loosest  # type: ignore[assignment]
    stats = sqlite_text.TermStats()
    cpu: list[float] = []
    rows: list[int] = []
    answers = []
    try:
        conn.execute("BEGIN")
        if mode == "learnt again":
            for words, limit in calls:
                sqlite_text.top_rows(conn, table, words, limit, stats)
            stats.learnt = 0
        counting[0] = count_rows
        for words, limit in calls:
            scored[0] = 0
            started = time.process_time()
            if mode == "full":
                held = {w: stats.rows_with(conn, table, w) for w in words}
                order = sorted((w for w in held if held[w] > 0), key=lambda w: (-held[w], w))
                got = ranked(conn, table, sqlite_text.fts_match(order), limit) if order else []
            else:
                got = sqlite_text.top_rows(conn, table, words, limit, stats)
            cpu.append(1000 * (time.process_time() - started))
            rows.append(scored[0])
            answers.append(got)
        conn.execute("COMMIT")
    finally:
        sqlite_text._ranked = original_ranked  # type: ignore[assignment]
        sqlite_terms.summaries = original_summaries  # type: ignore[assignment]
        sqlite_terms.has_bounds = original_has  # type: ignore[assignment]
        sqlite_heads.has_heads = original_heads  # type: ignore[assignment]
    return {"cpu_ms": cpu, "rows": rows, "answers": answers, "learnt": stats.learnt, "from_heads": stats.from_heads}


def _summary(run: dict[str, Any]) -> dict[str, Any]:
    cpu: list[float] = run["cpu_ms"]
    return {
        "cpu_ms_p50": round(statistics.median(cpu), 2),
        "cpu_ms_p95": round(percentile(cpu, 0.95), 2),
        "cpu_ms_total": round(sum(cpu), 1),
        "rows_scored_total": sum(run["rows"]),
        "rows_scored_p95": round(percentile(run["rows"], 0.95)),
        "words_learnt": run["learnt"],
        "searches_from_heads": run["from_heads"],
    }


def main(argv: list[str]) -> None:
    where = argv[0]
    count = int(argv[1]) if len(argv) > 1 else 50
    load = os.getloadavg()
    calls = _recorded(where, count)
    conn = connect_read_only(Path(where) / "graphmem.sqlite3")
    table = fts_table("scale-0")
    modes = ["full", "learnt", "learnt again", "idf only"]
    if sqlite_terms.has_bounds(conn):
        modes.append("summaries")
    if sqlite_heads.has_heads(conn):
        modes.append("summaries and heads")
    out: dict[str, Any] = {"store": where, "searches": len(calls), "load_average_before": [round(x, 2) for x in load]}
    full = _replay(conn, table, calls, "full", True)
    for mode in modes:
        counted = full if mode == "full" else _replay(conn, table, calls, mode, True)
        assert counted["answers"] == full["answers"], mode  # rank-safe: the same hits, scores and order
        timed = [_replay(conn, table, calls, mode, False) for _ in range(2)]  # CPU without the counting
        best = min(timed, key=lambda r: sum(r["cpu_ms"]))
        out[mode] = _summary({**best, "rows": counted["rows"], "learnt": counted["learnt"]})
        out[mode]["searches_from_heads"] = counted["from_heads"]
    conn.close()
    text = json.dumps(out, indent=1)
    print(text)
    if len(argv) > 2:
        with open(argv[2], "w", encoding="utf-8") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
