"""A store written before the ``positions`` table (event ids never given twice) gets it on a writable open."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from graphmem.memory import Memory
from tests.ingest.fakes import FakeEmbedder


def test_a_store_without_the_positions_table_is_upgraded_on_open(tmp_path: Path) -> None:
    with Memory.open(tmp_path, embedder=FakeEmbedder()) as memory:  # type: ignore[arg-type]
        ids = memory.add([{"speaker": "Ann", "text": "One."}, {"speaker": "Ann", "text": "Two."}], namespace="a")
        memory.forget("a", ids[1])
    conn = sqlite3.connect(tmp_path / "graphmem.sqlite3")
    conn.execute("DROP TABLE positions")  # as a store written before it had none
    conn.commit()
    conn.close()
    # review: adding, ingesting and deleting a namespace failed with "no such table: positions"
    with Memory.open(tmp_path, embedder=FakeEmbedder()) as memory:  # type: ignore[arg-type]
        (new,) = memory.add({"speaker": "Ann", "text": "Three."}, namespace="a")
        assert new not in ids[:1]
        assert [e.text for e in memory.store.iter_events("a")] == ["One.", "Three."]
        memory.forget("a")
        assert "a" not in memory.namespaces()
