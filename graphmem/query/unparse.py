"""AST → query text, in canonical form: upper-case keywords, double-quoted strings, minimal parentheses.

``parse(unparse(tree)) == tree`` for every tree the parser can produce (spans aside); the test suite
checks this with hypothesis.
"""

from __future__ import annotations

from decimal import Decimal
from typing import assert_never

from graphmem.query import ast

__all__ = ["quote", "unparse", "unparse_expr"]


def quote(text: str) -> str:
    """``text`` as a double-quoted query string, escaped so it parses back to itself."""
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{body}"'


def _number(value: int | float) -> str:
    if isinstance(value, bool):  # pragma: no cover - booleans are handled before
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{value} cannot be written in a query")
    text = repr(value)
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    if "." not in text:
        text += ".0"
    return text


def _literal(node: ast.Literal) -> str:
    value = node.value
    if value is None:
        return "NULL"
    if value is True:
        return "TRUE"
    if value is False:
        return "FALSE"
    if isinstance(value, str):
        return quote(value)
    return _number(value)


def _date(node: ast.DateLit) -> str:
    return quote(node.text) if node.quoted else node.text


def _duration(node: ast.Duration) -> str:
    return f"{node.amount} {node.unit}{'' if node.amount == 1 else 's'}"


def _time(node: ast.TimeValue) -> str:
    text = unparse_expr(node.base)
    for sign, duration in node.shifts:
        text += f" {sign} {_duration(duration)}"
    return text


def _side(node: ast.Expr | ast.TimeValue) -> str:
    return _time(node) if isinstance(node, ast.TimeValue) else unparse_expr(node)


def _window(node: ast.Window) -> str:
    if node.op == "BETWEEN":
        assert node.high is not None
        return f"BETWEEN {_time(node.low)} AND {_time(node.high)}"
    if node.op == "WITHIN":
        assert node.within is not None
        return f"WITHIN {_duration(node.within)} OF {_time(node.low)}"
    return f"{node.op} {_time(node.low)}"


def unparse_expr(node: ast.Expr) -> str:
    """One expression (a value or a predicate) as text."""
    if isinstance(node, ast.Value):
        return _value(node)
    if isinstance(node, ast.Compare):
        return f"{unparse_expr(node.left)} {node.op} {unparse_expr(node.right)}"
    if isinstance(node, ast.TimeCompare):
        return f"{_side(node.left)} {node.op} {_side(node.right)}"
    if isinstance(node, ast.FuzzyCompare):
        return f"{unparse_expr(node.left)} ~ {unparse_expr(node.right)}"
    if isinstance(node, ast.IsNull):
        return f"{unparse_expr(node.operand)} IS {'NOT ' if node.negated else ''}NULL"
    if isinstance(node, ast.Temporal):
        return f"{unparse_expr(node.subject)} {_window(node.window)}"
    if isinstance(node, ast.Mentions):
        return f"{node.var} MENTIONS {_mention_target(node.target)}"
    if isinstance(node, ast.Not | ast.And | ast.Or):
        return _boolean(node)
    assert_never(node)


def _value(node: ast.Value) -> str:
    if isinstance(node, ast.Literal):
        return _literal(node)
    if isinstance(node, ast.DateLit):
        return _date(node)
    if isinstance(node, ast.Param):
        return f"${node.name}"
    if isinstance(node, ast.Var):
        return node.name
    if isinstance(node, ast.Prop):
        return f"{node.var}.{node.key}"
    if isinstance(node, ast.Call):
        inner = "*" if node.star else ("" if node.arg is None else unparse_expr(node.arg))
        if node.distinct:
            inner = f"DISTINCT {inner}".rstrip()
        return f"{node.name}({inner})"
    if isinstance(node, ast.Relevance):
        return "RELEVANCE"
    if isinstance(node, ast.ListLit):
        return "[" + ", ".join(unparse_expr(i) for i in node.items) + "]"
    assert_never(node)


def _boolean(node: ast.Not | ast.And | ast.Or) -> str:
    """NOT / AND / OR, parenthesising operands that bind looser (AND over OR; OR is left-associative)."""
    if isinstance(node, ast.Not):
        inner = unparse_expr(node.operand)
        return f"NOT ({inner})" if isinstance(node.operand, ast.And | ast.Or) else f"NOT {inner}"
    if isinstance(node, ast.And):
        left = unparse_expr(node.left)
        if isinstance(node.left, ast.Or):
            left = f"({left})"
        right = unparse_expr(node.right)
        if isinstance(node.right, ast.And | ast.Or):
            right = f"({right})"
        return f"{left} AND {right}"
    right = unparse_expr(node.right)
    if isinstance(node.right, ast.Or):
        right = f"({right})"
    return f"{unparse_expr(node.left)} OR {right}"


def _mention_target(target: ast.MentionTarget) -> str:
    text = unparse_expr(target.value)
    return f"~{text}" if target.kind == "fuzzy" else text


