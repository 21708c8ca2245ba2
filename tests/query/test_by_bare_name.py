"""``RECALL … BY Jon``: a speaker may be a bare one-word name, as docs/dsl.md writes ``[BY speaker, …]``.

Before, only quoted text or a parameter parsed: ``BY Jon`` was a syntax error.
"""

from __future__ import annotations

import pytest

from graphmem.errors import QuerySyntaxError
from graphmem.query import ast
from graphmem.query.parser import parse


def _speakers(text: str) -> tuple[object, ...]:
    statement = parse(text).statement
    assert isinstance(statement, ast.Recall)
    return tuple(s.value if isinstance(s, ast.Literal) else s for s in statement.speakers)


def test_a_bare_name_is_a_speaker() -> None:
    assert _speakers('RECALL "trip" BY Jon') == ("Jon",)
    assert _speakers('RECALL "trip" BY Jon, "Mel Smith", $who IN "chat" LIMIT 3') == (
        "Jon",
        "Mel Smith",
        ast.Param("who"),
    )


def test_clauses_after_a_bare_name_still_read_as_clauses() -> None:
    statement = parse('RECALL "trip" BY Jon IN "chat" HOPS 1 SAID AFTER 2023-01-01').statement
    assert isinstance(statement, ast.Recall)
    assert _speakers('RECALL "trip" BY Jon IN "chat"') == ("Jon",)
    assert statement.hops is not None and statement.window is not None


def test_a_name_of_two_words_needs_quotes() -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse('RECALL "trip" BY Jon Smith')
    assert info.value.column == 22
