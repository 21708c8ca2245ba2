"""Parsing: the AST built, and syntax errors that say where and what was expected, in words."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from graphmem.errors import QuerySyntaxError
from graphmem.query import ast, parse, unparse
from graphmem.query.parser import grammar_path, keywords, value_words


def test_grammar_file_is_found() -> None:
    path = grammar_path()
    assert path.name == "graphmem.lark" and path.is_file()
    assert "start:" in path.read_text()


def test_find_ast_shape() -> None:
    query = parse('FIND (p:Person ~"Carolin")-[:SAID]->(e:Event) WHERE e.time AFTER 2023-06-01 RETURN e.text AS t')
    st = query.statement
    assert isinstance(st, ast.Find) and not query.explain
    (pattern,) = st.patterns
    p, rel, e = pattern.elements
    assert p == ast.NodePattern("p", ("Person",), fuzzy=ast.Literal("Carolin"))
    assert rel == ast.RelPattern("out", types=("SAID",))
    assert e == ast.NodePattern("e", ("Event",))
    assert st.where == ast.Temporal(
        ast.Prop("e", "time"), ast.Window("AFTER", ast.TimeValue(ast.DateLit("2023-06-01")))
    )
    assert st.returns == (ast.ReturnItem(ast.Prop("e", "text"), "t"),)


def test_spans_point_into_the_source() -> None:
    text = 'FIND (e:Event)\n  WHERE e.speaker = "Jon"'
    st = parse(text).statement
    assert isinstance(st, ast.Find) and isinstance(st.where, ast.Compare)
    span = st.where.left.span
    assert (span.line, span.column) == (2, 9)
    assert text[span.start : span.end] == "e.speaker"


def test_keywords_ignore_case_and_names_do_not() -> None:
    a = parse("find (E:event) where E.seq > 1 return e")
    b = parse("FIND (E:event) WHERE E.seq > 1 RETURN e")
    assert a == b
    st = a.statement
    assert isinstance(st, ast.Find) and st.patterns[0].nodes[0].var == "E"


def test_comments_and_semicolon() -> None:
    assert parse("// hi\nFIND (e) /* there\n */ RETURN e; // bye") == parse("FIND (e) RETURN e")


def test_strings_and_escapes() -> None:
    st = parse(r"""FIND (e) WHERE e.text = 'it\'s "x"\n' RETURN e""").statement
    assert isinstance(st, ast.Find) and isinstance(st.where, ast.Compare)
    assert st.where.right == ast.Literal('it\'s "x"\n')
    assert parse(unparse(parse(r'FIND (e) WHERE e.text = "a\\b\"c" RETURN e'))) == parse(
        r'FIND (e) WHERE e.text = "a\\b\"c" RETURN e'
    )


def _returned(text: str) -> object:
    st = parse(f"FIND (e:Event) RETURN {text} LIMIT 1").statement
    assert isinstance(st, ast.Find) and isinstance(st.returns[0].expr, ast.Literal)
    return st.returns[0].expr.value


def test_unicode_escapes() -> None:
    assert _returned(r'"caf\u00e9"') == "café"
    assert _returned(r"'\u00C9t\u00e9'") == "Été"  # either case of hex digits, either quote
    assert _returned(r'"\ud83d\ude00!"') == "\U0001f600!"  # a surrogate pair is one character
    assert _returned(r'"\t\r\\"') == "\t\r\\"
    assert _returned('"\u00e9"') == "\u00e9"  # not an escape: the character itself, as typed


@pytest.mark.parametrize(
    ("literal", "column", "width", "message"),
    [
        (r'"\q"', 24, 2, r"unknown escape \\q in a string; write \\\\ for a backslash"),
        (r'"ab\d"', 26, 2, r"unknown escape \\d"),
        (r"'\u00g9'", 24, 2, r"\\u needs four hex digits"),
        (r'"\u12"', 24, 2, r"\\u needs four hex digits"),
        (r'"x\ud83d"', 25, 6, r"\\ud83d is half of a surrogate pair"),
        (r'"\ude00"', 24, 6, r"\\ude00 is half of a surrogate pair"),
        (r'"\ud83d.\ude00"', 24, 6, r"\\ud83d is half"),
        (r'"\ud83d\n"', 24, 6, r"\\ud83d is half"),
    ],
)
def test_bad_escapes_are_syntax_errors_at_the_backslash(literal: str, column: int, width: int, message: str) -> None:
    with pytest.raises(QuerySyntaxError, match=message) as info:
        parse(f"FIND (e:Event) RETURN {literal} LIMIT 1")
    err = info.value
    assert (err.line, err.column) == (1, column)
    assert err.context.splitlines()[1].strip() == "^" * width


def test_bad_escape_on_a_later_line() -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse('FIND (e:Event)\n  WHERE e.text = "a\\qb"\nRETURN e')
    assert (info.value.line, info.value.column) == (2, 20)


def test_hop_range_forms() -> None:
    def hops(text: str) -> ast.HopRange | None:
        st = parse(f"FIND (a)-[{text}]->(b)").statement
        assert isinstance(st, ast.Find)
        return st.patterns[0].rels[0].hops

    assert hops(":NEXT") is None
    assert hops("*") == ast.HopRange()
    assert hops("*2") == ast.HopRange(2)
    assert hops("*1..3") == ast.HopRange(1, 3, True)
    assert hops("*..3") == ast.HopRange(None, 3, True)
    assert hops("r:NEXT*2..") == ast.HopRange(2, None, True)


def test_recall_clauses_in_any_order() -> None:
    a = parse('RECALL "x" IN "ns" HOPS 1 BY "Jon" AFTER 2023-01-01 AS OF 2023-02-01 LIMIT 3')
    b = parse('RECALL "x" LIMIT 3 AS OF 2023-02-01 AFTER 2023-01-01 BY "Jon" HOPS 1 IN "ns"')
    assert a == b


def test_find_clauses_in_any_order_before_return() -> None:
    assert parse("FIND (a)-[f:FACT]->(b) WHERE f.id = 1 AS OF 2023 RETURN f") == parse(
        "FIND (a)-[f:FACT]->(b) AS OF 2023 WHERE f.id = 1 RETURN f"
    )


def test_keywords_list() -> None:
    words = keywords()
    for word in ("FIND", "RECALL", "TIMELINE", "MENTIONS", "ABOUT", "BETWEEN", "FIRST", "DESC"):
        assert word in words


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("FIND (e:Event) RETRUN e", 1, 16, ["unexpected name 'RETRUN'", "RETURN", "did you mean RETURN?"]),
        ("FIND (e", 1, 8, ["ended early", "')'", "':'"]),
        ("FIND (e)\nWHERE e.x = ", 2, 13, ["ended early", "a quoted string", "a number"]),
        ('RECALL "abc', 1, 8, ["string is not closed"]),
        ("FIND (e) WHERE e.x == 3", 1, 21, ["unexpected '='"]),
        ("FIND (e) WHERE e.x = 3 %", 1, 24, ["unexpected character '%'"]),
        ("fnd (e)", 1, 1, ["EXPLAIN", "FIND", "RECALL", "TIMELINE", "did you mean FIND?"]),
        ("FIND (e)-[:NEXT*1..x]->(f)", 1, 20, ["unexpected name 'x'", "a whole number"]),
        ('RECALL "x" LIMIT 1 LIMIT 2', 1, 20, ["LIMIT is given twice"]),
        ("FIND (e) WHERE e.x = 1 WHERE e.y = 2", 1, 24, ["WHERE is given twice"]),
        ('RECALL "t" AFTER 2023 BEFORE 2024', 1, 23, ["time window is given twice", "BETWEEN"]),
        ("FIND (e) WHERE e.time AFTER 3 dayz", 1, 31, ["unexpected name 'dayz'"]),
        # a keyword with extra letters is one misspelt word, not the keyword and a name after it
        ("FIND (e:Event) WHEREE e.seq = 1 RETURN e", 1, 16, ["unexpected name 'WHEREE'", "did you mean WHERE?"]),
        ("FINDD (e:Event) RETURN e", 1, 1, ["unexpected name 'FINDD'", "did you mean FIND?"]),
        ("FIND (e) WHERE e.a = 1 ANDD e.b = 2", 1, 24, ["unexpected name 'ANDD'", "did you mean AND?"]),
        ("FIND (e) WHERE e.a = 1 ORR e.b = 2", 1, 24, ["unexpected name 'ORR'", "did you mean OR?"]),
        ("FIND (e:Event) RETURN e.speaker ASK LIMIT 1", 1, 33, ["unexpected name 'ASK'", "did you mean AS?"]),
        # a keyword glued to a letter a name cannot hold: the letter is the fault, as before whole words
        # names are Unicode words: a keyword with a letter after it is a name, as WHEREE is
        ("FIND (e:Event) WHERE\u00e9 e.x = 1", 1, 16, ["unexpected name 'WHERE\u00e9'", "did you mean WHERE?"]),
        ("FIND (e:Event) WHERE e.x = 1 \u00a7", 1, 30, ["unexpected character '\u00a7'"]),
        # a variable or alias named with a word that reads as a value could never be read back
        ("FIND (null:Event) RETURN null, count(*) AS n", 1, 7, ["null cannot name a variable", "NULL is a word"]),
        ("FIND (e)-[True:FACT]->(x) RETURN x", 1, 11, ["True cannot name a variable", "TRUE is a word"]),
        ("FIND (e) RETURN e AS relevance", 1, 22, ["relevance cannot name a variable"]),
        ("FIND (distinct) RETURN count(*)", 1, 7, ["distinct cannot name a variable"]),
        # a keyword where a name was meant
        ("FIND (about:Event) RETURN about", 1, 7, ["about is a keyword (ABOUT) here, so it cannot name a variable"]),
        ("FIND (e)\n  WHERE not.x = 1", 2, 9, ["not is a keyword (NOT) here"]),
        # a dangling AND / OR / WHERE before the next clause: the fault is the operator, not the word after
        (
            'FIND (e:Event) WHERE e.speaker = "Omar" AND RETURN e.text',
            1,
            41,
            ["AND needs a condition after it, and RETURN starts the next clause"],
        ),
        ("FIND (e) WHERE e.a = 1 OR\n  ORDER BY e.a", 1, 24, ["OR needs a condition after it, and ORDER starts"]),
        ("FIND (e) WHERE LIMIT 3", 1, 10, ["WHERE needs a condition after it, and LIMIT starts"]),
        # two RECALL windows: one on each time is allowed (SAID … HAPPENED …); beside a window on either
        # time the hint says how to bound both, rather than suggesting BETWEEN
        (
            'RECALL "dog" ON 2025-02-20 SAID ON 2025-02-17',
            1,
            28,
            ["without SAID or HAPPENED already bounds either", "SAID before one and HAPPENED before the other"],
        ),
        ('RECALL "dog" HAPPENED ON 2025-02-17 ON 2025-02-20', 1, 37, ["without SAID or HAPPENED already bounds"]),
        ('RECALL "dog" SAID AFTER 2025 SAID BEFORE 2026', 1, 30, ["time window is given twice; use BETWEEN"]),
        # a clause written after one it goes before (tester findings): the hint says where it belongs
        (
            "FIND (p:Person)-[f:FACT]->(x) RETURN x.name AS OF 2026-12-02",
            1,
            51,
            ["unexpected date '2026-12-02'", "AS OF goes before RETURN (after RETURN, AS names a column)"],
        ),
        ("FIND (e:Event) RETURN e.text LIMIT 1 ORDER BY e.time", 1, 38, ["ORDER BY goes before LIMIT"]),
        ("FIND (e:Event)\nRETURN e.text ORDER BY e.time\nWHERE e.seq = 1", 3, 1, ["WHERE goes before RETURN"]),
        ("TIMELINE (p:Person) LIMIT 3 WHERE p.name = 'x'", 1, 29, ["WHERE goes before LIMIT"]),
        ('FIND (e:Event) WHERE e.speaker == "Ana" RETURN e.text', 1, 33, ["to compare, write one '=' (not '==')"]),
        (
            'RECALL "dog" SAID ON 2025-02-20 HAPPENED ON 2025-02-17 HAPPENED ON 2025-02-18',
            1,
            56,
            ["time window is given twice; use BETWEEN"],
        ),
    ],
)
def test_syntax_errors(text: str, line: int, column: int, words: list[str]) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse(text)
    err = info.value
    assert (err.line, err.column) == (line, column), str(err)
    for word in words:
        assert word in str(err), str(err)
    # The context shows the source line and a caret under the column.
    source_line, caret_line = err.get_context().splitlines()
    assert source_line.strip() == text.splitlines()[line - 1].strip()
    assert caret_line.index("^") - 2 == column - 1
    # No Lark token names leak out.
    for token in ("LPAR", "RPAR", "__ANON", "$END", "COMPARE", "STRING"):
        assert token not in str(err)


def test_the_words_that_read_as_values_come_from_the_grammar() -> None:
    assert value_words() == {"null", "true", "false", "relevance", "distinct", "not"}


def test_names_that_begin_with_a_keyword_are_names() -> None:
    query = parse("FIND (order:Event) WHERE order.android = 1 RETURN order.asked AS asking, orr ORDER BY nullable")
    st = query.statement
    assert isinstance(st, ast.Find)
    assert st.patterns[0].elements[0] == ast.NodePattern("order", ("Event",))
    assert st.where == ast.Compare("=", ast.Prop("order", "android"), ast.Literal(1))
    assert st.returns == (ast.ReturnItem(ast.Prop("order", "asked"), "asking"), ast.ReturnItem(ast.Var("orr")))
    assert st.order_by == (ast.OrderItem(ast.Var("nullable")),)


def test_grammar_is_loaded_from_the_package_when_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A wheel ships the grammar as graphmem/grammar/graphmem.lark (pyproject force-include).
    (tmp_path / "grammar").mkdir()
    (tmp_path / "grammar" / "graphmem.lark").write_text("// packaged copy\n")
    monkeypatch.setattr("importlib.resources.files", lambda package: tmp_path)
    assert grammar_path() == tmp_path / "grammar" / "graphmem.lark"


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ('FIND (e:Event) WHERE e.text = "日本語😀" RETRUN e', "RETRUN"),
        ('FIND (e:Event) WHERE e.text = "cafe\u0301" RETRUN e', "RETRUN"),  # a combining accent takes no cell
        ('FIND (e:Event) WHERE e.text = "ｆｕｌｌ" AND e.x = 1 RETRUN e', "RETRUN"),
    ],
)
def test_the_caret_sits_under_the_fault_after_wide_characters(text: str, word: str) -> None:
    """The column counts characters; the caret is placed by terminal cells (two for CJK and emoji)."""
    with pytest.raises(QuerySyntaxError) as info:
        parse(text)
    err = info.value
    assert err.column == text.index(word) + 1
    source_line, caret_line = err.get_context().splitlines()
    start = source_line.index(word)
    cells = sum(
        2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1
        for c in source_line[:start]
    )
    assert caret_line.index("^") == cells
    assert caret_line.count("^") == len(word)


@pytest.mark.parametrize(
    ("text", "hint", "wrong"),
    [
        # reviewer findings on the clause-order and '==' hints
        ("FIND (e:Event) WHERE e.seq >== 1 RETURN e.text", None, "write one '='"),
        ("FIND (e:Event) WHERE e.seq <== 1 RETURN e.text", None, "write one '='"),
        ("FIND (e:Event) WHERE e.seq != = 1 RETURN e.text", None, "write one '='"),
        ("FIND (e:Event) RETURN e.text ORDER BY e.time LIMIT 1 ORDER BY e.seq", "; ORDER BY is given twice", "goes"),
        ("FIND (e:Event) RETURN e.text ORDER BY e.time ORDER BY e.seq", "; ORDER BY is given twice", "goes"),
        (
            "FIND (e:Event) WHERE e.seq = 1 RETURN e.text WHERE e.seq = 2",
            "; WHERE is given twice (join the conditions with AND)",
            "goes",
        ),
        (
            "FIND (e:Event) RETURN e.text AS limit ORDER BY e.time GROUP BY e.text",
            "; GROUP BY goes before ORDER BY",
            "before LIMIT",
        ),
        (
            "FIND (p:Person)-[f:FACT]->(x) RETURN x.name AS OF yesterday",
            "; AS OF goes before RETURN (after RETURN, AS names a column)",
            None,
        ),
        (
            "FIND (p:Person)-[f:FACT]->(x) RETURN x.name AS OF 3 days ago",
            "; AS OF goes before RETURN (after RETURN, AS names a column)",
            None,
        ),
    ],
)
def test_syntax_hints_name_the_real_fault(text: str, hint: str | None, wrong: str | None) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse(text)
    message = str(info.value).splitlines()[0]
    if hint is not None:
        assert message.endswith(hint), message
    if wrong is not None:
        assert wrong not in message, message
