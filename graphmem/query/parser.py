"""Query text → AST: the Lark LALR parser over ``grammar/graphmem.lark`` and a transformer to :mod:`.ast`.

The grammar is loaded once, on first use (never at import: :mod:`.grammar`); the transformer is
:mod:`.tree_to_ast`. Lark's errors never reach users: each is mapped to a
:class:`~graphmem.errors.QuerySyntaxError` carrying the line, the column, the source line with a caret
under the fault, and what would have been accepted there, in words.
"""

from __future__ import annotations

import lark
from lark.exceptions import (
    LarkError,
    UnexpectedInput,
    VisitError,
)

from graphmem.errors import QuerySyntaxError
from graphmem.query import ast
from graphmem.query.grammar import _lark, grammar_path, grammar_text, keywords, value_words
from graphmem.query.nesting import shape_tree
from graphmem.query.numbers import NumberOutOfRange
from graphmem.query.strings import BadEscape
from graphmem.query.syntax_errors import caret_context, syntax_error
from graphmem.query.tree_to_ast import _DuplicateClause, _KeywordName, _NumberAt, _span_of, _ToAst

__all__ = ["caret_context", "grammar_path", "grammar_text", "keywords", "parse", "value_words"]


def parse(text: str) -> ast.Query:
    """Parse query text into a :class:`~graphmem.query.ast.Query`.

    Raises:
        QuerySyntaxError: the text does not parse; the error names the line and column, shows the line
            with a caret and says what was expected. A query nested too deeply or with an overlong
            pattern is refused the same way (see :mod:`graphmem.query.nesting`).
    """
    if not isinstance(text, str):
        raise TypeError(f"a query is text, not {type(text).__name__}")
    try:
        tree = _lark().parse(text)
    except UnexpectedInput as exc:
        raise syntax_error(_lark(), text, exc) from None
    except LarkError as exc:  # pragma: no cover - every parse error is an UnexpectedInput
        raise QuerySyntaxError(str(exc), line=1, column=1) from exc
    shape_tree(tree, text)
    try:
        query: ast.Query = _ToAst().transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, _DuplicateClause):
            dup = exc.orig_exc
            span = dup.meta if isinstance(dup.meta, ast.Span) else _span_of(dup.meta) if dup.meta else ast.NO_SPAN
            line, column = (span.line, span.column) if span else (1, 1)
            width = span.end_column - span.column if span and span.end_line == span.line else 1
            raise QuerySyntaxError(
                f"{dup.name} is given twice{dup.hint}",
                line=line,
                column=column,
                context=caret_context(text, line, column, width),
            ) from None
        if isinstance(exc.orig_exc, BadEscape):
            bad = exc.orig_exc
            raise QuerySyntaxError(
                bad.message,
                line=bad.line,
                column=bad.column,
                context=caret_context(text, bad.line, bad.column, bad.width),
            ) from None
        if isinstance(exc.orig_exc, _KeywordName):
            token = exc.orig_exc.token
            raise QuerySyntaxError(
                f"{token} cannot name a variable: {str(token).upper()} is a word of the query language; "
                "use another name",
                line=token.line or 1,
                column=token.column or 1,
                context=caret_context(text, token.line or 1, token.column or 1, len(token)),
            ) from None
        if isinstance(exc.orig_exc, ValueError | OverflowError):  # a number out of range, say
            at = exc.orig_exc.token if isinstance(exc.orig_exc, _NumberAt) else None
            where = at if at is not None else exc.obj.meta if isinstance(exc.obj, lark.Tree) else exc.obj
            span = _span_of(where) if where else ast.NO_SPAN
            line, column = (span.line, span.column) if span else (1, 1)
            width = span.end_column - span.column if span and span.end_line == span.line else 1
            known = isinstance(exc.orig_exc, NumberOutOfRange)
            raise QuerySyntaxError(
                str(exc.orig_exc) if known else f"cannot read this value: {exc.orig_exc}",
                line=line,
                column=column,
                context=caret_context(text, line, column, width),
            ) from None
        raise
    return ast.Query(query.statement, query.explain, source=text, span=query.span)
