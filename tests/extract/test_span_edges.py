"""A name keeps no function word NER ran into it at its edge ("I moved to Bristol on 1 June": not a place
"Bristol on"), and keeps those inside it ("Bank of America", "Museum of Modern Art"), joining the parts NER
cut at them ("Stratford-upon-Avon", "Newcastle upon Tyne")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graphmem.extract.entities import EntityRegistry, annotate
from graphmem.extract.pipeline import SpacyExtractor
from graphmem.memory import Memory
from tests.extract.conftest import one_session_batch
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
        # before: the place "Stratford" and a thing "Avon"
        ("I grew up in Stratford-upon-Avon.", "Stratford-upon-Avon", "Place"),
        ("We went to Newcastle-upon-Tyne last year.", "Newcastle-upon-Tyne", "Place"),
        ("We went to Newcastle-on-Tyne.", "Newcastle-on-Tyne", "Place"),
        ("We flew to Rio de Janeiro.", "Rio de Janeiro", "Place"),  # NER names it whole
        ("The Bank of England raised rates.", "Bank of England", "Organization"),
        ("She banks with Bank of the West.", "Bank of the West", "Organization"),  # NER names it whole
        # a spaced "upon" between two capitalised names: one place, whatever NER made of the parts (before:
        # the places "Newcastle" and "Tyne"; the firm "Kingston" and a thing "Thames"; the people
        # "Stratford" and "Avon")
        ("I grew up in Newcastle upon Tyne.", "Newcastle upon Tyne", "Place"),
        ("I moved to Kingston upon Thames.", "Kingston upon Thames", "Place"),
        ("I live in Burton upon Trent.", "Burton upon Trent", "Place"),
        ("We visited Stratford upon Avon.", "Stratford upon Avon", "Place"),
    ],
)
def test_a_name_ner_cut_at_its_small_words_is_one(nlp: Any, text: str, name: str, type_: str) -> None:
    names = _typed(nlp, text)
    assert names == {name: type_}


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("I love Paris and London.", {"Paris", "London"}),
        ("I moved from Paris, London is next.", {"Paris", "London"}),
        ("I left Paris. Of the cities, London is best.", {"Paris", "London"}),
        # a spaced "on" links no name; only Minecraft (no NER name) guards that: the other two, NER's two names,
        # are kept apart by the whole-name rule too, and stay as guards of it
        ("I watch Breaking Bad on Netflix.", {"Breaking Bad", "Netflix"}),
        ("I found Ollie on Twitter.", {"Ollie", "Twitter"}),
        ("I play Minecraft on Xbox.", {"Minecraft", "Xbox"}),
        # a bare hyphen pairs two names
        ("I took the Paris-London train.", {"Paris", "London"}),
        ("I was flying London-Paris.", {"London", "Paris"}),
        ("I watched Spain-Portugal yesterday.", {"Spain", "Portugal"}),
        # a name NER gave whole takes in nothing after a spaced "de" (NER names London and Paris)
        ("I flew from London de Paris.", {"London", "Paris"}),
        # nor after a spaced "of" or "of the"
        ("I had lunch with Tim of Apple.", {"Tim", "Apple"}),
        ("I had lunch with Tim of the Guardian.", {"Tim", "Guardian"}),
        ("I told Maria of Google's offer.", {"Maria", "Google"}),
        ("Sam of Acme Labs emailed me.", {"Sam", "Acme Labs"}),
        # a lone spaced "of" after a title joins nothing
        ("I met the Mayor of Leeds.", {"Mayor", "Leeds"}),
        ("I'm the CEO of Acme Labs.", {"CEO", "Acme Labs"}),
        ("I met the President of Globex.", {"President", "Globex"}),
        # nor does a spaced "of the": not a Place "Mayor of the Bronx", nor a firm "Minister of the Interior"
        ("The Mayor of the Bronx called me.", {"Mayor", "Bronx"}),
        ("I met the Governor of the Bahamas at a party.", {"Governor", "Bahamas"}),
        ("I work for the Minister of the Interior.", {"Minister", "Interior"}),
        # (an unquoted title with no determiner, "Lord of the Rings", is one name: test_titled_names.py)
        ("Paris in the spring is lovely.", {"Paris"}),
    ],
)
def test_names_apart_stay_apart(nlp: Any, text: str, names: set[str]) -> None:
    assert set(_typed(nlp, text)) == names


@pytest.mark.parametrize(
    ("text", "left"), [("The Russia-Ukraine war worries me.", "Russia"), ("I went to the Mexico-US border.", "Mexico")]
)
def test_a_bare_hyphen_joins_no_names(nlp: Any, text: str, left: str) -> None:
    names = _typed(nlp, text)
    assert names.get(left) == "Place"  # the left name is its own entity
    assert not any("-" in name for name in names)


def test_a_person_met_before_keeps_her_name_beside_her_firm(extractor: SpacyExtractor) -> None:
    """Before, "Tim of Apple" was a second person, and the firm was lost."""
    batch = one_session_batch(
        extractor, [("Lena", "I met Tim at the gym."), ("Lena", "I had lunch with Tim of Apple.")]
    )
    names = {(e.name, e.type) for e in batch.entities if e.type != "Topic"}
    assert {("Tim", "Person"), ("Apple", "Organization")} <= names
    assert not any("of" in name.split() for name, _ in names)
