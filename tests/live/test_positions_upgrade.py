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


def test_a_store_without_the_forgotten_live_table_opens_and_protects_from_then_on(tmp_path: Path) -> None:
    """A store written before the ``forgotten_live`` table (the places of forgotten live messages, whose ids
    an ingested file must not give again) reads as recording none, also opened read-only and exported; a
    writable open adds the table, and forgetting records from then on."""
    from graphmem.export import dump_namespace
    from tests.ingest.test_live_ids import message
    from tests.support.messages import NS, jsonl, live, run

    with Memory.open(tmp_path, embedder=FakeEmbedder()) as memory:  # type: ignore[arg-type]
        path = jsonl(tmp_path / "ana.jsonl", [message(n) for n in range(1, 4)])
        run(memory, path)
        assert live(memory, [message(6, text="live six")]) == ["ev:session_1:4"]
    conn = sqlite3.connect(tmp_path / "graphmem.sqlite3")
    conn.execute("DROP TABLE forgotten_live")  # as a store written before it had none
    conn.commit()
    conn.close()
    with Memory.open(tmp_path, embedder=FakeEmbedder(), read_only=True) as memory:  # type: ignore[arg-type]
        assert memory.store.forgotten_live(NS) == {}  # type: ignore[attr-defined]
        assert dump_namespace(memory.store, NS).forgotten_live == ()
    with Memory.open(tmp_path, embedder=FakeEmbedder()) as memory:  # type: ignore[arg-type]
        memory.forget(NS, "ev:session_1:4")
        assert memory.store.forgotten_live(NS) == {"session_1": frozenset({4})}  # type: ignore[attr-defined]
        jsonl(path, [message(n) for n in range(1, 6)])
        assert run(memory, path).files_ok == 1
        assert [e.source_id for e in memory.store.iter_events(NS)] == ["m1", "m2", "m3", "m4", "m5"]
        assert memory.store.get_event(NS, "ev:session_1:4") is None
