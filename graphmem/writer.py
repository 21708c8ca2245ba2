"""The one write path: an extracted batch → resolved against the namespace → embedded → committed.

Both ways into memory end here: :func:`graphmem.ingest.ingest` (a file is one batch per transcript, with
its source record and the events of its earlier version to retract) and :func:`graphmem.live.add`
(messages appended to their sessions). Entities are resolved against those the namespace already holds
(:func:`graphmem.extract.resolve.resolve_batch`), state facts are ended by later ones across the
namespace (:func:`graphmem.extract.temporal.update_facts`), event texts are embedded, and the batch is
written all-or-nothing through :meth:`graphmem.Memory.write`.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from graphmem.models import Batch, EdgeType, Entity, Event, Fact, FactClosing, SourceRecord

if TYPE_CHECKING:
    from graphmem.embed import Embedder
    from graphmem.embed_text import EventLookup
    from graphmem.extract.denied_times import NameLookup
    from graphmem.store.base import GraphStore

__all__ = [
    "Committed",
    "NameVectors",
    "Resolver",
    "RunUnit",
    "Timings",
    "WriteTarget",
    "attach_embeddings",
    "commit_batch",
    "default_resolver",
    "embedded",
    "fact_chains",
    "name_vectors",
    "with_embeddings",
]

#: Resolves a batch's entities and facts against the entities stored in its namespace.
Resolver = Callable[[Batch, list[Entity]], Batch]


class WriteTarget(Protocol):
    """Where the write path writes (a :class:`~graphmem.Memory` is one): its store is read to resolve
    against, its embedder embeds, and every batch goes through its ``write``."""

    @property
    def store(self) -> GraphStore:
        """The store read while resolving."""
        ...

    @property
    def embedder(self) -> Embedder:
        """The embedder (loaded on first use)."""
        ...

    def write(self, batch: Batch) -> None:
        """Apply one batch all-or-nothing."""
        ...


@dataclass(slots=True)
class Timings:
    """Seconds spent in each step of :func:`commit_batch` (summed over calls)."""

    resolve: float = 0.0
    embed: float = 0.0
    write: float = 0.0


@dataclass(frozen=True, slots=True)
class RunUnit:
    """Where a batch stands in a run writing one input's conversation in several units (:mod:`graphmem.ingest`).

    The run is reckoned as one batch would be: a unit that ``more`` units follow leaves the stored facts
    told after its statements to the last unit, which catches up the facts the ``earlier`` units'
    events state with its own (:func:`graphmem.fact_replay.replay`); ``kept`` are the ends the first
    unit's retraction removed that events outside it gave (:func:`graphmem.store.versions.kept_closings`),
    applied again by the later units, which state those facts anew. The default (a run of one unit) is
    what a live ``add`` writes.
    """

    more: bool = False
    earlier: frozenset[str] = frozenset()
    kept: tuple[FactClosing, ...] = ()


@dataclass(frozen=True, slots=True)
class Committed:
    """What :func:`commit_batch` wrote: the batch as written, and which of its entities are new to the
    namespace (the resolver already read the namespace's entities, so callers need not scan them again)."""

    batch: Batch
    new_entities: frozenset[str]


def default_resolver(memory: WriteTarget, embed: bool, unit: RunUnit | None = None) -> Resolver:
    """:func:`graphmem.extract.resolve.resolve_batch` (with the embedder as a second signal when embedding,
    and the store as the history topic salience is judged on, so batching does not change it), then
    :func:`graphmem.extract.temporal.update_facts` against the namespace's stored facts, so state
    facts are ended by later ones whatever order inputs come in (facts only the batch's ``retract`` events
    supported are left out of that reckoning); corrections that name only their new value are bound to the
    statement they correct first (:func:`graphmem.extract.correction_targets.bind_corrections`). A batch of
    statements made at several moments is reckoned turn by turn (:func:`graphmem.fact_replay.replay`), so
    its fact versions are those adding its messages one by one gives; ``unit`` places the batch in a run of
    several (:class:`RunUnit`). A fact counts as told when its evidence events were made
    (:func:`graphmem.fact_time.told_in_store`), not when its version was recorded."""
    from graphmem.extract.correction_targets import bind_corrections
    from graphmem.extract.resolve import resolve_batch
    from graphmem.fact_replay import replay
    from graphmem.fact_time import told_in_store

    place = unit or RunUnit()

    def resolve(batch: Batch, existing: list[Entity]) -> Batch:
        store = memory.store
        resolved = resolve_batch(batch, existing, name_vectors(memory) if embed else None, history=store)
        stored, kept = _stored_facts(store, batch)
        kept = (*kept, *place.kept)
        if kept:  # ends told by events outside the retraction are applied again to the facts re-stated
            resolved = replace(resolved, closings=(*resolved.closings, *kept))
        bound = bind_corrections(
            resolved,
            stored,
            existing,
            lambda ids: store.get_events(batch.namespace, ids),
            lambda event: _mentioned(store, batch.namespace, event),
        )
        told = told_in_store(store, batch.namespace, [*stored, *bound.facts], bound.events)

        seen = _EventCache(lambda ids: store.get_events(batch.namespace, ids))
        names = _KnownNames(existing)

        def reckon(step: Batch, current: list[Fact]) -> Batch:
            return _reckon(step, current, told, seen, names)

        # statements of several moments are reckoned one by one, as adding them one by one does
        def chains(events: Collection[str]) -> list[Fact]:
            return fact_chains(store, batch.namespace, events)

        return replay(bound, stored, reckon, told, more=place.more, earlier=place.earlier, chains=chains)

    return resolve


def _reckon(
    batch: Batch, stored: list[Fact], told: Mapping[str, datetime], events: EventLookup, names: NameLookup | None = None
) -> Batch:
    """:func:`graphmem.extract.temporal.update_facts` against the namespace's current facts (``told``: when
    they were told, by id); a new fact a later stored one ends (an older conversation after a newer one)
    names it as the cause of its end (:func:`graphmem.store.versions.stored_causes`), so the write records
    the end when that fact was, not when the new one was told. A stored correction of a time told after a
    new statement it denies corrects it (:func:`graphmem.extract.denied_times.stored_time_corrections`;
    ``events``: the stored events it is read from; ``names``: the names of the entities stored before the write,
    so a correction naming its value by an alias reaches)."""
    from graphmem.extract.denied_times import stored_time_corrections
    from graphmem.extract.temporal import update_facts
    from graphmem.store.versions import stored_causes

    late = stored_time_corrections(batch, stored, told, events, names)
    if late:
        batch = replace(batch, closings=(*batch.closings, *late))
    updated = update_facts(batch, stored, told=told, keep_endings=True)
    causes = stored_causes(updated, stored, told)
    return replace(updated, closings=(*updated.closings, *causes)) if causes else updated


class _KnownNames:
    """The names (name and aliases) of the entities stored before a write, by id; indexed on first use."""

    def __init__(self, entities: Sequence[Entity]) -> None:
        self.entities = entities
        self.by_id: dict[str, tuple[str, ...]] | None = None

    def __call__(self, entity: str) -> tuple[str, ...]:
        if self.by_id is None:
            self.by_id = {e.id: (e.name, *e.aliases) for e in self.entities}
        return self.by_id.get(entity, ())


class _EventCache:
    """A write's stored events, each read from the store once however many steps ask for it."""

    def __init__(self, read: EventLookup) -> None:
        self.read = read
        self.found: dict[str, Event | None] = {}

    def __call__(self, ids: list[str]) -> list[Event]:
        missing = [i for i in ids if i not in self.found]
        if missing:
            self.found.update(dict.fromkeys(missing))
            self.found.update((e.id, e) for e in self.read(missing))
        return [e for i in ids if (e := self.found.get(i)) is not None]


def fact_chains(store: GraphStore, namespace: str, events: Collection[str]) -> list[Fact]:
    """Every version (current and archived) of each fact of ``namespace`` that one of ``events`` states
    (a version's ``evidence``) or revised (its ``revised_by``): asked of a store that finds them
    (:class:`~graphmem.store.base.FindsFactsOfEvents`), else picked out of all the namespace's facts."""
    ids = set(events)
    if not ids:
        return []
    from graphmem.store.base import FindsFactsOfEvents
    from graphmem.store.versions import logical_id

    if isinstance(store, FindsFactsOfEvents):
        return store.fact_chains_of_events(namespace, ids)

    versions = list(store.iter_facts(namespace, history=True))
    touched = {logical_id(v.id) for v in versions if ids.intersection(v.evidence) or ids.intersection(v.revised_by)}
    return [v for v in versions if logical_id(v.id) in touched]


def _stored_facts(store: GraphStore, batch: Batch) -> tuple[list[Fact], tuple[FactClosing, ...]]:
    """The namespace's current facts as the batch's write leaves them before its own facts: a fact whose
    version chain the batch's ``retract`` events unwind is taken at the version that becomes current (a
    retracted closing no longer ends it), so an end the batch derives again is written, not lost with
    the version unwound; a fact no version of which is left stays as stored (its evidence is retracted).
    Also the ends that events the batch keeps gave to facts whose versions the retraction removes
    (:func:`kept_closings`), for the batch's facts to be ended again."""
    stored = list(store.iter_facts(batch.namespace))
    if not batch.retract:
        return stored, ()
    from graphmem.store.versions import current_after_retraction, kept_closings

    chains = fact_chains(store, batch.namespace, batch.retract)
    after = current_after_retraction(chains, batch.retract)
    return [after.get(f.id) or f for f in stored], kept_closings(chains, batch.retract)


def _mentioned(store: GraphStore, namespace: str, event: str) -> list[str]:
    """The ids of the entities a stored event mentions."""
    from graphmem.store.base import Direction

    found = store.neighbors(namespace, event, edge_types=[EdgeType.MENTIONS], direction=Direction.OUT)
    return [n.node_id for n in found]


class NameVectors:
    """An embedder that remembers the vectors of the entity names it embedded.

    Resolution compares a batch's names with every stored name; without this, adding one message would
    embed the whole namespace's names again each time.
    """

    #: Names remembered before the cache starts over.
    LIMIT = 200_000

    def __init__(self, embedder: Any) -> None:
        """Wrap ``embedder`` (anything with ``embed(list[str])`` returning one row per text)."""
        self.embedder = embedder
        self.name = embedder.name
        self._rows: dict[str, Any] = {}

    def embed(self, texts: Sequence[str]) -> Any:
        """One row per text, embedding only the texts not seen before."""
        import numpy as np

        missing = [t for t in dict.fromkeys(texts) if t not in self._rows]
        if missing:
            if len(self._rows) + len(missing) > self.LIMIT:
                self._rows.clear()
            for text, row in zip(missing, self.embedder.embed(missing), strict=True):
                self._rows[text] = np.asarray(row, dtype=np.float32)
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self._rows[t] for t in texts])


