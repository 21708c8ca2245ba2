"""The :class:`GraphStore` protocol: what every backend implements.

A store holds many namespaces; every call takes one. Writes come as a :class:`~graphmem.models.Batch`
applied all-or-nothing. Reads return the plain models of :mod:`graphmem.models`. The contract suite in
``tests/store/test_contract.py`` is the executable specification of this protocol.

What only some backends can do is a capability protocol declared here, and callers choose by
``isinstance`` on it, never by probing attributes: :class:`RunsCypher` (the query layer pushes DSL plans
down to the server), :class:`HasDirectory` (caches such as the vector index live beside the data),
:class:`FetchesFrontier` (the edges of a whole traversal frontier in one call), :class:`FetchesEntities`
(many entities by id in one call), :class:`FindsEntitiesByNames` (the entities of many names in one call)
and :class:`SearchesVectors` (nearest events by the server's vector index).

The values the protocol's calls report (:class:`TextHit`, :class:`CaughtUp`, :class:`DeleteResult`,
:class:`StoreStats`, :class:`StoreIdentity`) are defined in :mod:`graphmem.store.results` and named here too.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from graphmem.models import Batch, EdgeType, Entity, Event, Fact, NodeKind, Session, SourceRecord
from graphmem.store.results import CaughtUp, DeleteResult, StoreIdentity, StoreStats, TextHit

__all__ = [
    "CaughtUp",
    "DeleteResult",
    "Direction",
    "FetchesEntities",
    "FetchesFrontier",
    "FindsEntitiesByNames",
    "FindsEventsAt",
    "GraphStore",
    "GuardsWrites",
    "HasDirectory",
    "KeepsPositions",
    "ListsSpeakers",
    "Neighbor",
    "Node",
    "ReadsSnapshots",
    "Refreshing",
    "RenamesEntities",
    "RunsCypher",
    "ScopesReads",
    "SearchesVectors",
    "StoreIdentity",
    "StoreStats",
    "TextHit",
    "TimeFilter",
    "WriteLocking",
    "iter_event_embedding_origins",
]

Node = Session | Event | Entity


class Direction(StrEnum):
    """Which way to follow an edge from a node."""

    OUT = "out"
    IN = "in"
    BOTH = "both"


@dataclass(frozen=True, slots=True)
class TimeFilter:
    """Time bounds applied while traversing.

    ``since``/``until`` bound event time (``Event.occurred_at``, inclusive); events with no time pass.
    ``valid_at`` keeps facts true in the world at that moment; ``as_of`` keeps the fact versions memory
    held then (recorded by then, not yet expired). Without ``as_of`` only the versions memory holds now
    pass: an expired version is history, read with ``as_of``, or with ``history=True`` (every version
    and valid time: the DSL's ``ALL TIME``).
    """

    since: datetime | None = None
    until: datetime | None = None
    valid_at: datetime | None = None
    as_of: datetime | None = None
    history: bool = False

    def admits_event(self, event: Event) -> bool:
        """Whether an event passes the event-time bounds."""
        when = event.occurred_at
        if when is None:
            return True
        if self.since is not None and when < self.since:
            return False
        return self.until is None or when <= self.until

    def admits_fact(self, fact: Fact) -> bool:
        """Whether a fact passes the two fact axes (any version and valid time with ``history``)."""
        if self.history:
            return True
        if self.valid_at is not None and not fact.valid_at(self.valid_at):
            return False
        if self.as_of is None:
            return fact.expired_at is None
        return fact.known_at(self.as_of)

    @property
    def empty(self) -> bool:
        """Whether no bound is set."""
        return (
            self.since is None
            and self.until is None
            and self.valid_at is None
            and self.as_of is None
            and not self.history
        )


@dataclass(frozen=True, slots=True)
class Neighbor:
    """One step from a node: the edge followed and the node reached.

    ``fact`` is set for FACT edges, ``role`` for mention edges.
    """

    edge: EdgeType
    direction: Direction
    node_id: str
    kind: NodeKind
    role: str | None = None
    fact: Fact | None = None


@runtime_checkable
class GraphStore(Protocol):
    """A durable temporal graph, scoped by namespace.

    Implementations: :class:`~graphmem.store.embedded.EmbeddedStore` (SQLite + networkx) and the Neo4j
    store. All methods raise :class:`~graphmem.errors.StoreError` subclasses on failure and
    :class:`~graphmem.errors.ConfigError` for an illegal namespace.
    """

    #: A short name for the backend and location, for messages and cache keys.
    uri: str

    def write(self, batch: Batch) -> None:
        """Apply every record of ``batch`` in one transaction: all of it, or none of it."""
        ...

    def get_session(self, namespace: str, session_id: str) -> Session | None:
        """Return the session with this id, or ``None``."""
        ...

    def get_event(self, namespace: str, event_id: str) -> Event | None:
        """Return the event with this id, or ``None``."""
        ...

    def get_events(self, namespace: str, event_ids: Sequence[str]) -> list[Event]:
        """Return the events that exist among ``event_ids``, in the order asked."""
        ...

    def get_entity(self, namespace: str, entity_id: str) -> Entity | None:
        """Return the entity with this id, or ``None``."""
        ...

    def get_fact(self, namespace: str, fact_id: str) -> Fact | None:
        """Return the fact with this id (its current version; an archived version by its own id), or ``None``."""
        ...

    def find_entities(self, namespace: str, name: str, *, type: str | None = None, limit: int = 10) -> list[Entity]:
        """Entities whose name or an alias equals ``name``, ignoring case and surrounding space."""
        ...

    def find_events_by_source(self, namespace: str, source_id: str) -> list[Event]:
        """Events whose ``source_id`` equals ``source_id`` (e.g. a LoCoMo ``dia_id``)."""
        ...

    def neighbors(
        self,
        namespace: str,
        node_id: str,
        *,
        edge_types: Iterable[EdgeType] | None = None,
        direction: Direction = Direction.BOTH,
        time: TimeFilter | None = None,
    ) -> list[Neighbor]:
        """Edges of ``node_id`` of the given types and direction whose far end (or fact) passes ``time``.

        Event endpoints are filtered by event time, FACT edges by the fact axes.
        """
        ...

    def iter_sessions(self, namespace: str) -> Iterator[Session]:
        """Sessions of the namespace in index order."""
        ...

    def iter_events(self, namespace: str, *, session: str | None = None) -> Iterator[Event]:
        """Events of the namespace (or one session) in session index, then seq, order."""
        ...

    def iter_entities(self, namespace: str) -> Iterator[Entity]:
        """Entities of the namespace, by id."""
        ...

    def iter_facts(self, namespace: str, *, time: TimeFilter | None = None, history: bool = False) -> Iterator[Fact]:
        """Fact versions of the namespace that pass ``time`` (by default the current ones), by id.

        ``history=True`` yields every version, expired ones included, ignoring ``time``.
        """
        ...

    def iter_mentions(self, namespace: str) -> Iterator[tuple[str, str, str]]:
        """``(event_id, entity_id, role)`` for every mention edge of the namespace."""
        ...

    def iter_embeddings(self, namespace: str) -> Iterator[tuple[str, list[float], str]]:
        """``(node_id, vector, model)`` for every stored embedding of the namespace."""
        ...

    def embedding_origins(self, namespace: str) -> dict[tuple[str, str], int]:
        """How many stored event embeddings of the namespace each ``(model, scheme)`` made.

        ``scheme`` is the batch's ``embedding_scheme``; ``""`` when unknown (written without one, or
        before graphmem recorded it). Embeddings of sessions and entities are not counted.
        """
        ...

    def embedding_dimensions(self, namespace: str) -> dict[tuple[str, str, int], int]:
        """How many stored event embeddings of the namespace each ``(model, scheme, dimension)`` has, the
        scheme as in :meth:`embedding_origins` (what tells vectors a damaged restore cut short, which recall
        cannot search, from the rest; :mod:`graphmem.reembed` re-embeds them). Reads no vector."""
        ...

    def event_embedding_origins(
        self, namespace: str, *, after: str = "", limit: int = 1000
    ) -> list[tuple[str, str, str]]:
        """``(event_id, model, scheme)`` of the first ``limit`` embedded events with ids after ``after``, by id.

        Pages through a namespace's event embeddings without reading a vector (``after`` = the last id of
        the previous page); ``scheme`` as in :meth:`embedding_origins`.
        """
        ...

    def search_text(self, namespace: str, query: str, *, limit: int = 20) -> list[TextHit]:
        """Full-text (BM25) search over event text; best first. Any query text is safe."""
        ...

    def has_source(self, namespace: str, key: str, content_hash: str) -> bool:
        """Whether an input with this key and content hash was already ingested."""
        ...

    def source_records(self, namespace: str, prefix: str) -> list[SourceRecord]:
        """The source records of the namespace whose key starts with ``prefix``, sorted by key.

        Ingestion keeps per-session turn fingerprints as source records beside an input's own record
        (see :mod:`graphmem.ingest_prints`) and reads them back with this.
        """
        ...

    def namespaces(self) -> list[str]:
        """Every namespace that holds data, sorted."""
        ...

    def delete_event(self, namespace: str, event_id: str) -> DeleteResult:
        """Delete an event, its mentions, the facts only it supported, entities left unused and its
        session when it leaves it without an event, unless it is the namespace's only session: that one
        stays, so a namespace whose every event was forgotten is still listed and ``delete_namespace``
        (``forget -n``) can clear the records of its inputs."""
        ...

    def delete_namespace(self, namespace: str) -> DeleteResult:
        """Delete everything in a namespace."""
        ...

    def replace_namespace(self, batch: Batch) -> DeleteResult:
        """Make the batch's namespace hold exactly ``batch``, in one transaction; returns what was deleted.

        The positions its sessions have given (:class:`KeepsPositions`) stay, raised to the batch's: a
        replaced namespace never gives an event id again that it gave before."""
        ...

    def stats(self, namespace: str | None = None) -> StoreStats:
        """Counts for one namespace or for the whole store."""
        ...

    def identity(self) -> StoreIdentity:
        """What makes this store the one it is (:class:`StoreIdentity`), read now: two open stores are
        the same store when ``a.identity().same_as(b.identity())``, whatever their URIs say."""
        ...

    def close(self) -> None:
        """Release resources; further calls raise :class:`~graphmem.errors.StoreError`."""
        ...


@runtime_checkable
class RunsCypher(GraphStore, Protocol):
    """A store that runs read-only Cypher in its server: the query layer pushes DSL plans down to it.

    Implemented by :class:`~graphmem.store.cypher.store.CypherStore`; the policy (compile, else run on
    the client) is :mod:`graphmem.query.pushdown`.
    """

    def run_cypher(
        self, cypher: str, params: Mapping[str, Any] | None = None, *, timeout: float | None = None
    ) -> list[list[Any]]:
        """Run a read-only query (text built by graphmem, every value in ``params``); rows as lists.

        Raises:
            QueryLimitError: the server stopped it after ``timeout`` seconds.
            StoreError: the server is down or rejected the query.
        """
        ...


@runtime_checkable
class WriteLocking(Protocol):
    """A store that several writers may write, guarded by a store-wide write lock.

    A writer holds the lock across a whole operation (read what is stored, decide, commit), so two
    writers never decide from the same state. The embedded store's lock is a file lock: other processes
    wait on it too. A server store's (:class:`~graphmem.store.cypher.store.CypherStore`) holds only the
    threads of one process; other processes are caught by :class:`GuardsWrites`.
    """

    def write_lock(self) -> AbstractContextManager[object]:
        """The re-entrant lock; a second writer waits, then raises :class:`~graphmem.errors.StoreLockedError`."""
        ...


@runtime_checkable
class GuardsWrites(Protocol):
    """A store that other processes write without a lock it can hold for them (a server): a writer instead
    has its writes to a namespace refused when someone else wrote it since the writer began reading.

    Implemented by :class:`~graphmem.store.cypher.store.CypherStore` (the namespace's change counter,
    checked in each write transaction: :mod:`graphmem.store.cypher.writers`). :func:`graphmem.live.add`
    reads, places its messages and writes inside one block, and starts over on a conflict; file ingestion
    resolves and writes each unit inside one, and resolves it again on a conflict; ``Memory.add_events``,
    ``Memory.forget``, each batch of ``reembed``, ``settle`` and a merging ``sync`` into the store do the same
    (:mod:`graphmem.write_retry`).
    """

    def guarded(self, namespace: str) -> AbstractContextManager[object]:
        """A block whose writes to ``namespace`` (on this thread) raise
        :class:`~graphmem.errors.WriteConflictError`, writing nothing, once another writer has written it
        since the block began."""
        ...


@runtime_checkable
class FetchesFrontier(Protocol):
    """A store that gives the edges of many nodes in one call: one round trip per traversal hop.

    Implemented by both stores: :class:`~graphmem.store.cypher.store.CypherStore` sends one
    ``n.id IN $ids`` query, :class:`~graphmem.store.embedded.EmbeddedStore` reads its in-memory mirror.
    """

    def neighbors_many(
        self,
        namespace: str,
        node_ids: Sequence[str],
        *,
        edge_types: Iterable[EdgeType] | None = None,
        direction: Direction = Direction.BOTH,
        time: TimeFilter | None = None,
    ) -> dict[str, list[Neighbor]]:
        """For every id of ``node_ids``: exactly what :meth:`GraphStore.neighbors` gives for it (an id
        that names no node maps to an empty list)."""
        ...


@runtime_checkable
class FetchesEntities(Protocol):
    """A store where reading many entities costs one round trip, not one per entity (a server).

    Implemented by :class:`~graphmem.store.cypher.store.CypherStore`. The embedded store reads entities
    from memory, where a call per entity costs nothing, and does not need it.
    """

    def get_entities(self, namespace: str, entity_ids: Sequence[str]) -> list[Entity]:
        """The entities that exist among ``entity_ids``, in the order asked (each once)."""
        ...


@runtime_checkable
class FindsEntitiesByNames(Protocol):
    """A store that finds the entities of many names in one call, not one per name (a server: one statement).

    Implemented by :class:`~graphmem.store.cypher.store.CypherStore`. The embedded store looks a name up in
    an in-memory index, where a call per name costs nothing, and does not need it.
    """

    def find_entities_named(self, namespace: str, names: Sequence[str]) -> list[Entity]:
        """The entities whose name or an alias equals one of ``names`` as :meth:`GraphStore.find_entities`
        compares them, by id, each once."""
        ...


@runtime_checkable
class ScopesReads(Protocol):
    """A store whose consecutive reads cost less inside a scope (a server: one connection, one round trip
    per statement).

    Implemented by :class:`~graphmem.store.cypher.store.CypherStore` and, for admission into memory
    (:mod:`graphmem.store.admission`), by :class:`~graphmem.store.embedded.EmbeddedStore`; a recall runs
    inside one scope. The scope keeps no data: every read inside still sees what is committed when it runs.
    """

    def reading(self) -> AbstractContextManager[None]:
        """A scope for the reads this thread makes inside it."""
        ...


@runtime_checkable
class ReadsSnapshots(Protocol):
    """A store that can answer several reads from one committed state (the embedded store: one SQLite read
    transaction, its copy in memory caught up inside it). An export or a sync reads a namespace inside one,
    so what it writes is what the store held at one moment, whatever another process commits meanwhile."""

    def snapshot(self) -> AbstractContextManager[None]:
        """A scope in which every read of this thread sees the state committed when it began; other threads
        of this process wait for its end to read or write."""
        ...


@runtime_checkable
class ListsSpeakers(Protocol):
    """A store that lists a namespace's speakers without reading every event (an indexed query).

    Implemented by :class:`~graphmem.store.embedded.EmbeddedStore`; recall falls back to
    :meth:`GraphStore.iter_events` elsewhere.
    """

    def speakers(self, namespace: str) -> list[str]:
        """Every distinct, non-empty ``Event.speaker`` of the namespace, sorted."""
        ...


@runtime_checkable
class FindsEventsAt(Protocol):
    """A store that finds the events of some sessions said at one instant without reading the sessions
    whole (the embedded store; the Cypher store in one statement): how :func:`graphmem.live.add` looks for a
    file's message without an id."""

    def events_at(self, namespace: str, sessions: Collection[str], when: datetime) -> list[Event]:
        """The events of ``sessions`` whose ``occurred_at`` is ``when`` (naive UTC), by id."""
        ...


