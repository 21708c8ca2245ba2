"""The CLI never fails silently: mistyped namespaces and paths are named, messages print literally,
and one option has one spelling across commands."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click
import pytest

from graphmem.cli import main
from graphmem.cli.app import cli
from graphmem.models import Batch, Event, Session
from graphmem.store.embedded import EmbeddedStore


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    d = tmp_path / "mem"
    store = EmbeddedStore.open(d)
    for ns in ("priya-tomas", "chat"):
        store.write(Batch(ns, (Session(ns, "s", 0),), (Event(ns, "e", "s", 0, "A", "hi there"),)))
    store.close()
    return d


@pytest.mark.parametrize(
    ("args", "typo", "meant"),
    [
        (["forget", "-n", "chatt", "--yes"], "chatt", "chat"),
        (["forget", "-n", "chatt", "--event", "e"], "chatt", "chat"),
        (["stats", "-n", "priya"], "priya", "priya-tomas"),
        (["export", "-n", "chatt"], "chatt", "chat"),
        (["query", "-n", "priya", "FIND (e:Event) RETURN count(*)"], "priya", "priya-tomas"),
    ],
)
def test_a_mistyped_namespace_is_named_with_the_closest_one(
    store_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str], typo: str, meant: str
) -> None:
    assert main(["--db", str(store_dir), *args]) == 1
    captured = capsys.readouterr()
    assert f"namespace '{typo}' holds no data" in captured.err
    assert f"(did you mean '{meant}'?)" in captured.err
    assert "deleted" not in captured.out
    assert main(["--db", str(store_dir), "stats", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"]["events"] == 2  # nothing was forgotten


def test_ingest_of_a_missing_path_prints_nothing_and_creates_no_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "new-store"
    assert main(["--db", str(db), "ingest", str(tmp_path / "nonexistent" / "path.json")]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no such file or folder" in captured.err and "path.json" in captured.err
    assert not db.exists()


def test_error_messages_print_literally(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "cut [b]x.json"
    bad.write_text("[\n" + '  {"speaker": "A", "text": "hi"},\n' * 98 + "  {,}\n]\n", encoding="utf-8")
    assert main(["--db", str(tmp_path / "db"), "ingest", str(bad), "--no-embed"]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:100: malformed JSON" in err  # ":100:" is not an emoji, "[b]" is not markup
    assert "💯" not in err


def test_table_cells_print_literally(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = tmp_path / "mem"
    store = EmbeddedStore.open(d)
    store.write(Batch("a", (Session("a", "s", 0),), (Event("a", "e", "s", 0, "A", "x"),)))
    store.close()
    assert main(["--db", str(d), "stats"]) == 0
    assert main(["--db", str(d), "query", "-n", "a", 'FIND (e:Event) RETURN ":100: [/b]" AS t']) == 0
    out = capsys.readouterr().out
    assert ":100: [/b]" in out


def _commands(group: click.Group, ctx: click.Context) -> list[click.Command]:
    found: list[click.Command] = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        found.append(command)
        if isinstance(command, click.Group):
            found.extend(_commands(command, click.Context(command, parent=ctx)))
    return found


def test_one_option_has_one_spelling_across_commands() -> None:
    ctx = click.Context(cli)
    spellings: dict[str, set[tuple[str, ...]]] = {}
    for command in _commands(cli, ctx):
        for param in command.params:
            if isinstance(param, click.Option):
                opts = tuple(sorted(param.opts))
                for opt in opts:
                    spellings.setdefault(opt, set()).add(opts)
    clashes = {opt: forms for opt, forms in spellings.items() if len(forms) > 1}
    assert not clashes, clashes
    assert ("--k", "-k") in spellings["-k"]


def test_recall_takes_k_like_viz(store_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for flag in ("-k", "--k"):
        assert main(["--db", str(store_dir), "recall", "hi", "-n", "chat", flag, "1", "--json"]) == 0
        assert len(json.loads(capsys.readouterr().out)["hits"]) <= 1


def test_recall_takes_an_argument_that_was_not_utf8(store_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(store_dir), "recall", "caf\udce9", "-n", "chat"]) == 0
    assert "caf\ufffd" in capsys.readouterr().out
    assert main(["--db", str(store_dir), "recall", "caf\udce9", "-n", "chat", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["question"] == "caf\ufffd"
    assert (
        main(["--db", str(store_dir), "query", "-n", "chat", 'FIND (e:Event) WHERE e.text = "\udce9" RETURN e.text'])
        == 0
    )


def _unreadable(tmp_path: Path, kind: str) -> Path:
    """An input that exists but cannot be read, even by root: a dangling symlink, a Unix socket or a FIFO
    (opening a FIFO blocks until a writer comes: it must be refused without being opened)."""
    if kind == "dangling symlink":
        path = tmp_path / "gone.json"
        path.symlink_to(tmp_path / "moved-away.json")
        return path
    if kind == "fifo":
        path = tmp_path / "incoming.txt"
        os.mkfifo(path)
        return path
    import socket

    path = tmp_path / "chat.txt"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))
    sock.close()
    return path


@pytest.mark.parametrize("kind", ["dangling symlink", "socket", "fifo"])
@pytest.mark.parametrize(
    "named",
    [
        pytest.param(True, marks=pytest.mark.timeout(20), id="named"),
        # A scheduled ingest of a log folder was stopped whole by one stray file it could not read, while a
        # malformed file failed alone: now both fail alone, named, and the rest is ingested.
        pytest.param(False, marks=pytest.mark.timeout(60), id="in a folder"),
    ],
)
def test_an_unreadable_input_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, named: bool
) -> None:
    """Named on the command line, it stops the command before a store is created; found in a folder, it fails
    alone."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "good.txt").write_text("A: hello there\n", encoding="utf-8")
    bad = _unreadable(inputs, kind)
    db = tmp_path / "new-store"
    if named:
        code = main(["--db", str(db), "ingest", str(inputs / "good.txt"), str(bad), "--no-embed"])
    else:
        code = main(["--db", str(db), "ingest", str(inputs), "--no-embed", "--json"])
    captured = capsys.readouterr()
    assert code == 1
    assert str(bad) in captured.err
    if named:
        assert captured.out == ""
        assert "cannot read" in captured.err
        if kind != "dangling symlink":
            assert "not a regular file" in captured.err
        assert not db.exists()
    else:
        summary = json.loads(captured.out)
        assert (summary["files_ok"], summary["files_failed"]) == (1, 1)
        assert EmbeddedStore.open(db, read_only=True).namespaces() == ["good"]


