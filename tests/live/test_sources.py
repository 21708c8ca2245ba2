"""A file's identity is its resolved path (plus its content): two files never overwrite each other."""

from __future__ import annotations

import json
from pathlib import Path

from graphmem import Memory
from graphmem.ingest import ingest
from tests.ingest.fakes import FakeEmbedder, FakeExtractor

LOCOMO_STYLE = Path(__file__).resolve().parents[2] / "data" / "locomo_style.json"


def _edited_copy(path: Path) -> None:
    doc = json.loads(LOCOMO_STYLE.read_text(encoding="utf-8"))
    for sample in doc if isinstance(doc, list) else [doc]:
        for key, turns in sample["conversation"].items():
            if key.startswith("session_") and isinstance(turns, list):
                for turn in turns:
                    turn["text"] += " (edited)"
    path.write_text(json.dumps(doc), encoding="utf-8")


def test_same_sample_id_in_two_files_keeps_both(tmp_path: Path) -> None:
    original = tmp_path / "a" / "conv.json"
    copy = tmp_path / "b" / "copy.json"
    original.parent.mkdir()
    copy.parent.mkdir()
    original.write_bytes(LOCOMO_STYLE.read_bytes())
    _edited_copy(copy)
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem:
        first = ingest(mem, original, extractor=FakeExtractor())
        (ns,) = first.namespaces
        second = ingest(mem, copy, extractor=FakeExtractor())
        assert second.namespaces == [ns] and second.events == first.events
        events = list(mem.store.iter_events(ns))
        assert len(events) == 2 * first.events  # the copy did not replace the original's turns
        assert sum("(edited)" in e.text for e in events) == first.events
        assert {e.source_file for e in events} == {str(original.resolve()), str(copy.resolve())}
        # both are now unchanged: re-ingesting either is a no-op that loses nothing
        assert ingest(mem, original, extractor=FakeExtractor()).files_skipped == 1
        assert ingest(mem, copy, extractor=FakeExtractor()).files_skipped == 1
        assert mem.stats(ns).events == 2 * first.events
