"""Push a :class:`~graphmem.query.plan.Plan` down to Neo4j as one parameterised Cypher query.

The compiler walks the plan's steps in order and emits one ``MATCH``/``WITH`` clause per step, ending in
a ``RETURN`` of the plan's columns, with the executor's semantics (see :mod:`graphmem.query.plan`):

* every user value is a parameter (``$p1``…), never text in the query; labels and relationship types
  come only from the schema's allow-lists (:mod:`graphmem.store.cypher.schema`); variables are renamed
  to generated identifiers (``n0``, ``r1``…), so no name the user typed reaches the Cypher text;
* ``ABOUT`` seeds (the vector index) and ``~`` fuzzy matches (rapidfuzz over entity names) are
  computed on the client and passed as parameter lists of ``{id, score, note}``;
* hop ranges bind each node reachable in ``min..max`` hops once, by its shortest path (of several, the
  first by :func:`graphmem.query.result.path_key`), the start node too by a cycle back to it; an edge
  is never used twice in a row (as Cypher within one ``MATCH``, here across clauses too);
* sort keys put nulls last in both directions; text tests other than ``=`` ignore case.

What Cypher cannot do the same way (``RECALL``, ``~`` on arbitrary text, ``DISTINCT`` on some columns,
sorting by whole nodes, long untyped hop ranges) raises :class:`NotPushable` naming the reason, and the
caller runs the plan with the embedded executor instead. :func:`compile_plan` only builds text; the
caller runs it (:mod:`graphmem.query.pushdown`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, assert_never

from graphmem.models import NodeKind
from graphmem.query import plan as p
from graphmem.query.cypher_expr import (
    MAX_RUN,
    AboutFn,
    Deferred,
    EntitiesFn,
    ExprCompiler,
    NotPushable,
    Var,
    chain,
    fuzzy_entities,
)
from graphmem.query.cypher_params import param_lines
from graphmem.query.result import PATH_KEY_SEP
from graphmem.store.base import Direction
from graphmem.store.cypher.schema import label_for, name_key, rel_type_for

__all__ = ["CypherQuery", "Deferred", "NotPushable", "compile_plan", "fuzzy_entities"]

_UNTYPED_MAX_HOPS = 2


@dataclass(frozen=True)
class CypherQuery:
    """A compiled plan: Cypher text, its parameters, and the plan columns its ``RETURN`` yields in order.

    ``capped`` says a ``LIMIT`` of the row limit + 1 was added to detect a plan returning too many rows.
    """

    text: str
    params: Mapping[str, Any]
    columns: tuple[str, ...]
    capped: bool = False

    def resolve(self) -> dict[str, Any]:
        """The parameters with deferred ones computed."""
        return {k: (v.compute() if isinstance(v, Deferred) else v) for k, v in self.params.items()}

    def pasteable(self, values: Mapping[str, Any] | None = None) -> str:
        """The query as Neo4j Browser and cypher-shell take it: a ``:param name => literal`` line per
        parameter (:mod:`graphmem.query.cypher_params`), then the text ending in ``;``.

        Args:
            values: the parameters to print, deferred ones computed (see :meth:`resolve`); by default
                :attr:`params`. A parameter still deferred is a comment saying what it would hold, and
                a deferred one computed is printed after a comment saying what it holds.
        """
        shown = self.params if values is None else values
        lines = []
        for name, value in shown.items():
            deferred = self.params.get(name)
            if isinstance(value, Deferred):
                lines.append(f"// ${name}: {value.description} (computed when the query runs)")
                continue
            if isinstance(deferred, Deferred):
                lines.append(f"// ${name}: {deferred.description}")
            lines.extend(param_lines([(name, value)]))
        return "\n".join([*lines, self.text + ";"])

    def __str__(self) -> str:
        return self.pasteable()


class _Compiler(ExprCompiler):
    """Compiles the steps of a plan, in order, into clauses."""

    now: datetime

    def live(self) -> list[str]:
        if self.aggregated or self.distinct:
            return list(
                dict.fromkeys([ident for ident, _ in self.columns.values()] + [i for i, _ in self.aggs.values()])
            )
        idents = [v.ident for v in self.vars.values()] + self.extra
        idents += [ident for ident, _ in self.columns.values()]
        return list(dict.fromkeys(idents))

    def with_(self, *extra: str, where: str | None = None) -> None:
        self.flush_order()
        items = [*self.live(), *extra]
        text = "WITH " + ", ".join(items) if items else "WITH 1 AS _"
        if where:
            text += f"\nWHERE {where}"
        self.clauses.append(text)

    def flush_order(self) -> None:
        if self.order is None and self.limit is None:
            return
        order, limit = self.order, self.limit
        self.order = self.limit = None
        items = self.live() or ["1 AS _"]
        text = "WITH " + ", ".join(items)
        if order:
            text += "\nORDER BY " + ", ".join(order)
        if limit is not None:
            text += f"\nLIMIT {int(limit)}"
        self.clauses.append(text)

    def step(self, step: p.Step) -> None:
        if isinstance(step, p.RecallSeek):
            raise NotPushable("RECALL runs recall (vector search and traversal) on the client")
        if (self.aggregated or self.distinct) and not isinstance(step, p.Sort | p.Limit | p.Project):
            raise NotPushable(f"{type(step).__name__} after grouping")
        if isinstance(step, p.ScanNodes | p.LookupNodes):
            self.seek(step)
        elif isinstance(step, p.AboutSeek | p.FuzzySeek):
            self.seed_seek(step)
        elif isinstance(step, p.Expand):
            self.expand(step)
        elif isinstance(step, p.MatchNode):
            self.match_node(step)
        elif isinstance(step, p.Filter):
            self.with_(where=self.predicate(step.predicate))
        elif isinstance(step, p.Project):
            self.project(step)
        elif isinstance(step, p.Aggregate):
            self.aggregate(step)
        elif isinstance(step, p.Distinct):
            self.make_distinct(step)
        elif isinstance(step, p.Sort):
            self.sort(step)
        elif isinstance(step, p.Limit):
            self.limit = step.count if self.limit is None else min(self.limit, step.count)
        else:
            assert_never(step)  # a new step type must be handled above (mypy checks)

    def bind_node(self, name: str, kinds: tuple[NodeKind, ...]) -> Var:
        if name in self.vars:
            raise NotPushable(f"variable {name!r} bound twice")
        v = Var(self.fresh("n"), "node", kinds)
        self.vars[name] = v
        return v

    def label_test(self, ident: str, labels: p.Labels) -> str:
        tests = []
        for kind in labels.kinds:
            test = f"{ident}:{label_for(kind)}"
            if kind is NodeKind.ENTITY and labels.types:
                types = self.param(tuple(t.lower() for t in labels.types))
                test = f"({test} AND toLower({ident}.type) IN {types})"
            tests.append(test)
        return tests[0] if len(tests) == 1 else "(" + " OR ".join(tests) + ")"

    def seek(self, step: p.ScanNodes | p.LookupNodes) -> None:
        self.flush_order()
        kinds = step.labels.kinds
        if isinstance(step, p.LookupNodes):
            if step.key == "source":
                kinds = tuple(k for k in kinds if k is NodeKind.EVENT)
            elif step.key == "name":
                kinds = tuple(k for k in kinds if k is NodeKind.ENTITY)
        v = self.bind_node(step.var, kinds)
        if not kinds:
            self.clauses.append(f"MATCH ({v.ident}) WHERE false")
            return
        head = f"({v.ident}:{label_for(kinds[0])})" if len(kinds) == 1 else f"({v.ident})"
        conds = [f"{v.ident}.namespace = $ns", self.label_test(v.ident, p.Labels(kinds, step.labels.types))]
        if isinstance(step, p.LookupNodes):
            value = step.value.value
            if not isinstance(value, str):
                value = str(value)
            if step.key == "id":
                conds.append(f"{v.ident}.id = {self.param(value)}")
            elif step.key == "source":
                conds.append(f"{v.ident}.source_id = {self.param(value)}")
            else:
                conds.append(f"{self.param(name_key(value))} IN {v.ident}.name_keys")
        self.clauses.append(f"MATCH {head}\nWHERE " + " AND ".join(conds))

    def seed_seek(self, step: p.AboutSeek | p.FuzzySeek) -> None:
        self.flush_order()
        if isinstance(step, p.AboutSeek):
            seeds = self.about_seeds(str(step.text.value), step.k)
            kinds: tuple[NodeKind, ...] = (NodeKind.EVENT,)
        else:
            seeds = self.fuzzy_seeds(step.labels, str(step.text.value), step.cutoff, step.limit)
            kinds = (NodeKind.ENTITY,)
        v = self.bind_node(step.var, kinds)
        s = self.fresh("s")
        v.score, v.note = self.fresh("sc"), self.fresh("nt")
        self.clauses.append(
            f"UNWIND {seeds} AS {s}\nMATCH ({v.ident}:{label_for(kinds[0])} {{namespace: $ns, id: {s}.id}})"
        )
        self.extra += [v.score, v.note]
        self.clauses.append(f"WITH {', '.join(self.live()[:-2])}, {s}.score AS {v.score}, {s}.note AS {v.note}")

    def match_node(self, step: p.MatchNode) -> None:
        v = self.var(step.var)
        if v.what != "node":
            raise NotPushable("ABOUT/~ on an edge")
        text = str(step.text.value)
        if step.how == "about":
            seeds, label = self.about_seeds(text, step.k), "Event"
        else:
            entity_labels = p.Labels((NodeKind.ENTITY,))
            seeds, label = self.fuzzy_seeds(entity_labels, text, step.cutoff, None), "Entity"
        m = self.fresh("m")
        self.with_(f"[x IN {seeds} WHERE x.id = {v.ident}.id] AS {m}", where=f"{v.ident}:{label} AND size({m}) > 0")
        score, note = self.fresh("sc"), self.fresh("nt")
        self.clauses.append(f"WITH {', '.join(self.live())}, {m}[0].score AS {score}, {m}[0].note AS {note}")
        v.score, v.note = score, note
        self.extra += [score, note]

    def expand(self, step: p.Expand) -> None:
        self.flush_order()
        src = self.var(step.src)
        if src.what != "node":
            raise NotPushable("an expansion from an edge")
        dst = self.var(step.dst) if step.into else self.bind_node(step.dst, step.dst_labels.kinds)
        types = "|".join(rel_type_for(t) for t in step.types)
        left, right = {Direction.OUT: ("-", "->"), Direction.IN: ("<-", "-"), Direction.BOTH: ("-", "-")}[
            step.direction
        ]
        fact_test = self.fact_time(step)
        single = (step.min_hops, step.max_hops) == (1, 1)
        if step.rel in self.vars:
            raise NotPushable(f"edge variable {step.rel!r} bound twice")
        if single:
            r = Var(self.fresh("r"), "edge")
            conds = [self.label_test(dst.ident, step.dst_labels)]
            if fact_test:
                conds.append(fact_test.format(r=r.ident))
            conds += [self.unique(r.ident, other) for other in self.edge_idents]
            rel = f"[{r.ident}{':' + types if types else ''}]"
            self.clauses.append(f"MATCH ({src.ident}){left}{rel}{right}({dst.ident})\nWHERE " + _all(conds))
            self.vars[step.rel] = r
            self.edge_idents.append(r)
            return
        if not types and step.max_hops > _UNTYPED_MAX_HOPS:
            raise NotPushable(f"a hop range over any edge type longer than {_UNTYPED_MAX_HOPS} hops")
        path = Var(self.fresh("p"), "path")
        low = 0 if step.min_hops == 0 else 1
        rel = f"[{':' + types if types else ''}*{low}..{int(step.max_hops)}]"
        conds = []
        if fact_test:
            conds.append(f"all(x IN relationships({path.ident}) WHERE {fact_test.format(r='x')})")
        conds += [
            f"none(x IN relationships({path.ident}) WHERE {self.unique('x', other, negate=False)})"
            for other in self.edge_idents
        ]
        where = ("\nWHERE " + _all(conds)) if conds else ""
        # a path may come back to its start (a cycle): Cypher's MATCH repeats no relationship in it
        self.clauses.append(f"MATCH {path.ident} = ({src.ident}){left}{rel}{right}({dst.ident}){where}")
        # each reachable node once, by the shortest path, of several the first by its key (the executor's)
        keep = [i for i in self.live() if i != dst.ident] + [dst.ident]
        best = (
            f"reduce(b = null, q IN collect([length({path.ident}), {self.path_key(path.ident)}, {path.ident}]) | "
            "CASE WHEN b IS NULL OR q[0] < b[0] OR (q[0] = b[0] AND q[1] < b[1]) THEN q ELSE b END)[2] "
            f"AS {path.ident}"
        )
        self.clauses.append(
            f"WITH {', '.join(dict.fromkeys(keep))}, {best}\n"
            f"WHERE length({path.ident}) >= {int(step.min_hops)} AND {self.label_test(dst.ident, step.dst_labels)}"
        )
        self.vars[step.rel] = path
        self.edge_idents.append(path)

    def path_key(self, path: str) -> str:
        """The text :func:`graphmem.query.result.path_key` gives the path ``path``: node ids, then edge
        types and their fact id or role, each ended by a separator."""
        sep = self.param(PATH_KEY_SEP)
        detail = (
            "CASE WHEN type(x) = 'FACT' THEN x.id "
            "WHEN type(x) IN ['MENTIONS', 'SPOKEN_BY'] THEN coalesce(x.role, '') ELSE '' END"
        )
        return (
            f"reduce(s = '', n IN nodes({path}) | s + n.id + {sep}) + "
            f"reduce(s = '', x IN relationships({path}) | s + type(x) + {sep} + {detail} + {sep})"
        )

    def unique(self, ident: str, other: Var, *, negate: bool = True) -> str:
        test = f"{ident} IN relationships({other.ident})" if other.what == "path" else f"{ident} = {other.ident}"
        return f"NOT {test}" if negate else test

    def fact_time(self, step: p.Expand) -> str | None:
        conds = []
        if step.fact_time is not p.FactTime.CURRENT:
            return None  # ALL TIME, or a step that follows no FACT edge
        valid_at = step.valid_at
        if valid_at is None and step.as_of is None:
            valid_at = self.now
        if step.as_of is None:  # current facts, or VALID AT alone: the versions memory holds now
            conds.append("{r}.expired_at IS NULL")
        if valid_at is not None:
            at = self.param(valid_at)
            conds.append(f"({{r}}.valid_from IS NULL OR {{r}}.valid_from <= {at})")
            conds.append(f"({{r}}.valid_to IS NULL OR {at} < {{r}}.valid_to)")
        if step.as_of is not None:
            at = self.param(step.as_of)
            conds.append(f"{{r}}.recorded_at <= {at}")
            conds.append(f"({{r}}.expired_at IS NULL OR {at} < {{r}}.expired_at)")
        if not conds:
            return None
        return "(type({r}) <> 'FACT' OR (" + " AND ".join(conds) + "))"

    def project(self, step: p.Project) -> None:
        items = []
        new: dict[str, tuple[str, str]] = {}
        for name, expr in step.items:
            text, kind = self.value(expr, output=True)
            ident = self.fresh("c")
            items.append(f"{text} AS {ident}")
            new[name] = (ident, kind)
        self.with_(*items)
        self.columns.update(new)

    def aggregate(self, step: p.Aggregate) -> None:
        self.flush_order()
        items = []
        keys: list[tuple[p.Expr, str, str]] = []
        for name, expr in step.keys:
            text, kind = self.value(expr, output=True)
            ident = self.fresh("c")
            items.append(f"{text} AS {ident}")
            keys.append((expr, ident, kind))
            self.columns[name] = (ident, kind)
        for name, agg in step.aggregates:
            text, kind = self.aggregate_expr(agg)
            ident = self.fresh("c")
            items.append(f"{text} AS {ident}")
            self.columns[name] = (ident, kind)
            self.aggs[str(agg)] = (ident, kind)
        if not step.aggregates:  # grouping without aggregates: one row per distinct key
            self.clauses.append("WITH DISTINCT " + ", ".join(items) if items else "WITH DISTINCT 1 AS _")
        else:
            self.clauses.append("WITH " + ", ".join(items))
        self.group_keys = keys
        self.aggregated = True

    def aggregate_expr(self, agg: p.Agg) -> tuple[str, str]:
        if agg.arg is None:
            if agg.name != "count":
                raise NotPushable(f"{agg.name}(*)")
            return "count(*)", "int"
        arg, kind = self.value(agg.arg, output=True)
        distinct = "DISTINCT " if agg.distinct else ""
        if agg.name == "count":
            return f"count({distinct}{arg})", "int"
        if agg.name in ("sum", "avg"):
            if kind not in ("int", "float"):
                raise NotPushable(f"{agg.name} of a value that may not be a number")
            return f"{agg.name}({distinct}{arg})", "float" if agg.name == "avg" else kind
        if agg.name in ("min", "max"):
            if kind not in ("int", "float", "str", "datetime"):
                raise NotPushable(f"{agg.name} of mixed values")
            return f"{agg.name}({distinct}{arg})", kind
        if agg.name == "collect":
            return f"collect({distinct}{arg})", "list"
        raise NotPushable(f"aggregate {agg.name}")

    def make_distinct(self, step: p.Distinct) -> None:
        self.flush_order()
        if step.keys:
            # the first row of each key: group by the keys, keep one row of the other bindings
            keys = [self.value(k)[0] for k in step.keys]
            rest = self.live()
            d = self.fresh("d")
            items = [f"{text} AS {self.fresh('k')}" for text in keys]
            self.clauses.append("WITH " + ", ".join([*items, f"collect([{', '.join(rest)}])[0] AS {d}"]))
            self.clauses.append("WITH " + ", ".join(f"{d}[{i}] AS {ident}" for i, ident in enumerate(rest)))
            return
        if not self.columns:
            raise NotPushable("DISTINCT before RETURN")
        self.clauses.append("WITH DISTINCT " + ", ".join(dict.fromkeys(i for i, _ in self.columns.values())))
        self.distinct = True

    def sort(self, step: p.Sort) -> None:
        if self.order is not None or self.limit is not None:
            self.flush_order()
        order = []
        for key in step.keys:
            text, kind = self.sort_value(key.expr)
            if kind in ("node", "edge", "path", "list"):
                raise NotPushable("sorting by a node, edge or list")
            order.append(f"({text} IS NULL)")
            order.append(f"{text} DESC" if key.descending else text)
        self.order = order

    def sort_value(self, expr: p.Expr) -> tuple[str, str]:
        if self.aggregated:
            for key_expr, ident, kind in self.group_keys:
                if key_expr == expr:
                    return ident, kind
            if isinstance(expr, p.PropRef | p.Ref):
                return "null", "null"  # the executor's grouped rows hold no bindings
        return self.value(expr)

    def finish(self, plan: p.Plan) -> str:
        outputs = []
        for name in plan.columns:
            if name not in self.columns:
                raise NotPushable(f"column {name!r} is computed outside the query")
            outputs.append(self.columns[name][0])
        text = "RETURN " + ", ".join(outputs)
        if self.order:
            text += "\nORDER BY " + ", ".join(self.order)
        limit = self.limit
        capped = False
        if limit is None and not plan.row_limit and self.max_rows is not None:
            limit, capped = self.max_rows + 1, True
        if limit is not None:
            text += f"\nLIMIT {int(limit)}"
        self.clauses.append(text)
        self.capped = capped
        return "\n".join(self.clauses)

    # -- expressions ------------------------------------------------------------------------------------


def compile_plan(
    plan: p.Plan,
    namespace: str,
    *,
    about: AboutFn | None = None,
    entities: EntitiesFn | None = None,
    max_rows: int | None = None,
    now: datetime | None = None,
) -> CypherQuery:
    """Compile ``plan`` to one Cypher query over ``namespace``.

    Args:
        plan: a planned query.
        namespace: the namespace it runs in (the ``$ns`` parameter).
        about: the ``ABOUT`` seed source (called when the query runs, not here).
        entities: the entities of the namespace, for ``~`` matches (called when the query runs).
        max_rows: without a ``LIMIT`` in the plan, cap the rows at this + 1 so the caller can tell the
            plan returned too many.
        now: the current time current facts must be valid at (default: the clock, naive UTC).

    Raises:
        NotPushable: a step or expression has no Cypher form with the executor's semantics.
    """
    compiler = _Compiler(namespace, about, entities, max_rows)
    compiler.now = now if now is not None else datetime.now(UTC).replace(tzinfo=None)
    for step in plan.steps:
        compiler.step(step)
    text = compiler.finish(plan)
    return CypherQuery(text, dict(compiler.params), tuple(plan.columns), compiler.capped)


def _all(conds: list[str]) -> str:
    """``conds`` joined by ``AND``; a run longer than :data:`MAX_RUN` (one ``NOT r = rK`` per earlier edge of a
    long pattern) as :func:`chain`'s balanced tree, which ArcadeDB accepts past 200 terms."""
    return " AND ".join(conds) if len(conds) <= MAX_RUN else chain("AND", conds)
