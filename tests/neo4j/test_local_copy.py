"""The client's copy of a namespace (``graphmem/store/cypher/copy.py``) answers as the server does, and only
while the namespace's change counter holds.

Each answer is taken once from the server (outside a read scope) and once from the copy (inside a scope
that read the counter), on the same data; they must be equal. Then the copy must stop answering as soon
as another connection writes the namespace.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from graphmem.errors import StoreError
from graphmem.models import Batch, EdgeType, Event, Mention
from graphmem.store import sqlite_terms
from graphmem.store.base import Direction, TimeFilter
from graphmem.store.cypher.copy import (
    EDGES,
    EVENTS,
    LOAD_EDGES,
    LOAD_ENTITIES,
    LOAD_EVENTS,
    EdgeCopy,
    LocalCopies,
    NamespaceCopy,
)
from graphmem.store.cypher.store import CypherStore
from tests.store.test_contract import conversation
from tests.support.bolt_server import BoltTarget
from tests.support.counting_session import CountingSession

pytestmark = pytest.mark.neo4j

NS = "copy"
LOADS = {LOAD_EVENTS, LOAD_ENTITIES, LOAD_EDGES}
TYPES: tuple[tuple[EdgeType, ...] | None, ...] = (
    None,
    (EdgeType.NEXT,),
    (EdgeType.MENTIONS, EdgeType.SPOKEN_BY),
    (EdgeType.FACT, EdgeType.MENTIONS, EdgeType.SPOKEN_BY),
    (EdgeType.IN_SESSION, EdgeType.NEXT),
    (),
)
WINDOWS = (
    None,
    TimeFilter(since=datetime(2023, 5, 1), until=datetime(2023, 5, 9)),
    TimeFilter(valid_at=datetime(2023, 5, 9)),
)


def _connect(bolt: BoltTarget, **options: Any) -> tuple[CypherStore, CountingSession]:
    from graphmem.store.neo4j import connect

    opened = connect(bolt.uri, auth=bolt.auth, database=bolt.database)
    session = CountingSession(opened._session)
    return CypherStore(session, opened.dialect, server=opened.server, **options), session


@pytest.fixture
def stores(
    neo4j_store: CypherStore, bolt_server: BoltTarget
) -> Iterator[tuple[CypherStore, CountingSession, CypherStore]]:
    """A reader (counting its statements) and another connection that writes, on one namespace."""
    neo4j_store.write(conversation(NS))
    reader, session = _connect(bolt_server)
    try:
        yield reader, session, neo4j_store
    finally:
        reader.close()


def answers(store: CypherStore) -> dict[str, Any]:
    """Every read the copy may answer, over every node, edge-type set, direction and time window."""
    nodes = ["s1", "s2", "e1", "e2", "e3", "e4", "caroline", "melanie", "support-group", "camping", "nobody"]
    out: dict[str, Any] = {
        "events": store.get_events(NS, ["e4", "e1", "nobody", "e1"]),
        "event": store.get_event(NS, "e2"),
        "entities": store.get_entities(NS, ["melanie", "nobody", "caroline", "melanie"]),
        "entity": (store.get_entity(NS, "camping"), store.get_entity(NS, "nobody")),
    }
    # "sunrises relaxation": forms only Porter joins (sunris, relax), not a one-suffix stemmer
    for query in ("support group yesterday", "painting", "kids went camping", "sunrises relaxation", "zzz"):
        out["text " + query] = store.search_text(NS, query, limit=3)
    for types in TYPES:
        for direction in Direction:
            for window in WINDOWS:
                key = f"{types} {direction.value} {window}"
                out["many " + key] = store.neighbors_many(NS, nodes, edge_types=types, direction=direction, time=window)
                out["one " + key] = [
                    store.neighbors(NS, n, edge_types=types, direction=direction, time=window) for n in nodes
                ]
    return out


def test_the_copy_answers_as_the_server_does(stores: tuple[CypherStore, CountingSession, CypherStore]) -> None:
    reader, session, _ = stores
    served = answers(reader)
    assert served["many None both None"]["e1"], "the data has edges to compare"
    assert any(v for k, v in served.items() if k.startswith("text ")), "and text to find"
    assert {h.event_id for h in served["text sunrises relaxation"]} == {"e2", "e3"}, "stemmed as FTS5 does"
    unbounded = served["many None both None"]
    assert all(served[f"many None both {w}"] != unbounded for w in WINDOWS[1:]), "windows cut edges"
    with reader.reading():
        reader.changed_elsewhere(NS)
        session.reads.clear()
        copied = answers(reader)
        assert set(session.reads) == LOADS, session.reads  # the copy was loaded; nothing else was asked
    assert copied == served


def test_the_copy_reads_events_and_edges_without_fts5(
    stores: tuple[CypherStore, CountingSession, CypherStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tokenising (FTS5) waits for the copy's first text search: a Python without FTS5 still recalls by
    the copy's events and edges, and its text search fails naming the namespace."""
    reader, session, _ = stores
    served = (reader.get_events(NS, ["e1", "e4"]), reader.neighbors_many(NS, ["e1", "camping"]))

    def no_fts5(conn: sqlite3.Connection, words: object) -> None:
        raise sqlite3.OperationalError("no such module: fts5")

    monkeypatch.setattr(sqlite_terms, "tokens_of", no_fts5)
    with reader.reading():
        reader.changed_elsewhere(NS)
        session.reads.clear()
        copied = (reader.get_events(NS, ["e1", "e4"]), reader.neighbors_many(NS, ["e1", "camping"]))
        assert set(session.reads) == LOADS, session.reads  # answered by the copy
        with pytest.raises(StoreError, match=f"namespace '{NS}'.*no such module: fts5"):
            reader.search_text(NS, "painting")
    assert copied == served


