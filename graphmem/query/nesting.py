"""Keep a parse tree shallow enough for the recursive stages after the parser.

The transformer, the planner, the evaluator and the Cypher compiler all walk expressions recursively, so
a query's nesting must stay far below Python's recursion limit. :func:`shape_tree` runs on the Lark tree
right after parsing, without recursion itself:

- a chain of ``OR`` (or of ``AND``) terms, which the grammar parses left-deep (500 terms nest 500
  levels), is rebuilt as a balanced tree of the same terms in the same order (9 levels), so long
  generated conditions simply work;
- anything still nested deeper than :data:`MAX_NESTING` (``NOT NOT NOT …``, lists in lists), and a path
  pattern longer than :data:`MAX_PATTERN_STEPS`, is refused with a
  :class:`~graphmem.errors.QuerySyntaxError` pointing at the place.
"""

from __future__ import annotations

from lark import Token, Tree
from lark.tree import Meta

from graphmem.errors import QuerySyntaxError
from graphmem.query.syntax_errors import caret_context

__all__ = ["MAX_NESTING", "MAX_PATTERNS", "MAX_PATTERN_STEPS", "shape_tree"]

#: The deepest nesting of expressions a query may have (after OR/AND chains are balanced).
MAX_NESTING = 100
#: The most edges one path pattern may have (``(a)-->(b)`` has one).
MAX_PATTERN_STEPS = 32
#: The most comma-separated patterns one FIND may have.
MAX_PATTERNS = 16

_CHAINS = frozenset({"or_", "and_"})
#: Shorter chains keep the parser's left-deep shape (so plans and EXPLAIN read as written).
_BALANCE_FROM = 16

_Tree = Tree[Token]
_Node = Tree[Token] | Token


def _bounds(item: _Node) -> tuple[int, int, int, int, int, int] | None:
    if isinstance(item, Token):
        if item.line is None:
            return None
        return (
            item.line,
            item.column or 0,
            item.end_line or item.line,
            item.end_column or 0,
            item.start_pos or 0,
            item.end_pos or 0,
        )
    meta = item.meta
    if getattr(meta, "empty", True):
        return None
    return meta.line, meta.column, meta.end_line, meta.end_column, meta.start_pos, meta.end_pos


def _joined(data: str, left: _Node, right: _Node) -> _Tree:
    """``left data right`` as one node whose position covers both sides."""
    meta = Meta()  # type: ignore[no-untyped-call]
    a, b = _bounds(left), _bounds(right)
    if a is not None and b is not None:
        meta.line, meta.column, meta.start_pos = a[0], a[1], a[4]
        meta.end_line, meta.end_column, meta.end_pos = b[2], b[3], b[5]
        meta.empty = False
    return Tree(data, [left, right], meta)


def _terms(node: _Tree) -> list[_Node]:
    """The operands of a left-deep chain of ``node.data`` nodes, left to right (iteratively).

    Only the left spine is followed: that is how the grammar nests ``a OR b OR c``; a right operand of
    the same kind was written in parentheses (``a OR (b OR c)``) and stays one operand.
    """
    right: list[_Node] = []
    item: _Node = node
    while isinstance(item, Tree) and item.data == node.data and len(item.children) == 2:
        right.append(item.children[1])
        item = item.children[0]
    return [item, *reversed(right)]


def _balanced(data: str, terms: list[_Node]) -> _Node:
    """A balanced tree of ``terms`` joined by ``data``, in their order (pairwise, level by level)."""
    level = terms
    while len(level) > 1:
        paired: list[_Node] = [_joined(data, level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def _refuse(text: str, item: _Node, message: str) -> QuerySyntaxError:
    bounds = _bounds(item)
    line, column = (bounds[0], bounds[1]) if bounds else (1, 1)
    return QuerySyntaxError(message, line=line, column=column, context=caret_context(text, line, column))


def shape_tree(tree: _Tree, text: str) -> _Tree:
    """Balance the OR/AND chains of ``tree`` in place and check its nesting and pattern sizes.

    Raises:
        QuerySyntaxError: the query nests deeper than :data:`MAX_NESTING`, or has a pattern longer than
            :data:`MAX_PATTERN_STEPS` edges or more than :data:`MAX_PATTERNS` patterns.
    """
    stack: list[tuple[_Tree, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            raise _refuse(
                text,
                node,
                f"the query nests more than {MAX_NESTING} levels deep here; "
                "flatten it (a list of values goes in IN [...])",
            )
        if node.data == "pattern":
            edges = [c for c in node.children if isinstance(c, Tree) and c.data.startswith("rel")]
            if len(edges) > MAX_PATTERN_STEPS:
                raise _refuse(
                    text,
                    edges[MAX_PATTERN_STEPS],
                    f"a path pattern may have at most {MAX_PATTERN_STEPS} edges; "
                    "use a hop range such as -[*1..6]-> instead",
                )
        if node.data == "find":
            patterns = [c for c in node.children if isinstance(c, Tree) and c.data == "pattern"]
            if len(patterns) > MAX_PATTERNS:
                raise _refuse(text, patterns[MAX_PATTERNS], f"a FIND may have at most {MAX_PATTERNS} patterns")
        for i, child in enumerate(node.children):
            if isinstance(child, Tree) and child.data in _CHAINS:
                terms = _terms(child)
                if len(terms) > _BALANCE_FROM:
                    child = _balanced(child.data, terms)
                    node.children[i] = child
            if isinstance(child, Tree):
                stack.append((child, depth + 1))
    return tree
