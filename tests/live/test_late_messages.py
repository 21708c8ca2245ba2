"""A message delivered days late joins the session its time belongs to, not the current one: added message by
message in arrival order, the sessions are those of one file holding the messages in time order."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from graphmem.memory import Memory

#: (arrival order) two turns on 1 January, one of 20 December delivered 12 days late, then more of both days
MESSAGES = [
    ("Ana", "Happy new year! We are back from Lisbon.", "2025-01-01T10:00"),
    ("Ben", "Welcome back, how was the trip?", "2025-01-01T10:10"),
    ("Ana", "Packing for Lisbon tonight, the flight is at six.", "2024-12-20T09:00"),
    ("Ana", "Lovely. The food was great.", "2025-01-01T10:20"),
    ("Ben", "Have a good flight!", "2024-12-20T09:30"),
    ("Ana", "Also, I forgot my charger at the hotel.", "2024-12-31T20:00"),
]


def _sessions(mem: Memory, ns: str) -> list[list[str]]:
    """The texts of each session, in time order, sessions ordered by their first turn's time."""
    groups: dict[str, list[tuple[datetime, str]]] = {}
    for ev in mem.store.iter_events(ns):
        assert ev.occurred_at is not None
        groups.setdefault(ev.session, []).append((ev.occurred_at, ev.text))
    return sorted(([t for _, t in sorted(turns)] for turns in groups.values()), key=lambda texts: texts[0])


def test_a_late_message_is_placed_by_its_time_as_a_file_would(memory: Memory, tmp_path: Path) -> None:
    ids = []
    for speaker, text, when in MESSAGES:
        ids.append(memory.add({"speaker": speaker, "text": text, "time": when}, namespace="live")[0])
    assert ids[:2] == ["ev:session_1:1", "ev:session_1:2"]
    assert ids[2] == "ev:session_2:1"  # not ev:session_1:3: 12 days before the session began
    assert ids[3] == "ev:session_1:3"  # the current session goes on
    assert ids[4] == "ev:session_2:2"  # said half an hour after the late one: its session
    assert ids[5] == "ev:session_3:1"  # 14 hours before 1 January's first turn, 11 days after 20 December

    data = tmp_path / "chat.jsonl"
    ordered = sorted(MESSAGES, key=lambda m: m[2])
    data.write_text("".join(json.dumps({"speaker": s, "text": t, "time": w}) + "\n" for s, t, w in ordered))
    memory.ingest(data, namespace="file")
    assert _sessions(memory, "live") == _sessions(memory, "file")
    assert len(_sessions(memory, "file")) == 3


def test_one_call_places_late_messages_alike(memory: Memory) -> None:
    messages = [{"speaker": s, "text": t, "time": w} for s, t, w in MESSAGES]
    one = [memory.add(m, namespace="one-by-one")[0] for m in messages]
    assert memory.add(messages, namespace="all-at-once") == one
    assert _sessions(memory, "all-at-once") == _sessions(memory, "one-by-one")
