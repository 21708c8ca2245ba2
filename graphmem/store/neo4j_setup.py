"""Opening a Neo4j database for graphmem: check it exists (create it if allowed), create the schema.

The schema statements are :data:`graphmem.store.cypher_schema.SCHEMA_STATEMENTS` (Neo4j 5 syntax, all
``IF NOT EXISTS``); they run when the database holds no graphmem schema node or an older version. Where
the server is ArcadeDB's Bolt plugin, the full-text index DDL it rejects is skipped with a logged
reason (search then falls back to client-side BM25); any other failure is an error.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from graphmem.errors import SchemaVersionError, StoreError
from graphmem.store.cypher_schema import FULLTEXT_INDEX, SCHEMA_STATEMENTS, SCHEMA_VERSION
from graphmem.store.neo4j_store import short_error

if TYPE_CHECKING:
    from graphmem.store.neo4j_store import Neo4jStore

__all__ = ["check_database", "create_schema", "ensure_schema"]

log = logging.getLogger("graphmem.store.neo4j_store")


def check_database(store: Neo4jStore, create: bool) -> None:
    """Raise a named :class:`StoreError` unless the store's database exists (or could be created)."""
    from neo4j.exceptions import ClientError

    try:
        store._driver.execute_query("RETURN 1 AS ok", database_=store.database)
        return
    except ClientError as exc:
        if exc.code != "Neo.ClientError.Database.DatabaseNotFound":
            raise store._wrap(exc, "checking the database") from exc
        missing = exc
    except Exception as exc:
        raise store._wrap(exc, "checking the database") from exc
    name = store.database
    if not create or name is None:
        raise StoreError(f"no database {name!r} on the Neo4j server at {store.server_uri}") from missing
    try:
        store._driver.execute_query("CREATE DATABASE $name IF NOT EXISTS WAIT", name=name, database_="system")
    except Exception as exc:
        raise StoreError(
            f"no database {name!r} on the Neo4j server at {store.server_uri}, and it could not be "
            f"created ({short_error(exc)}); create it first or pass an existing database"
        ) from exc


def ensure_schema(store: Neo4jStore) -> None:
    """Refuse a newer schema, create an older or missing one, and detect the full-text index."""
    with store._errors("reading the schema version"):
        records, _, _ = store._driver.execute_query(
            "MATCH (m:GraphmemSchema {name: 'graphmem'}) RETURN m.version AS version",
            database_=store.database,
        )
    version = int(records[0]["version"]) if records else None
    if version is not None and version > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"the database {store.uri} was written by a newer graphmem (schema {version}; this version "
            f"reads up to {SCHEMA_VERSION}); upgrade graphmem to open it"
        )
    if version != SCHEMA_VERSION:
        create_schema(store)
    with store._errors("listing indexes"):
        records, _, _ = store._driver.execute_query("SHOW INDEXES", database_=store.database)
    store.fulltext = any(r.get("name") == FULLTEXT_INDEX for r in records)


def create_schema(store: Neo4jStore) -> None:
    """Run every schema statement (idempotent) and record the schema version."""
    from neo4j.exceptions import Neo4jError

    for statement in SCHEMA_STATEMENTS:
        try:
            store._driver.execute_query(statement.cypher, database_=store.database)
        except Neo4jError as exc:
            if statement.needs == "fulltext" and store.arcadedb:
                log.info(
                    "skipped %s: ArcadeDB's Bolt plugin does not accept full-text index DDL (%s); "
                    "search_text falls back to client-side BM25",
                    statement.name,
                    short_error(exc),
                )
                continue
            raise store._wrap(exc, f"creating the schema ({statement.name})") from exc
        except Exception as exc:
            raise store._wrap(exc, f"creating the schema ({statement.name})") from exc
    with store._errors("waiting for indexes"):
        if not store.arcadedb:  # ArcadeDB builds indexes synchronously and has no such procedure
            store._driver.execute_query("CALL db.awaitIndexes(300)", database_=store.database)
        store._driver.execute_query(
            "MERGE (m:GraphmemSchema {name: 'graphmem'}) SET m.version = $version",
            version=SCHEMA_VERSION,
            database_=store.database,
        )
