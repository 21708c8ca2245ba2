"""A recurrence ("every Thursday", "each Sunday", "every other Friday") names no time: a habit told with one
holds from when it was said, not from the next occurrence (NER's DATE span often leaves "every" out)."""

from __future__ import annotations

from datetime import datetime

import pytest

from graphmem.extract.pipeline import SpacyExtractor

from .conftest import make_transcript

SAID = datetime(2024, 1, 12, 19, 0)  # a Friday
NEXT_MONDAY = datetime(2024, 1, 15)


def _extract(extractor: SpacyExtractor, text: str):  # type: ignore[no-untyped-def]
    return extractor.extract(make_transcript([(SAID, [("Idris", text)])]))


@pytest.mark.parametrize(
    "text",
    [
        "I'm learning to play the cello now, lessons every Thursday.",
        "I play tennis every Sunday.",
        "I play chess each Sunday.",
        "Each Thursday I play chess.",
        "I play chess every other Friday.",
        "Every single Monday I play tennis.",
        "I play tennis every Monday and Wednesday.",
        "I play the piano every Tuesday evening.",
    ],
)
def test_a_habit_holds_from_when_it_was_said(extractor: SpacyExtractor, text: str) -> None:
    batch = _extract(extractor, text)
    assert [t for e in batch.events for t in e.times if t.start is not None] == []
    habits = [f for f in batch.facts if f.predicate == "plays"]
    assert habits, text
    for f in habits:
        assert f.valid_from is None or f.valid_from <= SAID, f
        assert f.valid_at(NEXT_MONDAY), f  # before the next Thursday, Sunday ...
    assert all(e.happened is None or e.happened[0] <= SAID for e in batch.events)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Let's play tennis on Sunday.", datetime(2024, 1, 14)),
        ("I played tennis on Thursday and Friday.", datetime(2024, 1, 11)),
        ("I played tennis on Monday and we play chess every Tuesday.", datetime(2024, 1, 8)),
    ],
)
def test_a_day_that_is_no_recurrence_is_still_dated(extractor: SpacyExtractor, text: str, day: datetime) -> None:
    batch = _extract(extractor, text)
    starts = [t.start for e in batch.events for t in e.times if t.start is not None]
    assert starts[:1] == [day]
