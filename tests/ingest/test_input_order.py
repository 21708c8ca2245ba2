"""Ingest keeps an input's conversation in time order: a newest-first export is stored oldest first."""

from __future__ import annotations

import json
from pathlib import Path

from graphmem import EdgeType
from graphmem.ingest import ingest
from graphmem.memory import Memory
from graphmem.store.base import Direction

from .fakes import FakeExtractor, keep


def test_a_newest_first_export_is_stored_in_time_order_with_next_edges_forward(memory: Memory, tmp_path: Path) -> None:
    records = [
        {"speaker": "B", "text": "see you then", "timestamp": "2024-03-14T10:03:00"},
        {"speaker": "A", "text": "tea at five?", "timestamp": "2024-03-14T10:02:00"},
        {"speaker": "A", "text": "hello", "timestamp": "2024-03-14T10:00:00"},
    ]
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    assert ingest(memory, path, extractor=FakeExtractor(), resolver=keep).ok
    events = list(memory.store.iter_events("export"))
    assert [e.text for e in events] == ["hello", "tea at five?", "see you then"]
    assert [e.source_line for e in events] == [3, 2, 1]
    first, second, third = (e.id for e in events)
    out = memory.store.neighbors("export", first, edge_types=[EdgeType.NEXT], direction=Direction.OUT)
    assert [n.node_id for n in out] == [second]
    out = memory.store.neighbors("export", second, edge_types=[EdgeType.NEXT], direction=Direction.OUT)
    assert [n.node_id for n in out] == [third]
