"""The Lark tree of a query → the AST of :mod:`graphmem.query.ast`: the transformer :func:`~graphmem.query.parser.parse`
runs, and the errors it raises for :func:`~graphmem.query.parser.parse` to turn into syntax errors.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lark import Token, Transformer, v_args
from lark.tree import Meta

from graphmem.query import ast
from graphmem.query.grammar import value_words
from graphmem.query.numbers import NumberOutOfRange, read_count, read_number
from graphmem.query.strings import unquote
from graphmem.query.syntax_errors import duplicate_hint
from graphmem.text import nfc


def _span_of(meta: Meta | Token) -> ast.Span:
    if isinstance(meta, Token):
        if meta.line is None:
            return ast.NO_SPAN
        return ast.Span(
            meta.line,
            meta.column or 0,
            meta.end_line or meta.line,
            meta.end_column or 0,
            meta.start_pos or 0,
            meta.end_pos or 0,
        )
    if getattr(meta, "empty", True):
        return ast.NO_SPAN
    return ast.Span(meta.line, meta.column, meta.end_line, meta.end_column, meta.start_pos, meta.end_pos)


_UNITS = ("minute", "hour", "day", "week", "month", "year")


class _Clause:
    """A clause value with its name and position, until the statement puts it in place."""

    __slots__ = ("meta", "name", "value")

    def __init__(self, name: str, value: Any, meta: Meta | ast.Span | None) -> None:
        self.name = name
        self.value = value
        self.meta = meta


def _unwrap(clause: _Clause | None) -> Any:
    return None if clause is None else clause.value


def _clauses(items: Iterable[_Clause]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for clause in items:
        if clause.name in found:
            raise _DuplicateClause(
                clause.name, clause.meta, duplicate_hint(clause.name, found[clause.name], clause.value)
            )
        found[clause.name] = clause.value
    return found


def _windows(items: Iterable[_Clause]) -> dict[str | None, ast.Window]:
    """RECALL's windows by the time they bound: ``said`` and ``happened`` (one each, both allowed), or
    ``None`` (either time, alone); another window is a clause given twice, at that window."""
    found: dict[str | None, Any] = {}
    for clause in items:
        axis = clause.value[0] if isinstance(clause.value, tuple) else None
        clash = next((v for a, v in found.items() if a == axis or None in (a, axis)), None)
        if clash is not None:
            raise _DuplicateClause(clause.name, clause.meta, duplicate_hint(clause.name, clash, clause.value))
        found[axis] = clause.value
    return {a: v[1] if isinstance(v, tuple) else v for a, v in found.items()}


class _DuplicateClause(Exception):
    def __init__(self, name: str, meta: Meta | ast.Span | None, hint: str = "") -> None:
        super().__init__(name)
        self.name = name
        self.meta = meta
        self.hint = hint


class _KeywordName(Exception):
    """A variable or alias named with a word that reads as a value (``null``, ``true``): see :func:`value_words`."""

    def __init__(self, token: Token) -> None:
        super().__init__(str(token))
        self.token = token


class _NumberAt(NumberOutOfRange):
    """A number out of range inside a larger element (a duration, a hop range): the token says where."""

    def __init__(self, message: str, token: Token) -> None:
        super().__init__(message)
        self.token = token


def _count(token: Token) -> int:
    """A count in a larger element (a duration, a hop range), refused at the token itself when too long."""
    try:
        return read_count(str(token))
    except NumberOutOfRange as exc:
        raise _NumberAt(str(exc), token) from None


def _name(token: Token | None) -> str | None:
    """A declared name (node or edge variable, alias), refused if it is a word that reads as a value."""
    if token is None:
        return None
    if str(token).lower() in value_words():
        raise _KeywordName(token)
    return str(token)


@v_args(meta=True)
class _ToAst(Transformer[Token, Any]):
    """Builds AST nodes bottom-up; every method receives the Lark ``meta`` for the span."""

    # -- literals and values ----------------------------------------------------------------------

    def string(self, meta: Meta, c: list[Token]) -> ast.Literal:
        return ast.Literal(nfc(unquote(c[0])), _span_of(meta))  # as every input is read

    def number(self, meta: Meta, c: list[Token]) -> ast.Literal:
        return ast.Literal(read_number(str(c[0])), _span_of(meta))

    def negative(self, meta: Meta, c: list[Token]) -> ast.Literal:
        return ast.Literal(read_number(str(c[0]), negative=True), _span_of(meta))

    def int_literal(self, meta: Meta, c: list[Token]) -> ast.Literal:
        return ast.Literal(_count(c[0]), _span_of(meta))  # LIMIT, TOP, HOPS: checked against their limits

    def date(self, meta: Meta, c: list[Token]) -> ast.DateLit:
        return ast.DateLit(str(c[0]), span=_span_of(meta))

    def year(self, meta: Meta, c: list[Token]) -> ast.DateLit:
        return ast.DateLit(str(c[0]), year=True, span=_span_of(meta))

    def date_string(self, meta: Meta, c: list[Token]) -> ast.DateLit:
        return ast.DateLit(unquote(c[0]), quoted=True, span=_span_of(meta))

    def true(self, meta: Meta, c: list[Token]) -> ast.Literal:
        return ast.Literal(True, _span_of(meta))

    def false(self, meta: Meta, c: list[Token]) -> ast.Literal:
        return ast.Literal(False, _span_of(meta))

    def null(self, meta: Meta, c: list[Token]) -> ast.Literal:
        return ast.Literal(None, _span_of(meta))

    def param(self, meta: Meta, c: list[Token]) -> ast.Param:
        return ast.Param(str(c[0])[1:], _span_of(meta))

    def prop(self, meta: Meta, c: list[Token]) -> ast.Prop:
        return ast.Prop(str(c[0]), str(c[1]), _span_of(meta))

    def var(self, meta: Meta, c: list[Token]) -> ast.Var:
        return ast.Var(str(c[0]), _span_of(meta))

    def call(self, meta: Meta, c: list[Any]) -> ast.Call:
        name, distinct, args = c
        arg = args[0] if args else None
        star = isinstance(arg, Token) and arg.type == "STAR"
        return ast.Call(
            str(name).lower(),
            None if star else arg,
            distinct is not None,
            star,
            _span_of(meta),
        )

    def call_args(self, meta: Meta, c: list[Any]) -> list[Any]:
        return [x for x in c if x is not None]

    def relevance(self, meta: Meta, c: list[Any]) -> ast.Relevance:
        return ast.Relevance(_span_of(meta))

    def list_value(self, meta: Meta, c: list[Any]) -> ast.ListLit:
        return ast.ListLit(tuple(x for x in c if x is not None), _span_of(meta))

    def duration(self, meta: Meta, c: list[Token]) -> ast.Duration:
        unit = str(c[1]).lower().rstrip("s")
        return ast.Duration(_count(c[0]), unit, _span_of(meta))

    def time_value(self, meta: Meta, c: list[Any]) -> ast.TimeValue:
        base, rest = c[0], c[1:]
        shifts = tuple((str(rest[i]), rest[i + 1]) for i in range(0, len(rest), 2))
        return ast.TimeValue(base, shifts, _span_of(meta))

    # -- predicates -------------------------------------------------------------------------------

    def compare(self, meta: Meta, c: list[Any]) -> ast.Compare:
        op = str(c[1])
        return ast.Compare("<>" if op == "!=" else op, c[0], c[2], _span_of(meta))

    def time_compare(self, meta: Meta, c: list[Any]) -> ast.TimeCompare:
        op = str(c[1])
        return ast.TimeCompare("<>" if op == "!=" else op, c[0], c[2], _span_of(meta))

    def shifted_time(self, meta: Meta, c: list[Any]) -> ast.TimeValue:
        return self.time_value(meta, c)

    def year_number(self, meta: Meta, c: list[Token]) -> ast.DateLit:
        return ast.DateLit(str(c[0]), year=True, span=_span_of(meta))

    def fuzzy_compare(self, meta: Meta, c: list[Any]) -> ast.FuzzyCompare:
        return ast.FuzzyCompare(c[0], c[1], _span_of(meta))

    def in_(self, meta: Meta, c: list[Any]) -> ast.Compare:
        return ast.Compare("IN", c[0], c[1], _span_of(meta))

    def contains(self, meta: Meta, c: list[Any]) -> ast.Compare:
        return ast.Compare("CONTAINS", c[0], c[1], _span_of(meta))

    def starts_with(self, meta: Meta, c: list[Any]) -> ast.Compare:
        return ast.Compare("STARTS WITH", c[0], c[1], _span_of(meta))

    def ends_with(self, meta: Meta, c: list[Any]) -> ast.Compare:
        return ast.Compare("ENDS WITH", c[0], c[1], _span_of(meta))

    def is_null(self, meta: Meta, c: list[Any]) -> ast.IsNull:
        return ast.IsNull(c[0], c[1] is not None, _span_of(meta))

    def temporal(self, meta: Meta, c: list[Any]) -> ast.Temporal:
        return ast.Temporal(c[0], c[1], _span_of(meta))

    def before(self, meta: Meta, c: list[Any]) -> ast.Window:
        return ast.Window("BEFORE", c[0], span=_span_of(meta))

    def after(self, meta: Meta, c: list[Any]) -> ast.Window:
        return ast.Window("AFTER", c[0], span=_span_of(meta))

    def on(self, meta: Meta, c: list[Any]) -> ast.Window:
        return ast.Window("ON", c[0], span=_span_of(meta))

    def between(self, meta: Meta, c: list[Any]) -> ast.Window:
        return ast.Window("BETWEEN", c[0], c[1], span=_span_of(meta))

    def within(self, meta: Meta, c: list[Any]) -> ast.Window:
        return ast.Window("WITHIN", c[1], within=c[0], span=_span_of(meta))

    def mentions(self, meta: Meta, c: list[Any]) -> ast.Mentions:
        return ast.Mentions(str(c[0]), c[1], _span_of(meta))

    def mention_name(self, meta: Meta, c: list[Any]) -> ast.MentionTarget:
        return ast.MentionTarget("name", c[0], _span_of(meta))

    def mention_fuzzy(self, meta: Meta, c: list[Any]) -> ast.MentionTarget:
        return ast.MentionTarget("fuzzy", c[0], _span_of(meta))

    def mention_var(self, meta: Meta, c: list[Any]) -> ast.MentionTarget:
        return ast.MentionTarget("var", ast.Var(str(c[0]), _span_of(c[0])), _span_of(meta))

    def and_(self, meta: Meta, c: list[Any]) -> ast.And:
        return ast.And(c[0], c[1], _span_of(meta))

    def or_(self, meta: Meta, c: list[Any]) -> ast.Or:
        return ast.Or(c[0], c[1], _span_of(meta))

    def not_(self, meta: Meta, c: list[Any]) -> ast.Not:
        return ast.Not(c[1], _span_of(meta))

    # -- patterns ---------------------------------------------------------------------------------

    def labels(self, meta: Meta, c: list[Token]) -> tuple[str, ...]:
        return tuple(str(t) for t in c)

    def props(self, meta: Meta, c: list[Any]) -> tuple[ast.PropPair, ...]:
        return tuple(p for p in c if p is not None)

    def prop_pair(self, meta: Meta, c: list[Any]) -> ast.PropPair:
        return ast.PropPair(str(c[0]), c[1], _span_of(meta))

    def fuzzy(self, meta: Meta, c: list[Any]) -> tuple[str, Any, Any]:
        return ("fuzzy", c[0], None)

    def about(self, meta: Meta, c: list[Any]) -> tuple[str, Any, Any]:
        return ("about", c[0], c[1])

    def top(self, meta: Meta, c: list[Any]) -> Any:
        return c[0]

    def node(self, meta: Meta, c: list[Any]) -> ast.NodePattern:
        name, labels, matcher, props = c
        fuzzy = about = top = None
        if matcher is not None:
            kind, value, top = matcher
            if kind == "fuzzy":
                fuzzy = value
            else:
                about = value
        return ast.NodePattern(
            _name(name),
            labels or (),
            fuzzy,
            about,
            top,
            props or (),
            _span_of(meta),
        )

    def hop_range(self, meta: Meta, c: list[Any]) -> ast.HopRange:
        low, dots, high = c
        return ast.HopRange(
            None if low is None else _count(low),
            None if high is None else _count(high),
            dots is not None,
            _span_of(meta),
        )

    def rel_detail(self, meta: Meta, c: list[Any]) -> tuple[Any, ...]:
        return tuple(c)

    def _rel(self, direction: str, meta: Meta, c: list[Any]) -> ast.RelPattern:
        detail = c[0]
        if detail is None:
            return ast.RelPattern(direction, bracketed=False, span=_span_of(meta))
        name, types, hops, props = detail
        return ast.RelPattern(
            direction,
            _name(name),
            types or (),
            hops,
            props or (),
            True,
            _span_of(meta),
        )

    def rel_out(self, meta: Meta, c: list[Any]) -> ast.RelPattern:
        return self._rel("out", meta, c)

    def rel_in(self, meta: Meta, c: list[Any]) -> ast.RelPattern:
        return self._rel("in", meta, c)

    def rel_both(self, meta: Meta, c: list[Any]) -> ast.RelPattern:
        return self._rel("both", meta, c)

    def pattern(self, meta: Meta, c: list[Any]) -> ast.PathPattern:
        return ast.PathPattern(tuple(c), _span_of(meta))

    # -- clauses and statements -------------------------------------------------------------------

    def pick(self, meta: Meta, c: list[Any]) -> ast.Pick:
        return ast.Pick(str(c[0]).upper(), c[1], _span_of(meta))

    def namespace(self, meta: Meta, c: list[Any]) -> _Clause:
        return _Clause("IN", c[0], meta)

    def where(self, meta: Meta, c: list[Any]) -> _Clause:
        return _Clause("WHERE", c[0], meta)

    def as_of(self, meta: Meta, c: list[Any]) -> _Clause:
        return _Clause("AS OF", c[0], meta)

    def valid_at(self, meta: Meta, c: list[Any]) -> _Clause:
        return _Clause("VALID AT", c[0], meta)

    def all_time(self, meta: Meta, c: list[Any]) -> _Clause:
        return _Clause("ALL TIME", True, meta)

    def limit(self, meta: Meta, c: list[Any]) -> _Clause:
        return _Clause("LIMIT", c[0], meta)

    def hops(self, meta: Meta, c: list[Any]) -> _Clause:
        return _Clause("HOPS", c[0], meta)

    def bare_speaker(self, meta: Meta, c: list[Token]) -> ast.Literal:
        return ast.Literal(nfc(str(c[0])), _span_of(meta))

    def speakers(self, meta: Meta, c: list[Any]) -> _Clause:
        return _Clause("BY", tuple(c), meta)

    def return_clause(self, meta: Meta, c: list[Any]) -> tuple[bool, tuple[ast.ReturnItem, ...]]:
        return c[0] is not None, tuple(c[1:])

    def return_item(self, meta: Meta, c: list[Any]) -> ast.ReturnItem:
        return ast.ReturnItem(c[0], _name(c[1]), _span_of(meta))

    def group_by(self, meta: Meta, c: list[Any]) -> tuple[Any, ...]:
        return tuple(c)

    def order_by(self, meta: Meta, c: list[Any]) -> tuple[ast.OrderItem, ...]:
        return tuple(c)

    def order_item(self, meta: Meta, c: list[Any]) -> ast.OrderItem:
        return ast.OrderItem(c[0], None if c[1] is None else str(c[1]).upper(), _span_of(meta))

    def find(self, meta: Meta, c: list[Any]) -> ast.Find:
        pick = c[0]
        ret, group_by, order_by, limit = c[-4:]
        patterns = tuple(x for x in c[1:-4] if isinstance(x, ast.PathPattern))
        clauses = _clauses(x for x in c[1:-4] if isinstance(x, _Clause))
        distinct, returns = ret if ret is not None else (False, ())
        return ast.Find(
            patterns,
            pick,
            clauses.get("IN"),
            clauses.get("WHERE"),
            clauses.get("AS OF"),
            clauses.get("VALID AT"),
            returns,
            distinct,
            group_by or (),
            order_by or (),
            _unwrap(limit),
            _span_of(meta),
            all_time=bool(clauses.get("ALL TIME")),
        )

    def said_window(self, meta: Meta, c: list[Any]) -> _Clause:
        return _Clause("a time window", ("said", c[0]), meta)

    def happened_window(self, meta: Meta, c: list[Any]) -> _Clause:
        return _Clause("a time window", ("happened", c[0]), meta)

    def recall(self, meta: Meta, c: list[Any]) -> ast.Recall:
        items = [_Clause("a time window", x, x.span) if isinstance(x, ast.Window) else x for x in c[1:]]
        clauses = _clauses(x for x in items if x.name != "a time window")
        windows = _windows(x for x in items if x.name == "a time window")
        window, happened = windows.get(None), None
        axis = None
        if "said" in windows:  # a SAID window, maybe with a HAPPENED one beside it (both must hold)
            axis, window, happened = "said", windows["said"], windows.get("happened")
        elif "happened" in windows:
            axis, window = "happened", windows["happened"]
        return ast.Recall(
            c[0],
            clauses.get("IN"),
            clauses.get("HOPS"),
            clauses.get("BY", ()),
            window,
            clauses.get("AS OF"),
            clauses.get("LIMIT"),
            _span_of(meta),
            axis=axis,
            happened=happened,
        )

    def timeline(self, meta: Meta, c: list[Any]) -> ast.Timeline:
        node, namespace, where, limit = c
        return ast.Timeline(node, _unwrap(namespace), _unwrap(where), _unwrap(limit), _span_of(meta))

    def explain(self, meta: Meta, c: list[Any]) -> ast.Query:
        return ast.Query(c[0], True, span=_span_of(meta))

    def start(self, meta: Meta, c: list[Any]) -> ast.Query:
        inner = c[0]
        if isinstance(inner, ast.Query):
            return inner
        return ast.Query(inner, False, span=_span_of(meta))
