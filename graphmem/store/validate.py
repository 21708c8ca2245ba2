"""Batch validation shared by every backend: what a store checks before it writes anything."""

from __future__ import annotations

from collections.abc import Callable

from graphmem.errors import StoreError
from graphmem.models import Batch, Entity, Event, NodeKind, Session

__all__ = ["validate_batch"]


def validate_batch(batch: Batch, kind_of: Callable[[str], NodeKind | None]) -> dict[str, NodeKind]:
    """Check a batch against the ids that already exist; return the kind of every node id the batch writes.

    ``kind_of`` tells the kind of a node already stored (``None`` when there is none).

    The rules every backend applies before writing: records of the batch's namespace only, non-empty string
    ids, one kind per id, and every session, event and entity referred to exists (in the store or the
    batch). Embeddings need an ``embedding_model``; position marks and forgotten live places are
    ``(non-empty session id, int ≥ 0)``.

    Raises:
        StoreError: naming the first offending record.
    """
    kinds = _node_kinds(batch, kind_of)

    def exists(node_id: str, kind: NodeKind) -> bool:
        return kinds.get(node_id) is kind or kind_of(node_id) is kind

    _check_events(batch, exists)
    _check_mentions(batch, exists)
    _check_facts(batch, exists)
    for node_id, _vec in batch.embeddings:
        if node_id not in kinds and kind_of(node_id) is None:
            raise StoreError(f"embedding for {node_id!r}, which does not exist in namespace {batch.namespace!r}")
    if batch.embeddings and not batch.embedding_model:
        raise StoreError("a batch with embeddings must name its embedding_model")
    for what, marks in (("position mark", batch.positions), ("forgotten live place", batch.forgotten_live)):
        for mark in marks:
            session, high = mark if isinstance(mark, tuple) and len(mark) == 2 else (None, None)
            if not isinstance(session, str) or not session or type(high) is not int or high < 0:
                raise StoreError(f"{what} {mark!r} is not (session id, position ≥ 0)")
    return kinds


_Exists = Callable[[str, NodeKind], bool]


def _node_kinds(batch: Batch, kind_of: Callable[[str], NodeKind | None]) -> dict[str, NodeKind]:
    """The kind of every node the batch writes, checking namespaces, ids and one kind per id."""
    ns = batch.namespace
    kinds: dict[str, NodeKind] = {}
    records: list[tuple[NodeKind, Session | Event | Entity]] = [
        *((NodeKind.SESSION, s) for s in batch.sessions),
        *((NodeKind.EVENT, e) for e in batch.events),
        *((NodeKind.ENTITY, e) for e in batch.entities),
    ]
    for kind, rec in records:
        if rec.namespace != ns:
            raise StoreError(f"{kind} {rec.id!r} is in namespace {rec.namespace!r}, batch is for {ns!r}")
        if not isinstance(rec.id, str) or not rec.id:
            raise StoreError(f"{kind} id must be a non-empty string, got {rec.id!r}")
        have = kinds.get(rec.id) or kind_of(rec.id)
        if have is not None and have is not kind:
            raise StoreError(f"id {rec.id!r} is already a {have} in namespace {ns!r}; cannot also be a {kind}")
        kinds[rec.id] = kind
    return kinds


def _check_events(batch: Batch, exists: _Exists) -> None:
    for ev in batch.events:
        if not isinstance(ev.text, str):
            raise StoreError(f"event {ev.id!r} text must be a string")
        if not exists(ev.session, NodeKind.SESSION):
            raise StoreError(f"event {ev.id!r} names session {ev.session!r}, which does not exist")


def _check_mentions(batch: Batch, exists: _Exists) -> None:
    for m in batch.mentions:
        if m.namespace != batch.namespace:
            raise StoreError(f"mention {m.event_id!r}->{m.entity_id!r} is not in namespace {batch.namespace!r}")
        if not exists(m.event_id, NodeKind.EVENT):
            raise StoreError(f"mention names event {m.event_id!r}, which does not exist")
        if not exists(m.entity_id, NodeKind.ENTITY):
            raise StoreError(f"mention names entity {m.entity_id!r}, which does not exist")


def _check_facts(batch: Batch, exists: _Exists) -> None:
    for f in batch.facts:
        if f.namespace != batch.namespace:
            raise StoreError(f"fact {f.id!r} is not in namespace {batch.namespace!r}")
        if not isinstance(f.id, str) or not f.id:
            raise StoreError(f"fact id must be a non-empty string, got {f.id!r}")
        for end in (f.subject_id, f.object_id):
            if not exists(end, NodeKind.ENTITY):
                raise StoreError(f"fact {f.id!r} names entity {end!r}, which does not exist")
        for eid in f.evidence:
            if not exists(eid, NodeKind.EVENT):
                raise StoreError(f"fact {f.id!r} cites event {eid!r}, which does not exist")
