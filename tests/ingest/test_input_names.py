"""What ingest makes of an input's name: namespaces of any script, and symbolic links."""

from __future__ import annotations

from pathlib import Path

from graphmem.ingest import ingest
from graphmem.memory import Memory

from .fakes import FakeExtractor, keep


def _texts(memory: Memory, ns: str) -> list[str]:
    return sorted(e.text for e in memory.store.iter_events(ns))


def test_a_file_named_in_another_script_is_ingested_into_that_namespace(memory: Memory, tmp_path: Path) -> None:
    path = tmp_path / "família.txt"
    path.write_text("Ana: olá\nBo: oi\n", encoding="utf-8")
    assert ingest(memory, path, extractor=FakeExtractor(), resolver=keep).ok
    assert memory.store.namespaces() == ["família"]
    assert _texts(memory, "família") == ["oi", "olá"]
    assert ingest(memory, path, extractor=FakeExtractor(), resolver=keep).files_skipped == 1
