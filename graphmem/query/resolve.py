"""Name and value resolution for the planner: labels, edge types, variables, parameters, dates, expressions.

Everything a query names is checked here against the :class:`~graphmem.query.schema.Schema` (re-exported
here) and the variables in scope; a wrong name raises :class:`~graphmem.errors.QuerySemanticError` pointing
at its span and suggesting the closest valid word.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from typing import Any, assert_never

from graphmem.errors import QuerySemanticError
from graphmem.models import NodeKind
from graphmem.query import ast, time_bounds
from graphmem.query import plan as p
from graphmem.query.arg_types import wrong_argument
from graphmem.query.limits import QueryLimits
from graphmem.query.numbers import RANGE_WORDS, fits_int64
from graphmem.query.plan_expr import flatten
from graphmem.query.schema import DEFAULT_ENTITY_TYPES, DEFAULT_SCHEMA, Schema, closest
from graphmem.query.syntax_errors import caret_context
from graphmem.query.time_bounds import EDGE_TIME_KEYS, TIME_KEYS, high_bound, interval_test, is_time, low_bound
from graphmem.query.timeutil import (
    EPSILON,
    DateTextError,
    grain_end,
    interval_of,
    naive_utc,
    parse_date_text,
    shift_clamped,
)
from graphmem.text import nfc_value

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
]

AGGREGATES = ("avg", "collect", "count", "max", "min", "sum")
SCALAR_FUNCTIONS = ("date", "lower", "month", "size", "upper", "year")
# the functions that take a time apart, on the memory's clock
_CLOCK_FUNCTIONS = ("date", "month", "year")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400, "week": 604800}
_UNIT_MONTHS = {"month": 1, "year": 12}
# A duration longer than the whole calendar (years 1-9999) is a mistake, not a window.
_MAX_MONTHS = 10_000 * 12
_MAX_SECONDS = 10_000 * 366 * 86_400
# ``a op d`` with a date on the left reads as ``d flipped-op a``.
_FLIP_OP = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
ALL_KINDS = (NodeKind.SESSION, NodeKind.EVENT, NodeKind.ENTITY)


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
        zone: tzinfo | None = None,
    ) -> None:
        self.source = source
        self.zone = zone  # the clock date literals are read on (None: UTC)
        self.params = {name: nfc_value(value) for name, value in params.items()}  # as every input is read
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
        if isinstance(value, int) and not isinstance(value, bool) and not fits_int64(value):
            raise self.error(f"parameter ${node.name} is out of range: {RANGE_WORDS}", node.span)
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
                return interval_of(value, self.zone)
            if isinstance(value, str):
                try:
                    return parse_date_text(value, self.zone)
                except ValueError as exc:
                    raise self.error(f"parameter ${node.name}: {exc}", node.span) from None
            raise self.error(
                f"parameter ${node.name} must be a date, a datetime or date text, not {_show(value)}", node.span
            )
        try:
            return parse_date_text(node.text, self.zone)
        except DateTextError as exc:
            raise self.error(str(exc), node.span, exc.suggestion) from None

    def duration(self, node: ast.Duration, sign: str = "+") -> p.Shift:
        """A duration as a signed calendar shift."""
        factor = -1 if sign == "-" else 1
        if node.unit in _UNIT_MONTHS:
            size, top = node.amount * _UNIT_MONTHS[node.unit], _MAX_MONTHS // _UNIT_MONTHS[node.unit]
        else:
            size, top = node.amount * _UNIT_SECONDS[node.unit], _MAX_SECONDS // _UNIT_SECONDS[node.unit]
        if node.amount > top:
            raise self.error(
                f"{node.amount} {node.unit}s is longer than the calendar (at most {top} {node.unit}s)", node.span
            )
        if node.unit in _UNIT_MONTHS:
            return p.Shift(months=factor * size)
        return p.Shift(seconds=float(factor * size))

    def _shift_interval(
        self, interval: tuple[datetime, datetime], by: p.Shift, span: ast.Span
    ) -> tuple[datetime, datetime]:
        # An end that moves past the calendar is clamped; an interval that moves out of it entirely is an error.
        if not by:
            return interval
        start = shift_clamped(interval[0], by.months, by.seconds)
        end = shift_clamped(interval[1], by.months, by.seconds)
        if start == datetime.max or end == datetime.min:
            raise self.error("this date moves out of the calendar's range", span)
        return start, end

    def shift_of(self, node: ast.TimeValue) -> p.Shift:
        """The sum of a time value's shifts (``2023-06-01 + 1 month - 1 hour``)."""
        total = p.Shift()
        for sign, dur in node.shifts:
            total = total + self.duration(dur, sign)
        return total

    def time_operand(self, node: ast.TimeValue) -> tuple[datetime, datetime] | tuple[p.Expr, p.Shift]:
        """A time value: a constant interval, or a node's time expression with a pending shift."""
        total = self.shift_of(node)
        base = node.base
        if isinstance(base, ast.DateLit | ast.Param):
            return self._shift_interval(self.interval(base), total, node.span)
        return self.time_subject(base), total

    def moment(self, node: ast.TimeValue, *, upper: bool = False) -> datetime:
        """A constant time (the start of its interval), for ``AS OF``, ``VALID AT`` and RECALL windows.

        With ``upper`` (``AS OF``, an inclusive upper bound as ``until`` is) a date (a day, a month or a
        year) means its last moment, so memory as of a day holds what was said that day; a time of day
        or a ``datetime`` parameter stays that moment.
        """
        start, end = self.time_operand(node)
        if not isinstance(start, datetime) or not isinstance(end, datetime):
            raise self.error("this needs a date, not a variable", node.span)
        if upper and isinstance(node.base, ast.DateLit | ast.Param):
            # whether the value is a date is read before any shift ("2023-06-01 + 1 hour" is a date
            # moved by an hour): the date moves by the months, its last moment by the rest, so a later
            # shift never gives an earlier time and a month keeps its last day ("2023-02 + 1 month": 31 March)
            low, high = self.interval(node.base)
            grain = next((g for g in ("day", "month", "year") if grain_end(low, g) == high), None)
            if grain is not None and low.time() == time.min:
                total = self.shift_of(node)
                moved = shift_clamped(low, total.months)
                if moved == datetime.max:
                    return moved
                end = grain_end(moved, grain)
                last = shift_clamped(end if end == datetime.max else end - EPSILON, 0, total.seconds)
                if moved == datetime.min or last == datetime.min:
                    raise self.error("this date moves out of the calendar's range", node.span)
                return last
        return start

    def time_subject(self, node: ast.Expr) -> p.Expr:
        """A time-valued expression: a node (its time) or a time property."""
        if isinstance(node, ast.Var):
            info = self.var(node.name, node.span)
            if not info.is_node:
                raise self.error(
                    f"{node.name} is an edge; compare one of its times: "
                    + ", ".join(f"{node.name}.{k}" for k in EDGE_TIME_KEYS),
                    node.span,
                )
            if NodeKind.ENTITY in info.labels.kinds and len(info.labels.kinds) == 1:
                raise self.error(f"{node.name} is an entity, and entities have no time", node.span)
            return p.PropRef(node.name, "time")
        if isinstance(node, ast.Prop):
            ref = self.prop(node)
            if node.key not in TIME_KEYS:
                raise self.error(f"{node.var}.{node.key} is not a time", node.span, closest(node.key, TIME_KEYS))
            return ref
        return self.value(node)

    def window(self, subject: p.Expr | None, node: ast.Window) -> tuple[p.Bound | None, p.Bound | None]:
        """The low and high bounds of a window."""
        low_op = self.time_operand(node.low)
        if node.op == "BETWEEN":
            assert node.high is not None
            high_op = self.time_operand(node.high)
            if isinstance(low_op[0], datetime) and isinstance(high_op[0], datetime) and low_op[0] >= high_op[1]:
                raise self.error("BETWEEN's first date is after its second: the window holds no time", node.span)
            return low_bound(low_op, inclusive_point=True), high_bound(high_op, inclusive_point=True)
        if node.op == "BEFORE":
            return None, high_bound(low_op, inclusive_point=False, use_start=True)
        if node.op == "AFTER":
            return low_bound(low_op, inclusive_point=False, use_end=True), None
        if node.op == "ON":
            if isinstance(low_op[0], datetime):
                return low_bound(low_op, inclusive_point=True), high_bound(low_op, inclusive_point=False)
            expr, by = low_op
            return time_bounds.day_bounds(expr, by, self.zone)
        assert node.op == "WITHIN" and node.within is not None
        width = self.duration(node.within)
        back = p.Shift(-width.months, -width.seconds)
        if isinstance(low_op[0], datetime):
            start = shift_clamped(low_op[0], back.months, back.seconds)
            end = shift_clamped(low_op[1], width.months, width.seconds)
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
        if isinstance(node, ast.Predicate):
            raise self.error("a condition cannot be used as a value here", node.span)
        assert_never(node)

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
            arg = None if node.arg is None else self.checked_arg(name, node.arg)
            return p.Agg(name, arg, node.distinct)
        if name in SCALAR_FUNCTIONS:
            if node.star or node.arg is None or node.distinct:
                raise self.error(f"{name}() takes one value", node.span)
            zone = self.zone if name in _CLOCK_FUNCTIONS else None
            return p.Func(name, self.checked_arg(name, node.arg), zone)
        raise self.error(
            f"unknown function {node.name}() (functions: {', '.join((*SCALAR_FUNCTIONS, *AGGREGATES))})",
            node.span,
            closest(name, (*SCALAR_FUNCTIONS, *AGGREGATES)),
        )

    def checked_arg(self, name: str, node: ast.Expr) -> p.Expr:
        """A call's argument, refused when its kind is known and not one ``name()`` takes."""
        arg = self.value(node)
        if (message := wrong_argument(name, arg, self.scope.vars.values())) is not None:
            raise self.error(message, node.span)
        return arg

    def predicate(self, node: ast.Expr) -> p.Expr:
        """A condition (``WHERE``)."""
        if isinstance(node, ast.And):
            return flatten(p.BoolAnd, self.predicate(node.left), self.predicate(node.right))
        if isinstance(node, ast.Or):
            return flatten(p.BoolOr, self.predicate(node.left), self.predicate(node.right))
        if isinstance(node, ast.Not):
            return p.BoolNot(self.predicate(node.operand))
        if isinstance(node, ast.Compare):
            dated = self.date_compare(node.op, node.left, node.right)
            if dated is not None:
                return dated
            right = self.value(node.right)
            if node.op == "IN" and isinstance(right, p.Const) and not isinstance(right.value, tuple):
                raise self.error('IN needs a list, such as ["a", "b"] or a list parameter', node.right.span)
            return p.Cmp(node.op, self.value(node.left), right)
        if isinstance(node, ast.TimeCompare):
            return time_bounds.shifted_test(
                self.time_subject(node.left), node.op, self.time_operand(node.right), self.zone
            )
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
        if isinstance(node, ast.Value):
            raise self.error("this is a value, not a condition; compare it with something", node.span)
        assert_never(node)

    def equals(self, left: p.Expr, right: ast.Expr) -> p.Expr:
        """``left = right`` for a property map entry (a date on the right means its interval, as ``ON``)."""
        interval = self.date_operand(right, left)
        if interval is not None:
            return interval_test(left, "=", interval, _param_name(right))
        return p.Cmp("=", left, self.value(right))

    def date_operand(self, node: ast.Expr, subject: p.Expr | None = None) -> tuple[datetime, datetime] | None:
        """The interval of a date operand, or ``None`` when ``node`` is not one.

        A date literal, a parameter bound to a ``date``, or a whole number compared with a time
        (``subject`` is a time property or ``date(...)``), which is a year as in the windows. A
        ``datetime`` parameter is a moment, so it compares as a point and stays a plain comparison.
        """
        if isinstance(node, ast.DateLit):
            return self.interval(node)
        timed = subject is not None and is_time(subject)
        if isinstance(node, ast.Param) and node.name in self.params:
            value = self.params[node.name]
            if isinstance(value, date) and not isinstance(value, datetime):
                return interval_of(value, self.zone)
            if timed and isinstance(value, str):  # date text, as the shell and MCP pass dates
                return self.interval(node)
        if timed and isinstance(node, ast.Literal) and isinstance(node.value, str):  # date text, as in windows
            return self.interval(ast.DateLit(node.value, quoted=True, span=node.span))
        if timed and isinstance(node, ast.Literal) and isinstance(node.value, int) and not isinstance(node.value, bool):
            if not 1 <= node.value <= 9999:
                raise self.error(
                    f"{subject} is a time; compare it with a date (2024-03-01) or a year (1 to 9999), not {node.value}",
                    node.span,
                )
            return parse_date_text(f"{node.value:04d}", self.zone)
        return None

    def date_compare(self, op: str, left: ast.Expr, right: ast.Expr) -> p.Expr | None:
        """A comparison with a date as the interval test its window would be, or ``None`` if no side is a date.

        ``t = d`` is ``t ON d``, ``t < d`` is ``t BEFORE d``, ``t > d`` is ``t AFTER d``, ``t <= d`` is
        ``t <`` the end of ``d``, ``t >= d`` is ``t >=`` the start of ``d``, and ``t <> d`` is
        ``NOT t ON d``; ``t IN [d1, d2]`` (a list of dates and moments) is one
        :class:`~graphmem.query.plan.TimeIn` test, as ``t ON d1 OR t ON d2``.
        """
        if op == "IN":
            subject = self.value(left)
            tests = None
            if is_time(subject):
                return self._time_in(subject, right)
            if isinstance(right, ast.ListLit) and right.items:
                intervals = [self.date_operand(item, subject) for item in right.items]
                if all(i is not None for i in intervals):
                    tests = [interval_test(subject, "=", i, None) for i in intervals if i is not None]
            if not tests:
                return None
            return tests[0] if len(tests) == 1 else p.BoolOr(tuple(tests))
        if op not in _FLIP_OP:
            return None
        right_value, left_value = self.value(right), self.value(left)
        interval = self.date_operand(right, left_value)
        if interval is not None:
            return interval_test(left_value, op, interval, _param_name(right))
        interval = self.date_operand(left, right_value)
        if interval is not None:
            return interval_test(right_value, _FLIP_OP[op], interval, _param_name(left))
        return None

    def _time_in(self, subject: p.Expr, right: ast.Expr) -> p.TimeIn | None:
        """``time IN [...]`` or ``time IN $list`` as one :class:`~graphmem.query.plan.TimeIn` test: a date
        (literal, date text, a ``date``) is its interval, a ``datetime`` its moment, ``NULL`` makes a time
        in no item unknown; ``None`` when an item is none of these, or the list is empty (a plain
        comparison then: nothing is in an empty list)."""
        ranges: list[tuple[datetime, datetime]] = []
        unknown = False
        if isinstance(right, ast.ListLit):
            for item in right.items:
                if (isinstance(item, ast.Literal) and item.value is None) or (
                    isinstance(item, ast.Param) and item.name in self.params and self.params[item.name] is None
                ):
                    unknown = True
                    continue
                interval = self.date_operand(item, subject)
                if interval is not None:
                    ranges.append(interval)
                elif isinstance(item, ast.Param) and isinstance(self.params.get(item.name), datetime):
                    moment = self.param_const(item).value
                    ranges.append((moment, moment))
                else:
                    return None
            return p.TimeIn(subject, tuple(ranges), unknown) if ranges or unknown else None
        bound = self.params.get(right.name) if isinstance(right, ast.Param) else None
        if not isinstance(bound, list | tuple | set | frozenset):
            return None
        assert isinstance(right, ast.Param)
        values = sorted(bound, key=repr) if isinstance(bound, set | frozenset) else bound
        for value in values:
            if value is None:
                unknown = True
            elif isinstance(value, datetime):
                moment = self._scalar(value, right)
                ranges.append((moment, moment))
            elif isinstance(value, date):
                ranges.append(interval_of(value, self.zone))
            elif isinstance(value, str):
                try:
                    ranges.append(parse_date_text(value, self.zone))
                except ValueError as exc:
                    raise self.error(f"parameter ${right.name}: {exc}", right.span) from None
            else:
                return None
        return p.TimeIn(subject, tuple(ranges), unknown, right.name) if ranges or unknown else None

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


def _param_name(node: ast.Expr) -> str | None:
    return node.name if isinstance(node, ast.Param) else None


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
    if isinstance(value, int) and not fits_int64(value):  # and maybe too long to print
        return "a whole number out of range"
    return f"{type(value).__name__} {value!r}"
