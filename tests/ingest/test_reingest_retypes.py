"""Re-ingesting an edited file types a kept entity as a live ``add`` does (:func:`graphmem.ingest_run.retype_kept`).

The first session is kept as stored: NER took Bristol in "Are you still in Bristol?" for an organisation,
and nothing said otherwise. The edited second session says "I live in Bristol": a fresh ingest of the
edited file types Bristol a place from the fact, and so does the message added live; the unit redone by
the re-ingest joined its fact to the kept organisation instead."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graphmem import EdgeType
from graphmem.ingest import ingest
from graphmem.memory import Memory
from graphmem.store.base import Direction

from .fakes import FakeEmbedder

BEFORE = """\
## Session 1 — 4 March 2023
[10:00] Grace: Hi Owen! I just got back from a trip.
[10:01] Owen: Nice. Are you still in Bristol?

## Session 2 — 5 March 2023
[10:02] Grace: Yes, near the harbour.
[10:03] Kemi: I just got a puppy named Mango! She is a beagle.
"""
AFTER = BEFORE.replace("Yes, near the harbour.", "Yes, I live in Bristol near the harbour.")


def _records(memory: Memory) -> dict[str, list[tuple[Any, ...]]]:
    store = memory.store
    events = [e.id for e in store.iter_events("g")]
    return {
        "entities": sorted((e.id, e.name, e.type) for e in store.iter_entities("g")),
        "mentions": sorted(
            (event, n.node_id)
            for event in events
            for n in store.neighbors("g", event, edge_types=[EdgeType.MENTIONS], direction=Direction.OUT)
        ),
        "facts": sorted((f.predicate, f.subject_id, f.object_id) for f in store.iter_facts("g")),
    }


def test_a_kept_entity_ner_alone_typed_is_retyped_by_the_redone_unit(tmp_path: Path, spacy_extractor: Any) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / "chat.txt"
    path.write_text(BEFORE, encoding="utf-8")
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        ingest(memory, folder, namespace="g", extractor=spacy_extractor)
        assert ("ent:organization:bristol", "Bristol", "Organization") in _records(memory)["entities"]
        path.write_text(AFTER, encoding="utf-8")
        again = ingest(memory, folder, namespace="g", extractor=spacy_extractor)
        assert again.ok and again.turns_kept == 2
        got = _records(memory)
    with Memory.open(tmp_path / "fresh", embedder=FakeEmbedder()) as fresh:
        ingest(fresh, folder, namespace="g", extractor=spacy_extractor)
        want = _records(fresh)
    assert ("ent:place:bristol", "Bristol", "Place") in want["entities"]
    assert ("lives_in", "ent:person:grace", "ent:place:bristol") in want["facts"]
    assert got == want