def test_a_recall_reads_only_the_counter_while_nothing_changes(
    stores: tuple[CypherStore, CountingSession, CypherStore],
) -> None:
    reader, session, _ = stores
    with reader.reading():
        reader.changed_elsewhere(NS)
        reader.get_events(NS, ["e1"])  # the first use of each part reads it
        reader.neighbors_many(NS, ["e1"])
    for _ in range(3):
        session.reads.clear()
        with reader.reading():
            reader.changed_elsewhere(NS)
            assert reader.search_text(NS, "painting", limit=5)
            assert reader.neighbors_many(NS, ["e1", "e2"])["e1"]
        assert len(session.reads) == 1, session.reads
    session.reads.clear()
    reader.get_events(NS, ["e1"])  # outside a scope: the server
    assert len(session.reads) == 1


def _late_turn() -> Batch:
    when = datetime(2023, 5, 18, 14, 30)
    return Batch(
        NS,
        events=(Event(NS, "e5", "s2", 1, "Caroline", "The lighthouse painting is finished.", when, "D2:2"),),
        mentions=(Mention(NS, "e5", "caroline", "speaker"),),
    )


def test_another_writer_stops_the_copy_at_once(stores: tuple[CypherStore, CountingSession, CypherStore]) -> None:
    reader, session, writer = stores
    with reader.reading():
        reader.changed_elsewhere(NS)
        assert reader.get_events(NS, ["e5"]) == []
        assert not reader.search_text(NS, "lighthouse", limit=5)
        assert not any(nb.node_id == "e5" for nb in reader.neighbors(NS, "e4", edge_types=[EdgeType.NEXT]))
    writer.write(_late_turn())
    session.reads.clear()
    with reader.reading():
        assert reader.changed_elsewhere(NS)
        assert [e.id for e in reader.get_events(NS, ["e5"])] == ["e5"]
        assert [h.event_id for h in reader.search_text(NS, "lighthouse", limit=5)] == ["e5"]
        assert any(nb.node_id == "e5" for nb in reader.neighbors(NS, "e4", edge_types=[EdgeType.NEXT]))
    # the counter moved since the last scope: the server answered, no copy was read whole
    assert not LOADS & set(session.reads), session.reads
    session.reads.clear()
    with reader.reading():  # it held since: the events are read again (the edges wait for a longer run)
        assert not reader.changed_elsewhere(NS)
        assert [e.id for e in reader.get_events(NS, ["e5"])] == ["e5"]
        assert any(nb.node_id == "e5" for nb in reader.neighbors(NS, "e4", edge_types=[EdgeType.NEXT]))
    assert set(session.reads[1:3]) == {LOAD_EVENTS, LOAD_ENTITIES} and LOAD_EDGES not in session.reads


def test_own_writes_move_the_counter_too(stores: tuple[CypherStore, CountingSession, CypherStore]) -> None:
    reader, _, _ = stores
    with reader.reading():
        reader.changed_elsewhere(NS)
        assert reader.get_events(NS, ["e5"]) == []
    reader.write(_late_turn())
    with reader.reading():
        assert not reader.changed_elsewhere(NS)  # our own write: the holder's caches know it
        assert [e.id for e in reader.get_events(NS, ["e5"])] == ["e5"]


def test_a_namespace_over_the_bound_is_read_from_the_server(bolt_server: BoltTarget, neo4j_store: CypherStore) -> None:
    neo4j_store.write(conversation(NS))
    reader, session = _connect(bolt_server, copy_max_events=3)  # the conversation has four events
    try:
        for _ in range(2):
            with reader.reading():
                reader.changed_elsewhere(NS)
                assert [e.id for e in reader.get_events(NS, ["e4"])] == ["e4"]
        assert session.reads.count(LOAD_EVENTS) == 1  # tried once, found too big, not tried again
        assert not {LOAD_ENTITIES, LOAD_EDGES} & set(session.reads)
    finally:
        reader.close()


def _long_turns(count: int, words: int) -> Batch:
    when = datetime(2023, 5, 20, 10, 0)
    rows = [" ".join(f"word{(i * 7 + j * 13) % 997}" for j in range(words)) for i in range(count)]
    rows[3] += " the lighthouse painting"
    return Batch(NS, events=tuple(Event(NS, f"long{i}", "s2", 10 + i, "Melanie", t, when) for i, t in enumerate(rows)))


