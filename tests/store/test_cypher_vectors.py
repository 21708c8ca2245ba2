"""Vector seeds over Bolt: the server's vector index where the dialect has one, the local index elsewhere.

No Neo4j runs here, so the Neo4j path is checked against a scripted session: which statements the store
sends (the dialect's texts, which ``test_cypher_lint`` checks with Neo4j's own front end), with which
parameters, and what it makes of the rows. ArcadeDB's Bolt plugin has no vector index DDL: that path is
the fallback, run for real by the Bolt tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any, TypeVar

import numpy as np
import pytest

from graphmem.models import Event
from graphmem.recall.seeds import dense_seeds
from graphmem.store.base import SearchesVectors
from graphmem.store.cypher.dialect import ARCADEDB, NEO4J, CypherDialect, dialect_for_agent
from graphmem.store.cypher.schema import FULLTEXT_INDEX, SCHEMA_VERSION, VECTOR_INDEX
from graphmem.store.cypher.session import CypherTx, Row
from graphmem.store.cypher.store import CypherStore

T = TypeVar("T")


class ScriptedSession:
    """A :class:`CypherSession` that records statements and answers them from a script."""

    def __init__(self, indexes: list[str], answer: Callable[[str, Mapping[str, Any]], list[Row]] | None = None) -> None:
        self.uri = "bolt://scripted/db"
        self.indexes = indexes
        self.answer = answer or (lambda cypher, params: [])
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def read(
        self, cypher: str, params: Mapping[str, Any] | None = None, *, action: str = "", timeout: float | None = None
    ) -> list[Row]:
        self.sent.append((cypher, dict(params or {})))
        return self.answer(cypher, params or {})

    def run(self, cypher: str, params: Mapping[str, Any] | None = None, *, action: str) -> list[Row]:
        self.sent.append((cypher, dict(params or {})))
        if cypher.startswith("MATCH (m:GraphmemSchema"):
            return [{"version": SCHEMA_VERSION}]  # an up-to-date schema: only missing indexes are created
        if cypher == "SHOW INDEXES":
            return [{"name": name} for name in self.indexes]
        return []

    def reading(self) -> AbstractContextManager[None]:
        return nullcontext()

    def write(self, work: Callable[[CypherTx], T], *, action: str) -> T:  # pragma: no cover - not used
        raise AssertionError("no writes here")

    def close(self) -> None:
        pass


def open_store(session: ScriptedSession, dialect: CypherDialect, monkeypatch: pytest.MonkeyPatch) -> CypherStore:
    return CypherStore.open(session, dialect, server="scripted")


@pytest.mark.parametrize(("agent", "has_index"), [("Neo4j/5.20.0", True), ("ArcadeDB/26.10.2", False)])
def test_the_agent_string_decides_where_vectors_are_searched(
    agent: str, has_index: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialect = dialect_for_agent(agent)
    session = ScriptedSession([FULLTEXT_INDEX] if has_index else [])
    store = open_store(session, dialect, monkeypatch)
    assert isinstance(store, SearchesVectors)
    created = [c for c, _ in session.sent if c.startswith("CREATE VECTOR INDEX")]
    # a database made before the vector index gets it when opened (Neo4j); ArcadeDB is never asked
    assert created == ([NEO4J.vector_statement().cypher] if has_index else [])  # type: ignore[union-attr]
    assert store.vector_index is has_index
    session.sent.clear()
    found = store.search_vectors("ns", [0.1] * 384, 5)
    assert (found is not None) is has_index
    assert bool(session.sent) is has_index


def test_neo4j_vector_search_filters_the_namespace_and_reads_cosine(monkeypatch: pytest.MonkeyPatch) -> None:
    # the index spans namespaces: three of the four nearest belong to another one
    nearest = [("x1", "other", 0.99), ("e1", "ns", 0.95), ("x2", "other", 0.9), ("x3", "other", 0.8)]
    more = [("e2", "ns", 0.75), ("e3", "ns", 0.5)]

    def answer(cypher: str, params: Mapping[str, Any]) -> list[Row]:
        if cypher.startswith("UNWIND $ids AS i MATCH (n:Event"):
            return []  # events by id (none stored here)
        assert cypher == NEO4J.vector_search
        rows = (nearest + more)[: params["k"]]
        assert params["ns"] == "ns"
        return [
            {"id": i, "ns": ns, "score": score, "p": _props(ns, i, n) if ns == params["ns"] else None}
            for n, (i, ns, score) in enumerate(rows)
        ]

    session = ScriptedSession([FULLTEXT_INDEX, VECTOR_INDEX], answer)
    store = open_store(session, NEO4J, monkeypatch)
    session.sent.clear()
    hits = store.search_vectors("ns", np.full(384, 0.05).tolist(), 2)
    assert hits == [("e1", pytest.approx(0.9)), ("e2", pytest.approx(0.5))]  # (1 + cos) / 2 read back as cos
    # asked for 2, found 1 of this namespace, asked again for 4x as many: two round trips
    assert [params["k"] for _, params in session.sent] == [2, 8]
    assert all(params["index"] == VECTOR_INDEX and len(params["vector"]) == 384 for _, params in session.sent)
    session.sent.clear()
    assert store.search_vectors("ns", [0.1] * 10, 2) is None  # not the index's width: searched locally
    assert store.search_vectors("ns", [0.1] * 384, 50) == [
        ("e1", pytest.approx(0.9)),
        ("e2", pytest.approx(0.5)),
        ("e3", pytest.approx(0.0)),
    ]
    # inside a read scope (a recall), the events found come with the search: asking for them costs nothing
    with store.reading():
        store.search_vectors("ns", [0.1] * 384, 2)
        session.sent.clear()
        assert [ev.text for ev in store.get_events("ns", ["e2", "e1"])] == ["words of e2", "words of e1"]
        assert session.sent == []
    assert [ev.id for ev in store.get_events("ns", ["e1"])] == [] and len(session.sent) == 1  # after: asked


def _props(ns: str, event_id: str, seq: int) -> dict[str, Any]:
    return {"namespace": ns, "id": event_id, "session": "s1", "seq": seq, "text": f"words of {event_id}"}


class _Local:
    """The local vector index's surface used by dense seeds."""

    def __init__(self, hits: list[tuple[str, float]]) -> None:
        self.hits = hits
        self.searched = 0

    def count(self, namespace: str) -> int:
        return len(self.hits)

    def search(self, namespace: str, vector: Any, k: int) -> list[Any]:
        from graphmem.vector_index import VectorHit

        self.searched += 1
        return [VectorHit(i, s) for i, s in self.hits[:k]]


