"""Life changes told in everyday words end the old fact: moving out with others ("We moved out of Lisbon"), a
relationship said over with "be" ("I'm single now", "Sara and I aren't together anymore"), a pet put down, a
plan called off ("I cancelled the Rome trip", "I'm not going to Rome after all")."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from graphmem.extract.pipeline import SpacyExtractor
from graphmem.memory import Memory
from tests.support.talk import held, write_talk

BEFORE = datetime(2024, 3, 1)
AFTER = datetime(2024, 6, 20)


def _told(memory: Memory, extractor: SpacyExtractor, tmp_path: Path, first: str, then: str) -> None:
    path = write_talk(
        tmp_path / "talk.txt",
        ("10 January 2024", f"[10:00] Ana: {first}\n"),
        ("10 June 2024", f"[10:00] Ana: {then}\n"),
    )
    summary = memory.ingest(path, namespace="t", extractor=extractor, embed=False)
    assert summary.ok, summary.errors


def _ended(memory: Memory, predicate: str, value: str) -> None:
    assert value in held(memory, predicate, namespace="t", valid_at=BEFORE)
    assert value not in held(memory, predicate, namespace="t", valid_at=AFTER)


@pytest.mark.parametrize(
    "said",
    ["We finally moved out of Lisbon last month.", "We moved out of Lisbon last month.", "We moved away from Lisbon."],
)
def test_moving_out_with_others_ends_the_home(
    memory: Memory, extractor: SpacyExtractor, tmp_path: Path, said: str
) -> None:
    _told(memory, extractor, tmp_path, "I live in Lisbon.", said)
    _ended(memory, "lives_in", "Lisbon")


@pytest.mark.parametrize(
    ("first", "said", "predicate", "partner"),
    [
        ("My girlfriend Sara is lovely.", "I'm single now.", "dating", "Sara"),
        ("My husband Tom works a lot.", "I'm single now.", "married_to", "Tom"),
        ("My girlfriend Sara is lovely.", "Sara and I aren't together anymore.", "dating", "Sara"),
        ("My girlfriend Sara is lovely.", "Sara and I are not together anymore.", "dating", "Sara"),
        ("My girlfriend Sara is lovely.", "Sara and I are no longer together.", "dating", "Sara"),
        ("My girlfriend Sara is lovely.", "We're not together anymore.", "dating", "Sara"),
    ],
)
def test_a_relationship_said_over_ends(
    memory: Memory, extractor: SpacyExtractor, tmp_path: Path, first: str, said: str, predicate: str, partner: str
) -> None:
    _told(memory, extractor, tmp_path, first, said)
    _ended(memory, predicate, partner)


@pytest.mark.parametrize(
    "said", ["I was single then.", "Sara and I were not together yet in 2019.", "My sister is single."]
)
def test_being_single_in_the_past_or_another_person_ends_nothing(
    memory: Memory, extractor: SpacyExtractor, tmp_path: Path, said: str
) -> None:
    _told(memory, extractor, tmp_path, "My girlfriend Sara is lovely.", said)
    assert held(memory, "dating", namespace="t", valid_at=AFTER) == {"Sara"}


@pytest.mark.parametrize(
    "said",
    [
        "We had to put Rex down yesterday.",
        "We put Rex down yesterday.",
        "I put Rex down yesterday.",
        "Rex had to be put down last week.",
        "Rex was put down last week.",
    ],
)
def test_a_pet_put_down_is_no_longer_kept(memory: Memory, extractor: SpacyExtractor, tmp_path: Path, said: str) -> None:
    _told(memory, extractor, tmp_path, "My dog Rex loves walks.", said)
    _ended(memory, "has_pet", "Rex")


@pytest.mark.parametrize(
    "said",
    [
        "I cancelled the Rome trip.",
        "I cancelled my trip to Rome.",
        "We called off our trip to Rome.",
        "I'm not going to Rome after all.",
        "I won't visit Rome in September.",
    ],
)
def test_a_plan_called_off_ends(memory: Memory, extractor: SpacyExtractor, tmp_path: Path, said: str) -> None:
    _told(memory, extractor, tmp_path, "I want to visit Rome.", said)
    _ended(memory, "plans", "Rome")


@pytest.mark.parametrize(
    "said", ["I didn't go to Paris.", "I cancelled my gym membership.", "Tom is not going to Rome.", "Are you going?"]
)
def test_other_negations_and_cancellings_leave_the_plan(
    memory: Memory, extractor: SpacyExtractor, tmp_path: Path, said: str
) -> None:
    _told(memory, extractor, tmp_path, "I want to visit Rome.", said)
    assert held(memory, "plans", namespace="t", valid_at=AFTER) == {"Rome"}


@pytest.mark.parametrize("said", ["I adopted Miso yesterday.", "We adopted Miso yesterday.", "I finally got Miso."])
def test_adopting_a_pet_named_in_the_plan_carries_it_out(
    memory: Memory, extractor: SpacyExtractor, tmp_path: Path, said: str
) -> None:
    _told(memory, extractor, tmp_path, "I want to adopt a cat named Miso.", said)
    _ended(memory, "plans", "Miso")
    assert held(memory, "has_pet", namespace="t", valid_at=AFTER) == {"Miso"}


def test_a_name_that_is_no_pet_is_not_adopted(memory: Memory, extractor: SpacyExtractor, tmp_path: Path) -> None:
    _told(memory, extractor, tmp_path, "I want to adopt a cat.", "I adopted Miso yesterday.")
    assert held(memory, "has_pet", namespace="t", valid_at=AFTER) == set()
