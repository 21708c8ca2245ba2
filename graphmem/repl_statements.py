"""Shell input holding several queries (``FIND … LIMIT 1; FIND …;`` on one line): split at each ``;`` that
ends a statement, each run on its own, an error naming its place in the whole input.

A ``;`` inside a string or a comment is text. Each statement is run as the whole input with what stands
before it blanked (newlines kept), so the parser's line and column are the input's own; an error's caret
line is then drawn again from the input, so it shows the line as typed.
"""

from __future__ import annotations

from typing import Any

from graphmem.errors import GraphmemError

__all__ = ["in_place", "relocate", "split_statements", "statement_code"]


def split_statements(text: str, lexer: Any) -> list[tuple[int, str]]:
    """The statements of ``text`` as ``(offset, statement)``, each ending at its ``;`` (the last may have
    none); a piece holding only blanks and comments is left out.

    ``lexer`` is the shell's Pygments lexer (:func:`graphmem.repl.make_lexer`): its strings and comments
    hide the ``;`` they hold.
    """
    from pygments.token import Comment, Punctuation, Text  # type: ignore[import-untyped]

    out: list[tuple[int, str]] = []
    start = 0
    code = False
    for index, token, value in lexer.get_tokens_unprocessed(text):
        if token in Comment or token in Text:
            continue
        if token in Punctuation and value == ";":
            if code:
                out.append((start, text[start : index + 1]))
            start, code = index + 1, False
            continue
        code = True
    if code:
        out.append((start, text[start:]))
    return out


def in_place(text: str, offset: int, statement: str) -> str:
    """``statement`` preceded by ``text[:offset]`` blanked: its lines and columns are those of ``text``."""
    return "".join(c if c == "\n" else " " for c in text[:offset]) + statement


def relocate(exc: GraphmemError, text: str) -> GraphmemError:
    """``exc`` with its caret line drawn from ``text`` (the whole input), when it has one."""
    from graphmem.query.syntax_errors import caret_context

    line, column, context = getattr(exc, "line", None), getattr(exc, "column", None), getattr(exc, "context", "")
    if not isinstance(line, int) or not isinstance(column, int) or not context:
        return exc
    width = context.splitlines()[-1].count("^")
    fresh = caret_context(text, line, column, width)
    if fresh and exc.args and isinstance(exc.args[0], str):
        exc.args = (exc.args[0].replace(context, fresh), *exc.args[1:])
        exc.context = fresh  # type: ignore[attr-defined]
    return exc


def statement_code(text: str, lexer: Any) -> str:
    """``text`` without its comments, strings as ``""`` (a ';' or '/*' in them is text), and a block comment
    still open as a bare ``/*``: what decides whether a query has ended (it ends with ``;``, so
    ``…; /* note`` waits for the ``*/``)."""
    from pygments.token import Comment, String

    out = "".join('""' if t in String else v for t, v in lexer.get_tokens(text) if t not in Comment)
    cut = out.find("/*")
    return (out if cut < 0 else out[:cut] + "/*").strip()
