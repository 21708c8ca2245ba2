"""Messages added live keep their session's NEXT chain in time order.

A message delivered late (an earlier time than the session's last message) is spliced in between its
neighbours by time, as ``timeline`` lists them; one edited the documented way (forget, then add again with
its original time) lands at its old place, not after the reply that came later. Each keeps the session's
next position for its id. The Bolt store runs the same checks (``tests/neo4j/test_live_order_bolt.py``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from graphmem import EdgeType, Memory
from graphmem.export import dump_namespace
from graphmem.store.base import Direction

T0 = datetime(2024, 5, 1, 9, 0)
NS = "order"


def say(speaker: str, text: str, minute: int, **more: str) -> dict[str, str]:
    return {"speaker": speaker, "text": text, "time": (T0 + timedelta(minutes=minute)).isoformat(), **more}


def chain_of(memory: Memory, first: str) -> list[str]:
    out = [first]
    while True:
        nxt = memory.store.neighbors(NS, out[-1], edge_types=[EdgeType.NEXT], direction=Direction.OUT)
        if not nxt:
            return out
        assert len(nxt) == 1, f"{out[-1]} has {[n.node_id for n in nxt]} after it"
        out.append(nxt[0].node_id)


def _before(memory: Memory, event_id: str) -> list[str]:
    found = memory.store.neighbors(NS, event_id, edge_types=[EdgeType.NEXT], direction=Direction.IN)
    return [n.node_id for n in found]


def check_a_late_message_is_spliced_in_by_time(memory: Memory) -> None:
    """The body of the test, shared with the Bolt store's."""
    first = memory.add(say("Dana", "I adopted a dog named Rex.", 0), namespace=NS)
    reply = memory.add(say("Sam", "What breed is Rex?", 2), namespace=NS)
    late = memory.add(say("Dana", "He loves the park.", 1), namespace=NS)
    assert [*first, *reply, *late] == ["ev:session_1:1", "ev:session_1:2", "ev:session_1:3"]  # positions grow
    assert chain_of(memory, first[0]) == [first[0], late[0], reply[0]]
    assert _before(memory, reply[0]) == [late[0]]  # the edge 1 -> 2 is gone
    # the chain is what timeline lists and what an export (and so a sync) draws
    said = [e.id for e in memory.timeline("Dana", namespace=NS)]
    assert said == [first[0], late[0]]
    dump = dump_namespace(memory.store, NS, embeddings=False)
    assert dump.next_pairs() == [(first[0], late[0]), (late[0], reply[0])]


def check_an_edited_message_keeps_its_place(memory: Memory) -> None:
    """The body of the test, shared with the Bolt store's: forget, then add again with the original time."""
    ids = memory.add(
        [
            say("Dana", "I work at Acme.", 0, id="m1"),
            say("Dana", "My sister is Ann.", 1, id="m2"),
            say("Sam", "Nice, how old is Ann?", 2, id="m3"),
        ],
        namespace=NS,
    )
    memory.forget(NS, ids[1])
    edited = memory.add(say("Dana", "My sister is Anna.", 1, id="m2"), namespace=NS)
    assert edited == ["ev:session_1:4"]  # a position never given before
    assert chain_of(memory, ids[0]) == [ids[0], edited[0], ids[2]]
    assert _before(memory, ids[2]) == [edited[0]]  # not after the reply that came later


def test_a_late_message_is_spliced_in_by_time(memory: Memory) -> None:
    check_a_late_message_is_spliced_in_by_time(memory)


def test_an_edited_message_keeps_its_place(memory: Memory) -> None:
    check_an_edited_message_keeps_its_place(memory)
