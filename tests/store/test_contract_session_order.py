"""Sessions, and the events listed session by session, come in one order on every backend: by the session's
index (its order in the memory), sessions of one index by the natural order of their ids.

Before, sessions sharing an index came by their ids as text (``session_10`` before ``session_2``).
"""

from __future__ import annotations

from graphmem.models import Batch, Event, Session, natural_key, session_order_key
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
