"""One session number given twice in one input is an error naming both places, never a silent merge."""

from __future__ import annotations

import json

import pytest

from graphmem.errors import IngestError
from graphmem.formats import read_transcripts


def _turns(*texts: str) -> list[dict[str, str]]:
    return [{"speaker": "AB"[i % 2], "text": t} for i, t in enumerate(texts)]


def test_locomo_session_key_given_twice_names_both_lines(write) -> None:
    # JSON keeps the last of two equal keys: the first session_3 would be lost without a word
    text = (
        '{"sample_id": "s", "conversation": {"speaker_a": "A", "speaker_b": "B",\n'
        f'"session_3": {json.dumps(_turns("first"))},\n'
        f'"session_4": {json.dumps(_turns("middle"))},\n'
        f'"session_3": {json.dumps(_turns("second"))}}}}}\n'
    )
    with pytest.raises(IngestError, match=r"key 'session_3' is given twice in one object \(first at line 2") as caught:
        read_transcripts(write("dup.json", text))
    assert caught.value.line == 4


def test_locomo_session_numbers_spelled_apart_are_refused_too(write) -> None:
    conv = {"speaker_a": "A", "speaker_b": "B", "session_3": _turns("a"), "session_03": _turns("b")}
    with pytest.raises(IngestError, match="session 3 is given twice") as caught:
        read_transcripts(write("dup.json", json.dumps({"sample_id": "s", "conversation": conv}, indent=1)))
    assert caught.value.line is not None and caught.value.json_path == "$.conversation.session_03"


def test_locomo_zero_padded_session_number_alone_is_read(write) -> None:
    conv = {"speaker_a": "A", "speaker_b": "B", "session_01": _turns("a"), "session_2": _turns("b")}
    (t,) = read_transcripts(write("pad.json", json.dumps({"sample_id": "s", "conversation": conv})))
    assert [(s.id, [turn.text for turn in s.turns]) for s in t.sessions] == [("session_1", ["a"]), ("session_2", ["b"])]


def test_jsonl_labels_naming_one_session_are_an_error_naming_both_lines(write) -> None:
    records = [
        {"speaker": "A", "text": "a", "session": 3},
        {"speaker": "B", "text": "b", "session": 4},
        {"speaker": "B", "text": "c", "session": "session_3"},
    ]
    path = write("dup.jsonl", "\n".join(json.dumps(r) for r in records))
    with pytest.raises(IngestError, match=r"'3' \(first at line 1\) and 'session_3' both name session") as caught:
        read_transcripts(path)
    assert caught.value.line == 3


def test_jsonl_records_sharing_a_label_are_one_session_wherever_they_stand(write) -> None:
    records = [
        {"speaker": "A", "text": "a", "session": 3},
        {"speaker": "B", "text": "b", "session": 4},
        {"speaker": "B", "text": "c", "session": 3},
    ]
    (t,) = read_transcripts(write("threads.jsonl", "\n".join(json.dumps(r) for r in records)))
    assert [(s.id, [turn.text for turn in s.turns]) for s in t.sessions] == [
        ("session_3", ["a", "c"]),
        ("session_4", ["b"]),
    ]


def test_text_headers_numbering_one_session_twice_stay_apart(write) -> None:
    text = "## Session 3\nAna: first\n## Session 4\nBo: middle\n## Session 3\nAna: second\n"
    (t,) = read_transcripts(write("dup.txt", text))
    assert [(s.id, [turn.text for turn in s.turns]) for s in t.sessions] == [
        ("session_3", ["first"]),
        ("session_4", ["middle"]),
        ("session_3b", ["second"]),  # a number already taken gives way to the position (3), then a letter
    ]


@pytest.mark.parametrize("labels", [(3, "03"), ("03", "session_3"), ("3", "003")])
def test_jsonl_numbers_spelled_with_leading_zeros_name_one_session_and_are_an_error(write, labels) -> None:
    records = [{"speaker": "A", "text": "a", "session": labels[0]}, {"speaker": "B", "text": "b", "session": labels[1]}]
    path = write("zeros.jsonl", "\n".join(json.dumps(r) for r in records))
    with pytest.raises(IngestError, match=r"\(first at line 1\) and .* both name session 'session_3'") as caught:
        read_transcripts(path)
    assert caught.value.line == 2
