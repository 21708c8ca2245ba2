"""A file moved and then edited: taken as the input it was moved from when that path no longer exists and
exactly one input of the namespace begins as it does (its old data re-keyed and diffed); a copy edited
while its original is still there stays a separate input."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graphmem.cli import main
from graphmem.ingest import IngestSummary, ingest
from graphmem.memory import Memory

from .fakes import FakeExtractor, keep
from .test_reingest import BACKENDS, _open

CHAT = "Maya: we adopted a cat\nJon: what is her name?\nMaya: Biscuit\n"


def run(memory: Memory, source: Any, **kw: Any) -> IngestSummary:
    summary = ingest(memory, source, extractor=FakeExtractor(), resolver=keep, **kw)
    assert summary.ok, summary.errors
    return summary


def stored(memory: Memory, ns: str = "chat") -> list[tuple[str, str | None, str]]:
    """(event id, its source_file, text) of every event of ``ns``, in order."""
    return [(e.id, e.source_file, e.text) for e in memory.store.iter_events(ns)]


def records(memory: Memory, ns: str, key: Path) -> dict[str, str]:
    """The source records of the input ``key`` in ``ns``: key suffix → content (``gone`` or not)."""
    return {
        r.key[len(str(key)) :]: "gone" if r.content_hash.endswith("gone") else "held"
        for r in memory.store.source_records(ns, str(key))
    }


@pytest.fixture(params=BACKENDS)
def mem(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Memory]:
    """An empty memory on each backend (the Bolt one wiped first)."""
    with _open(request, tmp_path) as memory:
        yield memory


@pytest.fixture
def moved(mem: Memory, tmp_path: Path) -> tuple[Path, Path]:
    """Folder A ingested (A/chat.txt), a turn forgotten, A moved to B, a turn appended to B/chat.txt."""
    old = tmp_path / "A" / "chat.txt"
    old.parent.mkdir()
    old.write_text(CHAT, encoding="utf-8")
    run(mem, tmp_path / "A")
    mem.forget("chat", "ev:session_1:2")
    shutil.move(tmp_path / "A", tmp_path / "B")
    new = tmp_path / "B" / "chat.txt"
    with new.open("a", encoding="utf-8") as f:
        f.write("Jon: lovely\n")
    return old, new


def test_a_moved_and_edited_folder_is_taken_as_moved(mem: Memory, tmp_path: Path, moved: tuple[Path, Path]) -> None:
    old, new = moved
    summary = run(mem, tmp_path / "B")
    # before: a new input read tagged, the namespace holding ev:chat-…/session_1:1-4 beside ev:session_1:1,3
    assert summary.notes == [(str(new), f"{new}: taken as moved from {old} (namespace 'chat')")]
    assert (summary.turns, summary.turns_kept, summary.events_retracted) == (1, 3, 0)
    assert stored(mem) == [
        ("ev:session_1:1", str(new), "we adopted a cat"),
        ("ev:session_1:3", str(new), "Biscuit"),  # the forgotten turn stays forgotten
        ("ev:session_1:4", str(new), "lovely"),
    ]
    assert mem.stats("chat").embeddings == 3
    # its recorded path is the new one; the old path's records are marked gone
    assert records(mem, "chat", new) == {"": "held", "#turns@session_1": "held", "@session_1": "held"}
    assert set(records(mem, "chat", old).values()) == {"gone"}
    assert run(mem, new).files_skipped == 1
    with new.open("a", encoding="utf-8") as f:
        f.write("Maya: yes\n")
    again = run(mem, new)
    assert (again.turns, again.events_retracted, again.notes) == (1, 0, [])
    assert stored(mem)[-1] == ("ev:session_1:5", str(new), "yes")


def test_the_cli_prints_the_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = tmp_path / "A" / "chat.txt"
    old.parent.mkdir()
    old.write_text(CHAT, encoding="utf-8")
    db = str(tmp_path / "db")
    assert main(["ingest", str(tmp_path / "A"), "--db", db, "-n", "talk", "--no-embed"]) == 0
    shutil.move(tmp_path / "A", tmp_path / "B")
    new = tmp_path / "B" / "chat.txt"
    new.write_text(CHAT + "Jon: lovely\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["ingest", str(tmp_path / "B"), "--db", db, "-n", "talk", "--no-embed"]) == 0
    assert f"note: {new}: taken as moved from {old} (namespace 'talk')" in capsys.readouterr().err
    with Memory.open(db) as memory:
        assert [e.id for e in memory.store.iter_events("talk")] == [f"ev:chat/session_1:{n}" for n in range(1, 5)]
        assert {e.source_file for e in memory.store.iter_events("talk")} == {str(new)}
        assert records(memory, "talk", new)["#chosen"] == "held"


def test_a_copy_edited_while_its_original_is_there_stays_a_separate_input(memory: Memory, tmp_path: Path) -> None:
    first = tmp_path / "A" / "chat.txt"
    first.parent.mkdir()
    first.write_text(CHAT, encoding="utf-8")
    run(memory, first)
    copy = tmp_path / "B" / "chat.txt"
    copy.parent.mkdir()
    shutil.copy(first, copy)
    copy.write_text(CHAT + "Jon: lovely\n", encoding="utf-8")
    summary = run(memory, copy)
    assert (summary.turns, summary.events_retracted, summary.notes) == (4, 0, [])
    # written beside the original, under its own tagged ids; the original's data stays as it was
    originals = [(f"ev:session_1:{n}", str(first)) for n in (1, 2, 3)]
    assert [(i, f) for i, f, _ in stored(memory) if f == str(first)] == originals
    copies = [i for i, f, _ in stored(memory) if f == str(copy)]
    assert len(copies) == 4 and all(i.startswith("ev:chat-") for i in copies)
    assert set(records(memory, "chat", first).values()) == {"held"}
    # the original deleted later: the copy, ingested before from its own path, is still its own input
    shutil.rmtree(first.parent)
    copy.write_text(CHAT + "Jon: lovely\nMaya: yes\n", encoding="utf-8")
    again = run(memory, copy)
    assert (again.turns, again.events_retracted, again.notes) == (1, 0, [])
    assert [(i, f) for i, f, _ in stored(memory) if f == str(first)] == originals
    assert len([i for i, f, _ in stored(memory) if f == str(copy)]) == 5


def test_a_file_beginning_otherwise_is_a_new_input(memory: Memory, tmp_path: Path) -> None:
    first = tmp_path / "A" / "chat.txt"
    first.parent.mkdir()
    first.write_text(CHAT, encoding="utf-8")
    run(memory, first)
    shutil.rmtree(first.parent)
    other = tmp_path / "B" / "chat.txt"
    other.parent.mkdir()
    other.write_text("Ann: we adopted a dog\nBob: lovely\n", encoding="utf-8")
    summary = run(memory, other)
    assert (summary.turns, summary.events_retracted, summary.notes) == (2, 0, [])
    assert {f for _, f, _ in stored(memory)} == {str(first), str(other)}


def test_a_file_renamed_and_edited_under_a_chosen_namespace_keeps_its_ids(mem: Memory, tmp_path: Path) -> None:
    old = tmp_path / "A" / "chat.txt"
    old.parent.mkdir()
    old.write_text(CHAT, encoding="utf-8")
    run(mem, tmp_path / "A", namespace="ns")
    mem.forget("ns", "ev:chat/session_1:2")
    new = old.with_name("talk2.txt")
    old.rename(new)
    with new.open("a", encoding="utf-8") as f:
        f.write("Jon: lovely\n")
    summary = run(mem, tmp_path / "A", namespace="ns")
    # before: not recognised (its session ids carry the file's name), 4 turns written as ev:talk2/session_1:*
    assert summary.notes == [(str(new), f"{new}: taken as moved from {old} (namespace 'ns')")]
    assert (summary.turns, summary.turns_kept, summary.events_retracted) == (1, 3, 0)
    assert stored(mem, "ns") == [
        ("ev:chat/session_1:1", str(new), "we adopted a cat"),
        ("ev:chat/session_1:3", str(new), "Biscuit"),  # the forgotten turn stays forgotten
        ("ev:chat/session_1:4", str(new), "lovely"),
    ]
    assert set(records(mem, "ns", old).values()) == {"gone"}
    assert records(mem, "ns", new)["#stem"] == "held"  # the stem its ids carry
    assert run(mem, tmp_path / "A", namespace="ns").files_skipped == 1
    # edited again at its new name: diffed under the ids it keeps, not rewritten as talk2/session_1
    with new.open("a", encoding="utf-8") as f:
        f.write("Maya: yes\n")
    again = run(mem, new, namespace="ns")
    assert (again.turns, again.events_retracted, again.notes) == (1, 0, [])
    assert stored(mem, "ns")[-1] == ("ev:chat/session_1:5", str(new), "yes")
    # renamed once more and edited: still the same input, its ids still chat/session_1
    newer = new.with_name("talk3.txt")
    new.rename(newer)
    with newer.open("a", encoding="utf-8") as f:
        f.write("Jon: good\n")
    third = run(mem, tmp_path / "A", namespace="ns")
    assert third.notes == [(str(newer), f"{newer}: taken as moved from {new} (namespace 'ns')")]
    assert (third.turns, third.events_retracted) == (1, 0)
    assert [i for i, _, _ in stored(mem, "ns")] == [f"ev:chat/session_1:{n}" for n in (1, 3, 4, 5, 6)]


def test_a_copy_renamed_and_edited_beside_its_original_stays_a_separate_input(memory: Memory, tmp_path: Path) -> None:
    first = tmp_path / "chat.txt"
    first.write_text(CHAT, encoding="utf-8")
    run(memory, first, namespace="ns")
    copy = tmp_path / "talk.txt"
    copy.write_text(CHAT + "Jon: lovely\n", encoding="utf-8")
    summary = run(memory, copy, namespace="ns")
    assert (summary.turns, summary.events_retracted, summary.notes) == (4, 0, [])
    assert {f for _, f, _ in stored(memory, "ns")} == {str(first), str(copy)}
    assert sum(i.startswith("ev:talk/session_1:") for i, _, _ in stored(memory, "ns")) == 4
