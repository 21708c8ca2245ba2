"""On a Bolt server, an event whose time was set as a string by hand, or another application's ``:Event``
without ``seq``, makes graphmem's reads and writes of the namespace fail with a MalformedNodeError naming
the node, not a traceback; the failing call changes nothing stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphmem import MalformedNodeError
from tests.support.bolt_memory import open_bolt_memory
from tests.support.bolt_server import BoltTarget, wipe_database

pytestmark = pytest.mark.neo4j

#: The data nodes (a write's bookkeeping, such as the namespace's change counter node, may be made first).
_DATA = "MATCH (n:Session|Event|Entity) RETURN count(n) AS n"


def _cypher(target: BoltTarget, text: str) -> list[dict[str, object]]:
    from neo4j import GraphDatabase

    with GraphDatabase.driver(target.uri, auth=target.auth) as driver:
        return [r.data() for r in driver.execute_query(text, database_=target.database).records]


def test_hand_edited_and_foreign_events_are_named(bolt_server: BoltTarget, tmp_path: Path) -> None:
    wipe_database(bolt_server)
    with open_bolt_memory(bolt_server, tmp_path / "cache") as memory:
        memory.add(
            {"speaker": "Ana", "text": "I adopted a cat called Pepper.", "time": "2025-02-04T09:00"}, namespace="ns"
        )
        memory.add({"speaker": "Ana", "text": "I work at Acme.", "time": "2025-02-04T09:05"}, namespace="ns")
    _cypher(
        bolt_server,
        "MATCH (e:Event {namespace: 'ns', id: 'ev:session_1:1'}) SET e.occurred_at = '2025-02-04T09:00:00' "
        "WITH e MATCH (n:GraphmemNamespace {namespace: 'ns'}) SET n.changes = n.changes + 1",
    )
    _cypher(bolt_server, "CREATE (:Event {namespace: 'fam', id: 'app-1', text: 'app event'})")
    before = _cypher(bolt_server, _DATA)
    with open_bolt_memory(bolt_server, tmp_path / "cache") as memory:
        for call in (
            lambda: memory.recall("Does Ana have a pet?", namespace="ns"),
            lambda: memory.timeline("Ana", namespace="ns"),
            lambda: memory.add(
                {"speaker": "Ana", "text": "Pepper is asleep.", "time": "2025-02-04T09:10"}, namespace="ns"
            ),
        ):
            with pytest.raises(MalformedNodeError, match=r"occurred_at of the :Event node 'ev:session_1:1'"):
                call()
        with pytest.raises(MalformedNodeError) as info:
            memory.add({"speaker": "Zoe", "text": "I work at Initech.", "time": "2025-01-01T10:00"}, namespace="fam")
        assert (info.value.namespace, info.value.node_id) == ("fam", "app-1")
    assert _cypher(bolt_server, _DATA) == before
    rows = _cypher(bolt_server, "MATCH (e:Event {namespace: 'ns', id: 'ev:session_1:1'}) RETURN e.occurred_at AS at")
    assert rows == [{"at": "2025-02-04T09:00:00"}]