@runtime_checkable
class KeepsPositions(Protocol):
    """A store that remembers the highest position each session has given an event, forgotten events and
    deleted sessions included (the embedded store; the Cypher store). :func:`graphmem.live.add` numbers new
    messages after it, so an event id, once given, never names another message of the namespace."""

    def last_positions(self, namespace: str) -> dict[str, int]:
        """Session id → the highest ``Event.seq`` ever written to it in the namespace, or marked by a
        batch's ``positions``; cleared only with the namespace (:meth:`GraphStore.delete_namespace`):
        :meth:`GraphStore.replace_namespace` keeps them, raised to the batch's."""
        ...

    def forgotten_live(self, namespace: str) -> dict[str, frozenset[int]]:
        """Session id → the positions given to messages added live (``source_file`` ``None``) whose events
        were forgotten since (:meth:`GraphStore.delete_event`), or marked by a batch's ``forgotten_live``.
        Ingestion never writes a file's turn at one of them (:mod:`graphmem.ingest_ids`): a retried
        ``forget`` of that id would delete the file's turn. Kept and cleared as :meth:`last_positions` are."""
        ...


@runtime_checkable
class SearchesVectors(Protocol):
    """A store whose server may hold a vector index of event embeddings (Neo4j 5.13+).

    Implemented by :class:`~graphmem.store.cypher.store.CypherStore`; whether the index exists depends on
    the server (its dialect), so a call may answer ``None``, and recall then searches the local hnswlib
    copy of the embeddings (:class:`~graphmem.vector_index.VectorIndex`).
    """

    def search_vectors(self, namespace: str, vector: Sequence[float], k: int) -> list[tuple[str, float]] | None:
        """The ``k`` events of the namespace nearest to ``vector``: ``(event id, cosine similarity)``, best
        first; ``None`` when the server has no vector index for such vectors."""
        ...


