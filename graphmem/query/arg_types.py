"""What kind of value a function or an aggregate is given, where the plan already knows it.

The planner calls :func:`wrong_argument` for each call it resolves: ``sum(e.text)`` or ``year(e.text)``
would otherwise answer 0 or nothing on every row, and a typo of a property would pass unnoticed. Only a
kind known for certain is refused (a property whose key has one kind on every node it may bind, a
variable, a literal, the result of another function); anything else passes as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol

from graphmem.query import plan as p
from graphmem.query.time_bounds import TIME_KEYS

__all__ = ["kind_of", "wrong_argument"]

_TEXT_KEYS = frozenset(
    {"id", "text", "speaker", "session", "source", "kind", "namespace", "name", "type", "role", "predicate", "phrase"}
)
_NUMBER_KEYS = frozenset({"seq", "index", "hops", "score", "confidence"})
_LIST_KEYS = frozenset({"aliases", "evidence"})

# what each function and aggregate takes, by kind, and how the message names it
_TAKES: dict[str, tuple[frozenset[str], str]] = {
    "sum": (frozenset({"number"}), "a number"),
    "avg": (frozenset({"number"}), "a number"),
    "date": (frozenset({"time"}), "a time"),
    "year": (frozenset({"time"}), "a time"),
    "month": (frozenset({"time"}), "a time"),
    "lower": (frozenset({"text"}), "text"),
    "upper": (frozenset({"text"}), "text"),
    "size": (frozenset({"text", "list"}), "text or a list"),
}

_WORDS = {
    "text": "text",
    "number": "a number",
    "time": "a time",
    "list": "a list",
    "bool": "TRUE or FALSE",
    "node": "a node",
    "edge": "an edge",
}


def kind_of(expr: p.Expr, edges: frozenset[str], paths: frozenset[str]) -> str | None:
    """The kind of ``expr`` (``text``, ``number``, ``time``, ``list``, ``bool``, ``node``, ``edge``), or
    ``None`` when it is not known before the query runs. ``edges`` names the edge variables, ``paths``
    those of hop ranges (a list of edges)."""
    if isinstance(expr, p.Ref):
        if expr.var in paths:
            return "list"
        return "edge" if expr.var in edges else "node"
    if isinstance(expr, p.PropRef):
        if expr.var in paths:
            return "number" if expr.key == "hops" else "list"
        if expr.key in TIME_KEYS:
            return "time"
        for keys, kind in ((_TEXT_KEYS, "text"), (_NUMBER_KEYS, "number"), (_LIST_KEYS, "list")):
            if expr.key in keys:
                return kind
        return None
    if isinstance(expr, p.Const):
        return _const_kind(expr.value)
    if isinstance(expr, p.Func):
        return {"date": "time", "next_day": "time", "year": "number", "month": "number", "size": "number"}.get(
            expr.name, "text"
        )
    if isinstance(expr, p.Agg):
        if expr.name in ("count", "sum", "avg"):
            return "number"
        if expr.name == "collect":
            return "list"
        return None if expr.arg is None else kind_of(expr.arg, edges, paths)
    return None


def _const_kind(value: object) -> str | None:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, date):
        return "time"
    if isinstance(value, tuple | list):
        return "list"
    return None


class _Variable(Protocol):
    name: str
    is_node: bool
    ranged: bool


def wrong_argument(name: str, arg: p.Expr, variables: Iterable[_Variable]) -> str | None:
    """The error message when ``name()`` is given a value of a kind it cannot take, else ``None``
    (``variables``: those in scope, to tell nodes, edges and hop ranges apart)."""
    takes = _TAKES.get(name)
    if takes is None:
        return None
    variables = list(variables)
    edges = frozenset(v.name for v in variables if not v.is_node)
    kind = kind_of(arg, edges, frozenset(v.name for v in variables if v.ranged))
    if kind is None or kind in takes[0]:
        return None
    return f"{name}() takes {takes[1]}, and {arg} is {_WORDS[kind]}"
