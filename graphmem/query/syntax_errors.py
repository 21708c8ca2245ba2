"""Lark parse errors → :class:`~graphmem.errors.QuerySyntaxError` with a caret and words, not token names."""

from __future__ import annotations

import re

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.lexer import Pattern, PatternRE, PatternStr
from wcwidth import wcwidth

from graphmem.errors import QuerySyntaxError

__all__ = ["caret_context", "duplicate_hint", "keyword_of", "syntax_error"]

#: How the grammar writes a keyword terminal: the word, then no letter, digit or underscore of a name
#: (``/where(?!\w)/i``, ``\w`` of any script: ``\b`` would let a non-ASCII letter end it), maybe after a ``\b``.
_KEYWORD_PATTERN = re.compile(r"(?:\\b)?([a-z]+)\(\?!\\w\)")

# Named terminals of the grammar, described for people.
_TERMINAL_WORDS: dict[str, str] = {
    "NAME": "a name",
    "STRING": 'a quoted string ("...")',
    "NUMBER": "a number",
    "INT": "a whole number",
    "DATE": "a date (2023-06-01)",
    "PARAM": "a $parameter",
    "COMPARE": "a comparison (= <> < <= > >=)",
    "SIGN": "+ or -",
    "RANGE": "'..'",
    "STAR": "'*'",
    "PICK": "FIRST or LAST",
    "DISTINCT": "DISTINCT",
    "NOT": "NOT",
    "ORDER_DIR": "ASC or DESC",
    "UNIT": "a time unit (days, weeks, months, years, hours, minutes)",
    "$END": "the end of the query",
}


def caret_context(text: str, line: int, column: int, width: int = 1) -> str:
    """The source line ``line`` of ``text`` with a caret (or carets) under ``column`` (1-based)."""
    lines = text.splitlines() or [""]
    if line < 1 or line > len(lines):
        return ""
    src = lines[line - 1].expandtabs(1)
    column = max(1, min(column, len(src) + 1))
    width = max(1, min(width, len(src) - column + 1))
    # ``column`` counts characters; the caret goes under them by terminal cells (a CJK character or an
    # emoji takes two, a combining accent none)
    pad = _cells(src[: column - 1])
    under = max(1, _cells(src[column - 1 : column - 1 + width]))
    return f"  {src}\n  {' ' * pad}{'^' * under}"


def _cells(text: str) -> int:
    return sum(max(wcwidth(char), 0) for char in text)


def keyword_of(pattern: Pattern) -> str | None:
    """The keyword a terminal's pattern stands for, upper case (``/where\\b/i`` → ``WHERE``), else None."""
    if isinstance(pattern, PatternRE):
        found = _KEYWORD_PATTERN.fullmatch(pattern.value)
        return found.group(1).upper() if found else None
    if isinstance(pattern, PatternStr) and pattern.value.isalpha():
        return pattern.value.upper()
    return None


def _describe_terminal(parser: Lark, name: str) -> str:
    if name in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[name]
    try:
        pattern = parser.get_terminal(name).pattern
    except KeyError:  # pragma: no cover - Lark only reports its own terminals
        return name.lower()
    keyword = keyword_of(pattern)
    if keyword is not None:
        return keyword
    if isinstance(pattern, PatternStr):
        return f"'{pattern.value}'"
    return name.lower()  # pragma: no cover - every regex terminal is described above


def _expected_words(parser: Lark, expected: set[str] | frozenset[str]) -> list[str]:
    words = {_describe_terminal(parser, t) for t in expected}
    keywords_first = sorted(w for w in words if w.isupper() and " " not in w)
    others = sorted(w for w in words if w not in keywords_first)
    return keywords_first + others


def _join(words: list[str]) -> str:
    if not words:
        return "nothing more"
    if len(words) == 1:
        return words[0]
    if len(words) > 14:
        words = [*words[:14], "…"]
    return "one of " + ", ".join(words)


def _describe_token(token: Token) -> str:
    if token.type == "$END":
        return "the end of the query"
    value = str(token)
    kind = {
        "NAME": "name",
        "STRING": "string",
        "NUMBER": "number",
        "INT": "number",
        "DATE": "date",
        "PARAM": "parameter",
    }.get(token.type)
    if kind:
        return f"{kind} {value}" if kind in ("string",) else f"{kind} '{value}'"
    return f"'{value}'" if not value.isalpha() else value.upper()


