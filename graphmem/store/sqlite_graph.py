"""Graph reads of one namespace answered from the embedded store's SQLite record, without its mirror.

A namespace holding more events than the store's ``mirror_max_events`` is not loaded into the networkx
mirror (:mod:`graphmem.store.mirror`): loading a million events costs minutes and gigabytes, while recall
reads a few hundred nodes. :class:`DiskNamespace` answers the reads from indexed queries instead, with
the same results as the mirror, in the order a freshly loaded mirror gives them (edges of a node: out
then in; per side session, mention, FACT, then order edges; mentions by entity or event id, facts by id).

Order edges (NEXT, NEXT_SESSION) are derived as in the mirror: the next event of a session by time, then
``(seq, id)`` (:func:`~graphmem.models.chain_key`), the next session by index, then id in natural order
(:func:`~graphmem.models.session_order_key`). The only lookups held in memory are the names of the
namespace's entities, the order of its sessions and its speakers, built on first use, and decoded events
in one :class:`EventCache` shared by every view of the store; the store drops a view whenever the
namespace changes, and every view (with the shared events) when another connection commits.

Every read that meets an event row reads it whole and keeps it (by id, by a full-text hit's rowid, a
session's turns, the turn beside another, the events among a frontier's nodes): recall asks for the
events its edges lead to, so within one recall no event row is looked up again once read.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections import OrderedDict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from graphmem.models import EdgeType, Entity, Event, Fact, NodeKind, Session, session_order_key
from graphmem.store.base import Direction, Neighbor, TimeFilter
from graphmem.store.sqlite_reads import EVENT_COLS, FACT_COLS, kind_of, stored_fact
from graphmem.store.sqlite_rows import dt_in, dt_out, entity_from_row, event_from_row, fact_from_row, session_from_row
from graphmem.text import normalise_name

__all__ = ["DISK_INDEXES", "EVENT_CACHE", "DiskNamespace", "EventCache"]

#: Indexes the SQLite-served reads use beyond the schema's own (created when a store opens writable; a
#: read-only store without them gives the same answers, scanning the namespace's rows instead).
DISK_INDEXES = (
    "CREATE INDEX IF NOT EXISTS facts_by_subject ON facts (ns, subject_id)",
    "CREATE INDEX IF NOT EXISTS facts_by_object ON facts (ns, object_id)",
    "CREATE INDEX IF NOT EXISTS events_by_source ON events (ns, source_id)",
    "CREATE INDEX IF NOT EXISTS events_by_speaker ON events (ns, speaker)",
    # a NEXT step is a seek by time (the chain follows the events' times: models.chain_key)
    "CREATE INDEX IF NOT EXISTS events_by_time ON events (ns, session, occurred_at, seq, id)",
)

#: The conditions of a NEXT step (:meth:`DiskNamespace._step`), each one seek on ``events_by_time``; a row
#: without a time compares as NULL in a row value, so it is never before a dated one.
_AFTER_DATED = "occurred_at IS NOT NULL AND (occurred_at, seq, id) > (?, ?, ?) ORDER BY occurred_at, seq, id"
_FIRST_UNDATED = "occurred_at IS NULL ORDER BY seq, id"
_AFTER_UNDATED = "occurred_at IS NULL AND (seq, id) > (?, ?) ORDER BY seq, id"
_BEFORE_DATED = "(occurred_at, seq, id) < (?, ?, ?) ORDER BY occurred_at DESC, seq DESC, id DESC"
_BEFORE_UNDATED = "occurred_at IS NULL AND (seq, id) < (?, ?) ORDER BY seq DESC, id DESC"
_LAST_DATED = "occurred_at IS NOT NULL ORDER BY occurred_at DESC, seq DESC, id DESC"

_SESSION_COLS = "ns, id, idx, started_at, date_text"
#: What a read of events selects: the rowid too, kept with the event (full-text hits are rowids).
_ROW_COLS = f"rowid, {EVENT_COLS}"
#: The same columns of the events ``e`` an entity's mentions join.
_JOINED_ROW_COLS = ", ".join(f"e.{c.strip()}" for c in _ROW_COLS.split(","))
#: An entity's mentions with their events (``ns``, ``entity_id`` as parameters).
_MENTIONING = (
    "FROM mentions m INDEXED BY mentions_by_entity "
    "JOIN events e ON e.ns = m.ns AND e.id = m.event_id WHERE m.ns = ? AND m.entity_id = ?"
)
_ENTITY_COLS = "ns, id, name, type, aliases"
_NOW = TimeFilter()  # no bound: the fact versions memory holds now
_CHUNK = 500  # ids per IN (...) list
_MENTION_EDGES = (EdgeType.MENTIONS, EdgeType.SPOKEN_BY)
_FACT_F = ", ".join(f"f.{c.strip()}" for c in FACT_COLS.split(","))
#: The fact chains of some events (a JSON list, then the namespace three times): the versions naming one
#: of them, their logical ids (before ``@``, see :mod:`graphmem.store.versions`), and every version of
#: those by a range of the primary key, each with its evidence in order.
_CHAINS = f"""
WITH wanted(id) AS (SELECT value FROM json_each(?)),
hit(fid) AS (
  SELECT v.fact_id FROM fact_evidence v WHERE v.ns = ? AND v.event_id IN (SELECT id FROM wanted)
  UNION SELECT f.id FROM facts f, json_each(f.revised_by) j
  WHERE f.ns = ? AND f.revised_by != '[]' AND j.value IN (SELECT id FROM wanted)),
