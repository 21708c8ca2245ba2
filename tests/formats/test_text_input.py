"""Plain-text transcripts: separators, speaker names and the lines errors name."""

from __future__ import annotations

import pytest

from graphmem.errors import IngestError
from graphmem.formats import detect_format, read_transcripts


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


def test_the_text_after_a_cleaned_name_is_kept_as_written_but_composed(write) -> None:
    path = write("keep.txt", f"[2024-03-14 10:32] {NFD}\u200b: caf\u0065\u0301 at 9:30, 👨\u200d👩\u200d👧\n")
    (t,) = read_transcripts(path)
    (turn,) = t.sessions[0].turns
    assert turn.speaker == NFC
    assert turn.text == "caf\u00e9 at 9:30, 👨\u200d👩\u200d👧"  # NFC; the joiners of the emoji kept


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


def _error_line(path) -> int | None:
    with pytest.raises(IngestError) as caught:
        read_transcripts(path)
    return caught.value.line


def test_jsonl_line_separator_inside_a_string_is_no_line_break(write) -> None:
    path = write(
        "sep.jsonl",
        '\ufeff{"speaker": "A", "text": "one\u2028two\u0085three"}\r\n\r\n{"speaker": "B", "text": "x"}\r\n',
    )
    (t,) = read_transcripts(path)
    assert [(turn.text, turn.line) for turn in t.sessions[0].turns] == [("one\u2028two\u0085three", 1), ("x", 3)]
    bad = write("bad.jsonl", '{"speaker": "A", "text": "a\u2028b"}\n\n{"speaker": "B", "text": "x"}\n{"speaker": 1}\n')
    assert _error_line(bad) == 4


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_text_errors_and_turns_name_the_files_own_lines(write, newline: str) -> None:
    lines = [
        "## Session 1 — 14 March 2024",  # 1
        "Ana: hi \x0c there",  # 2: a form feed inside the line
        "",  # 3
        "Bo: one\u2028two\x1cthree",  # 4: line and record separators inside the line
        "  and a continuation",  # 5
        "",  # 6
        "[99:99] Bo: not a time",  # 7
    ]
    path = write("lines.txt", "\ufeff" + newline.join(lines) + newline)
    assert _error_line(path) == 7
    path = write("ok.txt", "\ufeff" + newline.join([*lines[:6], "Ana: bye"]) + newline)
    (t,) = read_transcripts(path)
    assert [turn.line for turn in t.sessions[0].turns] == [2, 4, 7]


def test_an_encoding_error_names_its_line_after_lone_carriage_returns(write) -> None:
    path = write("cr.txt", b"Ana: hi\rBo: yo\r\rAna: caf\xe9\r")
    assert _error_line(path) == 4


BOLD = """# Chats with Zoë

### Monday, 3 June 2024
**Zoë:** I'm flying to Tokyo next Friday.
**Mark**: Nice. Is Kenji still your manager?

### July 4th, 2024
- Zoë: I moved to Osaka on Monday.
- Mark: Congrats!
  And Kenji?
- **Zoë:** Kenji works at Nintendo now.
"""


def test_markdown_speakers_in_bold_or_list_items_are_turns(write) -> None:
    # Both were refused: "unknown format" for bold speakers, and a list item under a header at its line.
    path = write("bold.md", BOLD)
    assert detect_format(path) == "text"
    assert _sessions(path) == [
        (
            "Monday, 3 June 2024",
            [("Zoë", "I'm flying to Tokyo next Friday."), ("Mark", "Nice. Is Kenji still your manager?")],
        ),
        (
            "July 4th, 2024",
            [
                ("Zoë", "I moved to Osaka on Monday."),
                ("Mark", "Congrats! And Kenji?"),
                ("Zoë", "Kenji works at Nintendo now."),
            ],
        ),
    ]
    listed = write(
        "list.md",
        "## Session 1 — 3 June 2024\nZoë: I live in Osaka.\nMark: Nice.\n\n"
        "## Session 2 — 4 June 2024\n- Zoë: I moved to Kyoto.\n- Mark: Wow.\n",
    )
    assert _sessions(listed)[1] == ("4 June 2024", [("Zoë", "I moved to Kyoto."), ("Mark", "Wow.")])
    timed = write("timed.md", "## 3 June 2024\n* [10:00] Zoë: hi\n[10:01] **Mark:** hello\n1. Zoë: bye\n")
    (t,) = read_transcripts(timed)
    assert [
        (turn.speaker, turn.text, turn.timestamp.hour if turn.timestamp else None) for turn in t.sessions[0].turns
    ] == [("Zoë", "hi", 10), ("Mark", "hello", 10), ("Zoë", "bye", None)]


