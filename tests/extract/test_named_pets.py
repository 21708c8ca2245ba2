"""A pet given a name ("a dog named Pixel") is a Thing, and the name stays the pet's in later mentions."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from graphmem.extract.pipeline import SpacyExtractor
from graphmem.extract.resolve import resolve_batch
from graphmem.memory import Memory
from graphmem.models import Batch, Entity, Fact
from tests.support.talk import say

from .conftest import make_transcript

DAY = datetime(2023, 5, 8, 13, 0)


def _batch(extractor: SpacyExtractor, turns: list[tuple[str, str]]) -> Batch:
    return resolve_batch(extractor.extract(make_transcript([(DAY, turns)])), (), salience=False)


def _typed(batch: Batch, name: str) -> list[tuple[str, str]]:
    return [(e.id, e.type) for e in batch.entities if e.name == name]


@pytest.mark.parametrize(
    ("text", "pet"),
    [("I have a dog named Pixel.", "Pixel"), ("My cat called Luna sleeps a lot.", "Luna")],
)
def test_a_named_pet_is_a_thing_the_speaker_has(extractor: SpacyExtractor, text: str, pet: str) -> None:
    batch = _batch(extractor, [("Ana", text), ("Ben", "Cute!")])
    ((pet_id, pet_type),) = _typed(batch, pet)
    assert pet_type == "Thing"  # not NER's Person
    assert ("ent:person:ana", "has_pet", pet_id) in {(f.subject_id, f.predicate, f.object_id) for f in batch.facts}


def test_later_mentions_of_the_pet_are_the_pet(extractor: SpacyExtractor) -> None:
    batch = _batch(
        extractor,
        [("Ana", "I have a dog named Pixel."), ("Ben", "Pixel is so cute!"), ("Ana", "Pixel loves the park.")],
    )
    ((pet_id, pet_type),) = _typed(batch, "Pixel")  # one entity, no Person "Pixel" beside it
    assert pet_type == "Thing"
    said = {m.event_id for m in batch.mentions if m.entity_id == pet_id}
    assert len(said) == 3


def test_a_name_heard_before_it_is_given_to_a_pet_is_the_pet_too(extractor: SpacyExtractor) -> None:
    batch = _batch(extractor, [("Ana", "Pixel was sick yesterday."), ("Ana", "I have a dog named Pixel.")])
    ((pet_id, pet_type),) = _typed(batch, "Pixel")
    assert pet_type == "Thing"
    assert {m.entity_id for m in batch.mentions} >= {pet_id}
    assert not [m for m in batch.mentions if m.entity_id == "ent:person:pixel"]


def test_resolution_keeps_a_pet_a_thing_against_a_person_of_its_name() -> None:
    pet = Entity("t", "ent:thing:pixel", "Pixel", "Thing")
    guess = Entity("t", "ent:person:pixel", "Pixel", "Person")
    owner = Entity("t", "ent:person:ana", "Ana", "Person")
    has = Fact("t", "f1", "ent:person:ana", "has_pet", "ent:thing:pixel", recorded_at=DAY)
    batch = resolve_batch(Batch("t", entities=(owner, pet, guess), facts=(has,)), (), salience=False)
    assert _typed(batch, "Pixel") == [("ent:thing:pixel", "Thing")]


def test_a_stored_pet_stays_a_thing_when_a_later_message_names_it(
    extractor: SpacyExtractor, memory: Memory, tmp_path: Path
) -> None:
    say(memory, extractor, tmp_path / "a.txt", "[10:00] Ana: I have a dog named Pixel.\n", namespace="p")
    say(memory, extractor, tmp_path / "b.txt", "[11:00] Ana: Pixel loves the park.\n", namespace="p")
    pixels = [(e.id, e.type) for e in memory.store.iter_entities("p") if e.name == "Pixel"]
    assert pixels == [("ent:thing:pixel", "Thing")]


def _maxes(batch: Batch) -> dict[str, set[tuple[str, str]]]:
    """Each "Max" entity's type → the facts it is an end of, as (predicate, other end)."""
    out: dict[str, set[tuple[str, str]]] = {}
    for e in batch.entities:
        if e.name == "Max":
            ends = {(f.predicate, f.object_id) for f in batch.facts if f.subject_id == e.id}
            ends |= {(f.predicate, f.subject_id) for f in batch.facts if f.object_id == e.id}
            out[e.type] = ends
    return out


PET_THEN_COLLEAGUE = [
    ("Ana", "My dog Max loves the beach."),
    ("Ben", "Cute!"),
    ("Ana", "My colleague Max got married."),
]


@pytest.mark.parametrize("turns", [PET_THEN_COLLEAGUE, [PET_THEN_COLLEAGUE[2], *PET_THEN_COLLEAGUE[:2]]])
def test_a_pet_and_a_colleague_of_one_name_are_two_entities(
    extractor: SpacyExtractor, turns: list[tuple[str, str]]
) -> None:
    maxes = _maxes(_batch(extractor, turns))
    assert set(maxes) == {"Thing", "Person"}
    assert maxes["Thing"] == {("has_pet", "ent:person:ana")}
    assert ("colleague_of", "ent:person:ana") in maxes["Person"]
    assert not {p for p, _ in maxes["Thing"]} & {"colleague_of", "married_to"}


@pytest.mark.parametrize("first", [0, 1])
def test_a_stored_pet_is_not_a_later_colleague_of_its_name(
    extractor: SpacyExtractor, memory: Memory, tmp_path: Path, first: int
) -> None:
    lines = ["[10:00] Ana: My dog Max loves the beach.\n", "[11:00] Ana: My colleague Max got married.\n"]
    if first:
        lines.reverse()
    say(memory, extractor, tmp_path / "a.txt", lines[0], namespace="p")
    say(memory, extractor, tmp_path / "b.txt", lines[1], namespace="p")
    maxes = sorted((e.id, e.type) for e in memory.store.iter_entities("p") if e.name == "Max")
    assert maxes == [("ent:person:max", "Person"), ("ent:thing:max", "Thing")]
    facts = {(f.fact.subject_id, f.fact.predicate) for f in memory.facts(namespace="p", all_time=True)}
    assert ("ent:person:max", "colleague_of") in facts
    assert ("ent:thing:max", "colleague_of") not in facts
