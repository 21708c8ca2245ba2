"""Opening the embedded store's database for writing: the directory checked, the schema created or upgraded.

(Reading only goes through :func:`graphmem.store.readonly.connect_read_only`, which never writes.)
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from graphmem.errors import StoreError
from graphmem.store.freshness import install_generations
from graphmem.store.sqlite_graph import DISK_INDEXES
from graphmem.store.sqlite_rows import check_and_init

__all__ = ["connect_writable"]


def connect_writable(directory: Path, db_path: Path, *, create: bool) -> sqlite3.Connection:
    """Open ``db_path`` in ``directory`` for reading and writing, creating both when ``create`` is true.

    Raises:
        StoreError: the directory cannot be created or written, or the file holds a database that is
            not a graphmem store (corrupt or foreign SQLite). The file is never modified then.
        SchemaVersionError: the store was written by a newer graphmem.
    """
    if not directory.exists():
        if not create:
            raise StoreError(f"no graphmem store at {directory}")
        try:
            directory.mkdir(parents=True)
        except OSError as exc:
            raise StoreError(f"cannot create store directory {directory}: {exc.strerror}") from exc
    if not os.access(directory, os.W_OK | os.X_OK):
        raise StoreError(f"store directory {directory} is not writable")
    if db_path.exists() and not os.access(db_path, os.R_OK | os.W_OK):
        raise StoreError(f"store file {db_path} is not readable and writable")
    try:
        conn = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open {db_path}: {exc}") from exc
    try:
        check_and_init(conn, db_path)
        install_generations(conn)
        for ddl in DISK_INDEXES:  # stores written before these indexes existed get them now
            conn.execute(ddl)
    except sqlite3.Error as exc:
        conn.close()
        raise StoreError(f"cannot initialise the store at {db_path}: {exc}") from exc
    except BaseException:
        conn.close()
        raise
    return conn
