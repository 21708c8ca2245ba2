"""Opening a Neo4j database for graphmem: connect, check it exists (create it if allowed), create the schema.

The schema statements are :data:`graphmem.store.cypher_schema.SCHEMA_STATEMENTS` (Neo4j 5 syntax, all
``IF NOT EXISTS``); they run when the database holds no graphmem schema node or an older version, and
data written under an older version is brought up to date (:func:`migrate`) before the new version is
recorded. Where
the server is ArcadeDB's Bolt plugin, the full-text index DDL it rejects is skipped with a logged
reason (search then falls back to client-side BM25); any other failure is an error.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from graphmem.errors import ConfigError, MissingDependencyError, SchemaVersionError, StoreError
from graphmem.store.cypher_schema import FULLTEXT_INDEX, SCHEMA_STATEMENTS, SCHEMA_VERSION, name_keys
from graphmem.store.neo4j_store import short_error

if TYPE_CHECKING:
    from graphmem.store.neo4j_store import Neo4jStore

__all__ = ["check_database", "connect", "create_schema", "ensure_schema", "migrate", "quiet_driver_logs"]

log = logging.getLogger("graphmem.store.neo4j_store")


def quiet_driver_logs() -> None:
    """Keep the ``neo4j`` driver's log records off stderr unless the application configures logging.

    Without a handler of its own, Python prints warnings of an unconfigured logger to stderr ("Unable to
    retrieve routing information" before graphmem's ``error:``); a :class:`logging.NullHandler` on the
    ``neo4j`` logger stops that and still lets records reach handlers the application installs.
    """
    driver_log = logging.getLogger("neo4j")
    if not any(isinstance(h, logging.NullHandler) for h in driver_log.handlers):
        driver_log.addHandler(logging.NullHandler())


def connect(
    cls: type[Neo4jStore],
    uri: str,
    *,
    auth: tuple[str, str] | None,
    database: str | None,
    create: bool,
    connection_timeout: float,
    max_transaction_retry_time: float,
) -> Neo4jStore:
    """:meth:`Neo4jStore.open <graphmem.store.neo4j_store.Neo4jStore.open>`: connect, check, create the schema."""
    try:
        import neo4j
    except ImportError as exc:
        raise MissingDependencyError("neo4j", "neo4j", "the Neo4j backend") from exc
    quiet_driver_logs()
    from graphmem.settings import neo4j_login

    auth, database = neo4j_login(auth, database)
    try:
        driver = neo4j.GraphDatabase.driver(
            uri,
            auth=auth,
            connection_timeout=connection_timeout,
            connection_acquisition_timeout=connection_timeout * 2,
            max_transaction_retry_time=max_transaction_retry_time,
        )
    except (ValueError, neo4j.exceptions.ConfigurationError) as exc:
        raise ConfigError(f"not a valid Neo4j URI {uri!r}: {exc}") from exc
    store = cls(driver, uri, database, user=auth[0] if auth else None)
    try:
        try:
            with store._errors("connecting"):
                driver.verify_connectivity()
                store.agent = str(driver.get_server_info().agent)
        except ValueError as exc:  # the driver's word for an address it cannot resolve or parse
            raise ConfigError(f"not a valid Neo4j URI {uri!r}: {exc}") from exc
        check_database(store, create)
        ensure_schema(store)
    except BaseException:
        driver.close()
        raise
    return store


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
        create_schema(store, version)
    with store._errors("listing indexes"):
        records, _, _ = store._driver.execute_query("SHOW INDEXES", database_=store.database)
    store.fulltext = any(r.get("name") == FULLTEXT_INDEX for r in records)


def create_schema(store: Neo4jStore, old_version: int | None = None) -> None:
    """Run every schema statement (idempotent), migrate data of ``old_version``, record the schema version."""
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
    if old_version is not None:
        migrate(store, old_version)
    with store._errors("recording the schema version"):
        store._driver.execute_query(
            "MERGE (m:GraphmemSchema {name: 'graphmem'}) SET m.version = $version",
            version=SCHEMA_VERSION,
            database_=store.database,
        )


_ALL_ENTITIES = "MATCH (x:Entity) RETURN x.namespace AS ns, x.id AS id, x.name AS name, x.aliases AS aliases"
_SET_NAME_KEYS = """
UNWIND $rows AS row
MATCH (x:Entity {namespace: row.ns, id: row.id})
SET x.name_keys = row.keys
"""


def migrate(store: Neo4jStore, old_version: int) -> None:
    """Bring data written under schema ``old_version`` up to :data:`SCHEMA_VERSION` (idempotent).

    Version 1 to 2: recompute every entity's ``name_keys`` with accents dropped.
    """
    if old_version < 2:
        with store._errors("migrating entity name keys to schema 2"):
            records, _, _ = store._driver.execute_query(_ALL_ENTITIES, database_=store.database)
            rows = [
                {"ns": r["ns"], "id": r["id"], "keys": name_keys(r["name"] or "", r["aliases"] or ())} for r in records
            ]
            for start in range(0, len(rows), 1000):
                store._driver.execute_query(_SET_NAME_KEYS, rows=rows[start : start + 1000], database_=store.database)
        log.info("migrated the name keys of %d entities to schema %d", len(rows), SCHEMA_VERSION)
