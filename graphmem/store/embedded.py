"""The embedded store: SQLite (WAL) as the durable record, networkx in memory for traversal.

A store is a directory holding ``graphmem.sqlite3`` (and, beside it, caches such as the vector index).
Every batch is one SQLite transaction; the in-memory graph is updated only after it commits, so a failed
batch leaves both untouched. One process should write to a store at a time.
"""

from __future__ import annotations

import functools
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from graphmem.errors import ReadOnlyStoreError, SchemaVersionError, StoreError
from graphmem.models import Batch, EdgeType, Entity, Event, Fact, NodeKind, Session, validate_namespace
from graphmem.store.base import DeleteResult, Direction, Neighbor, StoreStats, TextHit, TimeFilter
from graphmem.store.freshness import Freshness, install_generations
from graphmem.store.lock import DEFAULT_LOCK_TIMEOUT, WriteLock
from graphmem.store.mirror import MemoryGraph, normalise_name
from graphmem.store.retraction import Retraction, apply_retraction, entities_used_by, plan_retraction
from graphmem.store.sqlite_rows import (
    APP_ID,
    SCHEMA,
    SCHEMA_VERSION,
    dt_in,
    entity_from_row,
    event_from_row,
    fact_from_row,
    fts_ddl,
    fts_table,
    json_list,
    normalised_event,
    normalised_fact,
    normalised_session,
    session_from_row,
    times_in,
    vector_in,
    vector_out,
)
from graphmem.store.validate import validate_batch
from graphmem.store.versions import normalised_batch_times, version_batch

__all__ = ["DB_FILENAME", "EmbeddedStore"]

