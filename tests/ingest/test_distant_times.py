"""A time phrase past the calendar's edges ("65000000 years ago") is unresolved, never an error that loses
the turn or the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graphmem.ingest import ingest
from graphmem.memory import Memory

DISTANT = [
    "Dinosaurs lived 65000000 years ago.",
    "I've lived in Porto for 2100 years.",
    "That was 800000 days ago.",
    "It happened 30000 months ago.",
]


@pytest.mark.parametrize("text", DISTANT)
def test_add_keeps_every_message_of_the_call(memory: Memory, text: str) -> None:
    ids = memory.add(
        [
            {"speaker": "Ben", "text": "My passport is in the blue drawer.", "time": "2024-05-01T12:00:00"},
            {"speaker": "Ben", "text": text, "time": "2024-05-01T12:01:00"},
        ],
        namespace="o",
    )
    assert len(ids) == 2
    [event] = [e for e in memory.store.iter_events("o") if e.text == text]
    assert event.times and all(t.start is None for t in event.times)


def test_file_ingest_keeps_the_session(memory: Memory, spacy_extractor: Any, tmp_path: Path) -> None:
    path = tmp_path / "distant.txt"
    lines = ["## Session 1 — 1 May 2024", "[12:00] Ben: My passport is in the blue drawer."]
    lines += [f"[12:0{i + 1}] Ben: {text}" for i, text in enumerate(DISTANT)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = ingest(memory, path, extractor=spacy_extractor, embed=False)
    assert (summary.files_ok, summary.files_failed) == (1, 0), summary.errors
    assert summary.events == 5
