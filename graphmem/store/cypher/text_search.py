"""Full-text search without a full-text index: candidates found by ``CONTAINS``, ranked by BM25 here.

Used where the server's dialect has no full-text index (ArcadeDB's Bolt plugin). Words are the tokens of
SQLite FTS5's ``porter unicode61`` tokenizer, the embedded store's full-text index (:func:`text_tokens`:
FTS5 itself tokenises, on a private in-memory connection per thread, so the tokens are that index's), so a
word finds the forms the embedded store finds it by (``run`` finds ``running``, ``berry`` finds ``berries``).

A Porter stem need not be in the text (``happy`` → ``happi``), so the server is asked for the events whose
lower-cased text contains one of each query token's *keys* (:func:`query_terms`):

- a token ending in ``i`` (``toy`` → ``toi``, ``his`` → ``hi``, ``happy`` → ``happi``): the token, and the
  token with ``y`` for that ``i`` (``toi`` and ``toy``; ``happi`` and ``happy``: Porter's ``y`` → ``i``),
  never a cut one (``to`` is in most texts);
- any other token: the longest common prefix of the word (as unicode61 folds it: lower case, diacritics
  removed) and the token, without the token's last letter when another form may lack it (an ``e``:
  ``bake``, ``baking``; the ``l`` of ``bl``, Porter's ``ble`` for ``bility``: ``visibl``, ``visibility``) and
  the token is longer than three letters;
- and, for a word spelled with letters outside ASCII (``über``, ``résumé``), each key again with the word's
  own letters where they fold to the key's (``übe`` beside ``ube``, ``résum`` beside ``resum``; as spelled and
  in both Unicode normal forms, NFC and NFD), since unicode61 removes diacritics and the server's ``toLower``
  does not.

``benchmarks/text_keys.py`` checks this over the alphabetic words of spaCy's English vocabulary (48,977 in
lower case, 33,478 tokens; 48,963 of them ASCII, 33,473 tokens) and the 4,073 words of the LoCoMo dev file:
every ASCII word, and every LoCoMo word, holds a key of every word stemmed alike, so the candidates are the
events holding a query token and document frequencies are exact. What no ``CONTAINS`` key reaches is left
unfound (the 25 misses of the vocabulary are all of this kind): a word spelled without the diacritics of
the text's form (``naive`` does not find ``naïve``, ``a`` not ``ä``; the embedded store finds them, its
index folds the text), or with other ones (``ü``, ``û``). (A word whose lower case is not its casefold,
``Straße`` asked as ``strasse``, is missed by the embedded store too: unicode61 keeps ``ß``.) A token of
one or two letters (``u``, ``c``, and the tokens of ``are``, ``its``, ``going``: ``ar``, ``it``, ``go``) is its
own key and is in most texts: the server returns most of the namespace for it, which BM25 then drops (recall
asks without stop words). A key ending in ``σ`` is asked with ``ς`` too: casefolding makes a final sigma
``σ``, where the text keeps ``ς``. Porter works on bytes and can cut a letter of several bytes; such a token
reads back with U+FFFD, alike in the query and the texts.

Runs of unspaced scripts (Chinese, Japanese, Korean, Thai) are tokenised as the embedded index holds them,
their characters and bigrams (:mod:`graphmem.store.segment`); a query asks a run's bigrams, each its own key
(the text holds it as written), but a Thai bigram, whose letters the text may part with a vowel or tone mark
(dropped from the tokens), is asked by its first letter.

Events are then ranked with Okapi BM25 over those tokens (:func:`bm25`), as before with lengths in
characters and Lucene's idf, not with FTS5's lengths in tokens and idf floored at zero (the server cannot
count tokens), so equally found lists can still be ordered otherwise than by the embedded store
(docs/recall.md, "Recall over Bolt on LoCoMo").
"""

from __future__ import annotations

import math
import sqlite3
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable

from graphmem.errors import StoreError
from graphmem.models import Event
from graphmem.store import sqlite_terms
from graphmem.store.cypher.schema import EVENT_KEYS, event_from_props, projection
from graphmem.store.cypher.session import CypherSession
from graphmem.store.results import TextHit
from graphmem.store.segment import index_text, is_thai

__all__ = ["bm25", "query_terms", "search_text_fallback", "text_tokens"]

# The candidates (whole events: recall asks for the best of them next) and the namespace's totals (for
# BM25's idf and length norm) in one round trip.
_CANDIDATES = (
    "MATCH (t:Event {namespace: $ns}) WITH count(t) AS total, avg(size(t.text)) AS chars "
    "MATCH (n:Event {namespace: $ns}) WHERE any(w IN $stems WHERE toLower(n.text) CONTAINS w) "
    "RETURN " + projection("n", EVENT_KEYS) + " AS p, total, chars"
)


