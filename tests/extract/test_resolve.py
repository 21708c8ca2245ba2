"""Stage 5: entity resolution within a namespace."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from graphmem.extract.resolve import ResolutionConfig, compatible, resolve_batch, same_entity
from graphmem.models import Batch, Entity, Fact, Mention

T = datetime(2023, 5, 8)
PAIRS = Path(__file__).resolve().parents[1] / "data" / "resolution_pairs.jsonl"


@pytest.mark.parametrize(
    ("a", "at", "b", "bt", "expected", "rule"),
    [
        ("Caroline", "Person", "caroline", "Person", True, "exact"),
        ("Melanie", "Person", "Mel", "Person", True, "nickname"),
        ("Caroline Smith", "Person", "Caroline", "Person", True, "subset"),
        ("New York City", "Place", "NYC", "Place", True, "initials"),
        ("Lumen Robotics", "Organization", "Lumen", "Organization", True, "short form"),
        ("Mellanie", "Person", "Melanie", "Person", True, "fuzzy"),
        ("Porto", "Person", "Porto", "Place", True, "exact"),
        ("Paris", "Place", "Paris", "Person", True, "exact"),
        ("Tim", "Person", "Time", "Thing", False, "different"),
        ("Jo", "Person", "Joanna", "Person", False, "different"),  # below nickname_min
        ("Maria", "Person", "Laura", "Person", False, "different"),
        ("London", "Place", "Paris", "Person", False, "type"),
        ("pottery", "Topic", "pottery class", "Topic", False, "type"),
        ("pottery", "Topic", "Pottery", "Thing", True, "exact"),
        ("pottery", "Topic", "Pottery", "Person", False, "exact"),
    ],
)
def test_same_entity_rules(a: str, at: str, b: str, bt: str, expected: bool, rule: str) -> None:
    assert same_entity(a, at, b, bt) == (expected, rule)
    assert same_entity(b, bt, a, at)[0] == expected  # symmetric


def test_thresholds_come_from_the_config() -> None:
    assert same_entity("Mel", "Person", "Melanie", "Person", config=ResolutionConfig(nickname_min=4))[0] is False
    loose = ResolutionConfig(fuzzy_threshold=80)
    assert same_entity("Maria", "Person", "Marie", "Person", config=loose) == (True, "fuzzy")


def test_embedding_similarity_tips_close_pairs() -> None:
    assert same_entity("LGBT", "Organization", "LGBTQ", "Organization")[0] is False  # ratio 89 < 92
    assert same_entity("LGBT", "Organization", "LGBTQ", "Organization", cosine=0.95) == (True, "embedding")
    assert same_entity("London", "Place", "Lisbon", "Place", cosine=0.99)[0] is False  # too far apart as text


def test_compatible_types() -> None:
    assert compatible("Person", "Person")
    assert compatible("Place", "Organization")
    assert compatible("Thing", "Person")
    assert not compatible("Person", "Place")
    assert compatible("Person", "Place", exact=True)
    assert not compatible("Topic", "Person", exact=True)


def batch_of(*entities: Entity, facts: tuple[Fact, ...] = ()) -> Batch:
    mentions = tuple(Mention("ns", "ev1", e.id) for e in entities)
    return Batch("ns", entities=entities, mentions=mentions, facts=facts)


def test_merges_against_stored_entities_and_rewrites_ids() -> None:
    stored = Entity("ns", "ent:person:melanie", "Melanie", "Person")
    mel = Entity("ns", "ent:person:mel", "Mel", "Person")
    dog = Entity("ns", "ent:topic:dog", "dog", "Topic")
    fact = Fact("ns", "f1", mel.id, "adopt", dog.id, T, evidence=("ev1",))
    out = resolve_batch(batch_of(mel, dog, facts=(fact,)), [stored])
    by_id = {e.id: e for e in out.entities}
    assert mel.id not in by_id
    assert by_id[stored.id].aliases == ("Mel",)  # the stored entity is re-emitted with its new alias
    assert dog.id in by_id
    assert {m.entity_id for m in out.mentions} == {stored.id, dog.id}
    (f,) = out.facts
    assert (f.subject_id, f.object_id) == (stored.id, dog.id)
    assert f.id != "f1"  # re-keyed on the merged ends


def test_unchanged_stored_entities_are_not_rewritten() -> None:
    stored = Entity("ns", "ent:person:melanie", "Melanie", "Person")
    again = Entity("ns", "ent:person:melanie", "Melanie", "Person")
    out = resolve_batch(batch_of(again), [stored])
    assert out.entities == ()
    assert out.mentions[0].entity_id == stored.id


def test_merges_within_the_batch_keeping_the_most_mentioned_name() -> None:
    melanie = Entity("ns", "a", "Melanie", "Person")
    mel = Entity("ns", "b", "Mel", "Person")
    batch = Batch(
        "ns",
        entities=(mel, melanie),
        mentions=(Mention("ns", "e1", "a"), Mention("ns", "e2", "a"), Mention("ns", "e3", "b")),
    )
    out = resolve_batch(batch, [])
    (entity,) = out.entities
    assert (entity.id, entity.name, entity.aliases) == ("a", "Melanie", ("Mel",))
    assert {m.entity_id for m in out.mentions} == {"a"}


def test_thing_becomes_a_person_when_merged() -> None:
    out = resolve_batch(batch_of(Entity("ns", "x", "Oscar", "Thing"), Entity("ns", "y", "Oscar", "Person")), [])
    (entity,) = out.entities
    assert entity.type == "Person"


def test_facts_that_collapse_are_dropped_and_duplicates_combined() -> None:
    a = Entity("ns", "a", "Melanie", "Person")
    b = Entity("ns", "b", "Mel", "Person")
    c = Entity("ns", "c", "dog", "Topic")
    facts = (
        Fact("ns", "f1", "a", "call", "b", T, evidence=("e1",)),  # Melanie call Mel -> self loop
        Fact("ns", "f2", "a", "walk", "c", T, evidence=("e1",)),
        Fact("ns", "f3", "b", "walk", "c", T, evidence=("e1",)),  # same as f2 after the merge
    )
    out = resolve_batch(batch_of(a, b, c, facts=facts), [])
    assert [(f.subject_id, f.predicate, f.object_id) for f in out.facts] == [("a", "walk", "c")]


def test_mentions_keep_the_strongest_role() -> None:
    a = Entity("ns", "a", "Melanie", "Person")
    b = Entity("ns", "b", "Mel", "Person")
    batch = Batch(
        "ns",
        entities=(a, b),
        mentions=(
            Mention("ns", "e1", "a", "speaker"),
            Mention("ns", "e1", "a", "mention"),
            Mention("ns", "e1", "b", "subject"),
        ),
    )
    out = resolve_batch(batch, [])
    assert sorted(m.role for m in out.mentions) == ["speaker", "subject"]


def test_a_first_name_joins_the_stored_full_name() -> None:
    stored = Entity("ns", "ent:person:keiko-tanaka", "Keiko Tanaka", "Person")
    out = resolve_batch(batch_of(Entity("ns", "ent:organization:keiko", "Keiko", "Organization")), [stored])
    assert out.mentions[0].entity_id == stored.id
    (entity,) = out.entities
    assert (entity.name, entity.type, entity.aliases) == ("Keiko Tanaka", "Person", ("Keiko",))


def test_a_full_name_takes_over_a_stored_first_name() -> None:
    stored = Entity("ns", "ent:organization:keiko", "Keiko", "Organization")
    out = resolve_batch(batch_of(Entity("ns", "ent:person:keiko-tanaka", "Keiko Tanaka", "Person")), [stored])
    assert out.mentions[0].entity_id == stored.id
    (entity,) = out.entities
    assert (entity.name, entity.type, entity.aliases) == ("Keiko Tanaka", "Person", ("Keiko",))


def test_topics_with_one_id_are_one_topic() -> None:
    stored = Entity("ns", "ent:topic:running-shoe", "running shoes", "Topic")
    out = resolve_batch(batch_of(Entity("ns", "ent:topic:running-shoe", "running shoe", "Topic")), [stored])
    assert out.mentions[0].entity_id == stored.id
    (entity,) = out.entities  # re-emitted with the other spelling as an alias, its name kept
    assert (entity.name, entity.aliases) == ("running shoes", ("running shoe",))


def test_other_namespaces_are_ignored() -> None:
    elsewhere = Entity("other", "ent:person:melanie", "Melanie", "Person")
    out = resolve_batch(batch_of(Entity("ns", "b", "Mel", "Person")), [elsewhere])
    assert [e.id for e in out.entities] == ["b"]


class FakeEmbedder:
    """Embeds names as unit vectors; the listed pairs point the same way."""

    name = "fake"
    dim = 3

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        same = {"lgbt": 0, "lgbtq": 0}
        rows = [np.eye(3)[same.get(t.lower(), 1 + len(t) % 2)] for t in texts]
        return np.asarray(rows, dtype=np.float32)


def test_embedder_is_called_once_per_batch() -> None:
    emb = FakeEmbedder()
    stored = Entity("ns", "s", "LGBTQ", "Organization")
    out = resolve_batch(batch_of(Entity("ns", "n", "LGBT", "Organization")), [stored], emb)
    assert emb.calls == 1
    assert out.mentions[0].entity_id == "s"
    assert resolve_batch(batch_of(Entity("ns", "n", "LGBT", "Organization")), [stored]).mentions[0].entity_id == "n"


def test_labelled_pairs_file_is_well_formed() -> None:
    rows = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 100
    assert {"a", "a_type", "b", "b_type", "same", "source"} <= set(rows[0])
    assert sum(r["same"] for r in rows) >= 30 and sum(not r["same"] for r in rows) >= 30


def test_chosen_thresholds_keep_precision_on_the_labelled_pairs() -> None:
    rows = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]
    decided = [(same_entity(r["a"], r["a_type"], r["b"], r["b_type"])[0], r["same"]) for r in rows]
    merged = [same for d, same in decided if d]
    assert sum(merged) / len(merged) >= 0.8  # precision measured by benchmarks/resolution_eval.py: 0.86