chain(lid) AS (
  SELECT DISTINCT CASE WHEN instr(fid, '@') > 0 THEN substr(fid, 1, instr(fid, '@') - 1) ELSE fid END FROM hit)
SELECT {_FACT_F}, (SELECT json_group_array(event_id) FROM
  (SELECT event_id FROM fact_evidence x WHERE x.ns = f.ns AND x.fact_id = f.id ORDER BY x.pos))
FROM chain c JOIN facts f ON f.ns = ? AND (f.id = c.lid OR (f.id > c.lid || '@' AND f.id < c.lid || 'A'))
ORDER BY f.id
"""
#: How many decoded events a store keeps between reads, over all its namespaces served from SQLite (the
#: least recently used go first). Recall asks for the same few hundred turns query after query.
EVENT_CACHE = 20_000

#: A session, or an entity's turns in a time window, of at most this many events is read as whole rows and
#: kept in the event cache (recall reads the events it reaches next); a longer one is listed by id and time.
SIDE_ROWS_KEPT = 256
_views = itertools.count()  # a key per view: events of a dropped view are never found again


class EventCache:
    """Decoded events of every :class:`DiskNamespace` of one store: one LRU of at most ``EVENT_CACHE``.

    Keyed by ``(view, event id)``: a view dropped because its namespace changed leaves its events
    unreachable, and they age out. Each event's ``events`` rowid is kept with it, so a full-text hit (a
    rowid) finds the event too. A read asking for more than ``EVENT_CACHE`` events is not kept. The
    caller holds the store's lock.
    """

    __slots__ = ("_events", "_ids", "_rowids")

    def __init__(self) -> None:
        self._events: OrderedDict[tuple[int, str], Event] = OrderedDict()
        # each event's rowid, and back (plain values: no object for the collector to visit per event)
        self._rowids: dict[tuple[int, str], int] = {}
        self._ids: dict[tuple[int, int], str] = {}

    def __len__(self) -> int:
        return len(self._events)

    def take(self, view: int, event_ids: Sequence[str]) -> tuple[dict[str, Event], list[str]]:
        """The events kept for ``view`` among ``event_ids`` (marked as just used), and the ids not kept."""
        events = self._events
        get, touch = events.get, events.move_to_end
        found: dict[str, Event] = {}
        missing: list[str] = []
        for event_id in event_ids:
            key = (view, event_id)
            event = get(key)
            if event is None:
                missing.append(event_id)
            else:
                touch(key)
                found[event_id] = event
        return found, missing

    def get(self, view: int, event_id: str) -> Event | None:
        """The event kept for ``view`` under this id (marked as just used), or ``None``."""
        event = self._events.get((view, event_id))
        if event is not None:
            self._events.move_to_end((view, event_id))
        return event

    def at(self, view: int, rowid: int) -> Event | None:
        """The event kept for ``view`` whose row has this rowid (marked as just used), or ``None``."""
        event_id = self._ids.get((view, rowid))
        return None if event_id is None else self.get(view, event_id)

    def put(self, view: int, event: Event, rowid: int) -> None:
        """Keep ``event`` (its row's ``rowid``) for ``view``, dropping the least recently used past ``EVENT_CACHE``."""
        events, rowids, ids = self._events, self._rowids, self._ids
        key = (view, event.id)
        old = rowids.get(key)
        if old is not None and old != rowid:
            ids.pop((view, old), None)
        events[key] = event
        rowids[key] = rowid
        ids[view, rowid] = event.id
        while len(events) > EVENT_CACHE:
            dropped, _event = events.popitem(last=False)
            ids.pop((dropped[0], rowids.pop(dropped)), None)

    def clear(self) -> None:
        """Drop every event (another connection committed)."""
        self._events.clear()
        self._rowids.clear()
        self._ids.clear()


@dataclass(slots=True)
class DiskNamespace:
    """Reads of ``namespace`` from SQLite; the caller holds the store's lock around every call."""

    conn: sqlite3.Connection
    namespace: str
    cache: EventCache = field(default_factory=EventCache)
    _key: int = field(default_factory=lambda: next(_views), init=False)
    _names: dict[str, list[str]] | None = field(default=None, init=False)
    _session_order: list[str] | None = field(default=None, init=False)
    _session_pos: dict[str, int] = field(default_factory=dict, init=False)
    _speakers: list[str] | None = field(default=None, init=False)

    # -- nodes ---------------------------------------------------------------------------------------

    def get_session(self, session_id: str) -> Session | None:
        """The session with this id, or ``None``."""
        row = self.conn.execute(
            f"SELECT {_SESSION_COLS} FROM sessions WHERE ns = ? AND id = ?", (self.namespace, session_id)
        ).fetchone()
        return session_from_row(row) if row else None

    def get_events(self, event_ids: Sequence[str]) -> list[Event]:
        """The events that exist among ``event_ids``, in the order asked (decoded ones kept, see ``EVENT_CACHE``)."""
        cache, view = self.cache, self._key
        unique = list(dict.fromkeys(event_ids))
        keep = len(unique) <= EVENT_CACHE
        known, missing = cache.take(view, unique) if keep else ({}, unique)
        for start in range(0, len(missing), _CHUNK):
            part = missing[start : start + _CHUNK]
            marks = ",".join("?" * len(part))
            rows = self.conn.execute(
                f"SELECT {_ROW_COLS} FROM events WHERE ns = ? AND id IN ({marks})", (self.namespace, *part)
            )
            known.update((event.id, event) for event in self._kept(rows, keep=keep))
        return [known[i] for i in event_ids if i in known]

    def events_by_rowid(self, rowids: Sequence[int]) -> dict[int, Event]:
        """The namespace's events among these ``events`` rowids, by rowid, kept as :meth:`get_events` keeps them.

        Full-text search finds rowids (its table's rowid is the event row's): the rows not kept yet are
        read whole here, not only their ids, so that the recall asking for these events next finds them
        instead of reading each row a second time by id.
        """
        cache, view = self.cache, self._key
        keep = len(rowids) <= EVENT_CACHE
        found: dict[int, Event] = {}
        missing: list[int] = []
        for rowid in rowids:
            event = cache.at(view, rowid) if keep else None
            if event is None:
                missing.append(rowid)
            else:
                found[rowid] = event
        for start in range(0, len(missing), _CHUNK):
            part = missing[start : start + _CHUNK]
            marks = ",".join("?" * len(part))
            # the namespace is checked here, not in SQL: with ``ns = ?`` SQLite walks the namespace's
            # (ns, id) index instead of looking the rowids up
            rows = self.conn.execute(f"SELECT {_ROW_COLS} FROM events WHERE rowid IN ({marks})", part).fetchall()
            rows = [row for row in rows if row[1] == self.namespace]
            found.update((row[0], event) for row, event in zip(rows, self._kept(rows, keep=keep), strict=True))
        return found

    def _kept(self, rows: Iterable[Sequence[Any]], *, keep: bool = True) -> list[Event]:
        """``events`` rows (``_ROW_COLS``) as events, each kept unless ``keep`` is false (one kept already is
        not decoded again)."""
        cache, view = self.cache, self._key
        out = []
        for rowid, *row in rows:
            event = cache.get(view, row[1]) if keep else None
            if event is None:
                event = event_from_row(row)
                if keep:
                    cache.put(view, event, rowid)
            out.append(event)
        return out

    def get_entity(self, entity_id: str) -> Entity | None:
        """The entity with this id, or ``None``."""
        row = self.conn.execute(
            f"SELECT {_ENTITY_COLS} FROM entities WHERE ns = ? AND id = ?", (self.namespace, entity_id)
        ).fetchone()
        return entity_from_row(row) if row else None

    def get_fact(self, fact_id: str) -> Fact | None:
        """The fact version with this id, or ``None``."""
        return stored_fact(self.conn, self.namespace, fact_id)

    def find_entities(self, name: str) -> list[Entity]:
        """Entities whose name or an alias normalises to ``name``'s key, by id."""
        if self._names is None:
            names: dict[str, list[str]] = {}
            for eid, ename, aliases in self.conn.execute(
                "SELECT id, name, aliases FROM entities WHERE ns = ? ORDER BY id", (self.namespace,)
            ):
                entity = entity_from_row((self.namespace, eid, ename, "", aliases))
                for key in dict.fromkeys(normalise_name(n) for n in (entity.name, *entity.aliases)):
                    names.setdefault(key, []).append(eid)
            self._names = names
        ids = self._names.get(normalise_name(name), [])
        return [e for e in (self.get_entity(i) for i in ids) if e is not None]

    def find_events_by_source(self, source_id: str) -> list[Event]:
        """Events whose ``source_id`` equals ``source_id``, by id."""
        sql = f"SELECT {EVENT_COLS} FROM events WHERE ns = ? AND source_id = ?"  # sorted here: see _mentioned_by
        return sorted(
            (event_from_row(r) for r in self.conn.execute(sql, (self.namespace, source_id))), key=lambda e: e.id
        )

    def events_at(self, sessions: Collection[str], when: datetime) -> list[Event]:
        """Events of ``sessions`` whose ``occurred_at`` is ``when``, by id: each session is read through its
        ``(ns, session, seq)`` index, filtered in SQLite, not read whole."""
        sql = f"SELECT {EVENT_COLS} FROM events WHERE ns = ? AND session = ? AND occurred_at = ?"
        at = dt_in(when)
        found = [event_from_row(r) for sid in sessions for r in self.conn.execute(sql, (self.namespace, sid, at))]
        return sorted(found, key=lambda e: e.id)

    def speakers(self) -> list[str]:
        """Every distinct speaker name of the namespace's events, sorted (kept until the view is dropped).

        With the ``events_by_speaker`` index (see ``DISK_INDEXES``) each name is one index probe past the
        last; a read-only store without it scans the namespace's events once.
        """
        if self._speakers is None:
            if self.conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'events_by_speaker'"
            ).fetchone():
                found: list[str] = []
                sql = (
                    "SELECT speaker FROM events INDEXED BY events_by_speaker "
                    "WHERE ns = ? AND speaker > ? ORDER BY speaker LIMIT 1"
                )
                while row := self.conn.execute(sql, (self.namespace, found[-1] if found else "")).fetchone():
                    found.append(row[0])
                self._speakers = found
            else:
                rows = self.conn.execute(
                    "SELECT DISTINCT speaker FROM events WHERE ns = ? AND speaker IS NOT NULL AND speaker != ''",
                    (self.namespace,),
                )
                self._speakers = sorted(s for (s,) in rows)
        return list(self._speakers)

    # -- whole namespace -----------------------------------------------------------------------------

    def sessions(self) -> list[Session]:
        """Sessions by index, then id in natural order (:func:`~graphmem.models.session_order_key`)."""
        rows = self.conn.execute(f"SELECT {_SESSION_COLS} FROM sessions WHERE ns = ?", (self.namespace,))
        return sorted((session_from_row(r) for r in rows), key=lambda s: session_order_key(s.index, s.id))

    def events(self, session: str | None) -> list[Event]:
        """Events of the namespace (or one session) by session (``session_order_key``), then seq, then id."""
        if session is not None:
            rows = self.conn.execute(
                f"SELECT {EVENT_COLS} FROM events WHERE ns = ? AND session = ? ORDER BY seq, id",
                (self.namespace, session),
            ).fetchall()
        else:
            cols = ", ".join(f"e.{c.strip()}" for c in EVENT_COLS.split(","))
            ordered = self.conn.execute(
                f"SELECT s.idx, {cols} FROM events e JOIN sessions s ON s.ns = e.ns AND s.id = e.session "
                "WHERE e.ns = ? ORDER BY s.idx, s.id, e.seq, e.id",
                (self.namespace,),
            ).fetchall()
            # SQL cannot compare ids naturally: a stable sort moves sessions sharing an index
            ordered.sort(key=lambda r: session_order_key(r[0], r[3]))  # idx, then e.ns, e.id, e.session
            rows = [tuple(r)[1:] for r in ordered]
        return [event_from_row(r) for r in rows]

    def entities(self) -> list[Entity]:
        """Entities by id."""
        rows = self.conn.execute(f"SELECT {_ENTITY_COLS} FROM entities WHERE ns = ? ORDER BY id", (self.namespace,))
        return [entity_from_row(r) for r in rows]

    def facts(self, time: TimeFilter | None, history: bool) -> Iterator[Fact]:
        """Fact versions that pass ``time`` (every one with ``history``), by id."""
        admit = time or _NOW
        evidence: dict[str, list[str]] = {}
        rows = self.conn.execute(
            "SELECT fact_id, event_id FROM fact_evidence WHERE ns = ? ORDER BY fact_id, pos", (self.namespace,)
        )
        for fid, eid in rows:
            evidence.setdefault(fid, []).append(eid)
        for row in self.conn.execute(f"SELECT {FACT_COLS} FROM facts WHERE ns = ? ORDER BY id", (self.namespace,)):
            fact = fact_from_row(row, evidence.get(row[1], []))
            if history or admit.admits_fact(fact):
                yield fact

    def fact_groups_of_events(self, event_ids: Collection[str]) -> set[tuple[str, str]]:
        """``(subject_id, predicate)`` of the fact versions whose evidence or ``revised_by`` names one of
        ``event_ids`` (evidence through its index; ``revised_by``, a JSON list, by a scan)."""
        ids = sorted(set(event_ids))
        if not ids:
            return set()
        marks = ", ".join("?" for _ in ids)
        rows = self.conn.execute(
            "SELECT f.subject_id, f.predicate FROM fact_evidence v JOIN facts f ON f.ns = v.ns AND f.id = v.fact_id"
            f" WHERE v.ns = ? AND v.event_id IN ({marks})"
            " UNION SELECT f.subject_id, f.predicate FROM facts f, json_each(f.revised_by) j"
            f" WHERE f.ns = ? AND f.revised_by != '[]' AND j.value IN ({marks})",
            (self.namespace, *ids, self.namespace, *ids),
        )
        return {(str(s), str(p)) for s, p in rows}

    def fact_chains_of_events(self, event_ids: Collection[str]) -> list[Fact]:
        """Every version, by id, of each fact one version of which names one of ``event_ids`` in its
        evidence or ``revised_by`` (one query: evidence through its index, each chain by a key range)."""
        ids = json.dumps(sorted(set(event_ids)))
        rows = self.conn.execute(_CHAINS, (ids, self.namespace, self.namespace, self.namespace))
        return [fact_from_row(r[:-1], json.loads(r[-1])) for r in rows]

    # -- edges ---------------------------------------------------------------------------------------

    def neighbors(
        self, node_id: str, wanted: frozenset[EdgeType] | None, direction: Direction, time: TimeFilter | None
    ) -> list[Neighbor]:
        """What the mirror's ``neighbors`` gives for this node, from SQLite."""
        return self.neighbors_many([node_id], wanted, direction, time)[node_id]

    def neighbors_many(
        self,
        node_ids: Sequence[str],
        wanted: frozenset[EdgeType] | None,
        direction: Direction,
        time: TimeFilter | None,
    ) -> dict[str, list[Neighbor]]:
        """:meth:`neighbors` of every id; the nodes' kinds, the events' places in their sessions and what
        they mention are read for the whole batch (a few ``IN (...)`` reads, not a few per node)."""
        out: dict[str, list[Neighbor]] = {node_id: [] for node_id in node_ids}
        if wanted is not None and not wanted:
            return out
        ids = list(out)
        # the events among the nodes read whole and kept: recall asks for these events too (most are kept
        # already, read as seeds or when reached), so no event row is read twice
        rows: dict[str, tuple[str, int, str | None]] = {
            ev.id: (ev.session, ev.seq, dt_in(ev.occurred_at)) for ev in self.get_events(ids)
        }
        kinds = dict.fromkeys(rows, NodeKind.EVENT)
        rest = [i for i in ids if i not in rows]
        for table, table_kind in (("entities", NodeKind.ENTITY), ("sessions", NodeKind.SESSION)):  # as kind_of
            if rest:
                kinds.update((i, table_kind) for (i,) in self._in(f"SELECT id FROM {table}", rest))
                rest = [i for i in rest if i not in kinds]
        named: dict[str, list[tuple[str, str]]] = {}
        if rows and direction is not Direction.IN and (wanted is None or not wanted.isdisjoint(_MENTION_EDGES)):
            sql = "SELECT event_id, entity_id, role FROM mentions"
            for eid, entity_id, role in self._in(sql, list(rows), column="event_id"):
                named.setdefault(eid, []).append((entity_id, role))
        for node_id in ids:
            kind = kinds.get(node_id)
            if kind is None:
                continue
            mentioned = sorted(named.get(node_id, ()))  # by entity id, then role, as the mirror
            for side in (Direction.OUT, Direction.IN):
                if direction in (side, Direction.BOTH):
                    out[node_id].extend(self._side(node_id, kind, rows.get(node_id), mentioned, side, wanted, time))
        return out

    def _in(self, select: str, ids: Sequence[str], *, column: str = "id") -> Iterator[tuple[Any, ...]]:
        """The rows of ``select`` (a ``SELECT ... FROM table``) of this namespace whose ``column`` is in ``ids``."""
        for start in range(0, len(ids), _CHUNK):
            part = ids[start : start + _CHUNK]
            marks = ",".join("?" * len(part))
            yield from self.conn.execute(f"{select} WHERE ns = ? AND {column} IN ({marks})", (self.namespace, *part))

    def _side(
        self,
        node_id: str,
        kind: NodeKind,
        row: tuple[str, int, str | None] | None,
        mentioned: list[tuple[str, str]],
        side: Direction,
        wanted: frozenset[EdgeType] | None,
        time: TimeFilter | None,
    ) -> list[Neighbor]:
        def want(*types: EdgeType) -> bool:
            return wanted is None or not wanted.isdisjoint(types)

        timed = time is not None and (time.since is not None or time.until is not None)
        found: list[Neighbor] = []
        if kind is NodeKind.EVENT and side is Direction.OUT and row is not None:
            if want(EdgeType.IN_SESSION):
                found.append(Neighbor(EdgeType.IN_SESSION, side, row[0], NodeKind.SESSION))
            if want(*_MENTION_EDGES):
                found.extend(_mention(side, entity_id, NodeKind.ENTITY, role) for entity_id, role in mentioned)
        if kind is NodeKind.ENTITY and side is Direction.IN and want(EdgeType.MENTIONS, EdgeType.SPOKEN_BY):
            found.extend(self._mentioned_by(node_id, time if timed else None))
        if kind is NodeKind.SESSION and side is Direction.IN and want(EdgeType.IN_SESSION):
            # whole rows, kept: recall reads the members it reaches next (sorted here: see _mentioned_by); a
            # long session's members are listed by id and time only (decoding and keeping them all would cost
            # more than the few recall reaches, and flush the event cache)
            of_session = "FROM events WHERE ns = ? AND session = ?"
            rows = self.conn.execute(f"SELECT {_ROW_COLS} {of_session}", (self.namespace, node_id)).fetchmany(
                SIDE_ROWS_KEPT + 1
            )
            if len(rows) <= SIDE_ROWS_KEPT:
                members = sorted(self._kept(rows), key=lambda ev: ev.id)
                found.extend(
                    Neighbor(EdgeType.IN_SESSION, side, ev.id, NodeKind.EVENT)
                    for ev in members
                    if not timed or _admits_at(time, ev.occurred_at)
                )
            else:
                light = self.conn.execute(f"SELECT id, occurred_at {of_session}", (self.namespace, node_id))
                found.extend(
                    Neighbor(EdgeType.IN_SESSION, side, eid, NodeKind.EVENT)
                    for eid, occurred in sorted(light)
                    if not timed or _admits(time, occurred)
                )
        if want(EdgeType.FACT):
            found.extend(self._facts(node_id, side, time))
        if kind is NodeKind.EVENT and row is not None and want(EdgeType.NEXT):
            step = self._step(row, node_id, later=side is Direction.OUT)
            if step is not None and (not timed or _admits_at(time, step.occurred_at)):
                found.append(Neighbor(EdgeType.NEXT, side, step.id, NodeKind.EVENT))
        if kind is NodeKind.SESSION and want(EdgeType.NEXT_SESSION):
            other = self._next_session(node_id, later=side is Direction.OUT)
            if other is not None:
                found.append(Neighbor(EdgeType.NEXT_SESSION, side, other, NodeKind.SESSION))
        return [nb for nb in found if wanted is None or nb.edge in wanted]

    def _mentioned_by(self, entity_id: str, time: TimeFilter | None) -> list[Neighbor]:
        # sorted here, not by ORDER BY: without statistics SQLite would walk the primary key (every
        # mention of the namespace, in event order) rather than sort the entity's own few
        args = (self.namespace, entity_id)
        if time is None:
            sql = "SELECT event_id, role FROM mentions INDEXED BY mentions_by_entity WHERE ns = ? AND entity_id = ?"
            rows = sorted(self.conn.execute(sql, args))
            return [_mention(Direction.IN, eid, NodeKind.EVENT, role) for eid, role in rows]
        # the events' rows read whole and kept: recall asks for the events it reaches through the entity; an
        # entity named by many turns (a speaker) lists them by id and time only (see _side)
        rows = self.conn.execute(f"SELECT m.role, {_JOINED_ROW_COLS} {_MENTIONING}", args).fetchmany(SIDE_ROWS_KEPT + 1)
        if len(rows) > SIDE_ROWS_KEPT:
            light = sorted(
                self.conn.execute(f"SELECT m.event_id, m.role, e.occurred_at {_MENTIONING}", args),
                key=lambda r: (r[0], r[1]),
            )
            admitted = [(eid, role) for eid, role, occurred in light if _admits(time, occurred)]
            return [_mention(Direction.IN, eid, NodeKind.EVENT, role) for eid, role in admitted]
        events = self._kept(row[1:] for row in rows)
        timed = sorted(((ev.id, row[0], ev) for row, ev in zip(rows, events, strict=True)), key=lambda r: r[:2])
        return [
            _mention(Direction.IN, eid, NodeKind.EVENT, role)
            for eid, role, ev in timed
            if _admits_at(time, ev.occurred_at)
        ]

    def _facts(self, node_id: str, side: Direction, time: TimeFilter | None) -> list[Neighbor]:
        near, far_col = ("subject_id", 4) if side is Direction.OUT else ("object_id", 2)
        sql = f"SELECT {FACT_COLS} FROM facts WHERE ns = ? AND {near} = ?"  # sorted here: see _mentioned_by
        rows = sorted(self.conn.execute(sql, (self.namespace, node_id)), key=lambda r: str(r[1]))
        out: list[Neighbor] = []
        for row in rows:
            evidence = [
                eid
                for (eid,) in self.conn.execute(
                    "SELECT event_id FROM fact_evidence WHERE ns = ? AND fact_id = ? ORDER BY pos",
                    (self.namespace, row[1]),
                )
            ]
            fact = fact_from_row(row, evidence)
            if not (time or _NOW).admits_fact(fact):
                continue
            far = row[far_col]
            kind = kind_of(self.conn, self.namespace, far)
            if kind is None:
                continue
            if time is not None and kind is NodeKind.EVENT:
                got = self.get_events([far])
                if got and not _admits_at(time, got[0].occurred_at):
                    continue
            out.append(Neighbor(EdgeType.FACT, side, far, kind, None, fact))
        # the mirror groups a node's edges by the node at the far end, first met first
        order: dict[str, int] = {}
        for nb in out:
            order.setdefault(nb.node_id, len(order))
        return sorted(out, key=lambda nb: order[nb.node_id])

    def _step(self, event: tuple[str, int, str | None], event_id: str, *, later: bool) -> Event | None:
        """The event after (or before) this one (``(session, seq, occurred_at)``) in its session's NEXT chain,
        by :func:`~graphmem.models.chain_key` (time, an event without one last, then seq, then id), read
        whole and kept. Each try is one seek on ``events_by_time`` (stored times are ISO text of naive UTC,
        which sorts as the times do); an undated event is reached after the dated ones, so a step across
        that border takes a second try."""
        session, seq, at = event
        dated, undated = (at, seq, event_id), (seq, event_id)
        tries: list[tuple[str, tuple[object, ...]]]
        if later:
            tries = [(_AFTER_DATED, dated), (_FIRST_UNDATED, ())] if at is not None else [(_AFTER_UNDATED, undated)]
        else:
            tries = [(_BEFORE_DATED, dated)] if at is not None else [(_BEFORE_UNDATED, undated), (_LAST_DATED, ())]
        for where, args in tries:
            sql = f"SELECT {_ROW_COLS} FROM events WHERE ns = ? AND session = ? AND {where} LIMIT 1"
            found = self._kept(self.conn.execute(sql, (self.namespace, session, *args)).fetchmany(1))
            if found:
                return found[0]
        return None

    def _next_session(self, session_id: str, *, later: bool) -> str | None:
        if self._session_order is None:
            rows = self.conn.execute("SELECT idx, id FROM sessions WHERE ns = ?", (self.namespace,))
            self._session_order = [sid for _, sid in sorted(rows, key=lambda r: session_order_key(*r))]
            self._session_pos = {sid: i for i, sid in enumerate(self._session_order)}
        pos = self._session_pos.get(session_id)
        if pos is None:
            return None
        other = pos + 1 if later else pos - 1
        return self._session_order[other] if 0 <= other < len(self._session_order) else None


def _mention(side: Direction, node_id: str, kind: NodeKind, role: str) -> Neighbor:
    etype = EdgeType.SPOKEN_BY if role == "speaker" else EdgeType.MENTIONS
    return Neighbor(etype, side, node_id, kind, role)


def _admits(time: TimeFilter | None, occurred: str | None) -> bool:
    """:func:`_admits_at` for a stored ``occurred_at`` text."""
    return time is None or occurred is None or _admits_at(time, dt_out(occurred))


def _admits_at(time: TimeFilter | None, when: datetime | None) -> bool:
    if time is None or when is None:
        return True
    if time.since is not None and when < time.since:
        return False
    return time.until is None or when <= time.until
