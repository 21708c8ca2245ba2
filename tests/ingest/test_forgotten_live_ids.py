"""An event id given to a live message and then forgotten is never given again by an ingested file.

A file's turn takes the id of its place in its session (``ev:session_1:4``); a live message appended to
that session and forgotten had given that id. The store remembers the places of forgotten live messages
(:meth:`~graphmem.store.base.KeepsPositions.forgotten_live`), and a session whose id would give one of them
again is written under another id (its tagged one: :mod:`graphmem.ingest_ids`), so an agent's retried
``forget`` of the id it was given never deletes a file's turn. A file's own turns removed and added again
keep taking their old ids (``test_reingest.py::test_removed_turns_and_sessions_are_retracted``): only places
given live are avoided. Runs on the embedded store and on the Bolt store.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphmem.errors import NotFoundError
from graphmem.export import export_graph
from graphmem.memory import Memory
from graphmem.store.embedded import EmbeddedStore
from graphmem.sync import read_export, restore_export, sync_stores
from tests.support.messages import NS, jsonl, live, run

from .fakes import FakeEmbedder
from .test_live_ids import message
from .test_reingest import BACKENDS, _open


@pytest.fixture(params=BACKENDS)
def memory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Memory]:
    """An empty memory on each backend (the Bolt one wiped first)."""
    with _open(request, tmp_path) as mem:
        yield mem


def stored(memory: Memory) -> list[tuple[str, str | None]]:
    """(event id, message id) of every event, in order."""
    return [(e.id, e.source_id) for e in memory.store.iter_events(NS)]


def grown_after_a_forgotten_live_message(memory: Memory, tmp_path: Path) -> Path:
    """ana.jsonl (m1-m3) ingested, a live message appended as ev:session_1:4 and forgotten."""
    path = jsonl(tmp_path / "ana.jsonl", [message(n) for n in range(1, 4)])
    run(memory, path)
    assert live(memory, [message(6, speaker="Zed", text="live six")]) == ["ev:session_1:4"]
    memory.forget(NS, "ev:session_1:4")
    return jsonl(path, [message(n) for n in range(1, 6)])


def test_a_grown_file_never_takes_the_id_of_a_forgotten_live_message(memory: Memory, tmp_path: Path) -> None:
    # before: the file's turn 4 was stored as ev:session_1:4, the id of the forgotten live message, so a
    # retried forget of it deleted the file's turn
    path = grown_after_a_forgotten_live_message(memory, tmp_path)
    assert run(memory, path).files_ok == 1
    assert [e.source_id for e in memory.store.iter_events(NS)] == ["m1", "m2", "m3", "m4", "m5"]
    assert memory.store.get_event(NS, "ev:session_1:4") is None
    # the session moved whole to its tagged id: a file's turn takes the id of its place
    (session,) = {e.session for e in memory.store.iter_events(NS)}
    assert session.startswith("ana-") and session.endswith("/session_1")
    with pytest.raises(NotFoundError):  # the agent's retried forget deletes nothing of the file
        memory.forget(NS, "ev:session_1:4")
    assert memory.stats(NS).events == 5


def test_the_moved_session_keeps_its_ids_and_forgotten_turns_when_the_file_changes(
    memory: Memory, tmp_path: Path
) -> None:
    path = grown_after_a_forgotten_live_message(memory, tmp_path)
    run(memory, path)
    moved = stored(memory)
    memory.forget(NS, moved[1][0])  # the file's own m2
    jsonl(path, [message(n) for n in range(1, 7)])
    summary = run(memory, path)
    assert (summary.files_ok, summary.turns, summary.turns_kept) == (1, 1, 5)
    assert stored(memory) == [moved[0], *moved[2:], (moved[-1][0][:-1] + "6", "m6")]
    assert memory.store.get_event(NS, "ev:session_1:4") is None


def test_a_file_taking_a_live_session_over_never_takes_a_forgotten_id(memory: Memory, tmp_path: Path) -> None:
    ids = live(memory, [message(1), message(2, text="soon forgotten")])
    memory.forget(NS, ids[1])
    run(memory, jsonl(tmp_path / "ana.jsonl", [message(1), message(3), message(4)]))
    assert [e.source_id for e in memory.store.iter_events(NS)] == ["m1", "m3", "m4"]
    assert memory.store.get_event(NS, ids[1]) is None


def test_a_file_shorter_than_the_forgotten_place_keeps_its_ids(memory: Memory, tmp_path: Path) -> None:
    """Only a place the file would write counts: until the file reaches it, its session keeps its id."""
    path = jsonl(tmp_path / "ana.jsonl", [message(n) for n in range(1, 4)])
    run(memory, path)
    live(memory, [message(6, text="live four"), message(7, text="live five")])
    memory.forget(NS, "ev:session_1:5")
    jsonl(path, [message(n) for n in range(1, 4)] + [message(6, text="live four")])  # it holds live four
    assert run(memory, path).files_ok == 1
    assert stored(memory) == [(f"ev:session_1:{n}", f"m{n}") for n in (1, 2, 3)] + [("ev:session_1:4", "m6")]


def test_own_turns_removed_and_added_again_keep_their_ids_beside_a_forgotten_place(
    memory: Memory, tmp_path: Path
) -> None:
    path = jsonl(tmp_path / "ana.jsonl", [message(n) for n in range(1, 6)])
    run(memory, path)
    assert live(memory, [message(9, text="live")]) == ["ev:session_1:6"]
    memory.forget(NS, "ev:session_1:6")
    jsonl(path, [message(n) for n in range(1, 4)])
    run(memory, path)
    jsonl(path, [message(n) for n in range(1, 6)])
    assert run(memory, path).files_ok == 1
    assert stored(memory) == [(f"ev:session_1:{n}", f"m{n}") for n in range(1, 6)]  # as a fresh ingest


def test_a_tagged_id_that_gave_a_forgotten_live_id_too_is_passed_over(memory: Memory, tmp_path: Path) -> None:
    path = grown_after_a_forgotten_live_message(memory, tmp_path)
    run(memory, path)  # now under its tagged id, five turns
    (tagged,) = {e.session for e in memory.store.iter_events(NS)}
    said = {k: v for k, v in message(8, text="live eight").items() if k != "session"}
    assert live(memory, [said], session=tagged) == [f"ev:{tagged}:6"]
    memory.forget(NS, f"ev:{tagged}:6")
    jsonl(path, [message(n) for n in range(1, 8)])
    assert run(memory, path).files_ok == 1
    assert {e.session for e in memory.store.iter_events(NS)} == {f"{tagged}~2"}
    assert [e.source_id for e in memory.store.iter_events(NS)] == [f"m{n}" for n in range(1, 8)]
    assert memory.store.get_event(NS, f"ev:{tagged}:6") is None
    jsonl(path, [message(n) for n in range(1, 9)])  # and it stays there
    summary = run(memory, path)
    assert (summary.turns, summary.turns_kept) == (1, 7)
    assert {e.session for e in memory.store.iter_events(NS)} == {f"{tagged}~2"}


def test_live_add_never_gives_a_forgotten_live_id_again(memory: Memory, tmp_path: Path) -> None:
    ids = live(memory, [message(1), message(2)])
    memory.forget(NS, ids[1])
    assert live(memory, [message(3)]) == ["ev:session_1:3"]
    path = jsonl(tmp_path / "ana.jsonl", [message(n) for n in range(1, 4)])
    run(memory, path)
    assert memory.store.get_event(NS, ids[1]) is None
    assert ids[1] not in {e.id for e in memory.store.iter_events(NS)}


@pytest.mark.parametrize("how", ["restore", "restore --replace", "sync", "sync --replace"])
def test_a_copy_keeps_the_protection(tmp_path: Path, how: str) -> None:
    """Export → restore, sync and replace carry the places of forgotten live messages."""
    with Memory.open(tmp_path / "a", embedder=FakeEmbedder()) as memory:
        path = grown_after_a_forgotten_live_message(memory, tmp_path)
        assert memory.store.forgotten_live(NS) == {"session_1": frozenset({4})}  # type: ignore[attr-defined]
    src, dst = EmbeddedStore.open(tmp_path / "a"), EmbeddedStore.open(tmp_path / "b")
    try:
        if how.startswith("sync"):
            sync_stores(src, dst, replace=how.endswith("replace"))
        else:
            out = io.StringIO()
            export_graph(src, out, "json", embeddings=True)
            backup = tmp_path / "backup.json"
            backup.write_text(out.getvalue(), encoding="utf-8")
            (space,) = json.loads(backup.read_text(encoding="utf-8"))["namespaces"]
            assert space["forgotten_live"] == [{"session": "session_1", "position": 4}]
            restore_export(read_export(backup), dst, source=str(backup), replace=how.endswith("replace"))
        assert dst.forgotten_live(NS) == {"session_1": frozenset({4})}
    finally:
        src.close()
        dst.close()
    with Memory.open(tmp_path / "b", embedder=FakeEmbedder()) as copy:
        assert run(copy, path).files_ok == 1  # the file at the same path, into the copy
        assert [e.source_id for e in copy.store.iter_events(NS)] == ["m1", "m2", "m3", "m4", "m5"]
        assert copy.store.get_event(NS, "ev:session_1:4") is None


def test_a_live_id_taken_over_at_another_place_never_names_another_message(memory: Memory, tmp_path: Path) -> None:
    """The agent's m5 was appended to the file's session as ev:session_1:4; the file grown to m1-m5 holds it
    as its own at its place 5. Before, ingest retracted the live event and wrote the file's m4 at
    ev:session_1:4 and m5 at ev:session_1:5, so the agent's retried forget of ev:session_1:4 (meant for m5)
    deleted m4. Now the session moves whole to its tagged id, as for a forgotten live place, and the live
    place is recorded as one (more variants: ``test_taken_live_ids.py``)."""
    path = jsonl(tmp_path / "ana.jsonl", [message(n) for n in range(1, 4)])
    run(memory, path)
    assert live(memory, [message(5)]) == ["ev:session_1:4"]
    jsonl(path, [message(n) for n in range(1, 6)])
    assert run(memory, path).files_ok == 1
    given = memory.store.get_event(NS, "ev:session_1:4")
    assert given is None or given.source_id == "m5"