class _Tokenizer:
    """FTS5's ``porter unicode61`` tokenizer on a private in-memory SQLite connection per thread, opened on
    first use there (threads tokenise at once; a connection is not shared, so none waits on another)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def __call__(self, texts: Iterable[str], place: str) -> dict[str, tuple[str, ...]]:
        unique = list(dict.fromkeys(texts))
        if not unique:
            return {}
        try:
            conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
            if conn is None:
                conn = self._local.conn = sqlite3.connect(":memory:", isolation_level=None)
                # Porter works on bytes and can cut a multi-byte letter ("a倀ing"): such a token reads back
                # with U+FFFD, alike for the query and the texts, instead of failing every search
                conn.text_factory = lambda b: b.decode("utf-8", "replace")
            try:
                return _in_one_transaction(conn, unique)
            except UnicodeEncodeError:  # a lone surrogate (no UTF-8 for SQLite): tokenised as a separator
                clean = [t.encode("utf-8", "replace").decode("utf-8") for t in unique]
                tokens = _in_one_transaction(conn, clean)
                return {t: tokens[c] for t, c in zip(unique, clean, strict=True)}
        except sqlite3.Error as exc:
            raise StoreError(f"{place}: SQLite FTS5 cannot tokenise text on the client: {exc}") from exc


def _in_one_transaction(conn: sqlite3.Connection, texts: list[str]) -> dict[str, tuple[str, ...]]:
    """:func:`sqlite_terms.tokens_of` in one transaction, ended before returning (a transaction per
    statement took 0.14 ms a six-word query here, against 0.08 ms)."""
    conn.execute("BEGIN")
    try:
        tokens = sqlite_terms.tokens_of(conn, texts)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return tokens


_tokenizer = _Tokenizer()
_PLACE = "full-text search on the client"
#: Endings of a token whose last letter another form of its word may lack (``bake``: ``baking``; ``visibl``,
#: Porter's ``ble`` for ``bility``: ``visibility``); ``i`` (``y`` in other forms) has keys of its own.
_REWRITTEN = ("e", "bl")


def text_tokens(texts: Iterable[str], *, place: str = _PLACE) -> dict[str, tuple[str, ...]]:
    """Each text's tokens as the embedded store's full-text index makes them (FTS5 ``porter unicode61`` over
    :func:`~graphmem.store.segment.index_text`: a run of an unspaced script as its characters and bigrams),
    in order, by text. A lone surrogate (text no UTF-8 encodes) separates tokens.

    Args:
        texts: the texts (each tokenised once).
        place: what is being done, named by the error (``"loading the copy of namespace 'x'"``).

    Raises:
        StoreError: this Python's SQLite cannot tokenise (no FTS5).
    """
    unique = list(dict.fromkeys(texts))
    tokens = _tokenizer((index_text(t) for t in unique), place)
    return {t: tokens[index_text(t)] for t in unique}


def _common_prefix(a: str, b: str) -> str:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return a[:n]


def _folds(words: Iterable[str], place: str) -> dict[str, str]:
    """Each letter outside ASCII of ``words`` as unicode61 folds it (lower case, diacritics removed; a
    combining mark to ``""``), by FTS5 itself: Porter leaves a one-letter token as it is."""
    letters = {c for w in words for c in w if not c.isascii()}
    return {c: "".join(t) for c, t in _tokenizer(letters, place).items()}


def _respelled(surface: str, key: str, folds: dict[str, str]) -> str:
    """``key`` with the letters of ``surface`` where they fold to the key's (``ube`` in ``über`` → ``übe``)."""
    out: list[str] = []
    at = 0
    for c in surface:
        f = folds.get(c, c)
        if key[at : at + len(f)] != f:
            break
        out.append(c)
        at += len(f)
    return "".join(out) + key[at:]


def _keys(surface: str, token: str, folds: dict[str, str]) -> list[str]:
    """The keys of one token (see the module docstring); ``surface`` is its part of the casefolded word."""
    if len(token) > 1 and token.endswith("i"):
        keys = [token, token[:-1] + "y"]
    else:
        key = _common_prefix("".join(folds.get(c, c) for c in surface), token)
        if len(token) > 3 and token.endswith(_REWRITTEN):
            key = key[: len(token) - 1]
        keys = [key or token]
    if not surface.isascii():
        spelled = [_respelled(surface, k, folds) for k in keys]
        keys += [v for k in spelled for v in (k, unicodedata.normalize("NFC", k), unicodedata.normalize("NFD", k))]
        # casefold makes a word's final sigma σ, where the text (and the server's toLower) keeps ς
        keys += [k[:-1] + "ς" for k in keys if k.endswith("σ")]
    return keys


def query_terms(words: list[str], *, place: str = _PLACE) -> tuple[list[str], list[str]]:
    """The tokens of the query's ``words`` (casefolded; a run of an unspaced script already in bigrams, as
    :func:`~graphmem.store.segment.query_words` gives them) and the keys their candidates contain, each once.

    Keys are computed as the module docstring says; a word that FTS5 splits into several tokens
    (``foo_bar``) is paired with its parts. A piece of Thai (its vowel and tone marks dropped, which the
    text holds between its letters) has its first letter as its key.

    Raises:
        StoreError: this Python's SQLite cannot tokenise (no FTS5); ``place`` names what was being done.
    """
    tokens = _tokenizer(words, place)
    folds = _folds(words, place)
    terms: list[str] = []
    keys: list[str] = []
    for word in words:
        found = tokens.get(word, ())
        parts = [p for p in word.split("_") if p]
        surfaces = parts if len(parts) == len(found) else list(found)
        for surface, token in zip(surfaces, found, strict=True):
            terms.append(token)
            keys += [token[0]] if is_thai(token) else _keys(surface, token, folds)
    return list(dict.fromkeys(terms)), list(dict.fromkeys(keys))


def search_text_fallback(
    session: CypherSession, ns: str, words: list[str], limit: int, *, seen: Callable[[Event], None] | None = None
) -> list[TextHit]:
    """BM25 over the events of ``ns`` whose lower-cased text contains a query token's key (:func:`query_terms`);
    ``seen`` is given every candidate event.

    Raises:
        StoreError: this Python's SQLite cannot tokenise (no FTS5).
    """
    place = f"full-text search of namespace {ns!r} on the client"
    terms, keys = query_terms(words, place=place)
    if not terms:
        return []
    rows = session.read(_CANDIDATES, {"ns": ns, "stems": keys})  # $stems: the keys (its name is older than them)
    if not rows:
        return []
    events = [event_from_props(r["p"]) for r in rows]
    tokens = text_tokens((e.text for e in events), place=place)
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
