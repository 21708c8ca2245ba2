"""Differential testing of the DSL: generated queries give the same rows embedded and pushed down.

The graph and the generator are :mod:`tests.query.differential`. Each query runs through
:func:`graphmem.query.run_query` on the embedded store and on the Bolt server loaded with the same data
(pushed down to Cypher where it compiles, else on the client); the columns and rows must be equal, in
order where the query's ORDER BY is total, else as a multiset. A bounded seeded run is part of every
test run; ``pytest -m slow`` runs a longer one. Errors must be the same named error at the same place.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from graphmem import Memory
from graphmem.errors import GraphmemError
from graphmem.query import run_query
from graphmem.store.cypher import CypherStore
from tests.query.conftest import fake_about
from tests.query.differential import NS, Generated, corrupt, generate, graph_events, load_graph
from tests.support.bolt_server import BoltTarget, loaded_on_both

pytestmark = pytest.mark.neo4j

ABOUT = fake_about(graph_events())


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory, bolt_server: BoltTarget) -> Iterator[tuple[Memory, CypherStore]]:
    """The differential graph, embedded and in the Bolt server."""
    with loaded_on_both(tmp_path_factory.mktemp("differential") / "db", bolt_server, load_graph) as both:
        yield both


def _params(gen: Generated) -> dict[str, Any]:
    params = dict(gen.params)
    if 'IN "' not in gen.text:  # no IN "namespace" clause: name it as a caller does
        params["namespace"] = NS
    return params


def outcome(store: Any, text: str, params: dict[str, Any]) -> tuple[str, Any, Any]:
    """``("ok", columns, rows)`` or ``("error", type name, message)`` of ``text`` on ``store``."""
    try:
        result = run_query(store, text, params, about=ABOUT)
    except GraphmemError as exc:
        return "error", type(exc).__name__, str(exc)
    return "ok", result.columns, result.rows


def _norm(value: Any) -> Any:
    if isinstance(value, float):  # sums and averages add in another order on the server
        return f"{value:.9g}"
    return repr(value)


def _rows(rows: Any, gen: Generated) -> list[Any]:
    out = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            if i in gen.collect_columns and isinstance(cell, tuple):
                cell = tuple(sorted(cell, key=repr))
            cells.append(_norm(cell))
        out.append(tuple(cells))
    return out


def divergence(mem: Memory, neo: CypherStore, gen: Generated) -> str | None:
    """What differs between the two stores' answers to ``gen``, or ``None``."""
    params = _params(gen)
    want = outcome(mem.store, gen.text, params)
    got = outcome(neo, gen.text, params)
    if want[0] == "error" or got[0] == "error":
        if want != got:
            return f"embedded {want[:3]}\n   bolt {got[:3]}"
        return None
    if want[1] != got[1]:
        return f"columns {want[1]} vs {got[1]}"
    w, g = _rows(want[2], gen), _rows(got[2], gen)
    if gen.text.startswith(("FIND FIRST", "FIND LAST")):  # ties on time: only the times are defined
        w, g = [r[1:] for r in w], [r[1:] for r in g]
    if gen.ordered:
        if w != g:
            return f"rows (ordered)\nembedded {w}\n    bolt {g}"
    elif Counter(w) != Counter(g):
        return f"rows\nembedded {sorted(w)}\n    bolt {sorted(g)}"
    return None


def run(mem: Memory, neo: CypherStore, seed: int, count: int) -> list[tuple[Generated, str]]:
    """Generate ``count`` queries from ``seed`` and return those whose answers differ."""
    rng = random.Random(seed)
    found = []
    for _ in range(count):
        gen = generate(rng)
        diff = divergence(mem, neo, gen)
        if diff is not None:
            found.append((gen, diff))
    return found


def test_generated_queries_give_the_same_rows_on_both_stores(stores: tuple[Memory, CypherStore]) -> None:
    mem, neo = stores
    found = run(mem, neo, seed=20261203, count=500)
    assert not found, "\n\n".join(f"{g.text}\n{g.params}\n{d}" for g, d in found[:5])


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(5))
def test_generated_queries_give_the_same_rows_on_both_stores_long(
    stores: tuple[Memory, CypherStore], seed: int
) -> None:
    mem, neo = stores
    found = run(mem, neo, seed=seed, count=2000)
    assert not found, "\n\n".join(f"{g.text}\n{g.params}\n{d}" for g, d in found[:5])


def test_broken_queries_give_the_same_named_error_on_both_stores(stores: tuple[Memory, CypherStore]) -> None:
    mem, neo = stores
    rng = random.Random(7)
    errors = 0
    for _ in range(200):
        gen = generate(rng)
        broken = Generated(corrupt(rng, gen.text), gen.params, gen.ordered, gen.collect_columns)
        params = _params(broken)
        want, got = outcome(mem.store, broken.text, params), outcome(neo, broken.text, params)
        if want[0] == "error":
            errors += 1
            # every error names its place, a namespace the query names too
            assert re.match(r"line \d+, column \d+: ", want[2]), want
        assert got == want if want[0] == "error" else divergence(mem, neo, broken) is None, broken.text
    assert errors >= 100  # most edits break the query


