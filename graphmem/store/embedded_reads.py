"""The reads of the embedded store (:class:`~graphmem.store.embedded.EmbeddedStore`): every
:class:`~graphmem.store.base.GraphStore` read, answered from a loaded namespace's in-memory mirror, or from
SQLite for a namespace served from disk (:mod:`graphmem.store.sqlite_graph`), with the same results.

:class:`EmbeddedReads` holds them and the helpers they share (finding a namespace's mirror or its disk
reads, read transactions); the store adds opening, catching up with other processes, writing and deleting.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from graphmem.models import EdgeType, Entity, Event, Fact, Session, SourceRecord, validate_namespace
from graphmem.store import sqlite_reads
from graphmem.store.base import Direction, Neighbor, TimeFilter
from graphmem.store.mirror import MemoryGraph, NamespaceIndex
from graphmem.store.namespace_loading import NamespaceLoader
from graphmem.store.open_check import OpenCheck
from graphmem.store.results import TextHit
from graphmem.store.sqlite_graph import DiskNamespace
from graphmem.store.sqlite_rows import dt_out, end_read, fts_table, normalise_dt, vector_out
from graphmem.store.sqlite_text import best_events, query_words
from graphmem.store.versions import logical_id
from graphmem.text import normalise_name

__all__ = ["EmbeddedReads"]


class EmbeddedReads(OpenCheck):
    """The read methods of :class:`~graphmem.store.embedded.EmbeddedStore`, which sets these attributes."""

    directory: Path
    _conn: sqlite3.Connection
    _lock: threading.RLock
    _ns: NamespaceLoader

    # -- loading namespaces (see :mod:`graphmem.store.namespace_loading`) ---------------------------

    def _ix(self, namespace: str) -> NamespaceIndex | None:
        """The mirror of ``namespace`` (loading it on first use), or ``None`` when it holds nothing."""
        validate_namespace(namespace)
        with self._lock:
            self._check_open()
            return self._ns.index(namespace)

    def _on_disk(self, namespace: str, *, admit: bool = True) -> DiskNamespace | None:
        """The SQLite reads of ``namespace`` when it is served from disk, else ``None`` (use the mirror).

        ``admit`` false (writes) loads any namespace small enough, whether the budget is full or not.
        """
        validate_namespace(namespace)
        with self._lock:
            self._check_open()
            return self._ns.on_disk(namespace, admit=admit)

    @property
    def _mem(self) -> MemoryGraph:
        return self._ns.mirror

    # -- read transactions -------------------------------------------------------------------------

    @contextmanager
    def _read(self) -> Iterator[None]:
        """A read transaction unless this thread has one open: several SELECTs see one committed state.

        It holds the store's lock: the connection is shared by every thread, and a transaction one thread
        opened would otherwise be seen (and ended) by another.
        """
        with self._lock:
            if self._conn.in_transaction:
                yield
                return
            with self._snapshot():
                yield

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """A read transaction: every SELECT inside sees one committed state, whatever others commit meanwhile.

        Holds the store's lock for as long as the transaction is open (see :meth:`_read`).
        """
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                yield
            except BaseException:
                end_read(self._conn)  # a COMMIT raising here would hide the error that matters
                raise
            self._conn.execute("COMMIT")

    # -- reading -------------------------------------------------------------------------------------

    def get_session(self, namespace: str, session_id: str) -> Session | None:
        """Return the session with this id, or ``None``."""
        if disk := self._on_disk(namespace):
            with self._lock:
                return disk.get_session(session_id)
        with self._lock:
            ix = self._ix(namespace)
            return ix.sessions.get(session_id) if ix else None

    def get_event(self, namespace: str, event_id: str) -> Event | None:
        """Return the event with this id, or ``None``."""
        if disk := self._on_disk(namespace):
            with self._lock:
                found = disk.get_events([event_id])
            return found[0] if found else None
        with self._lock:
            ix = self._ix(namespace)
            return ix.events.get(event_id) if ix else None

    def get_events(self, namespace: str, event_ids: Sequence[str]) -> list[Event]:
        """Return the events that exist among ``event_ids``, in the order asked."""
        if disk := self._on_disk(namespace):
            with self._lock:
                return disk.get_events(event_ids)
        with self._lock:
            ix = self._ix(namespace)
            return [ix.events[i] for i in event_ids if i in ix.events] if ix else []

    def get_entity(self, namespace: str, entity_id: str) -> Entity | None:
        """Return the entity with this id, or ``None``."""
        if disk := self._on_disk(namespace):
            with self._lock:
                return disk.get_entity(entity_id)
        with self._lock:
            ix = self._ix(namespace)
            return ix.entities.get(entity_id) if ix else None

    def get_fact(self, namespace: str, fact_id: str) -> Fact | None:
        """Return the fact with this id, or ``None``."""
        if disk := self._on_disk(namespace):
            with self._lock:
                return disk.get_fact(fact_id)
        with self._lock:
            ix = self._ix(namespace)
            return ix.facts.get(fact_id) if ix else None

    def find_entities(self, namespace: str, name: str, *, type: str | None = None, limit: int = 10) -> list[Entity]:
        """Entities whose name or an alias equals ``name``, ignoring case and surrounding space."""
        if disk := self._on_disk(namespace):
            with self._lock:
                found = disk.find_entities(name)
        else:
            with self._lock:
                ix = self._ix(namespace)
                if ix is None:
                    return []
                found = [ix.entities[i] for i in sorted(ix.names.get(normalise_name(name), ()))]
        if type is not None:
            found = [e for e in found if e.type == type]
        return found[:limit]

    def find_events_by_source(self, namespace: str, source_id: str) -> list[Event]:
        """Events whose ``source_id`` equals ``source_id``."""
        if disk := self._on_disk(namespace):
            with self._lock:
                return disk.find_events_by_source(source_id)
        with self._lock:
            ix = self._ix(namespace)
            return [ix.events[i] for i in sorted(ix.by_source.get(source_id, ()))] if ix else []

    def events_at(self, namespace: str, sessions: Collection[str], when: datetime) -> list[Event]:
        """The events of ``sessions`` whose ``occurred_at`` is ``when`` (naive UTC), by id, through the
        mirror's index by time (:class:`~graphmem.store.base.FindsEventsAt`)."""
        if disk := self._on_disk(namespace):
            with self._lock:
                return disk.events_at(sessions, when)
        with self._lock:
            ix = self._ix(namespace)
            if ix is None:
                return []
            wanted = set(sessions)
            at = normalise_dt(when)  # an aware time as the disk path reads it: naive UTC
            assert at is not None
            found = [e for e in map(ix.events.__getitem__, ix.at(at)) if e.session in wanted]
        return sorted(found, key=lambda e: e.id)

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
        if disk := self._on_disk(namespace):
            wanted = None if edge_types is None else frozenset(EdgeType(t) for t in edge_types)
            with self._lock, self._read():
                return disk.neighbors(node_id, wanted, Direction(direction), time)
        with self._lock:
            if self._ix(namespace) is None:
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
        if disk := self._on_disk(namespace):
            wanted = None if edge_types is None else frozenset(EdgeType(t) for t in edge_types)
            with self._lock, self._read():
                return disk.neighbors_many(node_ids, wanted, Direction(direction), time)
        types = list(edge_types) if edge_types is not None else None
        way = Direction(direction)
        with self._lock:
            if self._ix(namespace) is None:
                return {node_id: [] for node_id in node_ids}
            return {node_id: self._mem.neighbors(namespace, node_id, types, way, time) for node_id in node_ids}

    def iter_sessions(self, namespace: str) -> Iterator[Session]:
        """Sessions of the namespace in index order."""
        if disk := self._on_disk(namespace):
            with self._lock:
                rows = disk.sessions()  # a list: no lock is held while the caller works
            yield from rows
            return
        with self._lock:
            ix = self._ix(namespace)
            found = ix.ordered_sessions() if ix is not None else []
        yield from found

    def iter_events(self, namespace: str, *, session: str | None = None) -> Iterator[Event]:
        """Events of the namespace (or one session) in session order, then seq."""
        if disk := self._on_disk(namespace):
            with self._lock:
                found = disk.events(session)
            yield from found
            return
        with self._lock:
            ix = self._ix(namespace)
            if ix is None:
                return
            sessions = [session] if session is not None else [s.id for s in ix.ordered_sessions()]
            found = [ix.events[eid] for sid in sessions for eid in ix.ordered_events(sid)]
        yield from found

    def iter_entities(self, namespace: str) -> Iterator[Entity]:
        """Entities of the namespace, by id."""
        if disk := self._on_disk(namespace):
            with self._lock:
                found = disk.entities()
            yield from found
            return
        with self._lock:
            ix = self._ix(namespace)
            found = [ix.entities[eid] for eid in sorted(ix.entities)] if ix is not None else []
        yield from found

    def iter_facts(self, namespace: str, *, time: TimeFilter | None = None, history: bool = False) -> Iterator[Fact]:
        """Fact versions of the namespace that pass ``time`` (by default the current ones), by id."""
        if disk := self._on_disk(namespace):
            with self._lock, self._read():
                facts = list(disk.facts(time, history))
            yield from facts
            return
        admit = time or TimeFilter()
        with self._lock:
            ix = self._ix(namespace)
            if ix is None:
                return
            found = [ix.facts[fid] for fid in sorted(ix.facts)]
        yield from (fact for fact in found if history or admit.admits_fact(fact))

    def fact_groups_of_events(self, namespace: str, event_ids: Collection[str]) -> set[tuple[str, str]]:
        """``(subject_id, predicate)`` of every fact version whose evidence or ``revised_by`` names one of
        ``event_ids`` (the ``FindsFactsOfEvents`` capability)."""
        ids = set(event_ids)
        if disk := self._on_disk(namespace):
            with self._lock, self._read():
                return disk.fact_groups_of_events(ids)
        with self._lock:
            ix = self._ix(namespace)
            if ix is None:
                return set()
            found = [ix.facts[fid] for fid in _naming(ix, ids)]
        return {(f.subject_id, f.predicate) for f in found}

    def fact_chains_of_events(self, namespace: str, event_ids: Collection[str]) -> list[Fact]:
        """Every version, by id, of each fact one version of which names one of ``event_ids`` in its
        evidence or ``revised_by`` (the ``FindsFactsOfEvents`` capability)."""
        ids = set(event_ids)
        if not ids:
            return []
        if disk := self._on_disk(namespace):
            with self._lock, self._read():
                return disk.fact_chains_of_events(ids)
        with self._lock:
            ix = self._ix(namespace)
            if ix is None:
                return []
            chains = {logical_id(fid) for fid in _naming(ix, ids)}
            return [ix.facts[fid] for fid in sorted(ix.facts) if logical_id(fid) in chains]

    def last_positions(self, namespace: str) -> dict[str, int]:
        """Session id → the highest position ever given in it (:class:`~graphmem.store.base.KeepsPositions`)."""
        self._checked(namespace)
        with self._read():
            rows = self._conn.execute("SELECT session, high FROM positions WHERE ns = ?", (namespace,)).fetchall()
        return {sid: int(high) for sid, high in rows}

    def forgotten_live(self, namespace: str) -> dict[str, frozenset[int]]:
        """Session id → the positions of its forgotten live messages (:class:`~graphmem.store.base.KeepsPositions`)."""
        self._checked(namespace)
        with self._read():
            try:
                rows = self._conn.execute(
                    "SELECT session, seq FROM forgotten_live WHERE ns = ?", (namespace,)
                ).fetchall()
            except sqlite3.OperationalError:
                if self._conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'forgotten_live'").fetchone():
                    raise
                rows = []  # a store written before the table, opened read-only: none recorded
        out: dict[str, set[int]] = {}
        for sid, seq in rows:
            out.setdefault(sid, set()).add(int(seq))
        return {sid: frozenset(seqs) for sid, seqs in out.items()}

    def speakers(self, namespace: str) -> list[str]:
        """Every distinct speaker of the namespace's events, sorted (the ``ListsSpeakers`` capability)."""
        if disk := self._on_disk(namespace):
            with self._lock:
                return disk.speakers()
        with self._lock:
            ix = self._ix(namespace)
            return sorted({e.speaker for e in ix.events.values() if e.speaker}) if ix else []

    def iter_mentions(self, namespace: str) -> Iterator[tuple[str, str, str]]:
        """``(event_id, entity_id, role)`` for every mention edge of the namespace."""
        self._checked(namespace)
        with self._lock:
            rows = sqlite_reads.mentions_of(self._conn, namespace)
        yield from rows

    def iter_embeddings(self, namespace: str) -> Iterator[tuple[str, list[float], str]]:
        """``(node_id, vector, model)`` for every stored embedding of the namespace."""
        self._checked(namespace)
        with self._lock:
            rows = sqlite_reads.embeddings_after(self._conn, namespace, "", None)
        for node_id, blob, model in rows:
            yield node_id, vector_out(blob), model

    def iter_embedding_blobs(self, namespace: str) -> Iterator[tuple[str, bytes, str]]:
        """``(node_id, float32 bytes, model)`` per stored embedding (the ``ReadsVectorBlobs`` capability)."""
        self._checked(namespace)
        after = ""
        while True:  # in pages by key: no lock or cursor is held while the caller works
            with self._lock:
                rows = sqlite_reads.embeddings_after(self._conn, namespace, after, 10_000)
            yield from rows
            if len(rows) < 10_000:
                return
            after = rows[-1][0]

    def embedding_blobs_of(self, namespace: str, ids: Collection[str]) -> list[tuple[str, bytes, str]]:
        """``(node_id, float32 bytes, model)`` of the stored embeddings of ``ids`` (ids without one left out)."""
        self._checked(namespace)
        with self._lock, self._read():
            return sqlite_reads.embeddings_of(self._conn, namespace, ids)

    def embedding_origins(self, namespace: str) -> dict[tuple[str, str], int]:
        """How many event embeddings of the namespace each ``(model, scheme)`` made (``""``: unknown scheme)."""
        self._checked(namespace)
        with self._lock, self._read():
            return sqlite_reads.embedding_origins(self._conn, namespace)

    def embedding_dimensions(self, namespace: str) -> dict[tuple[str, str, int], int]:
        """How many event embeddings of the namespace each ``(model, scheme, dimension)`` has."""
        self._checked(namespace)
        with self._lock, self._read():
            return sqlite_reads.embedding_dimensions(self._conn, namespace)

    def event_embedding_origins(
        self, namespace: str, *, after: str = "", limit: int = 1000
    ) -> list[tuple[str, str, str]]:
        """``(event_id, model, scheme)`` of the first ``limit`` embedded events with ids after ``after``, by id."""
        self._checked(namespace)
        with self._lock:
            return sqlite_reads.event_embedding_origins(self._conn, namespace, after, limit)

    def search_text(self, namespace: str, query: str, *, limit: int = 20) -> list[TextHit]:
        """BM25 search over event text (SQLite FTS5); the query is tokenised, never parsed as FTS syntax.

        Ranked inside FTS5 with exact pruning of frequent words (:mod:`graphmem.store.sqlite_text`);
        ties are broken by insertion order.
        """
        self._checked(namespace)
        words = query_words(query)
        if not words or limit <= 0:
            return []
        with self._lock, self._read():
            version = int(self._conn.execute("PRAGMA data_version").fetchone()[0])
            stats = self._ns.text_stats(namespace, version)
            view = self._ns.view_now(namespace, version)
            ids_of = None
            if view is not None:  # served from SQLite: keep the rows read, recall asks for these events next

                def ids_of(rowids: Sequence[int]) -> dict[int, str]:
                    return {rowid: event.id for rowid, event in view.events_by_rowid(rowids).items()}

            found = best_events(self._conn, fts_table(namespace), words, limit, stats, ids_of=ids_of)
        return [TextHit(event_id, score) for event_id, score in found]

    def has_source(self, namespace: str, key: str, content_hash: str) -> bool:
        """Whether an input with this key and content hash was already ingested."""
        self._checked(namespace)
        with self._lock:
            row = self._conn.execute(
                "SELECT 1 FROM sources WHERE ns = ? AND key = ? AND content_hash = ?",
                (namespace, key, content_hash),
            ).fetchone()
        return row is not None

    def source_records(self, namespace: str, prefix: str) -> list[SourceRecord]:
        """The source records of the namespace whose key starts with ``prefix``, sorted by key."""
        self._checked(namespace)
        with self._lock:
            rows = self._conn.execute(
                "SELECT key, content_hash, ingested_at FROM sources"
                " WHERE ns = ? AND key >= ? AND substr(key, 1, ?) = ? ORDER BY key",  # the key bound uses the index
                (namespace, prefix, len(prefix), prefix),
            ).fetchall()
        return [SourceRecord(namespace, key, digest, dt_out(at) or datetime.min) for key, digest, at in rows]

    def namespaces(self) -> list[str]:
        """Every namespace that holds data, sorted."""
        with self._lock:
            self._check_open()
            return sqlite_reads.namespaces_with_data(self._conn)


def _naming(ix: NamespaceIndex, ids: set[str]) -> set[str]:
    """The ids of the fact versions in ``ix`` whose evidence or ``revised_by`` names one of ``ids``."""
    hit = {fid for eid in ids for fid in ix.evidence.get(eid, ()) if fid in ix.facts}
    hit |= {fid for fid, f in ix.facts.items() if f.revised_by and not ids.isdisjoint(f.revised_by)}
    return hit
