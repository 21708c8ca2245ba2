"""A forgotten turn stays forgotten when a re-ingested input renumbers its sessions (a session inserted
before it moves it to another session id)."""

from __future__ import annotations

import json
from pathlib import Path

from graphmem.memory import Memory

from .test_reingest import S1, S2, chat, run

S0 = ["Jon: zero", "Maya: nought"]


def _texts(memory: Memory, ns: str) -> list[str]:
    return [e.text for e in memory.store.iter_events(ns)]


def test_a_forgotten_turn_stays_forgotten_when_a_session_is_inserted_before_it(memory: Memory, tmp_path: Path) -> None:
    path = tmp_path / "talk.txt"
    path.write_text(chat(S1, S2), encoding="utf-8")
    run(memory, path)
    memory.forget("talk", "ev:session_2:2")  # "five"
    # a session inserted first: S1 becomes session_2 and S2 session_3
    path.write_text(chat(S0, S1, S2), encoding="utf-8")
    run(memory, path)
    assert _texts(memory, "talk") == ["zero", "nought", "one", "two", "three", "four", "six"]
    # and it stays forgotten on the next edit as well
    path.write_text(chat(S0, S1, [*S2, "Maya: seven"]), encoding="utf-8")
    run(memory, path)
    assert "five" not in _texts(memory, "talk")
    assert _texts(memory, "talk")[-1] == "seven"


def test_the_forgotten_one_of_two_turns_saying_the_same_stays_forgotten(memory: Memory, tmp_path: Path) -> None:
    first, second = ["Maya: ok", "Jon: two"], ["Maya: ok", "Jon: four"]
    path = tmp_path / "talk.txt"
    path.write_text(chat(first, second), encoding="utf-8")
    run(memory, path)
    memory.forget("talk", "ev:session_2:1")  # the second "ok"
    path.write_text(chat([*S0, "Jon: and a third"], first, second), encoding="utf-8")
    run(memory, path)
    assert _texts(memory, "talk") == ["zero", "nought", "and a third", "ok", "two", "four"]


def test_a_forgotten_locomo_turn_stays_forgotten_when_sessions_renumber(memory: Memory, tmp_path: Path) -> None:
    def sample(*sessions: list[str]) -> str:
        conv: dict[str, object] = {"speaker_a": "A", "speaker_b": "B"}
        for n, texts in enumerate(sessions, 1):
            conv[f"session_{n}"] = [{"speaker": "AB"[i % 2], "text": t} for i, t in enumerate(texts)]
            conv[f"session_{n}_date_time"] = f"1:00 pm on {n} May, 2023"
        return json.dumps({"sample_id": "conv", "conversation": conv})

    path = tmp_path / "conv.json"
    path.write_text(sample(["a1", "a2"], ["b1", "b2", "b3"]), encoding="utf-8")
    run(memory, path)
    memory.forget("conv", "ev:session_2:2")  # "b2"
    path.write_text(sample(["new1", "new2"], ["a1", "a2"], ["b1", "b2", "b3"]), encoding="utf-8")
    run(memory, path)
    assert _texts(memory, "conv") == ["new1", "new2", "a1", "a2", "b1", "b3"]
