"""Full-text search of one namespace: SQLite FTS5 BM25, top-k ranked inside FTS5 with exact pruning.

FTS5 is cheap at walking postings and dear at scoring them: ``bm25()`` reads each matching row's
length and positions. A question's common words ("old", "watch") match a tenth of a large namespace,
so scoring every row that matches any word costs far more than the few rare words that decide the
top of the list. Two things keep the work small without changing the answer:

* ranking happens inside FTS5 (``ORDER BY bm25, rowid LIMIT k`` over the full-text table alone);
  only the ``k`` rows returned are joined to ``events`` by the caller;
* MaxScore pruning (Turtle and Flood, "Query evaluation: strategies and optimizations", 1995), which
  is rank-safe: BM25 is a sum of one share per query term, and a term's share in any row is at most
  its *upper bound*, the best score of that term alone in the namespace. Terms are ordered from the
  most to the least frequent; the frequent prefix ``C`` is left out of *matching* (though not of
  scoring) when the ``k``-th best score among rows holding a rarer term is above the sum of
  ``C``'s upper bounds: a row holding only words of ``C`` cannot reach the top ``k`` then. Rows
  holding a rare term are scored in two disjoint FTS5 queries, ``C AND R`` and ``R NOT C`` (the
  second is skipped when the ``k``-th row of the first beats the upper bounds of ``R`` too); each
  scores a row exactly as the unpruned ``C OR R`` does (same phrases in the same order; an absent
  phrase adds exactly 0.0), so the hits, their scores and their order are those of the full query.
  When only rows holding *every* word of ``C`` could still beat the ``k``-th, those (a conjunction,
  cheap) are scored too, as ``C AND ... NOT R``.
  When the proof fails, a larger rare set is tried, and last the full query; a split is tried only
  while the rows scored so far (splits, and learning words' upper bounds) do not exceed the rows the
  full query scores, so the worst case costs at most twice the full query.

Ties are broken by rowid (insertion order), so the order is deterministic. A word's upper bound comes,
without scoring anything, from per-token summaries kept at write time (:mod:`graphmem.store.sqlite_terms`:
the largest tf and the shortest row among the rows holding it give a safe, possibly loose, bound). A
store without them (schema 3, opened read-only) learns the bound on first use of a word instead: the
word's best rows alone (a "champion list", Manning, Raghavan and Schütze, *Introduction to Information
Retrieval*, 7.1.3; its head is the word's exact upper bound), which is kept and, once known, used in place
of the summary's bound. A one-word query is answered from the word's *heads*, kept at write time
(:mod:`graphmem.store.sqlite_heads`: each token's shortest rows per tf, scored exactly, with a bound on
the rest), when they decide it, and else by scoring its rows; a query of several one-token words holding
:data:`HEADS_WORTH` rows or more in all is answered from the words' heads by a threshold algorithm
(:mod:`graphmem.store.sqlite_heads_words`) when they decide it, and else as above. Document frequencies,
bounds and lists are kept per namespace in :class:`TermStats` (a word of one token is counted from the
table's ``fts5vocab``, others by matching); a one-word query is answered from its list
when the list is long enough. The store drops them whenever the namespace changes, so every answer is that
of the index as it is.
"""

from __future__ import annotations

import functools
import math
import sqlite3
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from graphmem.store import segment, sqlite_heads, sqlite_heads_words, sqlite_terms

__all__ = [
    "HEADS_WORTH",
    "VOCAB_WORTH",
    "TermStats",
    "best_events",
    "drop_vocabulary",
    "fts_match",
    "query_words",
    "top_rows",
]

#: float rounding: a computed sum of shares may exceed the sum of computed bounds by a few ulps
_ROUNDING = 1e-9
_CHUNK = 500  # ids per IN (...) list
#: Several words are decided from the heads only when they hold at least this many rows in all: the heads'
#: work is about the same whatever the table (a few hundred rows a word read, scored and perhaps counted
#: from their text: 5-15 ms CPU), while scoring postings costs about 1.4 µs a row (docs/scale.md).
HEADS_WORTH = 20_000
#: A table of fewer rows counts a word by matching: matching it costs little, and its vocabulary would cost
#: a temporary table (a schema change of the connection) for each such namespace.
VOCAB_WORTH = 20_000
#: Rows whose token counts (learnt from their text by the heads path) are kept for later searches, at most
_COUNTED = 50_000


