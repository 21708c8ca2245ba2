"""The stored turns that may end a fact again once a re-ingest takes back the end it had.

Ana's file ends her Initech job in April ("I quit Initech on 15 April"); a later turn, "I left Initech last
week" (a live message in June, or a later session of the file), then finds no Initech job open and ends
nothing, and nothing of it is stored (closings are not kept apart from the versions they make). When the
file is ingested again without the April turn, or with it edited, the retraction unwinds the April end
(:func:`graphmem.store.versions.unwind_chain`) and the job is open again: the later turn must be read
again, or the job stays open where a fresh ingest of the new file (then the live message) ends it.

:func:`retracted_ends` finds the facts whose end the retracted events gave, and :func:`later_turns` the
stored events told after that end that may end one of them again: spoken by the fact's subject ("I quit my
job") or mentioning its subject or object ("Ana quit Initech", said by someone else). The file's own kept
turns among them are redone (:mod:`graphmem.ingest_diff`); the others are extracted again, and their ends
applied to the facts written again (:mod:`graphmem.ingest_run`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from graphmem.models import EdgeType
from graphmem.store.base import Direction, FetchesFrontier

if TYPE_CHECKING:
    from graphmem.models import Fact
    from graphmem.store.base import GraphStore

__all__ = ["later_turns", "retracted_ends"]


def retracted_ends(versions: Iterable[Fact], gone: Collection[str]) -> list[tuple[Fact, datetime]]:
    """The versions that events of ``gone`` ended (``revised_by``, with an end in the world), each with
    when that end was recorded: the facts a retraction of ``gone`` may open again.

    Args:
        versions: every version of the facts concerned (e.g. :func:`graphmem.writer.fact_chains`).
        gone: the events retracted (or redone).
    """
    drop = set(gone)
    return [(v, v.recorded_at) for v in versions if v.valid_to is not None and drop.intersection(v.revised_by)]


def later_turns(store: GraphStore, namespace: str, ends: Iterable[tuple[Fact, datetime]]) -> set[str]:
    """The stored events told after each end of ``ends`` (:func:`retracted_ends`) that are spoken by the
    fact's subject or mention its subject or object: those that may end the fact again."""
    since: dict[str, datetime] = {}  # entity id → the earliest end after which its turns count
    spoken: dict[str, datetime] = {}
    for f, at in ends:
        for entity in (f.subject_id, f.object_id):
            since[entity] = min(at, since.get(entity, at))
        spoken[f.subject_id] = min(at, spoken.get(f.subject_id, at))
    if not since:
        return set()
    ids = sorted(since)
    if isinstance(store, FetchesFrontier):
        found = store.neighbors_many(
            namespace, ids, edge_types=[EdgeType.MENTIONS, EdgeType.SPOKEN_BY], direction=Direction.IN
        )
    else:
        found = {
            i: store.neighbors(namespace, i, edge_types=[EdgeType.MENTIONS, EdgeType.SPOKEN_BY], direction=Direction.IN)
            for i in ids
        }
    after: dict[str, datetime] = {}  # event id → the earliest end it may follow
    for entity, edges in found.items():
        for n in edges:
            limit = spoken.get(entity) if n.edge == EdgeType.SPOKEN_BY else since[entity]
            if limit is not None:
                after[n.node_id] = min(limit, after.get(n.node_id, limit))
    events = store.get_events(namespace, sorted(after)) if after else []
    return {e.id for e in events if e.occurred_at is not None and e.occurred_at > after[e.id]}
