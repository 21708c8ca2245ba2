"""A turn forgotten in a store written before turn prints were kept (graphmem of 2 Dec 2026) stays
forgotten when the file is redone whole (a new extractor version): a gap in the stored turn numbers is
held back; a turn that cannot be told from one added since is written, with a warning naming it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from graphmem.errors import IngestWarning
from graphmem.ingest import ingest
from graphmem.memory import Memory
from graphmem.store.embedded import DB_FILENAME

from .fakes import FakeEmbedder, FakeExtractor, keep

TEXT = "Ana: hello\nBo: my secret is Zorblax\nAna: how are you\nBo: the code is 4417\n"


class NewExtractor(FakeExtractor):
    version = "2"


def _texts(memory: Memory) -> list[str]:
    return [e.text for e in sorted(memory.store.iter_events("t"), key=lambda e: e.seq)]


def _old_store(tmp_path: Path, text: str = TEXT) -> tuple[Path, Path]:
    """The file ingested, its 2nd and 4th turns forgotten, and the turn prints taken out (as before them)."""
    path = tmp_path / "chat.txt"
    path.write_text(text, encoding="utf-8")
    where = tmp_path / "db"
    with Memory.open(where, embedder=FakeEmbedder()) as memory:
        assert ingest(memory, path, namespace="t", extractor=FakeExtractor(), resolver=keep).ok
        for e in list(memory.store.iter_events("t")):
            if e.seq in (2, 4):
                memory.forget("t", e.id)
    conn = sqlite3.connect(where / DB_FILENAME)
    assert conn.execute("DELETE FROM sources WHERE key LIKE '%#turns@%'").rowcount == 1
    conn.commit()
    conn.close()
    return where, path


def test_a_gap_stays_forgotten_and_a_last_turn_is_named(tmp_path: Path) -> None:
    where, path = _old_store(tmp_path)
    with Memory.open(where, embedder=FakeEmbedder()) as memory:
        with pytest.warns(IngestWarning, match=r"holds no event of ev:chat/session_1:4 \(line 4\)"):
            summary = ingest(memory, path, namespace="t", extractor=NewExtractor(), resolver=keep)
        assert summary.ok and summary.events_retracted == 2
        assert _texts(memory) == ["hello", "how are you", "the code is 4417"]
        path.write_text(TEXT.replace("hello", "hello there"), encoding="utf-8")  # redone from turn 1 again
        assert ingest(memory, path, namespace="t", extractor=NewExtractor(), resolver=keep).ok
        assert _texts(memory) == ["hello there", "how are you", "the code is 4417"]


def test_a_session_changed_since_is_written_whole_with_a_warning(tmp_path: Path) -> None:
    where, path = _old_store(tmp_path)
    path.write_text(TEXT.replace("how are you", "how are you doing"), encoding="utf-8")
    with Memory.open(where, embedder=FakeEmbedder()) as memory:
        with pytest.warns(IngestWarning, match=r"ev:chat/session_1:2 \(line 2\), ev:chat/session_1:4"):
            assert ingest(memory, path, namespace="t", extractor=NewExtractor(), resolver=keep).ok
        assert len(_texts(memory)) == 4