def syntax_error(parser: Lark, text: str, exc: UnexpectedInput) -> QuerySyntaxError:
    """Turn a Lark parse error into a :class:`QuerySyntaxError` that says, in words, what was expected."""
    line = getattr(exc, "line", -1)
    column = getattr(exc, "column", -1)
    width = 1
    hint = ""
    if (isinstance(exc, UnexpectedToken) and exc.token.type == "$END") or isinstance(exc, UnexpectedEOF):
        lines = text.splitlines() or [""]
        line = len(lines)
        column = len(lines[-1].expandtabs(1)) + 1
        expected = exc.accepts or exc.expected if isinstance(exc, UnexpectedToken) else exc.expected
        message = f"the query ended early; expected {_join(_expected_words(parser, set(expected)))}"
    elif isinstance(exc, UnexpectedToken):
        token = exc.token
        width = len(str(token))
        words = _expected_words(parser, set(exc.accepts or exc.expected))
        message = f"unexpected {_describe_token(token)}; expected {_join(words)}"
        if token.type == "NAME":
            hint = _keyword_hint(str(token), words)
        named = _keyword_as_name(parser, text, token) or _dangling_operator(text, token)
        if named is not None:
            return named
        message += _order_hint(text, token) or _equals_hint(text, token)
    elif isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream or 0
        char = text[pos] if 0 <= pos < len(text) else ""
        words = _expected_words(parser, set(exc.allowed or ()))
        if char and char in "\"'":
            message = "this string is not closed before the end of the line"
            width = len(text[pos:].split("\n", 1)[0])
        else:
            message = f"unexpected character {char!r}; expected {_join(words)}"
            if char.isalpha():
                word = re.match(r"\w+", text[pos:])
                if word:
                    width = len(word.group(0))
                    hint = _keyword_hint(word.group(0), words)
    else:  # pragma: no cover - the three above are all Lark raises for LALR
        message = str(exc)
    if line < 1:
        line, column = 1, 1
    if hint:
        message = f"{message} (did you mean {hint}?)"
    return QuerySyntaxError(message, line=line, column=column, context=caret_context(text, line, column, width))


def duplicate_hint(name: str, first: object, second: object) -> str:
    """What to do about a clause given twice, for its message (``first`` and ``second`` are the two values;
    a RECALL time window is a window, or ``(axis, window)`` after SAID or HAPPENED: one of each may be
    given, a window without either word only alone)."""
    if name != "a time window":
        return ""
    axes = {v[0] if isinstance(v, tuple) else None for v in (first, second)}
    if None in axes and len(axes) == 2:
        return (
            "; a window without SAID or HAPPENED already bounds either time: keep one window, or put SAID"
            " before one and HAPPENED before the other to bound both times"
        )
    return "; use BETWEEN for a range"


# the words that begin a clause after WHERE's condition
_CLAUSE_WORDS = frozenset({"RETURN", "ORDER", "GROUP", "LIMIT", "VALID", "ALL", "AS", "IN"})


def _word_before(text: str, start: int) -> tuple[int, str]:
    """The word that ends just before ``start`` (spaces skipped) and where it begins."""
    end = len(text[:start].rstrip())
    begin = end  # found backwards (a regex search could take quadratic time)
    while begin > 0 and (text[begin - 1].isalnum() or text[begin - 1] == "_"):
        begin -= 1
    return begin, text[begin:end]


def _dangling_operator(text: str, token: Token) -> QuerySyntaxError | None:
    """The error for ``AND``, ``OR``, ``NOT`` or ``WHERE`` with no condition after it, else None.

    In ``WHERE a = 1 AND RETURN e`` the lexer reads ``RETURN`` as a name (a condition may start with
    one), so the parse fails only at ``e``: the fault is the operator before the keyword.
    """
    if token.start_pos is None:
        return None
    begin, word = _word_before(text, token.start_pos)
    if word.upper() not in _CLAUSE_WORDS:
        return None
    op_begin, op = _word_before(text, begin)
    if op.upper() not in ("AND", "OR", "NOT", "WHERE"):
        return None
    line = text.count("\n", 0, op_begin) + 1
    column = op_begin - (text.rfind("\n", 0, op_begin) + 1) + 1
    return QuerySyntaxError(
        f"{op.upper()} needs a condition after it, and {word.upper()} starts the next clause: "
        f"complete the condition or drop {op.upper()}",
        line=line,
        column=column,
        context=caret_context(text, line, column, len(op)),
    )


