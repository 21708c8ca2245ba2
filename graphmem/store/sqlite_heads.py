"""Impact-ordered heads of each token's postings, kept at write time: one common word's top-k without scoring it all.

A query of one word ranks the rows holding it by its share alone (:mod:`graphmem.store.sqlite_terms`),
``idf · g(tf, D)``: ``idf`` is the same for every row, and ``g`` grows with ``tf`` and shrinks with the
row's length ``D``. Among the rows holding a token the same number of times (a *level*: 1 to 7, or 8
and more) the order is therefore by ``D`` then rowid, whatever ``N`` and ``avgdl`` are when asked.
``fts_term_heads`` keeps, for each (full-text table, token, level), at most
:data:`HEAD` of those rows (their length, rowid and ``tf``), and ``fts_term_tails`` the smallest
``(D, rowid)`` among the rows left out (the *tail*); every row holding the token at that level and
not in the head is at or after its tail. A word's best rows are then found by scoring the heads
exactly (the operations of FTS5's ``bm25()``, :func:`score`) and checking that the ``k``-th of them
ranks before anything a tail row can score (:func:`top_of_word`); when it does not, the caller scores
every posting as before, so the answer is always the unpruned query's.

Writes keep both in the transaction that writes the rows (:func:`note_heads`): a row written (new or
replaced) or deleted leaves the heads first (:func:`forget_rows`), then the rows written enter the head
of each of their tokens when they rank before its tail; a head longer than :data:`HEAD` gives its last
rows to the tail. Deleting never raises a tail (the rows left out can only be fewer), so a tail is a
safe bound, and a head that lost rows is only less often decisive.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable

__all__ = [
    "HEAD",
    "HEADS_DDL",
    "forget_all",
    "forget_rows",
    "forget_terms",
    "has_heads",
    "idf_of",
    "note_heads",
    "score",
    "top_of_word",
]

#: Rows kept per (table, token, level): a word's top-k is read from its heads when k is well below this.
HEAD = 256
#: Levels: ``tf`` itself up to ``_LEVELS - 1``, then ``_LEVELS`` or more (bounded by ``fts_term_bounds``'
#: largest ``tf`` of its top level, 3 or more).
_LEVELS = 8
_K1 = 1.2
_B = 0.75
_MARGIN = 1e-9
HEADS_DDL = (
    "CREATE TABLE IF NOT EXISTS fts_term_heads (fts TEXT NOT NULL, term TEXT NOT NULL, level INTEGER NOT NULL, "
    "len INTEGER NOT NULL, row INTEGER NOT NULL, tf INTEGER NOT NULL, PRIMARY KEY (fts, term, level, len, row)) "
    "WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS fts_term_heads_row ON fts_term_heads (fts, row)",
    "CREATE TABLE IF NOT EXISTS fts_term_tails (fts TEXT NOT NULL, term TEXT NOT NULL, level INTEGER NOT NULL, "
    "len INTEGER NOT NULL, row INTEGER NOT NULL, PRIMARY KEY (fts, term, level)) WITHOUT ROWID",
)
_NEW = "graphmem_heads_new"
_NEW_DDL = f"CREATE TEMP TABLE IF NOT EXISTS {_NEW} (term TEXT, level INTEGER, len INTEGER, row INTEGER, tf INTEGER)"
# the rows of the scratch table (graphmem.store.sqlite_terms) that rank before their token's tail
# the rows just written (``sqlite_terms.TF``: token, doc, tf, length) that rank before their token's tail
_CANDIDATES = f"""
INSERT INTO temp.{_NEW} (term, level, len, row, tf)
SELECT w.term, min(w.n, {_LEVELS}), w.d, w.doc, w.n FROM temp.graphmem_tf AS w
WHERE NOT EXISTS (
    SELECT 1 FROM fts_term_tails t WHERE t.fts = ?1 AND t.term = w.term AND t.level = min(w.n, {_LEVELS})
    AND (t.len, t.row) <= (w.d, w.doc))
