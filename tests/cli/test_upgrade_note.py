"""An upgrade of a store of an older schema says so, once, on stderr: it is one-way (older graphmem
versions refuse the store afterwards), and it used to happen silently."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from graphmem.cli import main
from graphmem.errors import StoreUpgradedWarning
from graphmem.models import Batch, Event, Session
from graphmem.store.embedded import DB_FILENAME, EmbeddedStore
from graphmem.store.sqlite_rows import SCHEMA_VERSION
from tests.support.old_schema import downgrade_to_schema_2


def _store(where: Path, schema: int) -> None:
    store = EmbeddedStore.open(where)
    store.write(Batch("t", (Session("t", "s", 0),), (Event("t", "e", "s", 1, "Carol", "I moved to Bristol."),)))
    store.close()
    if schema == 2:
        downgrade_to_schema_2(where)
    else:
        conn = sqlite3.connect(where / DB_FILENAME)
        conn.execute(f"PRAGMA user_version = {schema}")
        conn.commit()
        conn.close()


def _schema(where: Path) -> int:
    conn = sqlite3.connect(where / DB_FILENAME)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def test_a_writing_command_says_it_upgraded_the_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    where = tmp_path / "s"
    _store(where, 7)
    assert main(["--db", str(where), "add", "-n", "t", "--speaker", "Carol", "I love Bristol."]) == 0
    err = capsys.readouterr().err
    note = f"note: upgraded {where} from schema 7 to {SCHEMA_VERSION}; older graphmem versions can no longer open it"
    assert note in err
    assert _schema(where) == SCHEMA_VERSION
    assert main(["--db", str(where), "add", "-n", "t", "--speaker", "Carol", "Still there."]) == 0
    assert "upgraded" not in capsys.readouterr().err  # once


def test_a_reading_command_reads_a_recent_older_store_without_upgrading_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    where = tmp_path / "s"
    _store(where, 7)
    assert main(["--db", str(where), "stats", "--json"]) == 0
    assert "upgraded" not in capsys.readouterr().err
    assert _schema(where) == 7


def test_a_reading_command_that_must_upgrade_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    where = tmp_path / "s"
    _store(where, 2)
    assert main(["--db", str(where), "namespaces"]) == 0
    out, err = capsys.readouterr()
    assert out.split() == ["t"]
    assert f"note: upgraded {where} from schema 2 to {SCHEMA_VERSION}" in err


def test_the_library_warns_of_an_upgrade(tmp_path: Path) -> None:
    where = tmp_path / "s"
    _store(where, 2)
    with pytest.warns(StoreUpgradedWarning, match="from schema 2 to") as caught:
        EmbeddedStore.open(where).close()
    assert caught[0].message.old == 2  # type: ignore[union-attr]
