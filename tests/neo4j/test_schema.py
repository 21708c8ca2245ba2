"""The graph as Neo4j sees it: schema DDL, labels and types, namespaces on everything, full-text."""

from __future__ import annotations

import logging

import pytest
from neo4j import GraphDatabase

from graphmem.errors import SchemaVersionError
from graphmem.models import Batch, EdgeType, Entity
from graphmem.store.cypher import CypherStore
from graphmem.store.cypher.schema import (
    FULLTEXT_INDEX,
    NODE_LABELS,
    REL_TYPES,
    SCHEMA,
    SCHEMA_VERSION,
    VECTOR_INDEX,
)
from graphmem.store.neo4j import connect
from tests.store.test_contract import conversation
from tests.support.bolt_server import BoltTarget

pytestmark = pytest.mark.neo4j

ARCADEDB_NO_FULLTEXT = "ArcadeDB's Bolt plugin rejects CREATE FULLTEXT INDEX (Neo4j 5 syntax)"


def _run(target: BoltTarget, cypher: str, **params: object) -> list[dict[str, object]]:
    with GraphDatabase.driver(target.uri, auth=target.auth) as driver:
        records, _, _ = driver.execute_query(cypher, params, database_=target.database)
    return [r.data() for r in records]


def test_schema_is_created_and_reopening_is_idempotent(neo4j_store: CypherStore, bolt_server: BoltTarget) -> None:
    neo4j_store.create_schema()  # a second run of every statement changes nothing
    again = connect(bolt_server.uri, auth=bolt_server.auth, database=bolt_server.database)
    again.close()
    constraints = {r["name"] for r in _run(bolt_server, "SHOW CONSTRAINTS")}
    assert {"graphmem_session_key", "graphmem_event_key", "graphmem_entity_key", "graphmem_source_key"} <= constraints
    indexes = {r["name"] for r in _run(bolt_server, "SHOW INDEXES")}
    expected = {s.name for s in SCHEMA if "key" not in s.name}
    assert expected <= indexes
    assert _run(bolt_server, "MATCH (m:GraphmemSchema) RETURN m.version AS v") == [{"v": SCHEMA_VERSION}]


def test_fulltext_index_exists(neo4j_store: CypherStore, bolt_server: BoltTarget) -> None:
    if bolt_server.arcadedb:
        pytest.skip(ARCADEDB_NO_FULLTEXT)
    assert neo4j_store.fulltext
    assert FULLTEXT_INDEX in {r["name"] for r in _run(bolt_server, "SHOW INDEXES")}


def test_vector_index_exists(neo4j_store: CypherStore, bolt_server: BoltTarget) -> None:
    if bolt_server.arcadedb:
        pytest.skip("ArcadeDB's Bolt plugin rejects CREATE VECTOR INDEX")
    assert neo4j_store.vector_index
    assert VECTOR_INDEX in {r["name"] for r in _run(bolt_server, "SHOW INDEXES")}


def test_arcadedb_skips_only_the_fulltext_and_vector_ddl_and_says_why(
    bolt_server: BoltTarget, caplog: pytest.LogCaptureFixture
) -> None:
    if not bolt_server.arcadedb:
        pytest.skip("only ArcadeDB lacks the full-text index")
    store = connect(bolt_server.uri, auth=bolt_server.auth, database=bolt_server.database)
    with caplog.at_level(logging.INFO, logger="graphmem.store.cypher.setup"):
        store.create_schema()
    store.close()
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == 2 and all("ArcadeDB" in message for message in skipped)
    assert FULLTEXT_INDEX in skipped[0] and VECTOR_INDEX in skipped[1]
    assert not store.fulltext and not store.vector_index


def test_newer_schema_is_refused(neo4j_store: CypherStore, bolt_server: BoltTarget) -> None:
    _run(bolt_server, "MATCH (m:GraphmemSchema) SET m.version = 99")
    try:
        with pytest.raises(SchemaVersionError, match="newer graphmem"):
            connect(bolt_server.uri, auth=bolt_server.auth, database=bolt_server.database)
    finally:
        _run(bolt_server, "MATCH (m:GraphmemSchema) SET m.version = $v", v=SCHEMA_VERSION)


def test_schema_1_name_keys_are_migrated_on_open(neo4j_store: CypherStore, bolt_server: BoltTarget) -> None:
    neo4j_store.write(Batch("mig", entities=(Entity("mig", "ines", "Inês", "Person", ("Tomás's  Sister",)),)))
    # what graphmem 0.1 (schema 1) stored: case-folded keys that keep their accents
    _run(bolt_server, "MATCH (x:Entity {id: 'ines'}) SET x.name_keys = ['inês', \"tomás's sister\"]")
    _run(bolt_server, "MATCH (m:GraphmemSchema) SET m.version = 1")
    assert neo4j_store.find_entities("mig", "Ines") == []
    again = connect(bolt_server.uri, auth=bolt_server.auth, database=bolt_server.database)
    try:
        assert [e.id for e in again.find_entities("mig", "INES")] == ["ines"]
        assert [e.id for e in again.find_entities("mig", "tomas's sister")] == ["ines"]
    finally:
        again.close()
    assert _run(bolt_server, "MATCH (m:GraphmemSchema) RETURN m.version AS v") == [{"v": SCHEMA_VERSION}]


