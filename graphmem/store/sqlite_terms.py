"""Per-token summaries of a full-text table, kept at write time: a word's BM25 upper bound without scoring.

FTS5's ``bm25()`` (SQLite ``ext/fts5/fts5_aux.c``) scores a row as a sum over the query's phrases of::

    idf · tf·(k1 + 1) / (tf + k1·(1 − b + b·D/avgdl))        k1 = 1.2, b = 0.75
    idf = ln((N − n + 0.5) / (n + 0.5)), or 1e-6 when that is not positive

where ``tf`` is the phrase's occurrences in the row, ``D`` the row's tokens, ``N`` the table's rows,
``avgdl`` its tokens divided by ``N`` and ``n`` the rows holding the phrase: all of them over the whole
FTS5 table, which is one namespace (each namespace has a table of its own). A share grows with ``tf``
and shrinks with ``D``, so for every token of a table ``fts_term_bounds`` keeps, for each ``tf`` of 1,
2 and 3 or more (a *level*), the largest ``tf`` and the smallest ``D`` among the rows holding the token
that often when written. With ``N`` and ``avgdl`` read from FTS5's own "averages" record and ``n``
counted when searching, the largest share over the levels, computed in the same floating point
operations as FTS5's, is at least the share of any row (:func:`share_bound`), and on a table nothing was
deleted from it *is* the largest share (each level below 3 is one ``tf``, and its shortest row scores
its bound) unless a row holds the token 4 times or more. A phrase of several tokens (a query word such as
``foo_bar``) occurs in a row at most as often as each of its tokens, in rows at least as long as each
token's shortest: its bound takes the smallest largest ``tf`` and the largest shortest ``D`` of them.

The summaries are folded in (``max``/``min``) in the transaction that writes the rows
(:func:`note_rows`); a deleted or replaced row leaves those of tokens other rows still hold as they were:
the largest ``tf`` cannot grow and the shortest ``D`` cannot shrink by deleting, so a stale summary is
still a safe bound, only looser. The tokens of deleted rows that no row holds any more lose their
summaries, heads and tails (:func:`forget_unused`): a forgotten text leaves no word of its own behind.
Text is tokenised by FTS5 itself (a contentless scratch table in ``temp`` and its ``fts5vocab``
instance table), never by a copy of its tokenizer, so the tokens are the index's.
"""

from __future__ import annotations

import bisect
import math
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from graphmem.store import sqlite_heads

__all__ = [
    "BOUNDS_DDL",
    "averages",
    "backfill",
    "forget_unused",
    "has_bounds",
    "note_rows",
    "phrase_levels",
    "share_bound",
    "summaries",
    "token_counts",
    "tokens_of",
]

#: One row per (full-text table, token, level): the largest ``tf`` and the smallest row length among the
#: rows holding the token ``level`` times (``level`` 3: 3 times or more).
BOUNDS_DDL = (
    "CREATE TABLE IF NOT EXISTS fts_term_bounds (fts TEXT NOT NULL, term TEXT NOT NULL, level INTEGER NOT NULL, "
    "max_tf INTEGER NOT NULL, min_len INTEGER NOT NULL, PRIMARY KEY (fts, term, level)) WITHOUT ROWID"
)
_LEVELS = 3
_K1 = 1.2
_B = 0.75
#: The bound is raised by this factor on top of FTS5's own operations (which it repeats exactly).
_MARGIN = 1e-9
_SCRATCH = "graphmem_scratch"
_SCRATCH_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{_SCRATCH} USING fts5(text, content = '', tokenize = 'porter unicode61')",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{_SCRATCH}_v USING fts5vocab(temp, {_SCRATCH}, 'instance')",
)
#: ``(token, doc, tf, doc length)`` of the scratch table's rows, read from its vocabulary once per fold
TF = "graphmem_tf"
_TF_DDL = f"CREATE TEMP TABLE IF NOT EXISTS {TF} (term TEXT, doc INTEGER, n INTEGER, d INTEGER)"
_TF_FILL = f"""
WITH tf AS (SELECT term, doc, count(*) AS n FROM temp.{_SCRATCH}_v GROUP BY term, doc),
     len AS (SELECT doc, count(*) AS d FROM temp.{_SCRATCH}_v GROUP BY doc)
INSERT INTO temp.{TF} (term, doc, n, d) SELECT term, doc, n, d FROM tf JOIN len USING (doc)
"""
_FOLD = f"""
INSERT INTO fts_term_bounds (fts, term, level, max_tf, min_len)
SELECT ?, term, min(n, {_LEVELS}), max(n), min(d) FROM temp.{TF}
WHERE true GROUP BY term, min(n, {_LEVELS})
ON CONFLICT (fts, term, level) DO UPDATE SET
    max_tf = max(max_tf, excluded.max_tf), min_len = min(min_len, excluded.min_len)
"""
_BACKFILL_CHUNK = 20_000


