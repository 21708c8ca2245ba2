"""Verbs that state a relation only as ongoing: "I'm seeing Tom" is dating, "I saw Tom yesterday" an event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from graphmem.extract.vocabulary import by_name, statements_for
from tests.extract.conftest import make_transcript

SAID = datetime(2024, 1, 10, 18, 0)


def _facts(extractor: Any, text: str) -> list[tuple[str, str, str, datetime | None]]:
    batch = extractor.extract(make_transcript([(SAID, [("Ana", text)])]))
    names = {e.id: e.name for e in batch.entities}
    return [(names[f.subject_id], f.predicate, names[f.object_id], f.valid_from) for f in batch.facts]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm seeing Tom.", [("Ana", "dating", "Tom", SAID)]),
        ("I am seeing Tom Baker these days.", [("Ana", "dating", "Tom Baker", SAID)]),
        ("I've been seeing Tom since March.", [("Ana", "dating", "Tom", datetime(2023, 3, 1))]),
    ],
)
def test_the_present_progressive_of_see_with_a_person_is_dating(extractor: Any, text: str, expected: Any) -> None:
    # before, "see" was a light verb: "I'm seeing Tom" stated nothing
    assert _facts(extractor, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I saw Tom yesterday.",  # a one-off meeting, an event
        "I'm seeing Tom tomorrow.",  # a meeting arranged
        "I'm seeing Tom in two days.",
        "I'm seeing a therapist.",  # no person named
        "I'm seeing Paris for the first time.",  # a place
        "I was seeing Tom back then.",
        # a professional, a show or a visit with a purpose, a place or a frequency: appointments, not dating
        "I'm seeing Dr. Smith about my back.",
        "I'm seeing Dr. Lee for my knee.",
        "I'm seeing Maria, my physiotherapist, twice a week.",
        "I'm seeing Hamilton on Broadway.",
        "I'm seeing Tom at the clinic.",
        "I'm seeing Tom every Monday.",
        "I'm seeing Tom and Carla for dinner.",
        "I'm seeing Tom and Carla.",
    ],
)
def test_other_forms_of_see_state_no_relation(extractor: Any, text: str) -> None:
    assert not [f for f in _facts(extractor, text) if f[1] == "dating"]


def test_no_longer_seeing_someone_ends_dating(extractor: Any) -> None:
    batch = extractor.extract(make_transcript([(SAID, [("Ana", "I'm not seeing Tom anymore.")])]))
    ended = {(c.subject_id, c.predicate, c.object_id, c.correction) for c in batch.closings}
    # the relationship of both (an ending of a state of two is recorded both ways round)
    assert ended == {
        ("ent:person:ana", "dating", "ent:person:tom", False),
        ("ent:person:tom", "dating", "ent:person:ana", False),
    }


def test_the_vocabulary_declares_see_as_an_ongoing_verb_of_dating() -> None:
    dating = by_name("dating")
    assert dating is not None and "see" in dating.ongoing and dating.single_valued
    assert [p.name for p in statements_for("see_ongoing")] == ["dating"]
    assert list(statements_for("see")) == []  # "I saw Tom": no relation
