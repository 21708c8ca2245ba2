"""Format detection by content and extension."""

from __future__ import annotations

import json

import pytest

from graphmem.errors import IngestError
from graphmem.formats import detect_format

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
