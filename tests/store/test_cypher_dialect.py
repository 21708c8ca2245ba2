"""Cypher dialects and the Bolt session's values, without a server."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import date, datetime

import pytest

from graphmem.store.cypher.dialect import ARCADEDB, NEO4J, CypherDialect, dialect_for_agent
from graphmem.store.cypher.schema import CJK_FULLTEXT_INDEX, FULLTEXT_INDEX, SCHEMA, VECTOR_INDEX, dt_out


def test_neo4j_ddl_is_neo4j_5_syntax() -> None:
    statements = {s.name: s.cypher for s in NEO4J.schema_statements()}
    assert statements["graphmem_session_key"] == (
        "CREATE CONSTRAINT graphmem_session_key IF NOT EXISTS FOR (n:Session) REQUIRE (n.namespace, n.id) IS UNIQUE"
    )
    assert statements["graphmem_fact_key"] == (
        "CREATE INDEX graphmem_fact_key IF NOT EXISTS FOR ()-[r:FACT]-() ON (r.namespace, r.id)"
    )
    assert statements[FULLTEXT_INDEX] == (
        "CREATE FULLTEXT INDEX graphmem_event_text IF NOT EXISTS FOR (n:Event) ON EACH [n.text] "
        "OPTIONS {indexConfig: {`fulltext.analyzer`: 'english'}}"
    )
    assert statements[VECTOR_INDEX] == (
        "CREATE VECTOR INDEX graphmem_event_embedding IF NOT EXISTS FOR (n:Event) ON (n.embedding) "
        "OPTIONS {indexConfig: {`vector.dimensions`: 384, `vector.similarity_function`: 'cosine'}}"
    )
    assert statements[CJK_FULLTEXT_INDEX] == (
        "CREATE FULLTEXT INDEX graphmem_event_text_cjk IF NOT EXISTS FOR (n:Event) ON EACH [n.text] "
        "OPTIONS {indexConfig: {`fulltext.analyzer`: 'cjk'}}"
    )
    # the full-text and vector indexes come last
    assert list(statements) == [*(spec.name for spec in SCHEMA), FULLTEXT_INDEX, CJK_FULLTEXT_INDEX, VECTOR_INDEX]
    assert NEO4J.vector_search == (
        "CALL db.index.vector.queryNodes($index, $k, $vector) YIELD node, score "
        "RETURN node.id AS id, node.namespace AS ns, score, CASE WHEN node.namespace = $ns THEN node {.namespace, "
        ".id, .session, .seq, .speaker, .text, .occurred_at, .source_id, .source_file, .source_line, .kind, .times} "
        "END AS p"
    )


def test_arcadedb_has_every_index_but_the_full_text_one() -> None:
    names = [s.name for s in ARCADEDB.schema_statements()]
    assert names == [spec.name for spec in SCHEMA] and FULLTEXT_INDEX not in names and VECTOR_INDEX not in names
    assert CJK_FULLTEXT_INDEX not in names and not ARCADEDB.added_statements()
    assert ARCADEDB.fulltext_search is None and ARCADEDB.await_indexes is None and ARCADEDB.no_fulltext
    assert ARCADEDB.vector_search is None and ARCADEDB.vector_statement() is None and ARCADEDB.no_vector_index


@pytest.mark.parametrize(
    ("agent", "dialect"),
    [("Neo4j/5.20.0", NEO4J), ("ArcadeDB/25.1.1", ARCADEDB), ("arcadedb", ARCADEDB), ("SomethingElse/1.0", NEO4J)],
)
def test_the_dialect_is_read_from_the_agent_string(agent: str, dialect: CypherDialect) -> None:
    assert dialect_for_agent(agent) is dialect


def test_a_dialect_is_a_frozen_value() -> None:
    with pytest.raises(FrozenInstanceError):
        NEO4J.fulltext_ddl = None  # type: ignore[misc]


def test_a_new_dialect_renders_its_own_index_syntax() -> None:
    memgraph_like = CypherDialect(
        name="Other",
        agent="other",
        unique_ddl="CREATE CONSTRAINT ON (n:{target}) ASSERT {keys} IS UNIQUE",
        node_index_ddl="CREATE INDEX ON :{target}({keys})",
        fulltext_ddl=None,
    )
    statements = {s.name: s.cypher for s in memgraph_like.schema_statements()}
    assert statements["graphmem_event_key"] == "CREATE CONSTRAINT ON (n:Event) ASSERT n.namespace, n.id IS UNIQUE"
    assert statements["graphmem_event_ns"] == "CREATE INDEX ON :Event(n.namespace)"


def test_stored_times_read_back_naive_utc() -> None:
    from datetime import UTC, timedelta, timezone

    assert dt_out(None) is None
    assert dt_out(datetime(2024, 5, 1, 12)) == datetime(2024, 5, 1, 12)
    assert dt_out(datetime(2024, 5, 1, 12, tzinfo=timezone(timedelta(hours=2)))) == datetime(2024, 5, 1, 10)
    assert dt_out(datetime(2024, 5, 1, 12, tzinfo=UTC)).tzinfo is None  # type: ignore[union-attr]
    assert dt_out(date(2024, 5, 1)) == datetime(2024, 5, 1)


def test_the_bolt_session_returns_plain_python_values() -> None:
    pytest.importorskip("neo4j")
    from neo4j.time import Date, DateTime

    from graphmem.store.neo4j import plain_value

    embedding = [0.5] * 384
    assert plain_value(embedding) is embedding  # plain lists are passed through, not copied
    assert plain_value({"at": DateTime(2024, 1, 2, 3, 4, 5), "tags": ["a", Date(2024, 1, 2)]}) == {
        "at": datetime(2024, 1, 2, 3, 4, 5),
        "tags": ["a", date(2024, 1, 2)],
    }
    assert type(plain_value(DateTime(2024, 1, 2))) is datetime
