"""Several words' top-k from the write-time heads (store/sqlite_heads_words.py): always the unpruned query's answer."""

from __future__ import annotations

import random
import sqlite3

import pytest

from graphmem.store import sqlite_heads, sqlite_heads_words, sqlite_terms, sqlite_text
from graphmem.store.sqlite_text import TermStats, fts_match, top_rows
from tests.store.test_fulltext_heads import _TABLE, _table, _write
from tests.store.test_fulltext_heads import _random_table as heads_table

# Templated dialogue, as the scale store's: words that always come together ("start learning"), words
# that never do ("go" and "hiking"), a rare word inside a common template, and filler of a few lengths,
# so that many rows tie on length and the heads must decide by rowid.
_TEMPLATES = [
    ["i", "started", "learning", "the", "cello"],
    ["i", "started", "learning", "chess"],
    ["we", "went", "hiking", "in", "the", "alps"],
    ["we", "went", "hiking", "in", "the", "rockies"],
    ["shall", "we", "go", "now"],
    ["i", "painted", "a", "sunset", "over", "a", "lake"],
    ["i", "painted", "the", "old", "fence"],
    ["watch", "an", "old", "old", "western"],
    ["radio", "radio", "radio", "radio", "radio", "radio", "radio", "radio", "radio", "old"],
]
_FILLER = ["yesterday", "with", "my", "partner", "it", "was", "fun", "really"]
_WORDS = ["start", "learning", "cello", "chess", "hiking", "alps", "rockies", "go", "painted", "sunset", "lake"]
_WORDS += ["old", "fence", "western", "radio", "watch", "absent"]


@pytest.fixture(autouse=True)
def _small_tables_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tables hold a few thousand rows: the heads are tried whatever the words' rows."""
    monkeypatch.setattr(sqlite_text, "HEADS_WORTH", 0)


def _text(rng: random.Random) -> str:
    words = list(rng.choice(_TEMPLATES)) + rng.choices(_FILLER, k=rng.choice([0, 1, 1, 2, 2, 3, 6]))
    if rng.random() < 0.1:
        words += list(rng.choice(_TEMPLATES))
    return " ".join(words)


def _random_table(seed: int, rows: int = 2400) -> sqlite3.Connection:
    """As the one-word tests' tables, with this file's templated texts, 300 rows a batch."""
    return heads_table(seed, rows, text=_text, batch=300)


def _full(conn: sqlite3.Connection, words: list[str], limit: int) -> list[tuple[int, float]]:
    """The unpruned query, phrases ordered as ``top_rows`` orders them (most rows first, then by word)."""
    held = {
        w: conn.execute(f"SELECT count(*) FROM {_TABLE} WHERE {_TABLE} MATCH ?", (f'"{w}"',)).fetchone()[0]
        for w in words
    }
    order = sorted((w for w in held if held[w]), key=lambda w: (-held[w], w))
    if not order:
        return []
    sql = f"SELECT rowid, bm25({_TABLE}) AS r FROM {_TABLE} WHERE {_TABLE} MATCH ? ORDER BY r, rowid LIMIT ?"
    return [(rowid, -r) for rowid, r in conn.execute(sql, (fts_match(order), limit))]


@pytest.mark.parametrize("seed", range(4))
def test_several_words_from_the_heads_equal_the_full_query(seed: int) -> None:
    conn = _random_table(seed)
    rng = random.Random(100 + seed)
    queries = [["start", "learning"], ["go", "hiking"], ["painted", "sunset", "lake"], ["watch", "old", "western"]]
    queries += [rng.sample(_WORDS, rng.choice([2, 2, 3, 4])) for _ in range(25)]
    decided = fell_back = 0
    for words in queries:
        for limit in (1, 5, 10, 40, 100, 256, 257, 600):
            stats = TermStats()
            got = top_rows(conn, _TABLE, words, limit, stats)
            assert got == _full(conn, words, limit), (words, limit)
            several = sum(1 for w in words if stats.frequency.get(w)) > 1
            decided += several and stats.from_heads > 0
            fell_back += several and stats.from_heads == 0
    assert decided > 30 and fell_back > 10  # both ways were taken (else this test would prove little)


