"""A LoCoMo conversation ingested once for the picture and Browser-guide tests (skipped when the shared
data folder is absent)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphmem.memory import Memory
from tests.ingest.fakes import FakeEmbedder

LOCOMO_DEV = Path(__file__).resolve().parents[3] / "shared" / "data" / "locomo" / "locomo_dev.json"
SESSIONS = 6  # the first sessions of conv-26: ~130 turns, enough for several bands, lanes and topics


@pytest.fixture(scope="session")
def locomo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the first sessions of LoCoMo's conv-26 (spaCy extraction, a fake embedder)."""
    if not LOCOMO_DEV.exists():
        pytest.skip(f"needs the LoCoMo dev file at {LOCOMO_DEV}")
    sample = json.loads(LOCOMO_DEV.read_text(encoding="utf-8"))[0]
    conv = sample["conversation"]
    keep = {f"session_{i}" for i in range(1, SESSIONS + 1)}
    cut = {k: v for k, v in conv.items() if k.startswith("speaker_") or k.removesuffix("_date_time") in keep}
    work = tmp_path_factory.mktemp("locomo")
    source = work / "conv-26.json"
    source.write_text(json.dumps([{"sample_id": sample["sample_id"], "conversation": cut}]), encoding="utf-8")
    with Memory.open(work / "mem", embedder=FakeEmbedder(), create=True) as mem:
        mem.ingest(source)
    return work / "mem"


@pytest.fixture
def locomo(locomo_db: Path) -> Iterator[Memory]:
    """The LoCoMo store, open."""
    with Memory.open(locomo_db, embedder=FakeEmbedder()) as mem:
        yield mem
