"""The NEXT chain of a session follows its events' times on every backend, positions breaking ties.

A message added live with an earlier time than the session's last one (backdated, delivered late, or
re-added after ``forget``) takes the session's next position (part of its id, never given twice) but is
spliced into the chain between its neighbours by time: the edge between them goes, two new ones come.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

from graphmem.export import dump_namespace
from graphmem.models import Batch, EdgeType, Event, Session
from graphmem.store.base import Direction, GraphStore
from tests.store.conftest import Backend
from tests.store.test_contract import day


def _after(store: GraphStore, ns: str, event_id: str) -> list[str]:
    return [n.node_id for n in store.neighbors(ns, event_id, edge_types=[EdgeType.NEXT], direction=Direction.OUT)]


def _before(store: GraphStore, ns: str, event_id: str) -> list[str]:
    return [n.node_id for n in store.neighbors(ns, event_id, edge_types=[EdgeType.NEXT], direction=Direction.IN)]


def _chain(store: GraphStore, ns: str, first: str) -> list[str]:
    out = [first]
    while nxt := _after(store, ns, out[-1]):
        assert len(nxt) == 1, f"{out[-1]} has {nxt} after it"
        out.append(nxt[0])
    return out


def _say(ns: str, seq: int, minute: int | None, text: str) -> Event:
    when = day(0) + timedelta(minutes=minute) if minute is not None else None
    return Event(ns, f"ev:s1:{seq}", "s1", seq, "Caroline", text, when)


def test_a_late_event_is_spliced_into_the_chain_by_time(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    session = Session(ns, "s1", 0, day(0))
    store.write(Batch(ns, sessions=(session,), events=(_say(ns, 1, 0, "hi"), _say(ns, 2, 10, "later"))))
    assert _chain(store, ns, "ev:s1:1") == ["ev:s1:1", "ev:s1:2"]
    # position 3, said at minute 5: between 1 and 2, the edge 1 -> 2 replaced by 1 -> 3 -> 2
    store.write(Batch(ns, events=(_say(ns, 3, 5, "delivered late"),)))
    assert _chain(store, ns, "ev:s1:1") == ["ev:s1:1", "ev:s1:3", "ev:s1:2"]
    assert _after(store, ns, "ev:s1:1") == ["ev:s1:3"]
    assert _before(store, ns, "ev:s1:2") == ["ev:s1:3"]
    assert _before(store, ns, "ev:s1:1") == []
    # a tie in time keeps arrival order; events without a time come last, as timeline lists them
    undated = (_say(ns, 4, 5, "same minute"), _say(ns, 5, None, "undated"), _say(ns, 6, None, "undated too"))
    store.write(Batch(ns, events=undated))
    want = ["ev:s1:1", "ev:s1:3", "ev:s1:4", "ev:s1:2", "ev:s1:5", "ev:s1:6"]
    assert _chain(store, ns, "ev:s1:1") == want
    assert [_before(store, ns, eid) for eid in want] == [[], *([e] for e in want[:-1])]
    # an export draws the same chain; positions are untouched (the highest given stays 6)
    dump = dump_namespace(store, ns, embeddings=False)
    assert dump.next_pairs() == list(itertools.pairwise(want))
    assert dump.positions == {"s1": 6}


def test_moving_an_events_time_relinks_its_session(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    session = Session(ns, "s1", 0, day(0))
    events = (_say(ns, 1, 0, "a"), _say(ns, 2, 1, "b"), _say(ns, 3, 2, "c"))
    store.write(Batch(ns, sessions=(session,), events=events))
    store.write(Batch(ns, events=(_say(ns, 3, -1, "c"),)))  # rewritten earlier than the others
    assert _chain(store, ns, "ev:s1:3") == ["ev:s1:3", "ev:s1:1", "ev:s1:2"]
    assert _after(store, ns, "ev:s1:2") == []
    reopened = backend.open()  # a fresh read (the mirror loaded again, or SQLite, or the server) agrees
    assert _chain(reopened, ns, "ev:s1:3") == ["ev:s1:3", "ev:s1:1", "ev:s1:2"]
