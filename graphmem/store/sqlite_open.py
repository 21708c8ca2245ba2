"""Opening the embedded store's database for writing: the directory checked, the schema created or upgraded.

(Reading only goes through :func:`graphmem.store.readonly.connect_read_only`, which never writes.)
"""

from __future__ import annotations

import os
import sqlite3
import warnings
from pathlib import Path

from graphmem.errors import StoreError, StoreUpgradedWarning
from graphmem.store.changelog import install_changelog
from graphmem.store.damage import check_file
from graphmem.store.freshness import install_generations
from graphmem.store.lock import WriteLock
from graphmem.store.sqlite_graph import DISK_INDEXES
from graphmem.store.sqlite_rows import SCHEMA_VERSION, check_and_init

__all__ = ["connect_empty", "connect_writable"]


def connect_writable(directory: Path, db_path: Path, *, create: bool) -> sqlite3.Connection:
    """Open ``db_path`` in ``directory`` for reading and writing, creating both when ``create`` is true.

    Raises:
        StoreError: the directory cannot be created or written, or the file holds a database that is
            not a graphmem store (corrupt or foreign SQLite). The file is never modified then.
        SchemaVersionError: the store was written by a newer graphmem.

    Warns:
        StoreUpgradedWarning: the store held an older schema and was upgraded in place (older graphmem
            versions can no longer open it).
    """
    if not directory.exists():
        if not create:
            raise StoreError(f"no graphmem store at {directory}")
        try:
            directory.mkdir(parents=True)
        except OSError as exc:
            raise StoreError(f"cannot create store directory {directory}: {exc.strerror}") from exc
    if not os.access(directory, os.W_OK | os.X_OK):
        raise StoreError(
            f"store directory {directory} is not writable: give this user write access to it, or open it "
            "read-only (Memory.open(..., read_only=True); recall, query and the other reading commands do)"
        )
    if db_path.exists() and not os.access(db_path, os.R_OK | os.W_OK):
        raise StoreError(f"store file {db_path} is not readable and writable")
    try:
        conn = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open {db_path}: {exc}") from exc
    try:
        # what is deleted (a forgotten event, the pages an index merge or an upgrade frees) is overwritten
        # with zeros, not left readable in the file
        conn.execute("PRAGMA secure_delete = ON")
        if _upgrade_due(conn):
            # An upgrade can take a while (the schema 4 backfill: about 40 s at a million events), longer
            # than SQLite makes another connection wait; holding graphmem's write lock makes other writers
            # wait for it (or fail naming this process), and one process upgrades while another waits.
            with WriteLock(directory):
                damage = check_file(conn, directory)  # an upgrade rewrites much: never into a damaged file
                if damage is not None:
                    raise damage
                upgraded = check_and_init(conn, db_path)
        else:
            upgraded = check_and_init(conn, db_path)
        install_generations(conn)
        install_changelog(conn)
        for ddl in DISK_INDEXES:  # stores written before these indexes existed get them now
            conn.execute(ddl)
        _add_positions(conn)
        _add_forgotten_live(conn)
    except sqlite3.Error as exc:
        conn.close()
        raise StoreError(f"cannot initialise the store at {db_path}: {exc}") from exc
    except BaseException:
        conn.close()
        raise
    if upgraded is not None:  # said once the store is open: the CLI prints it as a note
        warnings.warn(StoreUpgradedWarning(str(directory), upgraded, SCHEMA_VERSION), stacklevel=2)
    return conn


def connect_empty(db_path: Path) -> sqlite3.Connection:
    """A new, empty store in memory, standing for the 0-byte file ``db_path`` opened read-only.

    SQLite takes an empty file for an empty database, and a writable open makes it a new store; a
    read-only open may not write the schema into it, so it reads this empty store instead (as of opening:
    what a writer adds to the file later is seen by opening it again).
    """
    conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
    try:
        check_and_init(conn, db_path)
        install_generations(conn)
        install_changelog(conn)
        for ddl in DISK_INDEXES:
            conn.execute(ddl)
        conn.execute("PRAGMA query_only = ON")
    except BaseException:
        conn.close()
        raise
    return conn


def _add_positions(conn: sqlite3.Connection) -> None:
    """A store written before the ``positions`` table (the highest position each session has given, which
    keeps event ids from being given twice) gets it, holding each session's highest stored position."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'positions'").fetchone():
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS positions ("
            "ns TEXT NOT NULL, session TEXT NOT NULL, high INTEGER NOT NULL, PRIMARY KEY (ns, session))"
        )
        conn.execute("INSERT OR IGNORE INTO positions SELECT ns, session, max(seq) FROM events GROUP BY ns, session")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _add_forgotten_live(conn: sqlite3.Connection) -> None:
    """A store written before the ``forgotten_live`` table (the places of forgotten live messages, whose
    event ids an ingested file must not give again) gets it, empty: an older graphmem recorded none."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS forgotten_live ("
        "ns TEXT NOT NULL, session TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (ns, session, seq))"
    )


def _upgrade_due(conn: sqlite3.Connection) -> bool:
    """Whether the database holds an older graphmem schema (a foreign or corrupt file is left to
    :func:`~graphmem.store.sqlite_rows.check_and_init`, which refuses it without writing)."""
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        has_tables = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' LIMIT 1").fetchone()
    except sqlite3.DatabaseError:
        return False
    return has_tables is not None and 0 < version < SCHEMA_VERSION
