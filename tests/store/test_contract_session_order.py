"""Sessions, and the events listed session by session, come in one order on every backend: by the session's
index (its order in the memory), sessions of one index by the natural order of their ids.

Before, sessions sharing an index came by their ids as text (``session_10`` before ``session_2``).
"""

from __future__ import annotations

import itertools

import pytest

from graphmem.export import NamespaceDump, dump_namespace
from graphmem.models import Batch, EdgeType, Event, Session, natural_key, session_order_key
from graphmem.store.base import Direction, GraphStore
from tests.store.conftest import Backend

#: (session id, index): two pairs tie on their index; ``a`` has a later index, ``z`` an earlier one.
SESSIONS = [("session_10", 1), ("session_2", 1), ("a", 2), ("session_1", 1), ("z", 0), ("session_02b", 1)]
ORDER = ["z", "session_1", "session_2", "session_02b", "session_10", "a"]


def _batch(ns: str) -> Batch:
    sessions = tuple(Session(ns, sid, idx) for sid, idx in SESSIONS)
    events = tuple(
        Event(ns, f"{sid}-{seq}", sid, seq, "Ann", f"turn {seq} of {sid}") for sid, _ in SESSIONS for seq in (1, 0)
    )
    return Batch(ns, sessions, events)


def test_sessions_of_one_index_come_in_the_natural_order_of_their_ids(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    store.write(_batch(ns))
    assert [s.id for s in store.iter_sessions(ns)] == ORDER
    assert [e.id for e in store.iter_events(ns)] == [f"{sid}-{seq}" for sid in ORDER for seq in (0, 1)]
    assert [e.id for e in store.iter_events(ns, session="session_10")] == ["session_10-0", "session_10-1"]


def _next_session_chain(store: GraphStore, ns: str, first: str) -> list[str]:
    chain = [first]
    while True:
        out = store.neighbors(ns, chain[-1], edge_types=[EdgeType.NEXT_SESSION], direction=Direction.OUT)
        assert len(out) <= 1, out
        if not out:
            return chain
        chain.append(out[0].node_id)


def test_next_session_edges_follow_the_listing_order(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    store.write(_batch(ns))
    assert _next_session_chain(store, ns, "z") == ORDER
    back = store.neighbors(ns, "session_10", edge_types=[EdgeType.NEXT_SESSION], direction=Direction.IN)
    assert [nb.node_id for nb in back] == ["session_02b"]
    # a later write relinks (the Cypher store re-derives the edges on every write)
    store.write(Batch(ns, (Session(ns, "session_3", 1),), (Event(ns, "session_3-0", "session_3", 0, "Ann", "hi"),)))
    order = [*ORDER[:4], "session_3", *ORDER[4:]]
    assert _next_session_chain(store, ns, "z") == order
    assert dump_namespace(store, ns).next_session_pairs() == list(itertools.pairwise(order))


def test_export_pairs_sessions_by_natural_order_whatever_order_they_come_in() -> None:
    ns = "n"
    dump = NamespaceDump(ns, [Session(ns, sid, idx) for sid, idx in SESSIONS], [], [], [], [])
    assert dump.next_session_pairs() == list(itertools.pairwise(ORDER))


def test_natural_key() -> None:
    ids = ["session_10", "session_2", "s", "session_1", "session_01", "session_1a", "Session_3", "10", "9"]
    assert sorted(ids, key=natural_key) == [
        "9",
        "10",
        "Session_3",
        "s",
        "session_01",
        "session_1",
        "session_1a",
        "session_2",
        "session_10",
    ]
    assert session_order_key(0, "session_9") < session_order_key(0, "session_10") < session_order_key(1, "a")


@pytest.mark.parametrize("width", [10, 4400, 10_000])
def test_natural_key_takes_digit_runs_of_any_length(width: int) -> None:
    long = "conv-" + "7" * width
    ids = [long, "conv-" + "7" * (width - 1) + "8", "conv-" + "8" * (width - 1), "conv-0" + "7" * width, "conv-9"]
    assert sorted(ids, key=natural_key) == [ids[4], ids[2], ids[3], ids[0], ids[1]]


def test_sessions_with_a_long_digit_run_are_listed(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    long = "conv-" + "7" * 4400
    sessions = (Session(ns, long, 0), Session(ns, "conv-8", 0))
    store.write(Batch(ns, sessions, tuple(Event(ns, f"e{i}", s.id, 0, "Ann", "hi") for i, s in enumerate(sessions))))
    assert [s.id for s in store.iter_sessions(ns)] == ["conv-8", long]
