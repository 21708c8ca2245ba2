"""A store from before the ``generations`` counters keeps its namespaces when upgraded (store/freshness.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from graphmem.models import Batch, Event, Session
from graphmem.store import freshness
from graphmem.store.embedded import DB_FILENAME, EmbeddedStore
from tests.support.old_schema import downgrade_to_schema_2, drop_generations


def _store(where: Path) -> None:
    store = EmbeddedStore.open(where)
    store.write(Batch("t", (Session("t", "s", 0),), (Event("t", "e", "s", 1, "Carol", "I moved to Bristol."),)))
    store.write(Batch("u", (Session("u", "s", 0),), (Event("u", "e", "s", 1, "Dana", "Hello there."),)))
    store.close()


def _counters(where: Path) -> dict[str, int]:
    conn = sqlite3.connect(where / DB_FILENAME)
    try:
        return dict(conn.execute("SELECT ns, gen FROM generations").fetchall())
    finally:
        conn.close()


def test_a_store_from_before_the_counters_lists_its_namespaces_after_the_upgrade(tmp_path: Path) -> None:
    # The upgrade created an empty generations table, and namespaces() read only it: the store's
    # namespaces vanished from `namespaces`, `export` and `query` while stats still counted their rows.
    where = tmp_path / "old"
    _store(where)
    drop_generations(where)
    downgrade_to_schema_2(where)
    store = EmbeddedStore.open(where)
    try:
        assert store.namespaces() == ["t", "u"]
    finally:
        store.close()
    assert set(_counters(where)) == {"t", "u"}


def test_a_store_upgraded_without_counter_rows_is_mended_on_open(tmp_path: Path) -> None:
    where = tmp_path / "wrong"
    _store(where)
    conn = sqlite3.connect(where / DB_FILENAME)
    conn.execute("DELETE FROM generations")  # as the faulty upgrade left it (which wrote no marker)
    conn.execute("DELETE FROM meta WHERE key = 'generations_complete'")
    conn.commit()
    conn.close()
    read_only = EmbeddedStore.open(where, read_only=True)  # reads the rows, whatever the counters say
    try:
        assert read_only.namespaces() == ["t", "u"]
    finally:
        read_only.close()
    assert _counters(where) == {}  # a read-only open writes nothing
    EmbeddedStore.open(where).close()
    assert set(_counters(where)) == {"t", "u"}


def test_the_mend_looks_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every writable open looked for namespaces without a counter row: a few index probes per namespace,
    # 0.3 s to 2.5 s an open at 20,000 namespaces. The mend now leaves a marker and is not done again.
    where = tmp_path / "wrong"
    _store(where)
    conn = sqlite3.connect(where / DB_FILENAME)
    conn.execute("DELETE FROM generations WHERE ns = 'u'")
    conn.execute("DELETE FROM meta WHERE key = 'generations_complete'")
    conn.commit()
    conn.close()
    looks: list[tuple[str, ...]] = []
    probe = freshness.namespaces_in

    def counted(conn: sqlite3.Connection, tables: tuple[str, ...] = freshness._TRACKED) -> set[str]:
        looks.append(tables)
        return probe(conn, tables)

    monkeypatch.setattr(freshness, "namespaces_in", counted)
    EmbeddedStore.open(where).close()
    assert looks and set(_counters(where)) == {"t", "u"}  # mended
    looks.clear()
    EmbeddedStore.open(where).close()
    EmbeddedStore.open(tmp_path / "new").close()  # a new store is made with the marker
    EmbeddedStore.open(tmp_path / "new").close()
    assert len(looks) == 1  # the new store's making only: no open of a mended store looks again
