"""One content, two paths: a file copied or moved elsewhere is recognised by its content (its source record
under the other path) and skipped with a note naming that path (a moved file that was also edited:
test_moved.py)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from graphmem.cli import main
from graphmem.ingest import IngestSummary, ingest
from graphmem.memory import Memory

from .fakes import FakeExtractor, keep

CHAT = "Maya: we adopted a cat\nJon: what is her name?\nMaya: Biscuit\n"


def run(memory: Memory, source: Any, **kw: Any) -> IngestSummary:
    kw.setdefault("extractor", FakeExtractor())
    kw.setdefault("resolver", keep)
    return ingest(memory, source, **kw)


def texts(memory: Memory, ns: str) -> list[str]:
    return sorted(e.text for e in memory.store.iter_events(ns))


def test_a_copy_under_another_path_is_skipped_with_a_note(memory: Memory, tmp_path: Path) -> None:
    first = tmp_path / "a" / "chat.txt"
    first.parent.mkdir()
    first.write_text(CHAT, encoding="utf-8")
    assert run(memory, first).events == 3
    copy = tmp_path / "b" / "chat.txt"
    copy.parent.mkdir()
    shutil.copy(first, copy)
    again = run(memory, copy)  # before: written again under tagged session ids, every message twice
    assert (again.files_skipped, again.files_ok, again.events) == (1, 0, 0)
    assert again.notes == [
        (str(copy), f"{copy}: skipped, the same content as {first}, already ingested into namespace 'chat'")
    ]
    assert again.as_dict()["notes"] == [{"path": str(copy), "message": again.notes[0][1]}]
    assert memory.stats("chat").events == 3
    # moved: the old path is gone, the content is still recognised
    moved = tmp_path / "moved.txt"
    first.rename(moved)
    assert (
        run(memory, moved, namespace="chat").notes[0][1].endswith(f"as {first}, already ingested into namespace 'chat'")
    )
    assert memory.stats("chat").events == 3


def test_copies_in_one_run_are_written_once(memory: Memory, tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / "in" / name).mkdir(parents=True)
        (tmp_path / "in" / name / "chat.txt").write_text(CHAT, encoding="utf-8")
    summary = run(memory, tmp_path / "in")
    assert (summary.files_ok, summary.files_skipped, summary.events) == (1, 1, 3)
    assert summary.notes[0][0] == str(tmp_path / "in" / "b" / "chat.txt")
    assert texts(memory, "chat") == ["Biscuit", "we adopted a cat", "what is her name?"]


def test_a_copy_of_an_input_failing_in_the_same_run_is_not_said_to_be_ingested(memory: Memory, tmp_path: Path) -> None:
    class Flaky(FakeExtractor):
        def extract(self, transcript: Any) -> Any:
            if self.calls == 0:
                self.calls += 1
                raise RuntimeError("API timeout")
            return super().extract(transcript)

    for name in ("a", "b"):
        (tmp_path / "in" / name).mkdir(parents=True)
        (tmp_path / "in" / name / "chat.txt").write_text(CHAT, encoding="utf-8")
    summary = run(memory, tmp_path / "in", extractor=Flaky())
    assert (summary.files_failed, summary.files_skipped, memory.namespaces()) == (1, 1, [])
    # before: "already ingested into namespace 'chat'", with nothing stored
    first = tmp_path / "in" / "a" / "chat.txt"
    assert summary.notes[0][1].endswith(
        f"the same content as {first}, which this run ingests into namespace 'chat' (should that fail, ingest"
        " this file again)"
    )
    again = run(memory, tmp_path / "in" / "b" / "chat.txt")
    assert (again.files_ok, again.events) == (1, 3)


def test_a_copy_into_another_namespace_is_written(memory: Memory, tmp_path: Path) -> None:
    first, copy = tmp_path / "chat.txt", tmp_path / "other.txt"
    first.write_text(CHAT, encoding="utf-8")
    shutil.copy(first, copy)
    run(memory, first)
    summary = run(memory, copy)  # its own namespace, 'other': nothing of it is stored there
    assert (summary.files_ok, summary.notes) == (1, [])
    assert memory.stats("other").events == 3


def test_a_file_edited_into_a_copy_of_another_is_an_edit(memory: Memory, tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(CHAT, encoding="utf-8")
    b.write_text("Maya: I hate cats\nJon: ok\n", encoding="utf-8")
    run(memory, a, namespace="x")
    run(memory, b, namespace="x")
    shutil.copyfile(a, b)  # b now says what a says
    summary = run(memory, b, namespace="x")
    # before: skipped as a copy of a.txt, and b's old turns stayed in the store
    assert (summary.files_ok, summary.files_skipped, summary.notes) == (1, 0, [])
    assert texts(memory, "x") == sorted(2 * CHAT.replace("Maya: ", "").replace("Jon: ", "").splitlines())
    assert run(memory, b, namespace="x").files_skipped == 1


def test_the_cli_prints_the_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, copy = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text(CHAT, encoding="utf-8")
    shutil.copy(first, copy)
    db = str(tmp_path / "db")
    assert main(["ingest", str(first), "--db", db, "-n", "talk", "--no-embed"]) == 0
    capsys.readouterr()
    assert main(["ingest", str(copy), "--db", db, "-n", "talk", "--no-embed"]) == 0
    err = capsys.readouterr().err
    assert f"note: {copy}: skipped, the same content as {first}, already ingested into namespace 'talk'" in err


def test_an_input_written_elsewhere_is_still_a_copy_where_another_path_holds_it(memory: Memory, tmp_path: Path) -> None:
    # y/x.txt into b, then x.txt (same bytes) into a, then x.txt into b: b held every message twice
    x = tmp_path / "x.txt"
    x.write_text(CHAT, encoding="utf-8")
    (tmp_path / "y").mkdir()
    y = tmp_path / "y" / "x.txt"
    shutil.copy(x, y)
    assert run(memory, y, namespace="b").events == 3
    assert run(memory, x, namespace="a").events == 3
    again = run(memory, x, namespace="b")
    assert (again.files_skipped, again.events) == (1, 0)
    assert memory.stats("b").events == 3


def test_one_file_into_a_second_namespace_leaves_the_first(memory: Memory, tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text(CHAT, encoding="utf-8")
    run(memory, path, namespace="a")
    second = run(memory, path, namespace="b")
    assert (second.files_ok, second.events_retracted) == (1, 0)
    assert memory.stats("a").events == memory.stats("b").events == 3  # the first one's turns are not lost
    again = run(memory, path, namespace="b")  # unchanged: skipped, and a still whole
    assert (again.files_skipped, memory.stats("a").events) == (1, 3)
    path.write_text(CHAT + "Jon: lovely\n", encoding="utf-8")
    edited = run(memory, path, namespace="b")  # an edit is redone where it is ingested
    assert (edited.files_ok, memory.stats("b").events, memory.stats("a").events) == (1, 4, 3)


def test_one_file_again_without_a_namespace_leaves_the_copy_a_caller_chose(memory: Memory, tmp_path: Path) -> None:
    # before, the file's own namespace run retracted what "-n a" had written, as for a conversation gone
    path = tmp_path / "chat.txt"
    path.write_text(CHAT, encoding="utf-8")
    run(memory, path, namespace="a")
    own = run(memory, path)
    assert (own.files_ok, own.events_retracted) == (1, 0)
    assert memory.stats("a").events == memory.stats("chat").events == 3
    path.write_text(CHAT + "Jon: lovely\n", encoding="utf-8")
    edited = run(memory, path)  # an edit is redone in the file's own namespace; the caller's copy stays
    assert (edited.files_ok, memory.stats("chat").events, memory.stats("a").events) == (1, 4, 3)
