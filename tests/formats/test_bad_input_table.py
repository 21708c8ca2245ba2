"""One table of malformed inputs: each gets a named IngestError (text, file and line checked) and writes nothing.

Every row is a kind of bad input a user or an attacker may hand to ``graphmem ingest``. Reading it must
raise :class:`~graphmem.errors.IngestError` whose message holds the expected words, names the file and
(where the fault has one) the line; ingesting it next to a good file must fail that file alone (an empty
file is skipped with a note instead) and leave the store exactly as it was.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphmem.errors import IngestError
from graphmem.formats import MAX_LINE_CHARS, MAX_TURN_CHARS, read_transcripts
from graphmem.ingest import ingest
from graphmem.memory import Memory

from ..ingest.fakes import FakeEmbedder, FakeExtractor, keep

DATA = Path(__file__).resolve().parents[2] / "data"


def _jsonl(*records: object) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


_OK = {"speaker": "Ana", "text": "hello"}
_LOCOMO_OK = {"speaker": "A", "dia_id": "D1:1", "text": "ok"}

# (kind, file name, content, words the message must hold, line it must name or None)
BAD_INPUTS: list[tuple[str, str, str | bytes, str, int | None]] = [
    ("empty file", "a.jsonl", "", "empty file", None),
    ("only whitespace", "a.txt", "  \n\n\t\n", "empty file", None),
    ("UTF-16 text", "a.txt", "Ana: hi\n".encode("utf-16"), "UTF-16", None),
    ("PNG image", "a.json", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file", None),
    ("gzip archive", "a.jsonl", b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "binary file", None),
    ("NUL byte on line 2", "a.txt", b"Ana: hi\nBo: \x00there\n", "NUL byte at offset 12", 2),
    ("latin-1 byte on line 2", "a.txt", b"Ana: hi\nBo: caf\xe9\n", "byte 0xe9 at offset 15", 2),
    ("BOM then a bad byte", "a.txt", b"\xef\xbb\xbfAna: hi\nBo: caf\xe9\n", "byte 0xe9 at offset 18", 2),
    ("malformed JSON", "a.json", '[\n  {"sample_id": "a",\n   "conversation": {,}\n  }\n]\n', "malformed JSON", 3),
    ("malformed JSONL line", "a.jsonl", _jsonl(_OK) + "{'speaker': 'A'}\n", "malformed JSON", 2),
    ("JSON nested too deeply", "a.json", "[" * 100_000 + "]" * 100_000, "nested too deeply", None),
    ("unknown JSON layout", "a.json", json.dumps({"rows": [1, 2]}), "unknown JSON layout", None),
    ("no layout at all", "a.txt", "just some prose\nwithout any speaker\n", "unknown format", None),
    ("line too long", "a.txt", "Ana: hi\nBo: " + "a" * (MAX_LINE_CHARS + 1) + "\n", "characters long", 2),
    ("turn too long", "a.jsonl", _jsonl({"speaker": "A", "text": "w" * (MAX_TURN_CHARS + 1)}), "turn is", 1),
    ("JSONL record without text", "a.jsonl", _jsonl(_OK, {"speaker": "B"}), "missing field 'text'", 2),
    ("JSONL record without speaker", "a.jsonl", _jsonl(_OK, {"text": "hi"}), "missing field 'speaker'", 2),
    ("JSONL line not an object", "a.jsonl", _jsonl(_OK) + "[1, 2]\n", "expected a message object", 2),
    ("empty speaker", "a.jsonl", _jsonl({"speaker": " ", "text": "hi"}), "must be a non-empty string", 1),
    ("text of the wrong type", "a.jsonl", _jsonl({"speaker": "A", "text": 42}), "must be a string", 1),
    ("id of the wrong type", "a.jsonl", _jsonl({"speaker": "A", "text": "x", "id": [1]}), "'id' must be", 1),
    ("session of the wrong type", "a.jsonl", _jsonl({**_OK, "session": {"a": 1}}), "'session' must be", 1),
    ("caption of the wrong type", "a.jsonl", _jsonl({**_OK, "caption": 7}), "caption must be a string", 1),
    ("words for a timestamp", "a.jsonl", _jsonl(_OK, {**_OK, "timestamp": "soonish"}), "not a timestamp", 2),
    ("boolean timestamp", "a.jsonl", _jsonl({**_OK, "timestamp": True}), "not a timestamp", 1),
    ("absurd epoch timestamp", "a.jsonl", _jsonl({**_OK, "timestamp": 1e30}), "not a timestamp", 1),
    (
        "timestamp past the calendar's end",
        "a.jsonl",
        _jsonl(_OK, {**_OK, "timestamp": "9999-12-31T23:30:00-05:00"}),
        "timestamp out of range",
        2,
    ),
    (
        "timestamp before the calendar's start",
        "a.jsonl",
        _jsonl({**_OK, "timestamp": "0001-01-01T00:10:00+05:00"}),
        "timestamp out of range",
        1,
    ),
    ("only system messages", "a.jsonl", _jsonl({"role": "system", "content": "be nice"}), "no dialogue turns", None),
    ("chat export without messages", "a.json", json.dumps({"title": "x", "messages": 3}), "messages", None),
    (
        "chat message without content",
        "a.json",
        json.dumps({"messages": [{"role": "user", "content": "a"}, {"role": "user"}]}),
        "missing field 'text'",
        None,
    ),
    (
        "LoCoMo turn without text",
        "a.json",
        json.dumps([{"sample_id": "a", "conversation": {"session_1": [_LOCOMO_OK, {"speaker": "B"}]}}]),
        "missing field 'text'",
        None,
    ),
    (
        "LoCoMo text of the wrong type",
        "a.json",
        json.dumps({"sample_id": "a", "conversation": {"session_1": [{"speaker": "A", "text": 42}]}}),
        "must be a string",
        None,
    ),
    (
        "LoCoMo without sessions",
        "a.json",
        json.dumps([{"sample_id": "a", "conversation": {"speaker_a": "A"}}]),
        "no 'session_N'",
        None,
    ),
    (
        "text line without speaker",
        "a.txt",
        "## Session 1 — 1 May 2024\nno speaker\nAna: hi\n",
        "expected 'Name: text'",
        2,
    ),
    ("text turn left empty", "a.txt", "Ana: hi\nBo:\nAna: well\n", "empty turn", 2),
    ("text time of day that is none", "a.txt", "[25:61] Ana: hi\n", "not a time of day", 1),
]


def test_the_table_covers_at_least_thirty_kinds() -> None:
    assert len({row[0] for row in BAD_INPUTS}) == len(BAD_INPUTS) >= 30


@pytest.mark.parametrize(("kind", "name", "content", "words", "line"), BAD_INPUTS, ids=[r[0] for r in BAD_INPUTS])
def test_bad_input_is_named(write, kind: str, name: str, content: str | bytes, words: str, line: int | None) -> None:
    path = write(name, content)
    with pytest.raises(IngestError) as info:
        read_transcripts(path)
    message = str(info.value)
    assert words in message, (kind, message)
    assert message.startswith(str(path)), message
    if line is not None:
        assert info.value.line == line, message
        assert message.startswith(f"{path}:{line}"), message


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    with Memory.open(tmp_path_factory.mktemp("bad") / "db", embedder=FakeEmbedder()) as mem:
        summary = ingest(mem, DATA / "chat.jsonl", extractor=FakeExtractor(), resolver=keep)
        assert summary.files_ok == 1
        yield mem


@pytest.mark.parametrize(("kind", "name", "content", "words", "line"), BAD_INPUTS, ids=[r[0] for r in BAD_INPUTS])
def test_bad_input_writes_nothing(
    store: Memory, tmp_path: Path, kind: str, name: str, content: str | bytes, words: str, line: int | None
) -> None:
    before = (store.namespaces(), store.stats().as_dict())
    bad = tmp_path / name
    bad.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    summary = ingest(store, [bad, DATA / "chat.jsonl"], extractor=FakeExtractor(), resolver=keep)
    if words == "empty file":  # a log created but not written yet is skipped with a note, not failed
        assert (summary.files_failed, summary.files_empty, summary.files_skipped) == (0, 1, 1), summary.errors
        assert "the file is empty" in summary.notes[0][1]
    else:
        assert (summary.files_failed, summary.files_skipped) == (1, 1), summary.errors
        assert words in summary.errors[0][1]
    assert (store.namespaces(), store.stats().as_dict()) == before


def test_a_folder_with_a_bad_time_and_a_symlink_loop_ingests_the_good_files(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.json").symlink_to(folder / "b.json")
    (folder / "b.json").symlink_to(folder / "a.json")
    (folder / "c.jsonl").write_text(_jsonl({**_OK, "timestamp": "9999-12-31T23:30:00-05:00"}), encoding="utf-8")
    (folder / "d.jsonl").write_text(_jsonl(_OK, {"speaker": "Bo", "text": "hi Ana"}), encoding="utf-8")
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem:
        summary = ingest(mem, folder, extractor=FakeExtractor(), resolver=keep)
        assert (summary.files_ok, summary.files_failed) == (1, 3)
        assert mem.namespaces() == ["d"]
    errors = dict(summary.errors)
    assert "symbolic link loop" in errors[str(folder / "a.json")]
    assert "symbolic link loop" in errors[str(folder / "b.json")]
    assert errors[str(folder / "c.jsonl")].startswith(f"{folder / 'c.jsonl'}:1: timestamp out of range")


def test_lone_surrogates_in_json_are_replaced_not_fatal(write) -> None:
    path = write("s.jsonl", '{"speaker": "A\\ud800", "text": "caf\\udce9 ok", "caption": "x\\udfff"}\n')
    [t] = read_transcripts(path)
    turn = t.sessions[0].turns[0]
    assert (turn.speaker, turn.text, turn.caption) == ("A\ufffd", "caf\ufffd ok", "x\ufffd")
    turn.text.encode("utf-8")