_NAME_VECTORS: weakref.WeakKeyDictionary[WriteTarget, NameVectors] = weakref.WeakKeyDictionary()


def name_vectors(memory: WriteTarget) -> NameVectors:
    """The :class:`NameVectors` of ``memory``'s embedder, kept as long as the memory."""
    found = _NAME_VECTORS.get(memory)
    if found is None or found.embedder is not memory.embedder:
        found = _NAME_VECTORS[memory] = NameVectors(memory.embedder)
    return found


def with_embeddings(batch: Batch, vectors: Any, model: str, scheme: str | None = None) -> Batch:
    """Attach ``vectors`` (one row per event, in order) made by the embedder named ``model`` following the
    embedded-text scheme ``scheme`` (:func:`graphmem.embed_text.embedding_scheme`; ``None``: unknown)."""
    if not batch.events:
        return batch
    pairs = tuple((ev.id, [float(x) for x in vec]) for ev, vec in zip(batch.events, vectors, strict=True))
    return replace(batch, embeddings=batch.embeddings + pairs, embedding_model=model, embedding_scheme=scheme)


def attach_embeddings(batch: Batch, embedder: Any, lookup: EventLookup | None = None) -> Batch:
    """Embed the batch's events and attach the vectors (no-op for a batch without events).

    Each event is embedded with its context (:func:`graphmem.embed_text.embed_events`); ``lookup``
    fetches stored events by id, for a turn whose previous turn is not in the batch.
    """
    if not batch.events:
        return batch
    from graphmem.embed_text import embed_events, scheme_of

    return with_embeddings(batch, embed_events(embedder, batch.events, lookup), embedder.name, scheme_of(embedder))


