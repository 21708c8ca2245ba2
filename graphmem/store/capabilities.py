"""The capability protocols of :mod:`graphmem.store.base`: what only some backends can do.

Callers choose by ``isinstance`` on one of these, never by probing attributes. Each is re-exported by
:mod:`graphmem.store.base`, beside the :class:`~graphmem.store.base.GraphStore` protocol they extend; the
two that speak in its terms (:class:`~graphmem.store.base.RunsCypher`,
:class:`~graphmem.store.base.FetchesFrontier`) are declared there.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from graphmem.models import Entity, Event, Fact
from graphmem.store.results import CaughtUp

__all__ = [
    "ChecksDamage",
    "CountsChanges",
    "FetchesEntities",
    "FindsEntitiesByNames",
    "FindsEventsAt",
    "FindsFactsOfEvents",
    "GuardsWrites",
    "HasDirectory",
    "KeepsPositions",
    "ListsSpeakers",
    "ReadsSnapshots",
    "ReadsVectorBlobs",
    "Refreshing",
    "RenamesEntities",
    "ScopesReads",
    "SearchesVectors",
    "Unloading",
    "WatchesChanges",
    "WriteLocking",
]


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
class ForgetsInBulk(Protocol):
    """A store whose forgets scrub what they leave once for many (the embedded store: merging the full-text
    index, emptying the log, rewriting the file); :func:`graphmem.forget_many.forget_planned` uses it."""

    def forgetting_many(self) -> AbstractContextManager[None]:
        """Inside, each deletion and entity move leaves its scrubbing to the end, made once (also when the
        body raises): what each leaves in the file is gone when the block ends, not when each ends."""
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
