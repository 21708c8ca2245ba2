"""Fresh reads across processes: which namespaces another connection changed since we last looked.

The embedded store keeps a networkx mirror of the SQLite record in memory, loaded at open. Another
process writing the same store changes the record, not our mirror. Two cheap signals tell us when and
where:

- ``PRAGMA data_version`` changes whenever another connection commits (never for our own commits), so
  one pragma per read says whether anything needs a look;
- the ``generations`` table holds a counter per namespace, bumped by triggers on every table the mirror
  is built from, inside the writer's transaction. Comparing the counters with those we saw names the
  namespaces to reload; the others keep their mirror (and their vector index) untouched.

Stores written before the table existed (or opened read-only before it was installed) have no
counters: then any outside change reloads every namespace. The first writable open installs it with a
row for every namespace already holding rows (an upgrade that left them out, as graphmem of 5 Dec 2026
did, is mended by the next writable open: :func:`install_generations`). The mend is done once: a marker in
the ``meta`` table says so, and later opens look for no unrecorded namespace.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

__all__ = ["Freshness", "drop_generation", "install_generations", "namespaces_in"]

#: Tables whose rows the mirror is built from, each with a namespace column ``ns``.
_TRACKED = ("sessions", "events", "entities", "mentions", "facts", "fact_evidence", "embeddings")


def namespaces_in(conn: sqlite3.Connection, tables: tuple[str, ...] = _TRACKED) -> set[str]:
    """Every namespace holding a row in one of ``tables``: one index probe per namespace and table (each
    table's primary key starts with ``ns``), never a scan of the rows."""
    found: set[str] = set()
    for table in tables:
        row = conn.execute(f"SELECT ns FROM {table} ORDER BY ns LIMIT 1").fetchone()
        while row is not None:
            found.add(row[0])
            row = conn.execute(f"SELECT ns FROM {table} WHERE ns > ? ORDER BY ns LIMIT 1", (row[0],)).fetchone()
    return found


#: The ``meta`` key saying every namespace holding rows has its counter row: written by the transaction
#: that mends (or creates) the table, so the look, a few index probes per namespace, is done once.
_MENDED = "generations_complete"


def _mended(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM meta WHERE key = ?", (_MENDED,)).fetchone() is not None


def _unrecorded(conn: sqlite3.Connection) -> set[str] | None:
    """The namespaces holding rows that have no counter row (``None`` when a damaged page stops the look:
    the store's reads name the damage, and a later open mends what is left)."""
    try:
        recorded = {ns for (ns,) in conn.execute("SELECT ns FROM generations")}
        return namespaces_in(conn) - recorded
    except sqlite3.DatabaseError:
        return None


def install_generations(conn: sqlite3.Connection) -> None:
    """Create the ``generations`` table and its triggers if missing (needs a writable connection), with a
    row for every namespace already holding rows; give a namespace holding rows without one (a store an
    older upgrade left so) its row, once: the ``meta`` marker written then says every namespace has one (the
    triggers keep it so), and later opens do not look again.

    When they are all there (every store opened once before) nothing is written: opening a store never waits
    for another process's long commit.
    """
    names = {"generations"} | {f"gen_{t}_{op}" for t in _TRACKED for op in ("insert", "update", "delete")}
    rows = conn.execute("SELECT name FROM sqlite_master WHERE name = 'generations' OR name LIKE 'gen!_%' ESCAPE '!'")
    if names <= {name for (name,) in rows} and _mended(conn):  # the counters there, and every row
        return
    parts = ["CREATE TABLE IF NOT EXISTS generations (ns TEXT PRIMARY KEY, gen INTEGER NOT NULL);"]
    bump = "INSERT INTO generations VALUES ({row}.ns, 1) ON CONFLICT (ns) DO UPDATE SET gen = gen + 1;"
    for table in _TRACKED:
        for op, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            parts.append(
                f"CREATE TRIGGER IF NOT EXISTS gen_{table}_{op.lower()} AFTER {op} ON {table} "
                f"BEGIN {bump.format(row=row)} END;"
            )
    conn.execute("BEGIN IMMEDIATE")
    try:
        for part in parts:
            conn.execute(part)
        # the namespaces stored before the counters (read inside the transaction)
        missing = _unrecorded(conn)
        if missing is not None:  # a damaged page stopped the look: no marker, a later open looks again
            conn.executemany("INSERT OR IGNORE INTO generations VALUES (?, 1)", ((ns,) for ns in sorted(missing)))
            conn.execute("INSERT OR IGNORE INTO meta VALUES (?, '1')", (_MENDED,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


#: The counter row of no namespace (``''`` is no legal name): bumped whenever a namespace is forgotten.
_FORGOTTEN = ""


def drop_generation(conn: sqlite3.Connection, namespace: str) -> None:
    """Delete the counter of a namespace forgotten whole (its name must stay in no row), inside the
    transaction deleting it, and bump the counter of forgotten namespaces instead: written again, the
    namespace counts from 1, which a reader may have seen before, so a reader seeing that counter change
    reads every namespace again (:meth:`Freshness.changed`)."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'generations'").fetchone():
        conn.execute("DELETE FROM generations WHERE ns = ?", (namespace,))
        conn.execute(
            "INSERT INTO generations VALUES (?, 1) ON CONFLICT (ns) DO UPDATE SET gen = gen + 1", (_FORGOTTEN,)
        )


class Freshness:
    """What this connection last saw of the store: its data version and every namespace's counter."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        """Record the store's state as of now (call right after loading the mirror)."""
        self._conn = conn
        self._tracked = bool(
            conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'generations'").fetchone()
        )
        self._version = self._data_version()
        self._gens = self._read()

    def _data_version(self) -> int:
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def _read(self) -> dict[str, int]:
        if not self._tracked:
            return {}
        return {ns: int(gen) for ns, gen in self._conn.execute("SELECT ns, gen FROM generations")}

    def changed(self) -> set[str] | None:
        """Namespaces changed by other connections since the last call; ``None`` means every namespace.

        An empty set means nothing changed.
        """
        version = self._data_version()
        if version == self._version:
            return set()
        self._version = version
        if not self._tracked:
            return None
        gens = self._read()
        names = {ns for ns in gens.keys() | self._gens.keys() if gens.get(ns) != self._gens.get(ns)}
        if _FORGOTTEN in names:  # a namespace forgotten, maybe written again since (see drop_generation)
            names |= gens.keys() | self._gens.keys()
        self._gens = gens
        return names - {_FORGOTTEN}

    def seen(self) -> Mapping[str, int]:
        """The counters as last read (a namespace never written has none: counter 0).

        Not a copy (a read costs nothing): each new read replaces the mapping, never changes it.
        """
        return self._gens

    def saw_own_writes(self) -> None:
        """Note the counters our own commits left, so they are not taken for other writers' changes.

        Call it while holding the write lock, after catching up with :meth:`changed`: no other writer
        can have committed in between.
        """
        self._gens = self._read()
