"""The text of a quoted string of the query language: its escapes read, or a precise error.

A string holds ``\\n``, ``\\t``, ``\\r``, ``\\\\``, ``\\"``, ``\\'`` and ``\\uXXXX`` (a surrogate pair
written as two ``\\u`` escapes is one character); any other escape is an error the parser reports at its
backslash (:class:`BadEscape`, turned into a :class:`~graphmem.errors.QuerySyntaxError`).
"""

from __future__ import annotations

import re

from lark import Token

__all__ = ["BadEscape", "unquote"]

#: The escapes a quoted string may hold besides ``\uXXXX`` (any other is a syntax error at its backslash).
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'"}
#: One escape: ``\uXXXX`` (four hex digits), or a backslash and whatever follows it.
_ESCAPE_RE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|(.?))", re.DOTALL)


def unquote(token: Token) -> str:
    """The text of a quoted string token, its escapes read (``\\n``, ``\\t``, ``\\r``, ``\\\\``, ``\\"``,
    ``\\'``, ``\\uXXXX``; a surrogate pair written as two ``\\u`` escapes is one character).

    Raises:
        BadEscape: an unknown escape, a ``\\u`` without four hex digits, or half a surrogate pair.
    """
    body = str(token)[1:-1]
    out: list[str] = []
    at = 0
    high: tuple[int, int] | None = None  # a high surrogate waiting for its low half: its code and offset
    for m in _ESCAPE_RE.finditer(body):
        if high is not None and m.start() != at:
            raise _half_pair(token, *high)
        out.append(body[at : m.start()])
        at = m.end()
        if m.group(1) is None:
            char = m.group(2)
            if char not in _ESCAPES:
                raise BadEscape(_escape_problem(char), token, m.start(), m.end() - m.start())
            if high is not None:
                raise _half_pair(token, *high)
            out.append(_ESCAPES[char])
            continue
        code = int(m.group(1), 16)
        if 0xD800 <= code <= 0xDBFF:
            if high is not None:
                raise _half_pair(token, *high)
            high = (code, m.start())
        elif 0xDC00 <= code <= 0xDFFF:
            if high is None:
                raise _half_pair(token, code, m.start())
            out.append(chr(0x10000 + ((high[0] - 0xD800) << 10) + (code - 0xDC00)))
            high = None
        elif high is not None:
            raise _half_pair(token, *high)
        else:
            out.append(chr(code))
    if high is not None:
        raise _half_pair(token, *high)
    out.append(body[at:])
    return "".join(out)


def _escape_problem(char: str) -> str:
    if char == "u":
        return "\\u needs four hex digits, as in \\u00e9"
    what = f"\\{char}" if char.isprintable() and char else "\\ followed by nothing printable"
    return f"unknown escape {what} in a string; write \\\\ for a backslash (escapes: \\n \\t \\r \\\\ \\\" \\' \\uXXXX)"


def _half_pair(token: Token, code: int, offset: int) -> BadEscape:
    return BadEscape(
        f"\\u{code:04x} is half of a surrogate pair; give both halves (\\ud83d\\ude00) or the character itself",
        token,
        offset,
        6,
    )


class BadEscape(Exception):
    """A string token holds an escape that means nothing; ``offset`` and ``width`` locate it in the body."""

    def __init__(self, message: str, token: Token, offset: int, width: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = token.line or 1
        self.column = (token.column or 1) + 1 + offset  # after the opening quote
        self.width = width
