"""Message ids across live add and ingest: an agent's messages added live with their ``id`` and an export of
its transcript holding the same ids are stored once, whichever comes first; the same id with other text is
an error naming ``file:line``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graphmem.errors import IngestError
from graphmem.ingest import ingest
from graphmem.live import add
from graphmem.memory import Memory
from tests.support.messages import NS, jsonl, live, run

from .fakes import FakeEmbedder, FakeExtractor, keep


def message(n: int, session: str = "1", **changes: Any) -> dict[str, Any]:
    said = {"speaker": "Ana" if n % 2 else "Bot", "text": f"message {n}", "time": f"2024-05-01T10:{n:02d}"}
    return {**said, "session": session, "id": f"m{n}", **changes}


def stored(memory: Memory) -> list[tuple[str, str | None, bool]]:
    """(session, message id, from a file) of every event, in order."""
    return [(e.session, e.source_id, e.source_file is not None) for e in memory.store.iter_events(NS)]


def ids(memory: Memory) -> list[str | None]:
    return sorted(e.source_id for e in memory.store.iter_events(NS))  # type: ignore[type-var]


@pytest.mark.parametrize("into", ["explicit", "by file name"])
def test_an_export_of_messages_added_live_takes_their_session_over(memory: Memory, tmp_path: Path, into: str) -> None:
    live(memory, [message(1), message(2), message(3)])
    path = jsonl(tmp_path / "ana.jsonl", [message(n) for n in range(1, 6)])
    summary = run(memory, path, namespace=NS if into == "explicit" else None)
    # before: the three live messages were stored a second time, under the file's session
    assert ids(memory) == ["m1", "m2", "m3", "m4", "m5"]
    session = "ana/session_1" if into == "explicit" else "session_1"
    assert stored(memory) == [(session, f"m{n}", True) for n in range(1, 6)]
    assert [s.id for s in memory.store.iter_sessions(NS)] == [session]
    assert (summary.turns, summary.events_retracted, summary.turns_live) == (5, 3, 0)
    assert memory.stats(NS).embeddings == 5
    assert run(memory, path, namespace=NS if into == "explicit" else None).files_skipped == 1


def test_messages_added_live_after_the_export_stay_and_the_rest_is_written_once(memory: Memory, tmp_path: Path) -> None:
    live(memory, [message(1), message(2), message(3), message(6)])  # m6 came after the export
    path = jsonl(tmp_path / "export.jsonl", [message(n) for n in range(1, 6)])
    summary = run(memory, path, namespace=NS)
    assert ids(memory) == ["m1", "m2", "m3", "m4", "m5", "m6"]
    assert (summary.turns, summary.turns_live, summary.events_retracted) == (2, 3, 0)
    assert summary.as_dict()["turns_live"] == 3
    assert stored(memory) == [
        ("export/session_1", "m4", True),
        ("export/session_1", "m5", True),
        ("session_1", "m1", False),
        ("session_1", "m2", False),
        ("session_1", "m3", False),
        ("session_1", "m6", False),
    ]
    # the export grows: only the new message is written, the live ones are still recognised
    jsonl(path, [message(n) for n in (1, 2, 3, 4, 5, 7)])
    again = run(memory, path, namespace=NS)
    assert (again.turns, again.turns_kept, again.turns_live, again.events_retracted) == (1, 2, 3, 0)
    assert ids(memory) == ["m1", "m2", "m3", "m4", "m5", "m6", "m7"]


def test_the_cli_counts_the_turns_added_live(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from graphmem.cli import main

    db = str(tmp_path / "db")
    path = jsonl(tmp_path / "export.jsonl", [message(n) for n in range(1, 4)])
    with Memory.open(db, embedder=FakeEmbedder()) as memory:
        live(memory, [message(1), message(4)])
    capsys.readouterr()
    assert main(["ingest", str(path), "--db", db, "-n", NS, "--no-embed"]) == 0
    assert "│ turns already added live  │ 1 " in capsys.readouterr().out
    assert main(["ingest", str(path), "--db", db, "-n", NS, "--no-embed"]) == 0
    assert "turns already added live" not in capsys.readouterr().out  # skipped: the row is left out


def test_the_same_id_with_other_text_is_an_error_naming_the_line(memory: Memory, tmp_path: Path) -> None:
    live(memory, [message(1), message(2, text="I said this")])
    path = jsonl(tmp_path / "export.jsonl", [message(1), message(2)])
    summary = run(memory, path, namespace=NS)
    assert summary.files_failed == 1
    assert summary.errors[0][1] == (
        f"{path}:2: message id 'm2' is stored in namespace 'ana' as ev:session_1:2, added live in session_1, "
        "with another speaker or text; forget that event first to replace it"
    )
    assert stored(memory) == [("session_1", "m1", False), ("session_1", "m2", False)]  # nothing written


def test_ids_are_per_session(memory: Memory, tmp_path: Path) -> None:
    """An export numbering its messages afresh in each conversation: m1 of session 2 is another message."""
    live(memory, [message(1, session="2")])
    run(memory, jsonl(tmp_path / "export.jsonl", [message(1), message(2)]), namespace=NS)
    assert ids(memory) == ["m1", "m1", "m2"]


def test_messages_added_live_after_the_export_was_ingested_are_recognised(memory: Memory, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "export.jsonl", [message(n) for n in range(1, 4)])
    run(memory, path, namespace=NS)
    # the agent sends them again (a backfill the other way, or a retry): its session as the messages name it
    again = live(memory, [message(2), message(3), message(4)])
    assert again == ["ev:export/session_1:2", "ev:export/session_1:3", "ev:session_1:1"]
    assert ids(memory) == ["m1", "m2", "m3", "m4"]
    with pytest.raises(
        IngestError, match="message id 'm1' is already stored in namespace 'ana' as ev:export/session_1:1"
    ):
        live(memory, [message(1, text="changed")])


def test_a_live_message_where_a_grown_export_would_write_is_an_error_and_stays(memory: Memory, tmp_path: Path) -> None:
    """Live add appends to the session of the file ingested before; the file growing must not overwrite it."""
    path = jsonl(tmp_path / "ana.jsonl", [message(n) for n in range(1, 4)])
    run(memory, path)  # the namespace from the file name: plain session_1, as live add names it
    assert live(memory, [message(6, speaker="Zed", text="live six")]) == ["ev:session_1:4"]
    jsonl(path, [message(n) for n in range(1, 6)])
    summary = run(memory, path)
    # before: the file's m4 was written over ev:session_1:4, Zed's message lost without a word
    assert summary.files_failed == 1
    assert summary.errors[0][1].startswith(
        f"{path}:4: session_1 holds a message added live, ev:session_1:4 (Zed: 'live six') with id 'm6', "
        "which this file does not give there"
    )
    assert [(e.id, e.source_id, e.text) for e in memory.store.iter_events(NS)][-1] == (
        "ev:session_1:4",
        "m6",
        "live six",
    )
    assert memory.stats(NS).events == 4


def test_a_live_message_with_an_id_a_grown_export_gives_otherwise_is_an_error(memory: Memory, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "ana.jsonl", [message(n) for n in range(1, 4)])
    run(memory, path)
    live(memory, [message(2), message(3), message(4, text="live four")])  # two retries, one new
    jsonl(path, [message(n) for n in range(1, 6)])
    summary = run(memory, path)
    assert summary.files_failed == 1
    assert summary.errors[0][1].startswith(f"{path}:4: session_1 holds a message added live, ev:session_1:4 (Bot:")
    assert "with another speaker or text" in summary.errors[0][1]
    assert [e.text for e in memory.store.iter_events(NS)] == ["message 1", "message 2", "message 3", "live four"]


def test_a_grown_export_holding_the_live_message_takes_it_over(memory: Memory, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "ana.jsonl", [message(n) for n in range(1, 4)])
    run(memory, path)
    live(memory, [message(4)])
    jsonl(path, [message(n) for n in range(1, 6)])
    summary = run(memory, path)
    assert (summary.files_ok, summary.turns, summary.turns_kept, summary.events_retracted) == (1, 2, 3, 1)
    assert stored(memory) == [("session_1", f"m{n}", True) for n in range(1, 6)]
    assert memory.stats(NS).embeddings == 5


def test_a_live_session_taken_over_stays_when_its_replacement_fails(memory: Memory, tmp_path: Path) -> None:
    """The live events are retracted in the transaction writing the file's session, not in an earlier unit."""
    live(memory, [message(n, session="2") for n in range(1, 4)])
    first = [message(100 + i, speaker="Ana", text=f"old {i}", time="2024-04-01T10:00", id=f"o{i}") for i in range(300)]
    second = [message(n, session="2") for n in range(1, 4)] + [message(4, session="2", text="EXPLODE")]
    summary = run(memory, jsonl(tmp_path / "export.jsonl", first + second), namespace=NS)
    assert summary.files_failed == 1 and summary.turns == 300  # session 1 (its own unit) was committed
    # before: the live m1-m3 were retracted with session 1's unit, and session 2 never written
    assert [(e.session, e.source_id) for e in memory.store.iter_events(NS) if e.source_file is None] == [
        ("session_2", "m1"),
        ("session_2", "m2"),
        ("session_2", "m3"),
    ]


