"""A turn forgotten in a store written before turn prints were kept (graphmem of 2 Dec 2026) stays
forgotten when the file is redone whole (a new extractor version): a gap in the stored turn numbers is
held back; a turn that cannot be told from one added since is written, with a warning naming it."""

from __future__ import annotations

import json
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


def _old_store(
    tmp_path: Path, text: str = TEXT, name: str = "chat.txt", forget: tuple[int, ...] = (2, 4), session: str = ""
) -> tuple[Path, Path]:
    """The file ingested, the turns ``forget`` (of ``session``, or of every session) forgotten, and the turn
    prints taken out (as before them)."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    where = tmp_path / "db"
    with Memory.open(where, embedder=FakeEmbedder()) as memory:
        assert ingest(memory, path, namespace="t", extractor=FakeExtractor(), resolver=keep).ok
        for e in list(memory.store.iter_events("t")):
            if e.seq in forget and e.session.endswith(session):
                memory.forget("t", e.id)
    conn = sqlite3.connect(where / DB_FILENAME)
    assert conn.execute("DELETE FROM sources WHERE key LIKE '%#turns@%'").rowcount >= 1
    conn.commit()
    conn.close()
    return where, path


def test_a_gap_stays_forgotten_and_a_last_turn_is_named(tmp_path: Path) -> None:
    where, path = _old_store(tmp_path)
    with Memory.open(where, embedder=FakeEmbedder()) as memory:
        with pytest.warns(IngestWarning) as seen:
            summary = ingest(memory, path, namespace="t", extractor=NewExtractor(), resolver=keep)
        said = [str(w.message) for w in seen]
        # the gap held back is named (it may have been edited since), the last turn written and named
        assert any(m.startswith(f"{path}:2: ") and "ev:chat/session_1:2: between stored turns" in m for m in said)
        assert any(m.startswith(f"{path}:4: ") and "ev:chat/session_1:4: forgotten then" in m for m in said)
        assert not any("(line" in m for m in said)  # the line is the warning's place, not said twice
        assert summary.ok and summary.events_retracted == 2
        assert _texts(memory) == ["hello", "how are you", "the code is 4417"]
        path.write_text(TEXT.replace("hello", "hello there"), encoding="utf-8")  # redone from turn 1 again
        assert ingest(memory, path, namespace="t", extractor=NewExtractor(), resolver=keep).ok
        assert _texts(memory) == ["hello there", "how are you", "the code is 4417"]


def test_a_session_changed_since_is_written_whole_with_a_warning(tmp_path: Path) -> None:
    where, path = _old_store(tmp_path)
    path.write_text(TEXT.replace("how are you", "how are you doing"), encoding="utf-8")
    with Memory.open(where, embedder=FakeEmbedder()) as memory:
        with pytest.warns(IngestWarning, match=r":2: .*ev:chat/session_1:2, ev:chat/session_1:4 \(line 4\): forgotten"):
            assert ingest(memory, path, namespace="t", extractor=NewExtractor(), resolver=keep).ok
        assert len(_texts(memory)) == 4


def test_a_gap_is_found_beside_a_picture_turn_and_a_padded_turn(tmp_path: Path) -> None:
    # The stored text was compared with "{text} [image: {caption}]", unstripped; extraction stores
    # "{text} [shares a photo: {caption}]", stripped: such a session never matched and the gap was written back.
    records = [
        {"speaker": "Ana", "text": "look at this", "caption": "a red door"},
        {"speaker": "Bo", "text": "my secret is Zorblax"},
        {"speaker": "Ana", "text": "  how are you  "},
        {"speaker": "Bo", "text": "fine"},
    ]
    text = "".join(json.dumps(r) + "\n" for r in records)
    where, path = _old_store(tmp_path, text, "chat.jsonl", forget=(2,))
    with Memory.open(where, embedder=FakeEmbedder()) as memory:
        before = _texts(memory)
        assert before == ["look at this [shares a photo: a red door]", "how are you", "fine"]
        with pytest.warns(IngestWarning, match="between stored turns"):
            assert ingest(memory, path, namespace="t", extractor=NewExtractor(), resolver=keep).ok
        assert _texts(memory) == before


def test_a_session_forgotten_whole_is_named(tmp_path: Path) -> None:
    text = "## Session 1\nAna: hello\nBo: one\n## Session 2\nAna: secret A\nBo: secret B\n"
    where, path = _old_store(tmp_path, text, forget=(1, 2), session="session_2")
    with Memory.open(where, embedder=FakeEmbedder()) as memory:
        with pytest.warns(
            IngestWarning, match=r":5: session chat/session_2: .* ev:chat/session_2:1, ev:chat/session_2:2"
        ):
            assert ingest(memory, path, namespace="t", extractor=NewExtractor(), resolver=keep).ok
        assert len(_texts(memory)) == 4  # written back (it may be new), and named so it can be forgotten again


def test_a_forgotten_turn_edited_since_is_named_when_held_back(tmp_path: Path) -> None:
    # Nothing stored says what the forgotten turn said: the gap rule holds back the edited turn too, and
    # said nothing of it, against "a turn whose text was edited is written again".
    where, path = _old_store(tmp_path, forget=(2,))
    path.write_text(TEXT.replace("my secret is Zorblax", "I moved to Paris"), encoding="utf-8")
    with Memory.open(where, embedder=FakeEmbedder()) as memory:
        with pytest.warns(
            IngestWarning, match=r":2: .*ev:chat/session_1:2: between stored turns.*edit that turn again"
        ):
            assert ingest(memory, path, namespace="t", extractor=NewExtractor(), resolver=keep).ok
        assert "I moved to Paris" not in _texts(memory)
        path.write_text(TEXT.replace("my secret is Zorblax", "I moved to Rome"), encoding="utf-8")
        assert ingest(memory, path, namespace="t", extractor=NewExtractor(), resolver=keep).ok
        assert "I moved to Rome" in _texts(memory)  # edited again: written
