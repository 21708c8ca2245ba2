"""Messages without an id, added live and also held by an export: one message when they are said alike.

Identity without an id is (namespace, session as the messages name it, speaker, time, text with its
whitespace collapsed), and only where it is unambiguous: both sides give the message a time, and no other
message of that session on either side says the same at that time. A match is treated as an id match:
an export holding a live session whole takes it over, else the turns stored already are left out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graphmem.memory import Memory
from tests.support.messages import NS, jsonl, live, run, said, texts

from .fakes import FakeEmbedder


def untimed(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if k != "time"}


def stored(memory: Memory) -> list[tuple[str, str, bool]]:
    """(session, text, from a file) of every event, by text."""
    found = [(e.session, e.text, e.source_file is not None) for e in memory.store.iter_events(NS)]
    return sorted(found, key=lambda x: (x[1], x[0]))


@pytest.mark.parametrize("into", ["explicit", "by file name"])
def test_an_export_of_messages_added_live_without_ids_takes_their_session_over(
    memory: Memory, tmp_path: Path, into: str
) -> None:
    live(memory, [said(1), said(2), said(3)])
    path = jsonl(tmp_path / "ana.jsonl", [said(n) for n in range(1, 6)])
    namespace = NS if into == "explicit" else None
    summary = run(memory, path, namespace=namespace)
    # before: message 1-3 were stored twice, once live and once under the file's session
    assert texts(memory) == [f"message {n}" for n in range(1, 6)]
    session = "ana/session_1" if into == "explicit" else "session_1"
    assert stored(memory) == [(session, f"message {n}", True) for n in range(1, 6)]
    assert (summary.turns, summary.events_retracted, summary.turns_live) == (5, 3, 0)
    assert memory.stats(NS).embeddings == 5
    again = run(memory, path, namespace=namespace)
    assert (again.files_skipped, again.turns) == (1, 0)
    assert texts(memory) == [f"message {n}" for n in range(1, 6)]


def test_messages_added_live_after_the_export_stay_and_the_rest_is_written_once(memory: Memory, tmp_path: Path) -> None:
    live(memory, [said(1), said(2), said(3), said(6)])  # message 6 came after the export
    path = jsonl(tmp_path / "export.jsonl", [said(n) for n in range(1, 6)])
    summary = run(memory, path, namespace=NS)
    assert (summary.turns, summary.turns_live, summary.events_retracted) == (2, 3, 0)
    assert stored(memory) == [
        ("session_1", "message 1", False),
        ("session_1", "message 2", False),
        ("session_1", "message 3", False),
        ("export/session_1", "message 4", True),
        ("export/session_1", "message 5", True),
        ("session_1", "message 6", False),
    ]
    assert run(memory, path, namespace=NS).files_skipped == 1
    # the export grows: only the new message is written, the live ones are still recognised
    jsonl(path, [said(n) for n in (1, 2, 3, 4, 5, 7)])
    again = run(memory, path, namespace=NS)
    assert (again.turns, again.turns_kept, again.turns_live, again.events_retracted) == (1, 2, 3, 0)
    assert texts(memory) == [f"message {n}" for n in range(1, 8)]


def test_a_plain_text_export_is_recognised_as_well(memory: Memory, tmp_path: Path) -> None:
    live(memory, [said(1, text="message  1"), said(2)])
    path = tmp_path / "chat.txt"
    path.write_text(
        "## Session 1 — 1 May 2024\n[10:01] Ana: message 1\n[10:02] Bot: message 2\n[10:03] Ana: message 3\n",
        encoding="utf-8",
    )
    summary = run(memory, path, namespace=NS)
    assert texts(memory) == ["message 1", "message 2", "message 3"]  # whitespace inside a text is no difference
    assert (summary.turns, summary.events_retracted) == (3, 2)


def test_the_same_words_at_another_time_are_another_message(memory: Memory, tmp_path: Path) -> None:
    live(memory, [said(1, text="ok"), said(2), said(3, text="ok")])
    jsonl(tmp_path / "export.jsonl", [said(1, text="ok"), said(2), said(5, text="ok")])
    summary = run(memory, tmp_path / "export.jsonl", namespace=NS)
    # "ok" at 10:01 and message 2 are the live ones; "ok" at 10:05 is not the live "ok" at 10:03
    assert (summary.turns, summary.turns_live) == (1, 2)
    assert stored(memory) == [
        ("session_1", "message 2", False),
        ("export/session_1", "ok", True),
        ("session_1", "ok", False),
        ("session_1", "ok", False),
    ]


def test_a_message_without_a_time_on_one_side_is_not_matched(memory: Memory, tmp_path: Path) -> None:
    live(memory, [said(1), said(2)])
    summary = run(memory, jsonl(tmp_path / "export.jsonl", [untimed(said(n)) for n in (1, 2)]), namespace=NS)
    assert (summary.turns, summary.turns_live, summary.events_retracted) == (2, 0, 0)
    assert len(texts(memory)) == 4  # nothing tells these apart from the same words said again
    # the other way: a live message that took the time of its adding
    live(memory, [untimed(said(3, session="2"))])
    summary = run(memory, jsonl(tmp_path / "other.jsonl", [said(3, session="2")]), namespace=NS)
    assert (summary.turns, summary.turns_live) == (1, 0)
    assert texts(memory).count("message 3") == 2


def test_ambiguous_messages_are_not_matched(memory: Memory, tmp_path: Path) -> None:
    """Two live messages saying the same at the same time: which one the export's is cannot be told."""
    live(memory, [said(1, text="ok"), said(1, text="ok"), said(2)])
    summary = run(memory, jsonl(tmp_path / "export.jsonl", [said(1, text="ok"), said(2)]), namespace=NS)
    assert (summary.turns, summary.turns_live) == (1, 1)
    assert texts(memory) == ["message 2", "ok", "ok", "ok"]  # both live ones kept, the export's written