DB_FILENAME = "graphmem.sqlite3"
_WORD = re.compile(r"\w+", re.UNICODE)

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _exclusive(
    method: Callable[Concatenate[EmbeddedStore, _P], _R],
) -> Callable[Concatenate[EmbeddedStore, _P], _R]:
    """Run a writing method under the store's write lock, after catching up with other writers."""

    def run(self: EmbeddedStore, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        if self.read_only:
            raise ReadOnlyStoreError(f"the store at {self.directory} is open read-only; open it without read_only")
        with self.write_lock():
            self.refresh(keep=True)
            result = method(self, *args, **kwargs)
            self._fresh.saw_own_writes()
        return result

    functools.update_wrapper(run, method)
    return run


class EmbeddedStore:
    """A :class:`~graphmem.store.base.GraphStore` in a local directory; no server needed."""

    def __init__(
        self,
        directory: Path,
        conn: sqlite3.Connection,
        *,
        read_only: bool = False,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    ) -> None:
        """Use :meth:`EmbeddedStore.open`."""
        self.directory = directory
        self.uri = str(directory)
        self.read_only = read_only
        self._conn = conn
        self._lock = threading.RLock()
        self._mem = MemoryGraph()
        self._closed = False
        self._write_lock = None if read_only else WriteLock(directory, timeout=lock_timeout)
        self._unseen: set[str] = set()  # namespaces reloaded since the caller last asked (see refresh)
        with self._snapshot():
            self._load()
            self._fresh = Freshness(conn)

    # -- opening -------------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        create: bool = True,
        read_only: bool = False,
        lock_timeout: float | None = None,
    ) -> EmbeddedStore:
        """Open the store in directory ``path``, creating it when ``create`` is true.

        With ``read_only`` the database is opened with SQLite's ``mode=ro``: reads work on a store the
        user cannot write, and every write raises :class:`~graphmem.errors.ReadOnlyStoreError`. A
        writer waits up to ``lock_timeout`` seconds (default 30; ``Memory.open`` passes
        ``GRAPHMEM_LOCK_TIMEOUT``) for another to release the store's write lock.

        Raises:
            StoreError: the path is a file, cannot be created or written, or holds a database that is
                not a graphmem store (corrupt or foreign SQLite). The file is never modified then.
            SchemaVersionError: the store was written by a newer graphmem.
        """
        directory = Path(path)
        if directory.exists() and not directory.is_dir():
            raise StoreError(f"{directory} is a file, not a graphmem store directory")
        if read_only:
            from graphmem.store.readonly import connect_read_only

            conn = connect_read_only(directory / DB_FILENAME)
            return cls(directory, conn, read_only=True)
        if not directory.exists():
            if not create:
                raise StoreError(f"no graphmem store at {directory}")
            try:
                directory.mkdir(parents=True)
            except OSError as exc:
                raise StoreError(f"cannot create store directory {directory}: {exc.strerror}") from exc
        db_path = directory / DB_FILENAME
        if not os.access(directory, os.W_OK | os.X_OK):
            raise StoreError(f"store directory {directory} is not writable")
        if db_path.exists() and not os.access(db_path, os.R_OK | os.W_OK):
            raise StoreError(f"store file {db_path} is not readable and writable")
        try:
            conn = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {db_path}: {exc}") from exc
        try:
            _check_and_init(conn, db_path)
            install_generations(conn)
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(f"cannot initialise the store at {db_path}: {exc}") from exc
        except BaseException:
            conn.close()
            raise
        timeout = lock_timeout if lock_timeout is not None else DEFAULT_LOCK_TIMEOUT
        return cls(directory, conn, lock_timeout=timeout)

    def _load(self, namespace: str | None = None) -> None:
        """Load the mirror from the record: every namespace, or (re)load just ``namespace``."""
        c = self._conn
        mem = self._mem
        where, args = (" WHERE ns = ?", (namespace,)) if namespace is not None else ("", ())
        if namespace is not None:
            mem.drop_namespace(namespace)
        for row in c.execute(f"SELECT ns, id, idx, started_at, date_text FROM sessions{where}", args):
            mem.put_session(session_from_row(row))
        for row in c.execute(f"SELECT {_EVENT_COLS} FROM events{where}", args):
            mem.put_event(event_from_row(row))
        for row in c.execute(f"SELECT ns, id, name, type, aliases FROM entities{where}", args):
            mem.put_entity(entity_from_row(row))
        for ns, eid, entid, role in c.execute(f"SELECT ns, event_id, entity_id, role FROM mentions{where}", args):
            mem.put_mention(ns, eid, entid, role)
        evidence: dict[tuple[str, str], list[str]] = {}
        rows = c.execute(f"SELECT ns, fact_id, event_id FROM fact_evidence{where} ORDER BY ns, fact_id, pos", args)
        for ns, fid, eid in rows:
            evidence.setdefault((ns, fid), []).append(eid)
        for row in c.execute(f"SELECT {_FACT_COLS} FROM facts{where}", args):
            mem.put_fact(fact_from_row(row, evidence.get((row[0], row[1]), [])))
        for ns, ix in mem.spaces.items():
            if namespace is not None and ns != namespace:
                continue
            for sid in ix.sessions:
                mem.relink_session(ns, sid)
            mem.relink_sessions(ns)

    # -- other processes -----------------------------------------------------------------------------

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """A read transaction: every SELECT inside sees one committed state, whatever others commit meanwhile."""
        self._conn.execute("BEGIN")
        try:
            yield
        finally:
            self._conn.execute("COMMIT")

    def write_lock(self) -> AbstractContextManager[object]:
        """The store-wide write lock (re-entrant); a read-only store has none to take."""
        return self._write_lock if self._write_lock is not None else nullcontext()

    def refresh(self, *, keep: bool = False) -> frozenset[str]:
        """Catch up with what other processes committed: reload the namespaces they changed.

        Returns the namespaces reloaded since the previous call (so the caller can drop what it derived
        from them); with ``keep`` they are remembered for that next call instead.
        """
        with self._lock, self._snapshot():
            self._check_open()
            changed = self._fresh.changed()
            if changed is None:
                before = set(self._mem.spaces)
                self._mem = MemoryGraph()
                self._load()
                changed = before | set(self._mem.spaces)
            else:
                for ns in changed:
                    self._load(ns)
            self._unseen |= changed
            if keep:
                return frozenset()
            out, self._unseen = frozenset(self._unseen), set()
            return out

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"the store at {self.directory} is closed")

    def close(self) -> None:
        """Close the database. Safe to call twice."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()

    # -- writing -------------------------------------------------------------------------------------

    @_exclusive
    def write(self, batch: Batch) -> None:
        """Apply a batch in one transaction (retractions first); on any error nothing of it is stored."""
        ns = validate_namespace(batch.namespace)
        with self._lock:
            self._check_open()
            retraction = None
            if batch.retract:
                retraction = plan_retraction(self._mem, ns, batch.retract, keep=entities_used_by(batch))
            self._validate(batch, set(retraction.events) if retraction else set())
            batch = self._versioned(batch, retraction)
            c = self._conn
            try:
                c.execute("BEGIN IMMEDIATE")
                if retraction is not None:
                    self._delete_rows(ns, retraction)
                self._write_rows(batch)
                c.execute("COMMIT")
            except sqlite3.Error as exc:
                c.execute("ROLLBACK")
                raise StoreError(f"write to namespace {ns!r} failed, nothing was stored: {exc}") from exc
            except BaseException:
                c.execute("ROLLBACK")
                raise
            if retraction is not None:
                apply_retraction(self._mem, ns, retraction)
            self._apply(batch)

    def _versioned(self, batch: Batch, retraction: Retraction | None) -> Batch:
        """The batch with changed facts written as new versions (see :mod:`graphmem.store.versions`)."""
        if not batch.facts:
            return batch
        ix = self._mem.peek(batch.namespace)
        dropped = {f.id for f in retraction.dropped_facts} if retraction else set()
        rewritten = {f.id: f for f in retraction.shrunk_facts} if retraction else {}

        def current(fact_id: str) -> Fact | None:
            if fact_id in rewritten:
                return rewritten[fact_id]
            if ix is None or fact_id in dropped:
                return None
            return ix.facts.get(fact_id)

        normal = normalised_batch_times(batch)
        versioned = version_batch(normal, current)
        return batch if versioned.facts == normal.facts else replace(batch, facts=versioned.facts)

    def _validate(self, batch: Batch, retracted: set[str]) -> None:
        ix = self._mem.peek(batch.namespace)

        def kind_of(node_id: str) -> NodeKind | None:
            if ix is None or node_id in retracted:
                return None
            return ix.kind_of(node_id)

        validate_batch(batch, kind_of)

    def _write_rows(self, batch: Batch) -> None:
        c = self._conn
        ns = batch.namespace
        c.executemany(
            "INSERT INTO sessions VALUES (?, ?, ?, ?, ?) ON CONFLICT (ns, id) DO UPDATE SET "
            "idx = excluded.idx, started_at = excluded.started_at, date_text = excluded.date_text",
            [(ns, s.id, s.index, dt_in(s.started_at), s.date_text) for s in batch.sessions],
        )
        fts = fts_table(ns)
        if batch.events:
            c.execute(fts_ddl(ns))
        for e in batch.events:
            rowid = c.execute(
                "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ns, id) DO UPDATE SET "
                "session = excluded.session, seq = excluded.seq, speaker = excluded.speaker, "
                "text = excluded.text, occurred_at = excluded.occurred_at, source_id = excluded.source_id, "
                "source_file = excluded.source_file, source_line = excluded.source_line, "
                "kind = excluded.kind, times = excluded.times RETURNING rowid",
                (
                    ns,
                    e.id,
                    e.session,
                    e.seq,
                    e.speaker,
                    e.text,
                    dt_in(e.occurred_at),
                    e.source_id,
                    e.source_file,
                    e.source_line,
                    e.kind,
                    times_in(e.times),
                ),
            ).fetchone()[0]
            c.execute(f"DELETE FROM {fts} WHERE rowid = ?", (rowid,))
            c.execute(f"INSERT INTO {fts} (rowid, text) VALUES (?, ?)", (rowid, e.text))
        c.executemany(
            "INSERT INTO entities VALUES (?, ?, ?, ?, ?) ON CONFLICT (ns, id) DO UPDATE SET "
            "name = excluded.name, type = excluded.type, aliases = excluded.aliases",
            [(ns, e.id, e.name, e.type, json_list(e.aliases)) for e in batch.entities],
        )
        c.executemany(
            "INSERT OR IGNORE INTO mentions VALUES (?, ?, ?, ?)",
            [(ns, m.event_id, m.entity_id, m.role) for m in batch.mentions],
        )
        for f in batch.facts:
            self._put_fact_row(ns, f)
        model = batch.embedding_model or ""
        c.executemany(
            "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?, ?, ?)",
            [(ns, node_id, model, *reversed(vector_in(vec))) for node_id, vec in batch.embeddings],
        )
        c.executemany(
            "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?)",
            [(ns, s.key, s.content_hash, dt_in(s.ingested_at)) for s in batch.sources],
        )

    def _put_fact_row(self, ns: str, f: Fact) -> None:
        """Write one fact version (row and evidence) in full, inside the caller's transaction."""
        c = self._conn
        c.execute(
            "INSERT OR REPLACE INTO facts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                ns,
                f.id,
                f.subject_id,
                f.predicate,
                f.object_id,
                dt_in(f.recorded_at),
                dt_in(f.valid_from),
                dt_in(f.valid_to),
                dt_in(f.expired_at),
                f.time_phrase,
                float(f.confidence),
                json_list(f.revised_by),
            ),
        )
        c.execute("DELETE FROM fact_evidence WHERE ns = ? AND fact_id = ?", (ns, f.id))
        c.executemany(
            "INSERT INTO fact_evidence VALUES (?, ?, ?, ?)",
            [(ns, f.id, pos, eid) for pos, eid in enumerate(f.evidence)],
        )

    def _apply(self, batch: Batch) -> None:
        mem, ns = self._mem, batch.namespace
        for s in batch.sessions:
            mem.put_session(normalised_session(s))
        touched: set[str] = set()
        for e in batch.events:
            touched |= mem.put_event(normalised_event(e))
        for ent in batch.entities:
            mem.put_entity(ent)
        for m in batch.mentions:
            mem.put_mention(ns, m.event_id, m.entity_id, m.role)
        for f in batch.facts:
            mem.put_fact(normalised_fact(f))
        for sid in touched:
            mem.relink_session(ns, sid)
        if batch.sessions:
            mem.relink_sessions(ns)

    # -- reading -------------------------------------------------------------------------------------

    def _space(self, namespace: str) -> object:
        validate_namespace(namespace)
        self._check_open()
        return self._mem.peek(namespace)

    def get_session(self, namespace: str, session_id: str) -> Session | None:
        """Return the session with this id, or ``None``."""
        ix = self._mem.peek(namespace) if self._space(namespace) else None
        return ix.sessions.get(session_id) if ix else None

    def get_event(self, namespace: str, event_id: str) -> Event | None:
        """Return the event with this id, or ``None``."""
        ix = self._mem.peek(namespace) if self._space(namespace) else None
        return ix.events.get(event_id) if ix else None

    def get_events(self, namespace: str, event_ids: Sequence[str]) -> list[Event]:
        """Return the events that exist among ``event_ids``, in the order asked."""
        ix = self._mem.peek(namespace) if self._space(namespace) else None
        if ix is None:
            return []
        return [ix.events[i] for i in event_ids if i in ix.events]

    def get_entity(self, namespace: str, entity_id: str) -> Entity | None:
        """Return the entity with this id, or ``None``."""
        ix = self._mem.peek(namespace) if self._space(namespace) else None
        return ix.entities.get(entity_id) if ix else None

    def get_fact(self, namespace: str, fact_id: str) -> Fact | None:
        """Return the fact with this id, or ``None``."""
        ix = self._mem.peek(namespace) if self._space(namespace) else None
        return ix.facts.get(fact_id) if ix else None

    def find_entities(self, namespace: str, name: str, *, type: str | None = None, limit: int = 10) -> list[Entity]:
        """Entities whose name or an alias equals ``name``, ignoring case and surrounding space."""
        ix = self._mem.peek(namespace) if self._space(namespace) else None
        if ix is None:
            return []
        found = [ix.entities[i] for i in sorted(ix.names.get(normalise_name(name), ()))]
        if type is not None:
            found = [e for e in found if e.type == type]
        return found[:limit]

    def find_events_by_source(self, namespace: str, source_id: str) -> list[Event]:
        """Events whose ``source_id`` equals ``source_id``."""
        ix = self._mem.peek(namespace) if self._space(namespace) else None
        if ix is None:
            return []
        return [ix.events[i] for i in sorted(ix.by_source.get(source_id, ()))]

    def neighbors(
        self,
        namespace: str,
        node_id: str,
        *,
        edge_types: Iterable[EdgeType] | None = None,
        direction: Direction = Direction.BOTH,
        time: TimeFilter | None = None,
    ) -> list[Neighbor]:
        """Edges of ``node_id`` of the given types and direction whose far end passes ``time``."""
        if not self._space(namespace):
            return []
        return self._mem.neighbors(namespace, node_id, edge_types, Direction(direction), time)

    def neighbors_many(
        self,
        namespace: str,
        node_ids: Sequence[str],
        *,
        edge_types: Iterable[EdgeType] | None = None,
        direction: Direction = Direction.BOTH,
        time: TimeFilter | None = None,
    ) -> dict[str, list[Neighbor]]:
        """:meth:`neighbors` of every id (the :class:`~graphmem.store.base.FetchesFrontier` capability)."""
        if not self._space(namespace):
            return {node_id: [] for node_id in node_ids}
        types = list(edge_types) if edge_types is not None else None
        way = Direction(direction)
        return {node_id: self._mem.neighbors(namespace, node_id, types, way, time) for node_id in node_ids}

    def iter_sessions(self, namespace: str) -> Iterator[Session]:
        """Sessions of the namespace in index order."""
        ix = self._mem.peek(namespace) if self._space(namespace) else None
        if ix is not None:
            yield from ix.ordered_sessions()

    def iter_events(self, namespace: str, *, session: str | None = None) -> Iterator[Event]:
        """Events of the namespace (or one session) in session order, then seq."""
        ix = self._mem.peek(namespace) if self._space(namespace) else None
        if ix is None:
            return
        sessions = [session] if session is not None else [s.id for s in ix.ordered_sessions()]
        for sid in sessions:
            for eid in ix.ordered_events(sid):
                yield ix.events[eid]

    def iter_entities(self, namespace: str) -> Iterator[Entity]:
        """Entities of the namespace, by id."""
        ix = self._mem.peek(namespace) if self._space(namespace) else None
        if ix is not None:
            for eid in sorted(ix.entities):
                yield ix.entities[eid]

    def iter_facts(self, namespace: str, *, time: TimeFilter | None = None, history: bool = False) -> Iterator[Fact]:
        """Fact versions of the namespace that pass ``time`` (by default the current ones), by id."""
        ix = self._mem.peek(namespace) if self._space(namespace) else None
        if ix is None:
            return
        admit = time or TimeFilter()
        for fid in sorted(ix.facts):
            fact = ix.facts[fid]
            if history or admit.admits_fact(fact):
                yield fact

    def iter_mentions(self, namespace: str) -> Iterator[tuple[str, str, str]]:
        """``(event_id, entity_id, role)`` for every mention edge of the namespace."""
        self._space(namespace)
        with self._lock:
            rows = self._conn.execute(
                "SELECT event_id, entity_id, role FROM mentions WHERE ns = ? ORDER BY event_id, entity_id, role",
                (namespace,),
            ).fetchall()
        yield from rows

    def iter_embeddings(self, namespace: str) -> Iterator[tuple[str, list[float], str]]:
        """``(node_id, vector, model)`` for every stored embedding of the namespace."""
        self._space(namespace)
        with self._lock:
            rows = self._conn.execute(
                "SELECT node_id, vec, model FROM embeddings WHERE ns = ? ORDER BY node_id", (namespace,)
            ).fetchall()
        for node_id, blob, model in rows:
            yield node_id, vector_out(blob), model

    def search_text(self, namespace: str, query: str, *, limit: int = 20) -> list[TextHit]:
        """BM25 search over event text (SQLite FTS5); the query is tokenised, never parsed as FTS syntax."""
        if not self._space(namespace):
            return []
        words = _WORD.findall(query.casefold())
        if not words or limit <= 0:
            return []
        match = " OR ".join('"' + w.replace('"', '""') + '"' for w in dict.fromkeys(words))
        fts = fts_table(namespace)
        with self._lock:
            if not self._conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (fts,)).fetchone():
                return []  # the namespace holds no event yet
            rows = self._conn.execute(
                f"SELECT e.id, bm25({fts}) AS rank FROM {fts} JOIN events e ON e.rowid = {fts}.rowid "
                f"WHERE {fts} MATCH ? ORDER BY rank LIMIT ?",
                (match, limit),
            ).fetchall()
        return [TextHit(eid, -float(rank)) for eid, rank in rows]

    def has_source(self, namespace: str, key: str, content_hash: str) -> bool:
        """Whether an input with this key and content hash was already ingested."""
        self._space(namespace)
        with self._lock:
            row = self._conn.execute(
                "SELECT 1 FROM sources WHERE ns = ? AND key = ? AND content_hash = ?",
                (namespace, key, content_hash),
            ).fetchone()
        return row is not None

    def namespaces(self) -> list[str]:
        """Every namespace that holds data, sorted."""
        self._check_open()
        return sorted(ns for ns, ix in self._mem.spaces.items() if not ix.empty)

    # -- deleting ------------------------------------------------------------------------------------

    @_exclusive
    def delete_event(self, namespace: str, event_id: str) -> DeleteResult:
        """Delete an event, its mentions, the facts only it supported and entities left unused."""
        if not self._space(namespace):
            return DeleteResult()
        with self._lock:
            plan = plan_retraction(self._mem, namespace, [event_id], keep=set())
            if not plan.events:
                return DeleteResult()
            c = self._conn
            try:
                c.execute("BEGIN IMMEDIATE")
                self._delete_rows(namespace, plan)
                c.execute("COMMIT")
            except sqlite3.Error as exc:
                c.execute("ROLLBACK")
                raise StoreError(f"deleting event {event_id!r} failed, nothing was deleted: {exc}") from exc
            apply_retraction(self._mem, namespace, plan)
            return DeleteResult(
                events=len(plan.events),
                entities=len(plan.orphans),
                facts=len(plan.dropped_facts),
                mentions=plan.mentions,
            )

    def _delete_rows(self, namespace: str, plan: Retraction) -> None:
        """The SQL side of a retraction, inside the caller's transaction."""
        c = self._conn
        for eid in plan.events:
            c.execute(
                f"DELETE FROM {fts_table(namespace)} WHERE rowid = (SELECT rowid FROM events WHERE ns = ? AND id = ?)",
                (namespace, eid),
            )
            for table, column in _EVENT_ROWS:
                c.execute(f"DELETE FROM {table} WHERE ns = ? AND {column} = ?", (namespace, eid))
        for f in plan.dropped_facts:
            c.execute("DELETE FROM facts WHERE ns = ? AND id = ?", (namespace, f.id))
            c.execute("DELETE FROM fact_evidence WHERE ns = ? AND fact_id = ?", (namespace, f.id))
        for f in plan.shrunk_facts:
            self._put_fact_row(namespace, f)
        for ent in plan.orphans:
            c.execute("DELETE FROM entities WHERE ns = ? AND id = ?", (namespace, ent))
            c.execute("DELETE FROM embeddings WHERE ns = ? AND node_id = ?", (namespace, ent))

    def delete_namespace(self, namespace: str) -> DeleteResult:
        """Delete everything in a namespace."""
        return self._replace(namespace, None)

    def replace_namespace(self, batch: Batch) -> DeleteResult:
        """Make the batch's namespace hold exactly ``batch``, in one transaction; returns what was deleted."""
        return self._replace(validate_namespace(batch.namespace), batch)

    @_exclusive
    def _replace(self, namespace: str, batch: Batch | None) -> DeleteResult:
        ix = self._mem.peek(namespace) if self._space(namespace) else None
        with self._lock:
            if batch is not None:
                validate_batch(batch, lambda _id: None)
            if ix is None and batch is None:
                return DeleteResult()
            result = DeleteResult()
            if ix is not None:
                result = DeleteResult(
                    events=len(ix.events),
                    entities=len(ix.entities),
                    facts=len(ix.facts),
                    mentions=ix.mentions,
                    sessions=len(ix.sessions),
                )
            c = self._conn
            try:
                c.execute("BEGIN IMMEDIATE")
                c.execute(f"DROP TABLE IF EXISTS {fts_table(namespace)}")
                for table in _NS_TABLES:
                    c.execute(f"DELETE FROM {table} WHERE ns = ?", (namespace,))
                if batch is not None:
                    self._write_rows(batch)
                c.execute("COMMIT")
            except sqlite3.Error as exc:
                c.execute("ROLLBACK")
                raise StoreError(f"replacing namespace {namespace!r} failed, nothing was changed: {exc}") from exc
            except BaseException:
                c.execute("ROLLBACK")
                raise
            self._mem.drop_namespace(namespace)
            if batch is not None:
                self._apply(batch)
            return result

    # -- stats ---------------------------------------------------------------------------------------

    def stats(self, namespace: str | None = None) -> StoreStats:
        """Counts for one namespace or for the whole store."""
        self._check_open()
        if namespace is not None:
            validate_namespace(namespace)
        with self._lock:
            emb = dict(self._conn.execute("SELECT ns, count(*) FROM embeddings GROUP BY ns").fetchall())
        per: dict[str, dict[str, int]] = {}
        for ns, ix in self._mem.spaces.items():
            if ix.empty or (namespace is not None and ns != namespace):
                continue
            per[ns] = {
                "sessions": len(ix.sessions),
                "events": len(ix.events),
                "entities": len(ix.entities),
                "mentions": ix.mentions,
                "facts": len(ix.facts),
                "embeddings": int(emb.get(ns, 0)),
            }

        return StoreStats.from_counts(namespace, per)