def has_bounds(conn: sqlite3.Connection) -> bool:
    """Whether the store keeps summaries (schema 4 on; a schema 3 store opened read-only does not)."""
    sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'fts_term_bounds'"
    return conn.execute(sql).fetchone() is not None


def _scratch(conn: sqlite3.Connection) -> None:
    for ddl in _SCRATCH_DDL:
        conn.execute(ddl)


def _clear_scratch(conn: sqlite3.Connection) -> None:
    conn.execute(f"INSERT INTO temp.{_SCRATCH} ({_SCRATCH}) VALUES ('delete-all')")


@contextmanager
def _scratch_rows(conn: sqlite3.Connection, rows: Iterable[tuple[int, str]]) -> Iterator[None]:
    """The scratch table holding ``rows`` (``(doc, text)``, one text a doc) and nothing else, emptied after.

    It is emptied first as well: rows left by a statement that failed half-way would be read as part of
    these (tokens of another text, or of another row with the same doc).
    """
    _scratch(conn)
    _clear_scratch(conn)
    try:
        conn.executemany(f"INSERT INTO temp.{_SCRATCH} (rowid, text) VALUES (?, ?)", rows)
        yield
    finally:
        _clear_scratch(conn)


def note_rows(
    conn: sqlite3.Connection, table: str, rows: Iterable[tuple[int, str]], *, bounds: bool = True, heads: bool = True
) -> None:
    """Fold the rows just written to ``table`` (``(rowid, text)``) into its summaries (``bounds``) and its
    heads (``heads``, :mod:`graphmem.store.sqlite_heads`), in the caller's transaction.

    A rowid given more than once (a row replaced within the batch) counts with its last text, the one
    the table holds: in the scratch table its texts would be one doc, as long as all of them together.
    A row written before (replaced) leaves the heads first: its old text no longer ranks it.
    """
    last = dict(rows)
    if not last:
        return
    if heads:
        sqlite_heads.forget_rows(conn, table, last)
    with _scratch_rows(conn, last.items()):
        conn.execute(_TF_DDL)
        conn.execute(f"DELETE FROM temp.{TF}")
        try:
            conn.execute(_TF_FILL)
            if bounds:
                conn.execute(_FOLD, (table,))
            if heads:
                sqlite_heads.note_heads(conn, table)
        finally:
            conn.execute(f"DELETE FROM temp.{TF}")


def forget_unused(conn: sqlite3.Connection, table: str, texts: Iterable[str]) -> None:
    """Drop the summaries, heads and tails of the tokens of ``texts`` (rows just deleted from ``table``)
    that no row of ``table`` holds any more, in the caller's transaction."""
    with _scratch_rows(conn, enumerate(texts, 1)):
        terms = [t for (t,) in conn.execute(f"SELECT DISTINCT term FROM temp.{_SCRATCH}_v")]
    if not terms:
        return
    # the table's own vocabulary (fts5vocab 'row'), as full-text search counts a word's rows with it
    vocab = f"{table}_rows"
    conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{vocab} USING fts5vocab(main, {table}, 'row')")
    held = f"SELECT 1 FROM temp.{vocab} WHERE term = ?"
    unused = [t for t in terms if conn.execute(held, (t,)).fetchone() is None]
    conn.executemany("DELETE FROM fts_term_bounds WHERE fts = ? AND term = ?", ((table, t) for t in unused))
    sqlite_heads.forget_terms(conn, table, unused)


def backfill(conn: sqlite3.Connection, tables: Iterable[str], *, bounds: bool = True, heads: bool = True) -> None:
    """Summarise every row of ``tables`` (a store written before summaries, or heads, were kept), in the
    caller's transaction."""
    for table in tables:
        last = 0
        while True:
            chunk = conn.execute(
                f"SELECT rowid, text FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT ?", (last, _BACKFILL_CHUNK)
            ).fetchall()
            if not chunk:
                break
            note_rows(conn, table, chunk, bounds=bounds, heads=heads)
            last = chunk[-1][0]


