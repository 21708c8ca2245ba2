"""Stores rewritten as older graphmem schemas had them, for upgrade tests."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from graphmem.store.embedded import DB_FILENAME


def downgrade_to_schema_2(store_dir: Path) -> None:
    """Rewrite the (closed) embedded store in ``store_dir`` as schema 2 had it: facts without revised_by."""
    conn = sqlite3.connect(store_dir / DB_FILENAME)
    conn.execute("ALTER TABLE facts DROP COLUMN revised_by")
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