@runtime_checkable
class HasDirectory(Protocol):
    """A store kept in a local directory, beside which caches (the vector index) are kept.

    Implemented by :class:`~graphmem.store.embedded.EmbeddedStore`; a store without one (a server)
    keeps its caches in a per-URI cache folder.
    """

    directory: Path


@runtime_checkable
class Refreshing(Protocol):
    """A store that keeps a copy of the record in memory and must catch up with other processes' writes."""

    def refresh(self, *, keep: bool = False) -> Mapping[str, CaughtUp]:
        """Catch up with what other processes changed; return the namespaces changed since the last call,
        each with what its holder needs to catch up too."""
        ...

    def embedding_blobs_of(self, namespace: str, ids: Collection[str]) -> list[tuple[str, bytes, str]]:
        """``(node_id, float32 bytes, model)`` of the stored embeddings of ``ids`` (ids without one left out)."""
        ...


@runtime_checkable
class CountsChanges(Protocol):
    """A store that keeps a change counter per namespace, bumped by every committed write to it.

    The vector index records the counter its files match and trusts them while it is unchanged.
    Implemented by :class:`~graphmem.store.embedded.EmbeddedStore`.
    """

    def generation(self, namespace: str) -> int | None:
        """The counter of ``namespace`` (0 if never written); ``None`` when this store keeps none."""
        ...


