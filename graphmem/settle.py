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
subject and single-valued predicate the change touched, and among the plans of each subject whose
plans or facts that can carry one out it touched, an end that a fact (remaining or removed) explains is
recomputed from the remaining ones; an end nothing explains (a closing, a bound, a plan's planned time,
a correction) stays (:func:`graphmem.extract.temporal.rederived_end`, the rule the write applies).

A fact whose end changes gets a new version, written through the store's ordinary versioning
(:func:`graphmem.store.versions.version_batch`): recorded when memory first learned the fact that now ends
it (the earliest time of its evidence events, else its recorded time), with that fact's evidence as
``revised_by``, the same versions as writing the statements afresh gives.

Only the facts the change touched are read: for a forgotten event, the current facts of the subjects of
the fact versions it supported or revised, found before the deletion
(:class:`~graphmem.store.base.FindsFactsOfEvents`; a store without it is read whole).

The deletion and this write are two transactions: were the second to fail (a server gone), the deletion
stands with the ends it left, the versions it had caused undone but none derived again, and the error is
raised. ``settle(store, namespace)`` (no ``before``) derives every single-valued fact's and plan's end of
the namespace from its current facts; it changes nothing on a settled namespace, so running it heals that
state when the deletion restored a version a forgotten value had ended; an end a fact was first written
with, which only the forgotten value explained, looks like a closing's then and stays (the next write of
a statement about the same subject and predicate does not see it either): a limit.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from graphmem.extract.temporal import (
    alters_ends,
    derived_groups,
    explained_ends,
    explains_end,
    kept_end,
    rederived_end,
    told_at,
    valid_to_of,
)
from graphmem.fact_time import told_in_store
from graphmem.models import Batch, EdgeType, Fact
from graphmem.store.base import Direction, FetchesFrontier, FindsFactsOfEvents
from graphmem.write_retry import run_guarded

if TYPE_CHECKING:
    from graphmem.store.base import GraphStore
    from graphmem.store.results import DeleteResult

__all__ = ["current_facts", "delete_event", "forget_event", "settle", "settled_facts"]


def settled_facts(
    before: Iterable[Fact] | None,
    after: Iterable[Fact],
    learned: Callable[[Fact], datetime] | None = None,
    told: Mapping[str, datetime] | None = None,
) -> list[Fact]:
    """The current facts whose ``valid_to`` a change (a deletion, a merge) alters, as the versions to write.

    Args:
        before: the namespace's current facts before the change (or of the subjects it touched);
            ``None``: every single-valued fact and plan of ``after`` is derived again, none removed.
        after: its current facts after it (of the same subjects).
        learned: when memory first learned a fact (by default its ``recorded_at``).
        told: when facts were told, by id (:func:`graphmem.fact_time.told_in_store`: by their evidence
            events, not by when their versions were recorded, which this write and other clients' change).

    Returns:
        For each remaining fact of a group the change touched
        (:func:`graphmem.extract.temporal.derived_groups`: a single-valued fact's subject and predicate,
        a subject's plans) whose derived end differs from its stored one: the fact with its new
        ``valid_to`` and, when a remaining fact now ends it (a newer value, a plan's carrying out), that
        fact's evidence as ``revised_by``, recorded at the later of its own ``recorded_at``
        and when that fact was first learned.
    """
    now = {f.id: f for f in after}
    old = now if before is None else {f.id: f for f in before}
    changed = list(now.values()) if before is None else [f for fid, f in old.items() if now.get(fid) != f]
    changed += [f for fid, f in now.items() if fid not in old]
    groups = {group for f in changed for group in derived_groups(f)}
    if not groups:
        return []
    remaining = [f for f in now.values() if (f.subject_id, f.predicate) in groups]
    gone = [f for fid, f in old.items() if fid not in now]
    # over every fact read (of the touched subjects): a plan's carrying out is of another predicate
    derived = valid_to_of(now.values(), told=told)
    explained = explained_ends([*now.values(), *gone], told)
    said = told or {}
    out: list[Fact] = []
    for f in sorted(remaining, key=lambda f: f.id):
        end = rederived_end(f, explained, derived)
        if end == f.valid_to:
            continue
        # a newer value starting then, or one told then that held since before this one began
        causes = sorted(
            (g for g in now.values() if end in (g.valid_from, told_at(g, said)) and explains_end(g, f)),
            key=lambda g: (g.recorded_at, g.id),
        )
        if end is not None and causes and end != kept_end(f, explained):
            cause = causes[0]
            when = cause.recorded_at if learned is None else learned(cause)
            out.append(replace(f, valid_to=end, recorded_at=max(f.recorded_at, when), revised_by=cause.evidence))
        else:
            out.append(replace(f, valid_to=end))
    return out