def test_a_list_item_under_a_plain_turn_still_continues_it(write) -> None:
    # what previously accepted files read as: their output must not change (no reader version bump)
    path = write("plan.txt", "Ana: the plan\n- Ben: pack\n**Note:** early\nBen: fine\n")
    assert _sessions(path) == [(None, [("Ana", "the plan - Ben: pack **Note:** early"), ("Ben", "fine")])]


def test_an_unknown_format_names_the_first_line_that_reads_as_none(write) -> None:
    path = write("notes.md", "## Session 1\nAna: hi\nSome prose without a speaker.\nMore prose.\nAnd more.\n")
    with pytest.raises(IngestError, match=r"unknown format.*'Some prose without a speaker\.'") as info:
        detect_format(path)
    assert info.value.line == 3 and str(info.value).startswith(f"{path}:3: ")


def test_a_failed_ingest_does_not_say_it_ingested(write, tmp_path, capsys) -> None:
    from graphmem.cli import main

    path = write("notes.md", "Some prose without a speaker.\nMore prose.\n")
    assert main(["ingest", "--db", str(tmp_path / "db"), "--no-embed", str(path)]) == 1
    out, err = capsys.readouterr()
    assert "ingested into" not in out and "failed: 1 file(s) (errors below)" in out
    assert f"{path}:1: unknown format" in err


def test_a_session_running_past_midnight_dates_its_later_turns_on_the_next_day(write) -> None:
    path = write(
        "late.txt",
        "## Session 1 — 3 March 2024\n[23:50] Ana: late\n[00:10] Ben: past midnight\n[00:12] Ana: thanks\n"
        "[00:05] Ben: a few minutes back, still the same night\n",
    )
    (t,) = read_transcripts(path)
    times = [turn.timestamp for s in t.sessions for turn in s.turns]
    assert [(w.day, w.hour, w.minute) for w in times if w is not None] == [
        (3, 23, 50),
        (4, 0, 10),
        (4, 0, 12),
        (4, 0, 5),
    ]
    assert t.sessions[0].started_at is not None and t.sessions[0].started_at.day == 3


def test_clock_times_going_back_a_little_stay_on_the_headers_day(write) -> None:
    path = write("order.txt", "## Session 1 — 3 March 2024\n[10:07] Ana: hi\n[10:05] Ben: written late\n")
    (t,) = read_transcripts(path)
    assert [turn.timestamp.day for s in t.sessions for turn in s.turns if turn.timestamp] == [3, 3]


def test_the_ingest_headline_tells_failure_from_nothing_to_do(write, tmp_path, capsys) -> None:
    # "nothing ingested: DB unchanged" headed both a run whose file failed and one with nothing to do
    from graphmem.cli import main

    good = write("chat.txt", "Ana: I moved to Porto.\nBen: Nice!\n")
    bad = write("notes.md", "Some prose without a speaker.\nMore prose.\n")
    db = str(tmp_path / "db")
    assert main(["ingest", "--db", db, "--no-embed", str(good), str(bad)]) == 1
    out, _ = capsys.readouterr()
    assert "(1 file(s) failed: errors below)" in out and "ingested into" in out
    assert main(["ingest", "--db", db, "--no-embed", str(good)]) == 0
    out, _ = capsys.readouterr()
    assert "nothing to ingest:" in out and "unchanged" in out and "failed" not in out.splitlines()[0]