@runtime_checkable
class WatchesChanges(Protocol):
    """A server store that other processes may write: it says when a namespace changed behind its back.

    Every write transaction bumps a change counter of its namespace, and the store remembers the value
    its holder's caches match; :class:`~graphmem.memory.Memory` asks once per recall and drops what it
    derived from the namespace (recall's caches, its local vector copy) when the answer is true.
    Implemented by :class:`~graphmem.store.cypher.store.CypherStore` (see
    :mod:`graphmem.store.cypher.changes`); the embedded store catches up through :class:`Refreshing`.
    """

    def changed_elsewhere(self, namespace: str) -> bool:
        """Whether other connections wrote ``namespace`` since the last call (true on the first call for
        it); this store's own writes do not count unless another writer's came in between."""
        ...

    def forget_changes(self, namespace: str) -> None:
        """Forget the counter value known for ``namespace``: the next :meth:`changed_elsewhere` answers
        true (the holder failed to catch up, so its caches may still be stale)."""
        ...


@runtime_checkable
class ReadsVectorBlobs(Protocol):
    """A store that gives stored embeddings as raw float32 bytes (no float lists for large namespaces)."""

    def iter_embedding_blobs(self, namespace: str) -> Iterator[tuple[str, bytes, str]]:
        """``(node_id, float32 bytes, model)`` for every stored embedding of the namespace."""
        ...