_EVENT_COLS = "ns, id, session, seq, speaker, text, occurred_at, source_id, source_file, source_line, kind, times"
_FACT_COLS = (
    "ns, id, subject_id, predicate, object_id, recorded_at, valid_from, valid_to, expired_at, time_phrase, confidence, "
    "revised_by"
)
_NS_TABLES = ("events", "sessions", "entities", "mentions", "facts", "fact_evidence", "embeddings", "sources")
_EVENT_ROWS = (("events", "id"), ("mentions", "event_id"), ("embeddings", "node_id"), ("fact_evidence", "event_id"))


def _check_and_init(conn: sqlite3.Connection, db_path: Path) -> None:
    """Refuse foreign, corrupt or newer stores without modifying them; initialise new ones."""
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{db_path} is not a graphmem store (corrupt, or not an SQLite database): {exc}") from exc
    if tables:
        if "meta" not in tables:
            raise StoreError(f"{db_path} is an SQLite database of another program, not a graphmem store")
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{db_path} is not a graphmem store: {exc}") from exc
        if meta.get("app") != APP_ID:
            raise StoreError(f"{db_path} is an SQLite database of another program, not a graphmem store")
        if version < SCHEMA_VERSION:
            _migrate(conn, version, db_path)
        elif version > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"{db_path} was written by a newer graphmem (schema {version}; this version reads up to "
                f"{SCHEMA_VERSION}); upgrade graphmem to open it"
            )
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = OFF")
        if not tables:
            conn.executescript("BEGIN IMMEDIATE;" + SCHEMA + "COMMIT;")
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('app', ?)", (APP_ID,))
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except sqlite3.Error as exc:
        raise StoreError(f"cannot initialise the store at {db_path}: {exc}") from exc


def _migrate(conn: sqlite3.Connection, version: int, db_path: Path) -> None:
    """Bring an older store up to :data:`SCHEMA_VERSION` in one transaction."""
    try:
        conn.execute("BEGIN IMMEDIATE")
        if version < 2:  # one shared full-text table → one per namespace
            for (ns,) in conn.execute("SELECT DISTINCT ns FROM events").fetchall():
                conn.execute(fts_ddl(ns))
                conn.execute(
                    f"INSERT INTO {fts_table(ns)} (rowid, text) SELECT rowid, text FROM events WHERE ns = ?", (ns,)
                )
            conn.execute("DROP TABLE IF EXISTS events_fts")
        if version < 3:  # fact versions name the statements that made them
            conn.execute("ALTER TABLE facts ADD COLUMN revised_by TEXT NOT NULL DEFAULT '[]'")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        conn.execute("ROLLBACK")
        raise StoreError(f"cannot upgrade {db_path} from schema {version} to {SCHEMA_VERSION}: {exc}") from exc
