"""A loss undone in the turn that tells it ends nothing: "Pepper ran away yesterday, we found her this
morning." leaves the cat held; "Pepper ran away and never came back" does not."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from graphmem.memory import Memory
from graphmem.store.base import TimeFilter
from tests.ingest.fakes import FakeEmbedder

NS = "p"
ADOPTED = "2025-02-04T09:02:00"
LATER = "2025-06-10T10:05:00"


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[Memory]:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        yield mem


def _pets_now(mem: Memory, turns: list[tuple[str, str]]) -> set[str]:
    mem.add([{"speaker": "Priti", "text": text, "time": when} for text, when in turns], namespace=NS)
    names = {e.id: e.name for e in mem.store.iter_entities(NS)}
    found = mem.store.iter_facts(NS, time=TimeFilter(valid_at=datetime(2025, 6, 11)))
    return {names[f.object_id] for f in found if f.predicate == "has_pet"}


@pytest.mark.parametrize(
    "loss",
    [
        "Pepper ran away yesterday, we found her this morning.",
        "Pepper ran away yesterday. She was found this morning.",
        "Pepper ran away last week but came back yesterday.",
        "Pepper got lost on Monday but she turned up this morning.",
        "We lost Pepper last week, but a neighbour found him yesterday.",
        "Pepper ran away on Monday. A neighbour brought her home yesterday.",
        "Pepper ran away on Monday and we got him back on Friday.",
        "My cat Pepper ran away last week, but we found him.",
        "My cat Pepper ran away yesterday, but she's back home now.",
    ],
)
def test_a_loss_undone_in_the_same_turn_leaves_the_pet_held(memory: Memory, loss: str) -> None:
    turns = [("I just adopted a cat called Pepper last week.", ADOPTED), (loss, LATER)]
    assert _pets_now(memory, turns) == {"Pepper"}  # before: closed by the loss


@pytest.mark.parametrize(
    "loss",
    [
        "Pepper ran away and never came back.",
        "Pepper ran away yesterday and we never found her.",
        "Pepper ran away yesterday and we haven't found her.",
        "Pepper ran away yesterday, we hope she comes back.",
        "Pepper ran away yesterday, we tried to find her.",
        "Pepper ran away yesterday, we found her dead this morning.",  # a state found, not the cat back
        "Pepper died yesterday, we found her in the garden.",  # a death is no loss a finding undoes
        "Pepper ran away on Monday, my sister came back from Leeds yesterday.",  # another comes back
        "Pepper ran away on Monday, then we found Max at the shelter.",  # another is found
        "Pepper ran away on Monday. We brought her toys home.",  # her toys, not her
        "We lost Pepper last week. Did you find her?",  # a question
    ],
)
def test_a_loss_not_undone_still_ends_the_pet(memory: Memory, loss: str) -> None:
    turns = [("I just adopted a cat called Pepper last week.", ADOPTED), (loss, LATER)]
    assert _pets_now(memory, turns) == set()
