"""Batch validation shared by every backend: what a store checks before it writes anything."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from graphmem.errors import StoreError
from graphmem.models import Batch, Entity, Event, Fact, Mention, NodeKind, Session

__all__ = ["Dangling", "first_dangling", "first_dangling_within", "validate_batch"]


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

    _check_records(batch)
    dangling = first_dangling(batch.events, batch.mentions, batch.facts, exists)
    if dangling is not None:
        raise StoreError(f"{dangling.owner} {dangling.clause}, which does not exist")
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


def _check_records(batch: Batch) -> None:
    """Event texts are strings; mentions and facts are of the batch's namespace, facts have ids."""
    for ev in batch.events:
        if not isinstance(ev.text, str):
            raise StoreError(f"event {ev.id!r} text must be a string")
    for m in batch.mentions:
        if m.namespace != batch.namespace:
            raise StoreError(f"mention {m.event_id!r}->{m.entity_id!r} is not in namespace {batch.namespace!r}")
    for f in batch.facts:
        if f.namespace != batch.namespace:
            raise StoreError(f"fact {f.id!r} is not in namespace {batch.namespace!r}")
        if not isinstance(f.id, str) or not f.id:
            raise StoreError(f"fact id must be a non-empty string, got {f.id!r}")


@dataclass(frozen=True, slots=True)
class Dangling:
    """A reference to a node that is not there: ``path`` is where it is among the records checked
    (``facts[0].evidence[2]``), ``owner`` the record that makes it (``fact 'f1'``; ``mention``), ``clause``
    what it says (``cites event 'e9'``)."""

    path: str
    owner: str
    clause: str


def first_dangling(
    events: Sequence[Event],
    mentions: Sequence[Mention],
    facts: Sequence[Fact],
    known: Callable[[str, NodeKind], bool],
) -> Dangling | None:
    """The first reference of these records to a node ``known`` does not know (of the kind named), or ``None``.

    The references, in order: each event's session; each mention's event and entity; each fact's subject,
    object and evidence. A store checks a batch by them against the batch and what it holds
    (:func:`validate_batch`), a whole namespace against itself (:func:`first_dangling_within`).
    """
    for i, ev in enumerate(events):
        if not known(ev.session, NodeKind.SESSION):
            return Dangling(f"events[{i}].session", f"event {ev.id!r}", f"names session {ev.session!r}")
    for i, m in enumerate(mentions):
        if not known(m.event_id, NodeKind.EVENT):
            return Dangling(f"mentions[{i}].event", "mention", f"names event {m.event_id!r}")
        if not known(m.entity_id, NodeKind.ENTITY):
            return Dangling(f"mentions[{i}].entity", "mention", f"names entity {m.entity_id!r}")
    for i, f in enumerate(facts):
        for end, node in (("subject", f.subject_id), ("object", f.object_id)):
            if not known(node, NodeKind.ENTITY):
                return Dangling(f"facts[{i}].{end}", f"fact {f.id!r}", f"names entity {node!r}")
        for j, eid in enumerate(f.evidence):
            if not known(eid, NodeKind.EVENT):
                return Dangling(f"facts[{i}].evidence[{j}]", f"fact {f.id!r}", f"cites event {eid!r}")
    return None


def first_dangling_within(
    sessions: Iterable[Session],
    events: Sequence[Event],
    entities: Iterable[Entity],
    mentions: Sequence[Mention],
    facts: Sequence[Fact],
    embedded: Iterable[object] = (),
) -> Dangling | None:
    """The first reference of a whole namespace's records to a node they do not hold, or ``None``.

    The references :func:`first_dangling` checks, against the ids of ``sessions``, ``events`` and
    ``entities`` (of the kind named), then each node an embedding is for (``embedded``, in order: path
    ``embeddings[i].node``). What a sync checks an export by (:mod:`graphmem.sync_check`) and what tells an
    export that a server's namespace changed while it was read (:func:`graphmem.export.dump_namespace`). An
    id that is no string (a list in a JSON export) is never held.
    """
    ids = {
        NodeKind.SESSION: {s.id for s in sessions if isinstance(s.id, str)},
        NodeKind.EVENT: {e.id for e in events if isinstance(e.id, str)},
        NodeKind.ENTITY: {x.id for x in entities if isinstance(x.id, str)},
    }

    def known(node: object, kind: NodeKind) -> bool:
        return isinstance(node, str) and node in ids[kind]

    found = first_dangling(events, mentions, facts, known)
    if found is not None:
        return found
    nodes = ids[NodeKind.SESSION] | ids[NodeKind.EVENT] | ids[NodeKind.ENTITY]
    for i, node in enumerate(embedded):
        if not (isinstance(node, str) and node in nodes):
            return Dangling(f"embeddings[{i}].node", "an embedding", f"names node {node!r}")
    return None
