"""Issue 12's example on LoCoMo conv-26: a window on the day a turn tells of finds it, though it was said
five days later (skipped when the shared data folder is absent)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from graphmem.memory import Memory
from tests.ingest.fakes import FakeEmbedder

LOCOMO_DEV = Path(__file__).resolve().parents[3] / "shared" / "data" / "locomo" / "locomo_dev.json"
SESSIONS = 3


@pytest.fixture(scope="module")
def conv26(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not LOCOMO_DEV.exists():
        pytest.skip(f"needs the LoCoMo dev file at {LOCOMO_DEV}")
    sample = json.loads(LOCOMO_DEV.read_text(encoding="utf-8"))[0]
    conv = sample["conversation"]
    keep = {f"session_{i}" for i in range(1, SESSIONS + 1)}
    cut = {k: v for k, v in conv.items() if k.startswith("speaker_") or k.removesuffix("_date_time") in keep}
    work = tmp_path_factory.mktemp("conv26")
    source = work / "conv-26.json"
    source.write_text(json.dumps([{"sample_id": sample["sample_id"], "conversation": cut}]), encoding="utf-8")
    with Memory.open(work / "mem", embedder=FakeEmbedder(), create=True) as mem:
        mem.ingest(source)
    return work / "mem"


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