def embedded(memory: WriteTarget, batch: Batch, timings: Timings) -> Batch:
    """``batch`` with its events embedded (the stored turn a continued session's first turn replies to is read
    for its context), the seconds added to ``timings.embed``."""
    started = time.perf_counter()
    store, namespace = memory.store, batch.namespace
    batch = attach_embeddings(batch, memory.embedder, lambda ids: store.get_events(namespace, ids))
    timings.embed += time.perf_counter() - started
    return batch


def commit_batch(
    memory: WriteTarget,
    batch: Batch,
    *,
    resolver: Resolver,
    embed: bool,
    records: Sequence[SourceRecord] = (),
    retract: tuple[str, ...] = (),
    timings: Timings | None = None,
) -> Committed:
    """Resolve, embed and write one extracted batch; return what was written (see :class:`Committed`).

    Args:
        memory: the memory to write into (the caller holds its write lock for the whole operation).
        batch: a freshly extracted batch.
        resolver: resolves the batch against the namespace's stored entities and facts.
        embed: embed event texts with ``memory.embedder`` unless the batch already carries vectors.
        records: the source records of a file input (files only: they make re-ingesting unchanged
            content a no-op, and mark the sessions a resumed file has committed).
        retract: events of an earlier version of the same input, deleted in the same transaction.
        timings: where to add the seconds spent per step.

    Raises:
        StoreError: the batch was rejected; nothing of it was written.
    """
    t = timings if timings is not None else Timings()
    started = time.perf_counter()
    if retract:  # before resolving: what the earlier version wrote no longer counts
        batch = replace(batch, retract=(*batch.retract, *retract))
    existing = list(memory.store.iter_entities(batch.namespace))
    batch = resolver(batch, existing)
    known = {e.id for e in existing}
    new_entities = frozenset(e.id for e in batch.entities if e.id not in known)
    t.resolve += time.perf_counter() - started
    if embed and not batch.embeddings:
        batch = embedded(memory, batch, t)
    started = time.perf_counter()
    if records:
        batch = replace(batch, sources=(*batch.sources, *records))
    memory.write(batch)
    t.write += time.perf_counter() - started
    return Committed(batch, new_entities)
