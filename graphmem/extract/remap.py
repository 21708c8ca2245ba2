"""A batch pointed at new entity ids: what entity resolution (:mod:`graphmem.extract.resolve`) merges,
what the extractor's registry moved (:mod:`graphmem.extract.pipeline`) or type evidence joined
(:mod:`graphmem.extract.fact_types`).

Mentions keep one per event and entity, the strongest role (subject over object over a bare mention;
a speaker's stays beside it); facts whose two ends become one are dropped and duplicates combined, their
evidence merged; closings follow their facts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from graphmem.extract.names import fact_id
from graphmem.extract.temporal import remap_closings
from graphmem.models import Batch, Fact, Mention

__all__ = ["remap_ids"]


def remap_ids(batch: Batch, mapping: dict[str, str]) -> Batch:
    """The batch with its mentions, facts and closings pointing at ``mapping``'s new entity ids (facts whose
    two ends become one are dropped, duplicates combined); its entities are left as they are."""
    if not mapping:
        return batch
    return replace(
        batch,
        mentions=_rewrite_mentions(batch.mentions, mapping),
        facts=_rewrite_facts(batch.facts, mapping),
        closings=remap_closings(batch.closings, mapping),
    )


_ROLE_RANK = {"mention": 0, "object": 1, "subject": 2}


def _rewrite_mentions(mentions: Sequence[Mention], mapping: dict[str, str]) -> tuple[Mention, ...]:
    out: dict[tuple[str, str, str], Mention] = {}
    strongest: dict[tuple[str, str], str] = {}
    for m in mentions:
        target = mapping.get(m.entity_id, m.entity_id)
        if m.role == "speaker":
            out[(m.event_id, target, "speaker")] = replace(m, entity_id=target)
            continue
        key = (m.event_id, target)
        old = strongest.get(key)
        if old is not None and _ROLE_RANK.get(old, 0) >= _ROLE_RANK.get(m.role, 0):
            continue
        if old is not None:
            out.pop((m.event_id, target, old), None)
        strongest[key] = m.role
        out[(m.event_id, target, m.role)] = replace(m, entity_id=target)
    return tuple(out.values())


def _rewrite_facts(facts: Sequence[Fact], mapping: dict[str, str]) -> tuple[Fact, ...]:
    out: dict[tuple[str, str, str, str], Fact] = {}
    for f in facts:
        subject = mapping.get(f.subject_id, f.subject_id)
        obj = mapping.get(f.object_id, f.object_id)
        if subject == obj:
            continue
        first = f.evidence[0] if f.evidence else ""
        key = (subject, f.predicate, obj, first)
        old = out.get(key)
        if old is not None:
            out[key] = replace(old, evidence=tuple(dict.fromkeys((*old.evidence, *f.evidence))))
            continue
        moved = (subject, obj) != (f.subject_id, f.object_id)
        fid = fact_id(first, subject, f.predicate, obj) if moved else f.id
        out[key] = replace(f, id=fid, subject_id=subject, object_id=obj)
    return tuple(out.values())
