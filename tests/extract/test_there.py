""" "There" after being or going is the place named last in the session's recent turns: "I love Paris." —
"I was there in July." states ``went_to`` Paris (and so carries out a plan to go there); with no place, or
two, named in view it states nothing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from graphmem.extract.pipeline import SpacyExtractor
from graphmem.extract.resolve import resolve_batch
from graphmem.memory import Memory
from tests.support.talk import held, say

from .conftest import make_transcript

SAID = datetime(2023, 8, 20, 10, 0)
JULY = datetime(2023, 7, 1)


def _visits(extractor: SpacyExtractor, *sessions: list[tuple[str, str]]) -> set[tuple[str, str, datetime | None]]:
    batch = resolve_batch(extractor.extract(make_transcript([(SAID, turns) for turns in sessions])), (), salience=False)
    names = {e.id: e.name for e in batch.entities}
    return {(f.evidence[0][-3:], names[f.object_id], f.valid_from) for f in batch.facts if f.predicate == "went_to"}


@pytest.mark.parametrize(
    ("turns", "visit"),
    [
        # named by the speaker two turns before, by the other speaker in the turn before, in the same turn
        ([("Ana", "I love Paris."), ("Ben", "Me too!"), ("Ana", "I was there in July.")], ("1:3", "Paris", JULY)),
        ([("Ben", "Have you been to Lisbon?"), ("Ana", "Yes, I went there last week.")],
         ("1:2", "Lisbon", datetime(2023, 8, 7))),
        ([("Ana", "Paris is lovely, I was there in July.")], ("1:1", "Paris", JULY)),
        ([("Ben", "Lisbon is great."), ("Ana", "I've been there twice.")], ("1:2", "Lisbon", SAID.replace(second=1))),
        # "we" going or being there: the speaker among others, as in "we went camping"
        ([("Ben", "Have you been to Lisbon?"), ("Ana", "We went there last summer.")],
         ("1:2", "Lisbon", datetime(2022, 6, 1))),
        ([("Ana", "I loved Lisbon."), ("Ben", "Me too!"), ("Ana", "We were there in July.")], ("1:3", "Lisbon", JULY)),
    ],
)  # fmt: skip
def test_there_is_the_place_named_last(
    extractor: SpacyExtractor, turns: list[tuple[str, str]], visit: tuple[str, str, datetime | None]
) -> None:
    assert visit in _visits(extractor, turns)


@pytest.mark.parametrize(
    "sessions",
    [
        [[("Ana", "I was there in July.")]],  # no place named
        [[("Ana", "I love Paris.")], [("Ana", "I was there in July.")]],  # named in another session
        [[("Ana", "I love Paris."), ("Ben", "Nice."), ("Ana", "Sure."), ("Ana", "I was there in July.")]],  # long ago
        [[("Ben", "I love Paris and Rome."), ("Ana", "I was there in July.")]],  # which one?
        [[("Ana", "I love Paris."), ("Ana", "There was a festival in July.")]],  # no place adverb
    ],
)
def test_there_with_no_one_place_in_view_states_nothing(
    extractor: SpacyExtractor, sessions: list[list[tuple[str, str]]]
) -> None:
    last = f"{len(sessions)}:{len(sessions[-1])}"
    assert [v for v in _visits(extractor, *sessions) if v[0] == last] == []


def test_a_visit_told_with_there_carries_out_a_plan(extractor: SpacyExtractor, memory: Memory, tmp_path: Path) -> None:
    say(
        memory,
        extractor,
        tmp_path / "a.txt",
        "[10:00] Ana: I want to visit Rome.\n",
        namespace="p",
        date="14 June 2023",
    )
    assert held(memory, "plans", namespace="p") == {"Rome"}
    talk = "[10:00] Ben: How was Rome?\n[10:01] Ana: I was there in July, it was great.\n"
    say(memory, extractor, tmp_path / "b.txt", talk, namespace="p", date="20 August 2023")
    assert held(memory, "went_to", namespace="p", valid_at=datetime(2023, 7, 15)) == {"Rome"}
    assert held(memory, "plans", namespace="p") == set()  # carried out in July


@pytest.mark.parametrize(
    ("turns", "visit"),
    [
        # NER calls Porto a person here: gone to, it is a place, and "there" finds it
        ([("Ben", "Have you been to Porto?"), ("Ana", "I was there in July.")], ("1:2", "Porto", JULY)),
        ([("Ben", "Have you been to Porto?"), ("Ana", "We went there last summer.")],
         ("1:2", "Porto", datetime(2022, 6, 1))),
    ],
)  # fmt: skip
def test_a_place_ner_took_for_a_person_is_a_place_where_one_goes(
    extractor: SpacyExtractor, turns: list[tuple[str, str]], visit: tuple[str, str, datetime | None]
) -> None:
    assert visit in _visits(extractor, turns)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("I went to Maria's last night.", "Maria"),  # someone's home: Maria is still a person
        ("I went to Dr. Lee yesterday.", "Dr. Lee"),
        ("I talked to Tom Hardy yesterday.", "Tom Hardy"),  # no going
    ],
)
def test_a_person_one_goes_to_stays_a_person(extractor: SpacyExtractor, text: str, name: str) -> None:
    batch = resolve_batch(extractor.extract(make_transcript([(SAID, [("Ana", text)])])), (), salience=False)
    assert [e.type for e in batch.entities if e.name == name] == ["Person"]
