"""Issue 12's example on LoCoMo conv-26: a window on the day a turn tells of finds it, though it was said
five days later (skipped when the shared data folder is absent)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from graphmem.memory import Memory
from tests.ingest.fakes import FakeEmbedder
from tests.support.locomo import ingest_conv26

SESSIONS = 3


@pytest.fixture(scope="module")
def conv26(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ingest_conv26(tmp_path_factory.mktemp("conv26"), SESSIONS)


def test_the_charity_race_is_found_on_the_day_it_happened(conv26: Path) -> None:
    with Memory.open(conv26, embedder=FakeEmbedder()) as mem:
        window = {"since": datetime(2023, 5, 19), "until": datetime(2023, 5, 21)}
        hits = mem.recall("What did Melanie do on 20 May 2023?", namespace="conv-26", **window)
        race = [h for h in hits if h.source_id == "D2:1"]
        assert race, [h.source_id for h in hits]
        assert race[0].event.happened == (datetime(2023, 5, 20), datetime(2023, 5, 21))  # "last Saturday"
        assert race[0].event.occurred_at is not None and race[0].event.occurred_at.date().isoformat() == "2023-05-25"
        said_only = mem.recall("What did Melanie do on 20 May 2023?", namespace="conv-26", time_axis="said", **window)
        assert said_only == []  # nothing was said between 19 and 21 May
        got = mem.query(
            'FIND (e:Event) IN "conv-26" WHERE e.happened ON 2023-05-20 AND e.time ON 2023-05-25 RETURN e.source'
        )
        assert ("D2:1",) in got.rows
