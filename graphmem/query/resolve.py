"""Name and value resolution for the planner: labels, edge types, variables, parameters, dates, expressions.

Everything a query names is checked here against the :class:`Schema` and the variables in scope; a
wrong name raises :class:`~graphmem.errors.QuerySemanticError` pointing at its span and suggesting the
closest valid word.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from graphmem.errors import QuerySemanticError
from graphmem.models import EdgeType, NodeKind
from graphmem.query import ast
from graphmem.query import plan as p
from graphmem.query.limits import QueryLimits
from graphmem.query.syntax_errors import caret_context
from graphmem.query.timeutil import DateTextError, interval_of, naive_utc, parse_date_text, shift

__all__ = [
    "AGGREGATES",
    "DEFAULT_ENTITY_TYPES",
    "DEFAULT_SCHEMA",
    "SCALAR_FUNCTIONS",
    "Resolver",
    "Schema",
    "Scope",
    "VarInfo",
    "closest",
    "vars_of",
]

#: Entity types the extractors write (spaCy NER types mapped, speakers, noun-chunk topics).
DEFAULT_ENTITY_TYPES = (
    "Person",
    "Place",
    "Organization",
    "Group",
    "Occasion",
    "Work",
    "Product",
    "Language",
    "Thing",
    "Topic",
)
AGGREGATES = ("avg", "collect", "count", "max", "min", "sum")
SCALAR_FUNCTIONS = ("date", "lower", "month", "size", "upper", "year")
_TIME_KEYS = ("time", "valid_from", "valid_to", "recorded_at", "expired_at")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400, "week": 604800}
_UNIT_MONTHS = {"month": 1, "year": 12}
ALL_KINDS = (NodeKind.SESSION, NodeKind.EVENT, NodeKind.ENTITY)


def closest(word: str, candidates: Iterable[str], cutoff: float = 60.0) -> str | None:
    """The candidate most like ``word`` (ignoring case), or ``None`` when none is close."""
    from rapidfuzz import fuzz, process

    options = list(dict.fromkeys(candidates))
    if not options:
        return None
    best = process.extractOne(word, options, scorer=fuzz.ratio, processor=str.lower, score_cutoff=cutoff)
    return None if best is None else str(best[0])


@dataclass(frozen=True, slots=True)
class Schema:
    """The labels and edge types a query may name.

    Node labels are the kinds ``Event``, ``Entity`` and ``Session`` plus the entity types (``Person``,
    ``Place``, …), matched ignoring case. Edge types are :class:`~graphmem.models.EdgeType` plus two
    reversed aliases: ``SAID`` (person → event, the reverse of ``SPOKEN_BY``) and ``PREV`` (the reverse
    of ``NEXT``).
    """

    entity_types: tuple[str, ...] = DEFAULT_ENTITY_TYPES

    def with_types(self, types: Iterable[str]) -> Schema:
        """This schema with more entity types (e.g. the ones a store actually holds)."""
        known = {t.lower() for t in self.entity_types}
        extra = sorted({t for t in types if t and t.lower() not in known and t.isidentifier()})
        return Schema((*self.entity_types, *extra)) if extra else self

    @property
    def labels(self) -> tuple[str, ...]:
        """Every node label, kinds first."""
        return ("Event", "Entity", "Session", *self.entity_types)

    @property
    def edge_types(self) -> tuple[str, ...]:
        """Every edge type name, aliases included."""
        return (*(t.value for t in EdgeType), "SAID", "PREV")

    def label(self, name: str) -> p.Labels | None:
        """The node set a label names, or ``None`` when it names none."""
        low = name.lower()
        if low == "event":
            return p.Labels((NodeKind.EVENT,))
        if low == "session":
            return p.Labels((NodeKind.SESSION,))
        if low == "entity":
            return p.Labels((NodeKind.ENTITY,))
        for t in self.entity_types:
            if t.lower() == low:
                return p.Labels((NodeKind.ENTITY,), (t,))
        return None

    def edge_type(self, name: str) -> tuple[EdgeType, bool] | None:
        """The stored edge type a name means and whether it is followed in reverse, or ``None``."""
        up = name.upper()
        if up == "SAID":
            return EdgeType.SPOKEN_BY, True
        if up == "PREV":
            return EdgeType.NEXT, True
        try:
            return EdgeType(up), False
        except ValueError:
            return None


DEFAULT_SCHEMA = Schema()


@dataclass(slots=True)
class VarInfo:
    """A variable in scope: a node (with the labels it may have) or an edge."""

    name: str
    is_node: bool
    labels: p.Labels = field(default_factory=p.Labels)
    span: ast.Span = ast.NO_SPAN
    internal: bool = False
    ranged: bool = False


@dataclass(slots=True)
class Scope:
    """The variables of a statement, in order of first appearance."""

    vars: dict[str, VarInfo] = field(default_factory=dict)

    def visible(self) -> list[str]:
        """Names the user wrote (not the planner's ``_n1``/``_r1``)."""
        return [n for n, v in self.vars.items() if not v.internal]


class Resolver:
    """Turns AST values and predicates into plan expressions, checking every name."""

    def __init__(
        self,
        source: str,
        params: Mapping[str, Any],
        schema: Schema,
        limits: QueryLimits,
        scope: Scope,
    ) -> None:
        self.source = source
        self.params = params
        self.schema = schema
        self.limits = limits
        self.scope = scope

    # -- errors -----------------------------------------------------------------------------------

    def error(
        self,
        message: str,
        span: ast.Span,
        suggestion: str | None = None,
        cls: type[QuerySemanticError] = QuerySemanticError,
        *,
        word: str | None = None,
    ) -> QuerySemanticError:
        """A semantic error pointing at ``span`` (narrowed to ``word`` when it occurs inside it)."""
        if span and word:
            span = self.narrow(span, word)
        if not span:
            return cls(message, suggestion=suggestion)
        width = span.end_column - span.column if span.end_line == span.line else 10_000
        context = caret_context(self.source, span.line, span.column, width)
        return cls(message, line=span.line, column=span.column, context=context, suggestion=suggestion)

    def narrow(self, span: ast.Span, word: str) -> ast.Span:
        """The span of the first ``word`` inside ``span`` (``span`` itself when it is not there)."""
        index = self.source.find(word, span.start, span.end)
        if index < 0:
            return span
        line = self.source.count("\n", 0, index) + 1
        column = index - (self.source.rfind("\n", 0, index) + 1) + 1
        end = index + len(word)
        return ast.Span(line, column, line, column + len(word), index, end)

    # -- parameters and constants -----------------------------------------------------------------

    def param(self, node: ast.Param) -> Any:
        """The raw value bound to a parameter."""
        if node.name not in self.params:
            hint = closest(node.name, self.params)
            bound = ", ".join(f"${k}" for k in sorted(self.params)) or "none"
            raise self.error(
                f"parameter ${node.name} is not bound (bound: {bound})",
                node.span,
                None if hint is None else f"${hint}",
            )
        return self.params[node.name]

    def _scalar(self, value: Any, node: ast.Param) -> Any:
        if value is None or isinstance(value, bool | int | str):
            return value
        if isinstance(value, float):
            if math.isnan(value):
                raise self.error(f"parameter ${node.name} is NaN", node.span)
            return value
        if isinstance(value, datetime):
            return naive_utc(value)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day)
        raise self.error(
            f"parameter ${node.name} is a {type(value).__name__}; bind text, a number, a boolean, "
            "a date or a list of these",
            node.span,
        )

    def param_const(self, node: ast.Param) -> p.Const:
        """A parameter as a constant (lists become tuples)."""
        value = self.param(node)
        if isinstance(value, list | tuple | set | frozenset):
            items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
            return p.Const(tuple(self._scalar(v, node) for v in items), node.name)
        return p.Const(self._scalar(value, node), node.name)

    def const(self, node: ast.Literal | ast.Param, what: str, kind: type | tuple[type, ...]) -> p.Const:
        """A literal or parameter that must be of ``kind`` (``what`` names it in errors)."""
        value = self.param_const(node) if isinstance(node, ast.Param) else p.Const(node.value)
        if not isinstance(value.value, kind) or (isinstance(value.value, bool) and bool not in _tuple(kind)):
            raise self.error(f"{what} must be {_kind_words(kind)}, not {_show(value.value)}", node.span)
        return value

    def const_int(self, node: ast.Literal | ast.Param, what: str, low: int, high: int | None) -> int:
        """A whole number in ``low..high``; over ``high`` is a limit error."""
        from graphmem.query.limits import PlanLimitError

        value = int(self.const(node, what, int).value)
        if value < low:
            raise self.error(f"{what} must be at least {low}, not {value}", node.span)
        if high is not None and value > high:
            raise self.error(f"{what} {value} is over the limit of {high}", node.span, cls=PlanLimitError)
        return value

    def text(self, node: ast.Literal | ast.Param, what: str) -> p.Const:
        """A non-empty text constant."""
        value = self.const(node, what, str)
        if not str(value.value).strip():
            raise self.error(f"{what} must not be empty", node.span)
        return value

    # -- dates ------------------------------------------------------------------------------------

    def interval(self, node: ast.DateLit | ast.Param) -> tuple[datetime, datetime]:
        """The interval a date literal or date parameter denotes."""
        if isinstance(node, ast.Param):
            value = self.param(node)
            if isinstance(value, datetime | date):
                return interval_of(value)
            if isinstance(value, str):
                try:
                    return parse_date_text(value)
                except ValueError as exc:
                    raise self.error(f"parameter ${node.name}: {exc}", node.span) from None
            raise self.error(
                f"parameter ${node.name} must be a date, a datetime or date text, not {_show(value)}", node.span
            )
        try:
            return parse_date_text(node.text)
        except DateTextError as exc:
            raise self.error(str(exc), node.span, exc.suggestion) from None

    def duration(self, node: ast.Duration, sign: str = "+") -> p.Shift:
        """A duration as a signed calendar shift."""
        factor = -1 if sign == "-" else 1
        if node.unit in _UNIT_MONTHS:
            return p.Shift(months=factor * node.amount * _UNIT_MONTHS[node.unit])
        return p.Shift(seconds=float(factor * node.amount * _UNIT_SECONDS[node.unit]))

    def _shift_interval(
        self, interval: tuple[datetime, datetime], by: p.Shift, span: ast.Span
    ) -> tuple[datetime, datetime]:
        try:
            return shift(interval[0], by.months, by.seconds), shift(interval[1], by.months, by.seconds)
        except (OverflowError, ValueError):
            raise self.error("this date moves out of the calendar's range", span) from None

    def time_operand(self, node: ast.TimeValue) -> tuple[datetime, datetime] | tuple[p.Expr, p.Shift]:
        """A time value: a constant interval, or a node's time expression with a pending shift."""
        total = p.Shift()
        for sign, dur in node.shifts:
            total = total + self.duration(dur, sign)
        base = node.base
        if isinstance(base, ast.DateLit | ast.Param):
            return self._shift_interval(self.interval(base), total, node.span)
        return self.time_subject(base), total

    def moment(self, node: ast.TimeValue) -> datetime:
        """A constant time (the start of its interval), for ``AS OF``, ``VALID AT`` and RECALL windows."""
        operand = self.time_operand(node)
        if not isinstance(operand[0], datetime):
            raise self.error("this needs a date, not a variable", node.span)
        return operand[0]

    def time_subject(self, node: ast.Expr) -> p.Expr:
        """A time-valued expression: a node (its time) or a time property."""
        if isinstance(node, ast.Var):
            info = self.var(node.name, node.span)
            if not info.is_node:
                raise self.error(
                    f"{node.name} is an edge; compare one of its times: "
                    + ", ".join(f"{node.name}.{k}" for k in _TIME_KEYS[1:]),
                    node.span,
                )
            if NodeKind.ENTITY in info.labels.kinds and len(info.labels.kinds) == 1:
                raise self.error(f"{node.name} is an entity, and entities have no time", node.span)
            return p.PropRef(node.name, "time")
        if isinstance(node, ast.Prop):
            ref = self.prop(node)
            if node.key not in _TIME_KEYS:
                raise self.error(f"{node.var}.{node.key} is not a time", node.span, closest(node.key, _TIME_KEYS))
            return ref
        return self.value(node)

    def window(self, subject: p.Expr | None, node: ast.Window) -> tuple[p.Bound | None, p.Bound | None]:
        """The low and high bounds of a window."""
        low_op = self.time_operand(node.low)
        if node.op == "BETWEEN":
            assert node.high is not None
            high_op = self.time_operand(node.high)
            return _low(low_op, inclusive_point=True), _high(high_op, inclusive_point=True)
        if node.op == "BEFORE":
            return None, _high(low_op, inclusive_point=False, use_start=True)
        if node.op == "AFTER":
            return _low(low_op, inclusive_point=False, use_end=True), None
        if node.op == "ON":
            if isinstance(low_op[0], datetime):
                return _low(low_op, inclusive_point=True), _high(low_op, inclusive_point=False)
            expr, by = low_op
            day = p.Func("date", expr)
            return p.Bound(day, True, by or None), p.Bound(day, False, by + p.Shift(seconds=86400.0))
        assert node.op == "WITHIN" and node.within is not None
        width = self.duration(node.within)
        back = p.Shift(-width.months, -width.seconds)
        if isinstance(low_op[0], datetime):
            start, end = self._shift_interval(low_op, back, node.span)
            _, end = self._shift_interval(low_op, width, node.span)
            return p.Bound(p.Const(start), True), p.Bound(p.Const(end), False)
        expr, by = low_op
        return p.Bound(expr, True, by + back), p.Bound(expr, True, by + width)

    # -- variables and properties -----------------------------------------------------------------

    def var(self, name: str, span: ast.Span) -> VarInfo:
        """A variable in scope."""
        info = self.scope.vars.get(name)
        if info is None:
            visible = self.scope.visible()
            known = ", ".join(visible) or "none"
            raise self.error(f"unknown variable {name} (variables here: {known})", span, closest(name, visible))
        return info

    def prop(self, node: ast.Prop) -> p.PropRef:
        """A property reference, checked against what the variable can bind."""
        info = self.var(node.var, node.span)
        if info.is_node:
            keys: list[str] = []
            for kind in info.labels.kinds:
                keys.extend(k for k in p.NODE_PROPS[kind] if k not in keys)
            if NodeKind.EVENT in info.labels.kinds or NodeKind.ENTITY in info.labels.kinds:
                keys.append("why")
            what = "/".join(k.value for k in info.labels.kinds)
        else:
            keys = list(p.EDGE_PROPS)
            what = "edge"
        if node.key not in keys:
            raise self.error(
                f"{what} {node.var} has no property {node.key!r} (it has: {', '.join(keys)})",
                node.span,
                closest(node.key, keys),
            )
        return p.PropRef(node.var, node.key)

    # -- expressions ------------------------------------------------------------------------------

    def value(self, node: ast.Expr, *, aggregates: bool = False) -> p.Expr:
        """A value expression; aggregates only where ``aggregates`` is true (and never nested)."""
        if isinstance(node, ast.Literal):
            return p.Const(node.value)
        if isinstance(node, ast.DateLit):
            return p.Const(self.interval(node)[0])
        if isinstance(node, ast.Param):
            return self.param_const(node)
        if isinstance(node, ast.Var):
            self.var(node.name, node.span)
            return p.Ref(node.name)
        if isinstance(node, ast.Prop):
            return self.prop(node)
        if isinstance(node, ast.Relevance):
            return p.Relevance()
        if isinstance(node, ast.ListLit):
            items = []
            for item in node.items:
                value = self.value(item)
                if not isinstance(value, p.Const) or isinstance(value.value, tuple):
                    raise self.error("a list holds plain values only (text, numbers, dates)", item.span)
                items.append(value.value)
            return p.Const(tuple(items))
        if isinstance(node, ast.Call):
            return self.call(node, aggregates=aggregates)
        raise self.error("a condition cannot be used as a value here", node.span)

    def call(self, node: ast.Call, *, aggregates: bool) -> p.Expr:
        """A function call or aggregate."""
        name = node.name.lower()
        if name in AGGREGATES:
            if not aggregates:
                raise self.error(f"{name}() is an aggregate; use it in RETURN or ORDER BY, not here", node.span)
            if node.star and name != "count":
                raise self.error(f"only count takes *, not {name}", node.span)
            if node.arg is None and not node.star:
                raise self.error(f"{name}() needs an argument", node.span)
            arg = None if node.arg is None else self.value(node.arg)
            return p.Agg(name, arg, node.distinct)
        if name in SCALAR_FUNCTIONS:
            if node.star or node.arg is None or node.distinct:
                raise self.error(f"{name}() takes one value", node.span)
            return p.Func(name, self.value(node.arg))
        raise self.error(
            f"unknown function {node.name}() (functions: {', '.join((*SCALAR_FUNCTIONS, *AGGREGATES))})",
            node.span,
            closest(name, (*SCALAR_FUNCTIONS, *AGGREGATES)),
        )

    def predicate(self, node: ast.Expr) -> p.Expr:
        """A condition (``WHERE``)."""
        if isinstance(node, ast.And):
            return _flatten(p.BoolAnd, self.predicate(node.left), self.predicate(node.right))
        if isinstance(node, ast.Or):
            return _flatten(p.BoolOr, self.predicate(node.left), self.predicate(node.right))
        if isinstance(node, ast.Not):
            return p.BoolNot(self.predicate(node.operand))
        if isinstance(node, ast.Compare):
            right = self.value(node.right)
            if node.op == "IN" and isinstance(right, p.Const) and not isinstance(right.value, tuple):
                raise self.error('IN needs a list, such as ["a", "b"] or a list parameter', node.right.span)
            return p.Cmp(node.op, self.value(node.left), right)
        if isinstance(node, ast.FuzzyCompare):
            return p.Cmp("~", self.value(node.left), self.value(node.right), self.limits.fuzzy_cutoff)
        if isinstance(node, ast.IsNull):
            return p.IsNull(self.value(node.operand), node.negated)
        if isinstance(node, ast.Temporal):
            subject = self.time_subject(node.subject)
            low, high = self.window(subject, node.window)
            return p.InTime(subject, low, high, node.window.op)
        if isinstance(node, ast.Mentions):
            return self.mentions(node)
        raise self.error("this is a value, not a condition; compare it with something", node.span)

    def mentions(self, node: ast.Mentions) -> p.Mentions:
        """``e MENTIONS target``."""
        info = self.var(node.var, node.span)
        if not info.is_node or NodeKind.EVENT not in info.labels.kinds:
            raise self.error(f"{node.var} is not an event, so it mentions nothing", node.span)
        target = node.target
        if target.kind == "var":
            assert isinstance(target.value, ast.Var)
            other = self.var(target.value.name, target.value.span)
            if not other.is_node or NodeKind.ENTITY not in other.labels.kinds:
                raise self.error(f"{target.value.name} is not an entity", target.span)
            return p.Mentions(node.var, "var", p.Ref(target.value.name))
        assert isinstance(target.value, ast.Literal | ast.Param)
        text = self.text(target.value, "the name after MENTIONS")
        cutoff = self.limits.fuzzy_cutoff if target.kind == "fuzzy" else None
        return p.Mentions(node.var, target.kind, text, cutoff)


