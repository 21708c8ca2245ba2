"""The schema of a Cypher database: refuse a newer one, create an older or missing one, migrate data.

The statements are the dialect's rendering of :data:`graphmem.store.cypher.schema.SCHEMA` (all
idempotent, ``IF NOT EXISTS``); they run when the database holds no graphmem schema node or an older
version, and data written under an older version is brought up to date (:func:`migrate`) before the new
version is recorded; a writable open gives a database without a store id one (:func:`read_store_id`),
and creates the constraints and indexes of the schema it lacks (:func:`create_missing`: a database an older
graphmem made at this schema version, before the constraint on ``:GraphmemPosition`` existed, or before the
CJK full-text index or the vector index), and captions the sessions an older graphmem wrote without one
(:func:`caption_sessions`); a read-only open writes nothing. An older schema upgraded so is said once the
schema is done (:class:`~graphmem.errors.StoreUpgradedWarning`, the CLI's ``note: upgraded …``).
A dialect without a full-text index logs why it is skipped (search then ranks with
BM25 on the client), and likewise without a vector index (vector seeds then come from the local hnswlib
copy); a database created before the vector index (or the CJK full-text index) existed gets it when opened
for writing. Any failing statement is an error.
"""

from __future__ import annotations

import logging
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphmem.errors import (
    ReadOnlyStoreError,
    SchemaUpgradeError,
    SchemaVersionError,
    StoreError,
    StoreUpgradedWarning,
)
from graphmem.models import natural_sort_text
from graphmem.store.cypher.dialect import CypherDialect, SchemaStatement
from graphmem.store.cypher.schema import (
    FULLTEXT_INDEX,
    SCHEMA,
    SCHEMA_VERSION,
    VECTOR_INDEX,
    caption_of_session,
    name_keys,
)
from graphmem.store.cypher.session import CypherSession, Row
from graphmem.store.cypher.upgrade import upgrade_to_4

__all__ = [
    "MERGE_DUPLICATE_POSITIONS",
    "RECORD_VERSION",
    "caption_sessions",
    "create_missing",
    "create_schema",
    "ensure_schema",
    "migrate",
    "order_events",
    "read_store_id",
]

log = logging.getLogger(__name__)

_SCHEMA_VERSION = "MATCH (m:GraphmemSchema {name: 'graphmem'}) RETURN m.version AS version, m.store_id AS store_id"
RECORD_VERSION = "MERGE (m:GraphmemSchema {name: 'graphmem'}) SET m.version = $version"
_STORE_ID = "MATCH (m:GraphmemSchema {name: 'graphmem'}) RETURN m.store_id AS store_id"
# written once: a second opener racing the first finds it set (identity() reads it again when asked)
_ASSIGN_STORE_ID = "MATCH (m:GraphmemSchema {name: 'graphmem'}) WHERE m.store_id IS NULL SET m.store_id = $store_id"
#: Before the uniqueness constraint on positions is created in a database that lacked it: writers racing
#: without it may have made two marks of one session; one stays, holding the higher position.
MERGE_DUPLICATE_POSITIONS = """
MATCH (p:GraphmemPosition)
WITH p.namespace AS ns, p.session AS session, collect(p) AS marks, max(p.high) AS high
WHERE size(marks) > 1
WITH head(marks) AS kept, tail(marks) AS extra, high
SET kept.high = high
WITH extra
UNWIND extra AS mark
DELETE mark
"""
#: Statements run before a constraint is created, by the constraint's name.
_BEFORE = {"graphmem_position_key": MERGE_DUPLICATE_POSITIONS}


