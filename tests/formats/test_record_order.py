"""Message records listed newest first are read oldest first."""

from __future__ import annotations

import json

from graphmem.formats import read_records, read_transcripts


def _jsonl(records: list[dict]) -> str:
    return "\n".join(json.dumps(r) for r in records) + "\n"


def _turns(path) -> list[list[tuple[str, int | None]]]:
    (t,) = read_transcripts(path)
    return [[(turn.text, turn.line) for turn in s.turns] for s in t.sessions]


def test_a_newest_first_jsonl_export_is_read_in_time_order(write) -> None:
    records = [
        {"speaker": "B", "text": "see you", "timestamp": "2024-03-14T10:03:00"},
        {"speaker": "A", "text": "tea?", "timestamp": "2024-03-14T10:02:00"},
        {"speaker": "B", "text": "same", "timestamp": "2024-03-14T10:02:00"},
        {"speaker": "A", "text": "hi", "timestamp": "2024-03-14T10:00:00"},
        {"speaker": "B", "text": "earlier day", "timestamp": "2024-03-13T09:00:00"},
    ]
    path = write("desc.jsonl", _jsonl(records))
    # equal times keep their order in the file; a gap of a day still starts a session
    assert _turns(path) == [[("earlier day", 5)], [("hi", 4), ("tea?", 2), ("same", 3), ("see you", 1)]]


def test_untimed_records_keep_their_place_when_a_newest_first_export_is_turned(write) -> None:
    records = [
        {"speaker": "B", "text": "newest, untimed"},
        {"speaker": "A", "text": "t3", "timestamp": "2024-03-14T10:03:00"},
        {"speaker": "B", "text": "between t3 and t1"},
        {"speaker": "A", "text": "t1", "timestamp": "2024-03-14T10:01:00"},
    ]
    path = write("mixed.jsonl", _jsonl(records))
    assert [text for text, _ in _turns(path)[0]] == ["t1", "between t3 and t1", "t3", "newest, untimed"]


def test_a_forward_log_with_a_backdated_record_is_kept_as_written(write) -> None:
    records = [
        {"speaker": "A", "text": "a", "timestamp": "2024-03-14T10:00:00"},
        {"speaker": "B", "text": "b (backdated)", "timestamp": "2024-03-14T09:00:00"},
        {"speaker": "A", "text": "c", "timestamp": "2024-03-14T10:05:00"},
    ]
    path = write("fwd.jsonl", _jsonl(records))
    assert [text for text, _ in _turns(path)[0]] == ["a", "b (backdated)", "c"]


def test_newest_first_chat_exports_and_records_are_turned_too(write) -> None:
    messages = [
        {"role": "assistant", "content": "second", "timestamp": 1_710_410_460},
        {"role": "user", "content": "first", "timestamp": 1_710_410_400},
    ]
    (t,) = read_transcripts(write("chat.json", json.dumps({"messages": messages})))
    assert [turn.text for turn in t.sessions[0].turns] == ["first", "second"]
    t = read_records(messages, namespace="n", key="k")
    assert [turn.text for turn in t.sessions[0].turns] == ["first", "second"]
