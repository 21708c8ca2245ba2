"""The query grammar: ``grammar/graphmem.lark``, loaded once (on first use, never at import) into a Lark
LALR parser whose tables are cached in the user's cache folder, and the words of the language read from it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import os
from pathlib import Path
from typing import Any

import lark
from lark import Lark

from graphmem.query.syntax_errors import keyword_of

__all__ = ["grammar_path", "grammar_text", "keywords", "value_words"]

_GRAMMAR_FILE = "graphmem.lark"


def grammar_path() -> Path:
    """Where the grammar file is: inside the installed package, else the repository's ``grammar/``."""
    packaged = importlib.resources.files("graphmem") / "grammar" / _GRAMMAR_FILE
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "grammar" / _GRAMMAR_FILE


@functools.cache
def grammar_text() -> str:
    """The text of the grammar (read once)."""
    return grammar_path().read_text(encoding="utf-8")


def _cache_file() -> str | None:
    """Where the compiled parser is cached: the user's cache folder, when it is writable.

    Building the LALR tables takes about a second; loading them from the cache a few milliseconds.
    Lark checks the grammar's hash before using a cached file.
    """
    from graphmem.settings import Settings

    directory = Settings.from_env().cache_home / "graphmem"
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    if not os.access(directory, os.W_OK):
        return None
    digest = hashlib.sha256(grammar_text().encode("utf-8")).hexdigest()[:16]
    return str(directory / f"query-grammar-{digest}-lark{lark.__version__}.cache")


@functools.cache
def _lark() -> Lark:
    options: dict[str, Any] = {}
    cache = _cache_file()
    if cache is not None:
        options["cache"] = cache
    return Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
        **options,
    )


@functools.cache
def keywords() -> tuple[str, ...]:
    """Every keyword of the language, upper case and sorted (for completion and highlighting)."""
    words: set[str] = set()
    for term in _lark().terminals:
        keyword = keyword_of(term.pattern)
        if keyword is not None:
            words.add(keyword)
    words.update({"FIRST", "LAST", "DISTINCT", "NOT", "ASC", "DESC"})
    words.update({"DAYS", "WEEKS", "MONTHS", "YEARS", "HOURS", "MINUTES"})
    return tuple(sorted(words))


@functools.cache
def value_words() -> frozenset[str]:
    """The keywords that can begin a value or a condition (``null``, ``true``, ``relevance``, ``not``,
    ``distinct``, ...), lower case: a variable or alias so named could never be read back, since the word
    there is the keyword. Read from the grammar: what it accepts where a WHERE, a RETURN or a call starts."""
    parser = _lark()
    words: set[str] = set()
    for prefix in ("FIND (e) WHERE ", "FIND (e) RETURN ", "FIND (e) RETURN count("):
        state = parser.parse_interactive(prefix)
        state.exhaust_lexer()
        for name in state.accepts():  # type: ignore[no-untyped-call]
            keyword = keyword_of(parser.get_terminal(name).pattern) if name != "$END" else None
            if keyword is not None:
                words.add(keyword.lower())
    return frozenset(words)
