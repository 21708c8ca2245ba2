"""Every Cypher text graphmem emits, collected from the code that emits it, for Neo4j's linter.

Three sources, none of them a grep of the source files:

* the dialects' values (:mod:`graphmem.store.cypher.dialect`): schema DDL, full-text search, index
  waits, for Neo4j and for ArcadeDB; the schema node's reads and writes (:mod:`graphmem.store.cypher.setup`);
  and what ``bench backends`` asks of its target before it writes there;
* a :class:`RecordingSession` around a real Bolt session, under a workload that calls every
  :class:`~graphmem.store.cypher.store.CypherStore` method (writes, reads, traversal, deletes, stats):
  each statement the store sends, with the parameter names it sends;
* the push-down compiler (:func:`graphmem.query.cypher.compile_plan`) over every golden query, and the
  Browser guide's starter queries.

Each text comes with the parameters graphmem passes to it, so the linter reports a parameter the text
uses but nobody passes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from graphmem.bench import backends
from graphmem.browser_guide import STARTER_QUERIES
from graphmem.extract.names import fact_id
from graphmem.models import Batch, EdgeType, SourceRecord
from graphmem.query import parse, plan_query
from graphmem.query.cypher import NotPushable, compile_plan
from graphmem.store.base import Direction, TimeFilter
from graphmem.store.cypher import setup, upgrade
from graphmem.store.cypher.dialect import DIALECTS
from graphmem.store.cypher.session import CypherSession, CypherTx, Row
from graphmem.store.cypher.store import CypherStore

T = TypeVar("T")


@dataclass(frozen=True)
class CypherText:
    """One statement graphmem sends: where it comes from, its text, and the parameters passed with it."""

    name: str
    query: str
    parameters: frozenset[str]


class _RecordingTx:
    def __init__(self, tx: CypherTx, record: Callable[[str, Mapping[str, Any]], None]) -> None:
        self._tx = tx
        self._record = record

    def run(self, cypher: str, /, **params: Any) -> list[Row]:
        self._record(cypher, params)
        return self._tx.run(cypher, **params)


class RecordingSession:
    """A :class:`CypherSession` that passes everything to another one and remembers each statement."""

    def __init__(self, inner: CypherSession) -> None:
        self._inner = inner
        self.uri = inner.uri
        self.seen: dict[str, set[str]] = {}

    def _record(self, cypher: str, params: Mapping[str, Any] | None) -> None:
        self.seen.setdefault(cypher, set()).update(params or {})

    def read(
        self,
        cypher: str,
        params: Mapping[str, Any] | None = None,
        *,
        action: str = "reading",
        timeout: float | None = None,
    ) -> list[Row]:
        self._record(cypher, params)
        return self._inner.read(cypher, params, action=action, timeout=timeout)

    def reading(self) -> AbstractContextManager[None]:
        return self._inner.reading()

    def write(self, work: Callable[[CypherTx], T], *, action: str) -> T:
        return self._inner.write(lambda tx: work(_RecordingTx(tx, self._record)), action=action)

    def run(self, cypher: str, params: Mapping[str, Any] | None = None, *, action: str) -> list[Row]:
        self._record(cypher, params)
        return self._inner.run(cypher, params, action=action)

    def close(self) -> None:
        self._inner.close()


def dialect_texts() -> Iterator[CypherText]:
    """The DDL and dialect-specific statements of every dialect."""
    for dialect in DIALECTS:
        for statement in dialect.schema_statements():
            yield CypherText(f"{dialect.name} DDL {statement.name}", statement.cypher, frozenset())
        if dialect.fulltext_search is not None:
            params = frozenset({"index", "query", "ns", "limit"})
            yield CypherText(f"{dialect.name} full-text search", dialect.fulltext_search, params)
        if dialect.vector_search is not None:
            params = frozenset({"index", "k", "vector", "ns"})
            yield CypherText(f"{dialect.name} vector search", dialect.vector_search, params)
        if dialect.await_indexes is not None:
            yield CypherText(f"{dialect.name} await indexes", dialect.await_indexes, frozenset())
        yield CypherText(f"{dialect.name} list indexes", dialect.list_indexes, frozenset())
    yield CypherText("schema migration: entities", setup._ALL_ENTITIES, frozenset())
    yield CypherText("schema migration: name keys", setup._SET_NAME_KEYS, frozenset({"rows"}))
    yield CypherText("schema version and store id", setup._SCHEMA_VERSION, frozenset())
    yield CypherText("store id assigned once", setup._ASSIGN_STORE_ID, frozenset({"store_id"}))
    yield CypherText("positions merged before their constraint", setup.MERGE_DUPLICATE_POSITIONS, frozenset())
    yield CypherText("sessions without a caption", setup._UNCAPTIONED, frozenset({"batch"}))
    yield CypherText("sessions captioned", setup._SET_CAPTIONS, frozenset({"rows"}))
    yield CypherText("schema 4 upgrade: namespaces", upgrade.NAMESPACES_WITH_SESSIONS, frozenset())
    yield CypherText("schema 4 upgrade: sessions", upgrade.SESSIONS_OF, frozenset({"ns"}))
    yield CypherText("schema 4 upgrade: position marks", upgrade.RAISE_POSITIONS, frozenset({"ns", "sids"}))
    yield CypherText("schema 4 upgrade: forgotten live marks", upgrade.RAISE_FORGOTTEN, frozenset({"ns", "sids"}))
    yield CypherText("events without a session order", setup._UNORDERED, frozenset({"batch"}))
    yield CypherText("events given a session order", setup._SET_ORDER, frozenset({"rows"}))
    yield CypherText("bench backends: what the target holds", backends._contents_query(), frozenset())
    yield CypherText("bench backends: namespaces graphmem wrote", backends._COUNTED_NAMESPACES, frozenset())


def store_workload(store: CypherStore, batch: Callable[[str], Batch], ns: str) -> None:
    """Call every method of ``store`` that talks to the server, on the namespace ``ns``."""
    store.create_schema()
    plain = batch(ns)
    entity = plain.entities[0]
    first = replace(
        plain,
        embeddings=((plain.events[0].id, [0.25, -0.5, 1.0, 0.0]), (entity.id, [1.0, 0.0, 0.0, 0.0])),
        embedding_model="lint-model",
        embedding_scheme="lint-scheme",
        sources=(SourceRecord(ns, "some/file.json", "0" * 64, datetime(2023, 5, 8)),),
    )
    store.write(first)
    event = first.events[0]
    store.get_session(ns, event.session)
    store.get_event(ns, event.id)
    store.get_events(ns, [e.id for e in first.events])
    store.get_entity(ns, entity.id)
    store.get_entities(ns, [entity.id, "no-such-entity"])
    store.search_vectors(ns, [0.0] * store.dialect.vector_dimensions, 3)
    if first.facts:
        store.get_fact(ns, first.facts[0].id)
    store.find_entities(ns, entity.name)
    store.find_entities(ns, entity.name, type=entity.type)
    store.find_entities_named(ns, [entity.name, "nobody"])
    store.find_events_by_source(ns, event.source_id or "")
    store.events_at(ns, [event.session, "no-such-session"], event.occurred_at or datetime(2023, 5, 8))
    window = TimeFilter(since=datetime(2000, 1, 1), until=datetime(2100, 1, 1), valid_at=datetime(2023, 5, 9))
    for node in (event.id, entity.id):
        store.neighbors(ns, node)
        store.neighbors(ns, node, edge_types=[EdgeType.MENTIONS], direction=Direction.OUT, time=window)
    store.neighbors_many(ns, [event.id, entity.id])
    store.neighbors_many(ns, [event.id], edge_types=[EdgeType.NEXT], direction=Direction.IN, time=window)
    with store.reading():  # a read scope: frontier reads bring the events at their far ends
        store.neighbors_many(ns, [event.id, entity.id])
        store.get_events(ns, [e.id for e in first.events])
    with store.reading():  # a recall's scope: the counter read, then the namespace's copy is read (both parts)
        store.changed_elsewhere(ns)
        store.get_events(ns, [e.id for e in first.events])
        store.neighbors_many(ns, [event.id, entity.id])
    list(store.iter_sessions(ns))
    list(store.iter_events(ns))
    list(store.iter_events(ns, session=event.session))
    list(store.iter_entities(ns))
    list(store.iter_facts(ns))
    list(store.iter_facts(ns, time=window))
    store.fact_groups_of_events(ns, [event.id])
    store.fact_chains_of_events(ns, [event.id, "no-such-event"])
    list(store.iter_mentions(ns))
    list(store.iter_embeddings(ns))
    store.embedding_origins(ns)
    store.embedding_dimensions(ns)
    store.event_embedding_origins(ns, after="", limit=10)
    store.search_text(ns, "support group yesterday")
    store.has_source(ns, "some/file.json", "0" * 64)
    store.source_records(ns, "some/file.json#turns@")
    store.namespaces()
    store.identity()
    store.stats()
    store.stats(ns)
    store.event_count(ns)
    store.write(Batch(ns, retract=(first.events[-1].id,)))
    store.write(Batch(ns, forgotten_live=((event.session, 9),)))
    if first.facts:  # a forget's move of an entity: a fact id made of its ends is made again of the new one
        f = first.facts[0]
        made = fact_id(f.evidence[0] if f.evidence else "", f.subject_id, f.predicate, f.object_id)
        store.write(Batch(ns, facts=(replace(f, id=made),)))
        store.rename_entity(ns, f.subject_id, f"{f.subject_id}-moved")
    store.delete_event(ns, first.events[0].id)
    store.last_positions(ns)
    store.forgotten_live(ns)
    store.replace_namespace(batch(ns))
    store.delete_namespace(ns)


def recorded_texts(session: RecordingSession) -> Iterator[CypherText]:
    """What a :class:`RecordingSession` saw, one text per distinct statement."""
    for n, (query, params) in enumerate(sorted(session.seen.items())):
        yield CypherText(f"store statement {n + 1}", query, frozenset(params))


def pushdown_texts(queries: list[tuple[str, str, dict[str, Any]]]) -> tuple[list[CypherText], list[str]]:
    """The push-down of each ``(name, DSL query, DSL parameters)`` that compiles; and the names that do not."""
    texts: list[CypherText] = []
    local: list[str] = []
    for name, query, params in queries:
        plan = plan_query(parse(query), params)
        try:
            compiled = compile_plan(plan, "lint-ns", about=None, entities=None, max_rows=1000)
        except NotPushable:
            local.append(name)
            continue
        texts.append(CypherText(f"push-down of {name}", compiled.text, frozenset(compiled.params)))
    return texts, local


def guide_texts() -> Iterator[CypherText]:
    """The Browser guide's starter queries, with the parameters the guide tells the user to set."""
    for query in STARTER_QUERIES:
        yield CypherText(f"browser guide: {query.title}", query.cypher, frozenset(query.params))


__all__ = [
    "CypherText",
    "RecordingSession",
    "dialect_texts",
    "guide_texts",
    "pushdown_texts",
    "recorded_texts",
    "store_workload",
]
