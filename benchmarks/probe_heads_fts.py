"""One-word searches from the write-time heads at a size no store is built for yet: a full-text table alone.

    python benchmarks/probe_heads_fts.py build DB EVENTS     # the scale dialogue's texts, written as the store does
    python benchmarks/probe_heads_fts.py replay DB CALLS.json [OUT.json]

``build`` writes ``graphmem.bench.scale.dialogue(EVENTS)``'s texts (one namespace) into a full-text table of
a new SQLite file, 1,000 rows a batch, folding each batch into the summaries and heads as
``store/sqlite_writes.py`` does; it prints the CPU of the FTS5 inserts, of the summaries' fold and of the
heads' fold. ``replay`` asks the full-text searches recall makes (``CALLS.json``: ``[[words, limit], ...]``,
recorded by ``probe_fulltext_bounds.py``'s ``_recorded``) in a fresh ``TermStats`` with the heads unused and
used, each twice (CPU best of two), and checks both answers equal the unpruned query's.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import sys
import time
from typing import Any

from graphmem.bench.scale import dialogue
from graphmem.bench.scale_probe import percentile
from graphmem.store import sqlite_heads, sqlite_terms, sqlite_text

_TABLE = "fts_scale"


def build(db: str, events: int) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute(f"CREATE VIRTUAL TABLE {_TABLE} USING fts5(text, tokenize = 'porter unicode61')")
    conn.execute(sqlite_terms.BOUNDS_DDL)
    for ddl in sqlite_heads.HEADS_DDL:
        conn.execute(ddl)
    cpu = {"insert": 0.0, "bounds": 0.0, "heads": 0.0}
    rowid = 0
    batch: list[tuple[int, str]] = []

    def flush() -> None:
        conn.execute("BEGIN")
        started = time.process_time()
        conn.executemany(f"INSERT INTO {_TABLE} (rowid, text) VALUES (?, ?)", batch)
        cpu["insert"] += time.process_time() - started
        started = time.process_time()
        sqlite_terms.note_rows(conn, _TABLE, batch, heads=False)
        cpu["bounds"] += time.process_time() - started
        started = time.process_time()
        sqlite_terms.note_rows(conn, _TABLE, batch, bounds=False)  # tokenises again: counted apart below
        cpu["heads"] += time.process_time() - started
        conn.execute("COMMIT")
        batch.clear()

    for _ns, records in dialogue(events):
        for record in records:
            rowid += 1
            batch.append((rowid, record["text"]))
            if len(batch) == 1000:
                flush()
    if batch:
        flush()
    print(json.dumps({"rows": rowid, "cpu_s": {k: round(v, 1) for k, v in cpu.items()}, "load": os.getloadavg()}))


def replay(db: str, calls_path: str, out: str | None) -> None:
    with open(calls_path, encoding="utf-8") as f:
        calls: list[tuple[list[str], int]] = [(list(w), int(k)) for w, k in json.load(f)]
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, isolation_level=None)
    load = os.getloadavg()
    sql = f"SELECT rowid, bm25({_TABLE}) AS r FROM {_TABLE} WHERE {_TABLE} MATCH ? ORDER BY r, rowid LIMIT ?"
    stats = sqlite_text.TermStats()
    full = []
    for words, limit in calls:
        held = {w: stats.rows_with(conn, _TABLE, w) for w in words}
        order = sorted((w for w in held if held[w] > 0), key=lambda w: (-held[w], w))
        full.append([(r, -s) for r, s in conn.execute(sql, (sqlite_text.fts_match(order), limit))] if order else [])
    result: dict[str, Any] = {"db": db, "searches": len(calls), "load_average_before": [round(x, 2) for x in load]}
    original = sqlite_heads.has_heads
    for mode in ("summaries", "summaries and heads"):
        runs = []
        for _ in range(2):
            if mode == "summaries":
                sqlite_heads.has_heads = lambda c: False  # type: ignore[assignment]
            try:
                stats = sqlite_text.TermStats()
                cpu = []
                for (words, limit), expected in zip(calls, full, strict=True):
                    started = time.process_time()
                    got = sqlite_text.top_rows(conn, _TABLE, words, limit, stats)
                    cpu.append(1000 * (time.process_time() - started))
                    assert got == expected, (mode, words, limit)
                runs.append((sum(cpu), cpu, stats.from_heads))
            finally:
                sqlite_heads.has_heads = original  # type: ignore[assignment]
        _, cpu, from_heads = min(runs, key=lambda r: r[0])
        result[mode] = {
            "cpu_ms_p50": round(statistics.median(cpu), 2),
            "cpu_ms_p95": round(percentile(cpu, 0.95), 2),
            "cpu_ms_max": round(max(cpu), 2),
            "cpu_ms_total": round(sum(cpu), 1),
            "searches_from_heads": from_heads,
            "slowest": sorted(((round(c, 1), " ".join(w)) for c, (w, _) in zip(cpu, calls, strict=True)))[-5:],
        }
    text = json.dumps(result, indent=1)
    print(text)
    if out:
        with open(out, "w", encoding="utf-8") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    if sys.argv[1] == "build":
        build(sys.argv[2], int(sys.argv[3]))
    else:
        replay(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
