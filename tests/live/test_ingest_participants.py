"""ingest --participant ROLE=NAME (Memory.ingest(participants=)) names the roles of a chat export, as add does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphmem.cli import main
from graphmem.errors import ConfigError
from graphmem.memory import Memory

CHAT = [
    {"role": "user", "content": "I adopted a beagle called Biscuit.", "timestamp": "2024-03-08T10:00"},
    {"role": "assistant", "content": "Congratulations on Biscuit!", "timestamp": "2024-03-08T10:01"},
]


def _speakers(mem: Memory, ns: str) -> list[str | None]:
    return [e.speaker for e in sorted(mem.store.iter_events(ns), key=lambda e: e.seq)]


def _persons(mem: Memory, ns: str) -> set[str]:
    return {e.name for e in mem.store.iter_entities(ns) if e.type == "Person"}


def test_ingest_names_the_roles_as_add_does(memory: Memory, tmp_path: Path) -> None:
    data = tmp_path / "chat.jsonl"
    data.write_text("".join(json.dumps(m) + "\n" for m in CHAT), encoding="utf-8")
    names = {"user": "Dana", "assistant": "Aide"}
    assert memory.ingest(data, namespace="file", participants=names).ok
    memory.add(CHAT, namespace="live", participants=names)
    assert _speakers(memory, "file") == _speakers(memory, "live") == ["Dana", "Aide"]
    assert {"user", "assistant"}.isdisjoint(_persons(memory, "file"))
    # read again with other names, the unchanged file is not skipped
    again = memory.ingest(data, namespace="file", participants={"user": "Dani", "assistant": "Aide"})
    assert again.ok and _speakers(memory, "file") == ["Dani", "Aide"]
    with pytest.raises(ConfigError, match="participants must map roles to non-empty names"):
        memory.ingest(data, namespace="x", participants={"user": " "})


def test_ingest_cli_takes_participant_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = tmp_path / "export.json"
    doc.write_text(json.dumps({"messages": CHAT}), encoding="utf-8")
    db = str(tmp_path / "db")
    args = ["--db", db, "ingest", str(doc), "-n", "c", "--no-embed", "--json"]
    assert main([*args, "--participant", "user=Dana", "--participant", "assistant=Aide"]) == 0
    with Memory.open(db, read_only=True) as mem:
        assert _speakers(mem, "c") == ["Dana", "Aide"]
    assert main([*args, "--participant", "user"]) == 2
    assert "expected ROLE=NAME, e.g. user=Dana, not 'user'" in capsys.readouterr().err


def test_participants_do_not_change_what_formats_that_ignore_them_record(memory: Memory, tmp_path: Path) -> None:
    # review finding: --participant was hashed for every format, so a plain-text transcript (whose lines
    # name their speakers) ingested again with it was read and written anew
    text = tmp_path / "talk.txt"
    text.write_text("## Session 1 — 1 March 2024\nMaya: one\nJon: two\n", encoding="utf-8")
    assert memory.ingest(text, namespace="t").ok
    again = memory.ingest(text, namespace="t", participants={"user": "Dana"})
    assert again.ok and again.files_skipped == 1 and again.turns == 0
    # a format that reads the names still hashes them (the test above re-reads it with other names)
    data = tmp_path / "chat.jsonl"
    data.write_text("".join(json.dumps(m) + "\n" for m in CHAT), encoding="utf-8")
    assert memory.ingest(data, namespace="j", participants={"user": "Dana"}).ok
    assert memory.ingest(data, namespace="j", participants={"user": "Dana"}).files_skipped == 1
    assert memory.ingest(data, namespace="j").files_skipped == 0


NAMED = [  # messages that name their speakers: no role for --participant user=... to name
    {"speaker": "Ana", "text": "My order to Lisbon never arrived.", "timestamp": "2024-03-01T10:00"},
    {"speaker": "Fay", "text": "Sorry Ana, let me check it.", "timestamp": "2024-03-01T10:01"},
]


@pytest.mark.parametrize("fmt", ["jsonl", "chat"])
def test_participants_an_input_does_not_use_leave_it_unchanged(memory: Memory, tmp_path: Path, fmt: str) -> None:
    # tester finding: --participant user=Dana hashed the whole map for every JSONL and chat input, so one
    # whose messages have no `user` was retracted and written again when the flag was added or dropped
    if fmt == "jsonl":
        data = tmp_path / "named.jsonl"
        data.write_text("".join(json.dumps(m) + "\n" for m in NAMED), encoding="utf-8")
    else:  # the export's own participants name a role its messages do not use either
        data = tmp_path / "named.json"
        data.write_text(json.dumps({"participants": {"user": "Bob"}, "messages": NAMED}), encoding="utf-8")
    assert memory.ingest(data, namespace="n").ok
    for names in ({"user": "Dana"}, None, {"user": "Dana", "assistant": "Aide"}, {"Fay": "Fay"}):
        again = memory.ingest(data, namespace="n", participants=names)
        assert (again.files_skipped, again.turns, again.events_retracted) == (1, 0, 0), names
    # a name for a speaker the messages do use still reads the input anew, and again when dropped
    renamed = memory.ingest(data, namespace="n", participants={"Ana": "Anna", "user": "Dana"})
    assert renamed.files_skipped == 0 and _speakers(memory, "n") == ["Anna", "Fay"]
    assert memory.ingest(data, namespace="n", participants={"Ana": "Anna"}).files_skipped == 1
    assert memory.ingest(data, namespace="n").files_skipped == 0
    assert _speakers(memory, "n") == ["Ana", "Fay"]
