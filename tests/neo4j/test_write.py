"""Neo4j write transactions beyond the contract: retraction of many events, chunked statements, replace."""

from __future__ import annotations

from dataclasses import replace

import pytest

from graphmem.errors import StoreError
from graphmem.models import Batch, EdgeType, Event, Fact
from graphmem.store.base import Direction
from graphmem.store.cypher import CypherStore
from graphmem.store.cypher import write as cypher_write
from tests.store.test_contract import conversation, day

pytestmark = pytest.mark.neo4j


def _next(store: CypherStore, ns: str, event_id: str) -> list[str]:
    return [n.node_id for n in store.neighbors(ns, event_id, edge_types=[EdgeType.NEXT], direction=Direction.OUT)]


def test_retracting_every_supporting_event_drops_the_fact_and_relinks_the_session(neo4j_store: CypherStore) -> None:
    ns = "r"
    base = conversation(ns)
    both = Fact(ns, "f-both", "caroline", "likes", "melanie", day(0), evidence=("e1", "e3"))
    neo4j_store.write(replace(base, facts=(*base.facts, both)))
    kept = Fact(ns, "f-kept", "melanie", "knows", "caroline", day(0), evidence=("e2", "e4"))
    neo4j_store.write(Batch(ns, facts=(kept,), retract=("e1", "e3", "caroline-is-not-an-event", "camping")))
    assert [e.id for e in neo4j_store.iter_events(ns)] == ["e2", "e4"]
    assert neo4j_store.get_fact(ns, "f-both") is None  # all of its evidence went
    assert neo4j_store.get_fact(ns, "f-kept") is not None
    assert neo4j_store.get_entity(ns, "caroline") is not None  # the batch's fact uses her
    assert neo4j_store.get_entity(ns, "camping") is not None  # not an event: not retracted
    assert neo4j_store.get_entity(ns, "support-group") is None  # only e1 mentioned it
    assert _next(neo4j_store, ns, "e2") == []  # e3 is gone, e2 is last in s1 again


def test_big_batches_are_sent_in_chunks_within_one_transaction(
    neo4j_store: CypherStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cypher_write, "ROWS_PER_STATEMENT", 2)
    ns = "chunks"
    base = conversation(ns)
    extra = tuple(Event(ns, f"x{i}", "s2", i + 1, "Ann", f"turn {i}") for i in range(7))
    neo4j_store.write(replace(base, events=(*base.events, *extra)))
    assert [e.id for e in neo4j_store.iter_events(ns, session="s2")] == ["e4", *(e.id for e in extra)]
    assert len(list(neo4j_store.iter_mentions(ns))) == len(base.mentions)
    assert _next(neo4j_store, ns, "x5") == ["x6"]


def test_replace_namespace_is_one_transaction(neo4j_store: CypherStore, monkeypatch: pytest.MonkeyPatch) -> None:
    ns = "rep"
    neo4j_store.write(conversation(ns))
    smaller = Batch(ns, sessions=conversation(ns).sessions[:1], events=conversation(ns).events[:1])
    monkeypatch.setattr(cypher_write, "PUT_EVENTS", "NOT CYPHER")
    with pytest.raises(StoreError, match="nothing was written"):
        neo4j_store.replace_namespace(smaller)
    assert neo4j_store.stats(ns).events == 4
    monkeypatch.undo()
    deleted = neo4j_store.replace_namespace(smaller)
    assert (deleted.events, deleted.sessions, deleted.facts) == (4, 2, 2)
    assert [e.id for e in neo4j_store.iter_events(ns)] == ["e1"] and neo4j_store.stats(ns).entities == 0


def test_the_entities_of_many_names_are_found_in_one_statement_as_one_by_one(neo4j_store: CypherStore) -> None:
    ns = "named"
    neo4j_store.write(conversation(ns))
    names = [e.name for e in conversation(ns).entities] + [*(a for e in conversation(ns).entities for a in e.aliases)]
    wanted = [n.upper() for n in names] + ["nobody at all"]
    one_by_one = {e.id: e for n in wanted for e in neo4j_store.find_entities(ns, n)}
    assert one_by_one  # the names are found ignoring case
    assert neo4j_store.find_entities_named(ns, wanted) == sorted(one_by_one.values(), key=lambda e: e.id)
    assert neo4j_store.find_entities_named(ns, ["nobody at all"]) == neo4j_store.find_entities_named(ns, []) == []
