"""A message timed ahead of the clock is added, with a warning that says what it does: what it states holds
from then, so current facts leave it out until the clock gets there (tester finding: a client clock ten
minutes fast hid "I work at Acme" from `facts` with no word)."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta

import pytest

from graphmem import Memory
from graphmem.errors import IngestWarning


def _iso(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).replace(tzinfo=None).isoformat(timespec="seconds")


def test_a_message_timed_well_ahead_of_the_clock_warns(memory: Memory) -> None:
    with pytest.warns(IngestWarning, match=r"\$\[0\].* 2 h ahead of this machine's clock"):
        ids = memory.add(
            {"speaker": "Ana", "text": "I work at Acme.", "time": _iso(timedelta(hours=2, minutes=5))}, namespace="a"
        )
    assert len(ids) == 1  # added all the same


def test_a_message_timed_now_or_a_little_ahead_does_not_warn(memory: Memory) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", IngestWarning)
        memory.add({"speaker": "Ana", "text": "I work at Acme.", "time": _iso(timedelta(minutes=1))}, namespace="a")
        memory.add({"speaker": "Ana", "text": "Hello."}, namespace="a")
