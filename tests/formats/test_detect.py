"""Format detection by content and extension."""

from __future__ import annotations

import json

import pytest

from graphmem.errors import IngestError
from graphmem.formats import detect_format, read_transcripts

from .conftest import DATA


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("locomo_style.json", "locomo"),
        ("chat.jsonl", "jsonl"),
        ("transcript.txt", "text"),
        ("chat_export.json", "chat"),
    ],
)
def test_samples(name: str, fmt: str) -> None:
    assert detect_format(DATA / name) == fmt


def test_content_wins_over_a_misleading_extension(write) -> None:
    lines = "\n".join(json.dumps({"speaker": "A", "text": str(i)}) for i in range(3))
    assert detect_format(write("messages.txt", lines)) == "jsonl"
    assert detect_format(write("transcript.json.bak", "Ana: hi\nBo: yo\n")) == "text"
    assert detect_format(write("export.data", json.dumps({"messages": []}))) == "chat"
    assert detect_format(write("x", json.dumps([{"conversation": {}}]))) == "locomo"


def test_single_jsonl_line_and_bracketed_text(write) -> None:
    assert detect_format(write("one", json.dumps({"role": "user", "content": "hi"}))) == "jsonl"
    assert detect_format(write("t.log", "[10:01] Ana: hi\n[10:02] Bo: hello\n")) == "text"


def test_unknown_json_layout(write) -> None:
    with pytest.raises(IngestError, match=r"unknown JSON layout") as info:
        detect_format(write("x.json", json.dumps({"rows": [1, 2]})))
    assert info.value.json_path == "$"


def test_unknown_text(write) -> None:
    prose = "This is a README.\nIt explains things at length.\nNo dialogue here at all.\n"
    with pytest.raises(IngestError, match="unknown format") as info:
        detect_format(write("notes.md", prose))
    assert info.value.path and info.value.path.endswith("notes.md")


def test_long_turns_are_still_a_transcript(write) -> None:
    """Two turns of 5,000 characters were "unknown format": detection skipped lines over 4,096."""
    path = write("mid.txt", "Ana: " + "word " * 1000 + "\nBen: " + "okay " * 1000 + "\n")
    assert detect_format(path) == "text"
    # a turn over the turn limit is named as such at its line, not as an unknown format
    with pytest.raises(IngestError, match=r"turn is 39,999 characters long") as info:
        read_transcripts(write("long.txt", "Ana: " + "word " * 7999 + "word\n"))
    assert info.value.line == 1


def test_a_turn_with_a_list_under_it_is_a_transcript(write) -> None:
    """A message with a bulleted or indented list under it was "unknown format" (its lines outnumbered
    the turns); the reader already joins them to the turn."""
    text = "Ana: here is the plan for the trip\n" + "".join(f"- step {i}: pack {i}\n" for i in range(6))
    text += "Ben: sounds good\n" + "".join(f"    {i}. a numbered line\n" for i in range(5))
    path = write("para.txt", text)
    assert detect_format(path) == "text"
    [t] = read_transcripts(path)
    assert [turn.speaker for s in t.sessions for turn in s.turns] == ["Ana", "Ben"]
    assert "- step 5: pack 5" in t.sessions[0].turns[0].text


def test_prose_with_a_few_colons_is_still_not_a_transcript(write) -> None:
    text = "Subject: notes\n" + "".join(f"This is ordinary prose, sentence {i}.\n" for i in range(8))
    with pytest.raises(IngestError, match="unknown format"):
        detect_format(write("notes.txt", text))


def test_indented_or_listed_lines_continue_only_a_turn_just_before_them(write, tmp_path) -> None:
    """Once one `Name:` line was seen, every indented or list line was skipped, so Python sources and
    traceback logs read as transcripts (and a folder ingest took them in with junk speakers)."""
    import bisect as stdlib_bisect
    from pathlib import Path

    source = tmp_path / "bisect.txt"
    source.write_text(Path(stdlib_bisect.__file__).read_text())
    log = "WARNING: retrying connection\nTraceback (most recent call last):\n"
    log += '  File "/app/x.py", line 10, in handler\n    return compute()\n' * 3
    log += "ValueError: bad\n    at retry 1\n    at retry 2\n"
    for path in (source, write("app.log", log)):
        with pytest.raises(IngestError, match="unknown format"):
            detect_format(path)
    # a list under a turn, with a blank line between, is still the turn's
    text = "Ana: the plan\n\n" + "".join(f"- step {i}\n" for i in range(6)) + "Ben: fine\n  1. one\n  2. two\n"
    assert detect_format(write("plan.txt", text)) == "text"
