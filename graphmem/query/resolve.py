"""Name and value resolution for the planner: labels, edge types, variables, parameters, dates, expressions.

Everything a query names is checked here (and in :mod:`.resolve_names` and :mod:`.resolve_time`, the
bases of :class:`Resolver`) against the :class:`~graphmem.query.schema.Schema` (re-exported
here) and the variables in scope; a wrong name raises :class:`~graphmem.errors.QuerySemanticError` pointing
at its span and suggesting the closest valid word.
"""

from __future__ import annotations

from typing import assert_never

from graphmem.models import NodeKind
from graphmem.query import ast
from graphmem.query import plan as p
from graphmem.query.arg_types import wrong_argument
from graphmem.query.plan_expr import flatten
from graphmem.query.resolve_names import Scope, VarInfo
from graphmem.query.resolve_time import TimeResolver, _param_name
from graphmem.query.schema import DEFAULT_ENTITY_TYPES, DEFAULT_SCHEMA, Schema, closest
from graphmem.query.time_bounds import interval_test

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
ALL_KINDS = (NodeKind.SESSION, NodeKind.EVENT, NodeKind.ENTITY)


class Resolver(TimeResolver):
    """Turns AST values and predicates into plan expressions, checking every name."""

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
            return self.time_compare(node)
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
