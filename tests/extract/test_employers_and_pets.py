"""Stage 2 types and names by the construction: the employer of "work at/for" is an organisation whatever NER
took it for, and a pet named inside a prepositional phrase ("with my dog Pipo") is the pet Pipo."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from graphmem.extract.pipeline import SpacyExtractor
from graphmem.memory import Memory
from tests.support.talk import held, say

from .conftest import named_facts, one_session_batch


@pytest.mark.parametrize(
    ("text", "employer"),
    [
        ("I work at Contoso Labs.", "Contoso Labs"),  # NER: a person
        ("I work at Contoso Labs as a chemist.", "Contoso Labs"),
        ("I work for Contoso Labs.", "Contoso Labs"),
        ("I work at Globex now.", "Globex"),  # NER: a product
        ("I work at Initech and Contoso Labs.", "Contoso Labs"),
    ],
)
def test_the_employer_of_work_at_is_an_organisation(extractor: SpacyExtractor, text: str, employer: str) -> None:
    batch = one_session_batch(extractor, [("Ana", text)])
    assert ("Ana", "works_at", employer) in named_facts(batch)
    assert [e.type for e in batch.entities if e.name == employer] == ["Organization"]


def test_a_person_one_works_for_stays_a_person(extractor: SpacyExtractor) -> None:
    batch = one_session_batch(extractor, [("Ana", "I work for Sarah.")])
    assert [e.type for e in batch.entities if e.name == "Sarah"] == ["Person"]
    assert not any(p == "works_at" for _, p, _ in named_facts(batch))


def test_a_new_job_ends_one_at_a_firm_ner_took_for_a_person(
    extractor: SpacyExtractor, memory: Memory, tmp_path: Path
) -> None:
    say(
        memory,
        extractor,
        tmp_path / "a.txt",
        "[10:00] Ana: I work at Contoso Labs.\n",
        namespace="p",
        date="14 June 2023",
    )
    say(
        memory,
        extractor,
        tmp_path / "b.txt",
        "[09:00] Ana: I work at Initech now.\n",
        namespace="p",
        date="29 February 2024",
    )
    assert held(memory, "works_at", namespace="p", valid_at=datetime(2023, 7, 1)) == {"Contoso Labs"}
    assert held(memory, "works_at", namespace="p") == {"Initech"}


@pytest.mark.parametrize(
    ("text", "pet"),
    [
        ("I live in Madrid with my dog Pipo.", "Pipo"),
        ("I play with my guinea pig Oscar.", "Oscar"),
    ],
)
def test_a_pet_named_in_a_prepositional_phrase_is_the_pet(extractor: SpacyExtractor, text: str, pet: str) -> None:
    batch = one_session_batch(extractor, [("Ana", text)])
    assert ("Ana", "has_pet", pet) in named_facts(batch)
    assert not [e.name for e in batch.entities if pet in e.name and e.name != pet]  # no "dog Pipo"


def test_a_pet_named_in_a_prepositional_phrase_can_die(
    extractor: SpacyExtractor, memory: Memory, tmp_path: Path
) -> None:
    say(
        memory,
        extractor,
        tmp_path / "a.txt",
        "[10:00] Ana: I live in Madrid with my dog Pipo.\n",
        namespace="p",
        date="14 June 2023",
    )
    assert held(memory, "has_pet", namespace="p") == {"Pipo"}
    say(
        memory,
        extractor,
        tmp_path / "b.txt",
        "[09:00] Ana: Sadly Pipo died last year.\n",
        namespace="p",
        date="29 February 2024",
    )
    assert held(memory, "has_pet", namespace="p") == set()
    assert held(memory, "has_pet", namespace="p", valid_at=datetime(2023, 7, 1)) == {"Pipo"}


def test_a_sentence_adverb_is_no_part_of_a_name(extractor: SpacyExtractor) -> None:
    batch = one_session_batch(
        extractor, [("Ana", "My dog Pipo loves the park."), ("Ana", "Sadly Pipo died last year.")]
    )
    assert [e.name for e in batch.entities if "Pipo" in e.name] == ["Pipo"]
