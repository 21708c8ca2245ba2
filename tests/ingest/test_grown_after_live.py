"""A file that grows after an agent's live add made a session of its own: only the sessions another holds are
tagged; the sessions the file wrote keep their ids and are diffed (kept turns stay, forgotten ones stay
forgotten)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graphmem.ingest import IngestSummary, ingest
from graphmem.live import add
from graphmem.memory import Memory

from .fakes import FakeExtractor, keep
from .test_reingest import S1, S2, chat

S3 = ["Maya: seven", "Jon: eight"]


def run(memory: Memory, path: Path) -> IngestSummary:
    summary = ingest(memory, path, extractor=FakeExtractor(), resolver=keep)
    assert summary.ok, summary.errors
    return summary


def stored(memory: Memory) -> list[tuple[str, str | None, str]]:
    """(event id, file name or None for a live add, text) of every event of the namespace, in order."""
    return [(e.id, e.source_file and Path(e.source_file).name, e.text) for e in memory.store.iter_events("chat")]


def live(memory: Memory, text: str, **kw: Any) -> list[str]:
    message = {"speaker": "Maya", "text": text, "time": "2024-06-01T10:00:00", **kw}
    return add(memory, [message], namespace="chat", extractor=FakeExtractor(), resolver=keep)


KEPT = [
    ("ev:session_1:1", "chat.txt", "one"),
    ("ev:session_1:3", "chat.txt", "three"),  # ev:session_1:2 was forgotten
    ("ev:session_2:1", "chat.txt", "four"),
    ("ev:session_2:2", "chat.txt", "five"),
    ("ev:session_2:3", "chat.txt", "six"),
]


@pytest.fixture
def grown(memory: Memory, tmp_path: Path) -> tuple[Memory, Path]:
    """chat.txt (sessions 1-2) ingested, a live add starting session_3, one of the file's turns forgotten."""
    path = tmp_path / "chat.txt"
    path.write_text(chat(S1, S2), encoding="utf-8")
    run(memory, path)
    assert live(memory, "live message") == ["ev:session_3:1"]  # a month later: a session of its own
    memory.forget("chat", "ev:session_1:2")
    return memory, path


def test_a_new_session_clashing_with_a_live_one_is_the_only_one_tagged(grown: tuple[Memory, Path]) -> None:
    memory, path = grown
    path.write_text(chat(S1, S2, S3), encoding="utf-8")
    summary = run(memory, path)
    # before: the whole file was read tagged: every event renamed (ev:chat-…/session_1:1), written again,
    # and the forgotten "two" was back
    assert (summary.turns, summary.turns_kept, summary.events_retracted) == (2, 6, 0)
    events = stored(memory)
    assert events[:5] == KEPT
    tag = events[5][0].split("/")[0].removeprefix("ev:")
    assert tag.startswith("chat-")
    assert events[5:] == [
        (f"ev:{tag}/session_3:1", "chat.txt", "seven"),
        (f"ev:{tag}/session_3:2", "chat.txt", "eight"),
        ("ev:session_3:1", None, "live message"),
    ]
    assert memory.stats("chat").embeddings == 8
    assert run(memory, path).files_skipped == 1
    # growing again: every session keeps the id it was written under, the tagged one too
    path.write_text(chat(S1, [*S2, "Maya: six and a half"], [*S3, "Maya: nine"]), encoding="utf-8")
    again = run(memory, path)
    # session 3's lines moved down by one, so it is redone (a turn's line is in its print), under its id
    assert (again.turns, again.events_retracted) == (4, 2)
    assert stored(memory) == [
        *KEPT,
        ("ev:session_2:4", "chat.txt", "six and a half"),
        (f"ev:{tag}/session_3:1", "chat.txt", "seven"),
        (f"ev:{tag}/session_3:2", "chat.txt", "eight"),
        (f"ev:{tag}/session_3:3", "chat.txt", "nine"),
        ("ev:session_3:1", None, "live message"),
    ]


def test_new_turns_in_the_files_last_session_keep_plain_ids(grown: tuple[Memory, Path]) -> None:
    memory, path = grown
    path.write_text(chat(S1, [*S2, "Maya: six and a half"]), encoding="utf-8")
    summary = run(memory, path)
    assert (summary.turns, summary.events_retracted) == (1, 0)
    assert stored(memory) == [
        *KEPT,
        ("ev:session_2:4", "chat.txt", "six and a half"),
        ("ev:session_3:1", None, "live message"),
    ]


def test_an_input_read_tagged_keeps_tagging_its_new_sessions(memory: Memory, tmp_path: Path) -> None:
    """Two chat.txt in one namespace: the second is tagged whole, and a session it grows is tagged too."""
    a, b = tmp_path / "a" / "chat.txt", tmp_path / "b" / "chat.txt"
    for path, lines in ((a, S1), (b, S2)):
        path.parent.mkdir()
        path.write_text(chat(lines), encoding="utf-8")
        run(memory, path)
    tagged = [e.session for e in memory.store.iter_events("chat") if e.source_file == str(b)]
    assert len(set(tagged)) == 1 and tagged[0].endswith("/session_1") and tagged[0] != "session_1"
    b.write_text(chat(S2, S3), encoding="utf-8")
    summary = run(memory, b)
    assert (summary.turns, summary.events_retracted) == (2, 0)
    tag = tagged[0].split("/")[0]
    sessions = [e.session for e in memory.store.iter_events("chat") if e.source_file == str(b)]
    assert sessions == [f"{tag}/session_1"] * 3 + [f"{tag}/session_2"] * 2
