"""Reads straight from the embedded store's SQLite record, for namespaces whose mirror is not loaded.

The mirror (:mod:`graphmem.store.mirror`) is loaded per namespace on first read. What a write needs to
know (does a node exist, which fact version is current), what ``namespaces()`` and ``stats()`` report,
and the loading itself are answered here from indexed queries, so opening a store and writing to a
namespace never load a graph.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterator
from typing import Any

from graphmem.models import Fact, NodeKind
from graphmem.store.freshness import namespaces_in
from graphmem.store.mirror import MemoryGraph
from graphmem.store.sqlite_rows import entity_from_row, event_from_row, fact_from_row, session_from_row

__all__ = [
    "EVENT_COLS",
    "FACT_COLS",
    "count_rows",
    "embedding_dimensions",
    "embedding_origins",
    "embeddings_after",
    "embeddings_of",
    "event_embedding_origins",
    "generation",
    "kind_of",
    "load_namespace",
    "mentions_of",
    "namespaces_with_data",
    "rows_by_key",
    "stored_fact",
]

EVENT_COLS = "ns, id, session, seq, speaker, text, occurred_at, source_id, source_file, source_line, kind, times"
FACT_COLS = (
    "ns, id, subject_id, predicate, object_id, recorded_at, valid_from, valid_to, expired_at, time_phrase, confidence, "
    "revised_by"
)
#: Tables whose rows make a namespace "hold data" (what the mirror's ``NamespaceIndex.empty`` checks).
_DATA_TABLES = ("sessions", "events", "entities", "facts")
#: Per table, the ``stats`` figures it gives and how each is counted (one SELECT per table, so the mentions
#: table is read once): a mention row of the speaker's role is the event's SPOKEN_BY link, not a MENTIONS
#: one (``total`` is 0.0 over no rows).
_COUNTED: dict[str, tuple[tuple[str, str], ...]] = {
    "sessions": (("sessions", "count(*)"),),
    "events": (("events", "count(*)"),),
    "entities": (("entities", "count(*)"),),
    "mentions": (("mentions", "total(role <> 'speaker')"), ("spoken_by", "total(role = 'speaker')")),
    "facts": (("facts", "count(*)"),),
    "embeddings": (("embeddings", "count(*)"),),
}
_FIGURES = tuple(figure for counts in _COUNTED.values() for figure, _ in counts)


def load_namespace(conn: sqlite3.Connection, mem: MemoryGraph, namespace: str) -> None:
    """Put every row of ``namespace`` into the mirror ``mem`` (which must not hold it yet).

    Rows are read in key order (the primary key's own order, so no sort), which fixes the order of the
    edges the mirror gives; :mod:`graphmem.store.sqlite_graph` gives the same order from SQLite.
    """
    args = (namespace,)
    for row in conn.execute("SELECT ns, id, idx, started_at, date_text FROM sessions WHERE ns = ? ORDER BY id", args):
        mem.put_session(session_from_row(row))
    for row in conn.execute(f"SELECT {EVENT_COLS} FROM events WHERE ns = ? ORDER BY id", args):
        mem.put_event(event_from_row(row))
    for row in conn.execute("SELECT ns, id, name, type, aliases FROM entities WHERE ns = ? ORDER BY id", args):
        mem.put_entity(entity_from_row(row))
    for ns, eid, entid, role in conn.execute(
        "SELECT ns, event_id, entity_id, role FROM mentions WHERE ns = ? ORDER BY event_id, entity_id, role", args
    ):
        mem.put_mention(ns, eid, entid, role, new=True)
    evidence: dict[str, list[str]] = {}
    rows = conn.execute("SELECT fact_id, event_id FROM fact_evidence WHERE ns = ? ORDER BY fact_id, pos", args)
    for fid, eid in rows:
        evidence.setdefault(fid, []).append(eid)
    for row in conn.execute(f"SELECT {FACT_COLS} FROM facts WHERE ns = ? ORDER BY id", args):
        mem.put_fact(fact_from_row(row, evidence.get(row[1], [])))
    ix = mem.peek(namespace)
    if ix is not None:
        for sid in ix.sessions:
            mem.relink_session(namespace, sid, fresh=True)
        mem.relink_sessions(namespace)


def kind_of(conn: sqlite3.Connection, namespace: str, node_id: str) -> NodeKind | None:
    """The kind of the stored node ``node_id`` of ``namespace``, or ``None``."""
    for table, kind in (("events", NodeKind.EVENT), ("entities", NodeKind.ENTITY), ("sessions", NodeKind.SESSION)):
        if conn.execute(f"SELECT 1 FROM {table} WHERE ns = ? AND id = ?", (namespace, node_id)).fetchone():
            return kind
    return None


def stored_fact(conn: sqlite3.Connection, namespace: str, fact_id: str) -> Fact | None:
    """The stored fact version ``fact_id`` of ``namespace``, or ``None``."""
    row = conn.execute(f"SELECT {FACT_COLS} FROM facts WHERE ns = ? AND id = ?", (namespace, fact_id)).fetchone()
    if row is None:
        return None
    evidence = [
        eid
        for (eid,) in conn.execute(
            "SELECT event_id FROM fact_evidence WHERE ns = ? AND fact_id = ? ORDER BY pos", (namespace, fact_id)
        )
    ]
    return fact_from_row(row, evidence)


def _has_generations(conn: sqlite3.Connection) -> bool:
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'generations'").fetchone()
    return found is not None


def namespaces_with_data(conn: sqlite3.Connection) -> list[str]:
    """Every namespace holding a session, event, entity or fact, sorted: a few index probes per namespace
    (:func:`~graphmem.store.freshness.namespaces_in`). Read from the rows themselves, not from the
    ``generations`` counters, which a store upgraded by an older graphmem may lack for some namespaces.
    A damaged page of any of those tables raises (the store names the damage): a listing without the
    namespaces that page holds would say they are gone."""
    return sorted(namespaces_in(conn, _DATA_TABLES))


def count_rows(conn: sqlite3.Connection, namespace: str | None) -> dict[str, dict[str, int]]:
    """``stats`` counts per namespace holding data (of ``namespace`` only when given)."""
    per: dict[str, dict[str, int]] = {}
    for table, figures in _COUNTED.items():
        counted = ", ".join(expr for _, expr in figures)
        if namespace is None:
            rows = conn.execute(f"SELECT ns, {counted} FROM {table} GROUP BY ns").fetchall()
        else:
            sql = f"SELECT ?, {counted} FROM {table} WHERE ns = ?"
            rows = conn.execute(sql, (namespace, namespace)).fetchall()
        for ns, *values in rows:
            counts = per.setdefault(ns, dict.fromkeys(_FIGURES, 0))
            for (figure, _), n in zip(figures, values, strict=True):
                counts[figure] = int(n)
    return {ns: c for ns, c in per.items() if any(c[f] for f in _DATA_TABLES)}


def generation(conn: sqlite3.Connection, namespace: str) -> int | None:
    """The change counter of ``namespace`` (0 if never written); ``None`` for a store without counters."""
    if not _has_generations(conn):
        return None
    row = conn.execute("SELECT gen FROM generations WHERE ns = ?", (namespace,)).fetchone()
    return int(row[0]) if row else 0


def mentions_of(conn: sqlite3.Connection, namespace: str) -> list[tuple[str, str, str]]:
    """``(event_id, entity_id, role)`` of every mention of ``namespace``, sorted."""
    sql = "SELECT event_id, entity_id, role FROM mentions WHERE ns = ? ORDER BY event_id, entity_id, role"
    return conn.execute(sql, (namespace,)).fetchall()


def embeddings_after(
    conn: sqlite3.Connection, namespace: str, after: str, limit: int | None
) -> list[tuple[str, bytes, str]]:
    """``(node_id, float32 bytes, model)`` of stored embeddings with ids after ``after``, by id (``limit`` rows)."""
    sql = "SELECT node_id, vec, model FROM embeddings WHERE ns = ? AND node_id > ? ORDER BY node_id LIMIT ?"
    return conn.execute(sql, (namespace, after, -1 if limit is None else limit)).fetchall()


#: Keys per ``IN (...)`` list read by :func:`rows_by_key` (SQLite allows 32,766 parameters; this keeps
#: statements short).
KEYS_PER_STATEMENT = 500


def rows_by_key(conn: sqlite3.Connection, sql: str, namespace: str, keys: Collection[str]) -> Iterator[Any]:
    """Rows of ``sql`` (parameters: the namespace, then its ``{marks}`` filled with one ``?`` per key) for
    ``keys``, read in sorted chunks of :data:`KEYS_PER_STATEMENT`."""
    ordered = sorted(keys)
    for start in range(0, len(ordered), KEYS_PER_STATEMENT):
        part = ordered[start : start + KEYS_PER_STATEMENT]
        yield from conn.execute(sql.format(marks=", ".join("?" * len(part))), (namespace, *part))


def embeddings_of(conn: sqlite3.Connection, namespace: str, ids: Collection[str]) -> list[tuple[str, bytes, str]]:
    """``(node_id, float32 bytes, model)`` of the stored embeddings of ``ids``, by id."""
    sql = "SELECT node_id, vec, model FROM embeddings WHERE ns = ? AND node_id IN ({marks}) ORDER BY node_id"
    return list(rows_by_key(conn, sql, namespace, ids))


def _scheme_column(conn: sqlite3.Connection) -> str:
    """The ``scheme`` column, or ``''`` for a store of schema 3 or 4 opened read-only (not upgraded)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(embeddings)")}
    return "m.scheme" if "scheme" in columns else "''"


def embedding_origins(conn: sqlite3.Connection, namespace: str) -> dict[tuple[str, str], int]:
    """How many event embeddings of ``namespace`` each ``(model, scheme)`` made (``''``: unknown scheme)."""
    scheme = _scheme_column(conn)
    sql = (
        f"SELECT m.model, {scheme}, count(*) FROM embeddings m JOIN events e ON e.ns = m.ns AND e.id = m.node_id "
        f"WHERE m.ns = ? GROUP BY m.model, {scheme}"
    )
    return {(model, sch): int(n) for model, sch, n in conn.execute(sql, (namespace,))}


def embedding_dimensions(conn: sqlite3.Connection, namespace: str) -> dict[tuple[str, str, int], int]:
    """How many event embeddings of ``namespace`` each ``(model, scheme, dimension)`` has (float32: 4 bytes a
    number; ``length`` of a blob reads its header, not its bytes)."""
    scheme = _scheme_column(conn)
    sql = (
        f"SELECT m.model, {scheme}, length(m.vec) / 4, count(*) FROM embeddings m "
        f"JOIN events e ON e.ns = m.ns AND e.id = m.node_id WHERE m.ns = ? GROUP BY 1, 2, 3"
    )
    return {(model, sch, int(dim)): int(n) for model, sch, dim, n in conn.execute(sql, (namespace,))}


def event_embedding_origins(
    conn: sqlite3.Connection, namespace: str, after: str, limit: int
) -> list[tuple[str, str, str]]:
    """``(event_id, model, scheme)`` of embedded events of ``namespace`` with ids after ``after``, by id."""
    sql = (
        f"SELECT m.node_id, m.model, {_scheme_column(conn)} FROM embeddings m "
        "JOIN events e ON e.ns = m.ns AND e.id = m.node_id "
        "WHERE m.ns = ? AND m.node_id > ? ORDER BY m.node_id LIMIT ?"
    )
    return [(i, model, scheme) for i, model, scheme in conn.execute(sql, (namespace, after, limit))]
