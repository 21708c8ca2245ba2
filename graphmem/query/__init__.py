"""The graphmem query language: parse → plan → execute.

``Memory.query`` and ``Memory.explain`` call :func:`run_query` and :func:`explain_query`; the stages are
usable on their own (:func:`parse`, :func:`plan_query`, :func:`execute`, :func:`unparse`). The language
is described in ``docs/dsl.md``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from graphmem.query.ast import Query
from graphmem.query.executor import NAMESPACE_HINT, AboutFn, RecallFn, execute, resolve_namespace
from graphmem.query.limits import DEFAULT_LIMITS, PlanLimitError, QueryLimits
from graphmem.query.parser import parse
from graphmem.query.plan import AboutSeek, MatchNode, Plan
from graphmem.query.planner import plan_query
from graphmem.query.pushdown import explain_plan, run_plan
from graphmem.query.resolve import DEFAULT_SCHEMA, Schema
from graphmem.query.result import Edge, Result
from graphmem.query.unparse import unparse
from graphmem.store.base import RunsCypher

if TYPE_CHECKING:
    from graphmem.recall.core import EmbedFn
    from graphmem.store.base import GraphStore
    from graphmem.vector_index import VectorIndex

__all__ = [
    "DEFAULT_LIMITS",
    "AboutFn",
    "Edge",
    "Plan",
    "PlanLimitError",
    "Query",
    "QueryLimits",
    "RecallFn",
    "Result",
    "Schema",
    "about_from_index",
    "execute",
    "explain_query",
    "parse",
    "plan_query",
    "run_query",
    "schema_for",
    "unparse",
]


def about_from_index(store: GraphStore, vectors: Callable[[], VectorIndex], embed: EmbedFn) -> AboutFn:
    """The ``ABOUT`` seed source: nearest vectors of ``store``'s index, limited to events.

    Args:
        store: the store the events are read from.
        vectors: returns the vector index (called on first use, so a memory can open it lazily).
        embed: embeds the ``ABOUT`` text.
    """

    def about(namespace: str, text: str, k: int) -> Sequence[tuple[str, float]]:
        vector = embed([text])[0]
        hits = vectors().search(namespace, vector, k=2 * k + 8)
        events = {e.id for e in store.get_events(namespace, [h.node_id for h in hits])}
        return [(h.node_id, float(h.score)) for h in hits if h.node_id in events][:k]

    return about


def _labels(query: Query) -> set[str]:
    from graphmem.query import ast

    st = query.statement
    nodes: list[ast.NodePattern] = []
    if isinstance(st, ast.Find):
        for pattern in st.patterns:
            nodes.extend(pattern.nodes)
    elif isinstance(st, ast.Timeline):
        nodes.append(st.node)
    return {label for node in nodes for label in node.labels}


def schema_for(store: GraphStore, query: Query, params: Mapping[str, Any]) -> Schema:
    """The default schema, plus the entity types the store holds when the query names other labels."""
    unknown = {label for label in _labels(query) if DEFAULT_SCHEMA.label(label) is None}
    if not unknown:
        return DEFAULT_SCHEMA
    namespaces = store.namespaces()
    wanted = query.statement.namespace
    from graphmem.query import ast

    if isinstance(wanted, ast.Literal) and wanted.value in namespaces:
        namespaces = [str(wanted.value)]
    elif isinstance(params.get("namespace"), str) and params["namespace"] in namespaces:
        namespaces = [params["namespace"]]
    types = {e.type for ns in namespaces for e in store.iter_entities(ns)}
    return DEFAULT_SCHEMA.with_types(types)


def explain_query(
    store: GraphStore,
    text: str,
    params: Mapping[str, Any] | None = None,
    *,
    limits: QueryLimits = DEFAULT_LIMITS,
    zone: tzinfo | None = None,
) -> Plan:
    """Parse and plan ``text`` without running it (``store`` supplies the entity types it holds; dates
    without an offset are read on ``zone``'s clock, UTC when ``None``).

    Raises:
        QuerySyntaxError: the text does not parse.
        QuerySemanticError: a name, value or parameter is not valid.
    """
    values = dict(params or {})
    query = parse(text)
    return plan_query(query, values, schema=schema_for(store, query, values), limits=limits, zone=zone)


def run_query(
    store: GraphStore,
    text: str,
    params: Mapping[str, Any] | None = None,
    *,
    about: AboutFn | None = None,
    recall: RecallFn | None = None,
    limits: QueryLimits = DEFAULT_LIMITS,
    namespace_hint: str = NAMESPACE_HINT,
    zone: tzinfo | None = None,
) -> Result:
    """Parse, plan and run ``text`` against ``store``; ``EXPLAIN`` queries return the plan as rows.

    Args:
        store: the store to query.
        text: the query.
        params: values for ``$name`` parameters (``namespace`` also sets the default namespace).
        about: the ``ABOUT`` seed source (see :func:`about_from_index`); needed only by plans that use it.
        recall: runs ``RECALL`` (``Memory.recall_request``); needed only by ``RECALL`` queries.
        limits: hop, row, work and time limits.
        namespace_hint: how the caller names a namespace, quoted in the error when the query names
            none and the store holds several.
        zone: the clock dates without an offset are read on (``Memory.open(zone=...)``); ``None``: UTC.

    Raises:
        QuerySyntaxError: the text does not parse.
        QuerySemanticError: a name, value, parameter or namespace is not valid.
        QueryLimitError: the query went past a limit.
    """
    started = time.perf_counter()
    plan = explain_query(store, text, params, limits=limits, zone=zone)
    if plan.explain:
        # A store that runs Cypher shows the plan, the Cypher it compiles to and its parameters.
        text_plan = str(plan)
        if isinstance(store, RunsCypher):
            namespace = resolve_namespace(plan, store, hint=namespace_hint)
            text_plan = explain_plan(store, plan, namespace, about=about, limits=limits)
        lines = tuple((line,) for line in text_plan.splitlines())
        return Result(("plan",), lines, plan, None, (time.perf_counter() - started) * 1000)
    namespace = resolve_namespace(plan, store, hint=namespace_hint)
    uses_about = any(isinstance(s, AboutSeek | MatchNode) for s in plan.steps)
    about = about if uses_about else None
    # Chosen by capability: a store that runs Cypher gets the plan pushed down where it compiles.
    if isinstance(store, RunsCypher):
        result = run_plan(store, plan, namespace=namespace, about=about, recall=recall, limits=limits)
    else:
        result = execute(plan, store, namespace=namespace, about=about, recall=recall, limits=limits)
    elapsed = (time.perf_counter() - started) * 1000
    return Result(result.columns, result.rows, plan, namespace, elapsed, result.notes)
