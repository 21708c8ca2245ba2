"""Plain-text transcripts: separators, speaker names and the lines errors name."""

from __future__ import annotations

import pytest

from graphmem.formats import read_transcripts


def _sessions(path) -> list[tuple[str | None, list[tuple[str, str]]]]:
    (t,) = read_transcripts(path)
    return [(s.date_text, [(turn.speaker, turn.text) for turn in s.turns]) for s in t.sessions]


@pytest.mark.parametrize("rule", ["---", "***", "___", "- - -", "* * *", "-----"])
def test_a_bare_rule_under_a_header_keeps_the_headers_date(write, rule: str) -> None:
    path = write(
        "rules.txt",
        f"## Session 1 — 14 March 2024\n{rule}\nAna: hi\n\n{rule}\n\n## Session 2 — 15 March 2024\n{rule}\nBo: yo\n",
    )
    assert _sessions(path) == [("14 March 2024", [("Ana", "hi")]), ("15 March 2024", [("Bo", "yo")])]


@pytest.mark.parametrize("rule", ["---", "___", "* * *"])
def test_a_bare_rule_between_turns_separates_sessions_and_is_no_turn(write, rule: str) -> None:
    path = write("bare.txt", f"{rule}\nAna: hi\n{rule}\nBo: hello\n{rule}\n")
    assert _sessions(path) == [(None, [("Ana", "hi")]), (None, [("Bo", "hello")])]


NFC = "Tom\u00e1s"
NFD = "Toma\u0301s"


def test_a_speaker_name_in_nfd_nfc_or_with_invisible_marks_is_one_speaker(write) -> None:
    path = write(
        "names.txt",
        f"{NFC}: first\n{NFD}: second\n\u200b{NFC}\u200d: third\n\u200e{NFD}\u200f: fourth\n\ufeff{NFC}: fifth\n",
    )
    (t,) = read_transcripts(path)
    turns = t.sessions[0].turns
    assert [turn.speaker for turn in turns] == [NFC] * 5
    assert [turn.text for turn in turns] == ["first", "second", "third", "fourth", "fifth"]


def test_the_text_after_a_cleaned_name_is_kept_as_written(write) -> None:
    path = write("keep.txt", f"[2024-03-14 10:32] {NFD}\u200b: caf\u0065\u0301 at 9:30, 👨\u200d👩\u200d👧\n")
    (t,) = read_transcripts(path)
    (turn,) = t.sessions[0].turns
    assert turn.speaker == NFC
    assert turn.text == "caf\u0065\u0301 at 9:30, 👨\u200d👩\u200d👧"


def test_a_speaker_name_in_brackets_is_the_name(write) -> None:
    path = write("brackets.txt", "[Tom]: hi\n<Ana>: hello\n[2024-03-14 10:32] [ Tom ]: later\nAna: bye\n")
    (t,) = read_transcripts(path)
    assert [(turn.speaker, turn.text) for turn in t.sessions[0].turns] == [
        ("Tom", "hi"),
        ("Ana", "hello"),
        ("Tom", "later"),
        ("Ana", "bye"),
    ]


def test_jsonl_and_locomo_speakers_are_cleaned_the_same_way(write) -> None:
    import json

    lines = [{"speaker": s, "text": f"t{i}"} for i, s in enumerate([NFC, NFD, f"\u200b{NFD}", f"[{NFC}]"])]
    path = write("names.jsonl", "\n".join(json.dumps(r) for r in lines))
    (t,) = read_transcripts(path)
    assert {turn.speaker for turn in t.sessions[0].turns} == {NFC}
    conv = {"speaker_a": NFC, "speaker_b": "Ana", "session_1": [{"speaker": NFD, "text": "hi", "dia_id": "D1:1"}]}
    path = write("locomo.json", json.dumps([{"sample_id": "s", "conversation": conv}]))
    (t,) = read_transcripts(path)
    assert t.sessions[0].turns[0].speaker == NFC
