"""Names for the planner: the variables in scope, parameters and constants, properties, and the errors that
point at a query's text. The base of :class:`~graphmem.query.resolve.Resolver`
(:mod:`graphmem.query.resolve_time` reads dates on it, :mod:`graphmem.query.resolve` expressions).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from graphmem.errors import QuerySemanticError
from graphmem.models import NodeKind
from graphmem.query import ast
from graphmem.query import plan as p
from graphmem.query.limits import QueryLimits
from graphmem.query.numbers import RANGE_WORDS, fits_int64
from graphmem.query.schema import Schema, closest
from graphmem.query.syntax_errors import caret_context
from graphmem.query.timeutil import naive_utc
from graphmem.text import nfc_value

__all__ = ["NameResolver", "Scope", "VarInfo"]


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


class NameResolver:
    """Checks the names and constants of a query: variables, properties, parameters (see :class:`Resolver`)."""

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

    # -- variables and properties -----------------------------------------------------------------

    def var(self, name: str, span: ast.Span, *, note: str = "") -> VarInfo:
        """A variable in scope; ``note`` is added to the error for a name that is none (what it may be instead)."""
        info = self.scope.vars.get(name)
        if info is None:
            visible = self.scope.visible()
            known = ", ".join(visible) or "none"
            raise self.error(f"unknown variable {name} (variables here: {known}){note}", span, closest(name, visible))
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
