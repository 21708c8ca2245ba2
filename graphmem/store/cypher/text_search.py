"""Full-text search without a full-text index: candidates found by ``CONTAINS``, ranked by BM25 here.

Used where the server's dialect has no full-text index (ArcadeDB's Bolt plugin). ``CONTAINS`` finds
every event holding a word, so document frequencies are exact; lengths are counted in characters.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable

from graphmem.models import Event
from graphmem.store.base import TextHit
from graphmem.store.cypher.schema import EVENT_KEYS, event_from_props, projection
from graphmem.store.cypher.session import CypherSession

__all__ = ["bm25", "search_text_fallback", "stem"]

_WORD = re.compile(r"\w+", re.UNICODE)
_SUFFIXES = ("ing", "ed", "es", "s")

# The candidates (whole events: recall asks for the best of them next) and the namespace's totals (for
# BM25's idf and length norm) in one round trip.
_CANDIDATES = (
    "MATCH (t:Event {namespace: $ns}) WITH count(t) AS total, avg(size(t.text)) AS chars "
    "MATCH (n:Event {namespace: $ns}) WHERE any(w IN $stems WHERE toLower(n.text) CONTAINS w) "
    "RETURN " + projection("n", EVENT_KEYS) + " AS p, total, chars"
)


def stem(word: str) -> str:
    """A light English stemmer for the client-side fallback: strips one common inflection."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def search_text_fallback(
    session: CypherSession, ns: str, words: list[str], limit: int, *, seen: Callable[[Event], None] | None = None
) -> list[TextHit]:
    """BM25 over the events of ``ns`` whose lower-cased text contains a (stemmed) query word; ``seen`` is
    given every candidate event."""
    stems = list(dict.fromkeys(stem(w) for w in words))
    rows = session.read(_CANDIDATES, {"ns": ns, "stems": stems})
    if not rows:
        return []
    docs: dict[str, Counter[str]] = {}
    lengths: dict[str, int] = {}
    for r in rows:
        event = event_from_props(r["p"])
        docs[event.id] = Counter(stem(t) for t in _WORD.findall(event.text.casefold()))
        lengths[event.id] = len(event.text)
        if seen is not None:
            seen(event)
    return bm25(docs, lengths, stems, int(rows[0]["total"]), float(rows[0]["chars"] or 1.0))[:limit]


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
