"""Dump the embedded store's full-text answers on LoCoMo dev bit for bit, to compare two graphmem versions.

Writes every turn of the dev file straight into a fresh embedded store (no extraction, no embedding), asks
``search_text`` (limit 100) each question as asked and as recall sends it (its content terms), and writes a
JSON file of the hits with their scores in ``float.hex`` and a SHA-256 of each namespace's full-text rows
and of the summary tables (``fts_term_bounds``, ``fts_term_heads``, ``fts_term_tails``). Run it from two
checkouts and compare the files: equal files mean the same index and the same BM25 numbers.

    PYTHONPATH=. python benchmarks/fulltext_dump.py ../shared/data/locomo/locomo_dev.json out.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import tempfile
from pathlib import Path

from graphmem.models import Batch, Event, Session
from graphmem.recall.query import analyse
from graphmem.store.embedded import DB_FILENAME, EmbeddedStore
from graphmem.store.sqlite_rows import fts_table

_SUMMARIES = ("fts_term_bounds", "fts_term_heads", "fts_term_tails")


def _digest(rows: list[tuple[object, ...]]) -> str:
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


def dump(data: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    """The hits of every question and the digests of the tables, for the LoCoMo conversations ``data``."""
    out: dict[str, dict[str, object]] = {"hits": {}, "rows": {}}
    with tempfile.TemporaryDirectory() as tmp:
        store = EmbeddedStore.open(Path(tmp), mirror_max_events=0)
        for c in data:
            ns, conv = str(c["sample_id"]), c["conversation"]
            assert isinstance(conv, dict) and isinstance(c["qa"], list)
            keys = [k for k in conv if k.startswith("session_") and not k.endswith("date_time")]
            keys.sort(key=lambda k: int(k.split("_")[1]))
            sessions = [Session(ns, k, i) for i, k in enumerate(keys)]
            events = [
                Event(ns, t["dia_id"], k, j, t["speaker"], t["text"]) for k in keys for j, t in enumerate(conv[k])
            ]
            store.write(Batch(ns, sessions, events))
            for q in c["qa"]:
                for query in (q["question"], analyse(q["question"]).fulltext):
                    hits = store.search_text(ns, query, limit=100)
                    out["hits"][f"{ns}|{query}"] = [(h.event_id, h.score.hex()) for h in hits]
        store.close()
        conn = sqlite3.connect(Path(tmp) / DB_FILENAME)
        try:
            for c in data:
                table = fts_table(str(c["sample_id"]))
                out["rows"][str(c["sample_id"])] = _digest(
                    conn.execute(f"SELECT rowid, text FROM {table} ORDER BY rowid").fetchall()
                )
            for table in _SUMMARIES:
                out["rows"][table] = _digest(conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3, 4, 5").fetchall())
        finally:
            conn.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="the LoCoMo dev JSON file")
    parser.add_argument("out", type=Path, help="where to write the dump (JSON)")
    args = parser.parse_args()
    out = dump(json.loads(args.data.read_text(encoding="utf-8")))
    args.out.write_text(json.dumps(out, sort_keys=True, ensure_ascii=False), encoding="utf-8")
    print(f"{len(out['hits'])} queries, {sum(len(h) for h in out['hits'].values())} hits")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
