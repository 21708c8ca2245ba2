"""The embedded store's full-text tables with unspaced scripts: Latin rows and scores as before, and a
schema 6 store (runs indexed whole) read as it is and re-indexed when opened for writing (schema 7)."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from graphmem.models import Batch, Event, Session
from graphmem.store import sqlite_rows, sqlite_writes
from graphmem.store.embedded import DB_FILENAME, EmbeddedStore
from graphmem.store.sqlite_rows import SCHEMA_VERSION, fts_table
from tests.store.test_contract_cjk import TEXTS

_WORDS = [
    "we",
    "went",
    "camping",
    "hiking",
    "near",
    "the",
    "old",
    "lake",
    "then",
    "painted",
    "sunsets",
    "with",
    "kids",
    "and",
    "friends",
    "it",
    "rained",
]


def _write(where: Path, texts: list[str] | tuple[str, ...], ns: str = "n") -> None:
    store = EmbeddedStore.open(where, mirror_max_events=0)
    events = [Event(ns, f"e{i}", "s1", i, "Mei", t) for i, t in enumerate(texts)]
    store.write(Batch(ns, [Session(ns, "s1", 0)], events))
    store.close()


def _rows(where: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(where / DB_FILENAME)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_latin_text_is_indexed_and_scored_exactly_as_before(tmp_path: Path) -> None:
    """The full-text rows of Latin text are the text itself, and the scores those of a plain FTS5 table."""
    rng = random.Random(7)
    texts = [" ".join(rng.choices(_WORDS, k=rng.randrange(2, 12))) + ". Café, naïve!" for _ in range(300)]
    _write(tmp_path, texts)
    table = fts_table("n")
    held = _rows(tmp_path, f"SELECT e.text, f.text FROM events e JOIN {table} f ON f.rowid = e.rowid")
    assert len(held) == 300 and all(a == b for a, b in held)
    events = _rows(tmp_path, "SELECT rowid, id, text FROM events ORDER BY rowid")
    ids = {rowid: event_id for rowid, event_id, _ in events}
    plain = sqlite3.connect(":memory:")
    plain.execute("CREATE VIRTUAL TABLE t USING fts5(text, tokenize = 'porter unicode61')")
    plain.executemany("INSERT INTO t (rowid, text) VALUES (?, ?)", [(r, t) for r, _, t in events])
    store = EmbeddedStore.open(tmp_path, read_only=True, mirror_max_events=0)
    try:
        for query in ("camping", "old lake sunsets", "kids rained hiking near", "cafe"):
            words = " OR ".join(f'"{w}"' for w in query.split())
            sql = "SELECT rowid, bm25(t) AS r FROM t WHERE t MATCH ? ORDER BY r, rowid LIMIT 10"
            expected = [(ids[rowid], -r) for rowid, r in plain.execute(sql, (words,))]
            assert [(h.event_id, h.score) for h in store.search_text("n", query, limit=10)] == expected
    finally:
        store.close()


_SUMMARIES = ("fts_term_bounds", "fts_term_heads", "fts_term_tails")
#: The texts, and the first again: its whole-run token is held by a row of a later chunk of the upgrade
_OLD_TEXTS = (*TEXTS, TEXTS[0])


def _as_schema_6(where: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store as graphmem wrote it at schema 6: runs of unspaced scripts indexed whole."""
    with monkeypatch.context() as patch:
        patch.setattr(sqlite_writes, "index_text", lambda text: text)
        _write(where, _OLD_TEXTS)
    conn = sqlite3.connect(where / DB_FILENAME)
    conn.execute("PRAGMA user_version = 6")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("chunk", [20_000, 3])
def test_a_schema_6_store_is_read_as_it_is_and_reindexed_when_opened_for_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(sqlite_rows, "_SEGMENT_CHUNK", chunk)
    fresh, old = tmp_path / "fresh", tmp_path / "old"
    _write(fresh, _OLD_TEXTS)
    _as_schema_6(old, monkeypatch)
    assert _rows(old, f"SELECT text FROM {fts_table('n')} WHERE rowid = 1") == [(TEXTS[0],)]

    reader = EmbeddedStore.open(old, read_only=True, mirror_max_events=0)  # read as it is
    try:
        assert [h.event_id for h in reader.search_text("n", "camping")] == ["e8"]
        assert reader.search_text("n", "烤鸭") == []  # a run held whole: no word inside it is found yet
    finally:
        reader.close()
    assert _rows(old, "PRAGMA user_version") == [(6,)]

    store = EmbeddedStore.open(old, mirror_max_events=0)  # upgraded: the runs re-indexed as bigrams
    try:
        assert sorted(h.event_id for h in store.search_text("n", "烤鸭")) == ["e0", "e9"]
        assert [h.event_id for h in store.search_text("n", "寿司")] == ["e4"]
    finally:
        store.close()
    assert _rows(old, "PRAGMA user_version") == [(SCHEMA_VERSION,)] == [(8,)]
    table = fts_table("n")
    assert _rows(old, f"SELECT rowid, text FROM {table} ORDER BY rowid") == _rows(
        fresh, f"SELECT rowid, text FROM {table} ORDER BY rowid"
    )
    for summary in _SUMMARIES:  # as a store written at schema 7: the whole-run tokens are gone
        sql = f"SELECT * FROM {summary} ORDER BY 1, 2, 3, 4, 5"
        assert _rows(old, sql) == _rows(fresh, sql), summary
