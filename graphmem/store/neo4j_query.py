"""Queries run inside Neo4j: DSL plans (push-down with :mod:`graphmem.query.cypher`, or the executor),
and the client-side BM25 full-text fallback for servers without a full-text index.

:meth:`Neo4jStore.execute_plan <graphmem.store.neo4j_store.Neo4jStore.execute_plan>` calls
:func:`run_plan`: a plan that compiles runs as one Cypher query, its rows converted back to the values
the embedded executor gives (models for nodes, :class:`~graphmem.query.result.Edge` for edges, tuples for
lists); a plan that does not compile runs in the generic executor over the same store, and the result's
``notes`` say which happened and why.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from graphmem.errors import QueryLimitError
from graphmem.models import EdgeType, NodeKind
from graphmem.store.base import TextHit
from graphmem.store.cypher_schema import (
    KIND_OF_LABEL,
    dt_out,
    entity_from_props,
    event_from_props,
    fact_from_props,
    session_from_props,
)

if TYPE_CHECKING:
    from graphmem.query.limits import QueryLimits
    from graphmem.query.plan import Plan
    from graphmem.query.result import Result
    from graphmem.store.neo4j_store import Neo4jStore

__all__ = ["bm25", "explain_plan", "from_cypher", "run_plan", "search_text_fallback", "stem"]

log = logging.getLogger(__name__)


def from_cypher(value: Any) -> Any:
    """A value returned by a compiled query as the executor would give it."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list):
        return tuple(from_cypher(v) for v in value)
    if isinstance(value, dict):
        if "__labels" in value:
            return _node(value)
        if "__type" in value:
            return _edge(value)
        return {k: from_cypher(v) for k, v in value.items()}
    if hasattr(value, "to_native"):
        return dt_out(value)
    return value


def _node(value: dict[str, Any]) -> Any:
    kind = next((KIND_OF_LABEL[label] for label in value["__labels"] if label in KIND_OF_LABEL), None)
    props = {k: v for k, v in value.items() if v is not None and k != "__labels"}
    if kind is NodeKind.EVENT:
        return event_from_props(props)
    if kind is NodeKind.ENTITY:
        return entity_from_props(props)
    if kind is NodeKind.SESSION:
        return session_from_props(props)
    return props


def _edge(value: dict[str, Any]) -> Any:
    from graphmem.query.result import Edge

    edge = EdgeType(value["__type"])
    props = value["__props"] or {}
    start, end = value["__start"], value["__end"]
    fact = fact_from_props(props, start, end) if edge is EdgeType.FACT else None
    role = props.get("role") if edge in (EdgeType.MENTIONS, EdgeType.SPOKEN_BY) else None
    return Edge(edge, start, end, role, fact)


def _compile(store: Neo4jStore, plan: Plan, namespace: str, about: Any, limits: QueryLimits) -> Any:
    from graphmem.query.cypher import compile_plan

    return compile_plan(
        plan,
        namespace,
        about=about,
        entities=lambda: list(store.iter_entities(namespace)),
        max_rows=limits.max_rows,
    )


def run_plan(
    store: Neo4jStore,
    plan: Plan,
    *,
    namespace: str,
    about: Any = None,
    recall: Any = None,
    limits: QueryLimits,
) -> Result:
    """Run ``plan`` in Neo4j as one Cypher query when it compiles, else with the generic executor."""
    from graphmem.query.cypher import NotPushable
    from graphmem.query.executor import execute
    from graphmem.query.result import Result

    started = time.perf_counter()
    try:
        query = _compile(store, plan, namespace, about, limits)
        params = query.resolve()
    except NotPushable as exc:
        log.debug("plan runs on the client: %s", exc.reason)
        result = execute(plan, store, namespace=namespace, about=about, recall=recall, limits=limits)
        return Result(
            result.columns,
            result.rows,
            plan,
            namespace,
            result.elapsed_ms,
            (*result.notes, f"ran on the client: {exc.reason}"),
        )
    rows = store.run_cypher(query.text, params, timeout=limits.timeout)
    if query.capped and len(rows) > limits.max_rows:
        raise QueryLimitError(
            f"the query returns more than {limits.max_rows} rows; add LIMIT (at most {limits.max_rows}) or narrow it"
        )
    values = tuple(tuple(from_cypher(v) for v in row) for row in rows)
    elapsed = (time.perf_counter() - started) * 1000
    return Result(plan.columns, values, plan, namespace, elapsed, ("pushed down to Cypher",))


def explain_plan(store: Neo4jStore, plan: Plan, namespace: str, *, limits: QueryLimits) -> str:
    """The plan and the Cypher it compiles to (or why it runs on the client)."""
    from graphmem.query.cypher import NotPushable

    try:
        query = _compile(store, plan, namespace, None, limits)
    except NotPushable as exc:
        return f"{plan}\n\nruns on the client (not pushed down to Cypher): {exc.reason}"
    return f"{plan}\n\npushed down to Cypher:\n{query}"


# -- full-text search without a full-text index ------------------------------------------------------------

_WORD = re.compile(r"\w+", re.UNICODE)
_SUFFIXES = ("ing", "ed", "es", "s")


def stem(word: str) -> str:
    """A light English stemmer for the client-side fallback: strips one common inflection."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def search_text_fallback(read: Callable[..., list[Any]], ns: str, words: list[str], limit: int) -> list[TextHit]:
    """BM25 over the events of ``ns`` whose lower-cased text contains a (stemmed) query word.

    Used where the server has no full-text index (ArcadeDB's Bolt plugin). ``CONTAINS`` finds every
    event holding a word, so document frequencies are exact; lengths are counted in characters.
    """
    stems = list(dict.fromkeys(stem(w) for w in words))
    rows = read(
        "MATCH (n:Event {namespace: $ns}) WHERE any(w IN $stems WHERE toLower(n.text) CONTAINS w) "
        "RETURN n.id AS id, n.text AS text",
        ns=ns,
        stems=stems,
    )
    if not rows:
        return []
    totals = read("MATCH (n:Event {namespace: $ns}) RETURN count(n) AS n, avg(size(n.text)) AS chars", ns=ns)[0]
    docs = {r["id"]: Counter(stem(t) for t in _WORD.findall((r["text"] or "").casefold())) for r in rows}
    lengths = {r["id"]: len(r["text"] or "") for r in rows}
    return bm25(docs, lengths, stems, int(totals["n"]), float(totals["chars"] or 1.0))[:limit]


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
