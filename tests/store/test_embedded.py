"""Embedded-store behaviour beyond the contract: opening bad locations never loses data."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from graphmem import Memory
from graphmem.errors import SchemaVersionError, StoreError
from graphmem.models import Batch, Entity, Event, Fact, Session
from graphmem.store.embedded import DB_FILENAME, EmbeddedStore
from graphmem.store.sqlite_rows import SCHEMA_VERSION
from tests.support.old_schema import downgrade_to_schema_2


def _write_one(path: Path) -> None:
    store = EmbeddedStore.open(path)
    store.write(Batch("n", (Session("n", "s", 0),), (Event("n", "e", "s", 0, "A", "kept"),)))
    store.close()


def test_path_that_is_a_file(tmp_path: Path) -> None:
    f = tmp_path / "afile"
    f.write_text("hello")
    with pytest.raises(StoreError, match="is a file"):
        EmbeddedStore.open(f)
    assert f.read_text() == "hello"


def test_missing_store_without_create(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no graphmem store"):
        EmbeddedStore.open(tmp_path / "nope", create=False)


def test_unwritable_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = tmp_path / "ro"
    d.mkdir()
    d.chmod(0o500)
    if os.geteuid() == 0:  # root ignores permission bits; make the check see what a user would
        real_access = os.access
        monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == d else real_access(p, mode))
    try:
        with pytest.raises(StoreError, match="not writable: give this user write access to it, or open it read-only"):
            EmbeddedStore.open(d)
    finally:
        d.chmod(0o700)
    assert list(d.iterdir()) == []


def test_uncreatable_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot create"):
        EmbeddedStore.open(blocker / "sub" / "store")


def test_corrupt_file_is_refused_and_untouched(tmp_path: Path) -> None:
    d = tmp_path / "store"
    d.mkdir()
    db = d / DB_FILENAME
    junk = b"this is not sqlite at all" * 100
    db.write_bytes(junk)
    with pytest.raises(StoreError, match="not a graphmem store"):
        EmbeddedStore.open(d)
    assert db.read_bytes() == junk


def test_foreign_sqlite_is_refused_and_untouched(tmp_path: Path) -> None:
    d = tmp_path / "store"
    d.mkdir()
    db = d / DB_FILENAME
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE customers (id INTEGER, name TEXT)")
    conn.execute("INSERT INTO customers VALUES (1, 'Ada')")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    with pytest.raises(StoreError, match="another program"):
        EmbeddedStore.open(d)
    assert db.read_bytes() == before
    assert not (d / (DB_FILENAME + "-wal")).exists() or (d / (DB_FILENAME + "-wal")).stat().st_size == 0


def test_newer_schema_is_refused_and_data_kept(tmp_path: Path) -> None:
    d = tmp_path / "store"
    _write_one(d)
    conn = sqlite3.connect(d / DB_FILENAME)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(SchemaVersionError, match="newer graphmem"):
        EmbeddedStore.open(d)
    conn = sqlite3.connect(d / DB_FILENAME)
    assert conn.execute("SELECT text FROM events").fetchall() == [("kept",)]
    conn.close()


def test_failed_open_loses_nothing_already_stored(tmp_path: Path) -> None:
    d = tmp_path / "store"
    _write_one(d)
    with pytest.raises(StoreError):
        EmbeddedStore.open(d / DB_FILENAME)  # the file, not the directory
    with Memory.open(d) as mem:
        assert mem.store.get_event("n", "e").text == "kept"


def test_memory_facade_add_events_creates_sessions(tmp_path: Path) -> None:
    from datetime import datetime

    with Memory.open(tmp_path / "m") as mem:
        n = mem.add_events(
            [
                Event("ns1", "a", "day1", 0, "Ann", "first", datetime(2024, 1, 1, 9)),
                Event("ns1", "b", "day2", 0, "Bob", "second", datetime(2024, 1, 2, 9)),
            ],
            namespace="ns1",
        )
        assert n == 2
        sessions = list(mem.store.iter_sessions("ns1"))
        assert [(s.id, s.index, s.started_at) for s in sessions] == [
            ("day1", 0, datetime(2024, 1, 1, 9)),
            ("day2", 1, datetime(2024, 1, 2, 9)),
        ]
        mem.add_events([Event("ns1", "c", "day3", 0, "Ann", "third")], namespace="ns1")
        assert [s.index for s in mem.store.iter_sessions("ns1")] == [0, 1, 2]
        assert mem.forget("ns1", "a").events == 1
        assert mem.stats("ns1").events == 2
        assert mem.forget("ns1").events == 2
        assert mem.namespaces() == []
    assert "closed" in repr(mem)
    with pytest.raises(StoreError, match="closed"):
        mem.stats()


def test_schema_1_store_is_upgraded_in_place(tmp_path: Path) -> None:
    from graphmem.store.sqlite_rows import fts_table

    d = tmp_path / "store"
    _write_one(d)
    # rewrite it as schema 1 had it: one shared full-text table
    conn = sqlite3.connect(d / DB_FILENAME)
    conn.execute(f"DROP TABLE {fts_table('n')}")
    conn.execute("CREATE VIRTUAL TABLE events_fts USING fts5(text, tokenize = 'porter unicode61')")
    conn.execute("INSERT INTO events_fts (rowid, text) SELECT rowid, text FROM events")
    conn.execute("ALTER TABLE facts DROP COLUMN revised_by")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    store = EmbeddedStore.open(d)
    assert [h.event_id for h in store.search_text("n", "kept")] == ["e"]
    store.close()
    conn = sqlite3.connect(d / DB_FILENAME)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'events_fts'").fetchone()[0] == 0
    conn.close()


def test_schema_2_store_is_upgraded_in_place_and_keeps_its_facts(tmp_path: Path) -> None:
    d = tmp_path / "store"
    store = EmbeddedStore.open(d)
    when = datetime(2024, 1, 1)
    fact = Fact("n", "f", "a", "likes", "b", recorded_at=when, evidence=("e",))
    store.write(
        Batch(
            "n",
            (Session("n", "s", 0),),
            (Event("n", "e", "s", 0, "A", "a likes b", when),),
            (Entity("n", "a", "A"), Entity("n", "b", "B")),
            facts=(fact,),
        )
    )
    store.close()
    downgrade_to_schema_2(d)
    store = EmbeddedStore.open(d)
    assert list(store.iter_facts("n")) == [fact]
    closed = Fact("n", "f", "a", "likes", "b", recorded_at=when, valid_to=when, evidence=("e",), revised_by=("e",))
    store.write(Batch("n", facts=(closed,)))  # not datable after the stored version: corrected in place
    assert store.get_fact("n", "f") == closed
    store.close()
    conn = sqlite3.connect(d / DB_FILENAME)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 8
    conn.close()


def test_full_text_statistics_are_per_namespace(tmp_path: Path) -> None:
    store = EmbeddedStore.open(tmp_path / "s")
    # "garden" is rare in namespace a but everywhere in namespace b: a's scores must not depend on b
    store.write(
        Batch(
            "a",
            (Session("a", "s", 0),),
            tuple(Event("a", f"e{i}", "s", i, "A", t) for i, t in enumerate(["my garden", "a cat", "a dog"])),
        )
    )
    before = store.search_text("a", "garden")
    store.write(
        Batch("b", (Session("b", "s", 0),), tuple(Event("b", f"e{i}", "s", i, "B", "garden garden") for i in range(50)))
    )
    assert store.search_text("a", "garden") == before
    assert store.search_text("c", "garden") == []
    store.close()


def test_an_empty_file_is_a_new_empty_store(tmp_path: Path) -> None:
    # SQLite takes a 0-byte file for an empty database: a writable open made it a store, while a read-only
    # open (every reading command) called it "an SQLite database of another program".
    d = tmp_path / "store"
    d.mkdir()
    (d / DB_FILENAME).write_bytes(b"")
    store = EmbeddedStore.open(d, read_only=True)
    try:
        assert store.namespaces() == [] and store.stats().events == 0
        assert list(store.iter_events("n")) == [] and store.last_positions("n") == {}
        assert store.refresh() == {}
    finally:
        store.close()
    assert sorted(p.name for p in d.iterdir()) == [DB_FILENAME]  # nothing written, nothing created
    assert (d / DB_FILENAME).stat().st_size == 0
    _write_one(d)  # a writable open makes it a store
    store = EmbeddedStore.open(d, read_only=True)
    try:
        assert store.get_event("n", "e").text == "kept"
    finally:
        store.close()