class _Server:
    def __init__(self, hits: list[tuple[str, float]] | None) -> None:
        self.hits = hits

    def search_vectors(self, namespace: str, vector: Any, k: int) -> list[tuple[str, float]] | None:
        return None if self.hits is None else self.hits[:k]


def _admit(ids: list[str]) -> list[Event]:
    return [Event("ns", i, "s1", n, "Ana", f"turn {i}") for n, i in enumerate(ids)]


def test_dense_seeds_come_from_the_server_index_when_it_answers() -> None:
    local = _Local([("local-1", 0.7)])
    vector = np.ones(384, dtype=np.float32)
    served = dense_seeds(local, vector, "ns", 2, _admit, filtered=False, store=_Server([("srv-1", 0.9)]))  # type: ignore[arg-type]
    assert [(ev.id, score) for ev, score in served] == [("srv-1", 0.9)] and local.searched == 0
    fallback = dense_seeds(local, vector, "ns", 2, _admit, filtered=False, store=_Server(None))  # type: ignore[arg-type]
    assert [(ev.id, score) for ev, score in fallback] == [("local-1", 0.7)] and local.searched == 1
    assert isinstance(_Server(None), SearchesVectors) and not isinstance(ARCADEDB, SearchesVectors)


def test_neo4j_full_text_hits_bring_their_events_into_a_read_scope(monkeypatch: pytest.MonkeyPatch) -> None:
    def answer(cypher: str, params: Mapping[str, Any]) -> list[Row]:
        if cypher.startswith("UNWIND $ids AS i MATCH (n:Event"):
            return []
        assert cypher == NEO4J.fulltext_search
        assert params["query"] == '"sunsets" OR "beach"' and params["ns"] == "ns"
        return [{"id": "e2", "score": 2.5, "p": _props("ns", "e2", 1)}]

    session = ScriptedSession([FULLTEXT_INDEX, VECTOR_INDEX], answer)
    store = open_store(session, NEO4J, monkeypatch)
    with store.reading():
        assert [(h.event_id, h.score) for h in store.search_text("ns", "Sunsets, beach!")] == [("e2", 2.5)]
        session.sent.clear()
        assert [ev.text for ev in store.get_events("ns", ["e2"])] == ["words of e2"] and session.sent == []
    assert store.get_events("ns", ["e2"]) == [] and len(session.sent) == 1
