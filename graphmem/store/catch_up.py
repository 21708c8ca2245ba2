"""A loaded namespace brought up to date with the rows other processes changed, read back by key.

:mod:`graphmem.store.changelog` names the keys another process wrote since this one last looked; each is
read from SQLite as it is now and put into the mirror (or dropped from it when its row is gone), in the
order the writer's own batches are applied: drops first (facts, events, entities, sessions), then
sessions, events, entities, each changed event's mentions, and facts, with the session order re-derived
where it changed. The mirror then holds what a fresh load would, with the edges of the changed rows after
the others (as in the writing process's own mirror).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Mapping

from graphmem.models import Entity, Event, Fact, Session
from graphmem.store.mirror import MemoryGraph
from graphmem.store.sqlite_reads import EVENT_COLS, FACT_COLS, rows_by_key
from graphmem.store.sqlite_rows import entity_from_row, event_from_row, fact_from_row, session_from_row

__all__ = ["apply_changes", "worth_catching_up"]

#: A namespace with more changed keys than this share of its events (and at least :data:`_FLOOR`) is read
#: again whole: one scan beats that many lookups.
_SHARE = 0.25
_FLOOR = 2_000


def worth_catching_up(changes: Mapping[str, frozenset[str]], events: int) -> bool:
    """Whether reading ``changes`` back by key is cheaper than reading a namespace of ``events`` again."""
    rows = sum(len(keys) for table, keys in changes.items() if table != "embeddings")  # not in the mirror
    return rows <= max(_FLOOR, _SHARE * events)


def _sessions(conn: sqlite3.Connection, ns: str, keys: Collection[str]) -> dict[str, Session]:
    sql = "SELECT ns, id, idx, started_at, date_text FROM sessions WHERE ns = ? AND id IN ({marks}) ORDER BY id"
    found = (session_from_row(row) for row in rows_by_key(conn, sql, ns, keys))
    return {s.id: s for s in found}


def _events(conn: sqlite3.Connection, ns: str, keys: Collection[str]) -> dict[str, Event]:
    sql = f"SELECT {EVENT_COLS} FROM events WHERE ns = ? AND id IN ({{marks}}) ORDER BY id"
    found = (event_from_row(row) for row in rows_by_key(conn, sql, ns, keys))
    return {e.id: e for e in found}


def _entities(conn: sqlite3.Connection, ns: str, keys: Collection[str]) -> dict[str, Entity]:
    sql = "SELECT ns, id, name, type, aliases FROM entities WHERE ns = ? AND id IN ({marks}) ORDER BY id"
    found = (entity_from_row(row) for row in rows_by_key(conn, sql, ns, keys))
    return {x.id: x for x in found}


def _mentions(conn: sqlite3.Connection, ns: str, keys: Collection[str]) -> dict[str, list[tuple[str, str]]]:
    sql = (
        "SELECT event_id, entity_id, role FROM mentions WHERE ns = ? AND event_id IN ({marks}) "
        "ORDER BY event_id, entity_id, role"
    )
    out: dict[str, list[tuple[str, str]]] = {key: [] for key in keys}
    for event_id, entity_id, role in rows_by_key(conn, sql, ns, keys):
        out[str(event_id)].append((str(entity_id), str(role)))
    return out


def _facts(conn: sqlite3.Connection, ns: str, keys: Collection[str]) -> dict[str, Fact]:
    evidence: dict[str, list[str]] = {}
    sql = "SELECT fact_id, event_id FROM fact_evidence WHERE ns = ? AND fact_id IN ({marks}) ORDER BY fact_id, pos"
    for fact_id, event_id in rows_by_key(conn, sql, ns, keys):
        evidence.setdefault(str(fact_id), []).append(str(event_id))
    sql = f"SELECT {FACT_COLS} FROM facts WHERE ns = ? AND id IN ({{marks}}) ORDER BY id"
    found = (fact_from_row(row, evidence.get(str(row[1]), [])) for row in rows_by_key(conn, sql, ns, keys))
    return {f.id: f for f in found}


def apply_changes(
    conn: sqlite3.Connection, mem: MemoryGraph, namespace: str, changes: Mapping[str, frozenset[str]]
) -> None:
    """Bring the loaded ``namespace`` of ``mem`` up to date with the rows of ``changes`` (logged table →
    keys, as :meth:`graphmem.store.changelog.ChangeLog.read` gives them), reading them from ``conn``.

    Call it inside one read transaction (the rows must be those the change log was read with).
    """
    ns = namespace
    want = {table: changes.get(table, frozenset()) for table in ("sessions", "events", "entities", "facts")}
    sessions = _sessions(conn, ns, want["sessions"])
    events = _events(conn, ns, want["events"])
    facts = _facts(conn, ns, want["facts"])
    # a forget takes the ids of the entities it deleted or moved out of the log (they are made of names):
    # the entities the changed events' mentions and the changed facts used are looked up as well, and
    # dropped when gone
    ix = mem.space(ns)
    mentioning = want["events"] - events.keys() | {key for key in changes.get("mentions", ()) if key in ix.events}
    used = {x for eid in mentioning for x in mem.mentioned_by(ns, eid)}
    used |= {x for fid in want["facts"] if (f := ix.facts.get(fid)) for x in (f.subject_id, f.object_id)}
    want["entities"] = want["entities"] | frozenset(x for x in used if x in ix.entities)
    entities = _entities(conn, ns, want["entities"])
    for fact_id in want["facts"]:
        mem.drop_fact(ns, fact_id)
    for event_id in want["events"] - events.keys():
        mem.drop_event(ns, event_id)
    for entity_id in want["entities"] - entities.keys():
        mem.drop_entity(ns, entity_id)
    for session_id in want["sessions"] - sessions.keys():
        mem.drop_session(ns, session_id)
    reorder = bool(want["sessions"] - sessions.keys())  # a session dropped
    for s in sessions.values():
        old = ix.sessions.get(s.id)
        reorder = reorder or old is None or old.index != s.index
        mem.put_session(s)
    touched: set[str] = set()
    for e in events.values():
        touched |= mem.put_event(e)
    for x in entities.values():
        mem.put_entity(x)
    mentioned = {key for key in changes.get("mentions", frozenset()) if key in ix.events}
    for event_id, rows in _mentions(conn, ns, mentioned).items():
        mem.replace_mentions(ns, event_id, rows)
    for f in facts.values():
        mem.put_fact(f)
    for session_id in sorted(touched):
        if session_id in ix.sessions:
            mem.relink_session(ns, session_id)
    if reorder:
        mem.relink_sessions(ns)
