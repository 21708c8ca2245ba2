"""Deriving again the ends of stored facts after a change the write path did not extract: forgetting an
event, merging a backup.

A store's ``delete_event`` removes the event, the fact versions only it supported or that it caused, and
re-links each touched fact's version chain (:mod:`graphmem.store.retraction`): retracting the statement
that closed or corrected a fact makes the version before it current again. What it cannot know is that
supersession (:func:`graphmem.extract.temporal.supersession_ends`) is order-free: once "I work at Globex
now" is forgotten, the "I work at Acme" it had ended is open again, yet a later "I still work at Globex"
still ends it. Likewise a merge (:mod:`graphmem.sync`) can bring a newer value the target's facts never
met. :func:`settled_facts` derives the ends again by the rule a write of a file applies to the facts its
re-ingestion retracts (:func:`graphmem.extract.temporal.update_facts`): among the current facts of each
subject and single-valued predicate the change touched, an end that a fact (remaining or removed)
explains is recomputed from the remaining ones; an end nothing explains (a closing, a bound, a
correction) stays.

A fact whose end changes gets a new version, written through the store's ordinary versioning
(:func:`graphmem.store.versions.version_batch`): recorded when the fact that now ends it was, with that
fact's evidence as ``revised_by``, the same versions as writing the statements afresh gives. The change
and this write are two transactions: were the second to fail, the change stands with the ends it left.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from graphmem.extract.temporal import supersession_ends, valid_to_of
from graphmem.extract.vocabulary import is_single_valued
from graphmem.models import Batch, Fact

if TYPE_CHECKING:
    from graphmem.store.base import DeleteResult, GraphStore

__all__ = ["forget_event", "settle", "settled_facts"]


def _earliest(*values: datetime | None) -> datetime | None:
    return min((v for v in values if v is not None), default=None)


def settled_facts(before: Iterable[Fact], after: Iterable[Fact]) -> list[Fact]:
    """The current facts whose ``valid_to`` a change (a deletion, a merge) alters, as the versions to write.

    Args:
        before: the namespace's current facts before the change.
        after: its current facts after it.

    Returns:
        For each remaining single-valued fact of a subject and predicate the change touched whose derived
        end differs from its stored one: the fact with its new ``valid_to`` and, when a remaining fact now
        ends it, that fact's evidence as ``revised_by`` and the later of the two ``recorded_at``.
    """
    old = {f.id: f for f in before}
    now = {f.id: f for f in after}
    changed = [f for fid, f in old.items() if now.get(fid) != f] + [f for fid, f in now.items() if fid not in old]
    groups = {(f.subject_id, f.predicate) for f in changed if is_single_valued(f.predicate)}
    if not groups:
        return []
    remaining = [f for f in now.values() if (f.subject_id, f.predicate) in groups]
    gone = [f for fid, f in old.items() if fid not in now and (f.subject_id, f.predicate) in groups]
    derived = valid_to_of(remaining)
    explained = supersession_ends([*remaining, *gone], slips=True)
    out: list[Fact] = []
    for f in sorted(remaining, key=lambda f: f.id):
        kept = f.valid_to if f.valid_to is not None and explained.get(f.id) != f.valid_to else None
        end = _earliest(kept, derived.get(f.id))
        if end == f.valid_to:
            continue
        causes = sorted(
            (g for g in remaining if g.object_id != f.object_id and g.valid_from == end and not g.never_held),
            key=lambda g: (g.recorded_at, g.id),
        )
        if end is not None and causes and end != kept:
            cause = causes[0]
            out.append(
                replace(f, valid_to=end, recorded_at=max(f.recorded_at, cause.recorded_at), revised_by=cause.evidence)
            )
        else:
            out.append(replace(f, valid_to=end))
    return out


def settle(store: GraphStore, namespace: str, before: Iterable[Fact]) -> int:
    """Write the facts whose ends a change of ``namespace`` alters (:func:`settled_facts` of ``before``,
    its current facts before the change, and those it holds now); how many were written."""
    settled = settled_facts(before, store.iter_facts(namespace))
    if settled:
        store.write(Batch(namespace, facts=tuple(settled)))
    return len(settled)


def forget_event(store: GraphStore, namespace: str, event_id: str) -> DeleteResult:
    """Delete an event (``store.delete_event``), then write the facts whose ends it alters (see the module
    docs); returns what the deletion removed."""
    before = list(store.iter_facts(namespace))
    result = store.delete_event(namespace, event_id)
    if result.events:
        settle(store, namespace, before)
    return result
