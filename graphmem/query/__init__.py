"""The graphmem query language: parse → plan → execute.

``Memory.query`` and ``Memory.explain`` call :func:`run_query` and :func:`explain_query`; the stages are
usable on their own (:func:`parse`, :func:`plan_query`, :func:`execute`, :func:`unparse`). The language
is described in ``docs/dsl.md``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from graphmem.query.ast import Query
from graphmem.query.executor import NAMESPACE_HINT, AboutFn, execute, resolve_namespace
from graphmem.query.limits import DEFAULT_LIMITS, PlanLimitError, QueryLimits
from graphmem.query.parser import parse
from graphmem.query.plan import Plan
from graphmem.query.planner import plan_query
from graphmem.query.resolve import DEFAULT_SCHEMA, Schema
from graphmem.query.result import Edge, Result
from graphmem.query.unparse import unparse

if TYPE_CHECKING:
    from graphmem.memory import Memory

__all__ = [
    "DEFAULT_LIMITS",
    "AboutFn",
    "Edge",
    "Plan",
    "PlanLimitError",
    "Query",
    "QueryLimits",
    "Result",
    "Schema",
    "about_from_memory",
    "execute",
    "explain_query",
    "parse",
    "plan_query",
    "run_query",
    "schema_for",
    "unparse",
]


def about_from_memory(memory: Memory) -> AboutFn:
    """The ``ABOUT`` seed source of a memory: its embedder and vector index, limited to events."""

    def about(namespace: str, text: str, k: int) -> Sequence[tuple[str, float]]:
        vector = memory.embedder.embed([text])[0]
        hits = memory.vectors.search(namespace, vector, k=2 * k + 8)
        events = {e.id for e in memory.store.get_events(namespace, [h.node_id for h in hits])}
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


def schema_for(memory: Memory, query: Query, params: Mapping[str, Any]) -> Schema:
    """The default schema, plus the entity types the store holds when the query names other labels."""
    unknown = {label for label in _labels(query) if DEFAULT_SCHEMA.label(label) is None}
    if not unknown:
        return DEFAULT_SCHEMA
    store = memory.store
    namespaces = store.namespaces()
    wanted = getattr(query.statement, "namespace", None)
    from graphmem.query import ast

    if isinstance(wanted, ast.Literal) and wanted.value in namespaces:
        namespaces = [str(wanted.value)]
    elif isinstance(params.get("namespace"), str) and params["namespace"] in namespaces:
        namespaces = [params["namespace"]]
    types = {e.type for ns in namespaces for e in store.iter_entities(ns)}
    return DEFAULT_SCHEMA.with_types(types)


def explain_query(
    memory: Memory, text: str, params: Mapping[str, Any] | None = None, *, limits: QueryLimits = DEFAULT_LIMITS
) -> Plan:
    """Parse and plan ``text`` without running it.

    Raises:
        QuerySyntaxError: the text does not parse.
        QuerySemanticError: a name, value or parameter is not valid.
    """
    values = dict(params or {})
    query = parse(text)
    return plan_query(query, values, schema=schema_for(memory, query, values), limits=limits)


def run_query(
    memory: Memory,
    text: str,
    params: Mapping[str, Any] | None = None,
    *,
    limits: QueryLimits = DEFAULT_LIMITS,
    namespace_hint: str = NAMESPACE_HINT,
) -> Result:
    """Parse, plan and run ``text`` against ``memory``; ``EXPLAIN`` queries return the plan as rows.

    Args:
        memory: the memory to query.
        text: the query.
        params: values for ``$name`` parameters (``namespace`` also sets the default namespace).
        limits: hop, row, work and time limits.
        namespace_hint: how the caller names a namespace, quoted in the error when the query names
            none and the store holds several.

    Raises:
        QuerySyntaxError: the text does not parse.
        QuerySemanticError: a name, value, parameter or namespace is not valid.
        QueryLimitError: the query went past a limit.
    """
    started = time.perf_counter()
    plan = explain_query(memory, text, params, limits=limits)
    store = memory.store
    if plan.explain:
        # A store that compiles plans (Neo4j) shows the plan, the Cypher and its parameters.
        explain_here = getattr(store, "explain_plan", None)
        text_plan = str(plan)
        if explain_here is not None:
            text_plan = explain_here(plan, resolve_namespace(plan, store, hint=namespace_hint), limits=limits)
        lines = tuple((line,) for line in text_plan.splitlines())
        return Result(("plan",), lines, plan, None, (time.perf_counter() - started) * 1000)
    namespace = resolve_namespace(plan, store, hint=namespace_hint)
    uses_about = any(type(s).__name__ in ("AboutSeek", "MatchNode") for s in plan.steps)
    # Chosen by capability: a store that can run a plan itself (push-down to Cypher) does so.
    runner = getattr(store, "execute_plan", None) or functools.partial(execute, store=store)
    result = runner(
        plan,
        namespace=namespace,
        about=about_from_memory(memory) if uses_about else None,
        recall=memory.recall,
        limits=limits,
    )
    elapsed = (time.perf_counter() - started) * 1000
    return Result(result.columns, result.rows, plan, namespace, elapsed, tuple(getattr(result, "notes", ())))
