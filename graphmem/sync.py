"""Copy memory between stores: an embedded directory into Neo4j and back, one namespace or all.

``graphmem sync --from ./mem --to neo4j://host:7687`` is :func:`sync_stores`. It reads through the
:class:`~graphmem.store.base.GraphStore` protocol and writes batches, so it works between any two
backends. Records are upserted by id, so a sync that stopped half-way (server down) is completed by
running it again; ``replace=True`` empties each target namespace first, so records deleted at the source
disappear at the target too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from graphmem.errors import ConfigError
from graphmem.export import NamespaceDump, dump_namespace
from graphmem.models import Batch, Mention
from graphmem.store.base import GraphStore

__all__ = ["NamespaceSync", "SyncSummary", "sync_stores"]

#: Events (with their mentions) per batch.
BATCH_EVENTS = 500


@dataclass(frozen=True)
class NamespaceSync:
    """What was copied for one namespace."""

    namespace: str
    sessions: int
    events: int
    entities: int
    mentions: int
    facts: int
    embeddings: int
    batches: int


@dataclass
class SyncSummary:
    """What a sync copied, from where to where."""

    source: str
    target: str
    namespaces: list[NamespaceSync] = field(default_factory=list)

    @property
    def events(self) -> int:
        """Events copied in all namespaces."""
        return sum(n.events for n in self.namespaces)


def _batches(dump: NamespaceDump, batch_events: int) -> list[Batch]:
    ns = dump.namespace
    batches = [Batch(ns, sessions=tuple(dump.sessions), entities=tuple(dump.entities))]
    by_event: dict[str, list[Mention]] = {}
    for m in dump.mentions:
        by_event.setdefault(m.event_id, []).append(m)
    for start in range(0, len(dump.events), batch_events):
        events = tuple(dump.events[start : start + batch_events])
        mentions = tuple(m for e in events for m in by_event.get(e.id, ()))
        batches.append(Batch(ns, events=events, mentions=mentions))
    for start in range(0, len(dump.facts), batch_events):
        batches.append(Batch(ns, facts=tuple(dump.facts[start : start + batch_events])))
    by_model: dict[str, list[tuple[str, list[float]]]] = {}
    for node_id, vector, model in dump.embeddings:
        by_model.setdefault(model, []).append((node_id, vector))
    for model, vectors in sorted(by_model.items()):
        for start in range(0, len(vectors), batch_events):
            chunk = tuple(vectors[start : start + batch_events])
            batches.append(Batch(ns, embeddings=chunk, embedding_model=model or "unknown"))
    return [b for b in batches if len(b)]


def sync_stores(
    source: GraphStore,
    target: GraphStore,
    *,
    namespaces: Sequence[str] | None = None,
    replace: bool = False,
    embeddings: bool = True,
    batch_events: int = BATCH_EVENTS,
    progress: Callable[[str, int, int], None] | None = None,
) -> SyncSummary:
    """Copy namespaces from ``source`` to ``target``.

    Args:
        source: the store to read.
        target: the store to write.
        namespaces: the namespaces to copy (default: every one the source holds).
        replace: delete each namespace at the target before copying it.
        embeddings: copy stored embeddings too (the target's clients then need no re-embedding).
        batch_events: events per write batch.
        progress: called as ``progress(namespace, batches_done, batches_total)``.

    Raises:
        ConfigError: a named namespace holds no data at the source, or source and target are the same.
        StoreError: a read or write failed; batches already written stay (run the sync again).
    """
    if source.uri == target.uri:
        raise ConfigError(f"source and target are the same store ({source.uri})")
    existing = source.namespaces()
    wanted = list(namespaces) if namespaces else existing
    for ns in wanted:
        if ns not in existing:
            raise ConfigError(f"namespace {ns!r} holds no data in {source.uri}")
    summary = SyncSummary(source.uri, target.uri)
    for ns in wanted:
        dump = dump_namespace(source, ns, embeddings=embeddings)
        batches = _batches(dump, max(1, batch_events))
        if replace:
            target.delete_namespace(ns)
        for done, batch in enumerate(batches, 1):
            target.write(batch)
            if progress is not None:
                progress(ns, done, len(batches))
        summary.namespaces.append(
            NamespaceSync(
                ns,
                len(dump.sessions),
                len(dump.events),
                len(dump.entities),
                len(dump.mentions),
                len(dump.facts),
                len(dump.embeddings),
                len(batches),
            )
        )
    return summary
