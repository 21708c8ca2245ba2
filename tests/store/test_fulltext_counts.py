"""Words' row counts read from the FTS5 vocabulary equal FTS5's own count of the matches."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from graphmem.store import sqlite_text
from graphmem.store.sqlite_text import TermStats, query_words

_TABLE = "fts_counts"
_WORDS = ["old", "hiking", "hikes", "watched", "radio", "trail", "fun", "day", "rain", "alps"]
# several tokens ("old_trail" is "old" then "trail"), none ("_"), absent, stemmed, a prefix of another word
_ASKED = [*_WORDS, "old_trail", "_", "zebra", "hike", "watch", "ra", "rain's"]


@pytest.fixture(autouse=True)
def _small_tables_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tables hold a few hundred rows: the vocabulary is read whatever their size."""
    monkeypatch.setattr(sqlite_text, "VOCAB_WORTH", 0)


def _table(seed: int) -> sqlite3.Connection:
    """A random table written with rows replaced and deleted (so the index holds delete markers)."""
    rng = random.Random(seed)
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute(f"CREATE VIRTUAL TABLE {_TABLE} USING fts5(text, tokenize = 'porter unicode61')")
    for rowid in range(1, 600):
        text = " ".join(rng.choices([*_WORDS, "old_trail", "rain's"], k=rng.randrange(1, 9)))
        conn.execute(f"INSERT INTO {_TABLE} (rowid, text) VALUES (?, ?)", (rowid, text))
    for rowid in rng.sample(range(1, 600), 150):
        conn.execute(f"DELETE FROM {_TABLE} WHERE rowid = ?", (rowid,))
    for rowid in rng.sample(range(1, 600), 100):
        text = " ".join(rng.choices(_WORDS, k=rng.randrange(1, 5)))
        conn.execute(f"INSERT OR REPLACE INTO {_TABLE} (rowid, text) VALUES (?, ?)", (rowid, text))
    return conn


def _matches(conn: sqlite3.Connection, word: str) -> int:
    sql = f"SELECT count(*) FROM {_TABLE} WHERE {_TABLE} MATCH ?"
    return int(conn.execute(sql, ('"' + word.replace('"', '""') + '"',)).fetchone()[0])


@pytest.mark.parametrize("seed", range(3))
def test_counts_from_the_vocabulary_equal_the_matches(seed: int) -> None:
    conn = _table(seed)
    words = query_words(" ".join(_ASKED))
    stats = TermStats()
    counted = stats.count(conn, _TABLE, words)
    assert isinstance(stats._vocab, str)  # the vocabulary was read
    assert counted == {w: _matches(conn, w) for w in words}
    assert counted["hiking"] == counted["hike"] > 0  # counted by token, not by the word's text
    assert 0 < counted["old_trail"] < counted["old"]  # a phrase of two tokens is not its first token's count
    assert counted["zebra"] == 0


def test_one_token_words_skip_the_match_count(monkeypatch: pytest.MonkeyPatch) -> None:
    conn = _table(7)
    stats = TermStats()
    asked: list[str] = []
    real = TermStats.rows_with

    def rows_with(self: TermStats, c: sqlite3.Connection, t: str, w: str) -> int:
        if w not in self.frequency:
            asked.append(w)
        return real(self, c, t, w)

    monkeypatch.setattr(TermStats, "rows_with", rows_with)
    stats.count(conn, _TABLE, ["old", "hiking", "old_trail"])
    assert asked == ["old_trail"]  # only the phrase of several tokens is counted by matching


def test_counts_fall_back_to_matching_when_the_vocabulary_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    conn = _table(3)

    def fail(self: TermStats, c: sqlite3.Connection, t: str) -> str:
        raise sqlite3.OperationalError("no vocabulary")

    monkeypatch.setattr(TermStats, "_vocab_table", fail)
    stats = TermStats()
    words = query_words(" ".join(_ASKED))
    assert stats.count(conn, _TABLE, words) == {w: _matches(conn, w) for w in words}
    assert stats._vocab is False


def test_a_small_table_is_counted_by_matching_without_a_vocabulary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_text, "VOCAB_WORTH", 20_000)  # the default: this table is far smaller
    conn = _table(5)
    stats = TermStats()
    counted = stats.count(conn, _TABLE, ["old", "hiking", "old_trail"])
    assert counted == {w: _matches(conn, w) for w in ("old", "hiking", "old_trail")}
    assert stats._vocab is False
    assert conn.execute("SELECT count(*) FROM sqlite_temp_master").fetchone()[0] == 0  # no table was made


def test_forgetting_a_namespace_drops_its_vocabulary(tmp_path: Path) -> None:
    """The temporary ``fts5vocab`` table made for a namespace's counts goes with the namespace (it stayed on
    the connection, one per namespace ever searched), and is made again if the namespace comes back."""
    from graphmem.models import Batch, Event, Session
    from graphmem.store.embedded import EmbeddedStore
    from graphmem.store.sqlite_rows import fts_table

    def batch(ns: str) -> Batch:
        texts = ["old radio on the trail", "hiking in the alps", "rain all day", "an old trail"]
        events = tuple(Event(ns, f"e{i}", "s", i, "Ann", t) for i, t in enumerate(texts))
        return Batch(ns, sessions=(Session(ns, "s", 0),), events=events)

    def vocabularies(store: EmbeddedStore) -> list[str]:
        rows = store._conn.execute("SELECT name FROM sqlite_temp_master WHERE sql LIKE '%fts5vocab(main,%'")
        return sorted(r[0] for r in rows)

    store = EmbeddedStore.open(tmp_path / "store")
    try:
        for ns in ("a", "b"):
            store.write(batch(ns))
            assert store.search_text(ns, "old trail radio")
        assert vocabularies(store) == sorted(f"{fts_table(ns)}_rows" for ns in ("a", "b"))
        store.delete_namespace("a")
        assert vocabularies(store) == [f"{fts_table('b')}_rows"]
        assert store.search_text("b", "old trail radio")  # the other namespace's still serves
        store.write(batch("a"))
        assert [h.event_id for h in store.search_text("a", "hiking alps")] == ["e1"]
    finally:
        store.close()
