"""The core CLI commands and the one place errors become messages."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from graphmem.cli import main
from graphmem.cli.app import cli
from graphmem.cli.common import DateTime
from graphmem.dates import DATE_FORMS
from graphmem.models import Batch, Entity, Event, Mention, Session
from graphmem.store.embedded import DB_FILENAME, EmbeddedStore


def test_stats_json(store_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(store_dir), "stats", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["total"]["events"] == 1
    assert out["by_namespace"]["conv-1"]["sessions"] == 1


def test_stats_table_and_subcommand_db(store_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", "--db", str(store_dir)]) == 0
    out = capsys.readouterr().out
    assert "conv-1" in out and "total (1)" in out


def test_stats_count_speaker_links_apart_from_mentions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # three turns by Lena, one naming Hoxton Bakery: 1 mention, 3 speaker links (not 4 "mentions")
    ns, db = "bakery", tmp_path / "mem"
    events = tuple(Event(ns, f"e{i}", "s", i, "Lena", text) for i, text in enumerate(["hi", "Hoxton Bakery!", "ok"]))
    people = (Entity(ns, "lena", "Lena", "Person"), Entity(ns, "hoxton", "Hoxton Bakery", "Organization"))
    links = (*(Mention(ns, e.id, "lena", "speaker") for e in events), Mention(ns, "e1", "hoxton", "mention"))
    store = EmbeddedStore.open(db)
    store.write(Batch(ns, (Session(ns, "s", 0),), events, people, links))
    store.close()
    assert main(["--db", str(db), "stats", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["total"]["mentions"], out["total"]["spoken_by"]) == (1, 3)
    assert (out["by_namespace"][ns]["mentions"], out["by_namespace"][ns]["spoken_by"]) == (1, 3)
    assert main(["--db", str(db), "stats"]) == 0
    lines = capsys.readouterr().out.splitlines()

    def cells(marker: str) -> list[str]:
        return [c.strip() for c in re.split("[│┃]", next(line for line in lines if marker in line))][1:-1]

    assert cells("namespace")[4:6] == ["mentions", "spoken by"]
    assert cells(ns) == [ns, "1", "3", "2", "1", "3", "0", "0"]
    assert cells("total (1)")[4:6] == ["1", "3"]


def _bakery(db: Path) -> str:
    """A store of three turns by Lena, one naming Hoxton Bakery: 1 mention, 3 speaker links."""
    ns = "bakery"
    events = tuple(Event(ns, f"e{i}", "s", i, "Lena", text) for i, text in enumerate(["hi", "Hoxton Bakery!", "ok"]))
    people = (Entity(ns, "lena", "Lena", "Person"), Entity(ns, "hoxton", "Hoxton Bakery", "Organization"))
    links = (*(Mention(ns, e.id, "lena", "speaker") for e in events), Mention(ns, "e1", "hoxton", "mention"))
    store = EmbeddedStore.open(db)
    store.write(Batch(ns, (Session(ns, "s", 0),), events, people, links))
    store.close()
    return ns


def test_sync_counts_speaker_links_apart_from_mentions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ns, db = _bakery(tmp_path / "mem"), tmp_path / "mem"
    assert main(["sync", "--from", str(db), "--to", str(tmp_path / "copy"), "--json"]) == 0
    # the six counts keep their places; the speaker links come last
    assert json.loads(capsys.readouterr().out)["namespaces"] == [[ns, 1, 3, 2, 1, 0, 0, 3]]
    assert main(["sync", "--from", str(db), "--to", str(tmp_path / "again")]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = [c.strip() for c in re.split("[│┃]", next(line for line in lines if "namespace" in line))][1:-1]
    row = [c.strip() for c in re.split("[│┃]", next(line for line in lines if ns in line))][1:-1]
    assert dict(zip(header, row, strict=True)) == {
        "namespace": ns,
        "sessions": "1",
        "events": "3",
        "entities": "2",
        "mentions": "1",
        "fact versions": "0",
        "embeddings": "0",
        "spoken by": "3",
    }


def test_forget_counts_speaker_links_apart_from_mentions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ns, db = _bakery(tmp_path / "mem"), tmp_path / "mem"

    def deleted() -> dict[str, str]:
        lines = capsys.readouterr().out.splitlines()
        header = [c.strip() for c in re.split("[│┃]", next(line for line in lines if "events" in line))][1:-1]
        row = [c.strip() for c in re.split("│", next(line for line in lines if line.startswith("│")))][1:-1]
        return dict(zip(header, row, strict=True))

    assert main(["--db", str(db), "forget", "-n", ns, "--event", "e1"]) == 0
    assert deleted() == {
        "events": "1",
        "entities": "1",
        "facts": "0",
        "mentions": "1",
        "spoken by": "1",
        "sessions": "0",
    }
    assert main(["--db", str(db), "forget", "-n", ns, "--yes"]) == 0
    assert deleted() == {
        "events": "2",
        "entities": "1",
        "facts": "0",
        "mentions": "0",
        "spoken by": "2",
        "sessions": "1",
    }


def test_db_from_environment(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GRAPHMEM_DB", str(store_dir))
    assert main(["namespaces"]) == 0
    assert capsys.readouterr().out.split() == ["conv-1"]


def test_forget_event_and_namespace(store_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(store_dir), "forget", "-n", "conv-1", "--event", "e"]) == 0
    assert main(["--db", str(store_dir), "forget", "-n", "conv-1", "--yes"]) == 0
    assert main(["--db", str(store_dir), "namespaces"]) == 0
    out = capsys.readouterr().out
    assert "conv-1" not in out.splitlines()[-1]


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        ("file", ["stats"], "is a file"),
        ("foreign", ["stats"], "another program"),
        ("corrupt", ["stats"], "not a graphmem store"),
        ("ok", ["stats", "--namespace", "bad name"], "illegal namespace"),
        ("ok", ["forget", "-n", "a/b", "--yes"], "illegal namespace"),
    ],
)
def test_errors_are_one_line_messages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], setup: str, args: list[str], message: str
) -> None:
    target = tmp_path / "db"
    if setup == "ok":
        EmbeddedStore.open(target).close()
    elif setup == "file":
        target.write_text("x")
    elif setup in ("foreign", "corrupt"):
        target.mkdir()
        if setup == "corrupt":
            (target / DB_FILENAME).write_bytes(b"garbage" * 50)
        else:
            import sqlite3

            conn = sqlite3.connect(target / DB_FILENAME)
            conn.execute("CREATE TABLE t (x)")
            conn.commit()
            conn.close()
    assert main(["--db", str(target), *args]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err
    assert "Traceback" not in err


def test_every_command_has_help() -> None:
    import click

    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert command is not None, name
        assert command.help or command.short_help, f"{name} has no help"


def test_python_dash_m(store_dir: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "graphmem", "--db", str(store_dir), "stats", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["total"]["events"] == 1


def test_import_has_no_side_effects() -> None:
    code = (
        "import sys, os; before=set(sys.modules); import graphmem; "
        "heavy=[m for m in ('spacy','torch','sentence_transformers','hnswlib','neo4j','anthropic','onnxruntime') "
        "if m in sys.modules]; print(heavy); print(os.path.exists('graphmem-data'))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert proc.stdout.split("\n")[:2] == ["[]", "False"]


@pytest.mark.parametrize("command", [["stats"], ["namespaces"], ["forget", "-n", "x", "--yes"]])
def test_reading_commands_never_create_a_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    missing = tmp_path / "typo" / "mem"
    assert main(["--db", str(missing), *command]) == 1
    assert "no graphmem store" in capsys.readouterr().err
    assert not missing.exists() and not missing.parent.exists()


def test_unknown_uri_scheme_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["--db", "http://example.invalid/db", "stats"]) == 1
    assert "unsupported store location" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_forget_checks_the_namespace_before_asking(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(tmp_path), "forget", "-n", "bad ns!"]) == 1
    captured = capsys.readouterr()
    assert "illegal namespace" in captured.err and "Delete everything" not in captured.out


def test_every_command_is_documented() -> None:
    import click

    docs = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        assert f"| `{name}" in docs, f"{name} is missing from docs/cli.md"
    bench = cli.get_command(ctx, "bench")
    assert isinstance(bench, click.Group)
    for name in bench.list_commands(click.Context(bench)):
        assert f"| `bench {name}" in docs, f"bench {name} is missing from docs/cli.md"


@pytest.mark.parametrize(
    ("turns", "seconds", "shown"),
    [
        (2, 4.3, "0.47"),
        (1, 25.0, "0.04"),
        (45, 5.0, "9"),
        (1234, 10.0, "123"),
        (3, 0.4, "–"),
        (0, 2.0, "0"),
        (1, 100_000.0, "<0.01"),  # never scientific notation (1e-05)
    ],
)
def test_ingest_prints_a_rate_that_means_something_for_small_inputs(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    turns: int,
    seconds: float,
    shown: str,
) -> None:
    from graphmem.ingest import IngestSummary
    from graphmem.memory import Memory

    def ingest(self: Memory, paths: list[str], **_: object) -> IngestSummary:
        return IngestSummary(files_ok=1, turns=turns, seconds=seconds)

    monkeypatch.setattr(Memory, "ingest", ingest)
    data = tmp_path / "chat.txt"
    data.write_text("A: hi\nB: hello\n")
    assert main(["--db", str(tmp_path / "db"), "ingest", str(data), "--no-embed"]) == 0
    [row] = [line for line in capsys.readouterr().out.splitlines() if "turns/s" in line]
    assert row.replace("│", " ").split()[-1] == shown


def _commands(group: click.Group, prefix: str = "") -> Iterator[tuple[str, click.Command]]:
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        yield f"{prefix}{name}", command
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix}{name} ")


def test_date_options_read_as_dates_in_help() -> None:
    """Help shows DATE for --since/--until/--as-of/--valid-at, not click's raw strptime list
    ([%Y-%m-%d|%Y-%m-%dT%H:%M:%S|...], which wrapped every option's help onto its own line)."""
    seen = 0
    for name, command in _commands(cli):
        with click.Context(command, info_name=name) as ctx:
            for param in command.params:
                if isinstance(param.type, DateTime):
                    seen += 1
                    assert param.make_metavar(ctx) == "DATE", (name, param.name)
                    assert "%" not in (param.get_help_record(ctx) or ("", ""))[0], (name, param.name)
    assert seen >= 9  # recall 3, context 2, facts 2, timeline 2


def test_a_bad_date_option_shows_the_forms_it_takes(store_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(store_dir), "recall", "hi", "-n", "conv-1", "--as-of", "yesterday"]) == 2
    err = capsys.readouterr().err
    assert f"'yesterday' is not a date: write {DATE_FORMS}" in err
    assert "%Y" not in err


