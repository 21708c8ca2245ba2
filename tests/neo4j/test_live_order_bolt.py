"""Live add on a Bolt store keeps a session's NEXT chain in time order (``tests/live/test_order.py``).

The server store relinks the session inside the write's transaction: a late message replaces the edge
between its neighbours by two, and an edited message re-added with its original time lands at its place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from graphmem.errors import StoreError
from graphmem.memory import Memory
from graphmem.store.cypher import write as cypher_write
from tests.live.test_order import (
    NS,
    chain_of,
    check_a_late_message_is_spliced_in_by_time,
    check_an_edited_message_keeps_its_place,
    say,
)
from tests.support.bolt_memory import open_bolt_memory
from tests.support.bolt_server import BoltTarget, wipe_database

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def nlp() -> Any:
    from graphmem.extract.nlp import load_nlp

    return load_nlp()


@pytest.fixture
def bolt_memory(bolt_server: BoltTarget, tmp_path: Path, nlp: Any) -> Iterator[Memory]:
    wipe_database(bolt_server)
    with open_bolt_memory(bolt_server, tmp_path / "cache", nlp=nlp) as memory:
        yield memory


@pytest.mark.parametrize("check", [check_a_late_message_is_spliced_in_by_time, check_an_edited_message_keeps_its_place])
def test_live_order_on_bolt(bolt_memory: Memory, check: Callable[[Memory], None]) -> None:
    check(bolt_memory)


def test_a_failed_late_add_leaves_the_chain_as_it_was(bolt_memory: Memory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The splice is part of the add's transaction: a failure after the session was relinked undoes it."""
    first = bolt_memory.add(say("Dana", "I adopted a dog named Rex.", 0), namespace=NS)
    reply = bolt_memory.add(say("Sam", "What breed is Rex?", 2), namespace=NS)
    real = cypher_write.relink_sessions_events

    def explode(tx: Any, ns: str, sids: Any) -> None:
        real(tx, ns, sids)  # the late message and its two edges are written by now
        raise StoreError("injected failure after the relink")

    monkeypatch.setattr(cypher_write, "relink_sessions_events", explode)
    with pytest.raises(StoreError, match="injected"):
        bolt_memory.add(say("Dana", "He loves the park.", 1), namespace=NS)
    monkeypatch.undo()
    assert [e.id for e in bolt_memory.store.iter_events(NS)] == [*first, *reply]
    assert chain_of(bolt_memory, first[0]) == [first[0], reply[0]]  # the old edge is back, no half chain
    late = bolt_memory.add(say("Dana", "He loves the park.", 1), namespace=NS)
    assert chain_of(bolt_memory, first[0]) == [first[0], late[0], reply[0]]
