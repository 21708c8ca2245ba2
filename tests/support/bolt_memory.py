"""A :class:`~graphmem.memory.Memory` on the test Bolt server, as the Neo4j backend tests open it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graphmem.memory import Memory
from graphmem.settings import Settings
from tests.ingest.fakes import FakeEmbedder
from tests.support.bolt_server import BoltTarget


def open_bolt_memory(bolt: BoltTarget, cache: Path, **options: Any) -> Memory:
    """A memory on ``bolt``'s database with the fake embedder, its local cache under ``cache``."""
    settings = Settings.from_env(environ={"GRAPHMEM_CACHE_DIR": str(cache)})
    return Memory.open(
        bolt.uri, embedder=FakeEmbedder(), settings=settings, auth=bolt.auth, database=bolt.database, **options
    )
