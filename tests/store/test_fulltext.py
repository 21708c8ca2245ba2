"""Full-text ranking of the embedded store (store/sqlite_text.py): pruned answers equal the full query's."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from graphmem.models import Batch, Event, Session
from graphmem.store import sqlite_heads, sqlite_terms
from graphmem.store.embedded import DB_FILENAME, EmbeddedStore
from graphmem.store.sqlite_rows import SCHEMA_VERSION, fts_table
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


def _table(rows: int, seed: int, *, summarised: bool = False, repeats: bool = False) -> sqlite3.Connection:
    """A random table; ``summarised``: with write-time summaries; ``repeats``: words repeated in a row
    (tf up to 5) and words of two tokens ("old_trail")."""
    rng = random.Random(seed)
    topics = [text for text, weight in _TOPICS for _ in range(weight)]
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute(f"CREATE VIRTUAL TABLE {_TABLE} USING fts5(text, tokenize = 'porter unicode61')")
    if summarised:
        conn.execute(sqlite_terms.BOUNDS_DDL)
        for ddl in sqlite_heads.HEADS_DDL:
            conn.execute(ddl)
    written = []
    for rowid in range(1, rows + 1):
        words = rng.choices(_FILLER, k=rng.randrange(1, 12))
        if rng.random() < 0.6:
            words.insert(rng.randrange(len(words) + 1), rng.choice(topics))
        if repeats and rng.random() < 0.2:
            words += [rng.choice(["old", "hiking", "radio", "old_trail", "fun"])] * rng.randrange(1, 6)
        text = " ".join(words)
        conn.execute(f"INSERT INTO {_TABLE} (rowid, text) VALUES (?, ?)", (rowid, text))
        written.append((rowid, text))
        if summarised and (len(written) == 250 or rowid == rows):  # folded in batches, as the store writes
            sqlite_terms.note_rows(conn, _TABLE, written)
            written.clear()
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


_WORDS = ["old", "watch", "go", "hike", "western", "alps", "trail", "radio", "fun", "we", "old_trail", "absent"]


def _exact_bound(conn: sqlite3.Connection, word: str) -> float:
    """The best score ``word`` alone gives any row (scoring all its rows)."""
    sql = f"SELECT bm25({_TABLE}) FROM {_TABLE} WHERE {_TABLE} MATCH ?"
    return max((-r for (r,) in conn.execute(sql, (fts_match([word]),))), default=0.0)


@pytest.mark.parametrize("seed", range(3))
def test_summary_bounds_are_safe_and_exact_until_rows_are_deleted(seed: int) -> None:
    conn = _table(2000, seed, summarised=True, repeats=True)
    stats = TermStats()
    for w in _WORDS:
        stats.rows_with(conn, _TABLE, w)
    stats.prepare(conn, _TABLE, _WORDS)
    assert set(stats.bounds) == {w for w in _WORDS if stats.frequency[w] > 0} >= {"old", "old_trail", "western"}
    tokens = sqlite_terms.tokens_of(conn, _WORDS)
    assert tokens["old_trail"] == ("old", "trail") and tokens["hike"] == ("hike",)
    exact_ones = 0
    for w, bound in stats.bounds.items():
        exact = _exact_bound(conn, w)
        assert bound >= exact, w
        levels = sqlite_terms.summaries(conn, _TABLE, tokens[w])
        if len(tokens[w]) == 1 and max(tf for tf, _ in levels[tokens[w][0]]) < 3:  # each tf a level of its own
            assert bound == pytest.approx(exact, rel=1e-8), w  # only the margin above
            exact_ones += 1
    assert exact_ones >= 2
    # deleting rows (the best ones first) leaves the summaries as they were: looser, still safe
    for w in ("old", "radio", "western"):
        best = conn.execute(
            f"SELECT rowid FROM {_TABLE} WHERE {_TABLE} MATCH ? ORDER BY bm25({_TABLE}) LIMIT 30", (fts_match([w]),)
        ).fetchall()
        conn.executemany(f"DELETE FROM {_TABLE} WHERE rowid = ?", best)
    stats = TermStats()  # the store starts afresh when the table changes
    for w in _WORDS:
        stats.rows_with(conn, _TABLE, w)
    stats.prepare(conn, _TABLE, _WORDS)
    for w, bound in stats.bounds.items():
        assert bound >= _exact_bound(conn, w), w


@pytest.mark.parametrize("seed", range(4))
def test_pruning_with_summaries_equals_the_full_query_and_learns_nothing(seed: int) -> None:
    conn = _table(3000, seed, summarised=True, repeats=True)
    rng = random.Random(200 + seed)
    queries = [rng.sample(_WORDS, rng.randrange(2, 6)) for _ in range(40)]
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    for deleted in (False, True):
        if deleted:  # some of every word's best rows gone, summaries untouched (the heads forget them, as the
            # store's deletes do)
            gone = [r for (r,) in conn.execute(f"SELECT rowid FROM {_TABLE} WHERE {_TABLE} MATCH 'old OR radio'")]
            conn.executemany(f"DELETE FROM {_TABLE} WHERE rowid = ?", [(r,) for r in gone[::3]])
            sqlite_heads.forget_rows(conn, _TABLE, gone[::3])
        stats = TermStats()
        pruned = 0
        for words in queries:
            for limit in (1, 10, 100):
                statements.clear()
                got = top_rows(conn, _TABLE, words, limit, stats)
                split = any(" AND " in s or " NOT " in s for s in statements)
                full = any("bm25" in s and " OR " in s and " AND " not in s and " NOT " not in s for s in statements)
                pruned += split and not full
                assert got == _full(conn, words, limit, stats), (words, limit, deleted)
        assert pruned > 0
        assert stats.learnt == 0  # every bound came from the summaries


def test_a_new_word_needs_no_learning_query() -> None:
    conn = _table(3000, 5, summarised=True)
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    stats = TermStats()
    top_rows(conn, _TABLE, ["old", "western"], 10, stats)
    ranked = [s for s in statements if "bm25" in s]
    # only split or full queries are scored: none of one word alone (which is how a bound is learnt)
    assert ranked and all(" AND " in s or " NOT " in s or " OR " in s for s in ranked)
    assert stats.learnt == 0 and not stats.best
    # without summaries the same query learns the bounds of its words
    plain = _table(3000, 5)
    learning = TermStats()
    words = ["old", "western"]
    assert top_rows(plain, _TABLE, words, 10, learning) == top_rows(conn, _TABLE, words, 10, stats)
    assert learning.learnt > 0


def _bounds(directory: Path) -> list[tuple[str, str, int, int, int]]:
    conn = sqlite3.connect(directory / DB_FILENAME)
    try:
        return conn.execute("SELECT * FROM fts_term_bounds ORDER BY fts, term, level").fetchall()
    finally:
        conn.close()


def test_a_schema_3_store_is_read_as_it_is_and_summarised_when_opened_for_writing(tmp_path: Path) -> None:
    session = Session(namespace="n", id="s1", index=0, started_at=datetime(2024, 1, 1, tzinfo=UTC))
    rng = random.Random(3)
    texts = [" ".join(rng.choices([*_FILLER, "film", "film", "old"], k=rng.randrange(1, 9))) for _ in range(300)]
    events = [_event(i, t) for i, t in enumerate(texts)]
    fresh, old = tmp_path / "fresh", tmp_path / "old"
    for where in (fresh, old):
        store = EmbeddedStore.open(where, mirror_max_events=0)
        store.write(Batch(namespace="n", sessions=[session], events=events[:200]))
        store.write(Batch(namespace="n", events=events[200:]))
        store.close()
    expected = _bounds(fresh)
    assert expected and {row[0] for row in expected} == {fts_table("n")}
    conn = sqlite3.connect(old / DB_FILENAME)  # as schema 3 had it: no summaries, no heads
    conn.execute("DROP TABLE fts_term_bounds")
    conn.execute("DROP TABLE fts_term_heads")
    conn.execute("DROP TABLE fts_term_tails")
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()
    reader = EmbeddedStore.open(old, read_only=True, mirror_max_events=0)  # read as it is: bounds learnt
    hits = reader.search_text("n", "old film fun", limit=5)
    reader.close()
    store = EmbeddedStore.open(old, mirror_max_events=0)  # upgraded: summaries of every row
    assert store.search_text("n", "old film fun", limit=5) == hits
    store.close()
    assert _bounds(old) == expected
    conn = sqlite3.connect(old / DB_FILENAME)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 8
    conn.close()


def test_forgetting_a_namespace_drops_its_summaries(tmp_path: Path) -> None:
    store = EmbeddedStore.open(tmp_path / "s", mirror_max_events=0)
    session = Session(namespace="n", id="s1", index=0, started_at=datetime(2024, 1, 1, tzinfo=UTC))
    store.write(Batch(namespace="n", sessions=[session], events=[_event(i, "we watched a film") for i in range(5)]))
    store.write(Batch(namespace="m", sessions=[Session("m", "s1", 0)], events=[Event("m", "e", "s1", 0, "A", "film")]))
    assert {row[0] for row in _bounds(tmp_path / "s")} == {fts_table("n"), fts_table("m")}
    store.delete_namespace("n")
    assert {row[0] for row in _bounds(tmp_path / "s")} == {fts_table("m")}
    store.close()


def _summary_rows(conn: sqlite3.Connection) -> list[tuple[str, str, int, int, int]]:
    return conn.execute("SELECT * FROM fts_term_bounds ORDER BY fts, term, level").fetchall()


def _summarised_table(rows: list[tuple[int, str]], conn: sqlite3.Connection | None = None) -> sqlite3.Connection:
    """``rows`` written to a new table of ``conn`` (a new connection by default) and folded in one call."""
    conn = conn or sqlite3.connect(":memory:", isolation_level=None)
    conn.execute(f"CREATE VIRTUAL TABLE {_TABLE} USING fts5(text, tokenize = 'porter unicode61')")
    conn.execute(sqlite_terms.BOUNDS_DDL)
    for ddl in sqlite_heads.HEADS_DDL:
        conn.execute(ddl)
    last = dict(rows)
    conn.executemany(f"INSERT INTO {_TABLE} (rowid, text) VALUES (?, ?)", last.items())
    sqlite_terms.note_rows(conn, _TABLE, rows)
    return conn


def test_a_rowid_noted_twice_counts_with_its_last_text() -> None:
    long = "we went home later that day and it was a long day " * 3
    rows = [(1, "radio " + long), (2, "an old radio"), (3, long), (4, "fun"), (3, "radio radio radio")]
    once = _summarised_table([r for i, r in enumerate(rows) if i != 2])  # rowid 3 with its last text only
    twice = _summarised_table(rows)
    assert _summary_rows(twice) == _summary_rows(once)
    # rowid 3 ("radio radio radio") is the best row for "radio": its bound is exact, not that of one row
    # as long as both texts together
    stats = TermStats()
    stats.rows_with(twice, _TABLE, "radio")
    stats.prepare(twice, _TABLE, ["radio"])
    assert stats.bounds["radio"] == pytest.approx(_exact_bound(twice, "radio"), rel=1e-8)


def test_an_event_id_twice_in_one_batch_keeps_search_exact(tmp_path: Path) -> None:
    store = EmbeddedStore.open(tmp_path / "s", mirror_max_events=0)
    session = Session(namespace="n", id="s1", index=0, started_at=datetime(2024, 1, 1, tzinfo=UTC))
    long = " ".join(["we talked about the weather and went home later that day"] * 5)
    events = [_event(i, f"we went out {i}") for i in range(180)]
    events += [_event(300 + i, "radio " + long) for i in range(20)]
    events += [_event(400, "radio zebra " + long)]
    events += [_event(999, long), _event(999, "radio radio radio")]  # the same id twice: the last is stored
    store.write(Batch(namespace="n", sessions=[session], events=events))
    assert store.get_event("n", "e00999").text == "radio radio radio"
    hits = store.search_text("n", "radio zebra", limit=3)
    store.close()
    table = fts_table("n")
    conn = sqlite3.connect(tmp_path / "s" / DB_FILENAME)
    full = conn.execute(
        f"SELECT e.id, -bm25({table}) FROM {table} JOIN events AS e ON e.rowid = {table}.rowid "
        f"WHERE {table} MATCH ? ORDER BY bm25({table}), {table}.rowid LIMIT 3",
        (fts_match(["radio", "zebra"]),),
    ).fetchall()
    assert full[0][0] == "e00999"
    assert [(h.event_id, h.score) for h in hits] == [(i, pytest.approx(s, rel=1e-9)) for i, s in full]
    stats = TermStats()
    words = ["radio", "zebra"]
    for w in words:
        stats.rows_with(conn, table, w)
    stats.prepare(conn, table, words)
    for w in words:
        sql = f"SELECT -bm25({table}) AS s FROM {table} WHERE {table} MATCH ? ORDER BY s DESC LIMIT 1"
        assert stats.bounds[w] >= conn.execute(sql, (fts_match([w]),)).fetchone()[0], w
    conn.close()


def test_a_failed_tokenisation_leaves_nothing_for_the_next_fold() -> None:
    rows = [(1, "an old radio"), (2, "we went hiking"), (3, "old old friend"), (4, "fun")]
    clean = _summarised_table(rows)
    conn = sqlite3.connect(":memory:", isolation_level=None)
    sqlite_terms.tokens_of(conn, ["warm"])  # the scratch table exists

    def no_vocabulary(action: int, table: str | None, *_: str | None) -> int:
        denied = action == sqlite3.SQLITE_READ and table == "graphmem_scratch_v"
        return sqlite3.SQLITE_DENY if denied else sqlite3.SQLITE_OK

    conn.set_authorizer(no_vocabulary)  # fails after the words are in the scratch table
    with pytest.raises(sqlite3.Error):
        sqlite_terms.tokens_of(conn, ["zebra", "old_trail", "radio radio"])
    conn.set_authorizer(None)
    _summarised_table(rows, conn)
    assert _summary_rows(conn) == _summary_rows(clean)
    assert sqlite_terms.tokens_of(conn, ["old_trail"]) == {"old_trail": ("old", "trail")}


def test_an_upgrade_holds_the_store_write_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another graphmem writer waits for an upgrade (its backfill can outlast SQLite's busy wait)."""
    import os

    import graphmem.store.sqlite_rows as rows
    from graphmem.store.lock import WriteLock

    where = tmp_path / "old"
    store = EmbeddedStore.open(where, mirror_max_events=0)
    session = Session(namespace="n", id="s1", index=0, started_at=datetime(2024, 1, 1, tzinfo=UTC))
    store.write(Batch(namespace="n", sessions=[session], events=[_event(i, "an old film") for i in range(3)]))
    store.close()
    conn = sqlite3.connect(where / DB_FILENAME)
    conn.execute("DROP TABLE fts_term_bounds")
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()
    holders: list[str | None] = []
    real = rows.migrate

    def watched(conn: sqlite3.Connection, version: int, db_path: Path) -> None:
        holders.append(WriteLock(where).holder())
        real(conn, version, db_path)

    monkeypatch.setattr(rows, "migrate", watched)
    EmbeddedStore.open(where, mirror_max_events=0).close()
    assert len(holders) == 1 and holders[0] is not None and str(os.getpid()) in holders[0]
    EmbeddedStore.open(where, mirror_max_events=0).close()  # current now: no upgrade, no lock taken
    assert len(holders) == 1
