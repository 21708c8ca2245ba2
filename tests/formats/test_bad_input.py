"""Every kind of bad input raises IngestError naming the file and the line or JSON path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphmem.errors import ConfigError, IngestError
from graphmem.formats import MAX_LINE_CHARS, MAX_TURN_CHARS, read_transcripts


def test_malformed_json_names_line(write) -> None:
    path = write("bad.json", '[\n  {"sample_id": "a",\n   "conversation": {,}\n  }\n]\n')
    with pytest.raises(IngestError, match="malformed JSON") as info:
        read_transcripts(path)
    assert info.value.line == 3
    assert str(info.value).startswith(f"{path}:3: ")


def test_malformed_jsonl_line(write) -> None:
    good = json.dumps({"speaker": "A", "text": "hi"})
    path = write("bad.jsonl", f"{good}\n{good}\n{{'speaker': 'A'}}\n")
    with pytest.raises(IngestError, match="malformed JSON") as info:
        read_transcripts(path)
    assert info.value.line == 3


def test_wrong_encoding_names_line(write) -> None:
    path = write("latin1.txt", "Ana: hola\nBo: qué tal\n".encode("latin-1"))
    with pytest.raises(IngestError, match="not UTF-8") as info:
        read_transcripts(path)
    assert info.value.line == 2


def test_utf16_is_refused_with_advice(write) -> None:
    path = write("u16.txt", "Ana: hi\n".encode("utf-16"))
    with pytest.raises(IngestError, match="UTF-16"):
        read_transcripts(path)


def test_utf8_bom_is_accepted(write) -> None:
    [t] = read_transcripts(write("bom.txt", "\ufeffAna: hi\nBo: yo\n"))
    assert t.sessions[0].turns[0].speaker == "Ana"


@pytest.mark.parametrize("content", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"Ana: hi\n\x00\x01\x02\x03"])
def test_binary_file(write, content: bytes) -> None:
    with pytest.raises(IngestError, match="binary file"):
        read_transcripts(write("img.txt", content))


@pytest.mark.parametrize("content", ["", "  \n\n\t\n"])
def test_empty_file(write, content: str) -> None:
    with pytest.raises(IngestError, match="empty file"):
        read_transcripts(write("empty.jsonl", content))


def test_missing_file(tmp_path) -> None:
    with pytest.raises(IngestError, match="no such file"):
        read_transcripts(tmp_path / "nope.json")


def test_locomo_missing_turn_field_names_json_path(write) -> None:
    conv = {"session_1": [{"speaker": "A", "text": "ok"}], "session_3": [{"speaker": "A"}] * 5}
    conv["session_3"] = [{"speaker": "A", "text": "fine"}] * 4 + [{"speaker": "B", "dia_id": "D3:5"}]
    path = write("l.json", json.dumps([{"sample_id": "a", "conversation": conv}]))
    with pytest.raises(IngestError, match="missing field 'text'") as info:
        read_transcripts(path)
    assert info.value.json_path == "$[0].conversation.session_3[4]"


def test_locomo_wrong_field_type(write) -> None:
    conv = {"session_1": [{"speaker": "A", "text": 42}]}
    path = write("l.json", json.dumps({"sample_id": "a", "conversation": conv}))
    with pytest.raises(IngestError, match="must be a string") as info:
        read_transcripts(path)
    assert info.value.json_path == "$.conversation.session_1[0].text"


def test_locomo_missing_conversation_and_sessions(write) -> None:
    with pytest.raises(IngestError, match="missing field 'conversation'"):
        read_transcripts(write("a.json", json.dumps([{"sample_id": "a"}])), format="locomo")
    with pytest.raises(IngestError, match="no 'session_N'"):
        read_transcripts(write("b.json", json.dumps([{"sample_id": "a", "conversation": {"x": 1}}])))


def test_jsonl_missing_text_names_line(write) -> None:
    path = write("m.jsonl", json.dumps({"speaker": "A", "text": "hi"}) + "\n" + json.dumps({"speaker": "B"}))
    with pytest.raises(IngestError, match="missing field 'text'") as info:
        read_transcripts(path)
    assert info.value.line == 2


def test_jsonl_missing_speaker_and_non_object(write) -> None:
    with pytest.raises(IngestError, match="missing field 'speaker'"):
        read_transcripts(write("m.jsonl", json.dumps({"text": "hi"})), format="jsonl")
    with pytest.raises(IngestError, match="expected a message object") as info:
        read_transcripts(write("n.jsonl", '{"speaker": "A", "text": "x"}\n[1, 2]\n'))
    assert info.value.line == 2


def test_jsonl_bad_timestamp(write) -> None:
    path = write("m.jsonl", json.dumps({"speaker": "A", "text": "hi", "timestamp": "soonish"}))
    with pytest.raises(IngestError, match="not a timestamp: 'soonish'") as info:
        read_transcripts(path)
    assert info.value.line == 1


def test_chat_missing_messages_and_bad_message(write) -> None:
    with pytest.raises(IngestError, match="missing field 'messages'"):
        read_transcripts(write("c.json", json.dumps({"title": "x"})), format="chat")
    path = write("d.json", json.dumps({"messages": [{"role": "user", "content": "a"}, {"role": "user"}]}))
    with pytest.raises(IngestError, match="missing field 'text'") as info:
        read_transcripts(path)
    assert info.value.json_path == "$.messages[1]"


def test_text_line_without_speaker(write) -> None:
    path = write("t.txt", "## Session 1 — 1 May 2024\nthis line has no speaker\nAna: hi\n")
    with pytest.raises(IngestError, match="expected 'Name: text'") as info:
        read_transcripts(path, format="text")
    assert info.value.line == 2


def test_text_empty_turn_and_bad_time(write) -> None:
    with pytest.raises(IngestError, match="empty turn") as info:
        read_transcripts(write("t.txt", "Ana: hi\nBo:\nAna: well\n"))
    assert info.value.line == 2
    with pytest.raises(IngestError, match="not a time of day") as info:
        read_transcripts(write("u.txt", "[25:61] Ana: hi\n"), format="text")
    assert info.value.line == 1


def test_absurdly_long_line(write) -> None:
    path = write("long.txt", "Ana: hi\nBo: " + "a" * (MAX_LINE_CHARS + 1) + "\n")
    with pytest.raises(IngestError, match="characters long") as info:
        read_transcripts(path, format="text")
    assert info.value.line == 2


def test_absurdly_long_turn_in_json(write) -> None:
    conv = {"session_1": [{"speaker": "A", "text": "w " * MAX_TURN_CHARS}]}
    path = write("big.json", json.dumps([{"sample_id": "a", "conversation": conv}]))
    with pytest.raises(IngestError, match="turn is") as info:
        read_transcripts(path)
    assert info.value.json_path == "$[0].conversation.session_1[0].text"


def test_unknown_format_name(write) -> None:
    with pytest.raises(IngestError, match="unknown format 'xml'"):
        read_transcripts(write("t.txt", "Ana: hi\n"), format="xml")


def test_illegal_namespace(write) -> None:
    with pytest.raises(ConfigError, match="illegal namespace"):
        read_transcripts(write("t.txt", "Ana: hi\n"), namespace="no spaces allowed")


@pytest.mark.parametrize("name", ["long.txt", "long.log", "long"])
def test_absurdly_long_first_line_is_named_not_unknown_format(write, name: str) -> None:
    path = write(name, "Ana: " + "a" * (MAX_LINE_CHARS + 1) + "\n")
    with pytest.raises(IngestError, match=f"is {MAX_LINE_CHARS + 6:,} characters long") as info:
        read_transcripts(path)
    assert info.value.line == 1


def test_long_first_line_of_prose_is_named_too(write) -> None:
    path = write("notes.txt", "x" * (MAX_LINE_CHARS + 1))
    with pytest.raises(IngestError, match="characters long") as info:
        read_transcripts(path)
    assert info.value.line == 1


def test_minified_json_may_be_one_long_line(write) -> None:
    turns = [{"speaker": "AB"[i % 2], "dia_id": f"D1:{i + 1}", "text": "word " * 40} for i in range(400)]
    text = json.dumps([{"sample_id": "m", "conversation": {"session_1": turns}}])
    assert len(text) > MAX_LINE_CHARS and "\n" not in text
    [t] = read_transcripts(write("minified.json", text))
    assert t.turn_count == 400


def test_a_message_id_given_twice_with_other_text_names_both_lines(write) -> None:
    lines = [
        {"speaker": "Ana", "text": "I moved to Porto.", "id": "m1"},
        {"speaker": "Ben", "text": "Nice.", "id": "m2"},
        {"speaker": "Ana", "text": "I moved to Braga.", "id": "m1"},
    ]
    path = write("d.jsonl", "\n".join(json.dumps(x) for x in lines))
    with pytest.raises(IngestError, match=r"message id 'm1' was already given at line 1 with another") as info:
        read_transcripts(path)
    assert info.value.line == 3
    chat = write("d.json", json.dumps({"messages": lines}))
    with pytest.raises(IngestError, match=r"already given at line 1 \(\$\.messages\[0\]\)") as info:
        read_transcripts(chat)
    assert info.value.json_path == "$.messages[2]"


def test_an_error_in_a_json_document_names_its_line_beside_the_json_path(write) -> None:
    """A pretty-printed chat export or LoCoMo file named only the JSON path (`c.json at $.messages[1]...`):
    an editor needs the line."""
    doc = {"messages": [{"role": "user", "content": "hi"}, {"role": "user", "content": "x", "timestamp": "soonish"}]}
    path = write("c.json", json.dumps(doc, indent=2))
    with pytest.raises(IngestError, match="not a timestamp") as info:
        read_transcripts(path)
    assert info.value.json_path == "$.messages[1].timestamp"
    lines = path.read_text().splitlines()
    assert '"timestamp": "soonish"' in lines[info.value.line - 1]
    assert str(info.value).startswith(f"{path}:{info.value.line} at $.messages[1].timestamp: ")
    conv = {"speaker_a": "A", "session_1": [{"speaker": "A", "text": "ok"}, {"speaker": "B", "dia_id": "D1:2"}]}
    locomo = write("l.json", json.dumps([{"sample_id": "s", "conversation": conv}], indent=1))
    with pytest.raises(IngestError, match="missing field 'text'") as info:
        read_transcripts(locomo)
    assert info.value.json_path == "$[0].conversation.session_1[1]"
    assert locomo.read_text().splitlines()[info.value.line - 1].strip() == "{"
    assert '"speaker": "B"' in locomo.read_text().splitlines()[info.value.line]


def test_the_line_of_a_json_path() -> None:
    from graphmem.formats._source import JsonIndex

    def json_line(text: str, json_path: str) -> int | None:
        return JsonIndex(text).line(json_path)

    text = '{\n "a": [1,\n  {"b": "x,]}\\"", "c":\n   [true]}],\n "d": {}\n}'
    assert json_line(text, "$") == 1
    assert json_line(text, "$.a") == 2
    assert json_line(text, "$.a[1]") == 3
    assert json_line(text, "$.a[1].c") == 4
    assert json_line(text, "$.a[1].c[0]") == 4
    assert json_line(text, "$.d") == 5
    assert json_line(text, "$.zz") is None and json_line(text, "$.a[7]") is None and json_line("[1", "$[3]") is None


def test_message_ids_are_checked_per_session_as_the_gap_splits_them(write) -> None:
    """An export whose ids restart per conversation (keyed by `conversation_id`, which is not a session
    label; days apart, so split by the gap) was refused whole, and a message repeating id, speaker and
    text in a later conversation was dropped."""
    rows = []
    for conv, day, said in (("c0", "2024-05-01", "I moved to Porto."), ("c1", "2024-05-09", "My sister visits Braga.")):
        for i, (role, text) in enumerate((("user", "hi"), ("assistant", said), ("user", "ok")), 1):
            when = f"{day}T10:0{i}:00"
            rows.append({"conversation_id": conv, "id": i, "role": role, "content": text, "timestamp": when})
    [t] = read_transcripts(write("multi.jsonl", "\n".join(json.dumps(r) for r in rows)))
    assert [len(s.turns) for s in t.sessions] == [3, 3]
    assert [x.text for x in t.sessions[1].turns] == ["hi", "My sister visits Braga.", "ok"]
    # within one gap-split session an id given twice is still kept once
    rows.insert(1, dict(rows[0]))
    [t] = read_transcripts(write("dup.jsonl", "\n".join(json.dumps(r) for r in rows)))
    assert [len(s.turns) for s in t.sessions] == [3, 3]


@pytest.mark.parametrize("empty", ["", "  "])
def test_an_empty_message_id_is_no_id(write, empty: str) -> None:
    lines = [{"id": empty, "role": "user", "content": "I moved."}, {"id": empty, "role": "ai", "content": "Hi"}]
    [t] = read_transcripts(write("e.jsonl", "\n".join(json.dumps(x) for x in lines)))
    assert [x.text for x in t.sessions[0].turns] == ["I moved.", "Hi"]
    assert all(x.source_id is None for x in t.sessions[0].turns)


def test_a_chat_export_duplicate_id_names_the_first_line_too(write) -> None:
    lines = [{"speaker": "Ana", "text": "Porto.", "id": "m1"}, {"speaker": "Ana", "text": "Braga.", "id": "m1"}]
    chat = write("d.json", json.dumps({"messages": lines}, indent=2))
    with pytest.raises(IngestError, match=r"already given at line 3 \(\$\.messages\[0\]\)") as info:
        read_transcripts(chat)
    assert info.value.json_path == "$.messages[1]"


def test_many_bad_locomo_dates_are_located_in_one_pass(monkeypatch) -> None:
    """Each bad `session_N_date_time` re-walked the document from its start to find its line: a 6 MB
    file with every date bad took 22 s. The characters the JSON scanner reads stay linear in the file."""
    import warnings

    from graphmem.formats import read_source
    from graphmem.formats._source import source_from_bytes

    conv = {"speaker_a": "A", "speaker_b": "B"}
    for n in range(1, 6):
        conv[f"session_{n}"] = [{"speaker": "A", "dia_id": f"D{n}:1", "text": "word " * 30}]
        conv[f"session_{n}_date_time"] = "sometime in the 2020s"
    samples = [{"sample_id": f"s{i}", "conversation": conv} for i in range(120)]
    source = source_from_bytes(json.dumps(samples, indent=1).encode(), "many.json")
    read = []
    real = json.JSONDecoder.raw_decode

    def counting(self, s, idx=0):
        value, end = real(self, s, idx)
        read.append(end - idx)
        return value, end

    monkeypatch.setattr(json.JSONDecoder, "raw_decode", counting)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        transcripts = read_source(source)
    assert len(transcripts) == 120 and len(caught) == 600
    assert sum(read) <= 3 * len(source.text)
    lines = source.text.splitlines()
    assert all('"session_' in lines[w.message.line - 1] and "_date_time" in lines[w.message.line - 1] for w in caught)


def test_showing_many_input_warnings_does_not_reread_the_file(write, monkeypatch) -> None:
    """Python's default warning display read the whole input again (linecache) for every warning: a
    6 MB LoCoMo file with 1,200 bad session dates took 33 s to show them. The lines come from the input
    already in memory."""
    import linecache
    import warnings

    conv = {"speaker_a": "A", "speaker_b": "B"}
    for n in range(1, 4):
        conv[f"session_{n}"] = [{"speaker": "A", "dia_id": f"D{n}:1", "text": "hi"}]
        conv[f"session_{n}_date_time"] = "sometime soon"
    locomo = write("l.json", json.dumps([{"sample_id": "s", "conversation": conv}], indent=1))
    text = write("t.txt", "".join(f"## Session {n} — 31 February 2024\n[10:00] Ana: hi\n" for n in range(1, 4)))
    reads, shown = [], []
    real = linecache.updatecache
    monkeypatch.setattr(linecache, "updatecache", lambda *a, **k: reads.append(a) or real(*a, **k))
    for path in (locomo, text):
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            # the default display (pytest records warnings instead): it reads the line from linecache
            warnings.showwarning = lambda m, c, f, n, file=None, line=None: shown.append(
                warnings.formatwarning(m, c, f, n, line)
            )
            read_transcripts(path)
    shown = "".join(shown)
    assert reads == []
    assert shown.count('"session_2_date_time": "sometime soon"') == 1
    assert shown.count("## Session 3 — 31 February 2024") == 1


def test_a_jsonl_record_may_carry_a_long_field_the_reader_ignores(tmp_path: Path) -> None:
    # before: the raw line was held to MAX_LINE_CHARS, so a 70 KB attachment refused the message
    record = {"speaker": "Ana", "text": "I live in Paris.", "attachment": "x" * (MAX_LINE_CHARS + 5_000)}
    path = tmp_path / "log.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    (transcript,) = read_transcripts(path)
    assert [t.text for s in transcript.sessions for t in s.turns] == ["I live in Paris."]


def test_a_jsonl_turn_is_still_held_to_the_turn_limit(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text(json.dumps({"speaker": "Ana", "text": "a" * (MAX_TURN_CHARS + 1)}) + "\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"log\.jsonl"):
        read_transcripts(path)


@pytest.mark.parametrize(
    ("name", "content", "line"),
    [
        ("m3.jsonl", '{"speaker": "Ann", "text": "fine"}\n{"speaker": "Ann", "text": "ok", "text": "other"}\n', 2),
        ("chat.json", '{"messages": [\n {"role": "user", "content": "a"},\n {"role": "user", "content": "b",\n'
         '  "content": "c"}]}\n', 4),
        ("lo.json", '{"sample_id": "s", "conversation": {"speaker_a": "A", "speaker_b": "B", "session_1": [\n'
         '{"speaker": "A", "text": "a",\n "text": "b"}]}}\n', 3),
    ],
)  # fmt: skip
def test_a_key_given_twice_in_a_record_is_an_error_naming_its_line_and_key(write, name, content, line) -> None:
    with pytest.raises(IngestError, match=r"key '(text|content)' is given twice in one object") as info:
        read_transcripts(write(name, content))
    assert info.value.line == line


def test_a_locomo_dia_id_given_twice_with_other_text_names_both_places(write) -> None:
    conv = {
        "speaker_a": "Ida",
        "speaker_b": "Leo",
        "session_1": [
            {"speaker": "Ida", "dia_id": "D1:1", "text": "Hello."},
            {"speaker": "Leo", "dia_id": "D1:1", "text": "Same dia id, other text."},
        ],
    }
    path = write("dup.json", json.dumps([{"sample_id": "s3", "conversation": conv}], indent=1))
    with pytest.raises(
        IngestError, match=r"'D1:1' was already given at line \d+ \(\$\[0\]\.conversation\.session_1\[0\]\)"
    ):
        read_transcripts(path)


@pytest.mark.parametrize(("line", "found"), [("null", "null"), ("[1]", "array"), ("3", "number"), ('"hi"', "string")])
def test_a_jsonl_line_of_another_type_is_named_by_its_json_name(write, line: str, found: str) -> None:
    with pytest.raises(IngestError, match=f"expected a message object, found {found}$"):
        read_transcripts(write("n.jsonl", '{"speaker": "A", "text": "hi"}\n' + line + "\n"))
