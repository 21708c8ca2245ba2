"""The first sessions of LoCoMo's conv-26 ingested into a store, for tests that need real dialogue
(they skip when the shared data folder is absent)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphmem.memory import Memory
from tests.ingest.fakes import FakeEmbedder

LOCOMO_DEV = Path(__file__).resolve().parents[3] / "shared" / "data" / "locomo" / "locomo_dev.json"


def ingest_conv26(work: Path, sessions: int) -> Path:
    """Ingest conv-26's first ``sessions`` sessions (spaCy extraction, a fake embedder) into ``work/mem``."""
    if not LOCOMO_DEV.exists():
        pytest.skip(f"needs the LoCoMo dev file at {LOCOMO_DEV}")
    sample = json.loads(LOCOMO_DEV.read_text(encoding="utf-8"))[0]
    conv = sample["conversation"]
    keep = {f"session_{i}" for i in range(1, sessions + 1)}
    cut = {k: v for k, v in conv.items() if k.startswith("speaker_") or k.removesuffix("_date_time") in keep}
    source = work / "conv-26.json"
    source.write_text(json.dumps([{"sample_id": sample["sample_id"], "conversation": cut}]), encoding="utf-8")
    with Memory.open(work / "mem", embedder=FakeEmbedder(), create=True) as mem:
        mem.ingest(source)
    return work / "mem"
