"""Schema 8 (5 Dec 2026): turn prints carry a speaker-free digest, which a graphmem of schema 7 reads as a
changed turn (writing a forgotten turn back), so it must refuse the store; a schema 7 store upgrades."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from graphmem.errors import SchemaVersionError
from graphmem.ingest import ingest
from graphmem.memory import Memory
from graphmem.store import readonly, sqlite_open, sqlite_rows
from graphmem.store.embedded import DB_FILENAME, EmbeddedStore

from .fakes import FakeEmbedder, FakeExtractor, keep


def _ingest(memory: Memory, path: Path) -> None:
    assert ingest(memory, path, namespace="t", extractor=FakeExtractor(), resolver=keep).ok


def _forgotten_store(tmp_path: Path) -> tuple[Path, Path]:
    """A store holding a file of three turns whose second is forgotten."""
    path = tmp_path / "chat.txt"
    path.write_text("Ana: hello\nBo: my secret is Zorblax\nAna: bye\n", encoding="utf-8")
    where = tmp_path / "db"
    with Memory.open(where, embedder=FakeEmbedder()) as memory:
        _ingest(memory, path)
        (secret,) = [e.id for e in memory.store.iter_events("t") if "Zorblax" in e.text]
        memory.forget("t", secret)
    return where, path


def test_a_graphmem_of_schema_7_refuses_a_store_this_one_wrote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    where, _ = _forgotten_store(tmp_path)
    for module in (sqlite_rows, sqlite_open, readonly):  # what a graphmem of 4 Dec (schema 7) checks
        monkeypatch.setattr(module, "SCHEMA_VERSION", 7)
    with pytest.raises(SchemaVersionError, match="newer graphmem"):
        EmbeddedStore.open(where)
    with pytest.raises(SchemaVersionError, match="newer graphmem"):
        EmbeddedStore.open(where, read_only=True)


def test_a_schema_7_store_with_prints_of_4_dec_upgrades_and_keeps_its_forgotten_turn(tmp_path: Path) -> None:
    where, path = _forgotten_store(tmp_path)
    conn = sqlite3.connect(where / DB_FILENAME)  # as graphmem of 4 Dec wrote it: prints without the digest
    rows = conn.execute("SELECT key, content_hash FROM sources WHERE key LIKE '%#turns@%'").fetchall()
    assert rows
    for key, text in rows:
        fmt, session, turns = text.split(" ")
        old = ",".join(t.split(".", 1)[0] + (":" + t.split(":", 1)[1] if ":" in t else "") for t in turns.split(","))
        conn.execute("UPDATE sources SET content_hash = ? WHERE key = ?", (f"{fmt} {session} {old}", key))
    conn.execute("PRAGMA user_version = 7")
    conn.commit()
    conn.close()
    path.write_text("Ana: hello there\nBo: my secret is Zorblax\nAna: bye\n", encoding="utf-8")  # redo from turn 1
    with Memory.open(where, embedder=FakeEmbedder()) as memory:
        _ingest(memory, path)
        texts = sorted(e.text for e in memory.store.iter_events("t"))
    assert texts == ["bye", "hello there"]
    conn = sqlite3.connect(where / DB_FILENAME)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 8
    conn.close()