def _vocab_name(table: str) -> str:
    return f"{table}_rows"


def drop_vocabulary(conn: sqlite3.Connection, table: str) -> None:
    """Drop the temporary ``fts5vocab`` table :class:`TermStats` made over ``table`` on this connection, if
    any (the table's namespace is being deleted; a vocabulary over it would stay on the connection)."""
    conn.execute(f"DROP TABLE IF EXISTS temp.{_vocab_name(table)}")


def query_words(text: str) -> list[str]:
    """The words of a query, casefolded, each once, in order (FTS5 syntax is never parsed); a run of an
    unspaced script (Chinese, Japanese, Korean, Thai) as its bigrams (:func:`graphmem.store.segment.query_words`),
    as the full-text tables hold it (:func:`graphmem.store.segment.index_text`)."""
    return segment.query_words(text)


def _phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def fts_match(words: Sequence[str]) -> str:
    """An FTS5 expression matching rows holding any of ``words`` (each a quoted phrase)."""
    return " OR ".join(_phrase(w) for w in words)


@dataclass(slots=True)
class TermStats:
    """Per-word statistics of one namespace's full-text table, filled on first use.

    Attributes:
        data_version: SQLite's ``PRAGMA data_version`` when they were learnt (another connection's commit
            changes it, and they no longer hold).
        frequency: word → the number of rows holding it.
        best: word → its best rows alone, ``(rowid, score)`` best first (a "champion list"), as many
            as the longest list asked for so far; the first score is the word's upper bound. At most
            ``max_words`` words keep a list (least recently used dropped first).
        bounds: word → an upper bound of its score alone computed from the write-time summaries
            (:meth:`prepare`), at least the head of its champion list.
        learnt: how many words' bounds were learnt by scoring their rows (no summary to compute them from).
        from_heads: how many one-word searches were answered from the write-time heads
            (:mod:`graphmem.store.sqlite_heads`) without scoring the word's postings.
    """

    data_version: int = 0
    frequency: dict[str, int] = field(default_factory=dict)
    best: OrderedDict[str, list[tuple[int, float]]] = field(default_factory=OrderedDict)
    max_words: int = 1024
    bounds: dict[str, float] = field(default_factory=dict)
    learnt: int = 0
    from_heads: int = 0
    _table: tuple[int, int] | None = field(default=None, init=False, repr=False)
    _summarised: bool | None = field(default=None, init=False, repr=False)
    _heads: bool | None = field(default=None, init=False, repr=False)
    _checked: bool = field(default=False, init=False, repr=False)
    _checked_many: bool = field(default=False, init=False, repr=False)
    _tokens: dict[str, tuple[str, ...]] = field(default_factory=dict, init=False, repr=False)
    _vocab: str | bool | None = field(default=None, init=False, repr=False)
    _counted: dict[int, tuple[int, dict[str, int]]] = field(default_factory=dict, init=False, repr=False)

    def rows_with(self, conn: sqlite3.Connection, table: str, word: str) -> int:
        """How many rows hold ``word`` (walks its postings once, no scoring)."""
        held = self.frequency.get(word)
        if held is None:
            sql = f"SELECT count(*) FROM {table} WHERE {table} MATCH ?"
            held = self.frequency[word] = int(conn.execute(sql, (_phrase(word),)).fetchone()[0])
        return held

    def count(self, conn: sqlite3.Connection, table: str, words: Sequence[str]) -> dict[str, int]:
        """How many rows hold each of ``words``: a word of one token is counted from the table's FTS5
        vocabulary (``fts5vocab`` 'row': the token's row count, about half the work of counting its
        matches), any other word, or every word when the vocabulary cannot be read, by :meth:`rows_with`."""
        need = [w for w in words if w not in self.frequency]
        if need and self._vocab is None:
            sized = sqlite_terms.averages(conn, table)
            if sized is None or sized[0] < VOCAB_WORTH:
                self._vocab = False  # matching a small table costs as little, without a temporary table each
        if need and self._vocab is not False:
            try:
                tokens = self._tokens_of(conn, need)
                vocab = self._vocab_table(conn, table)
                sql = f"SELECT doc FROM temp.{vocab} WHERE term = ?"
                for w in need:
                    if len(tokens[w]) == 1:
                        found = conn.execute(sql, (tokens[w][0],)).fetchone()
                        self.frequency[w] = int(found[0]) if found else 0
            except sqlite3.Error:  # no scratch table to tokenise with, or no vocabulary: count the matches
                self._vocab = False
        return {w: self.rows_with(conn, table, w) for w in words}

    def _vocab_table(self, conn: sqlite3.Connection, table: str) -> str:
        """The name of a temporary ``fts5vocab`` table (type 'row') over ``table``, created on first use."""
        if not isinstance(self._vocab, str):
            name = _vocab_name(table)
            conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{name} USING fts5vocab(main, {table}, 'row')")
            self._vocab = name
        return self._vocab

    def ranked(self, conn: sqlite3.Connection, table: str, word: str, limit: int) -> list[tuple[int, float]]:
        """The ``limit`` best rows of ``word`` alone: from its heads when they decide it, else by scoring
        its postings (once per longer list asked)."""
        kept = self.best.get(word)
        if kept is None or (len(kept) < limit and len(kept) < self.rows_with(conn, table, word)):
            kept = self._from_heads(conn, table, word, limit)
            if kept is None:
                kept = _ranked(conn, table, _phrase(word), limit)
            self.best[word] = kept
            while len(self.best) > self.max_words:
                self.best.popitem(last=False)
        self.best.move_to_end(word)
        return kept[:limit]

    def upper_bound(self, conn: sqlite3.Connection, table: str, word: str, limit: int) -> float:
        """At least the largest score ``word`` alone gives any row: the head of its champion list when
        kept, else its bound from the summaries, else learnt (a list fetched ``limit`` long)."""
        top = self.best.get(word)
        if top is None:
            bound = self.bounds.get(word)
            if bound is not None:
                return bound
            self.learnt += 1
            top = self.ranked(conn, table, word, limit)
        return top[0][1] if top else 0.0

    def _from_heads(
        self, conn: sqlite3.Connection, table: str, word: str, limit: int
    ) -> list[tuple[int, float]] | None:
        """``word``'s ``limit`` best rows from the write-time heads, or ``None`` when the store keeps none,
        the word is not one token, or the heads do not decide the answer."""
        if not self._has_heads(conn, table) or self._table is None or limit > sqlite_heads.HEAD:
            return None
        try:
            tokens = self._tokens_of(conn, [word])[word]
        except sqlite3.Error:  # no scratch table to tokenise with
            self._heads = False
            return None
        if len(tokens) != 1:
            return None
        found = sqlite_heads.top_of_word(conn, table, tokens[0], self.rows_with(conn, table, word), self._table, limit)
        if found and not self._checked:
            # the heads' scores repeat FTS5's arithmetic; a build of SQLite that rounds otherwise (fused
            # multiply-adds) would give other last bits: checked once against FTS5 itself, else not used
            rowid, mine = found[0]
            sql = f"SELECT bm25({table}) FROM {table} WHERE {table} MATCH ? AND rowid = ?"
            theirs = conn.execute(sql, (_phrase(word), rowid)).fetchone()
            self._heads = self._checked = theirs is not None and -float(theirs[0]) == mine
            if not self._heads:
                return None
        self.from_heads += found is not None
        return found

    def _tokens_of(self, conn: sqlite3.Connection, words: Sequence[str]) -> dict[str, tuple[str, ...]]:
        need = [w for w in words if w not in self._tokens]
        if need:
            self._tokens.update(sqlite_terms.tokens_of(conn, need))
        return {w: self._tokens[w] for w in words}

    def many_from_heads(
        self, conn: sqlite3.Connection, table: str, order: Sequence[str], limit: int
    ) -> list[tuple[int, float]] | None:
        """The ``limit`` best rows for the words ``order`` (the unpruned query's phrase order, each counted
        by :meth:`rows_with`) from the write-time heads (:mod:`graphmem.store.sqlite_heads_words`), or
        ``None`` when the store keeps none, a word is not one token, or the heads do not decide it."""
        if not self._has_heads(conn, table) or self._table is None:
            return None
        try:
            tokens = self._tokens_of(conn, order)
        except sqlite3.Error:  # no scratch table to tokenise with
            self._heads = False
            return None
        if any(len(tokens[w]) != 1 for w in order):
            return None
        try:
            found = sqlite_heads_words.top_of_words(
                conn,
                table,
                order,
                [tokens[w][0] for w in order],
                [self.frequency[w] for w in order],
                self._table,
                limit,
                self._counted,
            )
        except sqlite3.Error:  # the scratch table cannot be written: score the postings
            return None
        finally:
            if len(self._counted) > _COUNTED:
                self._counted.clear()
        if found and not self._checked_many:
            # the sums repeat FTS5's arithmetic; checked once against FTS5 itself, else not used (as above)
            rowid, mine = found[0]
            sql = f"SELECT bm25({table}) FROM {table} WHERE {table} MATCH ? AND rowid = ?"
            theirs = conn.execute(sql, (fts_match(order), rowid)).fetchone()
            self._checked_many = theirs is not None and -float(theirs[0]) == mine
            if not self._checked_many:
                self._heads = False
                return None
        self.from_heads += found is not None
        return found

    def _has_heads(self, conn: sqlite3.Connection, table: str) -> bool:
        """Whether the store keeps heads and ``table``'s averages record can be read (checked once)."""
        if self._heads is None:
            self._heads = sqlite_heads.has_heads(conn)
            if self._heads and self._table is None:
                self._table = sqlite_terms.averages(conn, table)
            self._heads = self._heads and self._table is not None
        return self._heads

    def unknown(self, words: Sequence[str]) -> int:
        """Rows to score to learn the upper bounds of ``words`` not known yet."""
        return sum(self.frequency.get(w, 0) for w in words if w not in self.best and w not in self.bounds)

    def prepare(self, conn: sqlite3.Connection, table: str, words: Sequence[str]) -> None:
        """Compute the bounds of ``words`` (counted by :meth:`rows_with` already) from the write-time
        summaries, when the store keeps them; a word without a summary is left to be learnt."""
        if self._summarised is None:
            self._table = sqlite_terms.averages(conn, table) if sqlite_terms.has_bounds(conn) else None
            self._summarised = self._table is not None and self._table[0] > 0
        need = [w for w in words if w not in self.bounds and w not in self.best and self.frequency.get(w, 0) > 0]
        if not self._summarised or not need or self._table is None:
            return
        try:
            tokens = sqlite_terms.tokens_of(conn, need)
        except sqlite3.Error:  # no scratch table to tokenise with: learn as before
            self._summarised = False
            return
        kept = sqlite_terms.summaries(conn, table, [t for w in need for t in tokens[w]])
        rows, size = self._table
        for w in need:
            parts = [kept[t] for t in tokens[w] if t in kept]
            if not parts or len(parts) < len(tokens[w]):
                continue  # a token never summarised: learnt if needed (not expected in a summarised store)
            levels = sqlite_terms.phrase_levels(parts)
            self.bounds[w] = sqlite_terms.share_bound(self.frequency[w], rows, size, levels)


