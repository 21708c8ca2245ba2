"""The schema of a Cypher database: refuse a newer one, create an older or missing one, migrate data.

The statements are the dialect's rendering of :data:`graphmem.store.cypher.schema.SCHEMA` (all
idempotent, ``IF NOT EXISTS``); they run when the database holds no graphmem schema node or an older
version, and data written under an older version is brought up to date (:func:`migrate`) before the new
version is recorded; a writable open gives a database without a store id one (:func:`read_store_id`).
A dialect without a full-text index logs why it is skipped (search then ranks with
BM25 on the client), and likewise without a vector index (vector seeds then come from the local hnswlib
copy); a database created before the vector index existed gets it when opened. Any failing statement is
an error.
"""

from __future__ import annotations

import logging
import uuid

from graphmem.errors import ReadOnlyStoreError, SchemaUpgradeError, SchemaVersionError, StoreError
from graphmem.store.cypher.dialect import CypherDialect
from graphmem.store.cypher.schema import FULLTEXT_INDEX, SCHEMA_VERSION, VECTOR_INDEX, name_keys
from graphmem.store.cypher.session import CypherSession

__all__ = ["RECORD_VERSION", "create_schema", "ensure_schema", "migrate", "read_store_id"]

log = logging.getLogger(__name__)

_SCHEMA_VERSION = "MATCH (m:GraphmemSchema {name: 'graphmem'}) RETURN m.version AS version, m.store_id AS store_id"
RECORD_VERSION = "MERGE (m:GraphmemSchema {name: 'graphmem'}) SET m.version = $version"
_STORE_ID = "MATCH (m:GraphmemSchema {name: 'graphmem'}) RETURN m.store_id AS store_id"
# written once: a second opener racing the first finds it set (identity() reads it again when asked)
_ASSIGN_STORE_ID = "MATCH (m:GraphmemSchema {name: 'graphmem'}) WHERE m.store_id IS NULL SET m.store_id = $store_id"


def ensure_schema(
    session: CypherSession, dialect: CypherDialect, *, create: bool = True, upgrade: bool = True
) -> frozenset[str]:
    """Refuse a newer schema, create an older or missing one; the names of the indexes that exist.

    With ``create`` false a database that holds no graphmem schema is refused, untouched; with
    ``upgrade`` false (a read-only open) nothing is written: an older schema is refused too, and a missing
    vector index is left missing.

    A database without a store id (new, or of a graphmem before store ids) gets one, unless ``upgrade``
    is false or the server refuses the write (a :class:`~graphmem.errors.ReadOnlyStoreError`: an account
    with a reader role); the id then stays unknown.

    Raises:
        SchemaVersionError: the database was written by a newer graphmem.
        SchemaUpgradeError: ``upgrade`` is false and the schema is older than this graphmem's.
        StoreError: a statement failed, or ``create`` (or ``upgrade``) is false and the database holds no
            graphmem store.
    """
    rows = session.run(_SCHEMA_VERSION, action="reading the schema version")
    version = int(rows[0]["version"]) if rows else None
    has_id = bool(rows) and rows[0].get("store_id") is not None
    if version is None and not (create and upgrade):
        raise StoreError(
            f"the database {session.uri} holds no graphmem store (no graphmem schema): ingest into it, or "
            "name another database"
        )
    if version is not None and version > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"the database {session.uri} was written by a newer graphmem (schema {version}; this version "
            f"reads up to {SCHEMA_VERSION}); upgrade graphmem to open it"
        )
    if version is not None and version < SCHEMA_VERSION and not upgrade:
        raise SchemaUpgradeError(
            f"the database {session.uri} holds graphmem schema {version} (this version writes {SCHEMA_VERSION}): "
            "open it once for writing, which upgrades it"
        )
    if version != SCHEMA_VERSION:
        create_schema(session, dialect, version)
    if not has_id and upgrade:  # a new database, or one of a graphmem before store ids
        _assign_store_id(session)
    names = frozenset(str(r.get("name")) for r in session.run(dialect.list_indexes, action="listing indexes"))
    vector = dialect.vector_statement()
    if vector is not None and vector.name not in names and upgrade:  # a database made before the vector index
        session.run(vector.cypher, action=f"creating the schema ({vector.name})")
        if dialect.await_indexes is not None:
            session.run(dialect.await_indexes, action="waiting for indexes")
        names |= {vector.name}
    return names


def _assign_store_id(session: CypherSession) -> None:
    """Give the database a store id; where the server refuses the write (an account with a reader role,
    which opens for writing by default), the id stays unknown, as after a read-only open."""
    try:
        session.run(_ASSIGN_STORE_ID, {"store_id": str(uuid.uuid4())}, action="recording the store id")
    except ReadOnlyStoreError as exc:
        log.info("the store id of %s stays unknown: %s", session.uri, exc)


def read_store_id(session: CypherSession) -> str | None:
    """The database's store id (a random UUID written once, see :class:`~graphmem.store.base.StoreIdentity`),
    or ``None`` for a database of an older graphmem not opened for writing since."""
    rows = session.read(_STORE_ID, action="reading the store id")
    value = rows[0].get("store_id") if rows else None
    return str(value) if value is not None else None


def create_schema(session: CypherSession, dialect: CypherDialect, old_version: int | None = None) -> None:
    """Run every schema statement (idempotent), migrate data of ``old_version``, record the schema version."""
    for statement in dialect.schema_statements():
        session.run(statement.cypher, action=f"creating the schema ({statement.name})")
    if dialect.fulltext_ddl is None:
        log.info("skipped %s: %s; search_text falls back to client-side BM25", FULLTEXT_INDEX, dialect.no_fulltext)
    if dialect.vector_index_ddl is None:
        log.info("skipped %s: %s; vector seeds come from the local index", VECTOR_INDEX, dialect.no_vector_index)
    if dialect.await_indexes is not None:
        session.run(dialect.await_indexes, action="waiting for indexes")
    if old_version is not None:
        migrate(session, old_version)
    session.run(RECORD_VERSION, {"version": SCHEMA_VERSION}, action="recording the schema version")


_ALL_ENTITIES = "MATCH (x:Entity) RETURN x.namespace AS ns, x.id AS id, x.name AS name, x.aliases AS aliases"
_SET_NAME_KEYS = """
UNWIND $rows AS row
MATCH (x:Entity {namespace: row.ns, id: row.id})
SET x.name_keys = row.keys
"""


def migrate(session: CypherSession, old_version: int) -> None:
    """Bring data written under schema ``old_version`` up to :data:`SCHEMA_VERSION` (idempotent).

    Version 1 to 2: recompute every entity's ``name_keys`` with accents dropped. Version 2 to 3: nothing
    (a namespace gets its change counter on its next write; until then it reads as unknown).
    """
    if old_version < 2:
        action = "migrating entity name keys to schema 2"
        records = session.run(_ALL_ENTITIES, action=action)
        rows = [{"ns": r["ns"], "id": r["id"], "keys": name_keys(r["name"] or "", r["aliases"] or ())} for r in records]
        for start in range(0, len(rows), 1000):
            session.run(_SET_NAME_KEYS, {"rows": rows[start : start + 1000]}, action=action)
        log.info("migrated the name keys of %d entities to schema %d", len(rows), SCHEMA_VERSION)
