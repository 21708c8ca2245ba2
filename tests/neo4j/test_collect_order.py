"""``collect()`` lists its items in the default row order (the pattern's identity) on both backends.

Before, the embedded executor collected in the order its expansions met the rows and the pushed-down
Cypher in the server's order, so one query gave the same items in two orders (reversed over ArcadeDB).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from graphmem import Memory
from graphmem.query import run_query
from graphmem.store.cypher import CypherStore
from tests.support.bolt_server import BoltTarget, loaded_on_both

pytestmark = pytest.mark.neo4j

NS = "coll"
TRANSCRIPT = """## Session 1 — 3 March 2024
Kai: I had lunch with Noor in Porto.
Noor: Porto was sunny.
Kai: Noor and I walked along the river.

## Session 2 — 4 March 2024
Noor: Later I called Kai about Porto again.
Kai: Noor, Porto is lovely in spring.
"""
PORTO = ["ev:coll/session_1:1", "ev:coll/session_1:2", "ev:coll/session_2:1", "ev:coll/session_2:2"]


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory, bolt_server: BoltTarget) -> Iterator[tuple[Memory, CypherStore]]:
    folder = tmp_path_factory.mktemp("coll")
    transcript = folder / "coll.txt"
    transcript.write_text(TRANSCRIPT, encoding="utf-8")

    def load(mem: Memory) -> None:
        mem.ingest(transcript, namespace=NS)

    with loaded_on_both(folder / "db", bolt_server, load) as both:
        yield both


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            'FIND (x:Entity)<-[:MENTIONS]-(e:Event) WHERE x.name = "Porto" '
            "RETURN x.name, collect(e.speaker) AS who, collect(e.id) AS ids GROUP BY x.name",
            [("Porto", ("Kai", "Noor", "Noor", "Kai"), tuple(PORTO))],
        ),
        (
            'FIND (e:Event)-[:MENTIONS]->(x:Entity {name: "Porto"}) RETURN collect(e.id) AS ids',
            [(tuple(PORTO),)],
        ),
        (
            'FIND (x:Entity {name: "Porto"})<-[:MENTIONS]-(e:Event) RETURN collect(DISTINCT e.speaker) AS who',
            [(("Kai", "Noor"),)],
        ),
    ],
)
def test_collect_lists_items_in_the_default_order_on_both_backends(
    stores: tuple[Memory, CypherStore], query: str, expected: list[tuple[object, ...]]
) -> None:
    mem, neo = stores
    for store in (mem.store, neo):
        result = run_query(store, query, {"namespace": NS})
        assert [tuple(row) for row in result.rows] == expected, store
    assert "pushed down to Cypher" in run_query(neo, query, {"namespace": NS}).notes