def _keyword_as_name(parser: Lark, text: str, token: Token) -> QuerySyntaxError | None:
    """The error for a keyword written where a name was meant (``(about:Event)``), else None.

    The parse failed at ``token``, right after a keyword; had that word been a name, the parser would
    have taken both it (a name was allowed there) and ``token`` after it. So it was meant as a name.
    """
    if token.start_pos is None:
        return None
    begin, word = _word_before(text, token.start_pos)
    if not word.isascii() or not word.isalpha():
        return None
    if not any(keyword_of(t.pattern) == word.upper() for t in parser.terminals):
        return None
    try:
        state = parser.parse_interactive(text[:begin])
        state.exhaust_lexer()
        if "NAME" not in state.accepts():  # type: ignore[no-untyped-call]
            return None
        state.feed_token(Token("NAME", word))
        if token.type not in state.accepts():  # type: ignore[no-untyped-call]
            return None
    except UnexpectedInput:  # the word was in a comment, say: the plain error stands
        return None
    line = text.count("\n", 0, begin) + 1
    column = begin - (text.rfind("\n", 0, begin) + 1) + 1
    return QuerySyntaxError(
        f"{word} is a keyword ({word.upper()}) here, so it cannot name a variable; use another name",
        line=line,
        column=column,
        context=caret_context(text, line, column, len(word)),
    )


def _keyword_hint(word: str, expected_words: list[str]) -> str:
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    candidates = [w for w in expected_words if w.isupper() and w.isalpha()]
    if not candidates:
        return ""
    best = process.extractOne(word.upper(), candidates, scorer=Levenshtein.normalized_similarity)
    if best is None or best[1] < 0.6:
        return ""
    return str(best[0])


#: Where a clause goes in a statement whose clauses have an order: a clause must come before every clause
#: of a higher rank (a FIND's IN, WHERE, AS OF, VALID AT and ALL TIME go in any order among themselves).
_CLAUSE_RANKS: dict[str, dict[str, int]] = {
    "FIND": {
        "IN": 0, "WHERE": 0, "AS OF": 0, "VALID AT": 0, "ALL TIME": 0,
        "RETURN": 1, "GROUP BY": 2, "ORDER BY": 3, "LIMIT": 4,
    },
    "TIMELINE": {"IN": 0, "WHERE": 1, "LIMIT": 2},
}  # fmt: skip
_CLAUSE = re.compile(
    r"(?<![\w$.])(in|where|as\s+of|valid\s+at|all\s+time|return|group\s+by|order\s+by|limit)(?!\w)", re.I
)
# strings and comments, blanked before clause words are looked for
_NOT_CODE = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|//[^\n]*|/\*.*?(?:\*/|$)', re.S)
_STATEMENT = re.compile(r"^\s*(?:explain\s+)?(find|timeline)(?!\w)", re.I)
# the words of a clause that follow its first (a clause keyword the parser met alone)
_SECOND_WORD = {"AS": "OF", "VALID": "AT", "ALL": "TIME", "GROUP": "BY", "ORDER": "BY"}


def _order_hint(text: str, token: Token) -> str:
    """``; ORDER BY goes before LIMIT`` when the parse failed at a clause written after one that must
    follow it (``… LIMIT 1 ORDER BY e.time``; ``RETURN x AS OF 2024-01-01``, where ``AS`` was read as the
    column's alias and the date is what failed), else ``""``."""
    if token.start_pos is None:
        return ""
    code = _NOT_CODE.sub(lambda m: " " * len(m.group()), text)
    statement = _STATEMENT.match(code)
    if statement is None:
        return ""
    ranks = _CLAUSE_RANKS[statement.group(1).upper()]
    begin, word = _word_before(code, token.start_pos)
    before, first = _word_before(code, begin)
    if word.upper() == "OF" and first.upper() == "AS":  # any time after it: a date, "3 days", yesterday
        clause, start, alias = "AS OF", before, True
    else:
        first = str(token).upper()
        clause = f"{first} {_SECOND_WORD[first]}" if first in _SECOND_WORD else first
        start, alias = token.start_pos, False
    if clause not in ranks:
        return ""
    earlier_clauses = []
    for found in _CLAUSE.finditer(code, statement.end(), start):
        if _word_before(code, found.start())[1].upper() == "AS":
            continue  # a column's name after AS ("AS limit"), not the clause
        earlier_clauses.append(" ".join(found.group(1).upper().split()))
    if clause != "IN" and clause in earlier_clauses:  # IN is an operator too ("x IN [1, 2]")
        return f"; {clause} is given twice" + (" (join the conditions with AND)" if clause == "WHERE" else "")
    for earlier in earlier_clauses:
        if ranks.get(earlier, -1) > ranks[clause]:
            note = " (after RETURN, AS names a column)" if alias and earlier == "RETURN" else ""
            return f"; {clause} goes before {earlier}{note}"
    return ""


def _equals_hint(text: str, token: Token) -> str:
    """``; to compare, write one '='`` for ``==``, else ``""``."""
    before = text[: token.start_pos or 0].rstrip()
    # only '=' '=': after '>=', '<=' or '!=' the '=' is a stray, not a second half of '=='
    if str(token) == "=" and before.endswith("=") and not before[:-1].endswith(("<", ">", "!", "=")):
        return "; to compare, write one '=' (not '==')"
    return ""
