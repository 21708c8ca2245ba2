"""What an operator reads when the disk is full or the vector files cannot be saved (ops tester's findings):
the store's path and the fix, and no traceback for a cache that could not be written."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from graphmem.errors import StoreError, VectorIndexError
from graphmem.memory import Memory
from graphmem.models import Batch, Event, Session
from graphmem.store.embedded import EmbeddedStore
from graphmem.vector_index import VectorIndex
from tests.ingest.fakes import FakeEmbedder


def test_a_full_disk_names_the_store_and_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = EmbeddedStore.open(tmp_path / "db")
    real = store._conn

    class FullDisk:
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def execute(self, sql: str, *args: Any) -> Any:
            if sql.lstrip().upper().startswith("INSERT"):
                raise sqlite3.OperationalError("database or disk is full")
            return real.execute(sql, *args)

        def executemany(self, sql: str, *args: Any) -> Any:
            raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store, "_conn", FullDisk())
    ts = __import__("datetime").datetime(2024, 1, 1)
    batch = Batch(
        "dana", sessions=(Session("dana", "s", 0, ts),), events=(Event("dana", "e", "s", 0, "Dana", "hi", ts),)
    )
    with pytest.raises(StoreError) as caught:
        store.write(batch)
    message = str(caught.value)
    assert f"write to namespace 'dana' of {store.directory} failed, nothing was stored" in message
    assert message.endswith("database or disk is full; free space on its disk and run it again")
    monkeypatch.undo()
    store.close()


def test_vectors_that_cannot_be_saved_on_close_are_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    mem = Memory.open(tmp_path / "db", embedder=FakeEmbedder())
    store = mem.store
    mem.vectors  # noqa: B018 - opens the index, as a recall does

    def fails(self: VectorIndex, *, save: bool = True) -> None:
        raise VectorIndexError("cannot write the vectors of 'dana' to /x: [Errno 13] Permission denied")

    monkeypatch.setattr(VectorIndex, "close", fails)
    with caplog.at_level(logging.WARNING, logger="graphmem.memory"):
        mem.close()  # raised from inside `with Memory.open(...)`, after a recall that worked
    assert "Permission denied; the vector index is built again from the store when next opened" in caplog.text
    assert store._closed  # type: ignore[attr-defined]  # the store was closed all the same
