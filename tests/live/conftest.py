"""Fixtures for live-memory tests: a store with a fake embedder and the real spaCy pipeline."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graphmem.memory import Memory
from tests.ingest.fakes import FakeEmbedder

LOCOMO_DEV = Path(__file__).resolve().parents[3] / "shared" / "data" / "locomo" / "locomo_dev.json"


@pytest.fixture(scope="session")
def nlp() -> Any:
    """The spaCy pipeline, loaded once for the whole test session."""
    from graphmem.extract.nlp import load_nlp

    return load_nlp()


@pytest.fixture
def memory(tmp_path: Path, nlp: Any) -> Iterator[Memory]:
    """An empty store with the real extractor's pipeline and a fake embedder."""
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp) as mem:
        yield mem