def test_another_speaker_or_session_is_another_message(memory: Memory, tmp_path: Path) -> None:
    live(memory, [said(1), said(2, session="2")])
    export = [said(1, speaker="Zed"), said(2, session="3")]
    summary = run(memory, jsonl(tmp_path / "export.jsonl", export), namespace=NS)
    assert (summary.turns, summary.turns_live) == (2, 0)
    assert len(texts(memory)) == 4


def test_a_live_message_without_id_that_a_grown_export_holds_is_taken_over(memory: Memory, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "ana.jsonl", [said(n) for n in range(1, 4)])
    run(memory, path)  # the namespace from the file name: plain session_1, as live add names it
    assert live(memory, [said(4)]) == ["ev:session_1:4"]
    jsonl(path, [said(n) for n in range(1, 6)])
    summary = run(memory, path)
    # before: an error, the live message standing where the file's fourth turn goes
    assert (summary.files_ok, summary.turns, summary.turns_kept, summary.events_retracted) == (1, 2, 3, 1)
    assert stored(memory) == [("session_1", f"message {n}", True) for n in range(1, 6)]


def test_a_live_message_said_otherwise_where_a_grown_export_writes_is_still_an_error(
    memory: Memory, tmp_path: Path
) -> None:
    path = jsonl(tmp_path / "ana.jsonl", [said(n) for n in range(1, 4)])
    run(memory, path)
    live(memory, [said(4, text="live four")])
    jsonl(path, [said(n) for n in range(1, 6)])
    summary = run(memory, path)
    assert summary.files_failed == 1
    assert summary.errors[0][1].startswith(f"{path}:4: session_1 holds a message added live, ev:session_1:4")
    assert "live four" in texts(memory)


def test_times_are_compared_as_instants(memory: Memory, tmp_path: Path) -> None:
    live(memory, [said(1, time="2024-05-01T12:01:00+02:00"), said(2, time="2024-05-01T12:02:00+02:00")])
    export = [said(1, time="2024-05-01T10:01:00Z"), said(2, time="2024-05-01T10:02:30Z")]
    summary = run(memory, jsonl(tmp_path / "export.jsonl", export), namespace=NS)
    # the same instant in another offset is the same time; half a minute later is not
    assert (summary.turns, summary.turns_live) == (1, 1)
    assert texts(memory) == ["message 1", "message 2", "message 2"]


def test_a_live_message_with_an_id_is_not_taken_for_a_turn_without_one(memory: Memory, tmp_path: Path) -> None:
    """Taking it over would write the export's turn in its place and drop the id the agent gave."""
    live(memory, [said(1, id="m1"), said(2)])
    summary = run(memory, jsonl(tmp_path / "export.jsonl", [said(1), said(2, id="m2")]), namespace=NS)
    assert (summary.turns, summary.turns_live, summary.events_retracted) == (1, 1, 0)
    assert sorted((e.text, str(e.source_id)) for e in memory.store.iter_events(NS)) == [
        ("message 1", "None"),
        ("message 1", "m1"),
        ("message 2", "None"),  # the live one, left as it is: the export's turn 2 is not written again
    ]


