"""Ingestion with the real spaCy extractor and entity resolver (a fake embedder keeps it fast)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from graphmem.ingest import ingest
from graphmem.memory import Memory

from .conftest import DATA, LOCOMO_DEV
from .fakes import FakeExtractor, keep

needs_locomo = pytest.mark.skipif(not LOCOMO_DEV.exists(), reason=f"LoCoMo dev data not found at {LOCOMO_DEV}")


def test_samples_give_events_entities_facts_and_times(memory: Memory, spacy_extractor: Any) -> None:
    summary = ingest(memory, DATA, extractor=spacy_extractor)
    assert (summary.files_ok, summary.files_failed) == (4, 0), summary.errors
    assert summary.events == summary.turns == 67
    assert summary.entities > 0 and summary.facts > 0
    names = {e.name for e in memory.store.iter_entities("priya-tomas")}
    assert {"Priya", "Tomás"} <= names
    assert any("Lumen Robotics" in n for n in names)
    [moved] = memory.store.find_events_by_source("priya-tomas", "D3:4")
    assert moved.occurred_at is not None and moved.occurred_at.date().isoformat() == "2024-04-28"
    assert any(t.phrase == "yesterday" and t.resolved for t in moved.times)


def test_speakers_are_linked(memory: Memory, spacy_extractor: Any) -> None:
    ingest(memory, DATA / "chat_export.json", extractor=spacy_extractor, embed=False)
    speakers = {
        memory.store.get_entity("chat_export", entity_id).name  # type: ignore[union-attr]
        for _event, entity_id, role in memory.store.iter_mentions("chat_export")
        if role == "speaker"
    }
    assert speakers == {"Dana", "Ava"}


def test_reingest_with_real_extractor_is_a_no_op(memory: Memory, spacy_extractor: Any) -> None:
    ingest(memory, DATA / "transcript.txt", extractor=spacy_extractor)
    before = memory.stats().as_dict()
    again = ingest(memory, DATA / "transcript.txt", extractor=spacy_extractor)
    assert (again.files_skipped, again.files_ok) == (1, 0)
    assert memory.stats().as_dict() == before


@needs_locomo
def test_locomo_dev_one_event_per_turn_sessions_in_date_order(memory: Memory) -> None:
    raw = json.loads(LOCOMO_DEV.read_text(encoding="utf-8"))
    summary = ingest(memory, LOCOMO_DEV, extractor=FakeExtractor(), resolver=keep, embed=False)
    assert summary.files_ok == 1 and summary.turns == summary.events == 2760
    assert memory.namespaces() == sorted(s["sample_id"] for s in raw)
    for sample in raw:
        ns, conv = sample["sample_id"], sample["conversation"]
        dia_ids = [t["dia_id"] for k, v in conv.items() if isinstance(v, list) for t in v]
        events = list(memory.store.iter_events(ns))
        assert sorted(e.source_id or "" for e in events) == sorted(dia_ids)
        for dia_id in (dia_ids[0], dia_ids[-1]):
            assert len(memory.store.find_events_by_source(ns, dia_id)) == 1
        sessions = list(memory.store.iter_sessions(ns))
        starts = [s.started_at for s in sessions]
        assert None not in starts and starts == sorted(starts)  # type: ignore[type-var]
        assert [s.index for s in sessions] == list(range(len(sessions)))


@needs_locomo
def test_locomo_conversation_with_spacy(memory: Memory, spacy_extractor: Any, tmp_path: Path) -> None:
    raw = json.loads(LOCOMO_DEV.read_text(encoding="utf-8"))
    one = tmp_path / "conv.json"  # a temporary copy of one conversation (the data stays out of the repo)
    one.write_text(json.dumps([raw[1]]), encoding="utf-8")
    ns = raw[1]["sample_id"]
    summary = ingest(memory, one, extractor=spacy_extractor)
    assert summary.files_ok == 1, summary.errors
    events = list(memory.store.iter_events(ns))
    assert len(events) == summary.turns == sum(len(v) for v in raw[1]["conversation"].values() if isinstance(v, list))
    assert all(e.occurred_at is not None and e.source_id for e in events)
    assert [e.occurred_at for e in events] == sorted(e.occurred_at for e in events)  # type: ignore[type-var]
    conv = raw[1]["conversation"]
    speakers = {conv["speaker_a"], conv["speaker_b"]}
    people = {e.name for e in memory.store.iter_entities(ns) if e.type == "Person"}
    assert speakers <= people
    assert any(e.times for e in events) and memory.stats(ns).facts > 0


def _contents(mem: Memory) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for ns in mem.namespaces():
        store = mem.store
        out[ns] = {
            "sessions": list(store.iter_sessions(ns)),
            "events": list(store.iter_events(ns)),
            "entities": sorted(store.iter_entities(ns), key=lambda e: e.id),
            "facts": sorted(store.iter_facts(ns), key=lambda f: f.id),
            "mentions": sorted(store.iter_mentions(ns)),
            "embeddings": sorted((i, [round(x, 6) for x in v], m) for i, v, m in store.iter_embeddings(ns)),
        }
    return out


def test_workers_write_the_store_the_serial_path_writes(tmp_path: Path, nlp: Any) -> None:
    """Extraction and embedding in two worker processes, resolution and writing here: the same store,
    every event, entity, fact, mention and vector, as extracting and embedding in this process."""
    from datetime import datetime

    from graphmem.extract.pipeline import SpacyExtractor

    from .fakes import FakeEmbedder

    now = datetime(2025, 1, 1)  # facts from undated turns are recorded "now": the same now for both runs
    stores = []
    for workers in (1, 2):
        with Memory.open(tmp_path / f"db{workers}", embedder=FakeEmbedder()) as mem:
            extractor = SpacyExtractor(nlp if workers == 1 else None, now=now)
            summary = ingest(mem, DATA, extractor=extractor, workers=workers)
            assert summary.files_ok == 4, summary.errors
            stores.append(_contents(mem))
    assert stores[0] == stores[1]
    assert sum(len(ns["embeddings"]) for ns in stores[0].values()) == 67


def test_two_spacy_workers_match_one(tmp_path: Path, spacy_extractor: Any) -> None:
    results = []
    for workers in (1, 2):
        with Memory.open(tmp_path / f"db{workers}") as mem:
            extractor = "spacy" if workers > 1 else spacy_extractor  # by name: each worker loads its own
            summary = ingest(mem, DATA, extractor=extractor, workers=workers, embed=False)
            assert summary.files_ok == 4, summary.errors
            results.append(
                {ns: ([e.id for e in mem.store.iter_events(ns)], mem.stats(ns).facts) for ns in mem.namespaces()}
            )
    assert results[0] == results[1]


@pytest.mark.slow
@needs_locomo
def test_locomo_dev_full_with_two_workers(memory: Memory) -> None:
    summary = ingest(memory, LOCOMO_DEV, extractor="spacy", workers=2, embed=False)
    assert summary.files_ok == 1 and summary.events == 2760, summary.errors
    assert summary.facts > 0 and summary.entities > 0
