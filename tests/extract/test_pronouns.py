""" "She" and "he" for the one person the speaker just spoke of ("My sister moved to Porto. She ...")."""

from __future__ import annotations

from dataclasses import replace

import pytest

from graphmem.extract.pipeline import SpacyExtractor
from graphmem.extract.resolve import resolve_batch

from .conftest import ONE_DAY, make_transcript, named_facts, one_session_batch


def test_she_in_the_next_sentence_is_the_sister(extractor: SpacyExtractor) -> None:
    batch = one_session_batch(
        extractor, [("Ana", "My sister moved to Porto. She works at Google now."), ("Ben", "Nice!")]
    )
    assert ("Ana's sister", "works_at", "Google") in named_facts(batch)


def test_she_in_the_speakers_next_turn_is_the_sister(extractor: SpacyExtractor) -> None:
    batch = one_session_batch(
        extractor,
        [("Ana", "My sister moved to Porto."), ("Ben", "Nice!"), ("Ana", "She works at Google now.")],
    )
    assert ("Ana's sister", "works_at", "Google") in named_facts(batch)
    sister = next(e.id for e in batch.entities if e.name == "Ana's sister")
    assert {m.event_id for m in batch.mentions if m.entity_id == sister} == {"ev:session_1:1", "ev:session_1:3"}


def test_he_is_the_named_brother(extractor: SpacyExtractor) -> None:
    batch = one_session_batch(
        extractor, [("Ana", "My brother Tom moved to Porto. He works at Google now."), ("Ben", "Nice!")]
    )
    assert ("Tom", "works_at", "Google") in named_facts(batch)


def test_he_is_the_man_named_by_a_role(extractor: SpacyExtractor) -> None:
    batch = one_session_batch(extractor, [("Ana", "My boss is a guy named Tom. He loves jazz."), ("Ben", "Ha.")])
    assert ("Tom", "likes", "jazz") in named_facts(batch)


@pytest.mark.parametrize(
    "turns",
    [
        # the other gender: "she" is not the brother
        [("Ana", "My brother moved to Porto. She works at Google now.")],
        # two of her gender: ambiguous
        [("Ana", "My sister and my mom moved to Porto. She works at Google now.")],
        # someone of unknown gender: ambiguous
        [("Ana", "My sister met Sam in Porto. She works at Google now.")],
        [("Ana", "My sister and my boss moved to Porto. She works at Google now.")],
        # another speaker's sister: not "she" of Ana's next turn
        [("Ben", "My sister moved to Porto."), ("Ana", "She works at Google now.")],
        # too far back
        [
            ("Ana", "My sister moved to Porto."),
            ("Ben", "Nice!"),
            ("Ana", "Cool."),
            ("Ben", "Yes."),
            ("Ana", "Hm."),
            ("Ben", "So."),
            ("Ana", "She works at Google now."),
        ],
        # another woman said of in between, by the other speaker
        [("Ana", "My sister moved to Porto."), ("Ben", "My mom lives there!"), ("Ana", "She works at Google now.")],
    ],
)
def test_she_is_left_alone_when_anyone_else_could_be_meant(
    extractor: SpacyExtractor, turns: list[tuple[str, str]]
) -> None:
    batch = one_session_batch(extractor, [*turns, ("Ben", "Ok.")])
    assert not [f for f in batch.facts if f.predicate == "works_at"]


def test_she_in_another_session_is_left_alone(extractor: SpacyExtractor) -> None:
    transcript = make_transcript(
        [
            (ONE_DAY, [("Ana", "My sister moved to Porto."), ("Ben", "Nice!")]),
            (ONE_DAY, [("Ana", "She works at Google.")]),
        ]
    )
    batch = resolve_batch(extractor.extract(transcript), (), salience=False)
    assert not [f for f in batch.facts if f.predicate == "works_at"]


@pytest.mark.parametrize(
    "text",
    [
        "I met a woman at the gym. She works at Google now.",  # no one's to be named: a topic
        "My sister and her husband moved. He works at Google now.",  # the sister's husband, no role of Ana's
    ],
)
def test_she_names_only_a_person_or_a_role(extractor: SpacyExtractor, text: str) -> None:
    batch = one_session_batch(extractor, [("Ana", text), ("Ben", "Ok.")])
    assert not [f for f in batch.facts if f.predicate == "works_at"]


def test_a_participant_named_in_a_dialogue_of_two_is_no_she(extractor: SpacyExtractor) -> None:
    batch = one_session_batch(
        extractor, [("Ana", "Hey Ben, my sister moved to Porto. She works at Google now."), ("Ben", "Ok.")]
    )
    assert ("Ana's sister", "works_at", "Google") in named_facts(batch)


def test_a_participant_named_among_three_may_be_she(extractor: SpacyExtractor) -> None:
    batch = one_session_batch(
        extractor,
        [("Ana", "My sister met Cleo in Porto. She works at Google now."), ("Ben", "Ok."), ("Cleo", "Hi!")],
    )
    assert not [f for f in batch.facts if f.predicate == "works_at"]


def test_a_forgotten_turn_puts_no_one_in_view(extractor: SpacyExtractor) -> None:
    turns = [("Ana", "My sister moved to Porto."), ("Ben", "Nice!"), ("Ana", "She works at Google now.")]
    transcript = replace(make_transcript([(ONE_DAY, turns)]), forgotten=frozenset({"ev:session_1:1"}))
    batch = resolve_batch(extractor.extract(transcript), (), salience=False)
    assert not [f for f in batch.facts if f.predicate == "works_at"]


def test_a_woman_named_as_an_owner_is_in_view(extractor: SpacyExtractor) -> None:
    # "my mom's birthday": the mom is someone "she" may mean, though no entity of her own
    batch = one_session_batch(
        extractor, [("Ana", "My sister came to my mom's birthday. She works at Google now."), ("Ben", "Ok.")]
    )
    assert not [f for f in batch.facts if f.predicate == "works_at"]


def test_a_noun_modifying_another_is_no_one_in_view(extractor: SpacyExtractor) -> None:
    # "the dog food": no dog said of, so "she" is still the sister
    batch = one_session_batch(
        extractor, [("Ana", "My sister bought the dog food. She works at Google now."), ("Ben", "Ok.")]
    )
    assert ("Ana's sister", "works_at", "Google") in named_facts(batch)
