"""An event id given to a live message that an ingested file holds as its own never names another message.

The agent's message added live takes the next place of the session it joins (``ev:session_1:4``); a file
holding that message at another place writes it there (a file's turn takes the id of its place), so the
live id would name whatever turn the file writes at the live place. Such a session is written under
another id (:func:`graphmem.ingest_held.moves_live`, :mod:`graphmem.ingest_ids`), and the live place is
recorded as a forgotten live message's is (:meth:`~graphmem.store.base.KeepsPositions.forgotten_live`), so
no later version of the file gives it either. A live message the file writes at its own place keeps its id.
Runs on the embedded store and on the Bolt store.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graphmem.errors import NotFoundError
from graphmem.memory import Memory
from tests.support.messages import NS, jsonl, live, run, said

from .test_live_ids import message
from .test_reingest import BACKENDS, _open


@pytest.fixture(params=BACKENDS)
def memory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Memory]:
    """An empty memory on each backend (the Bolt one wiped first)."""
    with _open(request, tmp_path) as mem:
        yield mem


def stored(memory: Memory) -> list[tuple[str, str | None, bool]]:
    """(event id, message id, from a file) of every event, in order."""
    return [(e.id, e.source_id, e.source_file is not None) for e in memory.store.iter_events(NS)]


def forgotten(memory: Memory) -> dict[str, frozenset[int]]:
    return memory.store.forgotten_live(NS)  # type: ignore[attr-defined,no-any-return]


def three_then_live(memory: Memory, tmp_path: Path, live_message: dict[str, object]) -> Path:
    """ana.jsonl (m1-m3) ingested, then ``live_message`` added live: it takes ev:session_1:4."""
    path = jsonl(tmp_path / "ana.jsonl", [message(n) for n in range(1, 4)])
    run(memory, path)
    assert live(memory, [live_message]) == ["ev:session_1:4"]
    return path


def test_a_live_message_in_the_middle_of_the_grown_file(memory: Memory, tmp_path: Path) -> None:
    # before: the file's m4 took ev:session_1:4, the id the agent was given for m5
    path = three_then_live(memory, tmp_path, message(5))
    jsonl(path, [message(n) for n in range(1, 7)])
    summary = run(memory, path)
    assert summary.files_ok == 1
    events = stored(memory)
    assert [(source, filed) for _, source, filed in events] == [(f"m{n}", True) for n in range(1, 7)]
    assert memory.store.get_event(NS, "ev:session_1:4") is None
    (session,) = {e.session for e in memory.store.iter_events(NS)}
    assert session.startswith("ana-") and session.endswith("/session_1")
    assert forgotten(memory) == {"session_1": frozenset({4})}
    with pytest.raises(NotFoundError):  # the agent's retried forget deletes nothing of the file
        memory.forget(NS, "ev:session_1:4")
    assert run(memory, path).files_skipped == 1  # unchanged: the same ids
    assert stored(memory) == events
    jsonl(path, [message(n) for n in range(1, 8)])  # grown again: it stays where it moved
    again = run(memory, path)
    assert (again.turns, again.turns_kept) == (1, 6)
    assert stored(memory) == [*events, (f"ev:{session}:7", "m7", True)]


def test_a_live_message_without_an_id_said_alike_at_another_place(memory: Memory, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "ana.jsonl", [said(n) for n in range(1, 4)])
    run(memory, path)
    assert live(memory, [said(5)]) == ["ev:session_1:4"]
    jsonl(path, [said(n) for n in range(1, 6)])
    assert run(memory, path).files_ok == 1
    assert [e.text for e in memory.store.iter_events(NS)] == [f"message {n}" for n in range(1, 6)]
    assert memory.store.get_event(NS, "ev:session_1:4") is None


def test_a_live_place_the_file_does_not_reach_yet_is_kept_from_its_later_turns(memory: Memory, tmp_path: Path) -> None:
    """The file writes the agent's m5 at its place 3 (below the live place 4): its ids stay plain, and the
    live place is recorded, so the file grown past it later moves."""
    path = three_then_live(memory, tmp_path, message(5))
    jsonl(path, [message(1), message(2), message(5)])
    assert run(memory, path).files_ok == 1
    assert stored(memory) == [
        ("ev:session_1:1", "m1", True),
        ("ev:session_1:2", "m2", True),
        ("ev:session_1:3", "m5", True),
    ]
    assert forgotten(memory) == {"session_1": frozenset({4})}
    # before: m6 took ev:session_1:4, the id the agent was given for m5
    jsonl(path, [message(1), message(2), message(5), message(6)])
    assert run(memory, path).files_ok == 1
    assert [e.source_id for e in memory.store.iter_events(NS)] == ["m1", "m2", "m5", "m6"]
    assert memory.store.get_event(NS, "ev:session_1:4") is None


def test_a_live_message_the_file_writes_at_its_own_place_keeps_its_id(memory: Memory, tmp_path: Path) -> None:
    path = three_then_live(memory, tmp_path, message(4))
    jsonl(path, [message(n) for n in range(1, 6)])
    assert run(memory, path).files_ok == 1
    assert stored(memory) == [(f"ev:session_1:{n}", f"m{n}", True) for n in range(1, 6)]
    assert forgotten(memory) == {}  # nothing recorded: ev:session_1:4 still names m4


def test_a_live_session_taken_over_from_another_place(memory: Memory, tmp_path: Path) -> None:
    # before: the file's m0 took ev:session_1:1 and its m1 ev:session_1:2, the agent's ids for m1 and m2
    assert live(memory, [message(1), message(2)]) == ["ev:session_1:1", "ev:session_1:2"]
    run(memory, jsonl(tmp_path / "ana.jsonl", [message(0, text="message zero"), message(1), message(2)]))
    assert [(source, filed) for _, source, filed in stored(memory)] == [("m0", True), ("m1", True), ("m2", True)]
    assert memory.store.get_event(NS, "ev:session_1:1") is None
    assert memory.store.get_event(NS, "ev:session_1:2") is None
    assert forgotten(memory) == {"session_1": frozenset({1, 2})}


def test_a_live_session_taken_over_at_its_places_keeps_its_ids(memory: Memory, tmp_path: Path) -> None:
    assert live(memory, [message(1), message(2)]) == ["ev:session_1:1", "ev:session_1:2"]
    run(memory, jsonl(tmp_path / "ana.jsonl", [message(n) for n in range(1, 4)]))
    assert stored(memory) == [(f"ev:session_1:{n}", f"m{n}", True) for n in range(1, 4)]
    assert forgotten(memory) == {}


def test_live_add_after_the_move_and_the_file_holding_it(memory: Memory, tmp_path: Path) -> None:
    path = three_then_live(memory, tmp_path, message(5))
    jsonl(path, [message(n) for n in range(1, 7)])
    run(memory, path)
    (session,) = {e.session for e in memory.store.iter_events(NS)}
    assert live(memory, [message(5)]) == [f"ev:{session}:5"]  # re-sent: the file's message, by its id
    assert live(memory, [message(7)]) == ["ev:session_1:5"]  # after the place given before
    jsonl(path, [message(n) for n in range(1, 8)])
    assert run(memory, path).files_ok == 1  # the live session taken over under the file's moved id
    assert stored(memory)[-1] == (f"ev:{session}:7", "m7", True)
    assert len(stored(memory)) == 7
    assert memory.store.get_event(NS, "ev:session_1:5") is None
    assert forgotten(memory) == {"session_1": frozenset({4, 5})}


def test_a_live_session_taken_over_below_its_place_is_kept_from_its_later_turns(memory: Memory, tmp_path: Path) -> None:
    """A live session numbered on after a file's forgotten turns (m5 at ev:session_1:4, the first three
    places given before), taken over by another file writing m5 at its place 3: the live place is
    recorded, so that file grown to a fourth turn moves."""
    first = jsonl(tmp_path / "ana.jsonl", [message(n, text=f"first {n}") for n in range(1, 4)])
    run(memory, first)
    for n in range(1, 4):
        memory.forget(NS, f"ev:session_1:{n}")
    assert live(memory, [message(5)]) == ["ev:session_1:4"]
    (tmp_path / "b").mkdir()
    other = jsonl(tmp_path / "b" / "ana.jsonl", [message(1), message(2), message(5)])
    assert run(memory, other).files_ok == 1
    assert stored(memory) == [
        ("ev:session_1:1", "m1", True),
        ("ev:session_1:2", "m2", True),
        ("ev:session_1:3", "m5", True),
    ]
    assert forgotten(memory) == {"session_1": frozenset({4})}
    jsonl(other, [message(1), message(2), message(5), message(6)])
    assert run(memory, other).files_ok == 1
    assert [e.source_id for e in memory.store.iter_events(NS)] == ["m1", "m2", "m5", "m6"]
    assert memory.store.get_event(NS, "ev:session_1:4") is None