def test_data_model_in_neo4j_terms(neo4j_store: CypherStore, bolt_server: BoltTarget) -> None:
    neo4j_store.write(conversation("model"))
    labels = {tuple(r["l"]) for r in _run(bolt_server, "MATCH (n) RETURN DISTINCT labels(n) AS l")}
    assert {("Session",), ("Event",), ("Entity",)} <= labels
    assert {label for ls in labels for label in ls} <= NODE_LABELS
    types = {r["t"] for r in _run(bolt_server, "MATCH ()-[r]->() RETURN DISTINCT type(r) AS t")}
    assert types == {t.value for t in EdgeType} and types <= REL_TYPES
    unscoped = _run(bolt_server, "MATCH (n) WHERE n.namespace IS NULL AND NOT n:GraphmemSchema RETURN count(n) AS c")
    assert unscoped == [{"c": 0}]
    assert _run(bolt_server, "MATCH ()-[r]->() WHERE r.namespace IS NULL RETURN count(r) AS c") == [{"c": 0}]
    # what a person types in Browser works: Caroline's timeline, with native datetimes
    rows = _run(
        bolt_server,
        "MATCH (e:Event)-[:SPOKEN_BY]->(:Entity {name: 'Caroline'}) RETURN e.id AS id ORDER BY e.occurred_at",
    )
    assert [r["id"] for r in rows] == ["e1", "e3"]
    fact = _run(bolt_server, "MATCH (:Entity {id: 'melanie'})-[f:FACT]->(o) RETURN f.predicate AS p, o.name AS o")
    assert fact == [{"p": "go", "o": "camping"}]


def test_client_side_full_text_fallback_ranks_like_bm25(neo4j_store: CypherStore) -> None:
    neo4j_store.write(conversation("fts"))
    neo4j_store.fulltext = False  # force the fallback, whatever the server
    hits = neo4j_store.search_text("fts", "camping with kids")
    assert hits[0].event_id == "e4" and all(h.score > 0 for h in hits)
    assert {h.event_id for h in neo4j_store.search_text("fts", "paint")} == {"e2", "e3"}  # stemmed as FTS5 does
    assert neo4j_store.search_text("fts", "nothing-matches-this") == []
    assert neo4j_store.search_text("other", "camping") == []


def test_a_writable_open_creates_the_constraints_and_indexes_an_older_graphmem_lacked(
    neo4j_store: CypherStore, bolt_server: BoltTarget
) -> None:
    # review: a database an older graphmem made at this schema version had no constraint on positions, and
    # opening it never created one (the schema statements ran only for a new or older schema version)
    from graphmem.store.base import KeepsPositions

    _run(bolt_server, "DROP CONSTRAINT graphmem_position_key IF EXISTS")
    _run(bolt_server, "DROP INDEX graphmem_event_time IF EXISTS")
    try:
        # writers racing without the constraint made two marks of one session
        _run(bolt_server, "CREATE (:GraphmemPosition {namespace: 'old', session: 's', high: 2})")
        _run(bolt_server, "CREATE (:GraphmemPosition {namespace: 'old', session: 's', high: 5})")
        connect(bolt_server.uri, auth=bolt_server.auth, database=bolt_server.database, read_only=True).close()
        assert "graphmem_position_key" not in {r["name"] for r in _run(bolt_server, "SHOW CONSTRAINTS")}
        assert "graphmem_event_time" not in {r["name"] for r in _run(bolt_server, "SHOW INDEXES")}
        store = connect(bolt_server.uri, auth=bolt_server.auth, database=bolt_server.database)
        try:
            assert "graphmem_position_key" in {r["name"] for r in _run(bolt_server, "SHOW CONSTRAINTS")}
            assert "graphmem_event_time" in {r["name"] for r in _run(bolt_server, "SHOW INDEXES")}
            assert isinstance(store, KeepsPositions)
            assert store.last_positions("old") == {"s": 5}  # the marks merged, the higher one kept
        finally:
            store.close()
        connect(bolt_server.uri, auth=bolt_server.auth, database=bolt_server.database).close()  # idempotent
    finally:
        neo4j_store.create_schema()


def test_a_database_an_older_graphmem_wrote_opens_and_records_forgotten_live_places(
    neo4j_store: CypherStore, bolt_server: BoltTarget
) -> None:
    """A database written before ``:GraphmemForgottenLive`` (no such node, no schema change) reads as
    recording none and records from its first forget of a live event on."""
    neo4j_store.write(conversation("old"))
    _run(bolt_server, "MATCH (f:GraphmemForgottenLive) DETACH DELETE f")
    for read_only in (True, False):
        store = connect(bolt_server.uri, auth=bolt_server.auth, database=bolt_server.database, read_only=read_only)
        try:
            assert store.forgotten_live("old") == {}
            if not read_only:
                store.delete_event("old", "e3")  # added live (no source_file)
                assert store.forgotten_live("old") == {"s1": frozenset({2})}
        finally:
            store.close()
