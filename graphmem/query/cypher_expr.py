"""Expressions of a plan as Cypher: values, properties, functions and three-valued predicates.

Part of the push-down compiler (:mod:`graphmem.query.cypher`): :class:`ExprCompiler` turns plan
expressions into Cypher text with every value a parameter, and tracks what type each expression has so
that only expressions whose Cypher meaning equals the executor's are compiled; anything else raises
:class:`NotPushable`.

Names compare as the executor compares them: equality and ``MENTIONS "name"`` through the stored
``name_keys`` (accents dropped, case-folded; :func:`graphmem.store.cypher.schema.name_key`), and ``~``
through candidate ids computed on the client with :func:`graphmem.query.values.fuzzy_entities`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from typing import Any, assert_never
from zoneinfo import ZoneInfo

from graphmem.dates import zone_label
from graphmem.models import Entity, NodeKind
from graphmem.query import plan as p
from graphmem.query.values import fuzzy_entities
from graphmem.store.cypher.schema import label_for, name_key

__all__ = [
    "MAX_RUN",
    "AboutFn",
    "Deferred",
    "EntitiesFn",
    "ExprCompiler",
    "NotPushable",
    "Var",
    "chain",
    "fuzzy_entities",
]

#: ``about(namespace, text, k) -> [(event_id, similarity), ...]``.
AboutFn = Callable[[str, str, int], Sequence[tuple[str, float]]]
#: ``entities() -> every entity of the namespace`` (for ``~`` matches).
EntitiesFn = Callable[[], Sequence[Entity]]

# Node properties the DSL names, per kind, as stored in Neo4j.
NODE_KEYS: Mapping[NodeKind, Mapping[str, tuple[str, str]]] = {
    NodeKind.EVENT: {
        "id": ("id", "str"),
        "text": ("text", "str"),
        "speaker": ("speaker", "str"),
        "time": ("occurred_at", "datetime"),
        "happened": ("happened", "datetime"),
        "happened_end": ("happened_end", "datetime"),
        "session": ("session", "str"),
        "seq": ("seq", "int"),
        "source": ("source_id", "str"),
        "kind": ("kind", "str"),
        "namespace": ("namespace", "str"),
    },
    NodeKind.ENTITY: {
        "id": ("id", "str"),
        "name": ("name", "str"),
        "type": ("type", "str"),
        "aliases": ("aliases", "list_str"),
        "namespace": ("namespace", "str"),
    },
    NodeKind.SESSION: {
        "id": ("id", "str"),
        "index": ("index", "int"),
        "time": ("started_at", "datetime"),
        "date": ("date_text", "str"),
        "namespace": ("namespace", "str"),
    },
}
# Stored properties an older store may lack, read through the one it always has (events written before
# ``happened`` was stored happened when they were said).
_FALLBACK = {"happened": "occurred_at", "happened_end": "occurred_at"}


def _stored(ident: str, prop: str) -> str:
    fallback = _FALLBACK.get(prop)
    return f"coalesce({ident}.{prop}, {ident}.{fallback})" if fallback else f"{ident}.{prop}"


EDGE_KEYS: Mapping[str, tuple[str, str]] = {
    "role": ("role", "str"),
    "id": ("id", "str"),
    "predicate": ("predicate", "str"),
    "valid_from": ("valid_from", "datetime"),
    "valid_to": ("valid_to", "datetime"),
    "recorded_at": ("recorded_at", "datetime"),
    "expired_at": ("expired_at", "datetime"),
    "evidence": ("evidence", "list_str"),
    "confidence": ("confidence", "float"),
    "phrase": ("time_phrase", "str"),
}
# What a node is returned as: these properties (never the embedding) and its labels.
NODE_MAP = (
    "{.id, .namespace, .session, .seq, .speaker, .text, .occurred_at, .source_id, .source_file, .source_line, "
    ".kind, .times, .name, .type, .aliases, .index, .started_at, .date_text, __labels: labels(%s)}"
)
EDGE_MAP = "{__type: type(%s), __start: startNode(%s).id, __end: endNode(%s).id, __props: properties(%s)}"


class NotPushable(Exception):
    """The plan has a step or expression Cypher cannot run with the executor's semantics."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Deferred:
    """A parameter computed when the query runs (vector or fuzzy seeds): what it is, and how."""

    description: str
    compute: Callable[[], Any] = field(compare=False)

    def __repr__(self) -> str:
        return f"<{self.description}>"


