"""A role noun beside someone named, as in "my boss, a guy named Tom": the role is that one."""

from __future__ import annotations

import pytest

from graphmem.extract.pipeline import SpacyExtractor
from graphmem.models import Batch

from .conftest import named_facts, one_session_batch


@pytest.mark.parametrize(
    "text",
    [
        "My boss, a guy named Tom, is really strict.",
        "My boss is a guy named Tom.",
        "A guy named Tom, my boss, is really strict.",
    ],
)
def test_a_role_beside_someone_named_is_that_one(extractor: SpacyExtractor, text: str) -> None:
    batch = one_session_batch(extractor, [("Ana", text), ("Ben", "Ok.")])
    assert ("Tom", "boss_of", "Ana") in named_facts(batch)
    assert not [e for e in batch.entities if e.name == "Ana's boss"]  # the role is Tom, not a topic beside him


def test_a_named_pet_beside_a_role_is_still_a_pet(extractor: SpacyExtractor) -> None:
    batch = one_session_batch(extractor, [("Ana", "My sister has a dog named Pixel."), ("Ben", "Ok.")])
    assert not [f for f in named_facts(batch) if f[1] == "sister_of"]


def test_a_name_given_to_a_plain_noun_makes_no_role(extractor: SpacyExtractor) -> None:
    batch = one_session_batch(extractor, [("Ana", "I met a guy named Tom at the gym."), ("Ben", "Ok.")])
    assert not [f for f in named_facts(batch) if f[1].endswith("_of")]


def test_a_noun_of_no_relation_described_as_someone_named_makes_no_role(extractor: SpacyExtractor) -> None:
    batch = one_session_batch(extractor, [("Ana", "My inspiration is a woman named Maya."), ("Ben", "Ok.")])
    assert not [f for f in named_facts(batch) if f[1].endswith("_of")]


@pytest.mark.parametrize(
    ("text", "fact", "since"),
    [
        ("My manager is Bruno Silva.", ("Bruno Silva", "manager_of", "Ana"), True),
        ("Bruno Silva is my manager.", ("Bruno Silva", "manager_of", "Ana"), True),
        ("My sister is Clara.", ("Clara", "sister_of", "Ana"), False),  # a family role: no start date
        ("My dog is Max.", ("Ana", "has_pet", "Max"), True),
    ],
)
def test_a_role_said_to_be_someone_named_is_that_one(
    extractor: SpacyExtractor, text: str, fact: tuple[str, str, str], since: bool
) -> None:
    # the same role fact as the apposition "My manager, Keiko Tanaka, ..." gives
    batch = one_session_batch(extractor, [("Ana", text), ("Ben", "Ok.")])
    assert named_facts(batch) == {fact}
    (role,) = batch.facts
    assert (role.valid_from is not None) is since


@pytest.mark.parametrize(
    "text",
    [
        "My favourite singer is Adele.",  # no relation to a person
        "My boss was Tom.",  # a boss gone by
        "My boss isn't Tom.",
        "Is my manager Tom?",
        "My mom is Italian.",
    ],
)
def test_being_said_of_no_role_or_not_now_makes_no_role(extractor: SpacyExtractor, text: str) -> None:
    batch = one_session_batch(extractor, [("Ana", text), ("Ben", "Ok.")])
    assert not [f for f in named_facts(batch) if f[1].endswith("_of") or f[1] == "has_pet"]


def _types(batch: Batch, name: str) -> set[str]:
    return {e.type for e in batch.entities if e.name == name}


@pytest.mark.parametrize(
    ("text", "fact"),
    [
        ("My partner Jamal is a nurse.", ("Ana", "dating", "Jamal")),  # NER: a GPE
        ("My boyfriend Jamal is a nurse.", ("Ana", "dating", "Jamal")),  # a GPE
        ("My husband Chelsea is a nurse.", ("Ana", "married_to", "Chelsea")),  # an ORG
        ("My wife Paris is a nurse.", ("Ana", "married_to", "Paris")),  # a GPE
        ("I had dinner with my sister Florence yesterday.", ("Florence", "sister_of", "Ana")),  # an ORG
    ],
)
def test_a_name_beside_a_persons_role_is_a_person_whatever_ner_typed(
    extractor: SpacyExtractor, text: str, fact: tuple[str, str, str]
) -> None:
    batch = one_session_batch(extractor, [("Ana", text), ("Ben", "Ok.")])
    assert fact in named_facts(batch)
    name = fact[2] if fact[0] == "Ana" else fact[0]
    assert _types(batch, name) == {"Person"}


def test_a_later_mention_ner_took_for_a_place_is_the_person(extractor: SpacyExtractor) -> None:
    turns = [("Ana", "My partner Jamal is a nurse."), ("Ben", "Nice."), ("Ana", "Friday is Jamal's work party.")]
    batch = one_session_batch(extractor, turns)
    assert _types(batch, "Jamal") == {"Person"}
    jamal = next(e.id for e in batch.entities if e.name == "Jamal")
    assert {m.event_id for m in batch.mentions if m.entity_id == jamal} == {"ev:session_1:1", "ev:session_1:3"}


@pytest.mark.parametrize(
    ("text", "name", "kind"),
    [
        ("My friend's Paris trip was fun.", "Paris", "Place"),  # the friend's trip, not a friend named Paris
        ("My employer Amazon is hiring.", "Amazon", "Organization"),  # a role a firm has
        ("My company Globex is hiring.", "Globex", "Product"),  # no person's role
    ],
)
def test_a_name_beside_no_persons_role_keeps_its_type(
    extractor: SpacyExtractor, text: str, name: str, kind: str
) -> None:
    batch = one_session_batch(extractor, [("Ana", text), ("Ben", "Ok.")])
    assert _types(batch, name) == {kind}
