"""An ending told of someone named by their role: "My dog Rex died last Saturday." The role noun ("my dog")
only names what ended; it does not state the pet again from the day it died."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from graphmem.memory import Memory
from graphmem.store.base import TimeFilter
from tests.ingest.fakes import FakeEmbedder

NS = "r"
EARLIER = "2025-03-03T09:00:00"
LATER = "2025-05-10T09:00:00"


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[Memory]:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        yield mem


def _say(mem: Memory, turns: list[tuple[str, str]], *, live: bool) -> None:
    messages = [{"speaker": "Ana", "text": text, "time": when} for text, when in turns]
    if live:  # one message at a time, as an agent adds them
        for message in messages:
            mem.add(message, namespace=NS)
    else:
        mem.add(messages, namespace=NS)


def _held(mem: Memory, predicate: str, when: datetime | None = None) -> set[str]:
    names = {e.id: e.name for e in mem.store.iter_entities(NS)}
    found = mem.store.iter_facts(NS, time=TimeFilter(valid_at=when or datetime(2025, 6, 1)))
    return {names[f.object_id] for f in found if f.predicate == predicate}


@pytest.mark.parametrize("live", [False, True], ids=["one-call", "live"])
@pytest.mark.parametrize(
    ("before", "ending", "predicate", "name", "held_on"),
    [
        ("I have a dog named Rex.", "My dog Rex died last Saturday.", "has_pet", "Rex", datetime(2025, 4, 1)),
        ("I have a cat named Luna.", "My cat Luna ran away yesterday.", "has_pet", "Luna", datetime(2025, 5, 8)),
        ("My son Leo is five.", "My son Leo died in April.", "has_child", "Leo", datetime(2025, 3, 20)),
        ("I have a dog named Rex.", "My dog Rex died.", "has_pet", "Rex", datetime(2025, 5, 1)),
    ],
)
def test_an_ending_of_a_role_named_before_ends_it(
    memory: Memory, live: bool, before: str, ending: str, predicate: str, name: str, held_on: datetime
) -> None:
    _say(memory, [(before, EARLIER), (ending, LATER)], live=live)
    assert _held(memory, predicate) == set()  # before: the role noun stated it again, from the day it ended
    assert _held(memory, predicate, held_on) == {name}


@pytest.mark.parametrize("live", [False, True], ids=["one-call", "live"])
def test_an_ending_of_a_role_never_named_before_is_a_state_gone_by(memory: Memory, live: bool) -> None:
    _say(memory, [("My dog Rex died last Saturday.", LATER)], live=live)
    assert _held(memory, "has_pet") == set()  # before: a current pet
    assert _held(memory, "has_pet", datetime(2025, 5, 1)) == {"Rex"}  # held before it died on 3 May
    assert _held(memory, "has_pet", datetime(2025, 5, 4)) == set()


@pytest.mark.parametrize("live", [False, True], ids=["one-call", "live"])
@pytest.mark.parametrize(
    ("before", "ending"),
    [
        # the parser hangs "Tom" on the verb as an adverb, not as the apposition of "my husband"
        ("I'm married to Tom.", "My husband Tom passed away last month."),
        # the partner is the subject: the marriage ends either way round
        ("I'm married to Tom.", "My husband Tom left me last month."),
    ],
)
def test_an_ending_of_a_spouse_named_before_ends_the_marriage(
    memory: Memory, live: bool, before: str, ending: str
) -> None:
    _say(memory, [(before, EARLIER), (ending, LATER)], live=live)
    assert _held(memory, "married_to") == set()  # before: Tom still the husband
    assert _held(memory, "married_to", datetime(2025, 3, 20)) == {"Tom"}


@pytest.mark.parametrize("live", [False, True], ids=["one-call", "live"])
@pytest.mark.parametrize(
    ("ending", "held"),
    [
        ("My job at Acme ended last week.", set()),
        ("My old job at Acme ended.", set()),
        ("My contract with Acme finished last month.", set()),
        ("My job ended last week.", set()),
        ("My old job ended last year.", {"Acme"}),  # another job than the one held now
    ],
)
def test_a_job_told_as_ended_ends_it(memory: Memory, live: bool, ending: str, held: set[str]) -> None:
    _say(memory, [("I work at Acme.", EARLIER), (ending, LATER)], live=live)
    assert _held(memory, "works_at") == held  # before: Acme still the job
    assert _held(memory, "works_at", datetime(2025, 3, 20)) == {"Acme"}


@pytest.mark.parametrize("live", [False, True], ids=["one-call", "live"])
@pytest.mark.parametrize(
    ("ending", "held_on", "gone_on"),
    [
        # "had to be put down": the ending is told as past by "had", though "put" is no past tense
        ("Our cat Miso had to be put down.", datetime(2025, 5, 9), datetime(2025, 5, 11)),
        ("Our cat Miso had to be put down on 3 May.", datetime(2025, 5, 2), datetime(2025, 5, 4)),
    ],
)
def test_a_pet_first_named_when_put_down_is_a_pet_gone_by(
    memory: Memory, live: bool, ending: str, held_on: datetime, gone_on: datetime
) -> None:
    _say(memory, [(ending, LATER)], live=live)
    assert _held(memory, "has_pet") == set()  # before: a current pet, from the day it was put down
    assert _held(memory, "has_pet", held_on) == {"Miso"}
    assert _held(memory, "has_pet", gone_on) == set()
