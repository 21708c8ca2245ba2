"""Facts of people named by their role and whose they are: "my sister lives in Lisbon", "Jordan's brother works at
Google"."""

from __future__ import annotations

import pytest

from graphmem.extract.pipeline import SpacyExtractor

from .conftest import named_facts, one_session_batch


@pytest.mark.parametrize(
    ("text", "fact"),
    [
        ("My sister lives in Lisbon.", ("Ana's sister", "lives_in", "Lisbon")),
        ("My boss works at Google.", ("Ana's boss", "works_at", "Google")),
        ("My brother loves jazz.", ("Ana's brother", "likes", "jazz")),
        ("My sister adopted a dog last week.", ("Ana's sister", "has_pet", "dog")),
        ("My dad moved into a flat in Porto.", ("Ana's dad", "lives_in", "Porto")),
        ("Mom works at Google.", ("Ana's mom", "works_at", "Google")),
    ],
)
def test_a_role_noun_subject_takes_the_vocabulary(
    extractor: SpacyExtractor, text: str, fact: tuple[str, str, str]
) -> None:
    assert fact in named_facts(one_session_batch(extractor, [("Ana", text), ("Ben", "Ok.")]))


def test_a_role_nouns_job_is_ended_by_its_own_ending(extractor: SpacyExtractor) -> None:
    batch = one_session_batch(
        extractor, [("Ana", "My brother works at Google."), ("Ben", "Cool."), ("Ana", "My brother quit his job.")]
    )
    (job,) = [f for f in batch.facts if f.predicate == "works_at"]
    assert job.valid_to is not None


def test_a_role_noun_without_an_owner_takes_nothing(extractor: SpacyExtractor) -> None:
    # "a friend": no one's role, a plain topic, as a common noun subject is
    assert not named_facts(one_session_batch(extractor, [("Ana", "A friend works at Google."), ("Ben", "Ok.")]))


def test_a_verb_done_to_me_gives_me_the_state(extractor: SpacyExtractor) -> None:
    # "dad signed me up for a local league": the speaker is the member, not dad
    batch = one_session_batch(extractor, [("Ana", "My dad signed me up for a local league."), ("Ben", "Ok.")])
    assert not [f for f in named_facts(batch) if f[0] == "Ana's dad" and f[1] == "member_of"]


def test_a_place_owning_a_role_is_a_person(extractor: SpacyExtractor) -> None:
    batch = one_session_batch(extractor, [("Ana", "Jordan's brother works at Google."), ("Ben", "Ok.")])
    assert [e.type for e in batch.entities if e.name == "Jordan"] == ["Person"]
    assert ("Jordan's brother", "works_at", "Google") in named_facts(batch)


def test_a_team_owning_a_work_role_keeps_its_type(extractor: SpacyExtractor) -> None:
    batch = one_session_batch(extractor, [("Ana", "Google's doctor said so."), ("Ben", "Ok.")])
    assert [e.type for e in batch.entities if e.name == "Google"] == ["Organization"]
