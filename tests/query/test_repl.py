"""The REPL, driven through prompt_toolkit's pipe input with a dummy output."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from graphmem import Memory
from graphmem.repl import GraphmemCompleter, Repl, make_lexer


def drive(memory: Memory, keys: str, **options: Any) -> str:
    """Type ``keys`` into a REPL session and return everything it printed."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, color_system=None, highlight=False)
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        pipe.close()
        Repl(memory, input=pipe, output=DummyOutput(), console=console, **options).run()
    return buffer.getvalue()


def test_multi_line_query_ends_with_semicolon(small_memory: Memory) -> None:
    out = drive(small_memory, 'FIND (e:Event)\nWHERE e.speaker = "Jon"\nRETURN e.text;\n', namespace="t1")
    assert "Back from Berlin" in out
    assert "1 row" in out


def test_an_error_never_ends_the_session(small_memory: Memory) -> None:
    keys = "FIND (e:Evnt) RETURN e;\nFIND (e:Event RETURN e;\nFIND (e:Event) RETURN count(*);\n"
    out = drive(small_memory, keys, namespace="t1")
    assert "unknown label Evnt" in out and "did you mean 'Event'?" in out
    assert "syntax error" in out and "^" in out
    assert "│ 8 " in out or "│ 8" in out


def test_dot_commands(small_memory: Memory) -> None:
    keys = "\n".join(
        [
            ".help",
            ".namespace t1",
            ".explain on",
            ".timing on",
            'FIND (p:Person {name: "Jon"}) RETURN p.name;',
            ".explain off",
            ".format json",
            'FIND (p:Person {name: "Jon"}) RETURN p.name;',
            ".schema",
            ".frmat table",
            ".explain maybe",
            ".quit",
            "FIND (never) RETURN never;",
        ]
    )
    out = drive(small_memory, keys + "\n")
    assert ".explain on|off" in out  # help
    assert "namespace is t1" in out
    assert "LookupNodes p:Person by name" in out  # the plan, printed before the result
    assert "ms)" in out  # timing
    start = out.index("[\n")
    rows = json.loads(out[start : out.index("]", start) + 1])
    assert rows == [{"p.name": "Jon"}]
    assert "node labels" in out and "MENTIONS" in out  # schema
    assert "unknown command .frmat" in out and "did you mean .format?" in out
    assert "use .explain on or .explain off" in out
    assert "never" not in out  # the query after .quit was not run


def test_quit_stops_reading(small_memory: Memory) -> None:
    out = drive(small_memory, '.quit\nFIND (e:Event {id: "e8"}) RETURN e.text;\n', namespace="t1")
    assert "Back from Berlin" not in out


def test_history_is_kept_in_a_file(small_memory: Memory, tmp_path: Path) -> None:
    history = tmp_path / "history"
    drive(small_memory, "FIND (e:Event) RETURN count(*);\n", namespace="t1", history_path=history)
    assert "FIND (e:Event) RETURN count(*);" in history.read_text()
    # A second session sees it: up-arrow recalls the last query.
    out = drive(small_memory, "\x1b[A\n", namespace="t1", history_path=history)
    assert "count(*)" in out and "│ 8" in out


def test_explain_and_unknown_namespace(small_memory: Memory) -> None:
    out = drive(small_memory, ".namespace T1\nEXPLAIN FIND (e:Event) RETURN e;\n")
    assert "holds no data" in out and "did you mean 't1'?" in out
    assert "ScanNodes e:Event" in out


def test_dot_command_errors_name_the_command(small_memory: Memory) -> None:
    keys = ".namespace t1 t2\n.namespace T1\n.format xml\n.explain maybe\n.help me\nFIND (e:Event) RETURN count(*);\n"
    out = drive(small_memory, keys, namespace="t2")
    # the second name was dropped and the first reported as a "query error"
    assert "error: .namespace takes one name, not 2: 't1 t2'" in out
    assert "error: .namespace: namespace 'T1' holds no data (did you mean 't1'?)" in out
    assert "error: .format takes table or json, not 'xml'" in out
    assert "error: .explain takes on or off, not 'maybe'" in out
    assert "error: .help takes no arguments, not 'me'" in out
    assert "query error" not in out and "syntax error" not in out and "column 1" not in out
    assert "graphmem[t2]" in out or "│ 1 " in out or "│ 1" in out  # still in t2: nothing was switched


