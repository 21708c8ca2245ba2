"""A pet that went missing is no longer held, as one that ran away or died: "went missing" is the verb with
its complement (``go_missing``), which the object-less endings read as a loss. A loss that can be undone ends
only ``has_pet``: a child or a spouse who went missing or ran away is still one's child or spouse."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from graphmem.extract.pipeline import SpacyExtractor
from graphmem.memory import Memory
from graphmem.store.base import TimeFilter
from tests.ingest.fakes import FakeEmbedder

from .conftest import one_session_batch

NS = "p"
ADOPTED = "2025-02-04T09:02:00"
LATER = "2025-06-10T10:05:00"


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[Memory]:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        yield mem


def _held(mem: Memory, predicate: str, turns: list[tuple[str, str]]) -> set[str]:
    mem.add([{"speaker": "Priti", "text": text, "time": when} for text, when in turns], namespace=NS)
    names = {e.id: e.name for e in mem.store.iter_entities(NS)}
    found = mem.store.iter_facts(NS, time=TimeFilter(valid_at=datetime(2025, 6, 11)))
    return {names[f.object_id] for f in found if f.predicate == predicate}


@pytest.mark.parametrize(
    "loss",
    [
        "Pepper went missing.",  # before: nothing closed
        "Pepper went missing yesterday.",
        "My cat Pepper went missing last week.",
        "Pepper ran away.",
        "Pepper died.",
    ],
)
def test_a_pet_gone_missing_is_no_longer_held(memory: Memory, loss: str) -> None:
    turns = [("I just adopted a cat called Pepper.", ADOPTED), (loss, LATER)]
    assert _held(memory, "has_pet", turns) == set()


@pytest.mark.parametrize(
    "loss",
    [
        "Pepper didn't go missing.",
        "Pepper went missing yesterday, but we found her this morning.",  # undone in the turn
        "Max went missing.",  # another one
        "Pepper went home.",  # no loss
        "Pepper went missing for an hour.",  # before: ended; a loss that passed
        "Pepper went missing when she was a kitten.",
        "Pepper goes missing every weekend.",  # a habit
        "Pepper often went missing.",
    ],
)
def test_a_pet_not_gone_is_still_held(memory: Memory, loss: str) -> None:
    turns = [("I just adopted a cat called Pepper.", ADOPTED), (loss, LATER)]
    assert _held(memory, "has_pet", turns) == {"Pepper"}


@pytest.mark.parametrize("text", ["Leo went missing.", "Leo ran away."])
def test_a_loss_that_can_be_undone_ends_only_a_pet(extractor: SpacyExtractor, text: str) -> None:
    """Before, "ran away" closed ``has_child``, ``married_to`` and ``dating`` of Leo too."""
    batch = one_session_batch(extractor, [("Ana", "My son Leo is ten."), ("Ben", "Nice."), ("Ana", text)])
    assert {c.predicate for c in batch.closings} == {"has_pet"}


def test_lost_keys_end_no_pet(extractor: SpacyExtractor) -> None:
    """Before, "my keys" closed ``has_pet`` of the keys."""
    batch = one_session_batch(extractor, [("Ana", "My keys went missing."), ("Ben", "Oh no.")])
    assert not [c for c in batch.closings if c.predicate == "has_pet"]
