"""A country or body named by an all-caps acronym is an entity, also where the word in lower case is a pronoun:
"the US" was dropped as "us" (the pronoun filter of stage 2 read the name in lower case)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graphmem.extract.entities import EntityRegistry, annotate
from graphmem.memory import Memory
from tests.ingest.fakes import FakeEmbedder

NS = "a"


def _typed(nlp: Any, text: str) -> dict[str, str]:
    registry = EntityRegistry("t")
    annotate(nlp(text), registry, speaker_id=None, addressee_id=None)
    return {e.name: e.type for e in registry.entities() if e.type != "Topic"}


@pytest.mark.parametrize(
    ("text", "name", "type_"),
    [
        ("I moved to the US last year.", "US", "Place"),  # before: nothing
        ("US companies pay more.", "US", "Place"),
        ("I live in the UK.", "UK", "Place"),
        ("I went to the USA in May.", "USA", "Place"),
        ("I work for the EU.", "EU", "Organization"),
    ],
)
def test_an_acronym_ner_names_is_an_entity(nlp: Any, text: str, name: str, type_: str) -> None:
    assert _typed(nlp, text).get(name) == type_


@pytest.mark.parametrize(
    "text",
    [
        "Let us know.",
        "LET US KNOW.",
        "Join US for dinner on Friday!",  # before: the place "US"
        "Can you send US the photos?",
        "Please LET US know by Friday.",
    ],
)
def test_the_pronoun_is_no_place(nlp: Any, text: str) -> None:
    assert _typed(nlp, text) == {}


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[Memory]:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        yield mem


def test_a_move_to_the_us_is_stored(memory: Memory) -> None:
    memory.add({"speaker": "Lena", "text": "I moved to the US last year.", "time": "2025-06-10T10:00:00"}, namespace=NS)
    names = {e.id: e.name for e in memory.store.iter_entities(NS)}
    homes = {names[f.object_id] for f in memory.store.iter_facts(NS) if f.predicate == "lives_in"}
    assert homes == {"US"}
