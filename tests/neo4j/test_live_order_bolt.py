"""Live add on a Bolt store keeps a session's NEXT chain in time order (``tests/live/test_order.py``).

The server store relinks the session inside the write's transaction: a late message replaces the edge
between its neighbours by two, and an edited message re-added with its original time lands at its place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from graphmem.memory import Memory
from graphmem.settings import Settings
from tests.ingest.fakes import FakeEmbedder
from tests.live.test_order import check_a_late_message_is_spliced_in_by_time, check_an_edited_message_keeps_its_place
from tests.support.bolt_server import BoltTarget, wipe_database

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def nlp() -> Any:
    from graphmem.extract.nlp import load_nlp

    return load_nlp()


@pytest.fixture
def bolt_memory(bolt_server: BoltTarget, tmp_path: Path, nlp: Any) -> Iterator[Memory]:
    wipe_database(bolt_server)
    settings = Settings.from_env(environ={"GRAPHMEM_CACHE_DIR": str(tmp_path / "cache")})
    with Memory.open(
        bolt_server.uri,
        embedder=FakeEmbedder(),
        settings=settings,
        auth=bolt_server.auth,
        database=bolt_server.database,
        nlp=nlp,
    ) as memory:
        yield memory


@pytest.mark.parametrize("check", [check_a_late_message_is_spliced_in_by_time, check_an_edited_message_keeps_its_place])
def test_live_order_on_bolt(bolt_memory: Memory, check: Callable[[Memory], None]) -> None:
    check(bolt_memory)