def _props(props: tuple[ast.PropPair, ...]) -> str:
    return "{" + ", ".join(f"{p.key}: {unparse_expr(p.value)}" for p in props) + "}"


def _node(node: ast.NodePattern) -> str:
    head = node.var or ""
    if node.labels:
        head += ":" + "|".join(node.labels)
    parts = [head] if head else []
    if node.fuzzy is not None:
        parts.append("~" + unparse_expr(node.fuzzy))
    if node.about is not None:
        about = "ABOUT " + unparse_expr(node.about)
        if node.top is not None:
            about += " TOP " + unparse_expr(node.top)
        parts.append(about)
    if node.props:
        parts.append(_props(node.props))
    return "(" + " ".join(parts) + ")"


def _hops(hops: ast.HopRange) -> str:
    text = "*"
    if hops.low is not None:
        text += str(hops.low)
    if hops.ranged:
        text += ".."
        if hops.high is not None:
            text += str(hops.high)
    return text


def _rel(rel: ast.RelPattern) -> str:
    left, right = {"out": ("-", "->"), "in": ("<-", "-"), "both": ("-", "-")}[rel.direction]
    if not rel.bracketed:
        return left + right
    head = rel.var or ""
    if rel.types:
        head += ":" + "|".join(rel.types)
    if rel.hops is not None:
        head += _hops(rel.hops)
    parts = [head] if head else []
    if rel.props:
        parts.append(_props(rel.props))
    return f"{left}[{' '.join(parts)}]{right}"


def _pattern(pattern: ast.PathPattern) -> str:
    return "".join(_node(e) if isinstance(e, ast.NodePattern) else _rel(e) for e in pattern.elements)


def _return_item(item: ast.ReturnItem) -> str:
    text = unparse_expr(item.expr)
    return f"{text} AS {item.alias}" if item.alias else text


def _order_item(item: ast.OrderItem) -> str:
    text = unparse_expr(item.expr)
    return f"{text} {item.direction}" if item.direction else text


def _find(node: ast.Find) -> str:
    parts = ["FIND"]
    if node.pick is not None:
        parts.append(node.pick.which)
        if node.pick.count is not None:
            parts.append(unparse_expr(node.pick.count))
    parts.append(", ".join(_pattern(p) for p in node.patterns))
    if node.namespace is not None:
        parts.append("IN " + unparse_expr(node.namespace))
    if node.where is not None:
        parts.append("WHERE " + unparse_expr(node.where))
    if node.as_of is not None:
        parts.append("AS OF " + _time(node.as_of))
    if node.valid_at is not None:
        parts.append("VALID AT " + _time(node.valid_at))
    if node.all_time:
        parts.append("ALL TIME")
    if node.returns:
        parts.append("RETURN" + (" DISTINCT" if node.distinct else ""))
        parts.append(", ".join(_return_item(r) for r in node.returns))
    if node.group_by:
        parts.append("GROUP BY " + ", ".join(unparse_expr(g) for g in node.group_by))
    if node.order_by:
        parts.append("ORDER BY " + ", ".join(_order_item(o) for o in node.order_by))
    if node.limit is not None:
        parts.append("LIMIT " + unparse_expr(node.limit))
    return " ".join(parts)


def _recall(node: ast.Recall) -> str:
    parts = ["RECALL", unparse_expr(node.text)]
    if node.namespace is not None:
        parts.append("IN " + unparse_expr(node.namespace))
    if node.hops is not None:
        parts.append("HOPS " + unparse_expr(node.hops))
    if node.speakers:
        parts.append("BY " + ", ".join(unparse_expr(s) for s in node.speakers))
    if node.window is not None:
        parts.append((node.axis.upper() + " " if node.axis else "") + _window(node.window))
    if node.happened is not None:
        parts.append("HAPPENED " + _window(node.happened))
    if node.as_of is not None:
        parts.append("AS OF " + _time(node.as_of))
    if node.limit is not None:
        parts.append("LIMIT " + unparse_expr(node.limit))
    return " ".join(parts)


def _timeline(node: ast.Timeline) -> str:
    parts = ["TIMELINE", _node(node.node)]
    if node.namespace is not None:
        parts.append("IN " + unparse_expr(node.namespace))
    if node.where is not None:
        parts.append("WHERE " + unparse_expr(node.where))
    if node.limit is not None:
        parts.append("LIMIT " + unparse_expr(node.limit))
    return " ".join(parts)


def unparse(node: ast.Query | ast.Statement) -> str:
    """A query or statement as canonical text that parses back to an equal tree."""
    if isinstance(node, ast.Query):
        text = unparse(node.statement)
        return f"EXPLAIN {text}" if node.explain else text
    if isinstance(node, ast.Find):
        return _find(node)
    if isinstance(node, ast.Recall):
        return _recall(node)
    if isinstance(node, ast.Timeline):
        return _timeline(node)
    assert_never(node)