def vars_of(expr: p.Expr | p.Bound | None) -> set[str]:
    """Variables an expression reads."""
    if expr is None or isinstance(expr, p.Const | p.Relevance | p.Column):
        return set()
    if isinstance(expr, p.Ref | p.PropRef):
        return {expr.var}
    if isinstance(expr, p.Bound):
        return vars_of(expr.value)
    if isinstance(expr, p.Func):
        return vars_of(expr.arg)
    if isinstance(expr, p.Agg):
        return vars_of(expr.arg)
    if isinstance(expr, p.Cmp):
        return vars_of(expr.left) | vars_of(expr.right)
    if isinstance(expr, p.IsNull):
        return vars_of(expr.operand)
    if isinstance(expr, p.InTime):
        return vars_of(expr.subject) | vars_of(expr.low) | vars_of(expr.high)
    if isinstance(expr, p.Mentions):
        return {expr.var} | vars_of(expr.target)
    if isinstance(expr, p.HasName):
        return {expr.var}
    if isinstance(expr, p.BoolAnd | p.BoolOr):
        out: set[str] = set()
        for item in expr.items:
            out |= vars_of(item)
        return out
    if isinstance(expr, p.BoolNot):
        return vars_of(expr.operand)
    raise TypeError(expr)  # pragma: no cover