def _first_learned(store: GraphStore, namespace: str) -> Callable[[Fact], datetime]:
    """When memory first learned a fact: the earliest time of its evidence events, else its ``recorded_at``
    (a current version re-closed later is recorded then, not when its statement was made)."""

    def learned(fact: Fact) -> datetime:
        times = [e.occurred_at for e in store.get_events(namespace, fact.evidence) if e.occurred_at is not None]
        return min([fact.recorded_at, *times])

    return learned


def current_facts(store: GraphStore, namespace: str, subjects: Collection[str] | None) -> list[Fact]:
    """The current facts of ``namespace`` whose subject is one of ``subjects`` (every one when ``None``), by id."""
    if subjects is None:
        return list(store.iter_facts(namespace))
    ids = sorted(set(subjects))
    if not ids:
        return []
    if isinstance(store, FetchesFrontier):
        found = store.neighbors_many(namespace, ids, edge_types=[EdgeType.FACT], direction=Direction.OUT)
    else:
        found = {i: store.neighbors(namespace, i, edge_types=[EdgeType.FACT], direction=Direction.OUT) for i in ids}
    facts = {n.fact.id: n.fact for hops in found.values() for n in hops if n.fact is not None}
    return [facts[k] for k in sorted(facts)]


def settle(
    store: GraphStore,
    namespace: str,
    before: Iterable[Fact] | None = None,
    *,
    subjects: Collection[str] | None = None,
) -> int:
    """Write the facts whose ends a change of ``namespace`` alters; how many were written.

    Args:
        store: the store, after the change.
        namespace: the namespace changed.
        before: its current facts before the change (of ``subjects`` when given); ``None``: derive every
            single-valued fact's and plan's end from the current facts again (idempotent: heals a forget whose
            second transaction failed, within the limit the module docs give).
        subjects: the only subjects the change touched (their current facts are read); ``None``: all.

    On a server store the facts are read and written inside the store's guard of ``namespace``, and read
    again when another client wrote it meanwhile (:func:`graphmem.write_retry.run_guarded`): an end that
    client wrote (a closing, a newer value) is settled from, never written over. Inside an operation that
    guards ``namespace`` already (a forget, a sync), in that operation's guard.

    Raises:
        WriteConflictError: other clients wrote ``namespace`` during each attempt; nothing was written.
    """

    before = None if before is None else list(before)  # read at each attempt

    def once() -> int:
        now = current_facts(store, namespace, subjects)
        told = told_in_store(store, namespace, [*(before or ()), *now])
        settled = settled_facts(before, now, _first_learned(store, namespace), told)
        if settled:
            store.write(Batch(namespace, facts=tuple(settled)))
        return len(settled)

    return run_guarded(
        store,
        namespace,
        once,
        failed=lambda attempts: (
            f"could not settle the facts of namespace {namespace!r}: other writers changed it during each of "
            f"{attempts} attempts; nothing was written, run it again"
        ),
    )


def forget_event(store: GraphStore, namespace: str, event_id: str) -> DeleteResult:
    """Delete an event (``store.delete_event``), then write the facts whose ends it alters (see the module
    docs); returns what the deletion removed.

    Only the current facts of the subjects of the fact versions the event supported or revised (of a
    predicate whose change can end another, :func:`graphmem.extract.temporal.alters_ends`) are read,
    before and after, when the store finds them (:class:`~graphmem.store.base.FindsFactsOfEvents`).
    """
    result, settle_after = delete_event(store, namespace, event_id)
    settle_after()
    return result


def delete_event(store: GraphStore, namespace: str, event_id: str) -> tuple[DeleteResult, Callable[[], int]]:
    """Delete an event as :func:`forget_event` does, leaving the second transaction to the caller: what the
    deletion removed, and the call that writes the facts whose ends it altered (how many).

    That call derives the ends from the facts current when it runs, so it can be made again after it failed,
    or after another writer's write refused it on a server (:mod:`graphmem.write_retry`): what it wrote
    before stays settled and is not written twice.
    """
    subjects: set[str] | None = None
    if isinstance(store, FindsFactsOfEvents):
        groups = store.fact_groups_of_events(namespace, [event_id])
        subjects = {s for s, p in groups if alters_ends(p)}
    before = current_facts(store, namespace, subjects)
    result = store.delete_event(namespace, event_id)

    def settle_after() -> int:
        if not result.events or subjects == set():
            return 0
        return settle(store, namespace, before, subjects=subjects)

    return result, settle_after
