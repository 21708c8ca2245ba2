"""A namespace that holds no data: named in the query text, the error points at it (line, column, caret).

It stays an :class:`~graphmem.errors.UnknownNamespaceError` with the closest namespace suggested (what
``recall``, ``stats`` and ``forget`` raise), and a :class:`~graphmem.errors.QuerySemanticError` (what a
query raised before), so a caller catching either still does. A namespace given outside the query
(``namespace=``, ``-n``) has no place in the text and is named without one.
"""

from __future__ import annotations

import re

import pytest

from graphmem import Memory
from graphmem.cli.app import main
from graphmem.errors import QuerySemanticError, UnknownNamespaceError
from graphmem.namespaces import closest_namespace

from .test_repl import drive


def db_of(memory: Memory) -> str:
    return str(memory.store.uri)


def under_caret(err: QuerySemanticError, text: str) -> str:
    assert err.line is not None and err.column is not None
    caret = err.context.splitlines()[1]
    return text.splitlines()[err.line - 1][err.column - 1 : err.column - 1 + caret.count("^")]


@pytest.mark.parametrize(
    ("text", "params", "line", "column", "under"),
    [
        ('FIND (e:Event) IN "nope" RETURN e.text', {}, 1, 19, '"nope"'),
        ('FIND (e:Event)\n  IN "T1"\nRETURN e.text', {}, 2, 6, '"T1"'),
        ("FIND (e:Event) IN $ns RETURN e.text", {"ns": "t3"}, 1, 19, "$ns"),
        ('TIMELINE (p:Person ~"Jon") IN "t11" LIMIT 3', {}, 1, 31, '"t11"'),
        ('RECALL "Berlin" IN "x1" LIMIT 2', {}, 1, 20, '"x1"'),
    ],
)
def test_a_namespace_named_in_the_query_is_an_error_at_its_place(
    small_memory: Memory, text: str, params: dict[str, str], line: int, column: int, under: str
) -> None:
    with pytest.raises(UnknownNamespaceError) as info:
        small_memory.query(text, **params)
    err = info.value
    assert isinstance(err, QuerySemanticError)
    assert (err.line, err.column) == (line, column)
    assert under_caret(err, text) == under
    name = under.strip('"') if under != "$ns" else params["ns"]
    assert err.reason == f"namespace {name!r} holds no data"
    assert err.suggestion == closest_namespace(name, ["t1", "t2"])
    assert str(err).startswith(f"line {line}, column {column}: namespace {name!r} holds no data")


def test_a_namespace_given_outside_the_query_has_no_place(small_memory: Memory) -> None:
    with pytest.raises(UnknownNamespaceError) as info:
        small_memory.query("FIND (e:Event) RETURN e.text", namespace="T1")
    err = info.value
    assert isinstance(err, QuerySemanticError)
    assert err.line is None and err.context == ""
    assert str(err) == "namespace 'T1' holds no data (did you mean 't1'?)"


def test_the_cli_shows_the_place(small_memory: Memory, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--db", db_of(small_memory), "query", 'FIND (e:Event) IN "nope" RETURN e.text'])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: line 1, column 19: namespace 'nope' holds no data")
    assert re.search(r'\n  FIND \(e:Event\) IN "nope" RETURN e\.text\n {20}\^{6}\n', err), err
    # -n names it outside the query: no place
    code = main(["--db", db_of(small_memory), "query", "-n", "nope", "FIND (e:Event) RETURN e.text"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: namespace 'nope' holds no data") and "^" not in err


def test_the_repl_shows_the_place(small_memory: Memory) -> None:
    out = drive(small_memory, 'FIND (e:Event) IN "T1" RETURN e.text;\n')
    assert "line 1, column 19: namespace 'T1' holds no data (did you mean 't1'?)" in out
    assert "^^^^" in out