@pytest.mark.parametrize(
    ("text", "params", "error", "where"),
    [
        ("FIND (e:Evnt) RETURN e", {}, "QuerySemanticError", "line 1, column 9"),
        ("FIND (x:Pets) RETURN x", {}, "QuerySemanticError", "line 1, column 9"),
        ("FIND (e:Event) RETRUN e", {}, "QuerySyntaxError", "line 1, column 16"),
        ("FIND (e:Event)\n WHERE e.speakr = 'x' RETURN e", {}, "QuerySemanticError", "line 2, column 8"),
        ("FIND (e:Event) WHERE e.speaker = $who RETURN e", {}, "QuerySemanticError", "line 1, column 34"),
        ("FIND (e:Event) WHERE e.time = $d RETURN e", {"d": "not a date"}, "QuerySemanticError", "line 1, column 31"),
        ("FIND (e:Event) WHERE e.time ON 2024-02-30 RETURN e", {}, "QuerySemanticError", "line 1, column 32"),
        ("FIND (e:Event) AS OF 2024 RETURN e", {}, "QuerySemanticError", "line 1, column 22"),
        ("FIND (a)-[:FACT*]->(b) RETURN b", {}, "PlanLimitError", "line 1, column 16"),
        ('FIND (e:Event) IN "d3" RETURN e', {}, "QueryNamespaceError", "line 1, column 19: namespace 'd3' holds"),
        ("FIND (e:Event)\n IN $ns RETURN e", {"ns": "D1"}, "QueryNamespaceError", "line 2, column 5: namespace 'D1'"),
        ('TIMELINE (p:Person ~"Ines") IN "x" LIMIT 2', {}, "QueryNamespaceError", "line 1, column 32: namespace 'x'"),
        ("FIND (e:Event) RETURN e", {"namespace": "d3"}, "QueryNamespaceError", "namespace 'd3' holds no data"),
        ('FIND (e:Event) IN "d2" RETURN e', {"namespace": NS}, "QueryPinnedNamespaceError", "line 1"),
        ("FIND (e:Event) RETURN e LIMIT 20000", {}, "PlanLimitError", "line 1"),
    ],
)
def test_named_errors_are_the_same_on_both_stores(
    stores: tuple[Memory, CypherStore], text: str, params: dict[str, Any], error: str, where: str
) -> None:
    mem, neo = stores
    params = params if " IN " in text or "namespace" in params else {"namespace": NS, **params}
    want, got = outcome(mem.store, text, params), outcome(neo, text, params)
    assert want == got
    assert want[:2] == ("error", error) and want[2].startswith(where), want


