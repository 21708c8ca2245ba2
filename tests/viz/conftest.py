"""A LoCoMo conversation ingested once for the picture and Browser-guide tests (skipped when the shared
data folder is absent)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graphmem.memory import Memory
from tests.ingest.fakes import FakeEmbedder
from tests.support.locomo import ingest_conv26

SESSIONS = 6  # the first sessions of conv-26: ~130 turns, enough for several bands, lanes and topics


@pytest.fixture(scope="session")
def locomo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the first sessions of LoCoMo's conv-26 (spaCy extraction, a fake embedder)."""
    return ingest_conv26(tmp_path_factory.mktemp("locomo"), SESSIONS)


@pytest.fixture
def locomo(locomo_db: Path) -> Iterator[Memory]:
    """The LoCoMo store, open."""
    with Memory.open(locomo_db, embedder=FakeEmbedder()) as mem:
        yield mem
