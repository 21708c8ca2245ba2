"""A file redone whole (another extractor version, as after an upgrade) is typed as a fresh ingest types
it: the entities only the replaced turns named do not lend their types to the redo."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from graphmem.ingest import ingest
from graphmem.memory import Memory
from graphmem.models import Batch, Entity, Mention
from graphmem.transcript import Transcript

from .fakes import HomeExtractor


class OldExtractor(HomeExtractor):
    """An older extractor: reads ``home: Bristol`` as talk of an organisation Bristol, no fact."""

    name = "fake-home"
    version = "1"

    def extract(self, transcript: Transcript) -> Batch:
        batch = super().extract(transcript)
        ns = batch.namespace
        orgs = [
            Entity(ns, f"ent:organization:{e.name.lower()}", e.name, "Organization")
            for e in batch.entities
            if e.type == "Place"
        ]
        mentions = [
            Mention(ns, f.evidence[0], f"ent:organization:{f.object_id.split(':')[-1]}", "mentioned")
            for f in batch.facts
        ]
        people = tuple(e for e in batch.entities if e.type != "Place")
        return replace(batch, entities=(*people, *orgs), mentions=(*batch.mentions, *mentions), facts=())


class NewExtractor(HomeExtractor):
    name = "fake-home"
    version = "2"


def _types(memory: Memory) -> dict[str, str]:
    return {e.name: e.type for e in memory.store.iter_entities("t")}


def test_a_whole_redo_types_as_a_fresh_ingest(memory: Memory, tmp_path: Path) -> None:
    path = tmp_path / "carol.txt"
    path.write_text("Carol: hello\nCarol: home: Bristol\nBob: nice\n", encoding="utf-8")
    assert ingest(memory, path, namespace="t", extractor=OldExtractor()).ok
    assert _types(memory)["Bristol"] == "Organization"
    summary = ingest(memory, path, namespace="t", extractor=NewExtractor())
    assert summary.ok and summary.events_retracted == 3
    with Memory.open(tmp_path / "fresh", embedder=memory.embedder) as fresh:
        assert ingest(fresh, path, namespace="t", extractor=NewExtractor()).ok
        expected = _types(fresh)
        facts = sorted((f.predicate, f.object_id) for f in fresh.store.iter_facts("t"))
    assert _types(memory) == expected == {"Carol": "Person", "Bob": "Person", "Bristol": "Place"}
    assert sorted((f.predicate, f.object_id) for f in memory.store.iter_facts("t")) == facts
