"""A store written before turn prints were kept (graphmem of 2 Dec 2026), its input re-ingested unchanged
and then grown by one turn: the embedded twin of the Bolt test
(tests/neo4j/test_schema_upgrade.py, ``before-turn-prints``), so both backends do the same."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from graphmem.errors import IngestWarning
from graphmem.ingest import ingest
from graphmem.memory import Memory
from graphmem.store.embedded import DB_FILENAME
from tests.ingest.fakes import FakeEmbedder, FakeExtractor, keep

TEXT = """## Session 1 — 3 March 2024
Kai: I moved to Porto last year.
Noor: Porto is lovely. I work at Initech now.

## Session 2 — 10 March 2024
Kai: I adopted a dog called Biscuit.
Noor: Biscuit is a great name.
"""


def test_a_grown_file_of_a_store_without_prints_is_redone_whole_naming_the_new_turn(tmp_path: Path) -> None:
    path = tmp_path / "talk.txt"
    path.write_text(TEXT, encoding="utf-8")
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        assert ingest(memory, path, namespace="talk", extractor=FakeExtractor(), resolver=keep).events == 4
    conn = sqlite3.connect(tmp_path / "db" / DB_FILENAME)
    with conn:
        assert conn.execute("DELETE FROM sources WHERE key LIKE '%#turns@%'").rowcount >= 1
    conn.close()
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        summary = ingest(memory, path, namespace="talk", extractor=FakeExtractor(), resolver=keep)
        assert (summary.events, summary.files_skipped) == (0, 1), summary
        path.write_text(TEXT + "Kai: Biscuit loves the beach.\n", encoding="utf-8")
        with pytest.warns(IngestWarning, match=r"kept no turn prints, holds no event of ev:talk/session_2:3"):
            summary = ingest(memory, path, namespace="talk", extractor=FakeExtractor(), resolver=keep)
        assert (summary.turns, summary.events, summary.events_retracted) == (5, 5, 4), summary
        assert len(list(memory.store.iter_events("talk"))) == 5
