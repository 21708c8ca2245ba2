"""The push-down policy: run a DSL plan inside a Cypher server where it compiles, else on the client.

Chosen by capability: :func:`graphmem.query.run_query` calls :func:`run_plan` for a store that is
:class:`~graphmem.store.base.RunsCypher`. A plan that compiles (:mod:`graphmem.query.cypher`) runs as one
Cypher query, its rows converted back to the values the embedded executor gives (models for nodes,
:class:`~graphmem.query.result.Edge` for edges, tuples for lists); a plan that does not compile runs in
the generic executor over the same store, and the result's ``notes`` say which happened and why.
"""

from __future__ import annotations

import logging
import time
from datetime import date
from typing import Any

from graphmem.errors import GraphmemError, QueryLimitError
from graphmem.models import EdgeType, Entity, Event, NodeKind, Session, validate_namespace
from graphmem.query.cross_product import check_cross_product
from graphmem.query.cypher import CypherQuery, Deferred, NotPushable, compile_plan
from graphmem.query.executor import AboutFn, RecallFn, execute
from graphmem.query.limits import DEFAULT_LIMITS, QueryLimits
from graphmem.query.plan import Plan
from graphmem.query.result import Edge, Result
from graphmem.store.base import RunsCypher
from graphmem.store.cypher.schema import (
    KIND_OF_LABEL,
    dt_out,
    entity_from_props,
    event_from_props,
    fact_from_props,
    session_from_props,
)

__all__ = ["explain_plan", "from_cypher", "run_plan"]

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
    if isinstance(value, date):  # a datetime, or a DATE another client stored
        return dt_out(value)
    return value


def _node(value: dict[str, Any]) -> Event | Entity | Session | dict[str, Any]:
    kind = next((KIND_OF_LABEL[label] for label in value["__labels"] if label in KIND_OF_LABEL), None)
    props = {k: v for k, v in value.items() if v is not None and k != "__labels"}
    if kind is NodeKind.EVENT:
        return event_from_props(props)
    if kind is NodeKind.ENTITY:
        return entity_from_props(props)
    if kind is NodeKind.SESSION:
        return session_from_props(props)
    return props


def _edge(value: dict[str, Any]) -> Edge:
    edge = EdgeType(value["__type"])
    props = value["__props"] or {}
    start, end = value["__start"], value["__end"]
    fact = fact_from_props(props, start, end) if edge is EdgeType.FACT else None
    role = props.get("role") if edge in (EdgeType.MENTIONS, EdgeType.SPOKEN_BY) else None
    return Edge(edge, start, end, role, fact)


def _compile(store: RunsCypher, plan: Plan, namespace: str, about: AboutFn | None, limits: QueryLimits) -> CypherQuery:
    return compile_plan(
        plan,
        namespace,
        about=about,
        entities=lambda: list(store.iter_entities(namespace)),
        max_rows=limits.max_rows,
    )


def _count(store: RunsCypher, plan: Plan, namespace: str, about: AboutFn | None, limits: QueryLimits) -> int | None:
    """The one count ``plan`` returns, run on the server (``None`` when it does not compile)."""
    try:
        query = _compile(store, plan, namespace, about, limits)
        params = query.resolve()
    except NotPushable:
        return None
    rows = store.run_cypher(query.text, params, timeout=limits.timeout)
    return int(rows[0][0]) if rows else 0


def run_plan(
    store: RunsCypher,
    plan: Plan,
    *,
    namespace: str,
    about: AboutFn | None = None,
    recall: RecallFn | None = None,
    limits: QueryLimits = DEFAULT_LIMITS,
) -> Result:
    """Run ``plan`` in the store's server as one Cypher query when it compiles, else with the executor.

    Raises:
        QueryLimitError: the query went past a limit (rows, time), or would build a cross product of
            unconnected patterns larger than ``max_work`` (see :mod:`graphmem.query.cross_product`).
        StoreError: the server is down or rejected the query.
    """
    started = time.perf_counter()
    validate_namespace(namespace)
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
    check_cross_product(plan, limits.max_work, lambda counting: _count(store, counting, namespace, about, limits))
    rows = store.run_cypher(query.text, params, timeout=limits.timeout)
    if query.capped and len(rows) > limits.max_rows:
        raise QueryLimitError(
            f"the query returns more than {limits.max_rows} rows; add LIMIT (at most {limits.max_rows}) or narrow it"
        )
    values = tuple(tuple(from_cypher(v) for v in row) for row in rows)
    elapsed = (time.perf_counter() - started) * 1000
    return Result(plan.columns, values, plan, namespace, elapsed, ("pushed down to Cypher",))


def explain_plan(
    store: RunsCypher,
    plan: Plan,
    namespace: str,
    *,
    about: AboutFn | None = None,
    limits: QueryLimits = DEFAULT_LIMITS,
) -> str:
    """The plan and the Cypher it compiles to (or why it runs on the client): ``EXPLAIN`` on this store.

    The Cypher is printed as Neo4j Browser takes it (:meth:`CypherQuery.pasteable`): a ``:param`` line
    per parameter, then the query, so pasting it gives the rows the plan's own run gives. Parameters the
    run computes on the client (``ABOUT`` and ``~`` seeds) are computed here too; one that cannot be
    (``ABOUT`` without ``about``) is a comment saying what it would hold.
    """
    validate_namespace(namespace)
    try:
        query = _compile(store, plan, namespace, about, limits)
    except NotPushable as exc:
        return f"{plan}\n\nruns on the client (not pushed down to Cypher): {exc.reason}"
    values = {name: _computed(value) for name, value in query.params.items()}
    return f"{plan}\n\npushed down to Cypher (paste into Neo4j Browser or cypher-shell):\n{query.pasteable(values)}"


def _computed(value: Any) -> Any:
    if not isinstance(value, Deferred):
        return value
    try:
        return value.compute()
    except (GraphmemError, NotPushable) as exc:
        log.debug("parameter %r is not computed for EXPLAIN: %s", value.description, exc)
        return value
