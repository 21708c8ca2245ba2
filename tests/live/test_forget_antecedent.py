"""Forgetting a turn takes back the date it gave a later turn's "later that month"."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from graphmem import Memory
from graphmem.forget_times import redated
from graphmem.models import Event, TimeRef
from tests.ingest.fakes import FakeEmbedder

SAID = "2023-09-10T12:00:00"


def _later(mem: Memory, event_id: str) -> TimeRef:
    [event] = mem.store.get_events("n", [event_id])
    [ref] = [t for t in event.times if t.phrase.lower() == "later that month"]
    return ref


def test_forget_dates_later_that_month_against_the_turn_before(tmp_path: Path, nlp: Any) -> None:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp) as mem:
        _first, gone, later = mem.add(
            [
                {"speaker": "Ann", "text": "I moved to Porto on 3 May 2023.", "time": SAID},
                {"speaker": "Ann", "text": "I started a new job on 2 June 2023.", "time": SAID},
                {"speaker": "Ann", "text": "Later that month I went to Rome.", "time": SAID},
            ],
            namespace="n",
        )
        assert _later(mem, later).start == datetime(2023, 6, 3)  # after 2 June
        mem.forget("n", gone)
        ref = _later(mem, later)
    # as if 2 June was never said: later in May
    assert (ref.start, ref.end) == (datetime(2023, 5, 4), datetime(2023, 6, 1))


def test_forget_of_the_only_antecedent_leaves_later_that_month_undated(tmp_path: Path, nlp: Any) -> None:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp) as mem:
        gone, later = mem.add(
            [
                {"speaker": "Ann", "text": "I started a new job on 2 June 2023.", "time": SAID},
                {"speaker": "Ann", "text": "Later that month I went to Rome.", "time": SAID},
            ],
            namespace="n",
        )
        assert _later(mem, later).start is not None
        mem.forget("n", gone)
        assert _later(mem, later) == TimeRef("Later that month")


def test_a_turn_with_its_own_time_stops_the_redating() -> None:
    june = TimeRef("on 2 June 2023", datetime(2023, 6, 2), datetime(2023, 6, 3), "day")
    july = TimeRef("on 2 July 2023", datetime(2023, 7, 2), datetime(2023, 7, 3), "day")
    late = TimeRef("later that month", datetime(2023, 7, 3), datetime(2023, 8, 1), "day")
    said = datetime(2023, 9, 10)
    gone = Event("n", "s#2", "s", 2, "Ann", "I started on 2 June 2023.", occurred_at=said, times=(june,))
    own = Event("n", "s#3", "s", 3, "Ann", "I left on 2 July 2023.", occurred_at=said, times=(july,))
    after = Event("n", "s#4", "s", 4, "Ann", "Later that month I went to Rome.", occurred_at=said, times=(late,))
    assert redated([gone, own, after], gone) == []