def test_forgetting_an_event_that_is_not_there_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # `forget --event` with a mistyped id (or the turn id recall shows, D1:2, not the event id) printed
    # "deleted" with zeros and exited 0, so the user believed the turn was gone.
    d = tmp_path / "mem"
    store = EmbeddedStore.open(d)
    events = (
        Event("chat", "ev:s:1", "s", 1, "A", "hi there", source_id="D1:1"),
        Event("chat", "ev:s:2", "s", 2, "B", "hi"),
    )
    store.write(Batch("chat", (Session("chat", "s", 0),), events))
    store.close()
    assert main(["--db", str(d), "forget", "-n", "chat", "--event", "ev:s:9"]) == 1
    captured = capsys.readouterr()
    assert "deleted" not in captured.out
    assert captured.err == "error: no event 'ev:s:9' in namespace 'chat'\n"
    assert main(["--db", str(d), "forget", "-n", "chat", "--event", "D1:1"]) == 1
    assert "no event 'D1:1' in namespace 'chat' (the input's turn 'D1:1' is event 'ev:s:1')" in capsys.readouterr().err
    assert main(["--db", str(d), "forget", "-n", "chat", "--event", "ev:s:1"]) == 0
    assert "deleted" in capsys.readouterr().out
    assert main(["--db", str(d), "stats", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"]["events"] == 1


def test_viz_without_a_namespace_lists_the_namespaces(store_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # "the store holds 2 namespaces; choose one with --namespace/-n" left the user to find their names
    out = store_dir.parent / "v.html"
    assert main(["--db", str(store_dir), "viz", "--since", "2024-01-01", "-o", str(out)]) == 1
    assert capsys.readouterr().err == (
        "error: the store holds 2 namespaces (chat, priya-tomas); choose one with --namespace/-n\n"
    )
    assert not out.exists()


@pytest.mark.parametrize(
    "args", [["ingest", "{data}", "-n", "a b"], ["add", "-n", "a b", "--speaker", "A", "hi"]], ids=["ingest", "add"]
)
def test_an_illegal_namespace_creates_no_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    # The error came after the store had been created: an empty store was left at --db.
    data = tmp_path / "chat.jsonl"
    data.write_text('{"speaker": "A", "text": "hi"}\n', encoding="utf-8")
    db = tmp_path / "new-store"
    assert main(["--db", str(db), *(a.format(data=data) for a in args)]) == 1
    assert "illegal namespace 'a b'" in capsys.readouterr().err
    assert not db.exists()


def test_claude_without_a_key_creates_no_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The missing key was found after the store had been created, leaving an empty store at --db.
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    data = tmp_path / "chat.jsonl"
    data.write_text('{"speaker": "A", "text": "hi"}\n', encoding="utf-8")
    db = tmp_path / "new-store"
    assert main(["--db", str(db), "ingest", str(data), "--extractor", "claude"]) == 1
    assert "needs an API key" in capsys.readouterr().err
    assert not db.exists()


def test_a_failed_export_leaves_the_output_file_as_it_was(store_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The file was opened (and emptied) before the namespace was checked: a typo destroyed the last export.
    out = store_dir.parent / "chat.json"
    assert main(["--db", str(store_dir), "export", "-n", "chat", "-o", str(out)]) == 0
    before = out.read_text(encoding="utf-8")
    assert json.loads(before)["namespaces"][0]["namespace"] == "chat"
    assert main(["--db", str(store_dir), "export", "-n", "chatt", "-o", str(out)]) == 1
    assert "namespace 'chatt' holds no data" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == before
    assert sorted(p.name for p in store_dir.parent.iterdir()) == ["chat.json", "mem"]  # no temporary file left


def test_export_embeddings_in_graphml_is_a_usage_error(store_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # --embeddings was ignored with --format graphml (the file had no vectors, and nothing said so).
    out = store_dir.parent / "g.graphml"
    assert main(["--db", str(store_dir), "export", "--format", "graphml", "--embeddings", "-o", str(out)]) == 2
    assert "--embeddings works with --format json or cypher" in capsys.readouterr().err
    assert not out.exists()


def test_adding_empty_text_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # It exited 0 and printed nothing: no event, no word of why.
    db = tmp_path / "new-store"
    assert main(["--db", str(db), "add", "-n", "x", "--speaker", "A", "  "]) == 2
    assert "TEXT is empty" in capsys.readouterr().err
    assert not db.exists()


def test_an_export_keeps_the_file_s_mode_and_links(store_dir: Path) -> None:
    # The file written beside and moved in place took a new file's mode (a private export became
    # world-readable) and replaced a symbolic link by a regular file (leaving the linked file stale).
    private = store_dir.parent / "private.json"
    private.write_text("old", encoding="utf-8")
    private.chmod(0o600)
    assert main(["--db", str(store_dir), "export", "-n", "chat", "-o", str(private)]) == 0
    assert private.stat().st_mode & 0o777 == 0o600 and "chat" in private.read_text(encoding="utf-8")
    real = store_dir.parent / "real"
    real.mkdir()
    (real / "target.json").write_text("old", encoding="utf-8")
    link = store_dir.parent / "link.json"
    link.symlink_to(real / "target.json")
    assert main(["--db", str(store_dir), "export", "-n", "chat", "-o", str(link)]) == 0
    assert link.is_symlink() and json.loads((real / "target.json").read_text(encoding="utf-8"))
    assert sorted(p.name for p in real.iterdir()) == ["target.json"]  # no temporary file left


def test_an_export_to_dev_stdout_writes_into_what_the_shell_opened(store_dir: Path) -> None:
    # /dev/stdout redirected to a file resolved to that file, which the export then replaced: what else
    # the shell had written to it was lost (and into a pipe the real path did not exist at all).
    out = store_dir.parent / "grp.txt"
    script = (
        "import sys; from graphmem.cli import main; print('header', flush=True); "
        f"code = main(['--db', {str(store_dir)!r}, 'export', '-n', 'chat', '-o', '/dev/stdout']); "
        "sys.stdout.flush(); print('footer'); sys.exit(code)"
    )
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    with out.open("w") as f:
        assert subprocess.run([sys.executable, "-c", script], stdout=f, env=env, timeout=120).returncode == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("header\n") and text.endswith("footer\n") and '"namespace": "chat"' in text
    piped = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert piped.returncode == 0 and '"namespace": "chat"' in piped.stdout


def test_an_export_into_a_folder_it_may_not_write_writes_the_file(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Writing beside the file needs the folder; a writable file in a read-only folder is written directly.
    out = store_dir.parent / "out.json"
    out.write_text("old", encoding="utf-8")
    import builtins

    real_os_open, real_open = os.open, builtins.open

    def refuse(path: Any) -> None:
        if str(path).endswith(".part"):  # a file beside the output cannot be created
            raise PermissionError(13, "Permission denied")

    def os_open(path: Any, flags: int, *args: Any) -> int:
        refuse(path)
        return real_os_open(path, flags, *args)

    def open_(path: Any, *args: Any, **kwargs: Any) -> Any:
        refuse(path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(builtins, "open", open_)
    assert main(["--db", str(store_dir), "export", "-n", "chat", "-o", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["namespaces"][0]["namespace"] == "chat"
    assert main(["--db", str(store_dir), "export", "-n", "chatt", "-o", str(out)]) == 1  # still no damage
    assert json.loads(out.read_text(encoding="utf-8"))["namespaces"][0]["namespace"] == "chat"


def test_an_export_it_can_write_nowhere_fails_before_reading_the_store(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # With neither the folder nor the file writable, the whole export was built in memory first and only
    # then failed to open the file: a large store was read (and held in memory) for nothing.
    import graphmem.export

    out = store_dir.parent / "locked.json"
    out.write_text("old", encoding="utf-8")
    real_os_open = os.open

    def os_open(path: Any, flags: int, *args: Any) -> int:
        if str(path).endswith((".part", "locked.json")):
            raise PermissionError(13, "Permission denied")
        return real_os_open(path, flags, *args)

    built: list[str] = []
    real_export = graphmem.export.export_graph

    def export_graph(*args: Any, **kwargs: Any) -> Any:
        built.append("export")
        return real_export(*args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(graphmem.export, "export_graph", export_graph)
    assert main(["--db", str(store_dir), "export", "-n", "chat", "-o", str(out)]) == 1
    assert f"cannot write {out}: Permission denied" in capsys.readouterr().err
    assert built == [] and out.read_text(encoding="utf-8") == "old"


def test_a_reading_command_upgrades_an_older_store_it_may_write(tmp_path: Path) -> None:
    # Reading commands open stores read-only; a store of schema 2 (older than read-only opens read)
    # then failed with "must be upgraded first: open it once without read_only", naming a Python argument.
    import sqlite3

    from graphmem.store.embedded import DB_FILENAME
    from graphmem.store.sqlite_rows import SCHEMA_VERSION
    from tests.support.old_schema import downgrade_to_schema_2

    d = tmp_path / "old"
    store = EmbeddedStore.open(d)
    store.write(Batch("n", (Session("n", "s", 0),), (Event("n", "e", "s", 0, "A", "hi there"),)))
    store.close()
    downgrade_to_schema_2(d)
    assert main(["--db", str(d), "stats", "-n", "n", "--json"]) == 0
    conn = sqlite3.connect(d / DB_FILENAME)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_until_a_date_on_the_command_line_keeps_that_whole_day() -> None:
    from datetime import datetime

    from graphmem.cli.common import UntilDateTime

    until = UntilDateTime()
    assert until.convert("2024-01-02", None, None) == datetime(2024, 1, 2, 23, 59, 59, 999999)
    assert until.convert("2024-01-02T10:00", None, None) == datetime(2024, 1, 2, 10)


def test_an_export_to_another_descriptor_writes_through_it(store_dir: Path) -> None:
    # /dev/fd/3 opened by the shell for appending was reopened with "w": what it held was lost.
    import subprocess
    import sys

    log = store_dir.parent / "log.txt"
    log.write_text("earlier\n", encoding="utf-8")
    script = (
        "import os, sys; from graphmem.cli import main; "
        f"fd = os.open({str(log)!r}, os.O_WRONLY | os.O_APPEND); os.dup2(fd, 3); "
        f"sys.exit(main(['--db', {str(store_dir)!r}, 'export', '-n', 'chat', '-o', '/dev/fd/3']))"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    assert subprocess.run([sys.executable, "-c", script], env=env, timeout=120, pass_fds=()).returncode == 0
    text = log.read_text(encoding="utf-8")
    assert text.startswith("earlier\n") and '"namespace": "chat"' in text


def test_until_the_calendar_s_last_day_is_its_end() -> None:
    from datetime import datetime

    from graphmem.cli.common import UntilDateTime

    assert UntilDateTime().convert("9999-12-31", None, None) == datetime.max  # it overflowed
    assert UntilDateTime().convert("2024-1-2", None, None) == datetime(2024, 1, 2, 23, 59, 59, 999999)


def test_a_failed_upgrade_says_why_a_reading_command_wanted_to_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from graphmem.errors import SchemaUpgradeError, StoreError
    from graphmem.memory import Memory

    def refuse(where: Any, **options: Any) -> Any:
        if options.get("read_only"):
            raise SchemaUpgradeError("old.sqlite3 uses an older schema (2) that must be upgraded first")
        raise StoreError("store directory old is not writable")

    monkeypatch.setattr(Memory, "open", staticmethod(refuse))
    (tmp_path / "old").mkdir()
    assert main(["--db", str(tmp_path / "old"), "stats"]) == 1
    err = capsys.readouterr().err
    assert "older schema (2)" in err and "opening it for writing to upgrade it failed: store directory" in err


def test_terminal_control_sequences_in_a_table_are_shown_not_sent(capsys: pytest.CaptureFixture[str]) -> None:
    # A transcript turn holding ESC sequences cleared the screen and set the window title when a table
    # (timeline, recall, the REPL's results) printed it.
    from graphmem.cli.common import print_table

    print_table("t", ["text"], [["hello \x1b[2J\x1b]0;pwned\x07 I live in Oslo.\tnow\x9b"]])
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "\\x1b[2J\\x1b]0;pwned\\x07" in out and "\\x9b" in out
