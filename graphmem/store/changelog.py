"""Which rows other processes changed, so a loaded namespace catches up without being read again whole.

:mod:`graphmem.store.freshness` says *which* namespaces another process wrote; this module says *what* it
wrote. Triggers on every table the mirror and the vector index are built from append one row per changed
row to ``changelog``, inside the writer's transaction: the namespace, the table and the key the reader
reads the row back by:

========================  =========================================
table                     logged as
========================  =========================================
sessions, events,         that table, the row's ``id``
entities, facts
fact_evidence             ``facts``, the fact's id (a fact is read back with its evidence)
mentions                  ``mentions``, the event's id (an event's mentions are read back together)
embeddings                that table, the row's ``node_id``
========================  =========================================

Inserts, updates and deletes are logged alike: the reader reads each key's row as it is now, and a key
with no row any more was deleted. A reader keeps the log position it has seen (:class:`ChangeLog`);
:meth:`ChangeLog.read` gives the keys logged since, by namespace and table, or ``None`` when the log no
longer reaches back that far. Each write transaction trims the log to its last :data:`KEEP_ROWS` rows
(:func:`trim`), so a reader that fell further behind (or a store whose log is missing: opened read-only
before it was installed) reads its changed namespaces again whole, as before the log existed. Deleting
a namespace empties the log (:func:`forget_log`): it keeps no id of what was in it; a forget takes the ids
of the entities it deleted out (:func:`forget_keys`: they are made of names), and readers find those
entities gone from the events and facts deleted (:mod:`graphmem.store.catch_up`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping

__all__ = ["KEEP_ROWS", "ChangeLog", "Changes", "forget_keys", "forget_log", "install_changelog", "trim"]

#: Rows the log keeps (each write transaction drops older ones): about 10 MB. A reader further behind than
#: this reads the namespaces it missed again whole.
KEEP_ROWS = 200_000

#: table → (the table a change is logged as, the column holding the key).
_LOGGED = {
    "sessions": ("sessions", "id"),
    "events": ("events", "id"),
    "entities": ("entities", "id"),
    "facts": ("facts", "id"),
    "fact_evidence": ("facts", "fact_id"),
    "mentions": ("mentions", "event_id"),
    "embeddings": ("embeddings", "node_id"),
}

#: namespace → logged table → keys changed.
Changes = Mapping[str, Mapping[str, frozenset[str]]]


def _trigger_names() -> set[str]:
    return {f"log_{table}_{op}" for table in _LOGGED for op in ("insert", "update", "delete", "rekey")}


def install_changelog(conn: sqlite3.Connection) -> None:
    """Create the ``changelog`` table and its triggers if missing (needs a writable connection).

    When they are all there, nothing is written (opening a store never waits for another's commit).
    """
    rows = conn.execute("SELECT name FROM sqlite_master WHERE name = 'changelog' OR name LIKE 'log!_%' ESCAPE '!'")
    if {"changelog"} | _trigger_names() <= {name for (name,) in rows}:
        return
    parts = [
        "CREATE TABLE IF NOT EXISTS changelog "
        "(seq INTEGER PRIMARY KEY AUTOINCREMENT, ns TEXT NOT NULL, tbl TEXT NOT NULL, key TEXT NOT NULL);"
    ]
    for table, (logged, column) in _LOGGED.items():
        for op, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            parts.append(
                f"CREATE TRIGGER IF NOT EXISTS log_{table}_{op.lower()} AFTER {op} ON {table} BEGIN "
                f"INSERT INTO changelog (ns, tbl, key) VALUES ({row}.ns, '{logged}', {row}.{column}); END;"
            )
            if op == "UPDATE":  # a row moved to another key (never done by graphmem; by hand, perhaps)
                parts.append(
                    f"CREATE TRIGGER IF NOT EXISTS log_{table}_rekey AFTER UPDATE ON {table} "
                    f"WHEN OLD.{column} IS NOT NEW.{column} OR OLD.ns IS NOT NEW.ns BEGIN "
                    f"INSERT INTO changelog (ns, tbl, key) VALUES (OLD.ns, '{logged}', OLD.{column}); END;"
                )
    conn.executescript("BEGIN IMMEDIATE;" + "".join(parts) + "COMMIT;")


def trim(conn: sqlite3.Connection) -> None:
    """Drop all but the last :data:`KEEP_ROWS` rows of the log (inside the writer's transaction)."""
    if _has_log(conn):
        conn.execute(
            "DELETE FROM changelog WHERE seq <= (SELECT max(seq) FROM changelog) - ?",
            (KEEP_ROWS,),
        )


def forget_log(conn: sqlite3.Connection) -> None:
    """Empty the log (inside the transaction that deletes a namespace: the keys it logged name what was
    deleted). Its position goes on (AUTOINCREMENT), so a reader behind it finds the log no longer reaches
    back to it and reads its changed namespaces again whole."""
    if _has_log(conn):
        conn.execute("DELETE FROM changelog")


def forget_keys(conn: sqlite3.Connection, namespace: str, table: str, keys: Iterable[str]) -> None:
    """Take every row logging these keys of ``table`` out of the log (inside the writer's transaction that
    deleted them, when a key says what was forgotten); readers must learn of those deletions otherwise."""
    if _has_log(conn):
        sql = "DELETE FROM changelog WHERE ns = ? AND tbl = ? AND key = ?"
        conn.executemany(sql, ((namespace, table, key) for key in keys))


def _has_log(conn: sqlite3.Connection) -> bool:
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'changelog'").fetchone()
    return found is not None


def _head(conn: sqlite3.Connection) -> int:
    """The last position written (0 for an empty log); kept by AUTOINCREMENT even when rows are trimmed."""
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'changelog'").fetchone()
    return int(row[0]) if row else 0


class ChangeLog:
    """One connection's position in the log: what it has read up to."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        """Start at the log's end (call where the reader's copy matches the store: at open, in a snapshot)."""
        self._conn = conn
        self._seen: int | None = _head(conn) if _has_log(conn) else None

    def read(self) -> dict[str, dict[str, frozenset[str]]] | None:
        """The keys logged since the last call (by namespace, then logged table), moving past them.

        ``None`` when they cannot all be known: the log is missing, or was trimmed past this position.
        Call it inside the snapshot in which the changed namespaces were found.
        """
        if self._seen is None or not _has_log(self._conn):
            self._seen = _head(self._conn) if _has_log(self._conn) else None
            return None
        first = self._conn.execute("SELECT min(seq) FROM changelog").fetchone()[0]
        head = _head(self._conn)
        seen, self._seen = self._seen, head
        if head == seen:
            return {}
        if first is None or first > seen + 1 or head < seen:  # trimmed past this reader, or a new log
            return None
        found: dict[str, dict[str, set[str]]] = {}
        for ns, tbl, key in self._conn.execute(
            "SELECT ns, tbl, key FROM changelog WHERE seq > ? AND seq <= ?", (seen, head)
        ):
            found.setdefault(ns, {}).setdefault(tbl, set()).add(key)
        return {ns: {tbl: frozenset(keys) for tbl, keys in tables.items()} for ns, tables in found.items()}

    def skip_to_end(self) -> None:
        """Move to the log's end without reading (our own commits: the mirror already holds them)."""
        self._seen = _head(self._conn) if _has_log(self._conn) else None
