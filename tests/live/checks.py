"""What every live-memory test checks after its writers finish: each acknowledged message is there once."""

from __future__ import annotations

import itertools

from graphmem import EdgeType, Event, Memory
from graphmem.store.base import Direction


def check_acknowledged(mem: Memory, namespace: str, events: list[Event], acked: list[tuple[str, str]]) -> None:
    """Every acknowledged (event id, unique word) is among ``events`` (the namespace's) and found by its
    word; the vector index agrees with SQLite; turns are numbered without gaps and linked in order."""
    by_id = {e.id: e for e in events}
    for eid, word in acked:
        assert word in by_id[eid].text
        assert [h.event_id for h in mem.store.search_text(namespace, word)] == [eid]
    assert mem.stats(namespace).embeddings == len(events) == mem.vectors.count(namespace)
    for session in {e.session for e in events}:
        turns = [e for e in events if e.session == session]
        assert [e.seq for e in turns] == list(range(1, len(turns) + 1))
        for a, b in itertools.pairwise(turns):
            found = mem.store.neighbors(namespace, a.id, edge_types=[EdgeType.NEXT], direction=Direction.OUT)
            assert [n.node_id for n in found] == [b.id]