# Divergences the generator found, pinned: (query, parameters, rows in order).
PINNED: list[tuple[str, dict[str, Any], list[tuple[Any, ...]]]] = [
    # the executor cached a miss as an Event and then did not find the Entity of that id
    ('FIND (x {id: "g:zurich"}) RETURN x.id', {}, [("g:zurich",)]),
    ('FIND (e:Event)-[r:MENTIONS*1..2]-(x {id: "g:zurich"}) RETURN e.id ORDER BY e.id', {}, [("e3",), ("e9",)]),
    # lists order item by item, a shorter prefix first (the executor compared their text)
    (
        "FIND (x:Person) RETURN x.id ORDER BY x.aliases, x.id",
        {},
        [("p:obrien",), ("p:tomas",), ("p:doc",), ("p:ines",), ("p:zoe",)],
    ),
    (
        "FIND (x:Person) RETURN x.id ORDER BY x.aliases DESC, x.id",
        {},
        [("p:zoe",), ("p:ines",), ("p:doc",), ("p:obrien",), ("p:tomas",)],
    ),
    # VALID AT alone reads the versions memory holds now: f4 was superseded (Cypher followed it)
    (
        'FIND (a {id: "p:tomas"})-[f:FACT]->(b) VALID AT 2024-03-24T19:31 RETURN f.id ORDER BY f.id',
        {},
        [("f5",), ("f9",)],
    ),
    ('FIND (a {id: "p:tomas"})-[f:FACT*1..2]->(b:Place) VALID AT $t RETURN b.id', {"t": "2024-03-25"}, [("g:zurich",)]),
    # IN a list holding NULL is unknown when the value is not found (the executor said false)
    ("FIND (e:Event) WHERE NOT e.seq IN [5, NULL] RETURN e.id", {}, []),
    ("FIND (e:Event) WHERE NOT e.seq IN $l RETURN e.id ORDER BY e.id", {"l": [0, 1, 2, None]}, []),
    ("FIND (e:Event) WHERE e.seq IN [3, NULL] RETURN e.id ORDER BY e.id", {}, [("e4",), ("e8",)]),
    (
        'FIND (x:Person) WHERE NOT x.aliases IN ["Zoe", NULL] RETURN x.id ORDER BY x.id',
        {},
        [("p:obrien",), ("p:tomas",)],
    ),
    # nothing is in an empty list, not even a missing value (the executor said unknown: e6 has no speaker)
    (
        "FIND (e:Event) WHERE NOT e.speaker IN [] RETURN e.id ORDER BY e.id",
        {},
        [(f"e{i}",) for i in (1, 10, 11, 12, 13, 2, 3, 4, 5, 6, 7, 8, 9)],
    ),
    (
        "FIND (e:Event) WHERE NOT e.time IN $l RETURN e.id ORDER BY e.id",
        {"l": []},
        [(f"e{i}",) for i in (1, 10, 11, 12, 13, 2, 3, 4, 5, 6, 7, 8, 9)],
    ),
    ("FIND (x) WHERE x.aliases IN [] RETURN x.id", {}, []),
    ("FIND (x:Place) WHERE NOT x.aliases IN $l RETURN count(x)", {"l": []}, [(3,)]),
    ("FIND (x) WHERE NOT x.aliases IN $l RETURN count(x)", {"l": []}, [(32,)]),  # events too: Cypher said unknown
    # a time IN a list holding NULL is unknown when not found, as a plain IN (a NULL item matched nothing)
    ("FIND (e:Event) WHERE NOT e.time IN [2024-03-03, NULL] RETURN e.id", {}, []),
    ("FIND (e:Event) WHERE NOT e.time IN $l RETURN e.id", {"l": ["2024-03-03", None]}, []),
    (
        "FIND (e:Event) WHERE e.time IN [2024-03-03, NULL] RETURN e.id ORDER BY e.id",
        {},
        [("e1",), ("e2",), ("e3",), ("e4",)],
    ),
    # text tests lower-case both sides as Cypher's toLower does: ß is not ss (the executor case-folded)
    ('FIND (x:Place) WHERE x.name CONTAINS "ss" RETURN x.id', {}, []),
    # a hop range finds a cycle back to its start node: no edge twice in a path, nodes may repeat (Cypher)
    (
        "FIND (a)-[f:FACT*1..3]->(a) RETURN a.id, f.id ORDER BY a.id",
        {},
        [("p:ines", ("f8", "f9")), ("p:tomas", ("f9", "f8"))],
    ),
    ("FIND (a)-[*2]->(a) RETURN a.id ORDER BY a.id", {}, [("p:ines",), ("p:tomas",)]),
    ("FIND (a)-[f:FACT*3..4]->(a) RETURN a.id", {}, []),  # the shortest cycle is shorter than the range
    # with *0.. every node (all 32, p:ines and p:tomas on a cycle too) is matched by the empty path, only
    ("FIND (a)-[f:FACT*0..2]->(a) RETURN f.hops, count(a)", {}, [(0, 32)]),
    (
        'FIND (a {id: "p:ines"})-[f:FACT*1..2]->(b) RETURN b.id, f.hops ORDER BY b.id',
        {},
        [("g:zurich", 2), ("p:ines", 2), ("p:tomas", 1)],
    ),
    ('FIND (a {id: "p:ines"})-[f:FACT*1..2]-(a) RETURN f.id', {}, [(("f8", "f9"),)]),  # f8 then f9, not f9 then f8
    # followed both ways, f2, f11 and f6 make a triangle: a breadth-first walk meets p:obrien's neighbours
    # from each other, not p:obrien, yet the cycle is there (by l:ja, which sorts before o:muller)
    ('FIND (a {id: "p:obrien"})-[f:FACT*1..3]-(a) RETURN f.id', {}, [(("f6", "f11", "f2"),)]),
    ('FIND (a {id: "p:obrien"})-[f:FACT*1..3]->(a) RETURN f.id', {}, []),
    # a fact's two versions are two edges: a cycle of length 2, and f1 before f1@… (edges order by id)
    ('FIND (a {id: "x:bolt"})-[f:FACT*1..2]-(a) ALL TIME RETURN f.id', {}, [(("f1", "f1@2024-03-03T16:12:00"),)]),
    # of several equally short paths, the one whose node ids, in order, sort first (e7 via p:ines, not x:bolt)
    (
        'FIND (e {id: "e1"})-[r:MENTIONS|SPOKEN_BY*2]-(x {id: "e7"}) RETURN r.type, r.role',
        {},
        [(("SPOKEN_BY", "SPOKEN_BY"), ("speaker", "speaker"))],
    ),
    (
        'FIND (x:Place) WHERE x.name STARTS WITH "STRASSE" OR x.aliases ENDS WITH "SSE" RETURN x.id',
        {},
        [("g:strasse",)],
    ),
]


@pytest.mark.parametrize(("text", "params", "rows"), PINNED, ids=[str(i) for i in range(len(PINNED))])
@pytest.mark.parametrize("side", ["embedded", "bolt"])
def test_pinned_divergences(
    stores: tuple[Memory, CypherStore], side: str, text: str, params: dict[str, Any], rows: list[tuple[Any, ...]]
) -> None:
    mem, neo = stores
    store = mem.store if side == "embedded" else neo
    result = run_query(store, text, {"namespace": NS, **params})
    assert list(result.rows) == rows
