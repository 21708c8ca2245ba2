"""SQLite schema of the embedded store, and conversion between rows and models."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graphmem.errors import SchemaVersionError, StoreError
from graphmem.models import Entity, Event, Fact, Session, TimeRef
from graphmem.store.damage import is_damage, store_error
from graphmem.store.segment import has_segments, index_text
from graphmem.store.sqlite_heads import HEADS_DDL
from graphmem.store.sqlite_terms import BOUNDS_DDL, backfill, forget_unused, note_rows

__all__ = [
    "APP_ID",
    "OLDEST_READABLE",
    "SCHEMA",
    "SCHEMA_VERSION",
    "check_and_init",
    "dt_in",
    "dt_out",
    "entity_from_row",
    "event_from_row",
    "fact_from_row",
    "fts_ddl",
    "fts_table",
    "json_list",
    "migrate",
    "normalise_dt",
    "normalised_event",
    "normalised_fact",
    "normalised_session",
    "read_store_id",
    "session_from_row",
    "times_in",
    "vector_in",
    "vector_out",
]

#: Bumped whenever the table layout changes; a store with a higher number is refused. Version 2 gave
#: every namespace a full-text table of its own (version 1 shared one ``events_fts``); version 4 keeps
#: per-token summaries of them (``fts_term_bounds``, :mod:`graphmem.store.sqlite_terms`), which every
#: write must maintain, so an older graphmem must not write a version 4 store. Version 5 records the
#: embedded-text scheme of each embedding (``embeddings.scheme``, ``''`` = unknown); version 6 keeps the
#: heads of each token's postings (``fts_term_heads``/``fts_term_tails``, :mod:`graphmem.store.sqlite_heads`),
#: which every write must maintain too. Version 7 indexes runs of unspaced scripts (Chinese, Japanese,
#: Korean, Thai) as character bigrams (:mod:`graphmem.store.segment`); an older graphmem would index them
#: whole, out of step with the rest, so it must not write a version 7 store. A version 6 store reads as it
#: is until opened for writing, but its unsegmented runs are then found by no query word of such a
#: script (the query is cut into bigrams, the old rows hold whole runs): one writable open re-indexes them.
#: Version 8 changes no table but what a stored turn fingerprint means (5 Dec 2026): each turn print of an
#: input (``sources`` rows ``<key>#turns@<session>``, :mod:`graphmem.ingest_prints`) carries a speaker-free
#: digest too, and a forgotten file turn is held back by it. A graphmem of schema 7 reads such a print as a
#: changed turn and writes the forgotten turn back on its next ingest, so it must not open a version 8 store.
SCHEMA_VERSION = 8
#: The oldest schema that can be read without upgrading (read-only): version 3 lacks only the summaries,
#: and full-text search learns its bounds without them; versions 4 and 5 lack the heads, and one-word
#: searches score every posting without them.
OLDEST_READABLE = 3
#: Written into the ``meta`` table so a foreign SQLite file is recognised as such.
APP_ID = "graphmem"

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    ns TEXT NOT NULL, id TEXT NOT NULL, idx INTEGER NOT NULL, started_at TEXT, date_text TEXT,
    PRIMARY KEY (ns, id));
CREATE TABLE IF NOT EXISTS events (
    ns TEXT NOT NULL, id TEXT NOT NULL, session TEXT NOT NULL, seq INTEGER NOT NULL, speaker TEXT,
    text TEXT NOT NULL, occurred_at TEXT, source_id TEXT, source_file TEXT, source_line INTEGER,
    kind TEXT NOT NULL, times TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (ns, id));
CREATE INDEX IF NOT EXISTS events_by_session ON events (ns, session, seq);
CREATE TABLE IF NOT EXISTS entities (
    ns TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL,
    aliases TEXT NOT NULL DEFAULT '[]', PRIMARY KEY (ns, id));
CREATE TABLE IF NOT EXISTS mentions (
    ns TEXT NOT NULL, event_id TEXT NOT NULL, entity_id TEXT NOT NULL, role TEXT NOT NULL,
    PRIMARY KEY (ns, event_id, entity_id, role));
CREATE INDEX IF NOT EXISTS mentions_by_entity ON mentions (ns, entity_id);
CREATE TABLE IF NOT EXISTS facts (
    ns TEXT NOT NULL, id TEXT NOT NULL, subject_id TEXT NOT NULL, predicate TEXT NOT NULL,
    object_id TEXT NOT NULL, recorded_at TEXT NOT NULL, valid_from TEXT, valid_to TEXT,
    expired_at TEXT, time_phrase TEXT, confidence REAL NOT NULL DEFAULT 1.0,
    revised_by TEXT NOT NULL DEFAULT '[]', PRIMARY KEY (ns, id));
CREATE TABLE IF NOT EXISTS fact_evidence (
    ns TEXT NOT NULL, fact_id TEXT NOT NULL, pos INTEGER NOT NULL, event_id TEXT NOT NULL,
    PRIMARY KEY (ns, fact_id, pos));
CREATE INDEX IF NOT EXISTS evidence_by_event ON fact_evidence (ns, event_id);
CREATE TABLE IF NOT EXISTS embeddings (
    ns TEXT NOT NULL, node_id TEXT NOT NULL, model TEXT NOT NULL, dim INTEGER NOT NULL,
    vec BLOB NOT NULL, scheme TEXT NOT NULL DEFAULT '', PRIMARY KEY (ns, node_id));
CREATE TABLE IF NOT EXISTS sources (
    ns TEXT NOT NULL, key TEXT NOT NULL, content_hash TEXT NOT NULL, ingested_at TEXT NOT NULL,
    PRIMARY KEY (ns, key));
CREATE TABLE IF NOT EXISTS positions (
    ns TEXT NOT NULL, session TEXT NOT NULL, high INTEGER NOT NULL, PRIMARY KEY (ns, session));
CREATE TABLE IF NOT EXISTS forgotten_live (
    ns TEXT NOT NULL, session TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (ns, session, seq));
"""
#: Every table of a new store.
SCHEMA = f"{_TABLES}{BOUNDS_DDL};\n" + "".join(f"{ddl};\n" for ddl in HEADS_DDL)


