"""A correction said the next morning, in a new session, added live (tester finding: "Sorry, I meant Leeds,
not Bristol." 12 hours later was dropped, while the same words two minutes later corrected)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from graphmem.memory import Memory

BASE = datetime(2026, 11, 20, 21, 0)


@pytest.mark.parametrize("gap", [timedelta(minutes=2), timedelta(hours=12)])
@pytest.mark.parametrize("text", ["Sorry, I meant Leeds, not Bristol.", "Correction: I live in Leeds, not Bristol."])
def test_a_correction_reads_alike_in_the_same_and_a_later_session(memory: Memory, gap: timedelta, text: str) -> None:
    memory.add({"speaker": "Dana", "text": "I live in Bristol.", "time": BASE}, namespace="n")
    memory.add({"speaker": "Aide", "text": "Bristol is lovely.", "time": BASE + timedelta(minutes=1)}, namespace="n")
    ids = memory.add({"speaker": "Dana", "text": text, "time": BASE + gap}, namespace="n")
    assert ids[0].startswith("ev:session_2:" if gap > timedelta(hours=1) else "ev:session_1:")

    def homes(**when: datetime) -> list[tuple[str, str]]:
        return [(s.fact.predicate, s.object) for s in memory.facts("Dana", namespace="n", **when)]

    assert homes() == [("lives_in", "Leeds")]
    # Bristol was a slip: the evening it was said, Leeds held (as memory knows now)
    assert homes(valid_at=BASE + timedelta(seconds=30)) == [("lives_in", "Leeds")]
