"""A node of a Cypher server that graphmem cannot read (a hand edit, another application's node) is a
MalformedNodeError naming the namespace, the node, the property and the fix: never a raw TypeError."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from graphmem import MalformedNodeError, StoreError
from graphmem.store.base import Direction, TimeFilter
from graphmem.store.cypher.neighbors import neighbors_from_rows
from graphmem.store.cypher.schema import entity_from_props, event_from_props, fact_from_props, session_from_props
from graphmem.store.cypher.write import relink_sessions_events

EVENT = {
    "namespace": "ns",
    "id": "ev:s1:1",
    "session": "s1",
    "seq": 1,
    "text": "hi",
    "occurred_at": datetime(2025, 2, 4, 9),
}
FACT = {"namespace": "ns", "id": "f1", "predicate": "works_at", "recorded_at": datetime(2025, 2, 4, 9)}


def test_good_props_read_back() -> None:
    assert event_from_props(EVENT).occurred_at == datetime(2025, 2, 4, 9)
    assert event_from_props({**EVENT, "occurred_at": date(2025, 2, 4)}).occurred_at == datetime(2025, 2, 4)
    assert fact_from_props(FACT, "a", "b").recorded_at == datetime(2025, 2, 4, 9)


def test_time_set_as_a_string_is_named() -> None:
    with pytest.raises(MalformedNodeError) as info:
        event_from_props({**EVENT, "occurred_at": "2025-02-04T09:00:00"})
    err = info.value
    assert isinstance(err, StoreError)
    assert (err.namespace, err.label, err.node_id, err.prop) == ("ns", "Event", "ev:s1:1", "occurred_at")
    text = str(err)
    assert "namespace 'ns'" in text and ":Event node 'ev:s1:1'" in text and "a string" in text
    assert 'MATCH (n:Event {namespace: "ns", id: "ev:s1:1"}) SET n.occurred_at = localdatetime(n.occurred_at)' in text


def test_foreign_event_without_seq_is_named() -> None:
    with pytest.raises(MalformedNodeError, match=r"property seq of the :Event node 'app-1': it is missing"):
        event_from_props({"namespace": "fam", "id": "app-1", "session": "s", "text": "app event"})
    with pytest.raises(MalformedNodeError, match=r"property session of the :Event node 'app-1'"):
        event_from_props({"namespace": "fam", "id": "app-1", "text": "app event"})


@pytest.mark.parametrize(
    ("read", "props", "prop"),
    [
        (session_from_props, {"namespace": "ns", "id": "s1", "index": "one"}, "index"),
        (session_from_props, {"namespace": "ns", "id": "s1", "index": 1, "started_at": "2025"}, "started_at"),
        (entity_from_props, {"namespace": "ns", "id": "e1", "name": 7}, "name"),
        (entity_from_props, {"namespace": "ns", "id": "e1", "name": "Ana", "aliases": "Annie"}, "aliases"),
        (event_from_props, {**EVENT, "times": "not json"}, "times"),
        (event_from_props, {**EVENT, "source_line": "3"}, "source_line"),
        (lambda p: fact_from_props(p, "a", "b"), {**FACT, "valid_from": "2025-01-01"}, "valid_from"),
        (lambda p: fact_from_props(p, "a", "b"), {**FACT, "recorded_at": None}, "recorded_at"),
        (lambda p: fact_from_props(p, "a", "b"), {**FACT, "confidence": "high"}, "confidence"),
    ],
)
def test_every_read_property_is_checked(read: Any, props: dict[str, Any], prop: str) -> None:
    with pytest.raises(MalformedNodeError) as info:
        read(props)
    assert info.value.prop == prop
    assert "namespace 'ns'" in str(info.value)


def test_fact_error_names_the_relationship() -> None:
    with pytest.raises(MalformedNodeError, match=r"the FACT relationship 'f1'.*MATCH \(\)-\[f:FACT"):
        fact_from_props({**FACT, "valid_to": "x"}, "a", "b")


class _Tx:
    """Answers the session-order read of a write transaction with fixed rows; records nothing else."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.writes: list[str] = []

    def run(self, cypher: str, /, **params: Any) -> list[dict[str, Any]]:
        if "collect(f.id) AS nxt" in cypher:
            return self.rows
        self.writes.append(cypher)
        return []


def test_relinking_a_session_names_the_bad_event_and_writes_nothing() -> None:
    tx = _Tx([{"sid": "s1", "id": "ev:s1:1", "seq": 1, "at": "2025-02-04T09:00:00", "nxt": []}])
    with pytest.raises(MalformedNodeError, match=r"occurred_at of the :Event node 'ev:s1:1'"):
        relink_sessions_events(tx, "ns", ["s1"])
    tx = _Tx([{"sid": "s1", "id": "app-1", "seq": None, "at": None, "nxt": []}])
    with pytest.raises(MalformedNodeError, match=r"seq of the :Event node 'app-1'"):
        relink_sessions_events(tx, "ns", ["s1"])
    assert tx.writes == []


def test_neighbour_row_with_a_string_time_is_named() -> None:
    row = {
        "type": "MENTIONS",
        "out": False,
        "inn": True,
        "labels": ["Event"],
        "id": "ev:s1:1",
        "at": "2025",
        "p": {"namespace": "ns"},
    }
    with pytest.raises(MalformedNodeError, match="occurred_at"):
        neighbors_from_rows("ent:x", [row], Direction.BOTH, TimeFilter(since=datetime(2025, 1, 1)))
