"""A read scope on a Bolt store (what a recall runs in): one round trip per statement, and the events its
statements brought along answer ``get_events`` until it ends, never after (another process's writes are
seen by the next scope)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from graphmem.models import Batch, EdgeType, Event, Session
from graphmem.store.base import ScopesReads
from graphmem.store.cypher.scope import SeenEvents

START = datetime(2024, 5, 1, 9, 0)


def event(ns: str, eid: str, text: str, seq: int = 0) -> Event:
    return Event(ns, eid, "s1", seq, "Ana", text, START, f"D1:{seq}")


def test_seen_events_live_only_inside_a_scope_of_their_thread() -> None:
    seen = SeenEvents()
    seen.add(event("ns", "e1", "outside"))
    assert seen.get("ns", "e1") is None and not seen.active
    with seen.scope():
        seen.add(event("ns", "e1", "inside"))
        with seen.scope():  # nested: the same scope
            assert seen.get("ns", "e1") == event("ns", "e1", "inside")
        assert seen.get("ns", "e1") is not None
        assert seen.get("other", "e1") is None  # keyed by namespace too
        other: list[Any] = []
        worker = threading.Thread(target=lambda: other.append((seen.active, seen.get("ns", "e1"))))
        worker.start()
        worker.join()
        assert other == [(False, None)]  # another thread has no scope
    assert not seen.active and seen.get("ns", "e1") is None


@pytest.fixture
def two_connections(bolt_server: Any) -> Iterator[tuple[Any, Any, str]]:
    """Two stores on the same database (two processes' worth of connections) and a fresh namespace."""
    from graphmem.store.neo4j import connect

    first = connect(bolt_server.uri, auth=bolt_server.auth, database=bolt_server.database)
    second = connect(bolt_server.uri, auth=bolt_server.auth, database=bolt_server.database)
    ns = "scope-" + uuid.uuid4().hex[:10]
    batch = Batch(
        ns,
        sessions=(Session(ns, "s1", 0, START),),
        events=(event(ns, "e1", "first words", 0), event(ns, "e2", "second words", 1)),
    )
    first.write(batch)
    try:
        yield first, second, ns
    finally:
        first.delete_namespace(ns)
        first.close()
        second.close()


@pytest.mark.neo4j
def test_events_a_scope_saw_are_not_kept_after_it(two_connections: tuple[Any, Any, str]) -> None:
    reader, writer, ns = two_connections
    assert isinstance(reader, ScopesReads)
    with reader.reading():
        edges = reader.neighbors_many(ns, ["e1"], edge_types=[EdgeType.NEXT])
        assert [nb.node_id for nb in edges["e1"]] == ["e2"]
        writer.write(Batch(ns, events=(event(ns, "e2", "rewritten by another connection", 1),)))
        # inside the scope: the event as the frontier read brought it, without asking again
        assert [e.text for e in reader.get_events(ns, ["e2", "e1"])] == ["second words", "first words"]
    # the next scope, and any read outside one, asks the server
    assert reader.get_events(ns, ["e2"])[0].text == "rewritten by another connection"
    with reader.reading():
        assert reader.get_events(ns, ["e2"])[0].text == "rewritten by another connection"


@pytest.mark.neo4j
def test_a_read_in_a_scope_is_one_round_trip(two_connections: tuple[Any, Any, str]) -> None:
    from neo4j._async_compat.network._bolt_socket import BoltSocketBase

    store, _, ns = two_connections
    sends = [0]
    original = BoltSocketBase.sendall

    def counting(self: Any, data: bytes) -> Any:
        sends[0] += 1
        return original(self, data)

    def sent_by(reads: int, scoped: bool) -> int:
        store.get_events(ns, ["e1"])  # a warm connection in the pool
        sends[0] = 0
        if scoped:
            with store.reading():
                for _ in range(reads):
                    store.neighbors_many(ns, ["e1", "e2"])
        else:
            for _ in range(reads):
                store.neighbors_many(ns, ["e1", "e2"])
        return sends[0]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BoltSocketBase, "sendall", counting)
        scoped, alone = sent_by(4, True), sent_by(4, False)
    assert scoped == 4, scoped  # RUN and PULL in one message each; no BEGIN, no COMMIT
    assert alone > scoped, (alone, scoped)