"""
_CUT = "graphmem_heads_cut"
_CUT_DDL = f"CREATE TEMP TABLE IF NOT EXISTS {_CUT} (term TEXT, level INTEGER, len INTEGER, row INTEGER)"
# each head that grew, and its first row past HEAD (the rows from it on go to the tail)
_nth = "SELECT {0} FROM fts_term_heads WHERE fts = ?1 AND term = g.term AND level = g.level ORDER BY len, row"
_CUTS = f"""
INSERT INTO temp.{_CUT} (term, level, len, row)
SELECT * FROM (
    SELECT g.term, g.level, ({_nth.format("len")} LIMIT 1 OFFSET {HEAD}) AS len,
           ({_nth.format("row")} LIMIT 1 OFFSET {HEAD}) AS row
    FROM (SELECT DISTINCT term, level FROM temp.{_NEW}) AS g)
WHERE len IS NOT NULL
"""
_TO_TAILS = f"""
INSERT INTO fts_term_tails (fts, term, level, len, row) SELECT ?1, term, level, len, row FROM temp.{_CUT} WHERE true
ON CONFLICT (fts, term, level) DO UPDATE SET len = excluded.len, row = excluded.row
WHERE (excluded.len, excluded.row) < (fts_term_tails.len, fts_term_tails.row)
"""
_TRIM = f"""
DELETE FROM fts_term_heads WHERE fts = ?1 AND (term, level, len, row) IN (
    SELECT h.term, h.level, h.len, h.row FROM temp.{_CUT} AS c JOIN fts_term_heads AS h
    ON h.fts = ?1 AND h.term = c.term AND h.level = c.level AND (h.len, h.row) >= (c.len, c.row))
"""


def has_heads(conn: sqlite3.Connection) -> bool:
    """Whether the store keeps heads (schema 6 on; an older store opened read-only does not)."""
    sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'fts_term_tails'"
    return conn.execute(sql).fetchone() is not None


def forget_rows(conn: sqlite3.Connection, table: str, rowids: Iterable[int]) -> None:
    """Take rows about to be replaced or deleted out of ``table``'s heads (their tails stay: still safe)."""
    conn.executemany("DELETE FROM fts_term_heads WHERE fts = ? AND row = ?", ((table, r) for r in rowids))


def forget_terms(conn: sqlite3.Connection, table: str, terms: Iterable[str]) -> None:
    """Drop the heads and tails of tokens no row of ``table`` holds any more (their rows were deleted)."""
    for statement in (
        "DELETE FROM fts_term_heads WHERE fts = ? AND term = ?",
        "DELETE FROM fts_term_tails WHERE fts = ? AND term = ?",
    ):
        conn.executemany(statement, ((table, t) for t in terms))


def forget_all(conn: sqlite3.Connection, table: str) -> None:
    """Drop every head and tail of ``table`` (the table itself is dropped)."""
    conn.execute("DELETE FROM fts_term_heads WHERE fts = ?", (table,))
    conn.execute("DELETE FROM fts_term_tails WHERE fts = ?", (table,))


def note_heads(conn: sqlite3.Connection, table: str) -> None:
    """Fold the rows held by the scratch table (just written to ``table``) into its heads and tails.

    Called by :func:`graphmem.store.sqlite_terms.note_rows` while its temporary table ``graphmem_tf``
    holds the rows' tokens, in the caller's transaction; the rows must have left the heads before (:func:`forget_rows`).
    """
    conn.execute(_NEW_DDL)
    conn.execute(_CUT_DDL)
    conn.execute(f"DELETE FROM temp.{_NEW}")
    conn.execute(f"DELETE FROM temp.{_CUT}")
    try:
        conn.execute(_CANDIDATES, (table,))
        conn.execute(
            "INSERT OR REPLACE INTO fts_term_heads (fts, term, level, len, row, tf) "
            f"SELECT ?, term, level, len, row, tf FROM temp.{_NEW}",
            (table,),
        )
        conn.execute(_CUTS, (table,))
        conn.execute(_TO_TAILS, (table,))  # the first row cut is the least of the rows cut
        conn.execute(_TRIM, (table,))
    finally:
        conn.execute(f"DELETE FROM temp.{_NEW}")
        conn.execute(f"DELETE FROM temp.{_CUT}")


