"""What a sentence says is read clause by clause (tester finding, 5 Dec 2026: support-ticket turns gave no
facts): a hedge in a clause spliced on after a comma is not the first clause's ("I moved to Lisbon last month,
maybe the address is old"), and a firm named as part of a place noun is where one works ("I work at Acme
Corp support")."""

from __future__ import annotations

import pytest

from graphmem.extract.pipeline import SpacyExtractor

from .conftest import named_facts, one_session_batch


@pytest.mark.parametrize(
    "text",
    [
        "I moved to Lisbon last month, maybe the address is old.",
        "I moved to Lisbon last month, perhaps you knew.",
    ],
)
def test_a_hedge_in_a_spliced_clause_is_not_the_first_clause(extractor: SpacyExtractor, text: str) -> None:
    assert ("Ana", "lives_in", "Lisbon") in named_facts(one_session_batch(extractor, [("Ana", text)]))


@pytest.mark.parametrize(
    "text",
    [
        "Maybe I'll move to Lisbon, who knows.",
        "I think maybe I'll move to Lisbon.",
        "I'll move to Lisbon, maybe.",
        "Maybe I moved to Lisbon.",
    ],
)
def test_a_hedge_of_the_clause_itself_still_holds(extractor: SpacyExtractor, text: str) -> None:
    facts = named_facts(one_session_batch(extractor, [("Ana", text)]))
    assert not {f for f in facts if f[1] == "lives_in"}


@pytest.mark.parametrize(
    ("text", "firm"),
    [
        ("I work at Acme Corp support.", "Acme Corp"),
        ("I work at Acme Corp support, let me check order 0.", "Acme Corp"),
        ("I work for the Tesco warehouse in Leeds.", "Tesco"),
    ],
)
def test_a_firm_named_as_part_of_a_place_is_the_workplace(extractor: SpacyExtractor, text: str, firm: str) -> None:
    jobs = {f for f in named_facts(one_session_batch(extractor, [("Fay", text)])) if f[1] == "works_at"}
    assert jobs == {("Fay", "works_at", firm)}


@pytest.mark.parametrize("text", ["I work at the Lisbon office of Acme Corp.", "I met Tom at the Hilton hotel."])
def test_a_place_named_as_part_of_a_noun_is_no_workplace(extractor: SpacyExtractor, text: str) -> None:
    facts = named_facts(one_session_batch(extractor, [("Fay", text)]))
    assert ("Fay", "works_at", "Lisbon") not in facts
    assert not {f for f in facts if f[2] == "Hilton"}
