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


def drop_generations(store_dir: Path) -> None:
    """Take the ``generations`` table and its triggers out of the (closed) embedded store in ``store_dir``,
    as graphmem before them (schema 2 of 21 Nov 2026) wrote stores."""
    conn = sqlite3.connect(store_dir / DB_FILENAME)
    sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'gen_%'"
    triggers = [r[0] for r in conn.execute(sql)]
    for name in triggers:
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DROP TABLE generations")
    conn.commit()
    conn.close()