@dataclass
class Var:
    ident: str
    what: str  # node | edge | path
    kinds: tuple[NodeKind, ...] = ()
    score: str | None = None
    note: str | None = None


class ExprCompiler:
    """Compiles expressions; the step compiler (:mod:`graphmem.query.cypher`) builds on it."""

    def __init__(
        self, namespace: str, about: AboutFn | None, entities: EntitiesFn | None, max_rows: int | None
    ) -> None:
        self.ns = namespace
        self.about_fn = about
        self.entities_fn = entities
        self.max_rows = max_rows
        self.params: dict[str, Any] = {"ns": namespace}
        self.clauses: list[str] = []
        self.vars: dict[str, Var] = {}
        self.edge_idents: list[Var] = []
        self.extra: list[str] = []  # score and note identifiers
        self.columns: dict[str, tuple[str, str]] = {}  # plan column -> (identifier, type)
        self.aggs: dict[str, tuple[str, str]] = {}
        self.group_keys: list[tuple[p.Expr, str, str]] = []
        self.aggregated = False
        self.distinct = False
        self.order: list[str] | None = None
        self.limit: int | None = None
        self.counter = 0

    # -- names and parameters ------------------------------------------------------------------------

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def param(self, value: Any) -> str:
        name = self.fresh("p")
        self.params[name] = param_value(value)
        return f"${name}"

    def zone_param(self, zone: tzinfo) -> str:
        """The parameter naming ``zone`` (``$zone``), one for the query however many times it is read on it
        (another zone gets a parameter of its own)."""
        label = zone_label(zone)
        named = [n for n in self.params if n == "zone" or (n.startswith("zone") and n[4:].isdigit())]
        name = next((n for n in named if self.params[n] == label), None)
        if name is None:
            name = f"zone{len(named) + 1}" if named else "zone"
            self.params[name] = label
        return f"${name}"

    def on_zone(self, text: str, zone: tzinfo, what: str) -> str:
        """A stored (naive UTC) time ``text`` as a ``datetime`` on ``zone``'s clock, the zone a parameter
        (:meth:`zone_param`): made a UTC ``datetime``, then moved to the zone (Neo4j converts a zoned value
        given a ``timezone``; ArcadeDB does the same). ``what`` names the expression for the error when
        Cypher has no name for the clock."""
        if not isinstance(zone, ZoneInfo | timezone):
            raise NotPushable(f"{what} on the clock {zone_label(zone)}, which Cypher has no name for")
        utc = f"datetime({{datetime: {text}, timezone: 'UTC'}})"
        return f"datetime({{datetime: {utc}, timezone: {self.zone_param(zone)}}})"

    def var(self, name: str) -> Var:
        found = self.vars.get(name)
        if found is None:
            raise NotPushable(f"variable {name!r} is not bound here")
        return found

    # -- steps -----------------------------------------------------------------------------------------

    def seeds_param(self, description: str, compute: Callable[[], Any]) -> str:
        name = self.fresh("seeds")
        self.params[name] = Deferred(description, compute)
        return f"${name}"

    def about_seeds(self, text: str, k: int) -> str:
        about_fn, ns = self.about_fn, self.ns

        def compute() -> list[dict[str, Any]]:
            if about_fn is None:
                from graphmem.errors import QuerySemanticError

                raise QuerySemanticError("ABOUT needs a vector index, and none is available here")
            hits = [(str(i), float(s)) for i, s in about_fn(ns, text, k)][:k]
            return [{"id": i, "score": s, "note": f"ABOUT {text!r} ({s:.3f})"} for i, s in hits]

        return self.seeds_param(f"top {k} events nearest {text!r} in the vector index", compute)

    def fuzzy_seeds(self, labels: p.Labels, text: str, cutoff: float, limit: int | None) -> str:
        entities_fn = self.entities_fn

        def compute() -> list[dict[str, Any]]:
            if entities_fn is None:
                raise NotPushable("~ needs the entity list")
            return [
                {"id": e.id, "score": s, "note": f"~{text!r} matched {n!r} ({s:.2f})"}
                for e, s, n in fuzzy_entities(entities_fn(), labels, text, cutoff, limit)
            ]

        return self.seeds_param(f"entities alike {text!r} (rapidfuzz ≥ {cutoff:g})", compute)

    def value(self, expr: p.Expr, *, output: bool = False) -> tuple[str, str]:
        if isinstance(expr, p.Const):
            return self.param(expr.value), const_kind(expr.value)
        if isinstance(expr, p.Column):
            found = self.columns.get(expr.name)
            if found is None:
                raise NotPushable(f"column {expr.name!r} is not computed yet")
            return found
        if isinstance(expr, p.Agg):
            found = self.aggs.get(str(expr))
            if found is None:
                raise NotPushable(f"aggregate {expr} outside a grouping")
            return found
        if (self.aggregated or self.distinct) and isinstance(expr, p.Ref | p.PropRef):
            return "null", "null"
        if isinstance(expr, p.Ref):
            v = self.var(expr.var)
            if not output:
                return v.ident, v.what
            if v.what == "node":
                return f"{v.ident} " + NODE_MAP % v.ident, "node"
            if v.what == "edge":
                return EDGE_MAP % ((v.ident,) * 4), "edge"
            return f"[x IN relationships({v.ident}) | {EDGE_MAP % (('x',) * 4)}]", "path"
        if isinstance(expr, p.PropRef):
            return self.prop(expr)
        if isinstance(expr, p.Relevance):
            scores = [v.score for v in self.vars.values() if v.score]
            return (
                ("(" + " + ".join(f"coalesce({s}, 0.0)" for s in scores) + ")", "float") if scores else ("0.0", "float")
            )
        if isinstance(expr, p.Func):
            return self.func(expr)
        if isinstance(expr, p.PredicateExpr):
            return self.predicate(expr), "bool"
        assert_never(expr)

    def prop(self, expr: p.PropRef) -> tuple[str, str]:
        v = self.var(expr.var)
        key = expr.key
        if v.what == "node":
            if key == "score":
                return (v.score, "float") if v.score else ("null", "null")
            if key == "why":
                return (v.note, "str") if v.note else ("null", "null")
            cases = [(k, NODE_KEYS[k][key]) for k in v.kinds if key in NODE_KEYS[k]]
            if not cases:
                return "null", "null"
            kinds = {kind for _, (_, kind) in cases}
            kind = kinds.pop() if len(kinds) == 1 else "any"
            if len(cases) == len(v.kinds) and len({prop for _, (prop, _) in cases}) == 1:
                return _stored(v.ident, cases[0][1][0]), kind
            whens = " ".join(f"WHEN {v.ident}:{label_for(k)} THEN {_stored(v.ident, prop)}" for k, (prop, _) in cases)
            return f"CASE {whens} END", kind
        if key in ("score", "why"):
            return "null", "null"
        if v.what == "edge":
            if key == "type":
                return f"type({v.ident})", "str"
            if key == "hops":
                return "1", "int"
            if key not in EDGE_KEYS:
                return "null", "null"
            prop, kind = EDGE_KEYS[key]
            return f"{v.ident}.{prop}", kind
        if key == "hops":
            return f"length({v.ident})", "int"
        if key == "type":
            return f"[x IN relationships({v.ident}) | type(x)]", "list"
        if key not in EDGE_KEYS:
            return f"[x IN relationships({v.ident}) | null]", "list"
        return f"[x IN relationships({v.ident}) | x.{EDGE_KEYS[key][0]}]", "list"

    def func(self, expr: p.Func) -> tuple[str, str]:
        if expr.name == "natural":
            return self.natural(expr.arg)
        arg, kind = self.value(expr.arg)
        if expr.name in ("date", "next_day", "year", "month"):
            if kind != "datetime":
                raise NotPushable(f"{expr.name}() of a value that may not be a time")
            if expr.shift:
                arg = self.shifted(arg, expr.shift)
            if expr.zone is not None:
                return self.on_clock(expr.name, arg, expr.zone)
            if expr.name == "date":
                return f"CASE WHEN {arg} IS NULL THEN null ELSE localdatetime.truncate('day', {arg}) END", "datetime"
            return f"{arg}.{expr.name}", "int"
        if expr.name in ("lower", "upper"):
            if kind != "str":
                raise NotPushable(f"{expr.name}() of a value that may not be text")
            return f"to{expr.name.capitalize()}({arg})", "str"
        if expr.name == "size":
            if kind not in ("str", "list", "list_str"):
                raise NotPushable("size() of a value that may not be text or a list")
            return f"size({arg})", "int"
        raise NotPushable(f"function {expr.name}")

    def natural(self, arg: p.Expr) -> tuple[str, str]:
        """An event's session id in natural order: the key the writers store with each event
        (``session_order``, :func:`~graphmem.models.natural_sort_text`), which Cypher cannot compute.
        An event written by a graphmem before the key, in a store not opened for writing since (which
        adds it), sorts by its session id as text."""
        if not isinstance(arg, p.PropRef) or arg.key != "session" or self.aggregated or self.distinct:
            raise NotPushable("natural order of a value other than an event's session")
        v = self.var(arg.var)
        if v.what != "node" or NodeKind.EVENT not in v.kinds:
            return "null", "null"  # only events have a session
        key = f"coalesce({v.ident}.session_order, {v.ident}.session)"
        if len(v.kinds) > 1:
            return f"CASE WHEN {v.ident}:{label_for(NodeKind.EVENT)} THEN {key} END", "str"
        return key, "str"

    def on_clock(self, name: str, arg: str, zone: tzinfo) -> tuple[str, str]:
        """``date``/``year``/``month`` of a stored (naive UTC) time read on ``zone``'s clock, the zone a
        parameter (:meth:`on_zone`); ``date`` is the local midnight back in UTC, naive as stored times are.
        A ``NULL`` is tested first (ArcadeDB reads ``datetime({datetime: null})`` as now)."""
        local = self.on_zone(arg, zone, f"{name}()")
        if name in ("date", "next_day"):
            day = f"datetime.truncate('day', {local})"
            if name == "next_day":  # a calendar day on the zone's clock: 23 or 25 hours when it changes
                day = f"datetime.truncate('day', {day} + duration({{hours: 36}}))"
            midnight = f"datetime({{datetime: {day}, timezone: 'UTC'}})"
            value = f"localdatetime({{datetime: {midnight}}})"
            return f"CASE WHEN {arg} IS NULL THEN null ELSE {value} END", "datetime"
        return f"CASE WHEN {arg} IS NULL THEN null ELSE {local}.{name} END", "int"

    def predicate(self, expr: p.Expr) -> str:
        if isinstance(expr, p.BoolAnd):
            return chain("AND", [self.predicate(i) for i in expr.items])
        if isinstance(expr, p.BoolOr):
            return chain("OR", [self.predicate(i) for i in expr.items])
        if isinstance(expr, p.BoolNot):
            return f"(NOT {self.predicate(expr.operand)})"
        if isinstance(expr, p.Cmp):
            return self.compare(expr)
        if isinstance(expr, p.IsNull):
            text, _ = self.value(expr.operand)
            return f"({text} IS {'NOT ' if expr.negated else ''}NULL)"
        if isinstance(expr, p.InTime):
            return self.in_time(expr)
        if isinstance(expr, p.TimeIn):
            return self.time_in(expr)
        if isinstance(expr, p.Mentions):
            return self.mentions(expr)
        if isinstance(expr, p.HasName):
            v = self.var(expr.var)
            if not isinstance(expr.name, p.Const) or not isinstance(expr.name.value, str):
                raise NotPushable("NAMED with a computed name")
            key = self.param(name_key(expr.name.value))
            return f"(CASE WHEN {v.ident}:Entity THEN {key} IN {v.ident}.name_keys END)"
        if isinstance(expr, p.ValueExpr):
            text, kind = self.value(expr)
            if kind not in ("bool", "null"):
                raise NotPushable("a condition that may not be true or false")
            return text
        assert_never(expr)

    def compare(self, expr: p.Cmp) -> str:
        if expr.op == "~":
            raise NotPushable("~ on a computed value (fuzzy matching runs on the client)")
        left, lkind = self.value(expr.left)
        right, rkind = self.value(expr.right)
        if lkind in ("node", "edge", "path") or rkind in ("node", "edge", "path"):
            if expr.op not in ("=", "<>") or lkind != rkind:
                raise NotPushable(f"{expr.op} between nodes or edges")
            return f"({left} {expr.op} {right})"
        if expr.op == "IN":
            if rkind not in ("list", "list_str", "null"):
                raise NotPushable("IN with something that may not be a list")
            if lkind in ("list", "list_str"):
                # nothing is in an empty list, not even an item of a missing list (any() over null is null)
                return f"(size({right}) > 0 AND any(x IN {left} WHERE x IN {right}))"
            return f"({left} IN {right})"
        if expr.op in ("CONTAINS", "STARTS WITH", "ENDS WITH"):
            if rkind not in ("str", "null") or lkind not in ("str", "list_str", "null"):
                raise NotPushable(f"{expr.op} on values that may not be text")
            if lkind == "list_str":
                return f"any(x IN {left} WHERE toLower(x) {expr.op} toLower({right}))"
            return f"(toLower({left}) {expr.op} toLower({right}))"
        if expr.op in ("=", "<>", "<", "<=", ">", ">="):
            return f"({left} {expr.op} {right})"
        raise NotPushable(f"comparison {expr.op}")

    def bound(self, bound: p.Bound) -> str | None:
        if isinstance(bound.value, p.Const):
            value = bound.value.value
            if not isinstance(value, datetime):
                return None
            if bound.shift:
                try:
                    value = bound.shift.apply(value)  # as the executor
                except OverflowError:
                    raise NotPushable("a time bound shifted past the end of the calendar") from None
            return self.param(value)
        text, kind = self.value(bound.value)
        if kind != "datetime":
            raise NotPushable("a time bound that may not be a time")
        return self.shifted(text, bound.shift)

    def shifted(self, text: str, by: p.Shift | None) -> str:
        """A stored (naive UTC) time moved by a shift. Months and days on a zone's clock move a zoned
        ``datetime`` (:meth:`on_zone`; Cypher adds a duration's months and days on its calendar, its
        seconds exactly), made naive UTC again to compare with stored times; a ``NULL`` is tested first
        (ArcadeDB reads ``datetime({datetime: null})`` as now). On UTC's clock a naive time moves alone."""
        if not by:
            return text
        duration = f"duration({self.param({'months': by.months, 'days': by.days, 'seconds': by.seconds})})"
        if by.zone is None or not by.on_calendar:
            return f"({text} + {duration})"
        local = self.on_zone(text, by.zone, "a shift")
        moved = f"localdatetime({{datetime: datetime({{datetime: {local} + {duration}, timezone: 'UTC'}})}})"
        return f"(CASE WHEN {text} IS NULL THEN null ELSE {moved} END)"

    def in_time(self, expr: p.InTime) -> str:
        subject, kind = self.value(expr.subject)
        if kind not in ("datetime", "null"):
            raise NotPushable("a time window on a value that may not be a time")
        subject = self.shifted(subject, expr.shift)
        conds = []
        for bound, ops in ((expr.low, (">=", ">")), (expr.high, ("<=", "<"))):
            if bound is None:
                continue
            text = self.bound(bound)
            if text is None:
                return "null"
            conds.append(f"{subject} {ops[0] if bound.inclusive else ops[1]} {text}")
        return "(" + " AND ".join(conds) + ")" if conds else f"({subject} IS NOT NULL OR null)"

    def time_in(self, expr: p.TimeIn) -> str:
        # one parameter of ranges however long the list: [start, end) of a date, start itself of a moment
        # (end = start); any() over them is unknown for a missing time, false over none
        subject, kind = self.value(expr.subject)
        if kind not in ("datetime", "null"):
            raise NotPushable("a time in a list, of a value that may not be a time")
        ranges = self.param(tuple({"start": start, "end": end} for start, end in expr.ranges))
        test = f"any(r IN {ranges} WHERE r.start <= {subject} AND ({subject} < r.end OR {subject} = r.start))"
        return f"({test} OR null)" if expr.unknown else test

    def mentions(self, expr: p.Mentions) -> str:
        v = self.var(expr.var)
        if v.what != "node":
            return "null"
        m = self.fresh("x")
        if expr.how == "var":
            assert isinstance(expr.target, p.Ref)
            other = self.var(expr.target.var)
            if other.what != "node":
                return "false"
            test = f"({other.ident}:Entity AND EXISTS {{ MATCH ({v.ident})-[:MENTIONS]->({other.ident}) }})"
        else:
            if not isinstance(expr.target, p.Const) or not isinstance(expr.target.value, str):
                raise NotPushable("MENTIONS with a computed name")
            text = expr.target.value
            if expr.how == "name":
                cond = f"{self.param(name_key(text))} IN {m}.name_keys"
            else:
                seeds = self.fuzzy_seeds(p.Labels((NodeKind.ENTITY,)), text, expr.cutoff or 80.0, None)
                cond = f"{m}.id IN [s IN {seeds} | s.id]"
            test = f"EXISTS {{ MATCH ({v.ident})-[:MENTIONS]->({m}:Entity) WHERE {cond} }}"
        return f"(CASE WHEN {v.ident}:Event THEN {test} END)"


#: The most terms of one ``AND``/``OR`` run in the Cypher text: ArcadeDB refuses a run of 200 (and nesting
#: 200 deep), so a longer chain is split in halves, each in parentheses, until the runs are this short.
MAX_RUN = 16


def chain(op: str, terms: Sequence[str]) -> str:
    """``terms`` joined by ``op`` (``AND`` or ``OR``) in parentheses; a chain longer than :data:`MAX_RUN`
    is a balanced tree of parenthesised runs (depth grows with the log of its length: 500 terms are
    5 levels of runs of at most 16), the same truth since both are associative in three-valued logic."""
    if len(terms) <= MAX_RUN:
        return "(" + f" {op} ".join(terms) + ")"
    half = len(terms) // 2
    return f"({chain(op, terms[:half])} {op} {chain(op, terms[half:])})"


def param_value(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [param_value(v) for v in value]
    if isinstance(value, datetime) and value.tzinfo is not None:
        from graphmem.store.cypher.schema import dt_in

        return dt_in(value)
    return value


def const_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, tuple | list):
        return "list_str" if all(isinstance(v, str) for v in value) else "list"
    return "any"
