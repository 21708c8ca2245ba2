"""The :class:`GraphStore` protocol: what every backend implements.

A store holds many namespaces; every call takes one. Writes come as a :class:`~graphmem.models.Batch`
applied all-or-nothing. Reads return the plain models of :mod:`graphmem.models`. The contract suite in
``tests/store/test_contract.py`` is the executable specification of this protocol.

What only some backends can do is a capability protocol named here (declared in
:mod:`graphmem.store.capabilities`, but for :class:`RunsCypher` and :class:`FetchesFrontier`, which speak
in this protocol's terms), and callers choose by ``isinstance`` on it, never by probing attributes:
:class:`RunsCypher` (the query layer pushes DSL plans down to the server), :class:`HasDirectory` (caches
such as the vector index live beside the data), :class:`FetchesFrontier` (the edges of a whole traversal
frontier in one call), :class:`FetchesEntities` (many entities by id in one call),
:class:`FindsEntitiesByNames` (the entities of many names in one call) and :class:`SearchesVectors`
(nearest events by the server's vector index).

The values the protocol's calls report (:class:`TextHit`, :class:`CaughtUp`, :class:`DeleteResult`,
:class:`StoreStats`, :class:`StoreIdentity`) are defined in :mod:`graphmem.store.results` and named here too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from graphmem.models import Batch, EdgeType, Entity, Event, Fact, NodeKind, Session, SourceRecord
from graphmem.store.capabilities import (
    ChecksDamage,
    CountsChanges,
    FetchesEntities,
    FindsEntitiesByNames,
    FindsEventsAt,
    FindsFactsOfEvents,
    ForgetsInBulk,
    GuardsWrites,
    HasDirectory,
    KeepsPositions,
    ListsSpeakers,
    ReadsSnapshots,
    ReadsVectorBlobs,
    Refreshing,
    RenamesEntities,
    ScopesReads,
    SearchesVectors,
    Unloading,
    WatchesChanges,
    WriteLocking,
)
from graphmem.store.results import CaughtUp, DeleteResult, StoreIdentity, StoreStats, TextHit

__all__ = [
    "CaughtUp",
    "ChecksDamage",
    "CountsChanges",
    "CountsEvents",
    "DeleteResult",
    "Direction",
    "FetchesEntities",
    "FetchesFrontier",
    "FindsEntitiesByNames",
    "FindsEventsAt",
    "FindsFactsOfEvents",
    "ForgetsInBulk",
    "GraphStore",
    "GuardsWrites",
    "HasDirectory",
    "KeepsPositions",
    "ListsSpeakers",
    "Neighbor",
    "Node",
    "ReadsSnapshots",
    "ReadsVectorBlobs",
    "Refreshing",
    "RenamesEntities",
    "RunsCypher",
    "ScopesReads",
    "SearchesVectors",
    "StoreIdentity",
    "StoreStats",
    "TextHit",
    "TimeFilter",
    "Unloading",
    "WatchesChanges",
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
        """Sessions of the namespace in their order in the memory: by index, sessions of one index by the
        natural order of their ids (``session_2`` before ``session_10``;
        :func:`~graphmem.models.session_order_key`)."""
        ...

    def iter_events(self, namespace: str, *, session: str | None = None) -> Iterator[Event]:
        """Events of the namespace (or one session) session by session in :meth:`iter_sessions` order, then by
        seq, then id."""
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
class CountsEvents(Protocol):
    """A store that counts one namespace's events more cheaply than :meth:`GraphStore.stats` counts
    everything (:class:`~graphmem.store.cypher.store.CypherStore`: one indexed count, where ``stats`` also
    counts every relationship of the namespace). A live add checks this count on every call."""

    def event_count(self, namespace: str) -> int:
        """How many events ``namespace`` holds (``stats(namespace).events``)."""
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
