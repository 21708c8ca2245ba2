"""Several words' top-k from the write-time heads: a threshold algorithm over each token's shortest rows.

A query of several one-token words scores a row ``Σ idf_j · g(tf_j, D)`` over the words it holds, in the
unpruned query's phrase order (:mod:`graphmem.store.sqlite_terms`). The heads of each token
(:mod:`graphmem.store.sqlite_heads`) hold its shortest rows per level (tf 1 … 7, 8+), and every other row
holding it at that level is at or after the level's *tail* ``(length, rowid)``. :func:`top_of_words`

1. takes the *candidates*, every row in some word's heads, and scores each exactly, in FTS5's ``bm25()``
   operations and phrase order: a word's ``tf`` in a candidate is read from the word's heads, or is 0 when
   the candidate ranks before every tail of the word (it would be in the head), or else is counted by
   FTS5's own tokeniser from the row's text (:func:`graphmem.store.sqlite_terms.token_counts`);
2. bounds every other row. Such a row of length ``D`` holds a word only at a level whose tail is no longer
   than ``D``; for each length where that set changes (a tail's length ``b``), and for each set ``S`` of
   words a row might hold there, the sum of the words' largest shares at ``b`` (and at ``b + 1``, which
   bounds the lengths up to the next) must rank after the ``k``-th candidate: below its score, or equal
   to it while every row reaching it comes after it in rowid order (a row at length ``b`` holding a word
   at a level whose tail is at ``b`` has a rowid at least that tail's; one holding no such word must
   score below). Floating point addition is monotonic, so the sum of bounds taken in the phrase order
   bounds the row's sum; level 8+ (``tf`` unknown, bounded by ``fts_term_bounds``) adds a margin.
3. When a set of two words or more cannot be bounded (``go hiking``: a row holding both would beat the
   rows holding ``go`` alone, although none exists), the rows holding all of them are fetched from FTS5
   (a conjunction, without scoring) and become candidates, if they are few; the sets holding them are
   then covered. A set of one word that cannot be bounded, or too many rows, gives ``None``: the caller
   scores the postings as before. So the answer is always the unpruned query's.
"""

from __future__ import annotations

import itertools
import math
import sqlite3
from collections.abc import Sequence

from graphmem.store import sqlite_terms
from graphmem.store.sqlite_heads import idf_of, score

__all__ = ["top_of_words"]

#: More distinct tokens than this: left to the caller (the sets to bound grow as 2^n).
MAX_WORDS = 6
_LEVELS = 8  # the level of tf 8 or more, as :mod:`graphmem.store.sqlite_heads` keeps it
_MARGIN = 1e-9  # added to a level 8+ bound, as the one-word path does
_WAYS = 512  # combinations of levels tried for one set of words at one length, at most
_TOKENISED = 4096  # rows whose words are counted from their text, at most
_CONJUNCTION = 2048  # rows holding every word of a set, fetched at most
_ROUNDS = 4