def fts_table(namespace: str) -> str:
    """The name of a namespace's full-text table: derived from a hash, never from the text itself."""
    return "fts_" + hashlib.sha1(namespace.encode("utf-8")).hexdigest()[:24]


def fts_ddl(namespace: str) -> str:
    """The statement that creates a namespace's full-text table (BM25 statistics stay per namespace)."""
    return f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts_table(namespace)} USING fts5(text, tokenize = 'porter unicode61')"


def normalise_dt(value: datetime | None) -> datetime | None:
    """Datetimes are stored naive: an aware one is converted to UTC and its zone dropped."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def dt_in(value: datetime | None) -> str | None:
    """A datetime as stored text."""
    value = normalise_dt(value)
    return None if value is None else value.isoformat()


def dt_out(value: str | None) -> datetime | None:
    """Stored text back to a datetime."""
    return None if value is None else datetime.fromisoformat(value)


def times_in(times: Sequence[TimeRef]) -> str:
    """Time references as stored JSON."""
    return json.dumps([[t.phrase, dt_in(t.start), dt_in(t.end), t.grain] for t in times], ensure_ascii=False)


def _times_out(text: str) -> tuple[TimeRef, ...]:
    if text == "[]":  # most turns: no need to parse
        return ()
    return tuple(TimeRef(p, dt_out(s), dt_out(e), g) for p, s, e, g in json.loads(text))


def vector_in(vector: Sequence[float]) -> tuple[bytes, int]:
    """A vector as a float32 blob and its dimension."""
    import numpy as np

    arr = np.asarray(vector, dtype=np.float32).reshape(-1)
    return arr.tobytes(), int(arr.shape[0])


def vector_out(blob: bytes) -> list[float]:
    """A float32 blob back to a list of floats."""
    import numpy as np

    return [float(x) for x in np.frombuffer(blob, dtype=np.float32)]


def session_from_row(row: sqlite3.Row | Sequence[Any]) -> Session:
    """A ``sessions`` row as a :class:`Session`."""
    ns, sid, idx, started, date_text = row
    return Session(ns, sid, idx, dt_out(started), date_text)


def event_from_row(row: sqlite3.Row | Sequence[Any]) -> Event:
    """An ``events`` row as an :class:`Event`."""
    ns, eid, session, seq, speaker, text, occurred, source_id, source_file, source_line, kind, times = row
    return Event(
        ns,
        eid,
        session,
        seq,
        speaker,
        text,
        dt_out(occurred),
        source_id,
        source_file,
        source_line,
        kind,
        _times_out(times),
    )


def entity_from_row(row: sqlite3.Row | Sequence[Any]) -> Entity:
    """An ``entities`` row as an :class:`Entity`."""
    ns, eid, name, etype, aliases = row
    return Entity(ns, eid, name, etype, tuple(json.loads(aliases)))


def fact_from_row(row: sqlite3.Row | Sequence[Any], evidence: Sequence[str]) -> Fact:
    """A ``facts`` row plus its evidence ids as a :class:`Fact`."""
    ns, fid, subj, pred, obj, recorded, vfrom, vto, expired, phrase, conf, revised = row
    recorded_at = dt_out(recorded)
    assert recorded_at is not None
    return Fact(
        ns,
        fid,
        subj,
        pred,
        obj,
        recorded_at,
        dt_out(vfrom),
        dt_out(vto),
        dt_out(expired),
        tuple(evidence),
        phrase,
        conf,
        tuple(json.loads(revised)),
    )


def json_list(items: Sequence[str]) -> str:
    """A list of strings as stored JSON."""
    return json.dumps(list(items), ensure_ascii=False)


def normalised_session(s: Session) -> Session:
    """The session with its start made naive UTC."""
    from dataclasses import replace

    if s.started_at is None or s.started_at.tzinfo is None:
        return s
    return replace(s, started_at=normalise_dt(s.started_at))


def normalised_event(e: Event) -> Event:
    """The event with every datetime made naive UTC (see :func:`normalise_dt`)."""
    from dataclasses import replace

    from graphmem.models import TimeRef

    if (e.occurred_at is None or e.occurred_at.tzinfo is None) and all(
        (t.start is None or t.start.tzinfo is None) and (t.end is None or t.end.tzinfo is None) for t in e.times
    ):
        return e
    times = tuple(TimeRef(t.phrase, normalise_dt(t.start), normalise_dt(t.end), t.grain) for t in e.times)
    return replace(e, occurred_at=normalise_dt(e.occurred_at), times=times)


def normalised_fact(f: Fact) -> Fact:
    """The fact with every datetime made naive UTC."""
    from dataclasses import replace

    recorded = normalise_dt(f.recorded_at)
    assert recorded is not None
    return replace(
        f,
        recorded_at=recorded,
        valid_from=normalise_dt(f.valid_from),
        valid_to=normalise_dt(f.valid_to),
        expired_at=normalise_dt(f.expired_at),
    )


def end_read(conn: sqlite3.Connection) -> None:
    """End the read transaction of ``conn`` after an error, raising nothing: on a damaged file the ``COMMIT``
    (or ``ROLLBACK``) may fail too, and its error would hide the one that ended the reads."""
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass


def check_and_init(conn: sqlite3.Connection, db_path: Path) -> int | None:
    """Refuse foreign, corrupt or newer stores without modifying them; initialise new ones; upgrade older ones.

    Returns the schema an older store was upgraded from, else ``None``.
    """
    upgraded: int | None = None
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        if is_damage(exc) and "not a database" not in str(exc):  # as a read-only open says it
            raise store_error(db_path.parent, exc) from exc
        raise StoreError(f"{db_path} is not a graphmem store (corrupt, or not an SQLite database): {exc}") from exc
    if tables:
        if "meta" not in tables:
            raise StoreError(f"{db_path} is an SQLite database of another program, not a graphmem store")
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as exc:
            if is_damage(exc):  # graphmem's own table there, damaged
                raise store_error(db_path.parent, exc) from exc
            raise StoreError(f"{db_path} is not a graphmem store: {exc}") from exc
        if meta.get("app") != APP_ID:
            raise StoreError(f"{db_path} is an SQLite database of another program, not a graphmem store")
        if version < SCHEMA_VERSION:
            migrate(conn, version, db_path)
            upgraded = int(version)
        elif version > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"{db_path} was written by a newer graphmem (schema {version}; this version reads up to "
                f"{SCHEMA_VERSION}); upgrade graphmem to open it"
            )
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = OFF")
        if not tables:
            conn.executescript("BEGIN IMMEDIATE;" + SCHEMA + "COMMIT;")
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('app', ?)", (APP_ID,))
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        if not tables or "store_id" not in meta:  # a new store, or one of a graphmem before store ids
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('store_id', ?)", (str(uuid.uuid4()),))
    except sqlite3.Error as exc:
        raise StoreError(f"cannot initialise the store at {db_path}: {exc}") from exc
    return upgraded


def read_store_id(conn: sqlite3.Connection) -> str | None:
    """The store's id (a random UUID written once, see :class:`~graphmem.store.results.StoreIdentity`), or
    ``None`` for a store of an older graphmem not opened for writing since."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'store_id'").fetchone()
    return str(row[0]) if row else None


