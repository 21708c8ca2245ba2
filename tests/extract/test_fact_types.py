"""A name's type from the facts it ends: one works at an organisation and lives in a place, whatever NER
guessed for the name's mentions; a greeting NER glued to a name ("Morning Leo") is no part of it."""

from __future__ import annotations

from datetime import datetime

import pytest

from graphmem.extract.fact_types import stored_retypes
from graphmem.extract.pipeline import SpacyExtractor
from graphmem.extract.resolve import resolve_batch
from graphmem.models import Batch, Entity, Fact
from graphmem.transcript import KnownEntity

from .conftest import make_transcript, named_facts

FIRST = datetime(2024, 2, 5, 9, 0)
SECOND = datetime(2024, 4, 20, 18, 30)

MARTA_LEO = [
    (
        FIRST,
        [
            ("Marta", "Morning Leo! I work at Helix Labs as a chemist, still."),
            ("Leo", "Nice. I live in Bristol now, I moved here last month."),
            ("Marta", "I live in Leeds, but I want to move to York."),
        ],
    ),
    (
        SECOND,
        [
            ("Marta", "Big news: I work at Quanta Pharma now. I started there on 2 April."),
            ("Leo", "Congratulations! Did Helix Labs mind?"),
            ("Marta", "I left Helix Labs at the end of March."),
            ("Marta", "And I moved to York on 15 April, so the flat is full of boxes."),
        ],
    ),
]


def _batch(extractor: SpacyExtractor, sessions: list[tuple[datetime, list[tuple[str, str]]]]) -> Batch:
    return resolve_batch(extractor.extract(make_transcript(sessions)), (), salience=False)  # type: ignore[arg-type]


def test_the_ends_of_jobs_and_homes_are_typed_as_the_facts_say(extractor: SpacyExtractor) -> None:
    batch = _batch(extractor, MARTA_LEO)
    types = {e.name: e.type for e in batch.entities}
    assert {n: types[n] for n in ("Helix Labs", "Quanta Pharma", "York", "Leeds", "Bristol")} == {
        "Helix Labs": "Organization",  # NER: a person, in both turns
        "Quanta Pharma": "Organization",  # NER: a location
        "York": "Place",  # NER: an organisation, then a person
        "Leeds": "Place",  # NER: nothing (a thing)
        "Bristol": "Place",
    }
    assert len([e for e in batch.entities if e.name == "Helix Labs"]) == 1
    assert {("Marta", "works_at", "Helix Labs"), ("Marta", "lives_in", "York")} <= named_facts(batch)


def test_a_greeting_is_no_part_of_a_name(extractor: SpacyExtractor) -> None:
    batch = _batch(extractor, MARTA_LEO)
    assert not [e for e in batch.entities if "Morning" in e.name]
    assert {e.name for e in batch.entities if e.type == "Person"} == {"Marta", "Leo"}


def test_a_name_that_works_somewhere_keeps_its_type(extractor: SpacyExtractor) -> None:
    # Jordan works at Acme (a person) and is where Ana lives: one who works somewhere is no town, so the facts
    # do not retype the name (which Jordan is which is resolution's to tell)
    batch = _batch(extractor, [(FIRST, [("Ana", "Jordan works at Acme Corp."), ("Ana", "I live in Jordan.")])])
    assert [e.type for e in batch.entities if e.name == "Jordan"] == ["Person"]


def _home_batch(*extra: Fact) -> Batch:
    """Grace's "I live in Bristol." as a batch: Bristol a Place, the object of ``lives_in``."""
    lives = Fact("n", "fact:1", "ent:person:grace", "lives_in", "ent:place:bristol", FIRST, evidence=("ev:s:2",))
    return Batch(
        "n",
        entities=(
            Entity("n", "ent:person:grace", "Grace", "Person"),
            Entity("n", "ent:place:bristol", "Bristol", "Place"),
        ),
        facts=(lives, *extra),
    )


def test_a_stored_type_only_ner_gave_is_retyped_as_the_batchs_facts_type_the_name() -> None:
    guessed = KnownEntity("ent:organization:bristol", "Bristol", "Organization")
    assert [(k.id, e.id) for k, e in stored_retypes(_home_batch(), ["ent:person:grace"], [guessed])] == [
        ("ent:organization:bristol", "ent:place:bristol")
    ]


@pytest.mark.parametrize(
    "known",
    [
        KnownEntity("ent:organization:bristol", "Bristol", "Organization", backed=True),  # "I work at Bristol"
        KnownEntity("ent:organization:bristol", "Bristol", "Organization", held=True),  # "Bristol hired me"
        KnownEntity("ent:thing:bristol", "Bristol", "Thing", pet=True),  # "my dog Bristol"
        KnownEntity("ent:work:bristol", "Bristol", "Work"),  # a title is a reading of its own
    ],
)
def test_a_stored_type_facts_back_or_keep_is_not_retyped(known: KnownEntity) -> None:
    assert stored_retypes(_home_batch(), ["ent:person:grace"], [known]) == []


def test_a_stored_name_the_batchs_facts_make_a_subject_is_not_retyped() -> None:
    works = Fact("n", "fact:2", "ent:place:bristol", "works_at", "ent:person:grace", FIRST, evidence=("ev:s:2",))
    guessed = KnownEntity("ent:organization:bristol", "Bristol", "Organization")
    assert stored_retypes(_home_batch(works), ["ent:person:grace"], [guessed]) == []


def test_a_stored_place_the_batchs_facts_make_a_persons_partner_is_retyped_a_person() -> None:
    dating = Fact("n", "fact:3", "ent:person:nora", "dating", "ent:person:jamal", FIRST, evidence=("ev:s:2",))
    batch = Batch(
        "n",
        entities=(Entity("n", "ent:person:nora", "Nora", "Person"), Entity("n", "ent:person:jamal", "Jamal", "Person")),
        facts=(dating,),
    )
    guessed = KnownEntity("ent:place:jamal", "Jamal", "Place")  # "Friday is Jamal's work party." (NER: a GPE)
    assert [(k.id, e.id) for k, e in stored_retypes(batch, ["ent:person:nora"], [guessed])] == [
        ("ent:place:jamal", "ent:person:jamal")
    ]
    assert (
        stored_retypes(batch, ["ent:person:nora"], [KnownEntity("ent:place:jamal", "Jamal", "Place", held=True)]) == []
    )