def top_of_words(
    conn: sqlite3.Connection,
    table: str,
    phrases: Sequence[str],
    tokens: Sequence[str],
    held: Sequence[int],
    averages: tuple[int, int],
    limit: int,
    known: dict[int, tuple[int, dict[str, int]]] | None = None,
) -> list[tuple[int, float]] | None:
    """The ``limit`` best ``(rowid, score)`` for ``phrases`` (one-token words, in the unpruned query's phrase
    order; ``tokens`` their tokens), from the heads; ``None`` when they cannot prove it.

    ``held`` is each phrase's row count (counted by FTS5), ``averages`` the table's ``(rows, tokens)`` as
    ``bm25()`` reads them. Ties rank by rowid, as ``ORDER BY bm25, rowid``. ``known`` keeps rows' token
    counts learnt from their text across calls (``rowid → (length, {token: tf, 0 when absent})``; valid
    only while the table is unchanged): a row whose every token asked is there is not tokenised again.
    """
    rows, total = averages
    distinct = list(dict.fromkeys(tokens))
    if rows <= 0 or limit <= 0 or min(held, default=0) <= 0 or len(distinct) > MAX_WORDS:
        return None
    words = _Words(tokens, [idf_of(h, rows) for h in held], float(total) / float(rows))
    lengths: dict[int, int] = {}
    counts: dict[int, dict[str, int]] = {}  # candidate → tf of each token it holds (exact)
    if not _load(conn, table, words, dict(zip(tokens, held, strict=True)), lengths, counts):
        return None
    # a candidate may hold another word outside that word's heads (at or after one of its tails): counted
    # from its text; before every tail of a word, it holds the word only if it is in the word's heads
    first = [(t, min(words.tails[t].values())) for t in distinct if words.tails[t]]
    unknown = [r for r, tf in counts.items() if any(t not in tf and (lengths[r], r) >= tail for t, tail in first)]
    covered: list[frozenset[str]] = []
    tokenised = 0
    for _ in range(_ROUNDS):
        if unknown:
            tokenised += len(unknown)
            if tokenised > _TOKENISED:
                return None
            kept = {} if known is None else {r: known[r] for r in unknown if r in known}
            kept = {r: got for r, got in kept.items() if all(t in got[1] for t in distinct)}
            found = sqlite_terms.token_counts(conn, table, [r for r in unknown if r not in kept], distinct)
            if found is None:
                return None
            if known is not None:
                # this search's tokens only (at most MAX_WORDS a row), not merged with an earlier search's:
                # merging grew each kept row with every new token asked, without bound
                for row, (length, tf) in found.items():
                    known[row] = (length, dict.fromkeys(distinct, 0) | tf)
            found.update((r, (length, {t: n for t, n in tf.items() if n})) for r, (length, tf) in kept.items())
            for row, (length, tf) in found.items():
                if lengths.setdefault(row, length) != length:
                    return None  # the text's tokens are not what the heads recorded
                counts[row] = {t: tf[t] for t in distinct if tf.get(t)}
        ranked = sorted(words.scored(counts, lengths), key=lambda h: (-h[1], h[0]))
        if len(ranked) < limit:
            # fewer candidates than asked: the answer only when no row is left out of any head
            return ranked if not any(words.tails.values()) else None
        loose = words.unbounded(ranked[limit - 1], covered)
        if loose is None:
            return ranked[:limit]
        if len(loose) < 2:
            return None
        rowids = _holding_all(conn, table, [p for p, t in zip(phrases, tokens, strict=True) if t in loose])
        if rowids is None:
            return None
        covered.append(loose)
        unknown = [r for r in rowids if r not in counts]  # the candidates' counts are exact already
    return None


def _load(
    conn: sqlite3.Connection,
    table: str,
    words: _Words,
    held: dict[str, int],
    lengths: dict[int, int],
    counts: dict[int, dict[str, int]],
) -> bool:
    """Read the words' heads (into ``lengths`` and ``counts``) and tails (into ``words``); ``False`` when
    they are not as expected: a row of two lengths, a level 8+ tail without its largest ``tf``, or a word
    without tails whose heads hold fewer rows than FTS5 counts (rows written without their heads, e.g.
    by an older graphmem: the one-word path refuses those heads too)."""
    sql = "SELECT len, row, tf FROM fts_term_heads WHERE fts = ? AND term = ?"
    for token in dict.fromkeys(words.tokens):
        kept = 0
        for length, row, tf in conn.execute(sql, (table, token)):
            if lengths.setdefault(row, length) != length:
                return False
            counts.setdefault(row, {})[token] = tf
            kept += 1
        tails = conn.execute("SELECT level, len, row FROM fts_term_tails WHERE fts = ? AND term = ?", (table, token))
        words.tails[token] = {level: (length, row) for level, length, row in tails}
        if not words.tails[token] and kept != held[token]:
            return False
        if _LEVELS in words.tails[token]:
            sql_tf = "SELECT max(max_tf) FROM fts_term_bounds WHERE fts = ? AND term = ?"
            got = conn.execute(sql_tf, (table, token)).fetchone()
            if got is None or got[0] is None:
                return False
            words.top_tf[token] = int(got[0])
    return True


def _holding_all(conn: sqlite3.Connection, table: str, phrases: Sequence[str]) -> list[int] | None:
    """The rows holding every one of ``phrases`` (FTS5 walks their postings, scoring none), or ``None``
    when there are more than :data:`_CONJUNCTION`."""
    match = " AND ".join('"' + p.replace('"', '""') + '"' for p in dict.fromkeys(phrases))
    sql = f"SELECT rowid FROM {table} WHERE {table} MATCH ? LIMIT ?"
    rowids = [r for (r,) in conn.execute(sql, (match, _CONJUNCTION + 1))]
    return rowids if len(rowids) <= _CONJUNCTION else None


