"""Opening an embedded store read-only: reads work where the user cannot write, writes are refused.

The database is opened through SQLite's ``mode=ro`` URI, so no statement can change it whatever the
file permissions are. A 0-byte file (a store created but never written) reads as an empty store, as SQLite
and a writable open take it. A store in WAL mode needs its shared-memory file to be readable; when the folder
is not writable and that file does not exist (the last writer closed cleanly), SQLite cannot create it
and the store is opened ``immutable`` instead: fine for a store nobody is writing at the time, whose
write-ahead log is gone or empty. A log that still holds commits (its writer was killed, and the
shared-memory file removed since) is refused with a :class:`~graphmem.errors.StoreError` saying why:
``immutable`` would read the database without them, silently showing old data.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from graphmem.errors import SchemaUpgradeError, SchemaVersionError, StoreError
from graphmem.store.damage import is_damage, store_error
from graphmem.store.sqlite_rows import APP_ID, OLDEST_READABLE, SCHEMA_VERSION

__all__ = ["connect_read_only"]


def _connect(db_path: Path, extra: str) -> sqlite3.Connection:
    uri = f"file:{quote(str(db_path.resolve()))}?mode=ro{extra}"
    conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except BaseException:
        conn.close()
        raise
    return conn


def connect_read_only(db_path: Path) -> sqlite3.Connection:
    """Open ``db_path`` read-only and check it is a graphmem store this version reads.

    Raises:
        StoreError: there is no store there, it cannot be read, or it is not a graphmem store.
        SchemaVersionError: the store was written by a newer graphmem.
    """
    if not db_path.exists():
        raise StoreError(f"no graphmem store at {db_path.parent}")
    if _empty(db_path):  # a new store no write has reached yet: an empty store, as a writable open makes it
        from graphmem.store.sqlite_open import connect_empty

        return connect_empty(db_path)
    try:
        try:
            conn = _connect(db_path, "")
        except sqlite3.OperationalError as exc:
            _refuse_unread_log(db_path, exc)
            conn = _connect(db_path, "&immutable=1")
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc):
            raise StoreError(f"{db_path} is not a graphmem store (corrupt, or not an SQLite database): {exc}") from exc
        if is_damage(exc):
            raise store_error(db_path.parent, exc) from exc
        raise StoreError(f"cannot open {db_path} for reading: {exc}") from exc
    try:
        _check(conn, db_path)
    except BaseException:
        conn.close()
        raise
    return conn


#: The size of a write-ahead log's header: a longer log holds frames (pages of commits).
_WAL_HEADER = 32


def _refuse_unread_log(db_path: Path, exc: sqlite3.OperationalError) -> None:
    """Refuse the ``immutable`` fallback when the write-ahead log holds commits it would not read.

    ``immutable`` reads the database file alone. When the log beside it holds frames, committed writes
    may be there only, and a read would silently show the store as it was before them; SQLite reads the
    log only through the shared-memory file (or a lock this user cannot take on a read-only file), which
    it cannot create here.
    """
    wal = db_path.with_name(db_path.name + "-wal")
    try:
        frames = wal.stat().st_size > _WAL_HEADER
    except FileNotFoundError:
        return
    except OSError:
        frames = True
    if frames:
        shm = db_path.with_name(db_path.name + "-shm")
        raise StoreError(
            f"cannot read the store at {db_path.parent}: its write-ahead log ({wal.name}) holds commits not yet "
            f"in {db_path.name}, and SQLite reads it only through {shm.name}, which is missing and cannot be "
            f"created here ({exc}); reading the file alone would show the store without them. Open the store "
            "once as a user who may write its folder (that moves the log into the database), or copy the "
            "folder somewhere writable and read the copy"
        ) from exc


def _empty(db_path: Path) -> bool:
    """Whether ``db_path`` is a readable file of 0 bytes with no write-ahead log holding pages for it."""
    wal = db_path.with_name(db_path.name + "-wal")
    try:
        empty = db_path.is_file() and db_path.stat().st_size == 0 and os.access(db_path, os.R_OK)
        return empty and (not wal.exists() or wal.stat().st_size == 0)
    except OSError:
        return False


def _check(conn: sqlite3.Connection, db_path: Path) -> None:
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall()) if "meta" in tables else {}
    except sqlite3.DatabaseError as exc:
        if is_damage(exc) and "not a database" not in str(exc):  # a graphmem store's page, damaged
            raise store_error(db_path.parent, exc) from exc
        raise StoreError(f"{db_path} is not a graphmem store (corrupt, or not an SQLite database): {exc}") from exc
    if meta.get("app") != APP_ID:
        raise StoreError(f"{db_path} is an SQLite database of another program, not a graphmem store")
    if version > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"{db_path} was written by a newer graphmem (schema {version}; this version reads up to "
            f"{SCHEMA_VERSION}); upgrade graphmem to open it"
        )
    if version < OLDEST_READABLE:
        raise SchemaUpgradeError(
            f"{db_path} uses an older schema ({version}) that must be upgraded first: open it once without "
            "read_only, as a user who may write it"
        )