def ensure_schema(
    session: CypherSession, dialect: CypherDialect, *, create: bool = True, upgrade: bool = True
) -> frozenset[str]:
    """Refuse a newer schema, create an older or missing one; the names of the indexes that exist.

    With ``create`` false a database that holds no graphmem schema is refused, untouched; with
    ``upgrade`` false (a read-only open) nothing is written: an older schema is refused too, and a missing
    vector index is left missing.

    A database without a store id (new, or of a graphmem before store ids) gets one, unless ``upgrade``
    is false or the server refuses the write (a :class:`~graphmem.errors.ReadOnlyStoreError`: an account
    with a reader role); the id then stays unknown. Likewise a database at this schema version that lacks
    some of its constraints or indexes (an older graphmem's) gets them (:func:`create_missing`).

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
    rows = session.run(dialect.list_indexes, action="listing indexes")
    names = frozenset(str(r.get("name")) for r in rows)
    if upgrade and version == SCHEMA_VERSION:  # perhaps made by an older graphmem at this version
        # a constraint's index may have a name of its own (ArcadeDB's "Label[props]"): it names its owner
        owners = {str(r.get("owningConstraint")) for r in rows if r.get("owningConstraint")}
        create_missing(session, dialect, names | owners)
    # a database made before the CJK full-text index or the vector index existed
    added = [s for s in dialect.added_statements() if s.name not in names] if upgrade else []
    for statement in added:
        session.run(statement.cypher, action=f"creating the schema ({statement.name})")
    if added and dialect.await_indexes is not None:
        session.run(dialect.await_indexes, action="waiting for indexes")
    if upgrade:
        caption_sessions(session)
    if version is not None and version < SCHEMA_VERSION:  # said once the store is open: the CLI prints a note
        warnings.warn(StoreUpgradedWarning(session.uri, version, SCHEMA_VERSION), stacklevel=2)
    return names | {s.name for s in added}


@dataclass(frozen=True, slots=True)
class _Backfill:
    """A property an older graphmem left unset on some nodes, and how this one fills it in.

    ``select`` returns at most ``$batch`` rows lacking it; ``fill`` computes one ``$rows`` entry of
    ``update`` from each; ``update`` writes them back where the property is still unset (and the value
    is not null, so that a node it counts is one it filled) and returns how many nodes it filled
    (``filled``).
    """

    select: str
    update: str
    fill: Callable[[Row], dict[str, Any]]
    action: str
    #: Logged with the URI and the server's refusal where the write is refused.
    refused: str
    #: Logged with the count and the URI where some were filled.
    done: str


def _backfill(session: CypherSession, job: _Backfill, batch: int) -> int:
    """Fill in ``job``'s property batch by batch; how many nodes were filled.

    It stops when a batch fills nothing (none left, or none matched back: another writer's change, or a
    row the update cannot fill). A batch that fills something leaves fewer nodes unset than before, so
    the loop ends even when some rows can never be filled; such rows stay as they are. Where the server
    refuses the write (an account with a reader role), that is logged and what was filled stays.

    Raises:
        StoreError: a statement failed otherwise.
    """
    filled = 0
    try:
        while rows := session.run(job.select, {"batch": batch}, action=job.action):
            done = session.run(job.update, {"rows": [job.fill(r) for r in rows]}, action=job.action)
            count = int(done[0]["filled"]) if done else 0
            if count == 0:
                break
            filled += count
    except ReadOnlyStoreError as exc:
        log.info(job.refused, session.uri, exc)
    if filled:
        log.info(job.done, filled, session.uri)
    return filled


_UNCAPTIONED = """
MATCH (s:Session)
WHERE s.caption IS NULL AND s.namespace IS NOT NULL AND s.id IS NOT NULL
RETURN s.namespace AS ns, s.id AS id, s.started_at AS started_at, s.date_text AS date_text
LIMIT $batch
"""
_SET_CAPTIONS = """
UNWIND $rows AS row
MATCH (s:Session {namespace: row.ns, id: row.id})
WHERE s.caption IS NULL AND row.caption IS NOT NULL
SET s.caption = row.caption
RETURN count(s) AS filled
"""
_CAPTIONS = _Backfill(
    select=_UNCAPTIONED,
    update=_SET_CAPTIONS,
    fill=lambda r: {
        "ns": r["ns"],
        "id": r["id"],
        "caption": caption_of_session(str(r["id"]), r["started_at"], r["date_text"]),
    },
    action="captioning the sessions an older graphmem wrote",
    refused="the sessions of %s without a caption keep none: %s",
    done="captioned %d sessions of %s written before session captions",
)


def caption_sessions(session: CypherSession, *, batch: int = 1000) -> int:
    """Give each session node without a ``caption`` (written by a graphmem before session captions) the one
    a new session gets (its header's date, else its start, else its id); how many were captioned.

    Idempotent (a session with a caption is left as it is), ``batch`` sessions per statement. Where the
    server refuses the write (an account with a reader role), they stay uncaptioned, and that is logged.

    Raises:
        StoreError: a statement failed otherwise.
    """
    return _backfill(session, _CAPTIONS, batch)


_UNORDERED = """
MATCH (e:Event)
WHERE e.session_order IS NULL AND e.namespace IS NOT NULL AND e.session IS NOT NULL
RETURN DISTINCT e.namespace AS ns, e.session AS session
LIMIT $batch
"""
_SET_ORDER = """
UNWIND $rows AS row
MATCH (e:Event {namespace: row.ns, session: row.session})
WHERE e.session_order IS NULL AND row.key IS NOT NULL
SET e.session_order = row.key
RETURN count(e) AS filled
"""
_ORDERS = _Backfill(
    select=_UNORDERED,
    update=_SET_ORDER,
    fill=lambda r: {"ns": r["ns"], "session": r["session"], "key": natural_sort_text(str(r["session"]))},
    action="giving the events an older graphmem wrote their session order",
    refused="the events of %s without a session order keep none: %s",
    done="gave %d events of %s written before session orders theirs",
)


def order_events(session: CypherSession, *, batch: int = 1000) -> int:
    """Give each event without a ``session_order`` (written by a graphmem before it) the one a new event
    gets (:func:`~graphmem.models.natural_sort_text` of its session id); how many events got one.

    Idempotent, ``batch`` sessions per statement. Where the server refuses the write (an account with a
    reader role), they stay without one, and that is logged: the query language then sorts their ties by
    session id as text, as before.

    Raises:
        StoreError: a statement failed otherwise.
    """
    return _backfill(session, _ORDERS, batch)


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


def create_missing(session: CypherSession, dialect: CypherDialect, present: frozenset[str] | set[str]) -> list[str]:
    """Create the constraints and indexes of :data:`~graphmem.store.cypher.schema.SCHEMA` whose names are not
    in ``present`` (each statement idempotent, ``IF NOT EXISTS``); the names of those created.

    Where the server refuses the write (a :class:`~graphmem.errors.ReadOnlyStoreError`: an account with a
    reader role, which opens for writing by default), they stay missing, and that is logged.

    Raises:
        StoreError: a statement failed otherwise.
    """
    wanted = {spec.name for spec in SCHEMA} - set(present)
    created = []
    for statement in dialect.schema_statements():
        if statement.name in wanted:
            try:
                _create(session, statement)
            except ReadOnlyStoreError as exc:
                log.info("%s stays missing in %s: %s", statement.name, session.uri, exc)
                continue
            created.append(statement.name)
    if created:
        log.info("created %s, missing in %s", ", ".join(created), session.uri)
        if dialect.await_indexes is not None:
            session.run(dialect.await_indexes, action="waiting for indexes")
    return created


def _create(session: CypherSession, statement: SchemaStatement) -> None:
    """Run one schema statement, after what its constraint needs of the data (:data:`_BEFORE`)."""
    before = _BEFORE.get(statement.name)
    if before is not None:
        session.run(before, action=f"preparing the data for {statement.name}")
    session.run(statement.cypher, action=f"creating the schema ({statement.name})")


def create_schema(session: CypherSession, dialect: CypherDialect, old_version: int | None = None) -> None:
    """Run every schema statement (idempotent), migrate data of ``old_version``, record the schema version."""
    for statement in dialect.schema_statements():
        _create(session, statement)
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
    (a namespace gets its change counter on its next write; until then it reads as unknown). Version 3 to
    4: position marks, ``NEXT`` chains and ``NEXT_SESSION`` links as this version writes them
    (:func:`~graphmem.store.cypher.upgrade.upgrade_to_4`; older turn prints are read as they are), and each
    event's ``session_order``, the key the query language breaks session ties by (:func:`order_events`).
    """
    if old_version < 2:
        action = "migrating entity name keys to schema 2"
        records = session.run(_ALL_ENTITIES, action=action)
        rows = [{"ns": r["ns"], "id": r["id"], "keys": name_keys(r["name"] or "", r["aliases"] or ())} for r in records]
        for start in range(0, len(rows), 1000):
            session.run(_SET_NAME_KEYS, {"rows": rows[start : start + 1000]}, action=action)
        log.info("migrated the name keys of %d entities to schema %d", len(rows), SCHEMA_VERSION)
    if old_version < 4:
        upgrade_to_4(session)
        order_events(session)
