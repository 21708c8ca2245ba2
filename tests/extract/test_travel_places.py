"""Where a journey goes, comes from or is spent is a place (sample finding: "Inês and I booked a train to
Porto" typed Porto a person, "I went hiking in Sintra" typed Sintra a group), unless the name is said as a
person's ("a trip to Dr. Lee", "we drove to Maria's")."""

from __future__ import annotations

import pytest

from graphmem.extract.pipeline import SpacyExtractor

from .conftest import one_session_batch


def _types(extractor: SpacyExtractor, text: str) -> dict[str, str]:
    batch = one_session_batch(extractor, [("Tomás", text), ("Priya", "Nice.")])
    return {e.name: e.type for e in batch.entities}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Yes, Inês and I booked a train to Porto for the second week of May.", "Porto"),
        ("Great, thanks! I went hiking in Sintra last Saturday with my sister Inês.", "Sintra"),
        ("Are you still planning the trip to Porto?", "Porto"),
        # NER takes Leeds and Manchester for products here (tester finding: the move was never recorded)
        ("I moved to Leeds on 1 April.", "Leeds"),
        ("I moved to Manchester on 1 April.", "Manchester"),
    ],
)
def test_a_journeys_end_is_a_place(extractor: SpacyExtractor, text: str, name: str) -> None:
    types = _types(extractor, text)
    assert types[name] == "Place"
    assert types.get("Inês", "Person") == "Person"  # the fellow traveller stays a person


@pytest.mark.parametrize(
    "text",
    [
        "We drove to Maria's last week.",
        "I booked a trip to Dr. Lee.",
        # review finding: a person's full name after a journey word was typed a place
        "We paid a visit to Sara Lopez yesterday.",
        "I finally got tickets to Taylor Swift!",
    ],
)
def test_a_person_said_as_one_stays_a_person(extractor: SpacyExtractor, text: str) -> None:
    types = _types(extractor, text)
    assert "Place" not in {t for n, t in types.items() if any(p in n for p in ("Maria", "Lee", "Sara", "Swift"))}
