"""A forgotten turn stays forgotten when its unchanged input is ingested again with other names for its
speakers (``--participant``): the hold-back matched on the speaker's name, so renaming released it."""

from __future__ import annotations

import json
from pathlib import Path

from graphmem.memory import Memory

CHAT = [
    {"role": "user", "text": "I work at Zorblax Robotics in Porto.", "time": "2024-05-01T10:00:00"},
    {"role": "assistant", "text": "Nice!", "time": "2024-05-01T10:00:10"},
    {"role": "user", "text": "My therapist Quentavius Plumbright prescribed Xyloprazine.", "time": "2024-05-01T10:01"},
    {"role": "assistant", "text": "Thanks for telling me.", "time": "2024-05-01T10:01:10"},
]


def _said(mem: Memory, ns: str) -> list[tuple[str | None, str]]:
    return [(e.speaker, e.text) for e in sorted(mem.store.iter_events(ns), key=lambda e: e.seq)]


def test_a_forgotten_turn_stays_forgotten_whatever_the_speakers_are_called(memory: Memory, tmp_path: Path) -> None:
    data = tmp_path / "chat.jsonl"
    data.write_text("".join(json.dumps(m) + "\n" for m in CHAT), encoding="utf-8")
    assert memory.ingest(data, namespace="d").ok
    memory.forget("d", "ev:chat/session_1:3")
    for names in ({"user": "Dana", "assistant": "Aide"}, {"user": "Dani", "assistant": "Aide"}, None):
        assert memory.ingest(data, namespace="d", participants=names).ok
        said = _said(memory, "d")
        assert all("Quentavius" not in text for _, text in said), (names, said)
        assert [text for _, text in said] == [CHAT[0]["text"], "Nice!", "Thanks for telling me."]
    assert said[0][0] == "user"


def test_of_two_turns_saying_the_same_the_forgotten_speakers_stays_forgotten(memory: Memory, tmp_path: Path) -> None:
    """Matching leaves the speaker out only when it must: the other speaker's same words stay."""
    chat = [{"role": "user", "text": "ok"}, {"role": "assistant", "text": "ok"}, {"role": "user", "text": "bye"}]
    data = tmp_path / "chat.jsonl"
    data.write_text("".join(json.dumps(m) + "\n" for m in chat), encoding="utf-8")
    assert memory.ingest(data, namespace="d").ok
    memory.forget("d", "ev:chat/session_1:2")  # the assistant's "ok"
    assert memory.ingest(data, namespace="d", participants={"user": "Dana", "assistant": "Aide"}).ok
    assert _said(memory, "d") == [("Dana", "ok"), ("Dana", "bye")]
