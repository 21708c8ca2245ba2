"""Full-text ranking of the embedded store (store/sqlite_text.py): pruned answers equal the full query's."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from graphmem.models import Batch, Event, Session
from graphmem.store.embedded import EmbeddedStore
from graphmem.store.sqlite_text import TermStats, fts_match, query_words, top_rows

_TABLE = "fts_test"
# topics with shared words, as in dialogue: rare words come with common ones (the costly part to score)
_TOPICS = [
    ("watched an old western", 3),
    ("watched a documentary", 12),
    ("fixed an old radio", 10),
    ("went hiking in the Alps", 2),
    ("went shopping", 12),
    ("hiking the old trail", 8),
    ("an old friend called", 10),
]
_FILLER = ["we", "then", "it", "was", "fun", "long", "day", "and", "later", "home", "rain", "sun"]


def _table(rows: int, seed: int) -> sqlite3.Connection:
    rng = random.Random(seed)
    topics = [text for text, weight in _TOPICS for _ in range(weight)]
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE VIRTUAL TABLE {_TABLE} USING fts5(text, tokenize = 'porter unicode61')")
    for rowid in range(1, rows + 1):
        words = rng.choices(_FILLER, k=rng.randrange(1, 12))
        if rng.random() < 0.6:
            words.insert(rng.randrange(len(words) + 1), rng.choice(topics))
        conn.execute(f"INSERT INTO {_TABLE} (rowid, text) VALUES (?, ?)", (rowid, " ".join(words)))
    return conn


def _full(conn: sqlite3.Connection, words: list[str], limit: int, stats: TermStats) -> list[tuple[int, float]]:
    """The unpruned query: every row holding any word scored, ordered by BM25 then rowid."""
    held = {w: stats.rows_with(conn, _TABLE, w) for w in words}
    order = sorted((w for w in held if held[w] > 0), key=lambda w: (-held[w], w))
    if not order:
        return []
    sql = f"SELECT rowid, bm25({_TABLE}) AS r FROM {_TABLE} WHERE {_TABLE} MATCH ? ORDER BY r, rowid LIMIT ?"
    return [(rowid, -r) for rowid, r in conn.execute(sql, (fts_match(order), limit))]


@pytest.mark.parametrize("seed", range(4))
def test_pruned_ranking_equals_the_full_query(seed: int) -> None:
    conn = _table(3000, seed)
    rng = random.Random(100 + seed)
    vocabulary = ["old", "watch", "go", "hike", "western", "alps", "trail", "radio", "absent"]
    queries = [rng.sample(vocabulary, rng.randrange(1, 5)) for _ in range(40)]
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    stats = TermStats()
    pruned = 0
    for words in queries:
        for limit in (1, 10, 100):
            statements.clear()
            got = top_rows(conn, _TABLE, words, limit, stats)
            # a split query requires a word ("AND") or excludes some ("NOT"); the full one only ORs them
            split = any(" AND " in s or " NOT " in s for s in statements)
            full = any("bm25" in s and " OR " in s and " AND " not in s and " NOT " not in s for s in statements)
            pruned += split and not full
            assert got == _full(conn, words, limit, stats), (words, limit)
    assert pruned > 0  # the rule did apply (else this test would prove nothing)


def test_small_table_is_the_plain_bm25_order() -> None:
    conn = _table(40, 7)
    stats = TermStats()
    for words in (["old", "western"], ["go", "hike", "alps"], ["watch"]):
        plain = conn.execute(
            f"SELECT rowid, bm25({_TABLE}) AS r FROM {_TABLE} WHERE {_TABLE} MATCH ? ORDER BY r, rowid LIMIT 20",
            (" OR ".join(f'"{w}"' for w in sorted(words, key=lambda w: -stats.rows_with(conn, _TABLE, w))),),
        ).fetchall()
        assert top_rows(conn, _TABLE, words, 20, stats) == [(rowid, -r) for rowid, r in plain]


def test_query_words_are_casefolded_once_and_never_syntax() -> None:
    assert query_words('Hike "OR" hike NEAR(x) the*') == ["hike", "or", "near", "x", "the"]
    assert fts_match(['a"b']) == '"a""b"'


def _event(i: int, text: str) -> Event:
    return Event(
        namespace="n",
        id=f"e{i:05d}",
        session="s1",
        seq=i,
        speaker="Ann",
        text=text,
        occurred_at=datetime(2024, 1, 1, tzinfo=UTC),
    )


@pytest.mark.parametrize("limit", [None, 0])
def test_ties_follow_insertion_order_and_writes_are_seen(tmp_path: Path, limit: int | None) -> None:
    store = EmbeddedStore.open(tmp_path / "s", mirror_max_events=limit)
    session = Session(namespace="n", id="s1", index=0, started_at=datetime(2024, 1, 1, tzinfo=UTC))
    store.write(Batch(namespace="n", sessions=[session], events=[_event(i, "we watched a film") for i in range(5)]))
    hits = store.search_text("n", "film", limit=10)
    assert [h.event_id for h in hits] == [f"e{i:05d}" for i in range(5)]
    assert len({h.score for h in hits}) == 1
    # what a word's statistics were is forgotten when the namespace changes
    store.write(Batch(namespace="n", events=[_event(9, "film film film")]))
    assert store.search_text("n", "film", limit=1)[0].event_id == "e00009"
    store.delete_event("n", "e00009")
    assert store.search_text("n", "film", limit=1)[0].event_id == "e00000"
    store.close()


@pytest.mark.parametrize("limit", [None, 0])
def test_another_connections_write_is_seen_without_a_refresh(tmp_path: Path, limit: int | None) -> None:
    reader = EmbeddedStore.open(tmp_path / "s", mirror_max_events=limit)
    session = Session(namespace="n", id="s1", index=0, started_at=datetime(2024, 1, 1, tzinfo=UTC))
    reader.write(Batch(namespace="n", sessions=[session], events=[_event(i, "we watched a film") for i in range(5)]))
    assert reader.search_text("n", "film", limit=1)[0].event_id == "e00000"  # statistics of "film" learnt
    writer = EmbeddedStore.open(tmp_path / "s", mirror_max_events=limit)
    writer.write(Batch(namespace="n", events=[_event(9, "film film film")]))
    writer.close()
    # the reader's statistics came from before the other connection's commit: they must not answer
    assert reader.search_text("n", "film", limit=1)[0].event_id == "e00009"
    reader.close()


def test_a_deep_search_returns_more_hits_than_one_sql_list_takes(tmp_path: Path) -> None:
    store = EmbeddedStore.open(tmp_path / "s", mirror_max_events=0)
    session = Session(namespace="n", id="s1", index=0, started_at=datetime(2024, 1, 1, tzinfo=UTC))
    events = [_event(i, "a film again" if i % 2 else "a film") for i in range(33_000)]  # > SQLite's 32,766 variables
    store.write(Batch(namespace="n", sessions=[session], events=events))
    hits = store.search_text("n", "film", limit=40_000)
    assert len({h.event_id for h in hits}) == len(hits) == 33_000
    store.close()
