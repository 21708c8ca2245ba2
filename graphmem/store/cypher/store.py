"""The Cypher store: the :class:`~graphmem.store.base.GraphStore` contract once for every Cypher server.

A :class:`CypherStore` runs its Cypher through a :class:`~graphmem.store.cypher.session.CypherSession`
(the I/O: the ``neo4j`` driver for Bolt servers, see :mod:`graphmem.store.neo4j`) and takes what differs
between servers from a :class:`~graphmem.store.cypher.dialect.CypherDialect` value chosen once when it
connects. The graph has the shape described in :mod:`graphmem.store.cypher.schema`, so people can
explore it in Neo4j Browser and other clients can read it. Batches are written by one managed
transaction (:mod:`graphmem.store.cypher.write`): all of a batch, or none of it; a write is visible to
the next read. Each write transaction also bumps the namespace's change counter, so a client that keeps
caches of the namespace notices other processes' writes (:mod:`graphmem.store.cypher.changes`).

Where the dialect has no full-text index (ArcadeDB), :meth:`CypherStore.search_text` scores candidates
found by ``CONTAINS`` with BM25 on the client (:mod:`graphmem.store.cypher.text_search`). Where it has a
vector index (Neo4j 5.13+), :meth:`CypherStore.search_vectors` finds the nearest events in the server;
elsewhere it answers ``None`` and recall searches its local copy of the embeddings.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any, TypeVar

from graphmem.errors import ConfigError, StoreError, WriteConflictError
from graphmem.models import Batch, EdgeType, Entity, Event, Fact, Session, session_order_key, validate_namespace
from graphmem.store.base import Direction, Neighbor, TimeFilter
from graphmem.store.cypher import chain_reads, changes, line, setup, write
from graphmem.store.cypher.bookkeeping import CypherBookkeeping
from graphmem.store.cypher.copy import LocalCopies
from graphmem.store.cypher.dialect import CypherDialect
from graphmem.store.cypher.neighbors import (
    NEIGHBORS,
    NEIGHBORS_MANY,
    NEIGHBORS_MANY_EVENTS,
    neighbors_from_rows,
)
from graphmem.store.cypher.schema import (
    CJK_FULLTEXT_INDEX,
    ENTITY_KEYS,
    EVENT_KEYS,
    FULLTEXT_INDEX,
    VECTOR_INDEX,
    dt_in,
    entity_from_props,
    event_from_props,
    fact_from_props,
    name_key,
    projection,
    session_from_props,
)
from graphmem.store.cypher.scope import SeenEvents
from graphmem.store.cypher.searches import CypherSearches
from graphmem.store.cypher.session import CypherSession, CypherTx, Row
from graphmem.store.cypher.stats import EVENT_COUNT, count_stats
from graphmem.store.cypher.watching import CypherWatching
from graphmem.store.cypher.writers import Writers
from graphmem.store.lock import DEFAULT_LOCK_TIMEOUT
from graphmem.store.results import DeleteResult, StoreIdentity, StoreStats
from graphmem.text import legacy_name_key

__all__ = ["CypherStore"]

T = TypeVar("T")

# What reads return of a node: every model property, never the embedding (hundreds of floats).
_SESSION_MAP = "n {.namespace, .id, .index, .started_at, .date_text}"
_EVENT_MAP = projection("n", EVENT_KEYS)
_ENTITY_MAP = projection("n", ENTITY_KEYS)
# The entities of some name keys: one pass over the namespace's entities (list members have no index).
_NAMED = (
    "MATCH (n:Entity {namespace: $ns}) WHERE any(k IN n.name_keys WHERE k IN $keys) RETURN " + _ENTITY_MAP + " AS p"
)

# The events of some sessions said at one instant, through the (namespace, occurred_at) index of the schema.
_EVENTS_AT = (
    "MATCH (n:Event {namespace: $ns, occurred_at: $at}) WHERE n.session IN $sessions RETURN " + _EVENT_MAP + " AS p"
)


class CypherStore(CypherSearches, CypherBookkeeping, CypherWatching):
    """A :class:`~graphmem.store.base.GraphStore` in a database of a Cypher server.

    Open one with :func:`graphmem.store.open_store` or ``Memory.open("neo4j://host:7687", auth=...,
    database=...)``; :meth:`CypherStore.open` wraps a session that is already connected.

    Attributes:
        uri: the session's ``<server uri>/<database>``, for messages and as the key of client-side caches.
        dialect: what this server's Cypher differs in.
        server: what the server calls itself (its Bolt agent string, e.g. ``Neo4j/5.20.0``).
        fulltext: whether the database has the full-text index on event text.
        cjk_fulltext: whether it has the CJK full-text index too (the bigrams of unspaced scripts).
        vector_index: whether the database has the vector index on event embeddings.
    """

    def __init__(
        self,
        session: CypherSession,
        dialect: CypherDialect,
        *,
        server: str = "",
        copy_max_events: int = 5000,
        place: str = "",
        database: str | None = None,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    ) -> None:
        """Wrap a session without touching the schema. Use :meth:`CypherStore.open`.

        ``copy_max_events``: namespaces of at most this many events are copied to the client while
        their change counter holds (see :mod:`graphmem.store.cypher.copy`); 0 = never. ``place`` and
        ``database``: where the server says the data is (see :class:`~graphmem.store.base.StoreIdentity`;
        without a place, the URI stands for it). ``lock_timeout``: seconds a writing thread waits for
        another's write lock (:class:`~graphmem.store.cypher.writers.Writers`).
        """
        self._session = session
        self._place = place or f"uri:{session.uri}"
        self._database = database
        self.dialect = dialect
        self.server = server
        self.uri = session.uri
        self.fulltext = False
        self.cjk_fulltext = False
        self.vector_index = False
        self._closed = False
        self._seen = SeenEvents()
        self._counters = changes.ChangeCounters()
        self._copies = LocalCopies(max_events=copy_max_events)
        self._writers = Writers(session.uri, timeout=lock_timeout)

    @classmethod
    def open(
        cls,
        session: CypherSession,
        dialect: CypherDialect,
        *,
        server: str = "",
        create: bool = True,
        read_only: bool = False,
        place: str = "",
        database: str | None = None,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    ) -> CypherStore:
        """A store over a connected session: the schema is checked, created or migrated first (with
        ``create`` false, a database holding no graphmem schema is refused instead; with ``read_only``,
        an older schema too: :func:`~graphmem.store.cypher.setup.ensure_schema` writes nothing).

        Raises:
            SchemaVersionError: the database was written by a newer graphmem.
            StoreError: the schema cannot be read or created, or it is missing and ``create`` is false.
        """
        store = cls(session, dialect, server=server, place=place, database=database, lock_timeout=lock_timeout)
        indexes = setup.ensure_schema(session, dialect, create=create, upgrade=not read_only)
        store.fulltext = FULLTEXT_INDEX in indexes
        store.cjk_fulltext = CJK_FULLTEXT_INDEX in indexes
        store.vector_index = VECTOR_INDEX in indexes and dialect.vector_search is not None
        return store

    def identity(self) -> StoreIdentity:
        """The server's address and the database it resolved (as :func:`~graphmem.store.neo4j.connect`
        found them), and the store id, read now."""
        self._check_open()
        return StoreIdentity(self._place, self._database, setup.read_store_id(self._session))

    def create_schema(self) -> None:
        """Run every schema statement of the dialect again (idempotent) and record the schema version."""
        self._check_open()
        setup.create_schema(self._session, self.dialect)

    @contextmanager
    def reading(self) -> Iterator[None]:
        """A scope whose reads (on this thread) share one connection: one round trip per statement (the
        :class:`~graphmem.store.base.ScopesReads` capability; a recall runs in one).

        Events that statements of the scope brought along (full-text candidates, the far ends of a
        hop's edges) answer :meth:`get_events` until the scope ends (see
        :mod:`graphmem.store.cypher.scope`); nothing is kept after it.
        """
        self._check_open()
        with self._session.reading(), self._seen.scope(), self._copies.scope():
            yield

    def _write(self, ns: str, action: str, work: Callable[[CypherTx], T]) -> T:
        """Run ``work`` in one write transaction that first bumps the change counter of ``ns`` (refused when
        another writer wrote ``ns`` inside this thread's :meth:`guarded` block)."""
        self._check_open()

        def counted(tx: CypherTx) -> tuple[int, T]:
            start = changes.new_start()
            after = changes.bump(tx, ns, start=start)
            self._writers.check(ns, after, start)
            return after, work(tx)

        try:
            after, result = self._session.write(counted, action=action)  # the session says whether anything was
        except WriteConflictError as exc:
            if exc.namespace is not None:
                raise
            raise WriteConflictError(f"{exc} (namespace {ns!r})", namespace=ns) from exc
        self._writers.wrote(ns, after)
        self._counters.wrote(ns, after)
        return result

    def write_lock(self) -> AbstractContextManager[None]:
        """The re-entrant lock of this store's writing threads (:class:`~graphmem.store.base.WriteLocking`;
        other processes are checked by :meth:`guarded`: :mod:`graphmem.store.cypher.writers`)."""
        return self._writers.lock()

    def guarded(self, namespace: str) -> AbstractContextManager[None]:
        """A block whose writes to ``namespace`` (on this thread) commit only while no other writer has written
        it since the block began; otherwise :class:`~graphmem.errors.WriteConflictError` (the
        :class:`~graphmem.store.base.GuardsWrites` capability, :mod:`graphmem.store.cypher.writers`)."""
        ns = self._checked(namespace)
        stall = self._writers.timeout
        return self._writers.guarded(
            ns, lambda: self._counter(ns), lambda: line.in_line(self._session, ns, self._read, stall=stall)
        )

    def close(self) -> None:
        """Close the session. Safe to call twice."""
        if not self._closed:
            self._closed = True
            self._session.close()

    def __repr__(self) -> str:
        return f"<CypherStore {self.dialect.name} {self.uri}{' closed' if self._closed else ''}>"

    # -- writing ---------------------------------------------------------------------------------------

    def write(self, batch: Batch) -> None:
        """Apply a batch in one managed transaction (retried on transient faults); all or nothing."""
        ns = validate_namespace(batch.namespace)
        self._write(ns, f"writing a batch to namespace {ns!r}", lambda tx: write.write_batch(tx, batch))

    # -- reading ---------------------------------------------------------------------------------------

    def get_session(self, namespace: str, session_id: str) -> Session | None:
        """Return the session with this id, or ``None``."""
        ns = self._checked(namespace)
        rows = self._read(
            "MATCH (n:Session {namespace: $ns, id: $id}) RETURN " + _SESSION_MAP + " AS p", ns=ns, id=session_id
        )
        return session_from_props(rows[0]["p"]) if rows else None

    def get_event(self, namespace: str, event_id: str) -> Event | None:
        """Return the event with this id, or ``None``."""
        found = self.get_events(namespace, [event_id])
        return found[0] if found else None

    def get_events(self, namespace: str, event_ids: Sequence[str]) -> list[Event]:
        """Return the events that exist among ``event_ids``, in the order asked."""
        ns = self._checked(namespace)
        copy = self._copy(ns)
        if copy is not None:
            return [copy.events[i] for i in event_ids if isinstance(i, str) and i in copy.events]
        by_id: dict[str, Event] = {}
        for i in event_ids:
            seen = self._seen.get(ns, i) if isinstance(i, str) else None
            if seen is not None:
                by_id[i] = seen
        rest = [i for i in event_ids if i not in by_id]
        by_id.update((p["id"], event_from_props(p)) for p in self._nodes_by_id("Event", _EVENT_MAP, ns, rest))
        return [by_id[i] for i in event_ids if i in by_id]

    def get_entity(self, namespace: str, entity_id: str) -> Entity | None:
        """Return the entity with this id, or ``None``."""
        ns = self._checked(namespace)
        copy = self._copy(ns)
        if copy is not None:
            return copy.entities.get(entity_id) if isinstance(entity_id, str) else None
        rows = self._read(
            "MATCH (n:Entity {namespace: $ns, id: $id}) RETURN " + _ENTITY_MAP + " AS p", ns=ns, id=entity_id
        )
        return entity_from_props(rows[0]["p"]) if rows else None

    def get_entities(self, namespace: str, entity_ids: Sequence[str]) -> list[Entity]:
        """The entities that exist among ``entity_ids``, in the order asked, in one query (the
        :class:`~graphmem.store.base.FetchesEntities` capability)."""
        copy = self._copy(self._checked(namespace))
        if copy is not None:
            return [copy.entities[i] for i in dict.fromkeys(entity_ids) if isinstance(i, str) and i in copy.entities]
        by_id = {p["id"]: entity_from_props(p) for p in self._nodes_by_id("Entity", _ENTITY_MAP, namespace, entity_ids)}
        return [by_id[i] for i in dict.fromkeys(entity_ids) if i in by_id]

    def _nodes_by_id(self, label: str, projection: str, namespace: str, ids: Sequence[str]) -> list[dict[str, Any]]:
        """The property maps of the ``label`` nodes among ``ids``, in one query (``label`` and
        ``projection`` are this module's constants, never user input)."""
        ns = self._checked(namespace)
        wanted = [i for i in dict.fromkeys(ids) if isinstance(i, str)]
        if not wanted:
            return []
        rows = self._read(
            f"UNWIND $ids AS i MATCH (n:{label} {{namespace: $ns, id: i}}) RETURN {projection} AS p", ns=ns, ids=wanted
        )
        return [r["p"] for r in rows]

    def get_fact(self, namespace: str, fact_id: str) -> Fact | None:
        """Return the fact with this id, or ``None``."""
        ns = self._checked(namespace)
        rows = self._read(
            "MATCH (a:Entity)-[r:FACT {namespace: $ns, id: $id}]->(b:Entity) "
            "RETURN properties(r) AS p, a.id AS s, b.id AS o",
            ns=ns,
            id=fact_id,
        )
        return fact_from_props(rows[0]["p"], rows[0]["s"], rows[0]["o"]) if rows else None

    def find_entities(self, namespace: str, name: str, *, type: str | None = None, limit: int = 10) -> list[Entity]:
        """Entities whose name or an alias equals ``name``, ignoring case and surrounding space."""
        ns = self._checked(namespace)
        rows = self._read(
            "MATCH (n:Entity {namespace: $ns}) WHERE any(k IN $keys WHERE k IN n.name_keys) "
            "AND ($type IS NULL OR n.type = $type) RETURN " + _ENTITY_MAP + " AS p",
            ns=ns,
            # entities written before name keys folded "ø", "ł"... hold the older key
            keys=list(dict.fromkeys((name_key(name), legacy_name_key(name)))),
            type=type,
        )
        found = sorted((entity_from_props(r["p"]) for r in rows), key=lambda e: e.id)
        return found[: max(limit, 0)]

    def find_entities_named(self, namespace: str, names: Sequence[str]) -> list[Entity]:
        """The entities whose name or an alias equals one of ``names``, by id, in one statement (the
        :class:`~graphmem.store.base.FindsEntitiesByNames` capability)."""
        ns = self._checked(namespace)
        keys = sorted({k for name in names for k in (name_key(name), legacy_name_key(name)) if k})
        if not keys:
            return []
        rows = self._read(_NAMED, ns=ns, keys=keys)
        return sorted({e.id: e for e in (entity_from_props(r["p"]) for r in rows)}.values(), key=lambda e: e.id)

    def find_events_by_source(self, namespace: str, source_id: str) -> list[Event]:
        """Events whose ``source_id`` equals ``source_id``, by id."""
        ns = self._checked(namespace)
        rows = self._read(
            "MATCH (n:Event {namespace: $ns, source_id: $sid}) RETURN " + _EVENT_MAP + " AS p", ns=ns, sid=source_id
        )
        return sorted((event_from_props(r["p"]) for r in rows), key=lambda e: e.id)

    def events_at(self, namespace: str, sessions: Collection[str], when: datetime) -> list[Event]:
        """The events of ``sessions`` whose ``occurred_at`` is ``when`` (an aware time taken in UTC, as stored),
        by id, in one statement that reads no session whole (the :class:`~graphmem.store.base.FindsEventsAt`
        capability)."""
        ns = self._checked(namespace)
        wanted = sorted({s for s in sessions if isinstance(s, str)})
        if not wanted:
            return []
        rows = self._read(_EVENTS_AT, ns=ns, at=dt_in(when), sessions=wanted)
        return sorted((event_from_props(r["p"]) for r in rows), key=lambda e: e.id)

    def neighbors(
        self,
        namespace: str,
        node_id: str,
        *,
        edge_types: Iterable[EdgeType] | None = None,
        direction: Direction = Direction.BOTH,
        time: TimeFilter | None = None,
    ) -> list[Neighbor]:
        """Edges of ``node_id`` of the given types and direction whose far end (or fact) passes ``time``."""
        ns = self._checked(namespace)
        direction = Direction(direction)
        types = sorted({EdgeType(t).value for t in edge_types}) if edge_types is not None else None
        if types == []:
            return []
        edges = self._edge_copy(ns)
        if edges is not None:
            return neighbors_from_rows(node_id, edges.rows_of(node_id, types), direction, time)
        rows = self._read(NEIGHBORS, ns=ns, id=node_id, types=types)
        return neighbors_from_rows(node_id, rows, direction, time)

    def neighbors_many(
        self,
        namespace: str,
        node_ids: Sequence[str],
        *,
        edge_types: Iterable[EdgeType] | None = None,
        direction: Direction = Direction.BOTH,
        time: TimeFilter | None = None,
    ) -> dict[str, list[Neighbor]]:
        """:meth:`neighbors` of every id in one query (the
        :class:`~graphmem.store.base.FetchesFrontier` capability: one round trip per traversal hop)."""
        ns = self._checked(namespace)
        direction = Direction(direction)
        types = sorted({EdgeType(t).value for t in edge_types}) if edge_types is not None else None
        ids = sorted(set(node_ids))
        found: dict[str, list[Row]] = {node_id: [] for node_id in ids}
        edges = self._edge_copy(ns) if ids and types != [] else None
        if edges is not None:
            found = {node_id: edges.rows_of(node_id, types) for node_id in ids}
        elif ids and types != []:
            remember = self._seen.active
            for row in self._read(NEIGHBORS_MANY_EVENTS if remember else NEIGHBORS_MANY, ns=ns, ids=ids, types=types):
                found[row["origin"]].append(row)
                if remember and row["event"] is not None:
                    self._seen.add(event_from_props(row["event"]))
        return {node_id: neighbors_from_rows(node_id, found[node_id], direction, time) for node_id in node_ids}

    def iter_sessions(self, namespace: str) -> Iterator[Session]:
        """Sessions of the namespace in index order (then id, naturally: :func:`~graphmem.models.session_order_key`)."""
        ns = self._checked(namespace)
        rows = self._read("MATCH (n:Session {namespace: $ns}) RETURN " + _SESSION_MAP + " AS p", ns=ns)
        yield from sorted((session_from_props(r["p"]) for r in rows), key=lambda s: session_order_key(s.index, s.id))

    def iter_events(self, namespace: str, *, session: str | None = None) -> Iterator[Event]:
        """Events of the namespace (or one session) by session as :meth:`iter_sessions` lists them, then seq, then
        id (an event whose session node is missing first)."""
        ns = self._checked(namespace)
        rows = self._read(
            "MATCH (n:Event {namespace: $ns}) WHERE $session IS NULL OR n.session = $session "
            "OPTIONAL MATCH (n)-[:IN_SESSION]->(s:Session) RETURN " + _EVENT_MAP + " AS p, s.index AS idx",
            ns=ns,
            session=session,
        )
        events = [(r["idx"], event_from_props(r["p"])) for r in rows]
        events.sort(
            key=lambda pair: (
                session_order_key(-1 if pair[0] is None else pair[0], pair[1].session),
                pair[1].seq,
                pair[1].id,
            )
        )
        for _, ev in events:
            yield ev

    def iter_entities(self, namespace: str) -> Iterator[Entity]:
        """Entities of the namespace, by id."""
        ns = self._checked(namespace)
        rows = self._read("MATCH (n:Entity {namespace: $ns}) RETURN " + _ENTITY_MAP + " AS p", ns=ns)
        yield from sorted((entity_from_props(r["p"]) for r in rows), key=lambda e: e.id)

    def iter_facts(self, namespace: str, *, time: TimeFilter | None = None, history: bool = False) -> Iterator[Fact]:
        """Fact versions of the namespace that pass ``time`` (by default the current ones), by id."""
        ns = self._checked(namespace)
        rows = self._read(
            "MATCH (a:Entity)-[r:FACT {namespace: $ns}]->(b:Entity) RETURN properties(r) AS p, a.id AS s, b.id AS o",
            ns=ns,
        )
        facts = sorted((fact_from_props(r["p"], r["s"], r["o"]) for r in rows), key=lambda f: f.id)
        admit = time or TimeFilter()
        for fact in facts:
            if history or admit.admits_fact(fact):
                yield fact

    def fact_groups_of_events(self, namespace: str, event_ids: Collection[str]) -> set[tuple[str, str]]:
        """``(subject_id, predicate)`` of every fact version whose evidence or ``revised_by`` names one of
        ``event_ids`` (the ``FindsFactsOfEvents`` capability): one query, no fact sent back whole."""
        ids = sorted(set(event_ids))
        if not ids:
            return set()
        rows = self._read(
            "MATCH (a:Entity)-[r:FACT {namespace: $ns}]->(:Entity) "
            "WHERE any(e IN coalesce(r.evidence, []) + coalesce(r.revised_by, []) WHERE e IN $ids) "
            "RETURN DISTINCT a.id AS s, r.predicate AS p",
            ns=self._checked(namespace),
            ids=ids,
        )
        return {(r["s"], r["p"]) for r in rows}

    def fact_chains_of_events(self, namespace: str, event_ids: Collection[str]) -> list[Fact]:
        """Every version, by id, of each fact one version of which names one of ``event_ids`` in its
        evidence or ``revised_by`` (the ``FindsFactsOfEvents`` capability): one statement, parameters only:
        the chains' logical ids found per event, then their versions by one pass over the facts."""
        ids = sorted(set(event_ids))
        rows = self._read(chain_reads.FACT_CHAINS, ns=self._checked(namespace), ids=ids) if ids else []
        return sorted((fact_from_props(r["p"], r["s"], r["o"]) for r in rows), key=lambda f: f.id)

    def iter_mentions(self, namespace: str) -> Iterator[tuple[str, str, str]]:
        """``(event_id, entity_id, role)`` for every mention edge of the namespace."""
        ns = self._checked(namespace)
        rows = self._read(
            "MATCH (e:Event {namespace: $ns})-[r:MENTIONS|SPOKEN_BY]->(x:Entity) "
            "RETURN e.id AS e, x.id AS x, r.role AS role",
            ns=ns,
        )
        yield from sorted((r["e"], r["x"], r["role"]) for r in rows)

    def namespaces(self) -> list[str]:
        """Every namespace that holds sessions, events, entities or facts, sorted."""
        self._check_open()
        rows = self._read(
            "MATCH (n:Session|Event|Entity) RETURN DISTINCT n.namespace AS ns "
            "UNION MATCH ()-[r:FACT]->() RETURN DISTINCT r.namespace AS ns"
        )
        return sorted({r["ns"] for r in rows if r["ns"] is not None})

    # -- queries ---------------------------------------------------------------------------------------

    def run_cypher(
        self, cypher: str, params: Mapping[str, Any] | None = None, *, timeout: float | None = None
    ) -> list[list[Any]]:
        """Run a read-only Cypher query (text built by graphmem, values as ``params``); rows as lists.

        The :class:`~graphmem.store.base.RunsCypher` capability: the query layer pushes DSL plans down
        through it (:mod:`graphmem.query.pushdown`).

        Raises:
            QueryLimitError: the server stopped it after ``timeout`` seconds.
            StoreError: the server is down or rejected the query.
        """
        self._check_open()
        try:
            rows = self._session.read(cypher, params, action="running a query", timeout=timeout)
        except StoreError as exc:
            raise StoreError(f"{exc}\nthe query was:\n{cypher}") from exc.__cause__
        return [list(r.values()) for r in rows]

    # -- deleting --------------------------------------------------------------------------------------

    def delete_event(self, namespace: str, event_id: str) -> DeleteResult:
        """Delete an event, its mentions, the facts only it supported, entities left unused and its session
        when it leaves it without an event (unless it is the namespace's only session)."""
        ns = self._checked(namespace)
        deleted = self._write(ns, f"deleting event {event_id!r}", lambda tx: write.delete_event(tx, ns, event_id))
        return self._forgetting_copy(ns, deleted)

    def rename_entity(self, namespace: str, old_id: str, new_id: str) -> bool:
        """Move the entity ``old_id`` to ``new_id`` with its mentions, facts and vector, in one transaction
        (the :class:`~graphmem.store.base.RenamesEntities` capability).

        Raises:
            ConfigError: ``new_id`` is the id of another node of the namespace.
        """
        ns = self._checked(namespace)
        moved = self._write(ns, f"moving entity {old_id!r}", lambda tx: write.rename_entity(tx, ns, old_id, new_id))
        if moved is None:
            raise ConfigError(f"cannot move entity {old_id!r} to {new_id!r}: namespace {ns!r} has that node")
        return self._forgetting_copy(ns, moved)

    def delete_namespace(self, namespace: str) -> DeleteResult:
        """Delete everything in a namespace, in one transaction."""
        ns = self._checked(namespace)
        deleted = self._write(ns, f"deleting namespace {ns!r}", lambda tx: write.delete_namespace(tx, ns))
        return self._forgetting_copy(ns, deleted)

    def replace_namespace(self, batch: Batch) -> DeleteResult:
        """Make the batch's namespace hold exactly ``batch``, in one transaction; returns what was deleted.

        What ``sync --replace`` needs: the namespace never shows a half-copied state, and a failure leaves
        it as it was. The positions its sessions have given stay, raised to the batch's.
        """
        ns = validate_namespace(batch.namespace)
        deleted = self._write(ns, f"replacing namespace {ns!r}", lambda tx: write.replace_namespace(tx, batch))
        return self._forgetting_copy(ns, deleted)

    # -- stats -----------------------------------------------------------------------------------------

    def stats(self, namespace: str | None = None) -> StoreStats:
        """Counts for one namespace or for the whole store."""
        self._check_open()
        if namespace is not None:
            validate_namespace(namespace)
        return count_stats(self._read, namespace)

    def event_count(self, namespace: str) -> int:
        """How many events ``namespace`` holds: ``stats(namespace).events`` from one indexed count."""
        self._check_open()
        validate_namespace(namespace)
        return int(self._read(EVENT_COUNT, ns=namespace)[0]["events"])
