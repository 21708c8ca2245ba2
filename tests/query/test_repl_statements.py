"""The shell's rough edges: several statements on one line, completion that folds accents as ``~`` does,
and names in any script (``(é:Event)``)."""

from __future__ import annotations

import io

from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from graphmem import Memory
from graphmem.query import parse
from graphmem.query.ast import Var
from graphmem.repl import GraphmemCompleter, Repl, make_lexer
from graphmem.repl_statements import split_statements


def script(memory: Memory, text: str) -> tuple[bool, str]:
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, color_system=None, highlight=False)
    repl = Repl(memory, namespace="t1", input=None, output=DummyOutput(), console=console)
    ok = repl.run_script(io.StringIO(text))
    return ok, buffer.getvalue()


def test_two_statements_on_one_line_both_run(small_memory: Memory) -> None:
    ok, out = script(
        small_memory,
        'FIND (e:Event) WHERE e.speaker = "Jon" RETURN e.text LIMIT 1; FIND (e:Event) RETURN count(*) AS n;\n',
    )
    assert ok, out
    assert "Back from Berlin" in out and "│ 8" in out
    assert "syntax error" not in out


def test_an_error_in_the_second_statement_names_its_line_and_column(small_memory: Memory) -> None:
    line = "FIND (e:Event) RETURN count(*) AS n; FIND (x:Evnt) RETURN x; FIND (e:Event) RETURN e.id LIMIT 1;"
    ok, out = script(small_memory, "// two\n" + line + "\n")
    assert not ok
    assert "│ 8" in out and "e1" in out  # the first and the third ran
    assert "line 2, column 46: unknown label Evnt" in out
    assert f"  {line}\n" in out  # the caret line is the line as written
    assert " " * 47 + "^^^^" in out


def test_a_semicolon_in_a_string_or_a_comment_ends_nothing() -> None:
    lexer = make_lexer()()
    text = 'FIND (e) WHERE e.text = "a;b" RETURN e; /* x; y */ // z;\nFIND (f) RETURN f'
    pieces = [piece for _, piece in split_statements(text, lexer)]
    assert pieces == ['FIND (e) WHERE e.text = "a;b" RETURN e;', " /* x; y */ // z;\nFIND (f) RETURN f"]
    assert split_statements("  ;  // nothing\n", lexer) == []


def test_completion_inside_a_fuzzy_name_folds_accents() -> None:
    completer = GraphmemCompleter(lambda: ["Inés", "Søren", "Ines Duarte", "Mel"])
    found = [c.text for c in completer.get_completions(Document('FIND (p ~"Ine'), CompleteEvent())]
    assert found == ['Ines Duarte"', 'Inés"']
    assert [c.text for c in completer.get_completions(Document('FIND (p ~"soren'), CompleteEvent())] == ['Søren"']


def test_names_may_be_any_script(small_memory: Memory) -> None:
    query = parse("FIND (é:Event)-[:SAID]-(übung:Person) WHERE é.seq = $größe RETURN é.id AS straße, übung.name")
    assert query.statement.returns[0].alias == "straße"  # type: ignore[union-attr]
    rows = small_memory.query(
        "FIND (é:Event) IN 't1' WHERE é.speaker = $wer RETURN é.id AS ид ORDER BY ид", wer="Jon"
    ).rows
    assert list(rows) == [("e8",)]
    assert parse("FIND (e) WHERE inés.x = 1 RETURN e").statement.where.left.var == "inés"  # type: ignore[union-attr]
    assert parse("FIND (é) RETURN é").statement.returns[0].expr == Var("é")  # type: ignore[union-attr]