def test_a_restore_without_vectors_says_recall_needs_reembed(
    store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An export without --embeddings (the JSON help said "lossless") restored by sync left every event
    without a vector, in silence: recall then found them by words and the graph only."""
    store = EmbeddedStore.open(store_dir)
    store.write(Batch("conv-1", embeddings=(("e", [0.5] * 8),), embedding_model="test-model"))
    store.close()
    export = tmp_path / "all.json"
    assert main(["--db", str(store_dir), "export", "-o", str(export)]) == 0
    assert "without vectors (--embeddings adds them)" in capsys.readouterr().err  # said when they are dropped
    target = tmp_path / "re stored"  # the suggested command is one a shell runs as printed
    assert main(["sync", "--from", str(export), "--to", str(target)]) == 0
    err = capsys.readouterr().err
    assert "1 of 1 events came without a vector" in err and f"graphmem --db '{target}' reembed" in err
    with_vectors = tmp_path / "with.json"
    assert main(["--db", str(store_dir), "export", "--embeddings", "-o", str(with_vectors)]) == 0
    assert "without vectors" not in capsys.readouterr().err
    assert main(["sync", "--from", str(with_vectors), "--to", str(tmp_path / "again")]) == 0
    assert "vector" not in capsys.readouterr().err


def test_tables_in_an_80_column_terminal_never_cut_a_cell_short(monkeypatch: pytest.MonkeyPatch) -> None:
    """`graphmem facts` at 80 columns printed '2024-03-…' for every date: the time columns lost their
    day and time. No cell may be cut short with an ellipsis; a cell folds onto more lines instead."""
    import io

    from rich.console import Console

    from graphmem.cli.common import print_table

    buffer = io.StringIO()
    monkeypatch.setattr("graphmem.cli.common._consoles", {"stdout": Console(file=buffer, width=80)})
    when = "2024-03-03 16:12"
    rows = [["Lumen Robotics", "said_about", "Northwind Bank", when, when, when, ""] for _ in range(3)]
    cols = ["subject", "predicate", "object", "valid_from", "valid_to", "recorded_at", "expired_at"]
    print_table("facts in priya-tomas", cols, rows)
    out = buffer.getvalue()
    assert "…" not in out
    assert max(len(line) for line in out.splitlines()) <= 80
    cells = "".join(line.replace("│", "").replace(" ", "") for line in out.splitlines())
    assert cells.count("2024-03-0316:12") + cells.count("2024-03-") >= 9  # every date there, folded or whole
    assert out.count("16:12") == 9


@pytest.mark.parametrize(
    "args",
    [
        ["stats"],
        ["stats", "--json"],
        ["namespaces"],
        ["stats", "-n", "n"],
        ["timeline", "Dana", "-n", "n"],
        ["facts", "-n", "n"],
        ["export", "-n", "n"],
        ["query", "FIND (e:Event) RETURN e.text", "-n", "n"],
    ],
    ids=" ".join,
)
def test_an_empty_file_reads_as_a_new_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    # Reading commands called a 0-byte graphmem.sqlite3 "an SQLite database of another program" while `add`
    # made it a new store: it now reads as the new, empty store a writable open makes of it.
    empty, new = tmp_path / "empty", tmp_path / "new"
    empty.mkdir()
    (empty / DB_FILENAME).write_bytes(b"")
    EmbeddedStore.open(new).close()
    said = []
    for d in (empty, new):
        code = main(["--db", str(d), *args])
        out, err = capsys.readouterr()
        said.append((code, out.replace(str(d), "DB"), err.replace(str(d), "DB")))
    assert said[0] == said[1]
    assert "Traceback" not in said[0][2]
    assert (empty / DB_FILENAME).stat().st_size == 0
