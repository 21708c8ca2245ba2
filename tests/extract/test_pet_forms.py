"""Pets told in the other usual ways (tester finding: variants of "my cat Luna").

"My cat Tofu is sleeping" (parsed as two arguments of "sleeping", not as an apposition), "Our dog Biscuit is
four" and "We adopted a kitten called Pickle" (the household's pet is the speaker's) are ``has_pet``. Not the
speaker's pet: "my cat food is out", "a dog called Biscuit bit me", "we got a new car" (only a pet is read so).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from graphmem.extract.pipeline import SpacyExtractor

from .conftest import LAST_WEEK, ONE_DAY, dated_facts, nora_says

SAID = ONE_DAY  # Monday 8 May 2023, 13:00


@pytest.mark.parametrize(
    ("text", "pet", "start"),
    [
        ("My cat Tofu is sleeping.", "Tofu", SAID),  # "cat" and "Tofu" both hang on "sleeping"
        ("Our cat Tofu is sleeping.", "Tofu", SAID),
        ("My cat Mister Whiskers is sleeping.", "Mister Whiskers", SAID),
        ("Our dog Biscuit is four.", "Biscuit", SAID),
        ("We adopted a kitten called Pickle last week.", "Pickle", LAST_WEEK),
        ("We have a dog called Biscuit.", "Biscuit", SAID),
    ],
)
def test_a_pet_told_another_way_is_the_speakers(
    extractor: SpacyExtractor, text: str, pet: str, start: datetime
) -> None:
    batch = nora_says(extractor, text)
    assert dated_facts(batch).get(("Nora", "has_pet", pet)) == start
    assert [e.type for e in batch.entities if e.name == pet] == ["Thing"]


@pytest.mark.parametrize(
    "text",
    [
        "My cat food is out.",
        "A dog called Biscuit bit me.",  # someone's dog, not said to be the speaker's
        "I showed my boss Tom's report.",  # "boss" beside a name that is someone's
        "We got a new car.",  # "we" keeps a pet only
        "Do we have a dog named Rex?",
        "My dog Rex's collar is red.",
    ],
)
def test_no_pet_where_none_is_the_speakers(extractor: SpacyExtractor, text: str) -> None:
    facts = dated_facts(nora_says(extractor, text))
    assert not [k for k in facts if k[1] == "has_pet" and k[2] != "Rex"]
    assert not [k for k in facts if k[1] == "boss_of"]


def test_we_lost_our_dog_ends_the_speakers_pet(extractor: SpacyExtractor) -> None:
    batch = nora_says(extractor, "We lost our dog Biscuit last year.")
    (fact,) = [f for f in batch.facts if f.predicate == "has_pet"]
    assert fact.valid_to == datetime(2022, 1, 1)