def _completions(completer: GraphmemCompleter, text: str) -> list[str]:
    return [c.text for c in completer.get_completions(Document(text), CompleteEvent())]


def test_completion() -> None:
    completer = GraphmemCompleter(lambda: ["Caroline", "Carol's mum", "Melanie", "Mel"])
    assert "FIND" in _completions(completer, "fi")
    assert "RETURN" in _completions(completer, "FIND (e) RET")
    assert _completions(completer, "FIND (x:Pers") == ["Person"]
    assert "MENTIONS" in _completions(completer, "FIND (e)-[:MEN")
    assert _completions(completer, 'FIND (p ~"Car') == ["Carol's mum\"", 'Caroline"']
    assert 'Mel"' in _completions(completer, 'FIND (e) WHERE e MENTIONS "me')
    assert "speaker" in _completions(completer, "FIND (e) WHERE e.spe")
    assert _completions(completer, ".ex") == [".explain"]
    assert "count" in _completions(completer, "FIND (e) RETURN cou")


def test_entity_names_come_from_the_store(small_memory: Memory) -> None:
    repl = Repl(small_memory, namespace="t1", input=None, output=DummyOutput(), console=Console(file=io.StringIO()))
    names = repl.entity_names()
    assert "Caroline" in names and "Mel" in names and "Zed" not in names


def test_highlighting_lexer() -> None:
    from pygments.token import Comment, Keyword, Name, Number, String

    lexer = make_lexer()()
    tokens = list(lexer.get_tokens('FIND (p:Person ~"Carolin") WHERE p.x AFTER 2023-06-01 RETURN $y // c'))
    kinds = {value: kind for kind, value in tokens}
    assert kinds["FIND"] in Keyword and kinds["AFTER"] in Keyword
    assert kinds['"Carolin"'] in String
    assert kinds["Person"] in Name.Class
    assert kinds["2023-06-01"] in Number
    assert kinds["$y"] in Name.Variable
    assert kinds["// c"] in Comment


def test_the_namespace_error_names_the_shell_command(small_memory: Memory) -> None:
    out = drive(
        small_memory, "FIND (e:Event) RETURN count(*);\n.timing on\n.namespace t2\nFIND (e:Event) RETURN e.text;\n"
    )
    assert "2 namespaces" in out and "set one with .namespace NAME" in out and "namespace=" not in out
    assert "Another namespace entirely" in out and "1 row in " in out


