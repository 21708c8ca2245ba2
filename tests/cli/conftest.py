"""Fixtures of the CLI tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphmem.models import Batch, Event, Session
from graphmem.store.embedded import EmbeddedStore


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    """An embedded store holding one event (``e``, "hi") in namespace ``conv-1``; modules that need other
    contents define their own."""
    d = tmp_path / "mem"
    store = EmbeddedStore.open(d)
    store.write(Batch("conv-1", (Session("conv-1", "s", 0),), (Event("conv-1", "e", "s", 0, "A", "hi"),)))
    store.close()
    return d
