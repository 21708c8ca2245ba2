"""The README's CLI session shows what the CLI prints: the ingest counts, the recall ranking, the query rows.

Timings (seconds, turns/s, the query's milliseconds) and scores are left out of the comparison: they
depend on the machine. Everything else in the three tables is compared cell by cell.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from graphmem.cli.app import cli

ROOT = Path(__file__).resolve().parents[2]
SECTION = re.compile(r"## A CLI session\n\n```\n(?P<body>.*?)```", re.S)
#: ingest rows that measure the machine, not the memory
TIMINGS = {"seconds", "turns/s"}


def _commands() -> list[tuple[list[str], str]]:
    """``(argv, printed)`` for each ``$ graphmem ...`` line of the README's CLI session."""
    found = SECTION.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert found, "README.md has no '## A CLI session' code block"
    parts = re.split(r"^\$ (.*)\n", found["body"], flags=re.M)
    pairs = list(zip(parts[1::2], parts[2::2], strict=True))
    assert pairs, "the CLI session shows no command"
    return [(shlex.split(line), out) for line, out in pairs]


def _rows(table: str) -> list[list[str]]:
    """The body rows of a rich table, continuation lines joined into their row's cells."""
    rows: list[list[str]] = []
    started = False
    for line in table.splitlines():
        if line.startswith("┡"):
            started = True
            continue
        if not started or not line.startswith("│"):
            if line.startswith("├"):
                rows.append([])
            continue
        cells = [c.strip() for c in line.strip("│").split("│")]
        if not rows or (rows[-1] and cells[0]):
            rows.append(cells)
        elif not rows[-1]:
            rows[-1] = cells
        else:
            rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)]
    return [r for r in rows if r]


def test_the_readme_cli_session_prints_its_documented_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    steps = _commands()
    assert [argv[:4] for argv, _out in steps] == [
        ["graphmem", "--db", "./mem", "ingest"],
        ["graphmem", "--db", "./mem", "recall"],
        ["graphmem", "--db", "./mem", "query"],
    ], "the session's commands changed: update this test with them"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").symlink_to(ROOT / "data", target_is_directory=True)
    monkeypatch.setattr("graphmem.cli.common._consoles", {})  # a console made for another test's terminal
    runner = CliRunner()
    printed = []
    for argv, _documented in steps:
        result = runner.invoke(cli, argv[1:], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        printed.append(result.output)

    (ingest_doc, recall_doc, query_doc) = (_rows(out) for _argv, out in steps)
    (ingest_got, recall_got, query_got) = (_rows(out) for out in printed)

    assert [r for r in ingest_got if r[0] not in TIMINGS] == [r for r in ingest_doc if r[0] not in TIMINGS]
    # recall: rank, id, date, speaker and text of each hit (scores and the why's figures vary by CPU)
    assert [[r[0], *r[2:6]] for r in recall_got] == [[r[0], *r[2:6]] for r in recall_doc]
    assert query_got == query_doc
    assert len(ingest_doc) >= 9 and len(recall_doc) == 3 and len(query_doc) == 1

    # the example in each command's --help runs on the store the quick start made
    monkeypatch.setenv("GRAPHMEM_DB", "./mem")
    examples = _help_examples()
    assert {argv[1] for argv in examples} >= {"add", "query", "timeline"}
    for argv in examples:
        result = runner.invoke(cli, argv[1:], catch_exceptions=False)
        assert result.exit_code == 0, (argv, result.output)
        assert result.output.strip(), argv


def _help_examples() -> list[list[str]]:
    """The ``Example: graphmem ...`` that ends a command's help, for every command that has one."""
    import click

    ctx = click.Context(cli)
    found = []
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        text = " ".join((command.help or "").split()) if command else ""
        found += [shlex.split(m) for m in re.findall(r"Example: (graphmem .*)$", text)]
    return found


SLIP = re.compile(r"\*\*Corrections are not changes\.\*\*.*?```console\n(?P<body>.*?)```", re.S)


def test_the_readme_correction_example_prints_its_documented_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = SLIP.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert found, "README.md has no console block under 'Corrections are not changes'"
    parts = re.split(r"^\$ (.*)\n", found["body"], flags=re.M)
    steps = [(shlex.split(line), out) for line, out in zip(parts[1::2], parts[2::2], strict=True)]
    assert [argv[:2] for argv, _out in steps] == [["cat", "slip.txt"], ["graphmem", "ingest"]] + [
        ["graphmem", "facts"]
    ] * 2, "the example's commands changed: update this test with them"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("graphmem.cli.common._consoles", {})
    (tmp_path / "slip.txt").write_text(steps[0][1], encoding="utf-8")
    runner = CliRunner()
    for argv, documented in steps[1:]:
        result = runner.invoke(cli, argv[1:], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        if documented.strip():
            assert _rows(result.output) == _rows(documented), argv
