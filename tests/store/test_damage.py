"""A store whose database file was damaged after it was written: every call raises a StoreError naming the
store (never a raw sqlite3 error), and nothing is written to the file."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graphmem import Memory
from graphmem.errors import CorruptStoreError, StoreError
from graphmem.models import Batch, Entity, Event, Mention, Session
from graphmem.store.embedded import DB_FILENAME, EmbeddedStore
from tests.ingest.fakes import FakeEmbedder


def _fill(path: Path) -> None:
    with Memory.open(path, embedder=FakeEmbedder()) as mem:
        for ns in ("n", "m"):
            events = [Event(ns, f"e{i}", "s", i, "Dana", f"Dana walked the dog, day {i}. " * 8) for i in range(200)]
            dana = Entity(ns, "ent:dana", "Dana", "Person")
            mem.add_events(events, namespace=ns, entities=[dana], mentions=[Mention(ns, "e0", "ent:dana", "speaker")])


def _damage(path: Path, table: str = "events") -> bytes:
    """Overwrite the root pages of ``table`` and its indexes with garbage, as a bad disk or a stray write
    would; the file's bytes then."""
    db = path / DB_FILENAME
    conn = sqlite3.connect(db)
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    roots = [r for (r,) in conn.execute("SELECT rootpage FROM sqlite_master WHERE tbl_name = ?", (table,)) if r]
    conn.close()
    data = bytearray(db.read_bytes())
    for root in roots:
        data[(root - 1) * page : root * page] = b"\xde\xad\xbe\xef" * (page // 4)
    db.write_bytes(bytes(data))
    return bytes(data)


@pytest.fixture
def damaged(tmp_path: Path) -> tuple[Path, bytes]:
    path = tmp_path / "mem"
    _fill(path)
    return path, _damage(path)


_READS: dict[str, Callable[[Memory], Any]] = {
    "stats": lambda mem: mem.stats(),
    "stats n": lambda mem: mem.stats("n"),
    "namespaces": lambda mem: mem.namespaces(),
    "timeline": lambda mem: mem.timeline("Dana", namespace="n"),
    "facts": lambda mem: mem.facts(namespace="n"),
    "context": lambda mem: mem.context("Where did Dana walk?", namespace="n"),
    "recall": lambda mem: mem.recall("dog", namespace="n"),
    "query": lambda mem: mem.query("FIND (e:Event) RETURN e.text", namespace="n"),
    "events": lambda mem: list(mem.store.iter_events("n")),
}

_WRITES: dict[str, Callable[[Memory], Any]] = {
    "add_events": lambda mem: mem.add_events([Event("n", "new", "s", 500, "Dana", "One more.")], namespace="n"),
    "write": lambda mem: mem.write(
        Batch("fresh", (Session("fresh", "s", 0),), (Event("fresh", "x", "s", 0, "A", "hi"),))
    ),
    "forget": lambda mem: mem.forget("n"),
}


@pytest.mark.parametrize("read_only", [False, True])
def test_every_call_on_a_damaged_store_names_it_and_writes_nothing(
    damaged: tuple[Path, bytes], read_only: bool
) -> None:
    # Reads raised raw sqlite3.DatabaseError ("database disk image is malformed") from count_rows, or from the
    # COMMIT that ended a failed namespace load; writes went ahead on the file.
    path, data = damaged
    failed = set()
    with Memory.open(path, embedder=FakeEmbedder(), read_only=read_only) as mem:
        for name, call in {**_READS, **({} if read_only else _WRITES)}.items():
            try:
                call(mem)
            except StoreError as exc:
                assert str(path) in str(exc), (name, str(exc))
                assert isinstance(exc, CorruptStoreError), (name, str(exc))
                failed.add(name)
    assert set(_READS) <= failed  # these read the events table
    if not read_only:
        assert set(_WRITES) <= failed  # refused: the store met damage before, or meets it now
    assert (path / DB_FILENAME).read_bytes() == data
    wal = path / (DB_FILENAME + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_a_write_is_refused_once_damage_is_seen(damaged: tuple[Path, bytes]) -> None:
    path, data = damaged
    store = EmbeddedStore.open(path)
    try:
        with pytest.raises(CorruptStoreError, match="is damaged"):
            list(store.iter_events("n"))
        # a write that reads nothing damaged is refused all the same: the file is known to be damaged
        with pytest.raises(CorruptStoreError, match=str(path)):
            store.write(Batch("fresh", (Session("fresh", "s", 0),)))
    finally:
        store.close()
    assert (path / DB_FILENAME).read_bytes() == data


def test_after_a_failed_load_what_is_intact_still_reads(damaged: tuple[Path, bytes]) -> None:
    # The load's read transaction ended with a COMMIT in a finally clause: on a damaged file it raised over the
    # real error, and left the transaction open, so the next read failed with "cannot start a transaction
    # within a transaction".
    path, _ = damaged
    store = EmbeddedStore.open(path, read_only=True)
    try:
        with pytest.raises(CorruptStoreError):
            store.get_event("n", "e1")
        assert not store._conn.in_transaction
        assert "n" not in store.loaded
        # a damaged table is never passed over: the namespaces listed without it would be short of some
        with pytest.raises(CorruptStoreError, match="is damaged"):
            store.namespaces()
        assert store.last_positions("m") == {"s": 199}
    finally:
        store.close()


def test_other_sqlite_errors_name_the_store_too(tmp_path: Path) -> None:
    path = tmp_path / "mem"
    _fill(path)
    conn = sqlite3.connect(path / DB_FILENAME)
    conn.execute("DROP TABLE positions")  # another program's doing
    conn.commit()
    conn.close()
    store = EmbeddedStore.open(path, read_only=True)
    try:
        with pytest.raises(StoreError, match=f"^the store at {path} failed: no such table: positions") as info:
            store.last_positions("n")
        assert not isinstance(info.value, CorruptStoreError)
        assert store.namespaces() == ["m", "n"]
    finally:
        store.close()


@pytest.mark.parametrize("read_only", [False, True])
def test_a_truncated_store_is_damaged_however_it_is_opened(tmp_path: Path, read_only: bool) -> None:
    # the writable open said only StoreError ("not a graphmem store") where the read-only one said damage
    path = tmp_path / "mem"
    _fill(path)
    db = path / DB_FILENAME
    data = db.read_bytes()[: db.stat().st_size // 2]
    db.write_bytes(data)
    with pytest.raises(CorruptStoreError, match=str(path)):
        Memory.open(path, embedder=FakeEmbedder(), read_only=read_only).close()
    assert db.read_bytes() == data


class _OtherEmbedder(FakeEmbedder):
    name = "other-fake-embedder"  # every stored vector is stale for it


@pytest.mark.parametrize("table", ["positions", "sources"])
def test_a_write_that_reads_no_damaged_page_is_refused_all_the_same(tmp_path: Path, table: str) -> None:
    # reembed read no page of these tables before it rewrote every vector of the damaged store: it said
    # "re-embedded" and changed the file
    path = tmp_path / "mem"
    _fill(path)
    data = _damage(path, table)
    with Memory.open(path, embedder=_OtherEmbedder()) as mem:
        with pytest.raises(CorruptStoreError, match=f"^the store at {path} is damaged") as info:
            mem.reembed("n")
        assert "\n" not in str(info.value)
        with pytest.raises(CorruptStoreError, match=str(path)):  # refused from then on, without a second check
            mem.write(Batch("fresh", (Session("fresh", "s", 0),)))
    assert (path / DB_FILENAME).read_bytes() == data


def test_a_file_above_the_bound_is_not_checked_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the whole-file check is O(file): a large store's first write must not wait for it
    import graphmem.store.embedded as embedded

    path = tmp_path / "mem"
    _fill(path)
    _damage(path, "sources")
    monkeypatch.setattr(embedded, "DAMAGE_CHECK_MAX_BYTES", 1024)
    with Memory.open(path, embedder=FakeEmbedder()) as mem:
        mem.write(Batch("fresh", (Session("fresh", "s", 0),), (Event("fresh", "x", "s", 0, "A", "hi"),)))
        assert mem.store.get_event("fresh", "x") is not None


@pytest.mark.parametrize("read_only", [False, True])
def test_a_damaged_meta_table_is_damage_not_a_foreign_file(tmp_path: Path, read_only: bool) -> None:
    # both opens said "... is not a graphmem store (corrupt, or not an SQLite database)" for graphmem's own
    # table, damaged
    path = tmp_path / "mem"
    _fill(path)
    data = _damage(path, "meta")
    with pytest.raises(CorruptStoreError, match=f"^the store at {path} is damaged"):
        EmbeddedStore.open(path, read_only=read_only).close()
    assert (path / DB_FILENAME).read_bytes() == data


def test_an_older_store_damaged_anywhere_is_not_upgraded(tmp_path: Path) -> None:
    # the upgrade to the current schema rewrote the file when it read no damaged page
    path = tmp_path / "mem"
    _fill(path)
    conn = sqlite3.connect(path / DB_FILENAME)
    conn.execute("PRAGMA user_version = 5")  # an older graphmem's store: opening for writing upgrades it
    conn.close()
    data = _damage(path, "positions")
    with pytest.raises(CorruptStoreError, match=f"^the store at {path} is damaged"):
        EmbeddedStore.open(path).close()
    assert (path / DB_FILENAME).read_bytes() == data