def tokens_of(conn: sqlite3.Connection, words: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The tokens FTS5 makes of each word (as a query phrase of the full-text tables), in order.

    Raises:
        sqlite3.Error: the scratch table cannot be written (the caller then learns bounds instead).
    """
    if not words:
        return {}
    found: dict[int, list[str]] = {}
    with _scratch_rows(conn, enumerate(words)):
        for doc, term in conn.execute(f"SELECT doc, term FROM temp.{_SCRATCH}_v ORDER BY doc, offset"):
            found.setdefault(doc, []).append(term)
    return {w: tuple(found.get(i, ())) for i, w in enumerate(words)}


#: Written between texts tokenised together (:func:`token_counts`); a text holding it is detected, not miscounted.
_SEPARATOR = "qq0graphmemsep0qq"
_COUNT_CHUNK = 500


def token_counts(
    conn: sqlite3.Connection, table: str, rowids: Sequence[int], terms: Sequence[str]
) -> dict[int, tuple[int, dict[str, int]]] | None:
    """``rowid → (its length in tokens, {term: occurrences})`` for rows of ``table``, by FTS5's tokeniser.

    The rows' texts are tokenised in one scratch row, each followed by a separator token, so the cost is
    one FTS5 insert whatever the number of rows; a row's length is the tokens between two separators
    (what FTS5 records as its size). ``None`` when a row is missing or a text holds the separator itself.

    Raises:
        sqlite3.Error: the scratch table cannot be written.
    """
    texts: dict[int, str] = {}
    for start in range(0, len(rowids), _COUNT_CHUNK):
        part = list(rowids[start : start + _COUNT_CHUNK])
        marks = ",".join("?" * len(part))
        # FTS5's content table: a plain b-tree read (through the virtual table, each rowid is a search)
        texts.update(conn.execute(f"SELECT id, c0 FROM {table}_content WHERE id IN ({marks})", part))
    order = list(dict.fromkeys(rowids))
    if len(texts) != len(order) or not order:
        return {} if not order else None
    joined = "".join(f"{texts[r] or ''} {_SEPARATOR} " for r in order)
    wanted = [_SEPARATOR, *dict.fromkeys(terms)]
    marks = ",".join("?" * len(wanted))
    with _scratch_rows(conn, [(1, joined)]):
        sql = f"SELECT term, offset FROM temp.{_SCRATCH}_v WHERE term IN ({marks})"
        found = conn.execute(sql, wanted).fetchall()
    ends = sorted(offset for term, offset in found if term == _SEPARATOR)
    if len(ends) != len(order):
        return None
    out: dict[int, tuple[int, dict[str, int]]] = {}
    for i, rowid in enumerate(order):
        out[rowid] = (ends[i] - (ends[i - 1] + 1 if i else 0), {})
    for term, offset in found:
        if term != _SEPARATOR:
            counts = out[order[bisect.bisect_left(ends, offset)]][1]
            counts[term] = counts.get(term, 0) + 1
    return out


def averages(conn: sqlite3.Connection, table: str) -> tuple[int, int] | None:
    """``(rows, tokens)`` of ``table`` as FTS5 itself reads them for ``bm25()`` (its "averages" record).

    ``None`` when the record is absent or not as expected (the caller then learns bounds instead).
    """
    row = conn.execute(f"SELECT block FROM {table}_data WHERE id = 1").fetchone()
    if row is None or not isinstance(row[0], bytes):
        return None
    try:
        rows, at = _varint(row[0], 0)
        tokens, _ = _varint(row[0], at)
    except IndexError:
        return None
    return rows, tokens


def _varint(data: bytes, at: int) -> tuple[int, int]:
    """SQLite's variable-length integer (FTS5 uses the same): 7 bits a byte big-endian, the 9th byte whole."""
    value = 0
    for _ in range(8):
        byte = data[at]
        at += 1
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, at
    return (value << 8) | data[at], at + 1


def summaries(conn: sqlite3.Connection, table: str, terms: Sequence[str]) -> dict[str, list[tuple[int, int]]]:
    """``term → [(largest tf, shortest row) per level]`` kept for ``table``; a term never written is absent."""
    out: dict[str, list[tuple[int, int]]] = {}
    unique = list(dict.fromkeys(terms))
    for start in range(0, len(unique), 500):
        part = unique[start : start + 500]
        marks = ",".join("?" * len(part))
        sql = f"SELECT term, max_tf, min_len FROM fts_term_bounds WHERE fts = ? AND term IN ({marks})"
        for term, tf, length in conn.execute(sql, (table, *part)):
            out.setdefault(term, []).append((tf, length))
    return out


def phrase_levels(parts: Sequence[Sequence[tuple[int, int]]]) -> list[tuple[int, int]]:
    """The ``(tf, length)`` pairs bounding a phrase from its tokens' summaries (one token: its own)."""
    if len(parts) == 1:
        return list(parts[0])
    # a row holding the phrase holds each token at least as often, and is at least as long as its shortest
    return [(min(max(tf for tf, _ in p) for p in parts), max(min(n for _, n in p) for p in parts))]


def share_bound(held: int, rows: int, tokens: int, levels: Sequence[tuple[int, int]]) -> float:
    """The most one phrase held by ``held`` of ``rows`` rows can add to a row's BM25 score (``-bm25()``).

    Each row holding the phrase has a level ``(max_tf, min_len)`` with at least its occurrences and at
    most its length; ``rows`` and ``tokens`` are the table's (:func:`averages`). The operations are
    FTS5's, in its order, so each step rounds no lower than FTS5's step for a real row; a margin is added
    on top.
    """
    idf = math.log((rows - held + 0.5) / (held + 0.5))
    if idf <= 0.0:
        idf = 1e-6
    avgdl = float(tokens) / float(rows)
    best = 0.0
    for max_tf, min_len in levels:
        tf = float(max_tf)
        best = max(best, idf * ((tf * (_K1 + 1.0)) / (tf + _K1 * (1 - _B + _B * float(min_len) / avgdl))))
    return best * (1 + _MARGIN)
