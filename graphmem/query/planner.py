"""AST → :class:`~graphmem.query.plan.Plan`: names resolved against the schema, values bound, steps ordered.

The planner never touches a store. It checks every label, edge type, variable, property, function,
parameter and date (:mod:`graphmem.query.resolve`), infers what kind of node each variable can be from
the edges around it, picks where each pattern starts (the most selective node: an ``ABOUT`` seed, an id,
a name, a fuzzy name, a typed scan), expands outwards from there, and places each ``WHERE`` condition
right after the step that binds its last variable.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, tzinfo
from typing import Any

from graphmem.dates import is_utc
from graphmem.errors import ConfigError, QueryPinnedNamespaceError
from graphmem.models import EdgeType, NodeKind, validate_namespace
from graphmem.query import ast
from graphmem.query import plan as p
from graphmem.query.kinds import FLIP, reach
from graphmem.query.limits import DEFAULT_LIMITS, QueryLimits
from graphmem.query.pattern_elements import direction, hop_range, narrow, node_labels, rel_types
from graphmem.query.plan_expr import vars_of
from graphmem.query.resolve import (
    DEFAULT_SCHEMA,
    Resolver,
    Schema,
    Scope,
    VarInfo,
)
from graphmem.query.timeutil import shift_clamped
from graphmem.query.unparse import unparse_expr
from graphmem.store.base import Direction

__all__ = ["plan_query"]


def plan_query(
    query: ast.Query,
    params: Mapping[str, Any] | None = None,
    *,
    schema: Schema = DEFAULT_SCHEMA,
    limits: QueryLimits = DEFAULT_LIMITS,
    zone: tzinfo | None = None,
) -> p.Plan:
    """Plan a parsed query.

    Args:
        query: the parsed query.
        params: values for ``$name`` parameters; ``namespace`` also sets the default namespace.
        schema: the labels and edge types that exist.
        limits: hop, row and size limits checked while planning.
        zone: the clock date literals without an offset are read on (``None``: UTC; a clock that is
            always UTC, ``datetime.UTC`` or ``"Etc/UTC"``, plans as ``None``).

    Raises:
        QuerySemanticError: a name, value or date is not valid (the error points at it and suggests
            the closest valid word), or a parameter is not bound.
        PlanLimitError: a hop range, ``LIMIT`` or ``TOP`` is over its limit.
    """
    return _Planner(query, dict(params or {}), schema, limits, None if is_utc(zone) else zone).plan()


class _Planner:
    def __init__(
        self, query: ast.Query, params: dict[str, Any], schema: Schema, limits: QueryLimits, zone: tzinfo | None
    ) -> None:
        self.query = query
        self.params = params
        self.limits = limits
        self.scope = Scope()
        self.r = Resolver(query.source, params, schema, limits, self.scope, zone)
        self.steps: list[p.Step] = []
        self.bound: set[str] = set()
        self.pending: list[p.Expr] = []
        self.counter = 0
        self.fact_expands = 0
        self.as_of: Any = None
        self.valid_at: Any = None
        self.fact_time = p.FactTime.CURRENT

    # -- driver -----------------------------------------------------------------------------------

    def plan(self) -> p.Plan:
        st = self.query.statement
        if isinstance(st, ast.Find):
            kind, columns, row_limit = "find", *self.find(st)
        elif isinstance(st, ast.Recall):
            kind, columns, row_limit = "recall", *self.recall(st)
        else:
            kind, columns, row_limit = "timeline", *self.timeline(st)
        return p.Plan(
            kind,
            self.namespace(st.namespace),
            tuple(self.steps),
            tuple(columns),
            self.query.explain,
            row_limit,
            self.query.source,
            _place(st.namespace),
        )

    def namespace(self, node: ast.Literal | ast.Param | None) -> p.Const | None:
        if node is None:
            if "namespace" not in self.params:
                return None
            node = ast.Param("namespace")
        value = self.r.text(node, "the namespace")
        try:
            validate_namespace(str(value.value))
        except ConfigError as exc:
            raise self.r.error(str(exc), node.span) from None
        pinned = self.params.get("namespace")
        if isinstance(pinned, str) and unicodedata.normalize("NFC", str(value.value)) != unicodedata.normalize(
            "NFC", pinned
        ):
            # a caller that fixes the namespace (an agent tool serving one tenant) must not be escaped
            error = self.r.error(
                f"the query names namespace {value.value!r}, but this caller fixed namespace {pinned!r}; "
                "a query cannot leave the namespace it is given",
                node.span,
                cls=QueryPinnedNamespaceError,
            )
            assert isinstance(error, QueryPinnedNamespaceError)
            error.named, error.pinned = str(value.value), pinned
            raise error
        return value

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def add_step(self, step: p.Step, *binds: str) -> None:
        self.steps.append(step)
        self.bound.update(binds)
        ready = [c for c in self.pending if vars_of(c) <= self.bound]
        for cond in ready:
            self.pending.remove(cond)
            self.steps.append(p.Filter(cond))

    def add_condition(self, cond: p.Expr) -> None:
        if vars_of(cond) <= self.bound:
            self.steps.append(p.Filter(cond))
        else:
            self.pending.append(cond)

    def add_where(self, where: ast.Expr | None) -> None:
        if where is None:
            return
        cond = self.r.predicate(where)
        for item in cond.items if isinstance(cond, p.BoolAnd) else (cond,):
            self.add_condition(item)

    # -- variables and labels ---------------------------------------------------------------------

    def declare_node(self, node: ast.NodePattern, name: str | None = None) -> str:
        name = name or node.var or self.fresh("_n")
        labels = node_labels(self.r, node)
        info = self.scope.vars.get(name)
        if info is None:
            self.scope.vars[name] = VarInfo(name, True, labels, node.span, internal=node.var is None)
            return name
        if not info.is_node:
            raise self.r.error(f"{name} is already an edge variable", node.span)
        kinds = tuple(k for k in info.labels.kinds if k in labels.kinds)
        if info.labels.types and labels.types:
            types = tuple(t for t in info.labels.types if t in labels.types)
            if not types:
                kinds = tuple(k for k in kinds if k is not NodeKind.ENTITY)
        else:
            types = info.labels.types or labels.types
        if not kinds:
            raise self.r.error(f"{name} cannot have both of these labels", node.span)
        info.labels = p.Labels(kinds, types)
        return name

    def declare_rel(self, rel: ast.RelPattern) -> str:
        name = rel.var or self.fresh("_r")
        if name in self.scope.vars:
            what = "an edge" if not self.scope.vars[name].is_node else "a node"
            raise self.r.error(f"{name} is already {what} variable; an edge variable can be used once", rel.span)
        self.scope.vars[name] = VarInfo(
            name, False, span=rel.span, internal=rel.var is None, ranged=rel.hops is not None
        )
        return name

    # -- patterns ---------------------------------------------------------------------------------

    def declare_patterns(self, patterns: tuple[ast.PathPattern, ...]) -> list[list[tuple[Any, str, Any]]]:
        """Declare every variable; return per pattern the elements with their names and edge info."""
        declared: list[list[tuple[Any, str, Any]]] = []
        for pattern in patterns:
            items: list[tuple[Any, str, Any]] = []
            for el in pattern.elements:
                if isinstance(el, ast.NodePattern):
                    items.append((el, self.declare_node(el), None))
                else:
                    types, reverse = rel_types(self.r, el)
                    info = (types, direction(el, reverse), hop_range(self.r, self.limits, el))
                    items.append((el, self.declare_rel(el), info))
            declared.append(items)
        self.infer_kinds(declared)
        return declared

    def infer_kinds(self, declared: list[list[tuple[Any, str, Any]]]) -> None:
        for _ in range(3):
            for items in declared:
                for i in range(1, len(items), 2):
                    (a_el, a, _), (_, _, (types, direction, (low, high))), (b_el, b, _) = items[i - 1 : i + 2]
                    va, vb = self.scope.vars[a], self.scope.vars[b]
                    fwd = reach(set(va.labels.kinds), types, direction, low, high)
                    back = reach(set(vb.labels.kinds), types, FLIP[direction], low, high)
                    if not fwd:  # nothing a can be reaches the far end: a is at fault, not b
                        narrow(self.r, va, fwd, a_el, items[i][0])
                    narrow(self.r, vb, fwd, b_el, items[i][0])
                    narrow(self.r, va, back, a_el, items[i][0])

    def start_cost(self, node: ast.NodePattern, name: str) -> int:
        if name in self.bound:
            return 0
        keys = {pp.key for pp in node.props}
        kinds = self.scope.vars[name].labels.kinds
        if "id" in keys or ("source" in keys and NodeKind.EVENT in kinds):
            return 1
        if "name" in keys and NodeKind.ENTITY in kinds:
            return 2
        if node.about is not None:
            return 3
        if node.fuzzy is not None:
            return 4
        if kinds == (NodeKind.SESSION,):
            return 5
        if kinds == (NodeKind.ENTITY,):
            return 6 if self.scope.vars[name].labels.types else 7
        return 8 if kinds == (NodeKind.EVENT,) else 9

    def plan_patterns(self, declared: list[list[tuple[Any, str, Any]]]) -> None:
        remaining = list(declared)
        while remaining:
            # Prefer a pattern that touches what is already bound, then the most selective.
            def cost(items: list[tuple[Any, str, Any]]) -> int:
                return min(self.start_cost(el, n) for el, n, _ in items[::2])

            items = min(remaining, key=cost)
            remaining.remove(items)
            nodes = items[::2]
            start = min(range(len(nodes)), key=lambda i: self.start_cost(nodes[i][0], nodes[i][1]))
            self.seek(nodes[start][0], nodes[start][1])
            for i in range(start, len(nodes) - 1):
                self.expand(nodes[i][1], items[2 * i + 1], nodes[i + 1], forward=True)
            for i in range(start, 0, -1):
                self.expand(nodes[i][1], items[2 * i - 1], nodes[i - 1], forward=False)

    def seek(self, node: ast.NodePattern, name: str) -> None:
        if name in self.bound:
            self.node_conditions(node, name, used=None)
            return
        labels = self.scope.vars[name].labels
        props = {pp.key: pp for pp in node.props}
        used: str | None = None
        step: p.Step
        if "id" in props or ("source" in props and NodeKind.EVENT in labels.kinds):
            used = "id" if "id" in props else "source"
            step = p.LookupNodes(name, labels, used, self.prop_const(props[used], used))
        elif "name" in props and NodeKind.ENTITY in labels.kinds:
            used = "name"
            entity = p.Labels((NodeKind.ENTITY,), labels.types)
            step = p.LookupNodes(name, entity, "name", self.prop_const(props["name"], "name"))
        elif node.about is not None:
            used = "about"
            step = p.AboutSeek(name, self.r.text(node.about, "the ABOUT text"), self.about_k(node))
        elif node.fuzzy is not None:
            used = "fuzzy"
            text = self.r.text(node.fuzzy, "the ~ name")
            step = p.FuzzySeek(name, labels, text, self.limits.fuzzy_cutoff, self.limits.max_fuzzy)
        else:
            step = p.ScanNodes(name, labels)
        self.add_step(step, name)
        self.node_conditions(node, name, used)

    def prop_const(self, pair: ast.PropPair, key: str) -> p.Const:
        value = self.r.value(pair.value)
        if not isinstance(value, p.Const) or not isinstance(value.value, str):
            raise self.r.error(f"{key} must be text here", pair.span)
        return value

    def about_k(self, node: ast.NodePattern) -> int:
        if node.top is None:
            return self.limits.about_k
        return self.r.const_int(node.top, "TOP", 1, self.limits.max_about_k)

    def node_conditions(self, node: ast.NodePattern, name: str, used: str | None) -> None:
        if node.about is not None and used != "about":
            text = self.r.text(node.about, "the ABOUT text")
            self.add_step(p.MatchNode(name, "about", text, k=self.about_k(node)))
        if node.fuzzy is not None and used != "fuzzy":
            text = self.r.text(node.fuzzy, "the ~ name")
            self.add_step(p.MatchNode(name, "fuzzy", text, cutoff=self.limits.fuzzy_cutoff))
        for pair in node.props:
            if pair.key == used:
                continue
            ref = self.r.prop(ast.Prop(name, pair.key, pair.span))
            if pair.key == "name" and self.scope.vars[name].labels.kinds == (NodeKind.ENTITY,):
                self.add_condition(p.HasName(name, self.r.value(pair.value)))
            else:
                self.add_condition(self.r.equals(ref, pair.value))

    def expand(
        self, src: str, rel_item: tuple[Any, str, Any], dst_item: tuple[Any, str, Any], *, forward: bool
    ) -> None:
        rel, rel_name, (types, direction, (low, high)) = rel_item
        dst_node, dst, _ = dst_item
        if not forward:
            direction = FLIP[direction]
        facts = not types or EdgeType.FACT in types
        if facts:
            self.fact_expands += 1
        step = p.Expand(
            src,
            rel_name,
            types,
            direction,
            dst,
            self.scope.vars[dst].labels,
            low,
            high,
            into=dst in self.bound,
            as_of=self.as_of if facts else None,
            valid_at=self.valid_at if facts else None,
            facts=self.fact_time if facts else p.FactTime.NONE,
        )
        self.add_step(step, rel_name, dst)
        for pair in rel.props:
            ref = self.r.prop(ast.Prop(rel_name, pair.key, pair.span))
            self.add_condition(self.r.equals(ref, pair.value))
        self.node_conditions(dst_node, dst, used=None)

    # -- FIND -------------------------------------------------------------------------------------

    def find(self, st: ast.Find) -> tuple[list[str], bool]:
        declared = self.declare_patterns(st.patterns)
        if st.as_of is not None:
            self.as_of = self.r.moment(st.as_of, upper=True)
        if st.valid_at is not None:
            self.valid_at = self.r.moment(st.valid_at)
        if st.as_of is not None and st.valid_at is None:
            self.valid_at = self.as_of  # what memory then believed held then
        if st.all_time:
            if st.as_of is not None or st.valid_at is not None:
                span = (st.as_of or st.valid_at).span  # type: ignore[union-attr]
                raise self.r.error("ALL TIME reads every fact version: drop AS OF and VALID AT, or ALL TIME", span)
            self.fact_time = p.FactTime.ALL
        self.add_where(st.where)
        self.plan_patterns(declared)
        assert not self.pending, self.pending
        if (st.as_of is not None or st.valid_at is not None) and not self.fact_expands:
            span = (st.as_of or st.valid_at).span  # type: ignore[union-attr]
            raise self.r.error("AS OF and VALID AT apply to FACT edges, and this pattern has none", span)
        return self.project(st)

    def return_items(self, st: ast.Find) -> list[tuple[str, ast.Expr, ast.Span]]:
        if st.returns:
            items = [(r.alias or unparse_expr(r.expr), r.expr, r.span) for r in st.returns]
        else:
            names = self.scope.visible()
            if not names:
                raise self.r.error("nothing to return: name a variable, e.g. (e:Event), or add RETURN", st.span)
            items = [(n, ast.Var(n), st.span) for n in names]
        seen: set[str] = set()
        for name, _, span in items:
            if name in seen:
                raise self.r.error(f"two columns are called {name}; rename one with AS", span)
            seen.add(name)
        return items

    def project(self, st: ast.Find) -> tuple[list[str], bool]:
        items = [(name, self.r.value(expr, aggregates=True), span) for name, expr, span in self.return_items(st)]
        columns = [name for name, _, _ in items]
        aggregated = any(isinstance(e, p.Agg) for _, e, _ in items) or bool(st.group_by)
        if aggregated:
            self.aggregate(st, items)
        else:
            self.steps.append(p.Project(tuple((n, e) for n, e, _ in items)))
        if st.distinct:
            self.steps.append(p.Distinct())
        self.order(st, items, aggregated)
        row_limit = st.limit is not None or st.pick is not None
        if st.limit is not None:
            self.steps.append(p.Limit(self.r.const_int(st.limit, "LIMIT", 0, self.limits.max_rows)))
        return columns, row_limit

    def aggregate(self, st: ast.Find, items: list[tuple[str, p.Expr, ast.Span]]) -> None:
        if st.pick is not None:
            raise self.r.error(f"{st.pick.which} cannot be combined with aggregates or GROUP BY", st.pick.span)
        plain = [(n, e, s) for n, e, s in items if not isinstance(e, p.Agg)]
        aggs = tuple((n, e) for n, e, _ in items if isinstance(e, p.Agg))
        if st.group_by:
            keys: list[tuple[str, p.Expr]] = []
            for g in st.group_by:
                expr = self.group_key(g, items)
                match = next((n for n, e, _ in plain if e == expr), None)
                keys.append((match or f"_g{len(keys) + 1}", expr))
            for name, expr, span in plain:
                if all(expr != k for _, k in keys):
                    raise self.r.error(f"{name} is neither in GROUP BY nor aggregated", span)
        else:
            keys = [(n, e) for n, e, _ in plain]
        if any(agg.name == "collect" for _, agg in aggs):
            # collect() lists its items in the default row order (the pattern's identity), the same on
            # every backend: the rows are sorted before they are grouped (Cypher: ORDER BY in a WITH)
            self.steps.append(p.Sort(tuple(self.natural_key())))
        self.steps.append(p.Aggregate(tuple(keys), aggs))

    def group_key(self, node: ast.Expr, items: list[tuple[str, p.Expr, ast.Span]]) -> p.Expr:
        """A ``GROUP BY`` value: a returned column's name (its alias) stands for its expression, as in ORDER BY."""
        if isinstance(node, ast.Var):
            named = next((e for n, e, _ in items if n == node.name), None)
            if isinstance(named, p.Agg):
                raise self.r.error(f"{node.name} is an aggregate; group by the values it is taken over", node.span)
            if named is not None:
                return named
        return self.r.value(node)

    def order(self, st: ast.Find, items: list[tuple[str, p.Expr, ast.Span]], aggregated: bool) -> None:
        if st.pick is not None:
            if st.order_by or st.limit is not None:
                raise self.r.error(
                    f"{st.pick.which} orders and limits by itself; drop ORDER BY and LIMIT", st.pick.span
                )
            var = self.time_var(st)
            count = (
                1 if st.pick.count is None else self.r.const_int(st.pick.count, st.pick.which, 1, self.limits.max_rows)
            )
            desc = st.pick.which == "LAST"
            self.steps.extend([p.Sort(event_order(var, desc)), p.Limit(count)])
            return
        if not st.order_by:
            default = self.default_order(items, aggregated or st.distinct)
            if default:
                self.steps.append(p.Sort(default))
            return
        sort: list[p.SortKey] = []
        for item in st.order_by:
            text = unparse_expr(item.expr)
            column = next((n for n, _, _ in items if n == text), None)
            if column is None:
                expr = self.r.value(item.expr, aggregates=aggregated)
                column = next((n for n, e, _ in items if e == expr), None)
                if column is None and (aggregated or st.distinct):
                    raise self.r.error(
                        "after aggregation or DISTINCT, ORDER BY can use only returned columns", item.span
                    )
            sort.append(p.SortKey(p.Column(column) if column else expr, item.descending))
        if not (aggregated or st.distinct):
            sort.extend(self.natural_key())  # ties come in the default order
        self.steps.append(p.Sort(tuple(sort)))

    def natural_key(self) -> list[p.SortKey]:
        """The pattern's identity, variable by variable as declared: a node by its id, a named edge by
        its type, id and role. An unnamed edge and a hop range are left out: rows they alone tell apart
        show the same values, and the nodes they join order them."""
        keys: list[p.SortKey] = []
        for name, info in self.scope.vars.items():
            if info.is_node:
                keys.append(p.SortKey(p.PropRef(name, "id")))
            elif not (info.ranged or info.internal):
                keys.extend(p.SortKey(p.PropRef(name, key)) for key in ("type", "id", "role"))
        return keys

    def default_order(self, items: list[tuple[str, p.Expr, ast.Span]], grouped: bool) -> tuple[p.SortKey, ...]:
        """The order of rows when the query gives none, the same in every process and on every backend:
        by the pattern's identity (:meth:`natural_key`); after aggregation or ``DISTINCT``, which keep no
        bindings, by the returned values left to right (nodes, edges and lists left out)."""
        if not grouped:
            return tuple(self.natural_key())
        if not any(isinstance(step, p.Aggregate) and step.keys for step in self.steps) and not any(
            isinstance(step, p.Distinct) for step in self.steps
        ):
            return ()  # aggregates over all rows: one row
        return tuple(p.SortKey(p.Column(name)) for name, expr, _ in items if self.scalar(expr))

    def scalar(self, expr: p.Expr) -> bool:
        """Whether a returned value is no node, edge or list (those are not ordered by default)."""
        if isinstance(expr, p.Ref) or (isinstance(expr, p.Agg) and expr.name == "collect"):
            return False
        if isinstance(expr, p.PropRef):
            info = self.scope.vars.get(expr.var)
            return expr.key not in ("aliases", "evidence") and not (info is not None and info.ranged)
        return True

    def time_var(self, st: ast.Find) -> str:
        for name, info in self.scope.vars.items():
            if info.is_node and info.labels.kinds == (NodeKind.EVENT,):
                return name
        assert st.pick is not None
        raise self.r.error(f"{st.pick.which} needs an Event in the pattern to order by time", st.pick.span)

    # -- RECALL and TIMELINE ----------------------------------------------------------------------

    def recall(self, st: ast.Recall) -> tuple[list[str], bool]:
        text = self.r.text(st.text, "the RECALL text")
        k = 10 if st.limit is None else self.r.const_int(st.limit, "LIMIT", 1, self.limits.max_rows)
        from graphmem.recall.config import MAX_HOPS  # recall's own limit, whatever edge patterns may ask

        hops = 2 if st.hops is None else self.r.const_int(st.hops, "HOPS", 0, MAX_HOPS)
        speakers = tuple(self.r.text(s, "a speaker") for s in st.speakers)
        since, until = self.recall_window(st.window)
        happened = self.recall_window(st.happened)
        as_of = None if st.as_of is None else self.r.moment(st.as_of, upper=True)
        axis = st.axis or "either"
        at = tuple(_place(s) for s in st.speakers)  # where each speaker is written, for the executor's check
        self.steps.append(p.RecallSeek("hit", text, k, hops, speakers, since, until, as_of, axis, at, *happened))
        columns = ["score", "time", "speaker", "text", "source", "why"]
        self.steps.append(p.Project(tuple((c, p.PropRef("hit", c)) for c in columns)))
        return columns, True

    def recall_window(self, window: ast.Window | None) -> tuple[datetime | None, datetime | None]:
        """A RECALL window as the inclusive ``since``/``until`` recall takes (``None``: unbounded)."""
        since = until = None
        if window is not None:
            low, high = self.r.window(None, window)
            if low is not None:
                assert isinstance(low.value, p.Const)
                since = low.value.value if low.inclusive else shift_clamped(low.value.value, seconds=1e-6)
            if high is not None:
                assert isinstance(high.value, p.Const)
                until = high.value.value if high.inclusive else shift_clamped(high.value.value, seconds=-1e-6)
            if since is not None and until is not None and since > until:  # "WITHIN 0 minutes OF" the last moment
                raise self.r.error("the RECALL window holds no time", window.span)
        return since, until

    def timeline(self, st: ast.Timeline) -> tuple[list[str], bool]:
        node = st.node
        labels = node_labels(self.r, node)
        if labels.kinds == (NodeKind.EVENT,):
            if node.var not in (None, "event"):
                raise self.r.error("in TIMELINE the events are called event; drop the name", node.span, "event")
            name = self.declare_node(node, "event")
            self.add_where(st.where)
            self.seek(node, name)
        else:
            if len(labels.kinds) == 3:
                given = {pp.key for pp in node.props}
                if "name" in given:  # only entities have names
                    node = replace(node, labels=("Entity",))
                elif "id" in given:  # an entity's or a session's id; an event is followed as (:Event {id: …})
                    node = replace(node, labels=("Entity", "Session"))
                else:
                    raise self.r.error(
                        'TIMELINE needs a node to follow, e.g. (p:Person ~"Caroline"), (s:Session {id: "s1"}), '
                        '({id: "ent:person:caroline"}) or (:Event ABOUT "trip")',
                        node.span,
                    )
                labels = node_labels(self.r, node)
            if NodeKind.EVENT in labels.kinds:
                raise self.r.error("TIMELINE follows either events or entities and sessions, not both", node.span)
            if node.var == "event":
                raise self.r.error("in TIMELINE, event names the events; call this node something else", node.span)
            name = self.declare_node(node)
            self.scope.vars["event"] = VarInfo("event", True, p.Labels((NodeKind.EVENT,)), node.span)
            rel = self.fresh("_r")
            self.scope.vars[rel] = VarInfo(rel, False, internal=True)
            types: list[EdgeType] = []
            if NodeKind.ENTITY in labels.kinds:
                types += [EdgeType.SPOKEN_BY, EdgeType.MENTIONS]
            if NodeKind.SESSION in labels.kinds:
                types.append(EdgeType.IN_SESSION)
            self.add_where(st.where)
            self.seek(node, name)
            events = p.Labels((NodeKind.EVENT,))
            self.add_step(p.Expand(name, rel, tuple(types), Direction.IN, "event", events), rel, "event")
            self.steps.append(p.Distinct((p.Ref("event"),)))
        assert not self.pending
        self.steps.append(p.Sort(event_order("event")))
        if st.limit is not None:
            self.steps.append(p.Limit(self.r.const_int(st.limit, "LIMIT", 0, self.limits.max_rows)))
        columns = ["time", "session", "speaker", "text", "source"]
        self.steps.append(p.Project(tuple((c, p.PropRef("event", c)) for c in columns)))
        return columns, st.limit is not None


def event_order(var: str, descending: bool = False) -> tuple[p.SortKey, ...]:
    """The order of events in TIMELINE and FIND FIRST/LAST: by time, and events said at one time (two
    sessions under one header date, or no dates) by session id in natural order (``natural``:
    ``session_2`` before ``session_10``; the session index is not a key), position and id, so that every
    backend, in every process, gives the same rows (a store's own order of tied rows differs between
    backends)."""
    session = p.Func("natural", p.PropRef(var, "session"))
    keys = (p.PropRef(var, "time"), session, p.PropRef(var, "seq"), p.PropRef(var, "id"))
    return tuple(p.SortKey(key, descending) for key in keys)


def _place(node: ast.Literal | ast.Param | None) -> tuple[int, int, int] | None:
    """Line, column and width of where the query writes ``node`` (its namespace, a speaker), or ``None``."""
    if node is None or not node.span or node.span.end_line != node.span.line:
        return None
    return node.span.line, node.span.column, node.span.end_column - node.span.column
