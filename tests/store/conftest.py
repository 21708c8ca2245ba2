"""The backend fixture: every contract test runs once per backend.

``embedded`` always runs. ``neo4j`` runs against a Bolt server: the one started by
``tests/support/bolt_server.py`` (ArcadeDB in CI) or an external Neo4j named by
``GRAPHMEM_TEST_BOLT_URI``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from graphmem.store.base import GraphStore
from graphmem.store.embedded import EmbeddedStore


@dataclass
class Backend:
    """Opens stores of one backend; each test gets its own namespaces."""

    name: str
    opener: Callable[[], GraphStore]
    opened: list[GraphStore] = field(default_factory=list)
    prefix: str = field(default_factory=lambda: "t" + uuid.uuid4().hex[:10])

    def open(self) -> GraphStore:
        store = self.opener()
        self.opened.append(store)
        return store

    def ns(self, name: str = "a") -> str:
        """A namespace unique to this test."""
        return f"{self.prefix}-{name}"


def _embedded(tmp_path: Path, mirror_max_events: int | None = None) -> Callable[[], GraphStore]:
    return lambda: EmbeddedStore.open(tmp_path / "store", mirror_max_events=mirror_max_events)


def _neo4j(request: pytest.FixtureRequest) -> Callable[[], GraphStore]:
    bolt: Any = request.getfixturevalue("bolt_server")
    from graphmem.store.neo4j import connect

    return lambda: connect(bolt.uri, auth=bolt.auth, database=bolt.database)


@pytest.fixture(params=["embedded", "embedded-sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """A backend to run a contract test against (``embedded-sqlite``: every read answered from SQLite)."""
    if request.param == "embedded":
        opener = _embedded(tmp_path, mirror_max_events=None)
    elif request.param == "embedded-sqlite":
        opener = _embedded(tmp_path, mirror_max_events=0)
    else:
        opener = _neo4j(request)
    b = Backend(request.param, opener)
    yield b
    for store in b.opened:
        try:
            for ns in store.namespaces():
                if ns.startswith(b.prefix):
                    store.delete_namespace(ns)
        except Exception:  # the store may be closed on purpose by the test
            pass
        store.close()
