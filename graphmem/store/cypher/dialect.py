"""What differs between Cypher servers, as values: one :class:`CypherDialect` per server family.

The Cypher store (:class:`~graphmem.store.cypher.store.CypherStore`) is written once; the few things
servers disagree on (the DDL of constraints and indexes, whether and how there is a full-text index or
a vector index, how to wait for indexes) are fields of a frozen dialect value chosen once when the store connects
(:func:`dialect_for_agent`), never tested again by name in query code.

Adding a server that speaks Neo4j-flavoured Cypher means adding a value here (and a row in
:data:`DIALECTS` so connecting recognises it); everything else is shared.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphmem.store.cypher.schema import (
    CJK_FULLTEXT_INDEX,
    EVENT_KEYS,
    FULLTEXT_INDEX,
    SCHEMA,
    VECTOR_INDEX,
    IndexSpec,
    projection,
)

# The event's properties in a search's rows: recall asks for the events it found right after (see
# :mod:`graphmem.store.cypher.scope`).
_NODE_EVENT = projection("node", EVENT_KEYS)

__all__ = ["ARCADEDB", "DIALECTS", "NEO4J", "CypherDialect", "SchemaStatement", "dialect_for_agent"]


@dataclass(frozen=True, slots=True)
class SchemaStatement:
    """One DDL statement of a dialect, named after the constraint or index it creates."""

    name: str
    cypher: str


@dataclass(frozen=True, slots=True)
class CypherDialect:
    """The differences of one Cypher server family, chosen once at connect time.

    DDL templates are filled with ``{name}``, ``{target}`` (a label or relationship type from the
    schema's allow-list) and ``{keys}`` (``n.a, n.b`` for nodes, ``r.a, r.b`` for relationships).

    Attributes:
        name: the family's name, for messages ("Neo4j", "ArcadeDB").
        agent: a case-insensitive marker of the family in the server's Bolt agent string.
        unique_ddl: creates a uniqueness constraint on node properties, idempotently.
        node_index_ddl: creates a node property index, idempotently.
        rel_index_ddl: creates a relationship property index, idempotently.
        fulltext_ddl: creates the full-text index :data:`FULLTEXT_INDEX` on ``Event.text``; ``None``
            where the server has none (search then ranks with BM25 on the client).
        cjk_fulltext_ddl: creates the full-text index :data:`CJK_FULLTEXT_INDEX` on ``Event.text`` with
            Lucene's CJK analyzer (overlapping bigrams of Han, Kana and Hangul, as
            :mod:`graphmem.store.segment` makes them), which the bigrams of a query are asked of; ``None``
            where the server has none.
        fulltext_search: finds events by a full-text index (parameters ``$index``, ``$query`` in
            Lucene syntax, ``$ns``, ``$limit``; returns ``id``, ``score`` and ``p``, the event's
            properties), or ``None``.
        no_fulltext: why the server has no full-text index, logged when the schema is created.
        vector_index_ddl: creates the vector index :data:`VECTOR_INDEX` on ``Event.embedding`` (cosine,
            ``{dimensions}`` wide), or ``None`` where the server has none (recall then searches the
            local hnswlib copy of the embeddings).
        vector_search: the ``$k`` events nearest to ``$vector`` by the vector index ``$index``; returns
            ``id``, ``ns`` (the namespace: the index spans them all), ``score`` (Neo4j's cosine
            score, ``(1 + cos) / 2``) and ``p`` (the event's properties where its namespace is ``$ns``,
            else ``null``), or ``None``.
        vector_dimensions: the width of the vectors the vector index holds (the packaged MiniLM's);
            other vectors are searched locally.
        no_vector_index: why the server has no vector index.
        await_indexes: waits until new indexes are online; ``None`` where DDL is synchronous.
        list_indexes: lists the indexes, with a ``name`` column.
    """

    name: str
    agent: str
    unique_ddl: str = "CREATE CONSTRAINT {name} IF NOT EXISTS FOR (n:{target}) REQUIRE ({keys}) IS UNIQUE"
    node_index_ddl: str = "CREATE INDEX {name} IF NOT EXISTS FOR (n:{target}) ON ({keys})"
    rel_index_ddl: str = "CREATE INDEX {name} IF NOT EXISTS FOR ()-[r:{target}]-() ON ({keys})"
    fulltext_ddl: str | None = (
        "CREATE FULLTEXT INDEX {name} IF NOT EXISTS FOR (n:Event) ON EACH [n.text] "
        "OPTIONS {{indexConfig: {{`fulltext.analyzer`: 'english'}}}}"
    )
    cjk_fulltext_ddl: str | None = (
        "CREATE FULLTEXT INDEX {name} IF NOT EXISTS FOR (n:Event) ON EACH [n.text] "
        "OPTIONS {{indexConfig: {{`fulltext.analyzer`: 'cjk'}}}}"
    )
    fulltext_search: str | None = (
        "CALL db.index.fulltext.queryNodes($index, $query) YIELD node, score "
        "WHERE node.namespace = $ns RETURN node.id AS id, score, " + _NODE_EVENT + " AS p "
        "ORDER BY score DESC LIMIT $limit"
    )
    no_fulltext: str = ""
    vector_index_ddl: str | None = (
        "CREATE VECTOR INDEX {name} IF NOT EXISTS FOR (n:Event) ON (n.embedding) "
        "OPTIONS {{indexConfig: {{`vector.dimensions`: {dimensions}, `vector.similarity_function`: 'cosine'}}}}"
    )
    vector_search: str | None = (
        "CALL db.index.vector.queryNodes($index, $k, $vector) YIELD node, score "
        "RETURN node.id AS id, node.namespace AS ns, score, "
        "CASE WHEN node.namespace = $ns THEN " + _NODE_EVENT + " END AS p"
    )
    vector_dimensions: int = 384
    no_vector_index: str = ""
    await_indexes: str | None = "CALL db.awaitIndexes(300)"
    list_indexes: str = "SHOW INDEXES"

    def ddl(self, spec: IndexSpec) -> str:
        """The statement creating one constraint or index of the schema."""
        var = "r" if spec.kind == "relationship" else "n"
        template = {"unique": self.unique_ddl, "node": self.node_index_ddl, "relationship": self.rel_index_ddl}
        keys = ", ".join(f"{var}.{prop}" for prop in spec.props)
        return template[spec.kind].format(name=spec.name, target=spec.target, keys=keys)

    def schema_statements(self) -> tuple[SchemaStatement, ...]:
        """Every DDL statement of the schema in this dialect, then the full-text and vector indexes (if any)."""
        statements = [SchemaStatement(spec.name, self.ddl(spec)) for spec in SCHEMA]
        if self.fulltext_ddl is not None:
            statements.append(SchemaStatement(FULLTEXT_INDEX, self.fulltext_ddl.format(name=FULLTEXT_INDEX)))
        statements += self.added_statements()
        return tuple(statements)

    def added_statements(self) -> list[SchemaStatement]:
        """The indexes a database made before they existed gets when opened for writing (the CJK full-text
        index, then the vector index), those the server has."""
        cjk = self.cjk_fulltext_ddl
        added = [] if cjk is None else [SchemaStatement(CJK_FULLTEXT_INDEX, cjk.format(name=CJK_FULLTEXT_INDEX))]
        vector = self.vector_statement()
        return added if vector is None else [*added, vector]

    def vector_statement(self) -> SchemaStatement | None:
        """The DDL of the vector index, or ``None`` where the server has none."""
        if self.vector_index_ddl is None:
            return None
        ddl = self.vector_index_ddl.format(name=VECTOR_INDEX, dimensions=int(self.vector_dimensions))
        return SchemaStatement(VECTOR_INDEX, ddl)


#: Neo4j 5.13+ (and servers that copy its Cypher exactly): Lucene full-text index, a vector index on event
#: embeddings, asynchronous index builds.
NEO4J = CypherDialect(name="Neo4j", agent="neo4j")

#: ArcadeDB's Bolt plugin: Neo4j 5 DDL for constraints and indexes, built synchronously; it rejects the
#: full-text and vector index DDL ("Only standard, RANGE and TEXT index types are supported"), so event text
#: is ranked with BM25 on the client and vector seeds come from the local hnswlib copy.
ARCADEDB = CypherDialect(
    name="ArcadeDB",
    agent="arcadedb",
    fulltext_ddl=None,
    cjk_fulltext_ddl=None,
    fulltext_search=None,
    no_fulltext="ArcadeDB's Bolt plugin does not accept full-text index DDL",
    vector_index_ddl=None,
    vector_search=None,
    no_vector_index="ArcadeDB's Bolt plugin accepts only standard, RANGE and TEXT index DDL",
    await_indexes=None,
)

#: The dialects connecting recognises, tried in order against the server's agent string.
DIALECTS: tuple[CypherDialect, ...] = (ARCADEDB, NEO4J)


def dialect_for_agent(agent: str) -> CypherDialect:
    """The dialect of the server whose Bolt agent string is ``agent``; Neo4j's when none matches."""
    lowered = agent.lower()
    return next((d for d in DIALECTS if d.agent in lowered), NEO4J)
