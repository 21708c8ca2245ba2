"""Commands on a store whose database file was damaged: one line naming the store, exit status 1, no write."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graphmem import Memory
from graphmem.cli import main
from graphmem.errors import CorruptStoreError
from graphmem.models import Event
from graphmem.store.embedded import DB_FILENAME
from graphmem.store.sqlite_rows import fts_table
from tests.ingest.fakes import FakeEmbedder
from tests.store.test_damage import _damage, _fill

_COMMANDS = [
    ["stats", "-n", "n"],
    ["timeline", "Dana", "-n", "n"],
    ["facts", "-n", "n"],
    ["context", "Where did Dana walk?", "-n", "n"],
    ["recall", "dog", "-n", "n"],
    ["export", "-n", "n"],
    ["query", "FIND (e:Event) RETURN e.text", "-n", "n"],
    ["add", "-n", "n", "--speaker", "Dana", "One more walk."],
    ["forget", "-n", "n", "--yes"],
]


@pytest.fixture(scope="module")
def damaged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    path = tmp_path_factory.mktemp("damaged") / "mem"
    _fill(path)
    return path, _damage(path)


@pytest.mark.parametrize("args", _COMMANDS, ids=lambda a: a[0])
def test_a_damaged_store_is_one_line_naming_it(
    damaged: tuple[Path, bytes], args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # Each printed a traceback ending in sqlite3.DatabaseError: database disk image is malformed.
    path, data = damaged
    assert main(["--db", str(path), *args]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: the store at {path} is damaged"), err[-500:]
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert (path / DB_FILENAME).read_bytes() == data


@pytest.fixture
def damaged_elsewhere(tmp_path: Path) -> tuple[Path, bytes]:
    """A store whose damage is in the full-text table of namespace ``m``: a page that re-embedding ``n``,
    ingesting into ``n`` or syncing another namespace in never reads."""
    path = tmp_path / "mem"
    with Memory.open(path, embedder=FakeEmbedder()) as mem:
        for ns in ("n", "m"):
            events = [Event(ns, f"e{i}", "s", i, "Dana", f"Dana walked the dog, day {i}. " * 8) for i in range(30)]
            mem.add_events(events, namespace=ns)
        table = fts_table("m") + "_content"
    return path, _damage(path, table)


def _other_store(tmp_path: Path) -> Path:
    path = tmp_path / "other"
    with Memory.open(path, embedder=FakeEmbedder()) as mem:
        mem.add_events([Event("other", "e0", "s", 0, "Ana", "I live in Lisbon.")], namespace="other")
    return path


@pytest.mark.parametrize("command", ["reembed", "sync", "ingest"])
def test_a_writer_that_reads_no_damaged_page_is_refused(
    damaged_elsewhere: tuple[Path, bytes], command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # reembed printed "re-embedded", exited 0 and changed the file; so did the others when their statements
    # met no damaged page
    path, data = damaged_elsewhere
    if command == "reembed":
        args = ["--db", str(path), "reembed", "-n", "n"]
    elif command == "sync":
        args = ["sync", "--from", str(_other_store(tmp_path)), "--to", str(path)]
    else:
        chat = tmp_path / "d.txt"
        chat.write_text("## Session 1 — 3 March 2024\nAna: I work at Acme.\n", encoding="utf-8")
        args = ["--db", str(path), "ingest", str(chat), "-n", "n", "--no-embed"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert f"the store at {path} is damaged" in err, err[-500:]
    assert "Traceback" not in err
    if command != "ingest":  # ingest names the file and unit too, then counts the failed files
        assert err.startswith("error: the store at") and len(err.strip().splitlines()) == 1, err
    assert (path / DB_FILENAME).read_bytes() == data


@pytest.mark.parametrize("args", [["stats"], ["reembed"], ["reembed", "--check"]], ids=" ".join)
def test_a_damaged_store_with_nothing_stale_is_reported(
    tmp_path: Path, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # ops finding 4: with every vector current and the facts table damaged, reembed printed "re-embedded
    # 0 events" and exited 0, as did reembed --check and stats, while add said the store was damaged
    path = tmp_path / "mem"
    chat = tmp_path / "d.txt"
    chat.write_text("## Session 1 — 3 March 2024\n[10:00] Ana: I work at Acme.\n", encoding="utf-8")
    assert main(["--db", str(path), "ingest", str(chat), "-n", "n"]) == 0
    data = _damage_table(path, "facts")
    capsys.readouterr()
    assert main(["--db", str(path), *args]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: the store at {path} is damaged"), err[-500:]
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert (path / DB_FILENAME).read_bytes() == data


def _damage_table(path: Path, table: str) -> bytes:
    """Overwrite the root page of ``table`` alone (not its indexes), as the ops repro's ``dd`` did: counts
    read from the indexes still answer. The file's bytes then."""
    import sqlite3

    db = path / DB_FILENAME
    conn = sqlite3.connect(db)
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
    conn.close()
    data = bytearray(db.read_bytes())
    data[(root - 1) * page : root * page] = b"\xde\xad\xbe\xef" * (page // 4)
    db.write_bytes(bytes(data))
    return bytes(data)


@pytest.mark.parametrize("read_only", [True, False], ids=["read-only", "writable"])
def test_memory_stats_reports_a_damaged_store_as_the_cli_does(tmp_path: Path, read_only: bool) -> None:
    # Memory.stats (and AsyncMemory.stats, the REPL's stats) counted a store whose facts table was damaged
    # from the intact indexes, while `graphmem stats` refused it
    path = tmp_path / "mem"
    chat = tmp_path / "d.txt"
    chat.write_text("## Session 1 — 3 March 2024\n[10:00] Ana: I work at Acme.\n", encoding="utf-8")
    assert main(["--db", str(path), "ingest", str(chat), "-n", "n", "--no-embed"]) == 0
    data = _damage_table(path, "facts")
    with Memory.open(path, embedder=FakeEmbedder(), read_only=read_only) as mem:
        for namespace in (None, "n"):
            with pytest.raises(CorruptStoreError, match=f"^the store at {re.escape(str(path))} is damaged"):
                mem.stats(namespace)
    assert (path / DB_FILENAME).read_bytes() == data
