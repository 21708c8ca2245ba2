"""Fixtures for the agent-facing API: a small memory with facts, the async backend, a subprocess environment."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from graphmem.embed import Embedder, Int8OnnxEmbedder
from graphmem.memory import Memory
from graphmem.models import Batch, Entity, Fact
from tests.recall.conftest import NS, write_dialogue

REPO = Path(__file__).resolve().parents[2]

#: Facts about the dialogue's people: one current, one that ended, one memory retired.
FACTS = (
    Fact(NS, "f:owns", "ent:ana", "owns", "ent:biscuit", datetime(2024, 3, 8, 10, 1), datetime(2024, 3, 8)),
    Fact(
        NS,
        "f:lived",
        "ent:ben",
        "lives_in",
        "ent:alps",
        datetime(2024, 3, 1, 10, 2),
        datetime(2020, 1, 1),
        valid_to=datetime(2023, 1, 1),
    ),
    Fact(
        NS,
        "f:retired",
        "ent:ana",
        "owns",
        "ent:starter",
        datetime(2024, 3, 1, 10, 6),
        datetime(2024, 3, 1),
        expired_at=datetime(2024, 3, 2),
    ),
    Fact(NS, "f:cello", "ent:ben", "plays", "ent:cello", datetime(2024, 3, 15, 10, 1), datetime(2024, 2, 15)),
)


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """One ONNX embedder (the default one a server process loads too)."""
    return Int8OnnxEmbedder()


def fill(mem: Memory) -> None:
    """The recall dialogue with embeddings, plus :data:`FACTS`."""
    write_dialogue(mem)
    mem.write(Batch(NS, entities=(Entity(NS, "ent:ben", "Ben", "Person"),), facts=FACTS))


@pytest.fixture
def memory(tmp_path: Path, embedder: Embedder) -> Iterator[Memory]:
    """An open memory holding the dialogue and its facts."""
    mem = Memory.open(tmp_path / "mem", embedder=embedder)
    fill(mem)
    yield mem
    mem.close()


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio (the loop agent frameworks use)."""
    return "asyncio"


@pytest.fixture
def child_env() -> dict[str, str]:
    """The environment a spawned ``graphmem`` needs: this checkout first on the path, no model hub."""
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}


PYTHON = sys.executable
