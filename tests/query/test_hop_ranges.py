"""Hop ranges on the embedded store: cycles back to the start, and which of equally short paths is bound.

The same queries run on the Bolt server too (``tests/neo4j/test_differential.py``, ``PINNED``); these
need no server.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from graphmem import Memory
from graphmem.models import EdgeType, Entity, Event, Mention
from graphmem.query import Edge, run_query
from graphmem.query.limits import QueryLimits
from graphmem.query.result import PATH_KEY_SEP, path_key
from tests.query.differential import NS, load_graph


@pytest.fixture(scope="module")
def mem(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Memory]:
    with Memory.open(Path(tmp_path_factory.mktemp("hops")) / "db") as memory:
        load_graph(memory)
        yield memory


def rows(mem: Memory, text: str) -> list[tuple[Any, ...]]:
    return list(mem.query(text, namespace=NS).rows)


def test_a_hop_range_comes_back_to_its_start(mem: Memory) -> None:
    assert rows(mem, "FIND (a)-[f:FACT*1..3]->(a) RETURN a.id, f.id ORDER BY a.id") == [
        ("p:ines", ("f8", "f9")),
        ("p:tomas", ("f9", "f8")),
    ]
    assert rows(mem, "FIND (a)-[*2]->(a) RETURN a.id ORDER BY a.id") == [("p:ines",), ("p:tomas",)]
    assert rows(mem, 'FIND (a {id: "p:ines"})-[f:FACT*1..2]->(b) RETURN b.id, f.hops ORDER BY b.id') == [
        ("g:zurich", 2),
        ("p:ines", 2),
        ("p:tomas", 1),
    ]
    assert rows(mem, "FIND (a)-[f:FACT*3..4]->(a) RETURN a.id") == []  # its shortest cycle is shorter


def test_a_cycle_the_breadth_first_tree_does_not_hold(mem: Memory) -> None:
    # f2 (o'brien → müller), f11 (müller → ja), f6 (o'brien → ja): only both ways a cycle; o'brien's two
    # neighbours are first reached from o'brien, so the way back goes through the other one
    assert rows(mem, 'FIND (a {id: "p:obrien"})-[f:FACT*1..3]-(a) RETURN f.id') == [(("f6", "f11", "f2"),)]
    assert rows(mem, 'FIND (a {id: "p:obrien"})-[f:FACT*1..3]->(a) RETURN f.id') == []


def test_no_edge_twice_in_a_path(mem: Memory) -> None:
    # f8 out and back is not a cycle; f8 then f9 is
    assert rows(mem, 'FIND (a {id: "p:ines"})-[f:FACT*1..2]-(a) RETURN f.id') == [(("f8", "f9"),)]
    # a fact's two versions are two edges: a cycle of two, f1 before f1@…
    assert rows(mem, 'FIND (a {id: "x:bolt"})-[f:FACT*1..2]-(a) ALL TIME RETURN f.id') == [
        (("f1", "f1@2024-03-03T16:12:00"),)
    ]


def test_of_equally_short_paths_the_first_by_node_ids(mem: Memory) -> None:
    # e1 reaches e7 through p:ines (both spoken by Inês) and through x:bolt (both mention Bolt)
    got = rows(mem, 'FIND (e {id: "e1"})-[r:MENTIONS|SPOKEN_BY*2]-(x {id: "e7"}) RETURN r')
    assert got == [
        ((Edge(EdgeType.SPOKEN_BY, "e1", "p:ines", "speaker"), Edge(EdgeType.SPOKEN_BY, "e7", "p:ines", "speaker")),)
    ]


def test_the_path_key() -> None:
    sep = PATH_KEY_SEP
    path = (Edge(EdgeType.MENTIONS, "e1", "x:bolt", "object"), Edge(EdgeType.NEXT, "e1", "e2"))
    assert path_key("x:bolt", path) == f"x:bolt{sep}e1{sep}e2{sep}MENTIONS{sep}object{sep}NEXT{sep}{sep}"
    assert path_key("x:bolt", path[:1]) < path_key("x:bolt", (Edge(EdgeType.MENTIONS, "e2", "x:bolt"),))


def test_a_hub_costs_one_breadth_first_search(tmp_path: Path) -> None:
    # 400 turns spoken by one person, each mentioning one of 20 topics: the way back to the hub (a cycle of
    # four edges) comes from the one search, under 2,500 steps; a search per turn took over 6,000
    ns = "hub"
    events = [
        Event(ns, f"e{i:03d}", "s1", i, "Hub", f"turn {i}", datetime(2024, 1, 1) + timedelta(minutes=i))
        for i in range(400)
    ]
    entities = [
        Entity(ns, "p:hub", "Hub", "Person"),
        *(Entity(ns, f"t:{k:02d}", f"topic {k}", "Topic") for k in range(20)),
    ]
    mentions = [Mention(ns, f"e{i:03d}", "p:hub", "speaker") for i in range(400)]
    mentions += [Mention(ns, f"e{i:03d}", f"t:{i % 20:02d}") for i in range(400)]
    limits = QueryLimits(max_work=4_000)
    with Memory.open(tmp_path / "db") as memory:
        memory.add_events(events, namespace=ns, entities=entities, mentions=mentions)

        def ask(text: str) -> list[tuple[Any, ...]]:
            return list(run_query(memory.store, text, {"namespace": ns}, limits=limits).rows)

        assert ask('FIND (a {id: "p:hub"})-[r:MENTIONS|SPOKEN_BY*1..3]-(x) RETURN count(x)') == [(420,)]
        assert ask('FIND (a {id: "p:hub"})-[r:MENTIONS|SPOKEN_BY*1..3]-(a) RETURN count(a)') == [(0,)]
        # the first of the cycles: through e000, its topic t:00 and the next turn mentioning it, e020
        [(cycle,)] = ask('FIND (a {id: "p:hub"})-[r:MENTIONS|SPOKEN_BY*1..4]-(a) RETURN r')
        assert [(e.start, e.end) for e in cycle] == [
            ("e000", "p:hub"),
            ("e000", "t:00"),
            ("e020", "t:00"),
            ("e020", "p:hub"),
        ]
        assert ask('FIND (a {id: "p:hub"})-[r:MENTIONS|SPOKEN_BY*1..4]-(x) RETURN count(x)') == [(421,)]
