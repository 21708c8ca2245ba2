"""The searches of the Cypher store (:class:`~graphmem.store.cypher.store.CypherStore`) and the embedding
reads they rest on: full-text search over event text (the server's index, else BM25 on the client or on
the namespace's client copy), nearest events by the server's vector index, and which embeddings a
namespace holds (for recall's local vector index where the server has none).

:class:`CypherSearches` holds them; the store adds connecting, the other reads, writing and deleting.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from graphmem.store.cypher.dialect import CypherDialect
from graphmem.store.cypher.schema import CJK_FULLTEXT_INDEX, FULLTEXT_INDEX, VECTOR_INDEX, event_from_props
from graphmem.store.cypher.scope import SeenEvents
from graphmem.store.cypher.session import SessionReads
from graphmem.store.cypher.text_search import search_text_fallback
from graphmem.store.results import TextHit
from graphmem.store.segment import has_segments, is_thai, query_words

if TYPE_CHECKING:
    from graphmem.store.cypher.copy import NamespaceCopy

__all__ = ["CypherSearches"]

#: A lone character the English analyzer indexes alone (Lucene's StandardTokenizer splits Han and Hiragana
#: into single characters but keeps runs of Katakana or Hangul whole, so a lone letter of those is not found).
_LONE_ALONE = re.compile(
    "[\u3005-\u3007\u3041-\u3096\u309d-\u309f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"
)


class CypherSearches(SessionReads):
    """The search methods of :class:`~graphmem.store.cypher.store.CypherStore`, which sets these attributes."""

    dialect: CypherDialect
    fulltext: bool
    cjk_fulltext: bool
    vector_index: bool
    _seen: SeenEvents

    if TYPE_CHECKING:

        def _copy(self, ns: str) -> NamespaceCopy | None:
            """The store's client copy of ``ns`` for this scope, if it may answer."""

    def iter_embeddings(self, namespace: str) -> Iterator[tuple[str, list[float], str]]:
        """``(node_id, vector, model)`` for every stored embedding of the namespace, by node id."""
        ns = self._checked(namespace)
        rows = self._read(
            "MATCH (n:Session|Event|Entity) WHERE n.namespace = $ns AND n.embedding IS NOT NULL "
            "RETURN n.id AS id, n.embedding AS v, n.embedding_model AS model",
            ns=ns,
        )
        for r in sorted(rows, key=lambda r: r["id"]):
            yield r["id"], [float(x) for x in r["v"]], r["model"] or ""

    def embedding_origins(self, namespace: str) -> dict[tuple[str, str], int]:
        """How many event embeddings of the namespace each ``(model, scheme)`` made (``""``: unknown scheme)."""
        ns = self._checked(namespace)
        rows = self._read(
            "MATCH (n:Event) WHERE n.namespace = $ns AND n.embedding IS NOT NULL "
            "RETURN n.embedding_model AS model, n.embedding_scheme AS scheme, count(*) AS n",
            ns=ns,
        )
        out: dict[tuple[str, str], int] = {}
        for r in rows:
            key = (r["model"] or "", r["scheme"] or "")
            out[key] = out.get(key, 0) + int(r["n"])
        return out

    def embedding_dimensions(self, namespace: str) -> dict[tuple[str, str, int], int]:
        """How many event embeddings of the namespace each ``(model, scheme, dimension)`` has."""
        ns = self._checked(namespace)
        rows = self._read(
            "MATCH (n:Event) WHERE n.namespace = $ns AND n.embedding IS NOT NULL "
            "RETURN n.embedding_model AS model, n.embedding_scheme AS scheme, size(n.embedding) AS dim, count(*) AS n",
            ns=ns,
        )
        out: dict[tuple[str, str, int], int] = {}
        for r in rows:
            key = (r["model"] or "", r["scheme"] or "", int(r["dim"]))
            out[key] = out.get(key, 0) + int(r["n"])
        return out

    def event_embedding_origins(
        self, namespace: str, *, after: str = "", limit: int = 1000
    ) -> list[tuple[str, str, str]]:
        """``(event_id, model, scheme)`` of the first ``limit`` embedded events with ids after ``after``, by id."""
        ns = self._checked(namespace)
        rows = self._read(
            "MATCH (n:Event) WHERE n.namespace = $ns AND n.id > $after AND n.embedding IS NOT NULL "
            "RETURN n.id AS id, n.embedding_model AS model, n.embedding_scheme AS scheme ORDER BY n.id LIMIT $limit",
            ns=ns,
            after=after,
            limit=int(limit),
        )
        return [(r["id"], r["model"] or "", r["scheme"] or "") for r in rows]

    def search_text(self, namespace: str, query: str, *, limit: int = 20) -> list[TextHit]:
        """Full-text search over event text, best first; the query is tokenised, never parsed.

        With the full-text index (Neo4j) the index scores the words (Lucene BM25, English analyzer), and the
        bigrams of unspaced scripts (:func:`~graphmem.store.segment.query_words`) are asked of the CJK index
        (their scores added to the other words'). Without a full-text index (ArcadeDB) events containing a word
        are scored with BM25 on the client, as they are for a query the server's indexes cannot answer: one
        with Thai (neither analyzer segments it), or with bigrams where the database lacks the CJK index (a
        read-only open of a database made before it).
        """
        ns = self._checked(namespace)
        words = query_words(query)
        if not words or limit <= 0:
            return []
        if self.fulltext and self.dialect.fulltext_search is not None and self._indexes_answer(words):
            return self._search_indexes(ns, words, limit)
        copy = self._copy(ns)
        if copy is not None:
            return copy.search_text(words, limit)
        return search_text_fallback(self._session, ns, words, limit, seen=self._seen.add)

    def _indexes_answer(self, words: list[str]) -> bool:
        """Whether the server's full-text indexes find every word of ``words`` where the text holds it."""
        segmented = [w for w in words if has_segments(w)]
        if any(len(w) == 1 and not _LONE_ALONE.match(w) for w in segmented):
            return False  # a lone Hangul or Katakana letter: the English analyzer keeps their runs whole
        return not any(is_thai(w) for w in segmented) and (self.cjk_fulltext or not segmented)

    def _search_indexes(self, ns: str, words: list[str], limit: int) -> list[TextHit]:
        """The server's full-text indexes rank ``words``: bigrams of unspaced scripts the CJK index (Lucene's
        CJK analyzer indexes the same bigrams), the other words, and a lone character of such a script
        (the English analyzer indexes each Han and Hiragana character alone), the English index."""
        pairs = [w for w in words if len(w) == 2 and has_segments(w)]
        rest = [w for w in words if w not in pairs]
        asks = [(CJK_FULLTEXT_INDEX, pairs)] if pairs else []
        asks += [(FULLTEXT_INDEX, rest)] if rest else []
        found: dict[str, float] = {}
        ranked: list[TextHit] = []
        for index, part in asks:
            lucene = " OR ".join(f'"{w}"' for w in part)  # \w+ words hold no Lucene syntax
            rows = self._read(self.dialect.fulltext_search or "", index=index, query=lucene, ns=ns, limit=limit)
            for r in rows:
                self._seen.add(event_from_props(r["p"]))
                found[r["id"]] = found.get(r["id"], 0.0) + float(r["score"])
            ranked += [TextHit(r["id"], float(r["score"])) for r in rows]
        if len(asks) == 1:
            return ranked  # the index's own order
        # each index's best, their scores added: a row below one index's first ``limit`` adds nothing from it
        return sorted((TextHit(i, s) for i, s in found.items()), key=lambda h: (-h.score, h.event_id))[:limit]

    def search_vectors(self, namespace: str, vector: Sequence[float], k: int) -> list[tuple[str, float]] | None:
        """The ``k`` events nearest to ``vector`` by the server's vector index, as ``(event id, cosine)``,
        best first; ``None`` where there is no such index for vectors this wide (the
        :class:`~graphmem.store.base.SearchesVectors` capability).

        The index spans every namespace, so it is asked for more than ``k`` (four times as many each time)
        until ``k`` of this namespace's events are found or the index has no more.
        """
        ns = self._checked(namespace)
        query = self.dialect.vector_search
        if not self.vector_index or query is None or len(vector) != self.dialect.vector_dimensions:
            return None
        if k <= 0:
            return []
        values = [float(x) for x in vector]
        ask = k
        while True:
            rows = self._read(query, index=VECTOR_INDEX, k=ask, vector=values, ns=ns)
            hits = [(r["id"], 2.0 * float(r["score"]) - 1.0) for r in rows if r["ns"] == ns]
            for r in rows:
                if r["ns"] == ns and r["p"] is not None:
                    self._seen.add(event_from_props(r["p"]))
            if len(hits) >= k or len(rows) < ask:
                hits.sort(key=lambda hit: (-hit[1], hit[0]))
                return hits[:k]
            ask *= 4