def _flatten(cls: type[p.BoolAnd] | type[p.BoolOr], left: p.Expr, right: p.Expr) -> p.Expr:
    items: list[p.Expr] = []
    for side in (left, right):
        if isinstance(side, cls):
            items.extend(side.items)
        else:
            items.append(side)
    return cls(tuple(items))


def _low(
    operand: tuple[datetime, datetime] | tuple[p.Expr, p.Shift], *, inclusive_point: bool, use_end: bool = False
) -> p.Bound:
    if isinstance(operand[0], datetime):
        start, end = operand
        return p.Bound(p.Const(end if use_end else start), True)
    expr, by = operand
    return p.Bound(expr, inclusive_point, by or None)


def _high(
    operand: tuple[datetime, datetime] | tuple[p.Expr, p.Shift], *, inclusive_point: bool, use_start: bool = False
) -> p.Bound:
    if isinstance(operand[0], datetime):
        start, end = operand
        return p.Bound(p.Const(start if use_start else end), False)
    expr, by = operand
    return p.Bound(expr, inclusive_point, by or None)


def _tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _kind_words(kind: type | tuple[type, ...]) -> str:
    words = {str: "text", int: "a whole number", float: "a number", bool: "TRUE or FALSE"}
    return " or ".join(words.get(k, k.__name__) for k in _tuple(kind))


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if value is None:
        return "NULL"
    return f"{type(value).__name__} {value!r}"
