"""Fixtures for ingestion tests: a fresh store per test with a fake embedder, and paths to samples."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graphmem.memory import Memory

from .fakes import FakeEmbedder

DATA = Path(__file__).resolve().parents[2] / "data"
LOCOMO_DEV = Path(__file__).resolve().parents[3] / "shared" / "data" / "locomo" / "locomo_dev.json"


@pytest.fixture(scope="session")
def nlp() -> Any:
    """The spaCy pipeline, loaded once for the whole test session (and cached process-wide)."""
    from graphmem.extract.nlp import load_nlp

    return load_nlp()


@pytest.fixture(scope="session")
def spacy_extractor(nlp: Any) -> Any:
    """The real offline extractor, sharing the session's spaCy pipeline."""
    from graphmem.extract import get_extractor

    return get_extractor("spacy", nlp=nlp)


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[Memory]:
    """An empty store with a fake embedder."""
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem:
        yield mem


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A private copy of ``data/`` that a test may change."""
    return Path(shutil.copytree(DATA, tmp_path / "data"))
