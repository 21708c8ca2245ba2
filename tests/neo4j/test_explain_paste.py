"""``EXPLAIN`` on a Bolt store prints the Cypher as Neo4j Browser takes it, and pasting it gives the rows.

Each golden query that pushes down is explained, the printed ``:param`` lines are read back as Browser
reads them (each literal evaluated by the server: ``RETURN literal``) and the printed query is run with
them: the rows must be those of the plan's own run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver, GraphDatabase

from graphmem import Memory
from graphmem.query import explain_query
from graphmem.query.cypher import NotPushable, compile_plan
from graphmem.query.pushdown import explain_plan, from_cypher, run_plan
from graphmem.store.cypher import CypherStore
from graphmem.store.neo4j import plain_value
from tests.neo4j.test_pushdown import ABOUT, CASES, _namespace
from tests.query.conftest import small_graph
from tests.query.test_golden import Case
from tests.support.bolt_server import BoltTarget, loaded_on_both

pytestmark = pytest.mark.neo4j

HEADER = "pushed down to Cypher (paste into Neo4j Browser or cypher-shell):"
PARAM = re.compile(r":param (\w+) => (.*)")


@pytest.fixture(scope="module")
def graphs(tmp_path_factory: pytest.TempPathFactory, bolt_server: BoltTarget) -> Iterator[tuple[Memory, CypherStore]]:
    with loaded_on_both(tmp_path_factory.mktemp("paste") / "db", bolt_server, small_graph) as both:
        yield both


@pytest.fixture(scope="module")
def driver(bolt_server: BoltTarget) -> Iterator[Driver]:
    with GraphDatabase.driver(bolt_server.uri, auth=bolt_server.auth) as drv:
        yield drv


def pasted(explained: str) -> tuple[dict[str, str], str]:
    """The ``:param`` literals and the query of an explained plan's Browser block."""
    assert HEADER in explained, explained
    block = explained.split(HEADER, 1)[1].strip().splitlines()
    literals = {m.group(1): m.group(2) for line in block if (m := PARAM.fullmatch(line))}
    query = "\n".join(line for line in block if not line.startswith((":param", "//")))
    assert query.endswith(";") and query.count(";") == 1, query
    return literals, query.removesuffix(";")


def run_pasted(driver: Driver, database: str, explained: str) -> list[tuple[Any, ...]]:
    """What Browser does with the pasted block: evaluate each ``:param`` literal, then run the query."""
    literals, query = pasted(explained)
    params = {}
    for name, literal in literals.items():
        records, _, _ = driver.execute_query(f"RETURN {literal} AS v", database_=database)
        params[name] = records[0]["v"]
    records, _, _ = driver.execute_query(query, params, database_=database)
    return [tuple(from_cypher(plain_value(v)) for v in r.values()) for r in records]


PUSHED = [c for c in CASES if "ORDER BY" in c.query.upper() or "LIMIT" not in c.query.upper()]


@pytest.mark.parametrize("case", PUSHED, ids=[f"{c.file.stem}-{c.index}" for c in PUSHED])
def test_pasting_the_explained_cypher_gives_the_plans_rows(
    case: Case, graphs: tuple[Memory, CypherStore], driver: Driver, bolt_server: BoltTarget
) -> None:
    mem, neo = graphs
    plan = explain_query(mem.store, case.query, case.params)
    ns = _namespace(plan)
    try:
        compile_plan(plan, ns)
    except NotPushable:
        pytest.skip("runs on the client")
    explained = explain_plan(neo, plan, ns, about=ABOUT)
    want = run_plan(neo, plan, namespace=ns, about=ABOUT)
    got = run_pasted(driver, bolt_server.database, explained)
    if "ORDER BY" in case.query.upper():
        assert got == list(want.rows)
    else:
        assert sorted(map(repr, got)) == sorted(map(repr, want.rows))


