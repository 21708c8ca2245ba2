"""An empty (or whitespace-only) transcript file is skipped with a note, not a failed file: a log created
but not yet written must not make a scheduled ingest fail. Reading it alone is still an error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from graphmem.cli import main
from graphmem.errors import EmptyInputError, IngestError
from graphmem.formats import read_transcripts
from graphmem.ingest import IngestSummary, ingest
from graphmem.memory import Memory

from .conftest import DATA
from .fakes import FakeExtractor, keep


def run(memory: Memory, source: Any, **kw: Any) -> IngestSummary:
    kw.setdefault("extractor", FakeExtractor())
    kw.setdefault("resolver", keep)
    return ingest(memory, source, **kw)


@pytest.mark.parametrize("content", ["", " \n\t\n"])
def test_an_empty_file_in_a_folder_is_skipped_with_a_note(memory: Memory, tmp_path: Path, content: str) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    shutil.copy(DATA / "chat.jsonl", folder / "chat.jsonl")
    (folder / "today.jsonl").write_text(content, encoding="utf-8")
    for _ in range(2):  # every run: the file stays empty until the agent writes to it
        summary = run(memory, folder)
        assert (summary.files_failed, summary.files_empty, summary.errors) == (0, 1, [])
        assert summary.ok
        today = str(folder / "today.jsonl")
        assert (today, f"{today}: skipped, the file is empty (nothing to ingest yet)") in summary.notes
        assert summary.as_dict()["files_empty"] == 1
    assert memory.namespaces() == ["chat"]


def test_a_file_written_later_is_ingested(memory: Memory, tmp_path: Path) -> None:
    path = tmp_path / "today.jsonl"
    path.write_text("", encoding="utf-8")
    assert run(memory, path).files_empty == 1
    path.write_text(json.dumps({"speaker": "Ana", "text": "hello"}) + "\n", encoding="utf-8")
    summary = run(memory, path)
    assert (summary.files_ok, summary.files_empty, summary.events) == (1, 0, 1)


def test_a_file_emptied_since_keeps_what_it_wrote(memory: Memory, tmp_path: Path) -> None:
    path = tmp_path / "today.jsonl"
    path.write_text(json.dumps({"speaker": "Ana", "text": "hello"}) + "\n", encoding="utf-8")
    assert run(memory, path).events == 1
    path.write_text("", encoding="utf-8")
    assert run(memory, path).files_empty == 1
    assert memory.stats("today").events == 1


def test_the_cli_exits_0_with_a_note_for_a_folder_and_a_single_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "ef"
    folder.mkdir()
    shutil.copy(DATA / "chat.jsonl", folder / "chat.jsonl")
    empty = folder / "today.jsonl"
    empty.write_text("", encoding="utf-8")
    db = str(tmp_path / "db")
    for args in ([str(folder)], [str(folder)], [str(empty)]):
        assert main(["--db", db, "ingest", "--no-embed", *args]) == 0
        captured = capsys.readouterr()
        assert f"note: {empty}: skipped, the file is empty (nothing to ingest yet)" in captured.err
        assert "error" not in captured.err
        assert "│ files skipped (empty)     │ 1     │" in captured.out


def test_reading_an_empty_file_is_still_an_error(tmp_path: Path) -> None:
    path = tmp_path / "today.jsonl"
    path.write_text("\n", encoding="utf-8")
    with pytest.raises(EmptyInputError, match="empty file") as info:
        read_transcripts(path)
    assert isinstance(info.value, IngestError)


def test_messages_without_text_are_counted_as_left_out(memory: Memory, tmp_path: Path) -> None:
    lines = [
        {"id": "n1", "session": 1, "speaker": "Ann", "text": "Hello."},
        {"id": "n2", "session": 1, "speaker": "Bob", "text": None},
        {"id": "n3", "session": 1, "speaker": "Bob", "text": ""},
        {"id": "n4", "session": 1, "speaker": "Ann", "text": "   "},
        {"id": "n5", "session": 1, "role": "system", "content": "instructions are no message"},
    ]
    path = tmp_path / "nullcontent.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    summary = run(memory, path)
    assert (summary.turns, summary.messages_empty, summary.as_dict()["messages_empty"]) == (1, 3, 3)


def test_the_cli_table_counts_messages_left_out_as_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "chat.json"
    messages = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": None},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "call_1"}]},  # plumbing, not an empty message
    ]
    path.write_text(json.dumps({"messages": messages}), encoding="utf-8")
    assert main(["--db", str(tmp_path / "db"), "ingest", "--no-embed", str(path)]) == 0
    assert "│ messages left out (empty) │ 1     │" in capsys.readouterr().out
