"""``graphmem query`` and ``graphmem repl`` from the command line."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from rich.console import Console

from graphmem import Memory
from graphmem.cli.app import main
from graphmem.cli.common import render_result
from graphmem.cli.query_cmd import parse_params
from graphmem.errors import QuerySemanticError

from .test_repl import drive


def db_of(memory: Memory) -> str:
    return str(memory.store.uri)


def test_query_table(small_memory: Memory, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--db", db_of(small_memory), "query", "-n", "t1", "FIND (e:Event) RETURN e.speaker, count(*) AS n"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Melanie" in out and "│ 4" in out and "3 rows" in out


def test_query_json_and_params(small_memory: Memory, capsys: pytest.CaptureFixture[str]) -> None:
    text = "FIND (e:Event) WHERE e.speaker = $who AND e.seq <= $n RETURN e.id, e.time"
    code = main(["--db", db_of(small_memory), "query", "-n", "t1", "-p", "who=Caroline", "-p", "n=1", "--json", text])
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    # Caroline speaks e1 (seq 0), e3 (seq 2) and e6 (seq 1).
    assert rows == [{"e.id": "e1", "e.time": "2023-05-08T13:56:00"}, {"e.id": "e6", "e.time": "2023-06-10T09:01:00"}]


def test_query_explain(small_memory: Memory, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--db", db_of(small_memory), "query", "--explain", 'FIND (p ~"Jon") IN "t1" RETURN p'])
    assert code == 0
    assert "FuzzySeek p:Entity" in capsys.readouterr().out
    code = main(["--db", db_of(small_memory), "query", "--json", 'EXPLAIN FIND (p ~"Jon") IN "t1" RETURN p'])
    assert json.loads(capsys.readouterr().out)["plan"][1].startswith("  1. FuzzySeek")


def test_query_errors_are_messages(small_memory: Memory, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--db", db_of(small_memory), "query", "-n", "t1", "FIND (e:Evnt) RETURN e"])
    err = capsys.readouterr().err
    assert code == 1
    assert "unknown label Evnt" in err and "^^^^" in err and "Traceback" not in err


def test_query_reads_stdin(small_memory: Memory, capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO('FIND (e:Event {id: "e8"}) RETURN e.text'))
    assert main(["--db", db_of(small_memory), "query", "-n", "t1", "-"]) == 0
    assert "Back from Berlin" in capsys.readouterr().out


def test_parse_params() -> None:
    assert parse_params(("a=5", "b=Jon", 'c=["x", 1]', "d=true", "e=")) == {
        "a": 5,
        "b": "Jon",
        "c": ["x", 1],
        "d": True,
        "e": "",
    }
    import click

    with pytest.raises(click.BadParameter):
        parse_params(("nope",))


@pytest.mark.parametrize("command", ["query", "repl"])
def test_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    assert "Usage" in capsys.readouterr().out


@pytest.mark.parametrize(
    "text",
    [
        "FIND (e:Event) WHERE e.time ON 9999-12-31 RETURN e",
        "FIND (a)-[f:FACT]->(b) AS OF 9999-12-31 RETURN f",
        "FIND (e:Event) WHERE e.time <= 9999-12-31T23:59:59 AND e.time > 0001 RETURN count(*)",
    ],
)
def test_dates_at_the_end_of_the_calendar(small_memory: Memory, capsys: pytest.CaptureFixture[str], text: str) -> None:
    code = main(["--db", db_of(small_memory), "query", "-n", "t1", text])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Traceback" not in captured.err and "row" in captured.out


def test_the_namespace_error_names_the_option(small_memory: Memory, capsys: pytest.CaptureFixture[str]) -> None:
    # The small store holds t1 and t2, and the query names neither.
    code = main(["--db", db_of(small_memory), "query", "FIND (e:Event) RETURN count(*)"])
    err = capsys.readouterr().err
    assert code == 1
    assert "2 namespaces" in err and "-n/--namespace" in err and "namespace=" not in err
    with pytest.raises(QuerySemanticError, match=re.escape('pass namespace="..."')):
        small_memory.query("FIND (e:Event) RETURN count(*)")


def test_render_result_is_shared_by_the_cli_and_the_repl(
    small_memory: Memory, capsys: pytest.CaptureFixture[str]
) -> None:
    text = 'FIND (e:Event) WHERE e.speaker = "Jon" RETURN e.id, e.time, e.text'
    result = small_memory.query(text, namespace="t1")
    buffer = io.StringIO()
    render_result(Console(file=buffer, width=100, color_system=None), result, "table", timing=False)
    table = buffer.getvalue()
    assert "e8" in table and "Back from Berlin" in table and table.rstrip().endswith("1 row")
    buffer = io.StringIO()
    render_result(Console(file=buffer, width=20), result, "json")
    assert json.loads(buffer.getvalue()) == [{"e.id": "e8", "e.time": None, "e.text": "Back from Berlin"}]
    explained = small_memory.query("EXPLAIN " + text, namespace="t1")
    buffer = io.StringIO()
    render_result(Console(file=buffer, width=20), explained, "json")
    assert json.loads(buffer.getvalue())["plan"][1] == "  1. ScanNodes e:Event"

    # The CLI and the REPL print the same JSON for the same query.
    assert main(["--db", db_of(small_memory), "query", "-n", "t1", "--json", text]) == 0
    cli_json = json.loads(capsys.readouterr().out)
    repl_out = drive(small_memory, f".format json\n{text};\n", namespace="t1")
    start = repl_out.index("[\n")
    assert json.loads(repl_out[start : repl_out.index("]", start) + 1]) == cli_json == buffer_rows(result)


def buffer_rows(result: Any) -> list[dict[str, Any]]:
    return list(result.to_json())


def test_unknown_render_format_is_refused(small_memory: Memory) -> None:
    result = small_memory.query("FIND (e:Event) RETURN count(*)", namespace="t1")
    with pytest.raises(ValueError, match="unknown format 'yaml'"):
        render_result(Console(file=io.StringIO()), result, "yaml")


def test_a_fact_edge_as_json_carries_every_property_the_docs_list(small_memory: Memory) -> None:
    """A whole FACT edge in ``--json`` lacked ``id``, ``confidence`` and ``phrase`` (docs/dsl.md lists them), so
    two versions of one fact under ``ALL TIME`` could not be told apart."""
    result = small_memory.query("FIND (a)-[f:FACT]->(b) ALL TIME RETURN f.id AS id, f", namespace="t1")
    rows = list(result.to_json())
    assert rows
    for row in rows:
        edge = row["f"]
        assert edge["id"] == row["id"]
        for key in ("predicate", "valid_from", "valid_to", "recorded_at", "expired_at", "evidence", "confidence"):
            assert key in edge
        assert "phrase" in edge


def test_repl_script_plans_on_stderr_are_not_wrapped(
    small_memory: Memory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # tester finding: a script's plans were cut at 80 columns on stderr, while `query --explain` prints a step a line
    monkeypatch.setattr("graphmem.cli.common._consoles", {})  # consoles on the captured streams
    text = (
        "FIND (e:Event) RETURN e.id AS id, e.text AS text, e.speaker AS speaker, e.time AS time, e.session AS session"
    )
    assert main(["--db", db_of(small_memory), "query", "-n", "t1", "--explain", text]) == 0
    explained = capsys.readouterr().out.splitlines()
    step = next(line for line in explained if "Project" in line)
    assert len(step) > 80
    monkeypatch.setattr("sys.stdin", io.StringIO(f".explain on\n{text};\n"))
    assert main(["--db", db_of(small_memory), "repl", "-n", "t1"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert step in err and all(line in err for line in explained)


@pytest.mark.parametrize("as_json", [False, True])
def test_output_to_a_reader_that_stops_early_ends_quietly(small_memory: Memory, as_json: bool) -> None:
    # tester finding: `graphmem query … | head` exited 1 for a table and 0 for --json (one write that fit the pipe)
    import os
    import subprocess
    import sys
    from pathlib import Path

    text = "FIND (a:Event), (b:Event), (c:Event) RETURN a.text, b.text, c.text"  # a table over 64 KB
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]), "HF_HUB_OFFLINE": "1"}
    argv = [sys.executable, "-m", "graphmem", "--db", db_of(small_memory), "query", "-n", "t1", text]
    with subprocess.Popen(
        [*argv, *(["--json"] if as_json else [])], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.readline()
        proc.stdout.close()  # as `head -1` does
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == 0, err
    assert err == ""


def test_a_repl_script_whose_reader_stops_early_ends_quietly(small_memory: Memory) -> None:
    # reviewer finding: each query left after `| head` printed "internal error: BrokenPipeError", exit 1
    import os
    import subprocess
    import sys
    from pathlib import Path

    query = "FIND (a:Event), (b:Event), (c:Event) RETURN a.text, b.text, c.text;\n"  # a table over 64 KB
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]), "HF_HUB_OFFLINE": "1"}
    argv = [sys.executable, "-m", "graphmem", "--db", db_of(small_memory), "repl", "-n", "t1"]
    with subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as proc:
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        proc.stdin.write((query * 3).encode())
        proc.stdin.close()
        assert proc.stdout.readline()
        proc.stdout.close()  # as `head -1` does
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == 0, err
    assert err == ""