def top_rows(
    conn: sqlite3.Connection, table: str, words: Sequence[str], limit: int, stats: TermStats
) -> list[tuple[int, float]]:
    """``(rowid, score)`` of the ``limit`` best rows for ``words`` (BM25, higher is better), best first.

    The answer is that of ``SELECT rowid, -bm25 ... WHERE MATCH 'w1 OR w2 ...' ORDER BY bm25, rowid
    LIMIT k`` with the words ordered from the most to the least frequent; see the module docstring
    for how less of it is scored.
    """
    if limit <= 0:
        return []
    held = stats.count(conn, table, words)
    order = sorted((w for w in held if held[w] > 0), key=lambda w: (-held[w], w))
    if not order:
        return []
    if len(order) == 1:
        return stats.ranked(conn, table, order[0], limit)
    if sum(held[w] for w in order) >= HEADS_WORTH:
        decided = stats.many_from_heads(conn, table, order, limit)
        if decided is not None:
            return decided
    stats.prepare(conn, table, order)
    everything = sum(held[w] for w in order)  # rows the full query scores (at most)
    spent = 0  # rows scored so far (bounds learnt, splits): at most ``everything``, so that the worst
    # case, pruning failing after all, costs at most twice the full query
    for split in range(len(order) - 1, 0, -1):
        common, rare = order[:split], order[split:]
        cost = stats.unknown(common) + sum(held[w] for w in rare)
        if spent + cost > everything:
            break  # pruning would cost more than the full query from here
        spent += cost
        ceiling = _ceiling(conn, table, common, limit, stats)
        c, r = fts_match(common), fts_match(rare)
        found = _ranked(conn, table, f"({c}) AND ({r})", limit)  # phrases in the full query's order
        if _beats(found, limit, ceiling) and spent + stats.unknown(rare) <= everything:
            spent += stats.unknown(rare)
            if _beats(found, limit, _ceiling(conn, table, rare, limit, stats)):
                return found  # rows holding only common words, or only rare ones, score below the k-th
        alone = _ranked(conn, table, f"({r}) NOT ({c})", limit)  # the common phrases add 0.0 to these
        found = _merged(found, alone, limit)
        if _beats(found, limit, ceiling):
            return found
        # Rows holding only common words but not all of them may still be below the k-th: then the
        # rows holding every common word (a conjunction: cheap) are the only ones left to score.
        short = max(_ceiling(conn, table, [x for x in common if x != w], limit, stats) for w in common)
        if len(common) > 1 and _beats(found, limit, short):
            every = " AND ".join(_phrase(w) for w in common)
            found = _merged(found, _ranked(conn, table, f"({every}) NOT ({r})", limit), limit)
            return found  # its k-th only rose: still above ``short``
    return _ranked(conn, table, fts_match(order), limit)