class _Words:
    """The query's phrases (by token) and what bounds the rows left out of their heads."""

    __slots__ = ("avgdl", "idfs", "tails", "tokens", "top_tf")

    def __init__(self, tokens: Sequence[str], idfs: Sequence[float], avgdl: float) -> None:
        self.tokens = list(tokens)
        self.idfs = list(idfs)
        self.avgdl = avgdl
        self.tails: dict[str, dict[int, tuple[int, int]]] = {}
        self.top_tf: dict[str, int] = {}

    def scored(self, counts: dict[int, dict[str, int]], lengths: dict[int, int]) -> list[tuple[int, float]]:
        """``(rowid, score)`` of the rows holding a word, each score computed once per (length, counts)."""
        known: dict[tuple[int, frozenset[tuple[str, int]]], float] = {}
        out = []
        for row, tf in counts.items():
            if tf:
                key = (lengths[row], frozenset(tf.items()))
                got = known.get(key)
                if got is None:
                    got = known[key] = self.total(tf, key[0])
                out.append((row, got))
        return out

    def total(self, tf: dict[str, int], length: int) -> float:
        """A row's score exactly as FTS5's ``bm25()`` sums it (phrase order; an absent phrase adds 0.0)."""
        out = 0.0
        for token, idf in zip(self.tokens, self.idfs, strict=True):
            n = tf.get(token, 0)
            if n:
                out += score(idf, float(n), float(length), self.avgdl)
        return out

    def _share(self, j: int, levels: list[int], length: int) -> tuple[float, bool]:
        """The most phrase ``j`` adds to a row of ``length`` holding its token at one of ``levels``, and
        whether that is a bound with a margin (level 8+) rather than an exact share."""
        token, idf = self.tokens[j], self.idfs[j]
        best, margin = 0.0, False
        for level in levels:
            if level < _LEVELS:
                best = max(best, score(idf, float(level), float(length), self.avgdl))
            else:
                best = max(best, score(idf, float(self.top_tf[token]), float(length), self.avgdl) * (1 + _MARGIN))
                margin = True
        return best, margin

    def _bound(self, words: frozenset[str], length: int, below: int | None) -> tuple[float, bool] | None:
        """The most a row of ``length`` holding exactly ``words`` (each outside its heads) can score, and
        whether a margin is in it; only levels whose tail is at most ``length``, or shorter than ``below``
        when given. ``None`` when such a row cannot exist."""
        levels: dict[str, list[int]] = {}
        for token in words:
            cap = length if below is None else below - 1
            levels[token] = [lv for lv, (n, _row) in self.tails[token].items() if n <= cap]
            if not levels[token]:
                return None
        out, margin = 0.0, False
        for j, token in enumerate(self.tokens):
            if token in words:
                share, extra = self._share(j, levels[token], length)
                out += share
                margin = margin or extra
        return out, margin

    def unbounded(self, kth: tuple[int, float], covered: list[frozenset[str]]) -> frozenset[str] | None:
        """A set of words whose rows left out of every head may rank before ``kth``, smallest first; ``None``
        when there is none (the candidates' top-k is the answer). Sets holding a ``covered`` one are
        candidates already."""
        row_k, score_k = kth
        held = [t for t in dict.fromkeys(self.tokens) if self.tails[t]]
        breaks = sorted({n for t in held for n, _row in self.tails[t].values()})
        for size in range(1, len(held) + 1):
            for combo in itertools.combinations(held, size):
                words = frozenset(combo)
                if any(c <= words for c in covered):
                    continue
                for b in breaks:
                    if not self._after(words, b, row_k, score_k):
                        return words
        return None

    def _after(self, words: frozenset[str], b: int, row_k: int, score_k: float) -> bool:
        """Whether every row of length ``b`` up to the next tail length, holding exactly ``words`` outside
        their heads, ranks after the ``k``-th (``row_k``, ``score_k``)."""
        longer = self._bound(words, b + 1, b + 1)  # lengths past b, with the levels admitted at b
        if longer is not None and not longer[0] < score_k:
            return False
        # length b: the largest share of every word at once bounds each way its levels can be (addition
        # is monotonic), so the ways are tried only when that bound does not already rank after the k-th
        top = self._bound(words, b, None)
        if top is None or top[0] < score_k:
            return True
        # each way the words' levels can be (a level admitted when its tail is at most b)
        ways = [[(t, lv) for lv, (n, _row) in self.tails[t].items() if n <= b] for t in sorted(words)]
        if math.prod(len(w) for w in ways) > _WAYS:
            return False  # too many to try: not bounded (a conjunction, or the caller, decides)
        for way in itertools.product(*ways):
            level = dict(way)
            total, margin = 0.0, False
            for j, token in enumerate(self.tokens):
                if token in level:
                    share, extra = self._share(j, [level[token]], b)
                    total += share
                    margin = margin or extra
            if total < score_k:
                continue
            if margin or total > score_k:
                return False
            # equal to the k-th: such a row is at or after each tail at length b of its words' levels
            firsts = [self.tails[t][lv][1] for t, lv in way if self.tails[t][lv][0] == b]
            if not firsts or max(firsts) <= row_k:
                return False
        return True