def test_a_namespace_over_the_byte_cap_is_read_from_the_server(
    bolt_server: BoltTarget, neo4j_store: CypherStore
) -> None:
    neo4j_store.write(conversation(NS))
    neo4j_store.write(_long_turns(20, 400))  # ~3.8 KB each: the events part is estimated far above the cap
    reader, session = _connect(bolt_server)
    reader._copies.max_bytes = 64 << 10
    try:
        served = answers(reader)
        assert [h.event_id for h in reader.search_text(NS, "lighthouse painting", limit=3)][:1] == ["long3"]
        for _ in range(2):
            with reader.reading():
                reader.changed_elsewhere(NS)
                assert answers(reader) == served
        assert session.reads.count(LOAD_EVENTS) == 1  # tried once, found too big, not tried again
        assert LOAD_EDGES not in session.reads
        assert not reader._copies._copies  # nothing kept
    finally:
        reader.close()


def test_a_part_is_read_first_then_only_after_the_counter_held() -> None:
    copies = LocalCopies(max_events=10, reload_after={EVENTS: 1, EDGES: 2})
    assert copies.wanted("a", EVENTS) is None  # outside a scope
    with copies.scope():
        assert copies.wanted("a", EVENTS) is None  # no counter read in this scope
        copies.observed("a", 7)
        assert copies.wanted("a", EDGES) == (7, None, False)  # the size is not known yet
        assert copies.wanted("a", EVENTS) == (7, None, True)  # never copied: read it
        copies.keep("a", EVENTS, _events_at(7, 4))
        assert copies.wanted("a", EDGES) == (7, None, True)
        copies.keep("a", EDGES, EdgeCopy("a", 7, {}))
        assert _tag(copies.wanted("a", EVENTS)) == 7 and _tag(copies.wanted("a", EDGES)) == 7
    with copies.scope():
        copies.observed("a", 7)
        assert _tag(copies.wanted("a", EVENTS)) == 7  # the counter held: the copy answers
    with copies.scope():  # it moved: the server answers
        copies.observed("a", 9)
        assert copies.wanted("a", EVENTS) == (9, None, False)
        assert copies.wanted("a", EDGES) == (9, None, False)
    with copies.scope():  # one scope held: the events are read again
        copies.observed("a", 9)
        assert copies.wanted("a", EVENTS) == (9, None, True)
        assert copies.wanted("a", EDGES) == (9, None, False)
    with copies.scope():  # two: the edges too
        copies.observed("a", 9)
        assert copies.wanted("a", EDGES) == (9, None, True)
    with copies.scope():
        copies.observed("a", 10)  # moved again: the run starts over
        assert copies.wanted("a", EVENTS) == (10, None, False)
    with copies.scope():
        copies.observed("b", 1)
        copies.keep("b", EVENTS, None)  # too big: never again, and no edges
        assert copies.wanted("b", EVENTS) == (1, None, False) and copies.wanted("b", EDGES) == (1, None, False)
    assert LocalCopies(max_events=0).wanted("a", EVENTS) is None


def test_copies_are_dropped_least_recently_used_first() -> None:
    one = _events_at(1, 4).size
    copies = LocalCopies(max_events=10, max_bytes=2 * one + one // 2, reload_after={EVENTS: 5, EDGES: 5})
    with copies.scope():
        for name in ("a", "b", "c"):
            copies.observed(name, 1)
            copies.keep(name, EVENTS, _events_at(1, 4, name))
        assert _tag(copies.wanted("b", EVENTS)) == 1 and _tag(copies.wanted("c", EVENTS)) == 1
    with copies.scope():
        copies.observed("a", 1)
        assert copies.wanted("a", EVENTS) == (1, None, False)  # dropped, and copied once: read after a run


def _tag(wanted: tuple[int, Any, bool] | None) -> int | None:
    return None if wanted is None or wanted[1] is None else int(wanted[1].changes)


def _events_at(changes: int, events: int = 0, namespace: str = "a") -> NamespaceCopy:
    held = {f"e{i}": Event(namespace, f"e{i}", "s", i, None, "", None) for i in range(events)}
    return NamespaceCopy(namespace, changes, held, {}, events, 1.0)


def test_the_linted_workload_reads_both_parts(bolt_server: BoltTarget, neo4j_store: CypherStore) -> None:
    """``tests/store/test_cypher_lint.py`` lints what this workload sends: the copy's statements must be in it."""
    from graphmem.store.neo4j import connect
    from tests.support.cypher_texts import RecordingSession, store_workload

    opened = connect(bolt_server.uri, auth=bolt_server.auth, database=bolt_server.database)
    session = RecordingSession(opened._session)
    store = CypherStore(session, opened.dialect, server=opened.server)
    try:
        store_workload(store, conversation, "lint-copy")
    finally:
        store.close()
    assert set(session.seen) >= LOADS
