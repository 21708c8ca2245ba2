"""Whether two open stores are one: decided by identity (the database file; a store id), not by the URI's text.

``graphmem sync`` refuses to copy a store onto itself; a store directory reached by two paths (a symlink,
``./db`` beside its absolute path) is one store, and a copy of the directory is another.
"""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from pathlib import Path

import pytest

from graphmem.cli import main
from graphmem.errors import ConfigError
from graphmem.models import Batch, Event, Session
from graphmem.store.embedded import DB_FILENAME, EmbeddedStore
from graphmem.store.results import StoreIdentity
from graphmem.sync import sync_stores


def _store(path: Path) -> None:
    store = EmbeddedStore.open(path)
    store.write(Batch("a", (Session("a", "s", 0),), (Event("a", "e", "s", 0, "Ann", "hi"),)))
    store.close()


def test_a_store_reached_by_two_paths_is_one_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _store(tmp_path / "db")
    (tmp_path / "link").symlink_to(tmp_path / "db")
    monkeypatch.chdir(tmp_path)
    for other in ("link", "./db", f"../{tmp_path.name}/db"):
        a, b = EmbeddedStore.open(tmp_path / "db"), EmbeddedStore.open(other)
        try:
            assert a.uri != b.uri and a.identity().same_as(b.identity())
            with pytest.raises(ConfigError, match="same store"):
                sync_stores(a, b)
        finally:
            a.close()
            b.close()


def test_cli_sync_refuses_a_store_onto_itself_by_another_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _store(tmp_path / "db")
    monkeypatch.chdir(tmp_path)
    assert main(["sync", "--from", "./db", "--to", str(tmp_path / "db")]) == 1
    assert "same store" in capsys.readouterr().err


def test_a_copy_of_a_store_directory_is_another_store(tmp_path: Path) -> None:
    _store(tmp_path / "db")
    shutil.copytree(tmp_path / "db", tmp_path / "copy")  # the same store id: the file decides
    a, b = EmbeddedStore.open(tmp_path / "db"), EmbeddedStore.open(tmp_path / "copy")
    try:
        assert a.identity().store_id == b.identity().store_id
        assert not a.identity().same_as(b.identity())
        assert sync_stores(a, b).events == 1
    finally:
        a.close()
        b.close()


def test_the_store_id_is_written_once_and_an_older_store_gets_one_on_its_next_writable_open(tmp_path: Path) -> None:
    _store(tmp_path / "db")
    store = EmbeddedStore.open(tmp_path / "db")
    first = store.identity().store_id
    store.close()
    assert first is not None and uuid.UUID(first).version == 4
    store = EmbeddedStore.open(tmp_path / "db")
    assert store.identity().store_id == first  # reopening keeps it
    store.close()

    db = tmp_path / "db" / DB_FILENAME
    with sqlite3.connect(db) as conn:  # as a store of an older graphmem: no id
        conn.execute("DELETE FROM meta WHERE key = 'store_id'")
    conn.close()
    reader = EmbeddedStore.open(tmp_path / "db", read_only=True)
    writer = EmbeddedStore.open(tmp_path / "db")
    try:
        assert reader.identity().store_id == writer.identity().store_id  # read when asked: the writer's
        assert writer.identity().store_id not in (None, first)
        assert reader.identity().same_as(writer.identity())  # the file says it
    finally:
        reader.close()
        writer.close()


def test_a_read_only_open_writes_no_store_id(tmp_path: Path) -> None:
    _store(tmp_path / "db")
    db = tmp_path / "db" / DB_FILENAME
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM meta WHERE key = 'store_id'")
    conn.close()
    reader = EmbeddedStore.open(tmp_path / "db", read_only=True)
    try:
        assert reader.identity().store_id is None
    finally:
        reader.close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'store_id'").fetchall() == []
    conn.close()


def test_a_store_opened_by_a_relative_path_keeps_its_identity_after_a_change_of_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store(tmp_path / "db")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path)
    relative = EmbeddedStore.open("db")
    absolute = EmbeddedStore.open(tmp_path / "db")
    try:
        monkeypatch.chdir(tmp_path / "elsewhere")  # no ./db here
        assert relative.identity().same_as(absolute.identity())
    finally:
        relative.close()
        absolute.close()


_ID_A, _ID_B = "11111111-aaaa", "22222222-bbbb"
_PROXY, _LOOPBACK, _LAN = "bolt:34.1.2.3:7687", "bolt:127.0.0.1:7687", "bolt:10.0.0.5:7687"


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        # two servers behind one address (a proxy, a load balancer), both databases 'neo4j': their ids differ
        (StoreIdentity(_PROXY, "neo4j", _ID_A), StoreIdentity(_PROXY, "neo4j", _ID_B), False),
        # ... and the default database of each, unnamed
        (StoreIdentity(_PROXY, None, _ID_A), StoreIdentity(_PROXY, None, _ID_B), False),
        # one server reached at 127.0.0.1 and at its LAN address: one id, one database name
        (StoreIdentity(_LOOPBACK, "neo4j", _ID_A), StoreIdentity(_LAN, "neo4j", _ID_A), True),
        # one id, but two databases of a server (one copied from the other)
        (StoreIdentity(_LOOPBACK, "a", _ID_A), StoreIdentity(_LOOPBACK, "b", _ID_A), False),
        # one id at two addresses, the databases unnamed: a backup restored on another server may be it
        (StoreIdentity(_LOOPBACK, None, _ID_A), StoreIdentity(_LAN, None, _ID_A), False),
        (StoreIdentity(_LOOPBACK, None, _ID_A), StoreIdentity(_LOOPBACK, None, _ID_A), True),
        # a copied embedded directory: one id, another file
        (StoreIdentity("file:1:2", "", _ID_A), StoreIdentity("file:1:3", "", _ID_A), False),
        (StoreIdentity("file:1:2", "", _ID_A), StoreIdentity("file:1:2", "", _ID_A), True),
        # an id unknown (a store of an older graphmem opened read-only): the place and database decide
        (StoreIdentity("file:1:2", "", None), StoreIdentity("file:1:2", "", _ID_A), True),
        (StoreIdentity(_LOOPBACK, "neo4j", None), StoreIdentity(_LOOPBACK, "neo4j", _ID_A), True),
        (StoreIdentity(_LOOPBACK, "neo4j", None), StoreIdentity(_LAN, "neo4j", _ID_A), False),
        (StoreIdentity(_LOOPBACK, None, None), StoreIdentity(_LOOPBACK, None, _ID_A), False),
    ],
)
def test_same_as(a: StoreIdentity, b: StoreIdentity, same: bool) -> None:
    assert a.same_as(b) is same and b.same_as(a) is same
