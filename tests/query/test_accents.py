"""``~`` and name equality ignore accents: "Ines" finds "Inês", "Tomás" finds "Tomas"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphmem import Entity, Event, Memory, Mention
from graphmem.query.values import fuzzy_key, normalise_name, strip_accents
from graphmem.store.mirror import normalise_name as store_key

from .test_executor import col, run

NS = "acc"


@pytest.fixture(scope="module")
def accented(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Memory]:
    """Two speakers, one with an accented name, and an unaccented name mentioned (namespace ``acc``)."""
    events = [
        Event(NS, "a1", "s1", 0, "Inês", "Tomas came to São Paulo with me", datetime(2024, 1, 1, 10)),
        Event(NS, "a2", "s1", 1, "Tomas", "And we met Zoë", datetime(2024, 1, 1, 10, 1)),
    ]
    entities = [
        Entity(NS, "p:ines", "Inês", "Person"),
        Entity(NS, "p:tomas", "Tomas", "Person", ("Tomás Silva",)),
        Entity(NS, "g:sp", "São Paulo", "Place"),
        Entity(NS, "p:zoe", "Zoë", "Person"),
        Entity(NS, "p:soren", "Søren Kierkegård", "Person"),
        Entity(NS, "p:lukasz", "Łukasz", "Person"),
        Entity(NS, "p:obrien", "O'Brien", "Person"),
    ]
    mentions = [
        Mention(NS, "a1", "p:ines", "speaker"),
        Mention(NS, "a2", "p:tomas", "speaker"),
        Mention(NS, "a1", "p:tomas"),
        Mention(NS, "a1", "g:sp"),
        Mention(NS, "a2", "p:zoe"),
        Mention(NS, "a2", "p:soren"),
        Mention(NS, "a2", "p:lukasz"),
        Mention(NS, "a2", "p:obrien"),
    ]
    with Memory.open(tmp_path_factory.mktemp("accents") / "db") as mem:
        mem.add_events(events, namespace=NS, entities=entities, mentions=mentions)
        yield mem


def test_fuzzy_seek_ignores_accents(accented: Memory) -> None:
    assert col(run(accented, 'FIND (p ~"Ines") RETURN p.name', namespace=NS)) == ["Inês"]
    assert col(run(accented, 'FIND (p ~"INES") RETURN p.score', namespace=NS)) == [1.0]
    assert col(run(accented, 'FIND (p:Person ~"Zoe") RETURN p.name', namespace=NS)) == ["Zoë"]
    # and the other way round: an accent in the query matches a plain stored name
    assert col(run(accented, 'FIND (p ~"Tomás") RETURN p.id', namespace=NS)) == ["p:tomas"]


def test_fuzzy_match_on_a_reached_node_and_in_where(accented: Memory) -> None:
    text = 'FIND (e:Event {id: "a1"})-[:SPOKEN_BY]->(p ~"ines") RETURN p.name'
    assert col(run(accented, text, namespace=NS)) == ["Inês"]
    text = 'FIND (e:Event)-[:SPOKEN_BY]->(p) WHERE p.name ~ "Ines" RETURN e.id'
    assert col(run(accented, text, namespace=NS)) == ["a1"]
    text = 'FIND (e:Event) WHERE e MENTIONS ~"Sao Paulo" RETURN e.id'
    assert col(run(accented, text, namespace=NS)) == ["a1"]


def test_name_equality_ignores_accents(accented: Memory) -> None:
    # the start of a match (the store's name lookup)
    assert col(run(accented, 'FIND (p {name: "Ines"}) RETURN p.id', namespace=NS)) == ["p:ines"]
    # a node reached by an edge (the DSL's own test), by name and by alias
    text = 'FIND (e:Event {id: "a1"})-[:MENTIONS]->(x {name: "sao  paulo"}) RETURN x.id'
    assert col(run(accented, text, namespace=NS)) == ["g:sp"]
    text = 'FIND (e:Event {id: "a1"})-[:MENTIONS]->(x {name: "Tomas Silva"}) RETURN x.id'
    assert col(run(accented, text, namespace=NS)) == ["p:tomas"]
    text = 'FIND (e:Event) WHERE e MENTIONS "zoe" OR e MENTIONS "São paulo" RETURN e.id ORDER BY e.id'
    assert col(run(accented, text, namespace=NS)) == ["a1", "a2"]


@pytest.mark.parametrize(
    ("asked", "found"),
    [("Soren", "p:soren"), ("Kierkegard", "p:soren"), ("Lukasz", "p:lukasz"), ("OBrien", "p:obrien")],
)
def test_letters_that_do_not_decompose_fold_too(accented: Memory, asked: str, found: str) -> None:
    assert col(run(accented, f'FIND (p ~"{asked}") RETURN p.id LIMIT 1', namespace=NS)) == [found]


def test_name_equality_folds_letters_and_apostrophes(accented: Memory) -> None:
    text = 'FIND (p {name: "soren kierkegard"}) RETURN p.id'
    assert col(run(accented, text, namespace=NS)) == ["p:soren"]
    assert col(run(accented, 'FIND (p {name: "obrien"}) RETURN p.id', namespace=NS)) == ["p:obrien"]
    assert col(run(accented, 'FIND (p {name: "LUKASZ"}) RETURN p.id', namespace=NS)) == ["p:lukasz"]


def test_plain_equality_stays_exact(accented: Memory) -> None:
    assert run(accented, 'FIND (e:Event) WHERE e.speaker = "Ines" RETURN e.id', namespace=NS).rows == ()


def test_the_keys() -> None:
    assert strip_accents("Inês Ñandú Zoë") == "Ines Nandu Zoe"
    assert normalise_name("  Inês   DA Silva ") == "ines da silva"
    assert fuzzy_key("Tomás, Silva!") == "tomas  silva"
    assert strip_accents("Søren Łukasz Æsa Œuvre Straße Đorđe") == "Soren Lukasz AEsa OEuvre Strasse Dorde"
    assert normalise_name("O'Brien D’Angelo") == normalise_name("OBrien Dangelo") == "obrien dangelo"


@given(st.text(max_size=20))
def test_names_are_keyed_as_the_store_keys_them(name: str) -> None:
    assert normalise_name(name) == store_key(name)
