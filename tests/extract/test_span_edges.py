"""A name keeps no function word NER ran into it at its edge ("I moved to Bristol on 1 June": not a place
"Bristol on"), and keeps those inside it ("Bank of America", "Museum of Modern Art"), joining the parts NER
cut at them ("Stratford-upon-Avon", an unquoted "Lord of the Rings")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graphmem.extract.entities import EntityRegistry, annotate
from graphmem.memory import Memory
from tests.ingest.fakes import FakeEmbedder

NS = "a"


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[Memory]:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        yield mem


def _names(nlp: Any, text: str) -> set[str]:
    registry = EntityRegistry("t")
    annotate(nlp(text), registry, speaker_id=None, addressee_id=None)
    return {e.name for e in registry.entities() if e.type != "Topic"}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("I moved to Bristol on 1 June.", "Bristol"),
        ("I flew to Bristol on 1 June.", "Bristol"),
        ("I moved to Madrid on 1 June.", "Madrid"),
        ("She works at the Bank of America in Boston.", "Bank of America"),
        ("We visited the Museum of Modern Art on Sunday.", "Museum of Modern Art"),
        ('I finally read "The Lord of the Rings" last month.', "The Lord of the Rings"),  # a quoted title
    ],
)
def test_a_name_keeps_only_its_own_function_words(nlp: Any, text: str, name: str) -> None:
    names = _names(nlp, text)
    assert name in names
    assert not any(n.split()[-1].islower() or n.split()[0].islower() for n in names)


def test_a_move_on_a_date_lives_in_the_place_named(memory: Memory) -> None:
    memory.add(
        {"speaker": "Lena", "text": "I moved to Bristol on 1 June.", "time": "2025-06-10T10:00:00"}, namespace=NS
    )
    names = {e.id: e.name for e in memory.store.iter_entities(NS)}
    homes = {names[f.object_id] for f in memory.store.iter_facts(NS) if f.predicate == "lives_in"}
    assert homes == {"Bristol"}  # before: "Bristol on"
    assert "ent:place:bristol-on" not in names


def _typed(nlp: Any, text: str) -> dict[str, str]:
    registry = EntityRegistry("t")
    annotate(nlp(text), registry, speaker_id=None, addressee_id=None)
    return {e.name: e.type for e in registry.entities() if e.type != "Topic"}


@pytest.mark.parametrize(
    ("text", "name", "type_"),
    [
        # before: the place "Stratford" and a thing "Avon"; the firm "Rings" and a thing "Lord"
        ("I grew up in Stratford-upon-Avon.", "Stratford-upon-Avon", "Place"),
        ("We went to Newcastle-upon-Tyne last year.", "Newcastle-upon-Tyne", "Place"),
        ("We watched Lord of the Rings last night.", "Lord of the Rings", None),
        ("Lord of the Rings is my favourite.", "Lord of the Rings", None),
    ],
)
def test_a_name_ner_cut_at_its_small_words_is_one(nlp: Any, text: str, name: str, type_: str | None) -> None:
    names = _typed(nlp, text)
    assert set(names) == {name}
    assert type_ is None or names[name] == type_


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("I love Paris and London.", {"Paris", "London"}),
        ("I moved from Paris, London is next.", {"Paris", "London"}),
        ("I left Paris. Of the cities, London is best.", {"Paris", "London"}),
        ("I follow Jon on Instagram.", {"Jon", "Instagram"}),  # a spaced "on" links no name
        ("Paris in the spring is lovely.", {"Paris"}),
    ],
)
def test_names_apart_stay_apart(nlp: Any, text: str, names: set[str]) -> None:
    assert set(_typed(nlp, text)) == names
