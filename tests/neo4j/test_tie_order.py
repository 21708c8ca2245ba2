"""Events said at one time (two sessions under one header date) come in one order on both backends, in
TIMELINE and FIND FIRST/LAST: by time, then session, position and id (the planner's ``event_order``).

Before, the order was by time and position only, and tied rows came in each store's own order: the
pushed-down Cypher and the embedded executor answered ``FIND LAST`` with different events.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from graphmem import Memory
from graphmem.query import run_query
from graphmem.store.cypher import CypherStore
from tests.support.bolt_server import BoltTarget, loaded_on_both

pytestmark = pytest.mark.neo4j

NS = "tie"
TRANSCRIPT = """## Session 1 — 3 March 2024
Kai: I had lunch with Noor in Porto.
Noor: Porto was sunny.
Kai: Noor and I walked along the river.

## Session 2 — 3 March 2024
Noor: Later I called Kai about Porto again.
Kai: Noor, Porto is lovely in spring.
Noor: Agreed, Kai.
"""


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory, bolt_server: BoltTarget) -> Iterator[tuple[Memory, CypherStore]]:
    """The two sessions, embedded and in the Bolt server."""
    folder = tmp_path_factory.mktemp("tie")
    transcript = folder / "tie.txt"
    transcript.write_text(TRANSCRIPT, encoding="utf-8")

    def load(mem: Memory) -> None:
        mem.ingest(transcript, namespace=NS)

    with loaded_on_both(folder / "db", bolt_server, load) as both:
        yield both


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("FIND FIRST 2 (e:Event) RETURN e.id", ["ev:tie/session_1:1", "ev:tie/session_2:1"]),
        ("FIND LAST 2 (e:Event) RETURN e.id", ["ev:tie/session_2:3", "ev:tie/session_1:3"]),
        ("FIND LAST (e:Event) RETURN e.id", ["ev:tie/session_2:3"]),
    ],
)
def test_first_and_last_break_ties_by_session_then_position(
    stores: tuple[Memory, CypherStore], query: str, expected: list[str]
) -> None:
    mem, neo = stores
    for store in (mem.store, neo):
        assert [row[0] for row in run_query(store, query, {"namespace": NS}).rows] == expected, store


def test_timeline_breaks_ties_by_session_then_position(stores: tuple[Memory, CypherStore]) -> None:
    mem, neo = stores
    query = 'TIMELINE (x {name: "Porto"})'
    expected = [
        ("tie/session_1", "I had lunch with Noor in Porto."),
        ("tie/session_2", "Later I called Kai about Porto again."),
        ("tie/session_1", "Porto was sunny."),
        ("tie/session_2", "Noor, Porto is lovely in spring."),
    ]
    for store in (mem.store, neo):
        rows = run_query(store, query, {"namespace": NS}).rows
        assert [(row[1], row[3]) for row in rows] == expected, store