@pytest.mark.parametrize("seed", range(2))
def test_small_caps_fall_back_to_the_same_answers(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """With few rows allowed to be counted or fetched, more searches fall back, to the same answers."""
    conn = _random_table(seed + 10, rows=1200)
    monkeypatch.setattr(sqlite_heads_words, "_TOKENISED", 40)
    monkeypatch.setattr(sqlite_heads_words, "_CONJUNCTION", 20)
    for words in (["start", "learning"], ["go", "hiking"], ["hiking", "alps", "go"], ["old", "radio"]):
        for limit in (1, 10, 100, 300):
            assert top_rows(conn, _TABLE, words, limit, TermStats()) == _full(conn, words, limit), (words, limit)


def test_words_that_never_meet_are_decided_by_fetching_their_conjunction() -> None:
    # "go" rows are short and "hiking" rows long: a row holding both would beat every "go" row, and
    # there is none; the heads alone cannot tell, the (empty) conjunction does
    conn = _table()
    texts = ["shall we go"] * 400 + ["we went hiking in the alps again"] * 400
    _write(conn, list(enumerate(texts, 1)))
    stats = TermStats()
    assert top_rows(conn, _TABLE, ["hiking", "go"], 100, stats) == _full(conn, ["hiking", "go"], 100)
    assert stats.from_heads == 1


def test_token_counts_are_fts5s_own() -> None:
    conn = _random_table(3, rows=600)
    rowids = [r for (r,) in conn.execute(f"SELECT rowid FROM {_TABLE} ORDER BY rowid DESC LIMIT 300")]
    got = sqlite_terms.token_counts(conn, _TABLE, rowids, ["old", "radio", "learn", "hike"])
    assert got is not None and set(got) == set(rowids)
    sizes = dict(conn.execute(f"SELECT id, sz FROM {_TABLE}_docsize"))
    for rowid, (length, counts) in got.items():
        assert length == sqlite_terms._varint(sizes[rowid], 0)[0]  # FTS5's recorded row size
        for term in ("old", "radio", "learn", "hike"):
            held = (
                conn.execute(f"SELECT count(*) FROM {_TABLE}_v WHERE term = ? AND doc = ?", (term, rowid)).fetchone()[0]
                if _vocab(conn)
                else None
            )
            assert counts.get(term, 0) == held


def _vocab(conn: sqlite3.Connection) -> bool:
    conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{_TABLE}_v USING fts5vocab(main, {_TABLE}, 'instance')")
    return True


def test_a_text_holding_the_separator_is_not_miscounted() -> None:
    conn = _table()
    _write(conn, [(1, "old radio"), (2, f"old {sqlite_terms._SEPARATOR} radio"), (3, "radio")])
    assert sqlite_terms.token_counts(conn, _TABLE, [1, 2, 3], ["old"]) is None
    assert sqlite_terms.token_counts(conn, _TABLE, [1, 3], ["old"]) == {1: (2, {"old": 1}), 3: (1, {})}


def test_ties_past_a_tail_are_not_taken_for_the_answer() -> None:
    # two words held by as many rows (the same idf), every row as long: all rows score the same, and the
    # answer is the first rowids. Rows 257-300 hold "x" outside its heads, rows 301-556 are in "y"'s
    # heads: the candidates' 300th (row 344) is after x's tail (row 257), so the heads cannot decide
    conn = _table()
    _write(conn, [(r, "x a b") for r in range(1, 301)] + [(r, "y a b") for r in range(301, 601)])
    for limit in (10, 256, 257, 300, 512, 600):
        stats = TermStats()
        assert top_rows(conn, _TABLE, ["x", "y"], limit, stats) == _full(conn, ["x", "y"], limit), limit
        assert stats.from_heads == (limit <= 256), limit  # up to x's tail, the tie rule proves it


def test_words_holding_few_rows_are_scored_from_their_postings(monkeypatch: pytest.MonkeyPatch) -> None:
    conn = _random_table(5, rows=900)
    monkeypatch.setattr(sqlite_text, "HEADS_WORTH", 10**9)  # the default's effect on a small table
    stats = TermStats()
    assert top_rows(conn, _TABLE, ["start", "learning"], 10, stats) == _full(conn, ["start", "learning"], 10)
    assert stats.from_heads == 0


@pytest.mark.parametrize("words", [["learn", "learning"], ["started", "start", "learning"], ["cafe", "café"]])
def test_query_words_of_one_token_count_once_per_phrase(words: list[str]) -> None:
    # FTS5 scores each phrase: two query words of one token (stemmed, accented) add that token twice
    conn = _random_table(7, rows=1200)
    _write(conn, [(r, f"cafe café time {'x ' * (r % 5)}") for r in range(2000, 2300)])
    for limit in (1, 10, 100):
        stats = TermStats()
        assert top_rows(conn, _TABLE, words, limit, stats) == _full(conn, words, limit), (words, limit)


def test_rows_written_without_their_heads_are_not_left_out() -> None:
    # an older graphmem writes rows into FTS5 and not into the heads: a word without tails whose heads
    # hold fewer rows than FTS5 counts must not be trusted (the rows missing from them would be lost)
    conn = _table()
    _write(conn, [(r, "old radio set") for r in range(1, 4)])
    for r in range(4, 9):  # as an older writer: the row only
        conn.execute(f"INSERT INTO {_TABLE} (rowid, text) VALUES (?, ?)", (r, "old radio"))
    for limit in (3, 5, 8):
        assert top_rows(conn, _TABLE, ["old", "radio"], limit, TermStats()) == _full(conn, ["old", "radio"], limit)


def test_the_level_combinations_tried_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    # six words, each held 1 to 9 times by rows of every length: every word has tails at many levels, and
    # trying every combination of levels at every length would take minutes; the bounds cut it short
    monkeypatch.setattr(sqlite_heads, "HEAD", 4)
    monkeypatch.setattr(sqlite_heads, "_CUTS", sqlite_heads._CUTS.replace("OFFSET 256", "OFFSET 4"))
    rng = random.Random(3)
    words = ["ant", "bee", "cow", "dog", "elk", "fox"]
    rows = [(r, " ".join(rng.choice(words) for _ in range(rng.randrange(1, 30)))) for r in range(1, 1500)]
    conn = _table()
    _write(conn, rows)
    calls = 0
    share = sqlite_heads_words._Words._share

    def counted(self: object, *args: object) -> object:
        nonlocal calls
        calls += 1
        return share(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(sqlite_heads_words._Words, "_share", counted)
    for limit in (1, 10, 50):
        assert top_rows(conn, _TABLE, words, limit, TermStats()) == _full(conn, words, limit), limit
    assert calls < 200_000


@pytest.mark.parametrize("seed", range(3))
def test_token_counts_kept_across_searches_give_the_same_answers(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """One ``TermStats`` for every search (as a process asks them): rows' token counts learnt from their
    text by one search are reused by the next (for the tokens both asked), and every answer is unchanged."""
    conn = _random_table(seed)
    rng = random.Random(200 + seed)
    queries = [["start", "learning"], ["start", "learning", "cello"], ["go", "hiking"], ["go", "hiking", "alps"]]
    queries += [["watch", "old"], ["watch", "old", "western"], ["old", "radio"], ["old", "fence", "western"]]
    queries += [rng.sample(_WORDS, rng.choice([2, 3, 4])) for _ in range(20)]
    tokenised: list[int] = []
    real = sqlite_terms.token_counts

    def spy(c: sqlite3.Connection, t: str, rowids: list[int], terms: list[str]) -> object:
        tokenised.extend(rowids)
        return real(c, t, rowids, terms)

    monkeypatch.setattr(sqlite_terms, "token_counts", spy)
    stats = TermStats()
    for words in queries:
        for limit in (1, 10, 100, 257):
            assert top_rows(conn, _TABLE, words, limit, stats) == _full(conn, words, limit), (words, limit)
    kept = len(tokenised)
    tokenised.clear()
    for words in queries:
        for limit in (1, 10, 100, 257):
            assert top_rows(conn, _TABLE, words, limit, TermStats()) == _full(conn, words, limit), (words, limit)
    assert stats._counted and kept < len(tokenised)  # the kept counts were used (else this proves little)


def test_kept_token_counts_hold_one_search_s_tokens_per_row() -> None:
    # rows counted again for a search asking other tokens keep that search's tokens only: merging every
    # search's tokens into them grew the cache without bound in a long-running reader
    conn = _random_table(11, rows=1200)
    stats = TermStats()
    for other in ["learning", "cello", "chess", "hiking", "alps", "sunset", "lake", "fence", "western", "radio"]:
        words = ["started", other]
        assert top_rows(conn, _TABLE, words, 10, stats) == _full(conn, words, 10), words
    assert stats._counted, "no row was counted from its text: this test proves nothing"
    assert max(len(tf) for _length, tf in stats._counted.values()) <= 2