def test_same_named_sessions_of_two_files_do_not_refuse_an_agents_message(memory: Memory, tmp_path: Path) -> None:
    """Two exports in one namespace, each with m1 in session "1": a live m1 is one of theirs only when it says
    the same as one of them; else it is the agent's own message."""
    for name in "ab":
        run(memory, jsonl(tmp_path / f"{name}.jsonl", [message(1, text=f"from {name}")]), namespace=NS)
    assert live(memory, [message(1, text="from b")]) == ["ev:b/session_1:1"]
    # before: an IngestError naming a/session_1's m1, though nothing says the message is that one
    assert live(memory, [message(1, text="the agent's own")]) == ["ev:session_1:1"]
    assert ids(memory) == ["m1", "m1", "m1"]


def test_live_add_names_the_file_line_of_the_message_it_contradicts(memory: Memory, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "export.jsonl", [message(1), message(2)])
    run(memory, path, namespace=NS)
    with pytest.raises(IngestError, match=rf"as ev:export/session_1:2 \({path}:2\) with another speaker or text"):
        live(memory, [message(2, text="changed")])


def test_the_session_argument_is_a_session_id_as_stored(memory: Memory, tmp_path: Path) -> None:
    """``session=`` names a stored session id (as it did before ids were shared with files); a message's own
    ``"session": "3"`` is a label, named as a file names it. docs/cli.md and the MCP description say so.
    For identity only, ``3`` is ``session_3``: a message re-sent with ``session="3"`` is the export's."""
    from graphmem.mcp_server import _SESSION

    run(memory, jsonl(tmp_path / "export.jsonl", [message(1, session="3")]), namespace=NS)
    m1 = {k: v for k, v in message(1).items() if k != "session"}
    assert add(memory, [m1], namespace=NS, session="session_3", extractor=FakeExtractor(), resolver=keep) == [
        "ev:export/session_3:1"
    ]
    assert live(memory, [message(1, session="3")]) == ["ev:export/session_3:1"]
    assert add(memory, [m1], namespace=NS, session="3", extractor=FakeExtractor(), resolver=keep) == [
        "ev:export/session_3:1"
    ]
    m2 = {k: v for k, v in message(2).items() if k != "session"}
    assert add(memory, [m2], namespace=NS, session="3", extractor=FakeExtractor(), resolver=keep) == ["ev:3:1"]
    assert "'session_3'" in _SESSION
    docs = (Path(__file__).parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    assert "pass `--session session_3`" in docs


def test_live_events_taken_over_are_not_the_vocabulary_of_kept_turns(memory: Memory, tmp_path: Path) -> None:
    """The words of kept turns go with a partial unit (as a whole extraction would see them); the live
    events taken over are retracted in that unit, not kept."""
    seen: list[frozenset[str]] = []

    class Recording(FakeExtractor):
        def extract(self, transcript: Any) -> Any:
            seen.append(transcript.vocabulary)
            return super().extract(transcript)

    path = jsonl(tmp_path / "export.jsonl", [message(1), message(2)])
    run(memory, path, namespace=NS)
    said = [message(n, session="2", text=f"the zebra {n}") for n in (3, 4)]
    live(memory, said)
    jsonl(path, [message(1), message(2), *said])
    summary = ingest(memory, path, extractor=Recording(), resolver=keep, namespace=NS)
    assert (summary.turns, summary.turns_kept, summary.events_retracted) == (2, 2, 2)
    assert seen and "zebra" not in seen[-1]  # before: the live turns' words counted as kept
