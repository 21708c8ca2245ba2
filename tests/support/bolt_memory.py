"""A :class:`~graphmem.memory.Memory` on the test Bolt server, as the Neo4j backend tests open it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from graphmem.memory import Memory
from graphmem.settings import Settings
from tests.ingest.fakes import FakeEmbedder
from tests.support.bolt_server import BoltTarget, wipe_database


def open_bolt_memory(bolt: BoltTarget, cache: Path, **options: Any) -> Memory:
    """A memory on ``bolt``'s database with the fake embedder, its local cache under ``cache``."""
    settings = Settings.from_env(environ={"GRAPHMEM_CACHE_DIR": str(cache)})
    return Memory.open(
        bolt.uri, embedder=FakeEmbedder(), settings=settings, auth=bolt.auth, database=bolt.database, **options
    )


@contextmanager
def two_bolt_memories(bolt: BoltTarget, where: Path) -> Iterator[tuple[Memory, Memory]]:
    """Two memories on ``bolt``'s emptied database, each with its own driver and cache (as two processes have)."""
    wipe_database(bolt)
    one, two = open_bolt_memory(bolt, where / "one"), open_bolt_memory(bolt, where / "two")
    try:
        yield one, two
    finally:
        one.close()
        two.close()
