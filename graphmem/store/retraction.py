"""Planning what deleting events removes: the rule shared by ``delete_event`` and ``Batch.retract``.

Deleting a set of events removes their mentions; fact versions whose evidence lies wholly inside the set,
or that the set caused (``revised_by``), are dropped and each fact's version chain re-linked, so the
version before a retracted closing is current again (:func:`graphmem.store.versions.unwind_chain`); the
others lose those events from their evidence; entities left with no mention and no fact are dropped too,
unless the batch being written uses them. The sessions left without an event are dropped as well: by
``delete_event`` (a session whose events were all forgotten, unless it is the namespace's only one), and
by a batch's retraction unless the batch writes the session or an event into it (a session a re-ingested
input no longer holds).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from graphmem.models import Batch, EdgeType, Fact
from graphmem.store.versions import logical_id, unwind_chain

if TYPE_CHECKING:
    from graphmem.store.mirror import MemoryGraph

__all__ = ["Retraction", "apply_retraction", "entities_used_by", "plan_retraction", "sessions_used_by"]

_MENTIONS = (EdgeType.MENTIONS, EdgeType.SPOKEN_BY)


@dataclass(slots=True)
class Retraction:
    """What deleting some events removes or rewrites."""

    events: list[str] = field(default_factory=list)
    #: MENTIONS edges removed (links to what the events name)
    mentions: int = 0
    #: SPOKEN_BY edges removed (links to the events' speakers)
    spoken_by: int = 0
    dropped_facts: list[Fact] = field(default_factory=list)
    #: fact versions rewritten in full (evidence shrunk, or re-linked in their chain)
    shrunk_facts: list[Fact] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    #: sessions left without an event (unless ``sessions_kept`` holds them)
    sessions: list[str] = field(default_factory=list)


def entities_used_by(batch: Batch) -> set[str]:
    """Node ids a batch writes or refers to, embeddings included (these survive a retraction in the same batch)."""
    used = {e.id for e in batch.entities} | {m.entity_id for m in batch.mentions}
    used |= {node_id for node_id, _vector in batch.embeddings}
    for f in batch.facts:
        used |= {f.subject_id, f.object_id}
    return used


def sessions_used_by(batch: Batch) -> set[str]:
    """Session ids a batch writes or writes events into (these survive a retraction in the same batch)."""
    return {s.id for s in batch.sessions} | {e.session for e in batch.events}


def plan_retraction(
    mem: MemoryGraph,
    namespace: str,
    event_ids: Iterable[str],
    keep: set[str],
    *,
    sessions_kept: set[str] | None = None,
) -> Retraction:
    """Work out, without changing anything, what deleting ``event_ids`` removes.

    Args:
        mem: the in-memory mirror of the store (its state before the deletion).
        namespace: the namespace of the events.
        event_ids: the events to delete; ids that do not exist are ignored.
        keep: entity ids that must not be dropped even if left unused.
        sessions_kept: the sessions that stay even if left without an event: for a batch's retraction,
            those it uses (:func:`sessions_used_by`); for ``delete_event``, none unless the namespace has
            only one. The others left without an event are dropped too. ``None``: no session is.
    """
    ix = mem.peek(namespace)
    plan = Retraction()
    if ix is None:
        return plan
    gone = {i for i in event_ids if i in ix.events}
    plan.events = sorted(gone)
    graph = mem.graph
    touched: set[str] = set()
    for eid in plan.events:
        for _, v, data in graph.out_edges((namespace, eid), data=True):
            if data["type"] in _MENTIONS:
                speaker = data["type"] == EdgeType.SPOKEN_BY
                plan.spoken_by += speaker
                plan.mentions += not speaker
                touched.add(v[1])
    affected = {logical_id(fid) for eid in plan.events for fid in ix.evidence.get(eid, ())}
    affected |= {logical_id(f.id) for f in ix.facts.values() if f.revised_by and gone & set(f.revised_by)}
    chains: dict[str, list[Fact]] = {}
    if affected:
        for fid, fact in ix.facts.items():
            if logical_id(fid) in affected:
                chains.setdefault(logical_id(fid), []).append(fact)
    for lid in sorted(chains):
        drop, puts = unwind_chain(chains[lid], gone)
        for fid in drop:
            fact = ix.facts[fid]
            plan.dropped_facts.append(fact)
            touched |= {fact.subject_id, fact.object_id}
        plan.shrunk_facts.extend(puts)
    dropped = {f.id for f in plan.dropped_facts}

    def in_use(entity_id: str) -> bool:
        key = (namespace, entity_id)
        for u, _v, data in graph.in_edges(key, data=True):
            if data["type"] in _MENTIONS and u[1] not in gone:
                return True
            if data["type"] is EdgeType.FACT and data["fact"].id not in dropped:
                return True
        return any(
            data["type"] is EdgeType.FACT and data["fact"].id not in dropped
            for _, _, data in graph.out_edges(key, data=True)
        )

    restored = {x for f in plan.shrunk_facts for x in (f.subject_id, f.object_id)}  # the versions put back
    plan.orphans = sorted(
        e for e in touched if e in ix.entities and e not in keep and e not in restored and not in_use(e)
    )
    if sessions_kept is not None:
        emptied = {ix.events[eid].session for eid in plan.events} - sessions_kept
        plan.sessions = sorted(s for s in emptied if s in ix.sessions and gone.issuperset(ix.session_events.get(s, ())))
    return plan


def apply_retraction(mem: MemoryGraph, namespace: str, plan: Retraction) -> None:
    """Carry a committed retraction into the in-memory mirror."""
    for f in plan.dropped_facts:
        mem.drop_fact(namespace, f.id)
    for f in plan.shrunk_facts:
        mem.put_fact(f)
    for eid in plan.events:
        mem.drop_event(namespace, eid)
    for ent in plan.orphans:
        mem.drop_entity(namespace, ent)
    for sid in plan.sessions:
        mem.drop_session(namespace, sid)
    if plan.sessions:
        mem.relink_sessions(namespace)