def test_a_script_on_stdin_runs_without_prompts(small_memory: Memory, tmp_path: Path) -> None:
    # `graphmem repl < queries` printed prompt_toolkit's "Input is not a terminal" warning and echoed
    # every prompt and line twice around the results.
    script = (
        "// who said what\n"
        'FIND (e:Event)\nWHERE e.speaker = "Jon"\nRETURN e.text;\n'
        "\n.format json\n"
        "FIND (e:Event) RETURN count(*) AS n;\n"
        "FIND (e:Evnt) RETURN e;\n"
        "FIND (e:Event) RETURN count(*) AS last\n"  # no ';' at the end of the input: still run
    )
    ok_script = "FIND (e:Event) RETURN count(*);\n// the end\n"  # a closing comment is no statement
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]), "HF_HUB_OFFLINE": "1"}
    store = str(small_memory.store.uri)
    argv = [sys.executable, "-m", "graphmem", "--db", store, "repl", "-n", "t1", "--history", str(tmp_path / "h")]
    proc = subprocess.run(argv, input=script, capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1  # a statement failed
    assert "not a terminal" not in proc.stderr + proc.stdout
    assert "graphmem[" not in proc.stdout and "...>" not in proc.stdout
    assert "Back from Berlin" in proc.stdout and "1 row" in proc.stdout
    assert json.loads(proc.stdout[proc.stdout.index("[\n") : proc.stdout.index("]\n") + 1]) == [{"n": 8}]
    assert "unknown label Evnt" in proc.stdout + proc.stderr
    assert '"last": 8' in proc.stdout
    assert not (tmp_path / "h").exists()  # a script is no typed history
    ok = subprocess.run(argv, input=ok_script, capture_output=True, text=True, env=env, timeout=120)
    assert ok.returncode == 0 and "│ 8" in ok.stdout
    # results on stdout as `graphmem query` prints them, errors and notes on stderr: JSON out stays JSON
    as_json = ".format json\nFIND (e:Event) RETURN count(*) AS n;\nFIND (e:Evnt) RETURN e;\n"
    out = subprocess.run(argv, input=as_json, capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 1 and json.loads(out.stdout) == [{"n": 8}]
    assert "format is json" in out.stderr and "unknown label Evnt" in out.stderr


@pytest.mark.parametrize(
    ("script", "printed"),
    [
        # a comment before a shell command: the two were joined into one failing query
        ("// as JSON\n.format json\nFIND (e:Event) RETURN count(*) AS n;\n", '"n": 8'),
        # a comment after the ';': the next query was swallowed into this one
        ("FIND (e:Event) RETURN count(*) AS a; // all\nFIND (e:Event) RETURN count(*) AS b;\n", "b"),
        # a closing block comment is no statement; a ';' inside a string ends nothing
        ('FIND (e:Event) WHERE e.text <> "a; b" RETURN count(*) AS c;\n/* the end */\n', "c"),
        # a block comment over lines, its first ending in ';', and a comment after a shell command
        ("FIND (e:Event) /* a note;\nmore */ RETURN count(*) AS d;\n.format json // as JSON\n", "d"),
        # a quoted argument of a shell command stays as written
        ('.namespace "t1" // the test namespace\nFIND (e:Event) RETURN count(*) AS e;\n', "namespace is t1"),
    ],
)
def test_script_comments_and_strings_do_not_split_or_join_statements(
    small_memory: Memory, script: str, printed: str
) -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, color_system=None, highlight=False)
    repl = Repl(small_memory, namespace="t1", input=None, output=DummyOutput(), console=console)
    assert repl.run_script(io.StringIO(script)), buffer.getvalue()
    assert printed in buffer.getvalue()


def test_ctrl_c_during_a_query_returns_to_the_prompt(small_memory: Memory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while a query runs stops that query, not the shell (it ended the session: "aborted")."""
    real = Repl.run_query
    calls = []

    def slow_then_fine(self: Repl, text: str) -> None:
        calls.append(text)
        if len(calls) == 1:
            raise KeyboardInterrupt
        real(self, text)

    monkeypatch.setattr(Repl, "run_query", slow_then_fine)
    try:
        out = drive(small_memory, "FIND (e:Event) RETURN count(*);\nFIND (e:Event) RETURN count(*);\n", namespace="t1")
    except KeyboardInterrupt:
        pytest.fail("Ctrl-C during a query ended the shell")
    assert len(calls) == 2
    assert "interrupted" in out
    assert "│ 8" in out  # the second query ran


def test_dot_namespace_without_one_set_says_so(small_memory: Memory) -> None:
    """With two namespaces and none chosen, `.namespace` must not claim "(the only one)"."""
    out = drive(small_memory, ".namespace\n")
    assert "the only one" not in out
    assert "none set" in out and "t1, t2" in out
    one = drive(small_memory, ".namespace\n", namespace="t1")
    assert "namespace: t1;" in one


def test_dot_namespace_dash_clears_it(small_memory: Memory) -> None:
    """Once set, the namespace could not be cleared: `.namespace -` (no namespace is called "-") does."""
    out = drive(
        small_memory,
        '.namespace -\n.namespace ""\nFIND (e:Event) IN "t2" RETURN count(*) AS n;\nFIND (e:Event) RETURN count(*);\n'
        ".namespace t1\nFIND (e:Event) RETURN count(*) AS n;\n",
        namespace="t1",
    )
    assert "namespace cleared (was t1)" in out and "no namespace was set" in out
    assert "2 namespaces" in out and "set one with .namespace NAME" in out  # cleared: the query names none
    assert "namespace is t1" in out
    help_text = drive(small_memory, ".help\n")
    assert ".namespace [NAME|-]" in help_text and "- clears it" in help_text


def test_a_comment_after_the_semicolon_still_ends_the_query(small_memory: Memory) -> None:
    """`... RETURN count(*); // how many` + Enter waited for more input (the line did not end in ';'),
    and a ';' typed then was a syntax error; a script already read it as the end of the query."""
    out = drive(small_memory, "FIND (e:Event) RETURN count(*); // how many\n", namespace="t1")
    assert "│ 8" in out
    out = drive(small_memory, "FIND (e:Event) /* a; b */\nRETURN count(*); /* done */\n", namespace="t1")
    assert "│ 8" in out and "error" not in out
    # a ';' inside a comment or a string does not end it
    out = drive(small_memory, 'FIND (e:Event) // not yet;\nWHERE e.text <> ";" RETURN count(*);\n', namespace="t1")
    assert "│ 8" in out and "error" not in out


def test_a_script_error_names_its_line_in_the_script(small_memory: Memory) -> None:
    """`graphmem repl < queries.txt` named a fault by its line in the statement ("line 1, column 9"
    for an error on the script's line 4); a script of many statements needs the script's line."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, color_system=None, highlight=False)
    repl = Repl(small_memory, namespace="t1", input=None, output=DummyOutput(), console=console)
    script = (
        "// counts\nFIND (e:Event) RETURN count(*);\n\n"
        "FIND (e:Evnt) RETURN e;\n"  # line 4
        "FIND (e:Event)\n  RETURN e.txt;\n"  # the fault on line 6
        '.namespace nope\nFIND (e:Event) IN "t2" RETURN e;\n'  # line 8: no line of its own
    )
    assert not repl.run_script(io.StringIO(script))
    out = buffer.getvalue()
    assert "line 4, column 9: unknown label Evnt" in out
    assert "line 6, column 10: event e has no property 'txt'" in out
    assert "error: line 7: .namespace: namespace 'nope' holds no data" in out
    assert "line 1," not in out


def test_a_history_file_that_cannot_be_written_is_a_note_not_a_traceback(small_memory: Memory, tmp_path: Path) -> None:
    """`--history /missing/dir/h` (or a read-only home) printed prompt_toolkit's traceback at the first
    query and "Press ENTER to continue..."."""
    missing = tmp_path / "no such folder" / "history"
    out = drive(small_memory, "FIND (e:Event) RETURN count(*);\n", namespace="t1", history_path=missing)
    assert "history is not kept" in out and str(missing) in out
    assert "│ 8" in out and "Traceback" not in out


def test_a_history_path_under_a_folder_that_cannot_be_searched_is_a_note(
    small_memory: Memory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Path.exists() raises PermissionError under a folder the user cannot search (tests run as root, so
    the error is simulated): the shell ended with a traceback before its first prompt."""
    locked = tmp_path / "locked" / "history"
    real_stat = Path.stat

    def stat(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    out = drive(small_memory, "FIND (e:Event) RETURN count(*);\n", namespace="t1", history_path=locked)
    assert "history is not kept" in out and "Permission denied" in out
    assert "│ 8" in out and "Traceback" not in out


def test_an_open_block_comment_after_the_semicolon_waits_for_its_end(small_memory: Memory) -> None:
    """`... RETURN count(*); /* note` + Enter ran the query with half a comment; the rest of the
    comment typed next was taken for a query."""
    out = drive(small_memory, "FIND (e:Event) RETURN count(*); /* note\nstill a note */\n", namespace="t1")
    assert "│ 8" in out and "error" not in out.lower()
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, color_system=None, highlight=False)
    repl = Repl(small_memory, namespace="t1", input=None, output=DummyOutput(), console=console)
    script = "FIND (e:Event) RETURN count(*) AS n; /* note\nstill a note; */\nFIND (e:Event) RETURN count(*) AS m;\n"
    assert repl.run_script(io.StringIO(script)), buffer.getvalue()
    assert buffer.getvalue().count("│ 8") == 2


def test_opening_the_shell_does_not_create_the_history_file(small_memory: Memory, tmp_path: Path) -> None:
    """Checking the history file could be written (open(path, "ab")) created it as a side effect."""
    history = tmp_path / "history"
    drive(small_memory, "", namespace="t1", history_path=history)
    assert not history.exists()


def test_a_history_file_that_cannot_be_written_keeps_its_old_queries(
    small_memory: Memory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A readable history that could not be written fell back to an empty in-memory history: the
    queries of earlier sessions were gone from the arrow keys."""
    from prompt_toolkit.history import FileHistory

    history = tmp_path / "history"
    drive(small_memory, 'FIND (e:Event) WHERE e.speaker = "Jon" RETURN e.text;\n', namespace="t1", history_path=history)

    def refuse(self: FileHistory, string: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(FileHistory, "store_string", refuse)
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: mode != os.W_OK)  # a read-only file
    out = drive(small_memory, "\x1b[A\n", namespace="t1", history_path=history)
    assert "Back from Berlin" in out  # the arrow brought back the earlier session's query
    assert "not saved" in out and "Traceback" not in out


def test_an_error_on_an_indented_first_line_names_its_column(small_memory: Memory) -> None:
    """The shell stripped a query before parsing it, so an error on an indented first line was placed
    that many columns too far left (`graphmem query` counted right)."""
    out = drive(small_memory, "   FIND (e:Evnt) RETURN e;\n", namespace="t1")
    assert "line 1, column 12: unknown label Evnt" in out
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, color_system=None, highlight=False)
    repl = Repl(small_memory, namespace="t1", input=None, output=DummyOutput(), console=console)
    assert not repl.run_script(io.StringIO("\n\n  FIND (e:Evnt)\n  RETURN e;\n"))
    assert "line 3, column 11: unknown label Evnt" in buffer.getvalue()


def test_an_unknown_command_in_a_script_names_its_line_and_values_ignore_case(small_memory: Memory) -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, color_system=None, highlight=False)
    repl = Repl(small_memory, namespace="t1", input=None, output=DummyOutput(), console=console)
    assert not repl.run_script(io.StringIO("FIND (e:Event) RETURN count(*) AS n;\n.frobnicate\n.format JSON\n"))
    out = buffer.getvalue()
    assert "error: line 2: unknown command .frobnicate; try .help" in out
    assert repl.errors == 1 and repl.format == "json" and "format is json" in out


def test_the_pinned_namespace_error_says_how_to_leave_it(small_memory: Memory) -> None:
    # tester finding: the shell repeated the API's "this caller fixed namespace" without naming the way out
    out = drive(small_memory, 'FIND (e:Event) IN "t2" RETURN count(*);\n', namespace="t1")
    assert "line 1, column 19: the query names namespace 't2', but the shell is in namespace 't1'" in out
    assert "switch with .namespace t2, or clear it with .namespace -" in out
    assert "this caller fixed" not in out and "^^^^" in out


def test_help_examples_use_neutral_names(small_memory: Memory) -> None:
    out = drive(small_memory, ".help\n", namespace="t1")
    assert 'TIMELINE (p:Person ~"Tomas")' in out
    assert "Carolin" not in out and "Melanie" not in out  # names of a benchmark's people


def test_the_pinned_namespace_error_offers_no_switch_to_a_namespace_without_data(small_memory: Memory) -> None:
    # reviewer finding: it suggested `.namespace nosuch`, which the shell refuses
    out = drive(small_memory, 'FIND (e:Event) IN "nosuch" RETURN count(*);\n', namespace="t1")
    assert "the query names namespace 'nosuch', but the shell is in namespace 't1': " in out
    assert "namespace 'nosuch' holds no data" in out and ".namespace nosuch" not in out