@runtime_checkable
class ChecksDamage(Protocol):
    """A store whose file can be damaged after it was written, and that can check it whole.

    Implemented by the embedded store (:mod:`graphmem.store.damage`). Commands that may write nothing
    (``reembed`` with nothing stale, ``reembed --check``, ``stats``) ask it first, so a damaged store is
    reported as ``add`` reports it rather than read as a store with nothing to do.
    """

    def check_damage(self) -> None:
        """Raise :class:`~graphmem.errors.CorruptStoreError` naming the store when its file is damaged."""
        ...


@runtime_checkable
class FindsFactsOfEvents(Protocol):
    """A store that finds the facts some events support or revised without reading every fact.

    Implemented by both stores; :mod:`graphmem.settle` uses it to re-derive the ends of only the facts a
    forgotten event touched, and re-ingestion to find the fact chains of the events it retracts
    (:func:`graphmem.writer.fact_chains`).
    """

    def fact_groups_of_events(self, namespace: str, event_ids: Collection[str]) -> set[tuple[str, str]]:
        """``(subject_id, predicate)`` of every fact version, archived ones included, whose ``evidence`` or
        ``revised_by`` names one of ``event_ids``."""
        ...

    def fact_chains_of_events(self, namespace: str, event_ids: Collection[str]) -> list[Fact]:
        """Every version (current and archived), by id, of each fact one version of which names one of
        ``event_ids`` in its ``evidence`` or ``revised_by``: the whole chains a retraction of those events
        unwinds (:func:`graphmem.store.versions.unwind_chain`), read without reading every fact."""
        ...


