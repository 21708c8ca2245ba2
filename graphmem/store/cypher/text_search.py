"""Full-text search without a full-text index: candidates found by ``CONTAINS``, ranked by BM25 here.

Used where the server's dialect has no full-text index (ArcadeDB's Bolt plugin). Words are the tokens of
SQLite FTS5's ``porter unicode61`` tokenizer, the embedded store's full-text index (:func:`text_tokens`:
FTS5 itself tokenises, on a private in-memory connection, so the tokens are that index's), so a word finds
the forms the embedded store finds it by (``run`` finds ``running``, ``berry`` finds ``berries``).

A Porter stem need not be in the text (``happy`` → ``happi``), so the server is asked for the events whose
lower-cased text contains each query token's *key* (:func:`query_terms`): the longest common prefix of the
word and its stem, without the stem's last letter (the one Porter rewrites: ``y`` → ``i``, an ``e`` added)
when the stem is longer than three letters or ends in ``i``. Of the words of spaCy's English vocabulary
(48,963 alphabetic words, 33,473 stems) and of the LoCoMo dev file (3,723), every one holds the key of every
word stemmed alike, so the candidates are the events holding a query token and document frequencies are
exact; a word that did not would be missed, as by any ``CONTAINS`` search.

Events are then ranked with Okapi BM25 over those tokens (:func:`bm25`), as before with lengths in
characters and Lucene's idf, not with FTS5's lengths in tokens and idf floored at zero (the server cannot
count tokens), so equally found lists can still be ordered otherwise than by the embedded store
(docs/recall.md, "Recall over Bolt on LoCoMo").
"""

from __future__ import annotations

import math
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterable

from graphmem.errors import StoreError
from graphmem.models import Event
from graphmem.store import sqlite_terms
from graphmem.store.base import TextHit
from graphmem.store.cypher.schema import EVENT_KEYS, event_from_props, projection
from graphmem.store.cypher.session import CypherSession

__all__ = ["bm25", "query_terms", "search_text_fallback", "text_tokens"]

# The candidates (whole events: recall asks for the best of them next) and the namespace's totals (for
# BM25's idf and length norm) in one round trip.
_CANDIDATES = (
    "MATCH (t:Event {namespace: $ns}) WITH count(t) AS total, avg(size(t.text)) AS chars "
    "MATCH (n:Event {namespace: $ns}) WHERE any(w IN $stems WHERE toLower(n.text) CONTAINS w) "
    "RETURN " + projection("n", EVENT_KEYS) + " AS p, total, chars"
)


class _Tokenizer:
    """FTS5's ``porter unicode61`` tokenizer on a private in-memory SQLite connection, opened on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def __call__(self, texts: Iterable[str]) -> dict[str, tuple[str, ...]]:
        unique = list(dict.fromkeys(texts))
        if not unique:
            return {}
        with self._lock:
            try:
                if self._conn is None:
                    self._conn = sqlite3.connect(":memory:", check_same_thread=False)
                return sqlite_terms.tokens_of(self._conn, unique)
            except sqlite3.Error as exc:
                raise StoreError(f"full-text search on the client: SQLite FTS5 cannot tokenise text: {exc}") from exc


_tokenizer = _Tokenizer()


def text_tokens(texts: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Each text's tokens as the embedded store's full-text index makes them (FTS5 ``porter unicode61``),
    in order, by text.

    Raises:
        StoreError: this Python's SQLite cannot tokenise (no FTS5).
    """
    return _tokenizer(texts)


def _common_prefix(a: str, b: str) -> str:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return a[:n]


def query_terms(words: list[str]) -> tuple[list[str], list[str]]:
    """The tokens of the query's ``words`` (casefolded) and the keys their candidates contain, each once.

    A token's key is the longest common prefix of its word and the token, at most the token less its last
    letter when the token is longer than three letters or ends in ``i`` (see the module docstring); a word
    that FTS5 splits into several tokens (``foo_bar``) is paired with its parts.
    """
    tokens = text_tokens(words)
    terms: list[str] = []
    keys: list[str] = []
    for word in words:
        found = tokens.get(word, ())
        parts = [p for p in word.split("_") if p]
        surfaces = parts if len(parts) == len(found) else list(found)
        for surface, token in zip(surfaces, found, strict=True):
            key = _common_prefix(surface, token)
            if len(token) > 3 or token.endswith("i"):
                key = key[: max(len(token) - 1, 1)]
            terms.append(token)
            keys.append(key or token)
    return list(dict.fromkeys(terms)), list(dict.fromkeys(keys))


def search_text_fallback(
    session: CypherSession, ns: str, words: list[str], limit: int, *, seen: Callable[[Event], None] | None = None
) -> list[TextHit]:
    """BM25 over the events of ``ns`` whose lower-cased text contains a query token's key (:func:`query_terms`);
    ``seen`` is given every candidate event.

    Raises:
        StoreError: this Python's SQLite cannot tokenise (no FTS5).
    """
    terms, keys = query_terms(words)
    if not terms:
        return []
    rows = session.read(_CANDIDATES, {"ns": ns, "stems": keys})  # $stems: the keys (its name is older than them)
    if not rows:
        return []
    events = [event_from_props(r["p"]) for r in rows]
    tokens = text_tokens(e.text for e in events)
    docs: dict[str, Counter[str]] = {}
    lengths: dict[str, int] = {}
    for event in events:
        docs[event.id] = Counter(tokens[event.text])
        lengths[event.id] = len(event.text)
        if seen is not None:
            seen(event)
    return bm25(docs, lengths, terms, int(rows[0]["total"]), float(rows[0]["chars"] or 1.0))[:limit]


def bm25(
    docs: dict[str, Counter[str]], lengths: dict[str, int], terms: list[str], n_docs: int, avg_len: float
) -> list[TextHit]:
    """Okapi BM25 (k1 = 1.2, b = 0.75) of candidate documents, best first (ties by id).

    ``docs`` holds every document containing any term, so document frequencies are exact.
    """
    k1, b = 1.2, 0.75
    df = {t: sum(1 for counts in docs.values() if counts[t]) for t in terms}
    scores: list[TextHit] = []
    for doc_id, counts in docs.items():
        norm = k1 * (1 - b + b * lengths[doc_id] / max(avg_len, 1.0))
        score = 0.0
        for t in terms:
            tf = counts[t]
            if tf:
                idf = math.log(1 + (n_docs - df[t] + 0.5) / (df[t] + 0.5))
                score += idf * tf * (k1 + 1) / (tf + norm)
        if score > 0:
            scores.append(TextHit(doc_id, score))
    scores.sort(key=lambda h: (-h.score, h.event_id))
    return scores
