"""One word's top-k from the write-time heads (store/sqlite_heads.py): always the unpruned query's answer."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from graphmem.models import Batch, Event, Session
from graphmem.store import sqlite_heads, sqlite_terms
from graphmem.store.embedded import DB_FILENAME, EmbeddedStore
from graphmem.store.sqlite_rows import SCHEMA_VERSION, fts_table
from graphmem.store.sqlite_text import TermStats, top_rows

_TABLE = "fts_test"
# short rows holding a common word many times over, as in dialogue ("paint" alone, "we paint"): ties of
# length are the rule, and the heads must decide them by rowid
_COMMON = ["paint", "painting", "old", "we", "then", "day"]
_RARE = ["radio", "alps", "western"]
_SQL = f"SELECT rowid, bm25({_TABLE}) AS r FROM {_TABLE} WHERE {_TABLE} MATCH ? ORDER BY r, rowid LIMIT ?"


def _text(rng: random.Random) -> str:
    words = rng.choices(_COMMON, k=rng.choice([1, 1, 2, 3, 5, 8, 13]))
    if rng.random() < 0.1:
        words += [rng.choice(_RARE)] * rng.randrange(1, 4)
    if rng.random() < 0.05:  # a word repeated past the top level
        words += ["old"] * rng.randrange(3, 12)
    rng.shuffle(words)
    return " ".join(words)


def _table() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute(f"CREATE VIRTUAL TABLE {_TABLE} USING fts5(text, tokenize = 'porter unicode61')")
    conn.execute(sqlite_terms.BOUNDS_DDL)
    for ddl in sqlite_heads.HEADS_DDL:
        conn.execute(ddl)
    return conn


def _write(conn: sqlite3.Connection, rows: list[tuple[int, str]]) -> None:
    """As the store writes a batch: every row replaced, then folded in."""
    for rowid, text in rows:
        conn.execute(f"DELETE FROM {_TABLE} WHERE rowid = ?", (rowid,))
        conn.execute(f"INSERT INTO {_TABLE} (rowid, text) VALUES (?, ?)", (rowid, text))
    sqlite_terms.note_rows(conn, _TABLE, rows)


def _delete(conn: sqlite3.Connection, rowids: list[int]) -> None:
    """As the store deletes rows (a retraction)."""
    conn.executemany(f"DELETE FROM {_TABLE} WHERE rowid = ?", [(r,) for r in rowids])
    sqlite_heads.forget_rows(conn, _TABLE, rowids)


def _random_table(
    seed: int, rows: int = 1500, *, text: Callable[[random.Random], str] | None = None, batch: int = 200
) -> sqlite3.Connection:
    """Rows written in batches, some replaced (new text, same rowid), some deleted, some rowids reused."""
    make = text or _text
    rng = random.Random(seed)
    conn = _table()
    for start in range(1, rows + 1, batch):
        written = [(r, make(rng)) for r in range(start, min(start + batch, rows + 1))]
        if start > 1:
            written += [(rng.randrange(1, start), make(rng)) for _ in range(20)]  # replaced
        _write(conn, written)
        if start > 1 and rng.random() < 0.7:
            _delete(conn, rng.sample(range(1, start), 15))
    _write(conn, [(rng.randrange(1, rows), make(rng)) for _ in range(10)])  # rowids deleted, written again
    return conn


def _full(conn: sqlite3.Connection, word: str, limit: int) -> list[tuple[int, float]]:
    return [(rowid, -r) for rowid, r in conn.execute(_SQL, (f'"{word}"', limit))]


@pytest.mark.parametrize("seed", range(5))
def test_one_word_from_the_heads_equals_the_full_query(seed: int) -> None:
    conn = _random_table(seed)
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    decided = scored = 0
    for word in [*_COMMON, *_RARE, "absent"]:
        for limit in (1, 5, 10, 40, 100, 256, 257, 600):
            stats = TermStats()  # no list kept from a shorter search
            statements.clear()
            got = top_rows(conn, _TABLE, [word], limit, stats)
            # every posting scored (not the one-row check of the heads' arithmetic)
            ranked = any("bm25" in s and "rowid = " not in s for s in statements)
            assert ranked == (stats.from_heads == 0) or got == [], (word, limit)
            decided += stats.from_heads
            scored += ranked
            assert got == _full(conn, word, limit), (word, limit)
    assert decided > 20 and scored > 0  # both ways were taken (else this test would prove little)


@pytest.mark.parametrize("seed", range(3))
def test_heads_hold_the_first_rows_of_each_level_and_tails_bound_the_rest(seed: int) -> None:
    conn = _random_table(seed)
    tails = {(t, lv): (n, r) for t, lv, n, r in conn.execute("SELECT term, level, len, row FROM fts_term_tails")}
    sql = "SELECT term, level, len, row, tf FROM fts_term_heads"
    heads = {(t, lv, n, r, tf) for t, lv, n, r, tf in conn.execute(sql)}
    # every live row's tokens, by FTS5's own tokeniser
    live = conn.execute(f"SELECT rowid, text FROM {_TABLE}").fetchall()
    with sqlite_terms._scratch_rows(conn, live):  # the tokens the index holds
        rows = conn.execute(
            "SELECT term, doc, count(*), (SELECT count(*) FROM temp.graphmem_scratch_v AS b WHERE b.doc = a.doc) "
            "FROM temp.graphmem_scratch_v AS a GROUP BY term, doc"
        ).fetchall()
    assert len(heads) > 50 and tails
    held = set()
    for term, doc, tf, length in rows:
        level = min(tf, 8)
        held.add((term, level, length, doc, tf))
        if (term, level, length, doc, tf) not in heads:
            assert (term, level) in tails and (length, doc) >= tails[term, level], (term, doc)
    assert heads <= held  # nothing deleted or replaced is left in a head
    per_head: dict[tuple[str, int], int] = {}
    for term, level, *_ in heads:
        per_head[term, level] = per_head.get((term, level), 0) + 1
    assert max(per_head.values()) <= sqlite_heads.HEAD


def test_heads_scores_are_fts5s_own_bit_for_bit() -> None:
    conn = _random_table(9, rows=800)
    rows, tokens = sqlite_terms.averages(conn, _TABLE) or (0, 0)
    for word in ("paint", "old", "radio"):
        held = conn.execute(f"SELECT count(*) FROM {_TABLE} WHERE {_TABLE} MATCH ?", (word,)).fetchone()[0]
        idf = sqlite_heads.idf_of(held, rows)
        ours = {
            r: sqlite_heads.score(idf, float(tf), float(n), float(tokens) / float(rows))
            for r, tf, n in conn.execute("SELECT row, tf, len FROM fts_term_heads WHERE term = ?", (word,))
        }
        theirs = dict(_full(conn, word, 10_000))
        assert ours and all(ours[r] == theirs[r] for r in ours)  # exactly, not approximately


def _event(namespace: str, i: int, text: str) -> Event:
    return Event(namespace, f"e{i:05d}", "s1", i, "Ann", text, occurred_at=datetime(2024, 1, 1, tzinfo=UTC))


def _heads(directory: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(directory / DB_FILENAME)
    try:
        heads = conn.execute("SELECT * FROM fts_term_heads ORDER BY fts, term, level, len, row").fetchall()
        return heads + conn.execute("SELECT * FROM fts_term_tails ORDER BY fts, term, level").fetchall()
    finally:
        conn.close()


def _store_with(where: Path, texts: list[str]) -> None:
    store = EmbeddedStore.open(where, mirror_max_events=0)
    first = [_event("n", i, t) for i, t in enumerate(texts[:150])]
    store.write(Batch(namespace="n", sessions=[Session("n", "s1", 0)], events=first))
    store.write(Batch(namespace="n", events=[_event("n", i + 150, t) for i, t in enumerate(texts[150:])]))
    store.close()


def test_a_schema_4_store_is_read_as_it_is_and_gets_heads_when_opened_for_writing(tmp_path: Path) -> None:
    rng = random.Random(4)
    texts = [_text(rng) for _ in range(400)]
    fresh, old = tmp_path / "fresh", tmp_path / "old"
    _store_with(fresh, texts)
    _store_with(old, texts)
    expected = _heads(fresh)
    assert len(expected) > 100
    conn = sqlite3.connect(old / DB_FILENAME)  # as schema 4 had it: summaries, no heads
    conn.execute("DROP TABLE fts_term_heads")
    conn.execute("DROP TABLE fts_term_tails")
    conn.execute("PRAGMA user_version = 4")
    conn.commit()
    conn.close()
    reader = EmbeddedStore.open(old, read_only=True, mirror_max_events=0)  # every posting scored
    hits = reader.search_text("n", "paint", limit=5)
    reader.close()
    store = EmbeddedStore.open(old, mirror_max_events=0)  # upgraded: heads of every row
    assert store.search_text("n", "paint", limit=5) == hits
    store.close()
    assert _heads(old) == expected
    conn = sqlite3.connect(old / DB_FILENAME)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 8
    conn.close()


def test_deleting_events_and_namespaces_keeps_heads_consistent(tmp_path: Path) -> None:
    where = tmp_path / "s"
    _store_with(where, ["paint"] * 100 + ["we paint"] * 100)
    store = EmbeddedStore.open(where, mirror_max_events=0)
    best = [h.event_id for h in store.search_text("n", "paint", limit=10)]
    assert best == [f"e{i:05d}" for i in range(10)]  # equal scores: insertion order
    for eid in best[:4]:
        store.delete_event("n", eid)
    assert [h.event_id for h in store.search_text("n", "paint", limit=10)] == [f"e{i:05d}" for i in range(4, 14)]
    # an event written again with other text leaves its old place in the heads
    store.write(Batch(namespace="n", events=[_event("n", 5, "we paint the old day then")]))
    assert [h.event_id for h in store.search_text("n", "paint", limit=3)] == ["e00004", "e00006", "e00007"]
    table = fts_table("n")
    store.delete_namespace("n")
    store.close()
    assert not [h for h in _heads(where) if h[0] == table]


def test_heads_are_not_used_when_fts5_rounds_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    conn = _random_table(2, rows=600)
    stats = TermStats()
    assert top_rows(conn, _TABLE, ["paint"], 10, stats) == _full(conn, "paint", 10) and stats.from_heads == 1
    exact = sqlite_heads.score
    monkeypatch.setattr(sqlite_heads, "score", lambda *a: exact(*a) * (1 + 1e-15))  # last bits differ
    stats = TermStats()
    assert top_rows(conn, _TABLE, ["paint"], 10, stats) == _full(conn, "paint", 10) and stats.from_heads == 0
    assert top_rows(conn, _TABLE, ["old"], 10, stats) == _full(conn, "old", 10) and stats.from_heads == 0