def score(idf: float, tf: float, length: float, avgdl: float) -> float:
    """One phrase's share of a row's score, in the operations of FTS5's ``bm25()`` (so bit for bit its value)."""
    return idf * ((tf * (_K1 + 1.0)) / (tf + _K1 * (1 - _B + _B * length / avgdl)))


def idf_of(held: int, rows: int) -> float:
    """FTS5's ``idf`` of a phrase held by ``held`` of ``rows`` rows."""
    idf = math.log((rows - held + 0.5) / (held + 0.5))
    return 1e-6 if idf <= 0.0 else idf


def top_of_word(
    conn: sqlite3.Connection, table: str, token: str, held: int, averages: tuple[int, int], limit: int
) -> list[tuple[int, float]] | None:
    """The ``limit`` best ``(rowid, score)`` for a one-token word alone, from its heads; ``None`` when they
    cannot prove it (the caller then scores every posting).

    ``held`` is the rows holding the word (counted by FTS5), ``averages`` the table's ``(rows, tokens)``
    as ``bm25()`` reads them. The answer equals ``ORDER BY bm25, rowid LIMIT limit``: the heads' scores
    are FTS5's own values, and a row left out scores at most its level's tail, and ranks after the
    ``k``-th when it scores the same (it comes later in rowid order) or less.
    """
    rows, tokens = averages
    if rows <= 0 or held <= 0:
        return None
    idf = idf_of(held, rows)
    avgdl = float(tokens) / float(rows)
    sql = "SELECT level, len, row, tf FROM fts_term_heads WHERE fts = ? AND term = ?"
    kept = conn.execute(sql, (table, token)).fetchall()
    tails = conn.execute("SELECT level, len, row FROM fts_term_tails WHERE fts = ? AND term = ?", (table, token))
    tail = {level: (length, row) for level, length, row in tails}
    found = sorted(
        ((row, score(idf, float(tf), float(length), avgdl)) for _, length, row, tf in kept), key=lambda h: (-h[1], h[0])
    )
    if not tail:  # nothing left out: the heads are every row holding the token
        return found[:limit] if len(found) == held else None
    if len(found) < limit:
        return None
    row_k, score_k = found[limit - 1]
    for level, (length, row) in tail.items():
        if not _after(conn, table, token, level, length, row, (row_k, score_k), idf, avgdl):
            return None
    return found[:limit]


def _after(
    conn: sqlite3.Connection,
    table: str,
    token: str,
    level: int,
    length: int,
    row: int,
    kth: tuple[int, float],
    idf: float,
    avgdl: float,
) -> bool:
    """Whether every row left out of ``level``'s head (at or after ``(length, row)``) ranks after ``kth``."""
    row_k, score_k = kth
    if level < _LEVELS:  # tf is the level: a row of the tail's length scores exactly the tail's score,
        # a longer one no more than one a token longer (each operation is monotonic)
        at_tail = score(idf, float(level), float(length), avgdl)
        longer = score(idf, float(level), float(length + 1), avgdl)
        return score_k > longer and (score_k > at_tail or (score_k == at_tail and row_k < row))
    got = conn.execute("SELECT max(max_tf) FROM fts_term_bounds WHERE fts = ? AND term = ?", (table, token)).fetchone()
    if got is None or got[0] is None:
        return False
    return score_k > score(idf, float(got[0]), float(length), avgdl) * (1 + _MARGIN)