def _merged(a: Sequence[tuple[int, float]], b: Sequence[tuple[int, float]], limit: int) -> list[tuple[int, float]]:
    return sorted([*a, *b], key=lambda hit: (-hit[1], hit[0]))[:limit]


def _ceiling(conn: sqlite3.Connection, table: str, words: Sequence[str], limit: int, stats: TermStats) -> float:
    """The most a row holding only some of ``words`` can score: the sum of their upper bounds."""
    return math.fsum(stats.upper_bound(conn, table, w, limit) for w in words)


def _beats(found: Sequence[tuple[int, float]], limit: int, ceiling: float) -> bool:
    """Whether ``limit`` rows were found and the last of them scores above ``ceiling``."""
    return len(found) >= limit and found[limit - 1][1] > ceiling * (1 + _ROUNDING)


def _ranked(conn: sqlite3.Connection, table: str, match: str, limit: int) -> list[tuple[int, float]]:
    sql = f"SELECT rowid, bm25({table}) AS r FROM {table} WHERE {table} MATCH ? ORDER BY r, rowid LIMIT ?"
    return [(rowid, -float(r)) for rowid, r in conn.execute(sql, (match, limit))]


def best_events(
    conn: sqlite3.Connection,
    table: str,
    words: Sequence[str],
    limit: int,
    stats: TermStats,
    *,
    ids_of: Callable[[Sequence[int]], Mapping[int, str]] | None = None,
) -> list[tuple[str, float]]:
    """``(event id, score)`` of the ``limit`` best events for ``words`` (:func:`top_rows`), best first.

    Only these rows are read from ``events`` (the full-text table's rowid is the event row's), by
    ``ids_of`` (rowids → the ids of those that exist) when given: a reader that keeps the rows it reads
    (:meth:`~graphmem.store.sqlite_graph.DiskNamespace.events_by_rowid`) spares the caller reading them
    again. A namespace without a full-text table yet holds no event.
    """
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone():
        return []
    ranked = top_rows(conn, table, words, limit, stats)
    ids = (ids_of or functools.partial(_event_ids, conn))([rowid for rowid, _score in ranked])
    return [(ids[rowid], score) for rowid, score in ranked if rowid in ids]


def _event_ids(conn: sqlite3.Connection, rowids: Sequence[int]) -> dict[int, str]:
    """The ids of the ``events`` rows among ``rowids``, by rowid."""
    ids: dict[int, str] = {}
    for start in range(0, len(rowids), _CHUNK):  # deepened searches ask for more rows than one IN list takes
        part = rowids[start : start + _CHUNK]
        marks = ",".join("?" * len(part))
        ids.update(conn.execute(f"SELECT rowid, id FROM events WHERE rowid IN ({marks})", part))
    return ids