def migrate(conn: sqlite3.Connection, version: int, db_path: Path) -> None:
    """Bring an older store up to :data:`SCHEMA_VERSION` in one transaction."""
    try:
        conn.execute("BEGIN IMMEDIATE")
        if version < 2:  # one shared full-text table → one per namespace
            for (ns,) in conn.execute("SELECT DISTINCT ns FROM events").fetchall():
                conn.execute(fts_ddl(ns))
                rows = conn.execute("SELECT rowid, text FROM events WHERE ns = ?", (ns,)).fetchall()
                conn.executemany(
                    f"INSERT INTO {fts_table(ns)} (rowid, text) VALUES (?, ?)", ((r, index_text(t)) for r, t in rows)
                )
            conn.execute("DROP TABLE IF EXISTS events_fts")
        if version < 3:  # fact versions name the statements that made them
            conn.execute("ALTER TABLE facts ADD COLUMN revised_by TEXT NOT NULL DEFAULT '[]'")
        if version < 4:  # per-token summaries of the full-text tables, for their words' BM25 bounds
            conn.execute(BOUNDS_DDL)
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        namespaces = [r[0] for r in conn.execute("SELECT DISTINCT ns FROM events")]
        if version < 6:  # the heads of each token's postings, for one word's top-k
            for ddl in HEADS_DDL:
                conn.execute(ddl)
            tables = [fts_table(ns) for ns in namespaces if fts_table(ns) in names]
            backfill(conn, tables, bounds=version < 4, heads=True)
        if version < 7:  # runs of unspaced scripts as bigrams (summaries and heads kept up, as a write does)
            for ns in namespaces:
                if fts_table(ns) in names:
                    _segment_runs(conn, ns)
        # version 8: no table changes; the prints an older graphmem stored are read as they are (a print
        # without the speaker-free digest is compared without it, ingest_prints.same_turn)
        columns = {row[1] for row in conn.execute("PRAGMA table_info(embeddings)")}
        if "scheme" not in columns:  # schema 5: the embedded-text scheme of each vector ('' = unknown)
            conn.execute("ALTER TABLE embeddings ADD COLUMN scheme TEXT NOT NULL DEFAULT ''")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        conn.execute("ROLLBACK")
        raise StoreError(f"cannot upgrade {db_path} from schema {version} to {SCHEMA_VERSION}: {exc}") from exc