def test_every_kind_of_value_pastes(
    graphs: tuple[Memory, CypherStore], driver: Driver, bolt_server: BoltTarget
) -> None:
    """Text with quotes, backslashes and line breaks, times, lists, numbers, fuzzy and ABOUT seeds."""
    mem, neo = graphs
    queries = [
        'FIND (e:Event) WHERE e.speaker IN ["Melanie", "O\'Brien \\"Bo\\" \\\\ x\\n"] AND e.time >= 2023-05-08T13:57 '
        "RETURN e.id, e.time ORDER BY e.time",
        "FIND (a)-[f:FACT]->(b) VALID AT 2023-06-15 RETURN f.id, f.valid_from ORDER BY f.id",
        'FIND (p:Person ~"Carolin")-[:SAID]->(e:Event) RETURN e.id, e.seq ORDER BY e.seq, e.id',
        'FIND (e:Event ABOUT "camping with the kids") RETURN e.id ORDER BY e.id',
        "FIND (e:Event) WHERE e.seq > 1.5 RETURN count(*) AS n",
    ]
    for text in queries:
        plan = explain_query(mem.store, text, {"namespace": "t1"})
        explained = explain_plan(neo, plan, "t1", about=ABOUT)
        want = run_plan(neo, plan, namespace="t1", about=ABOUT)
        assert want.notes == ("pushed down to Cypher",), (text, want.notes)
        assert want.rows, text
        assert run_pasted(driver, bolt_server.database, explained) == list(want.rows), explained
    literals, _ = pasted(explained)
    assert literals["ns"] == '"t1"'


def test_cli_explain_prints_the_browser_block_and_json_stays_json(
    graphs: tuple[Memory, CypherStore],
    driver: Driver,
    bolt_server: BoltTarget,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    from graphmem.cli.app import main

    mem, neo = graphs
    monkeypatch.setenv("NEO4J_USERNAME", bolt_server.user)
    monkeypatch.setenv("NEO4J_PASSWORD", bolt_server.password)
    monkeypatch.setenv("NEO4J_DATABASE", bolt_server.database)
    monkeypatch.setenv("GRAPHMEM_CACHE_DIR", str(tmp_path / "cache"))
    query = 'FIND (e:Event) WHERE e.speaker = "Melanie" AND e.time < 2023-06-10T09:01 RETURN e.id ORDER BY e.id'
    assert main(["query", "--db", bolt_server.uri, "-n", "t1", "--explain", query]) == 0
    out = capsys.readouterr().out
    literals, _ = pasted(out)
    assert literals == {"ns": '"t1"', "p2": '"Melanie"', "p3": 'localdatetime("2023-06-10T09:01:00")'}
    want = run_plan(neo, explain_query(mem.store, query, {"namespace": "t1"}), namespace="t1")
    assert run_pasted(driver, bolt_server.database, out) == list(want.rows) == [("e2",), ("e4",), ("e5",)]
    assert main(["query", "--db", bolt_server.uri, "-n", "t1", "--explain", "--json", query]) == 0
    data = json.loads(capsys.readouterr().out)
    assert run_pasted(driver, bolt_server.database, "\n".join(data["plan"])) == list(want.rows)


def test_the_reference_shows_what_explain_prints(graphs: tuple[Memory, CypherStore]) -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "dsl.md").read_text(encoding="utf-8")
    shown = doc.split("$ graphmem query --db neo4j://localhost:7687 -n t1 --explain \\\n", 1)[1]
    command, shown = shown.split("\n", 1)
    query = command.strip().strip("'")
    mem, neo = graphs
    explained = explain_plan(neo, explain_query(mem.store, query, {"namespace": "t1"}), "t1")
    assert shown.startswith(explained + "\n```"), "docs/dsl.md shows another EXPLAIN output"


VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -7,
    2**63 - 1,
    -(2**63),
    1.5,
    -0.25,
    1e100,
    1e-05,
    "",
    'O\'Brien "Bo" \\ x\n\t\r\x00\x7f’é😀',
    ["a", 1, None, [2.5]],
    {"id": "e1", "score": 0.5, "odd key`": ["x"]},
]


def test_literals_read_back_as_the_values(driver: Driver, bolt_server: BoltTarget) -> None:
    from datetime import date, datetime

    from graphmem.query.cypher_params import cypher_literal

    for value in [*VALUES, datetime(2023, 5, 8, 13, 56, 7, 123456), datetime(2023, 5, 8), date(2024, 2, 29)]:
        records, _, _ = driver.execute_query(f"RETURN {cypher_literal(value)} AS v", database_=bolt_server.database)
        got = plain_value(records[0]["v"])
        assert got == value and type(got) is type(value), (value, cypher_literal(value), got)