def test_messages_naming_no_session_meet_in_the_session_both_number_alike(memory: Memory, tmp_path: Path) -> None:
    """Live messages without a session label go to session_1 of an empty namespace; an export without labels
    splits its messages into session_1, session_2 … by the pause between them, so the first is the same."""
    live(memory, [said(n, session=None) for n in (1, 2)])
    export = [said(n, session=None) for n in (1, 2, 3)] + [said(4, session=None, time="2024-05-02T09:00:00")]
    summary = run(memory, jsonl(tmp_path / "export.jsonl", export), namespace=NS)
    assert (summary.turns, summary.events_retracted) == (4, 2)
    assert sorted((e.session, e.text) for e in memory.store.iter_events(NS)) == [
        ("export/session_1", "message 1"),
        ("export/session_1", "message 2"),
        ("export/session_1", "message 3"),
        ("export/session_2", "message 4"),
    ]


def test_a_slashed_label_numbering_ids_afresh_is_another_session(memory: Memory, tmp_path: Path) -> None:
    # before: "team/3" answered to session_3 and its ids 1, 2 clashed with the live ones: the file failed
    live(memory, [said(1, session="3", id="1"), said(2, session="3", id="2")])
    path = jsonl(tmp_path / "export.jsonl", [said(5, session="team/3", id="1"), said(6, session="team/3", id="2")])
    summary = run(memory, path, namespace=NS)
    assert summary.files_failed == 0
    assert texts(memory) == ["message 1", "message 2", "message 5", "message 6"]


def test_an_export_meets_live_sessions_3_and_session_3_together(memory: Memory, tmp_path: Path) -> None:
    # before: only one of them was met, and the other's messages were stored twice
    live(memory, [said(1, session=None), said(2, session=None)], session="3")  # add --session 3: session "3"
    live(memory, [said(3, session="3"), said(4, session="3")])  # a message's own "3": session_3
    summary = run(memory, jsonl(tmp_path / "export.jsonl", [said(n, session="3") for n in range(1, 5)]), namespace=NS)
    assert summary.files_failed == 0
    assert texts(memory) == [f"message {n}" for n in range(1, 5)]
    assert {s for s, _, _ in stored(memory)} == {"export/session_3"}  # both taken over


def test_live_sessions_are_looked_up_once_per_namespace(
    memory: Memory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # before: each input session went through every live session (input sessions × live sessions)
    from graphmem.ingest_owners import Owners

    live(memory, [said(n, session=str(n), text=f"live {n}") for n in range(1, 31)], embed=False)
    calls = []
    real = Owners.live_session

    def counted(self: Owners, namespace: str, session_id: str) -> bool:
        calls.append(session_id)
        return real(self, namespace, session_id)

    monkeypatch.setattr(Owners, "live_session", counted)
    run(memory, jsonl(tmp_path / "export.jsonl", [said(n, session=str(n)) for n in range(1, 31)]), namespace=NS)
    assert len(calls) <= 2 * 30
    assert len(texts(memory)) == 60


@pytest.mark.parametrize(
    ("chat", "times", "stored"),
    [
        # a session dated as a whole: its turns take the start plus a second each, no time of their own
        ("## Session 1 — 1 May 2024 10:00\nAna: message 1\nBot: message 2\n", ("10:00:00", "10:00:01"), 4),
        # turns with their own times (the first one is the session start): matched, the first one too
        ("## Session 1 — 1 May 2024\n[10:01] Ana: message 1\n[10:02] Bot: message 2\n", ("10:01:00", "10:02:00"), 2),
    ],
)
def test_both_orders_agree_on_turns_without_a_time_of_their_own(
    tmp_path: Path, chat: str, times: tuple[str, str], stored: int
) -> None:
    # before: a file's turn dated by its session start was matched when the file came first, not after
    messages = [said(n, time=f"2024-05-01T{t}") for n, t in zip((1, 2), times, strict=True)]
    for order in ("file first", "live first"):
        with Memory.open(tmp_path / order / "db", embedder=FakeEmbedder()) as memory:
            path = tmp_path / order / "chat.txt"
            path.write_text(chat, encoding="utf-8")
            if order == "live first":
                live(memory, messages)
            run(memory, path, namespace=NS)
            if order == "file first":
                live(memory, messages)
            assert len(texts(memory)) == stored, order