#: Events re-indexed at a time by the schema 7 upgrade (their texts and tokens held at once)
_SEGMENT_CHUNK = 20_000


def _segment_runs(conn: sqlite3.Connection, namespace: str) -> None:
    """Re-index the events of ``namespace`` whose text holds a run of an unspaced script, as
    :func:`~graphmem.store.segment.index_text` has it (schema 7). Their summaries and heads are kept up as a
    write keeps them, and the old whole-run tokens that no row holds any more leave them."""
    table = fts_table(namespace)
    sql = "SELECT id, rowid, text FROM events WHERE ns = ? AND id > ? ORDER BY id LIMIT ?"
    after = ""
    while chunk := conn.execute(sql, (namespace, after, _SEGMENT_CHUNK)).fetchall():
        after = chunk[-1][0]
        changed: list[tuple[int, str]] = []
        old: list[str] = []
        for _id, rowid, text in chunk:
            if not has_segments(text):
                continue  # most rows: held as they were
            indexed = index_text(text)
            held = conn.execute(f"SELECT text FROM {table} WHERE rowid = ?", (rowid,)).fetchone()
            if held is None or held[0] == indexed:
                continue
            conn.execute(f"DELETE FROM {table} WHERE rowid = ?", (rowid,))
            conn.execute(f"INSERT INTO {table} (rowid, text) VALUES (?, ?)", (rowid, indexed))
            changed.append((rowid, indexed))
            old.append(held[0])
        if changed:  # a whole-run token a later chunk's row still holds leaves with that chunk
            note_rows(conn, table, changed)
            forget_unused(conn, table, old)
