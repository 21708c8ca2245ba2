"""``graphmem query`` and ``graphmem repl`` from the command line."""

from __future__ import annotations

import json
from typing import Any

import pytest

from graphmem import Memory
from graphmem.cli.app import main
from graphmem.cli.query_cmd import parse_params


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