@runtime_checkable
class RenamesEntities(Protocol):
    """A store that moves an entity to another id, with everything that refers to it.

    Implemented by both stores; :func:`graphmem.forget.forget_message` uses it, since an entity's id is
    made of the name first said (:func:`graphmem.extract.names.entity_id`) and a forgotten name must not
    stay in it.
    """

    def rename_entity(self, namespace: str, old_id: str, new_id: str) -> bool:
        """Move the entity ``old_id`` to ``new_id`` in one transaction: the entity, its mentions, the facts
        it is an end of (every version; a fact id made of its ends, :func:`graphmem.extract.names.fact_id`,
        made again of the moved ones: :func:`graphmem.store.versions.rekeyed_ids`), its vector. Nothing the
        store keeps holds ``old_id`` afterwards (on the embedded store: not its change log, nor the file's free pages).
        Returns whether it moved (``False``: no entity ``old_id``).

        Raises:
            ConfigError: ``new_id`` is the id of another node of the namespace.
        """
        ...


@runtime_checkable
class Unloading(Protocol):
    """A store that loads namespaces into memory on first read and can drop one on request."""

    def unload(self, namespace: str) -> None:
        """Drop ``namespace`` from memory now; the next read loads it again."""
        ...


def iter_event_embedding_origins(
    store: GraphStore, namespace: str, *, page: int = 1000
) -> Iterator[tuple[str, str, str]]:
    """Every ``(event_id, model, scheme)`` of :meth:`GraphStore.event_embedding_origins`, by id, read a page
    at a time as the caller goes (a caller rewriting vectors meanwhile rewrites only ids already read)."""
    after = ""
    while True:
        rows = store.event_embedding_origins(namespace, after=after, limit=page)
        yield from rows
        if len(rows) < page:
            return
        after = rows[-1][0]
