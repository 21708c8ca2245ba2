"""DSL push-down: plans compile to one parameterised Cypher query that gives the executor's answers.

Every golden query of ``tests/query/golden`` runs twice over the same small graph, once with the
embedded executor and once pushed down to the Bolt server, and the rows must be the same (in the same
order when the plan sorts). Injection is tried through every kind of literal.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from graphmem import Memory
from graphmem.errors import GraphmemError, QueryLimitError
from graphmem.query import explain_query, run_query
from graphmem.query import plan as p
from graphmem.query.cypher import CypherQuery, NotPushable, compile_plan
from graphmem.query.executor import execute
from graphmem.query.limits import DEFAULT_LIMITS, QueryLimits
from graphmem.query.pushdown import explain_plan, run_plan
from graphmem.store.cypher import CypherStore
from tests.query.conftest import _events, fake_about, small_graph
from tests.query.test_executor import LIST_EQUALITY
from tests.query.test_golden import Case, all_cases
from tests.support.bolt_server import BoltTarget, loaded_on_both

pytestmark = pytest.mark.neo4j

ABOUT = fake_about(_events())


@pytest.fixture(scope="module")
def graphs(tmp_path_factory: pytest.TempPathFactory, bolt_server: BoltTarget) -> Iterator[tuple[Memory, CypherStore]]:
    """The query tests' small graph, embedded and in the Bolt server."""
    with loaded_on_both(tmp_path_factory.mktemp("pushdown") / "db", bolt_server, small_graph) as both:
        yield both


def _namespace(plan: p.Plan) -> str:
    return str(plan.namespace.value) if plan.namespace is not None else "t1"


def _both(mem: Memory, neo: CypherStore, text: str, params: dict[str, Any] | None = None, **kw: Any) -> tuple[Any, Any]:
    plan = explain_query(mem.store, text, params or {})
    ns = _namespace(plan)
    limits = kw.pop("limits", DEFAULT_LIMITS)
    want = execute(plan, mem.store, namespace=ns, about=ABOUT, limits=limits)
    got = run_plan(neo, plan, namespace=ns, about=ABOUT, limits=limits)
    return want, got


def _same_rows(plan: p.Plan, want: Any, got: Any) -> None:
    if any(isinstance(s, p.Sort) for s in plan.steps):
        assert list(got.rows) == list(want.rows)
    else:
        assert sorted(map(repr, got.rows)) == sorted(map(repr, want.rows))


CASES = [c for c in all_cases() if not c.query.lstrip().upper().startswith(("EXPLAIN", "RECALL"))]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.file.stem}-{c.index}" for c in CASES])
def test_golden_query_gives_the_same_rows_pushed_down(case: Case, graphs: tuple[Memory, CypherStore]) -> None:
    mem, neo = graphs
    plan = explain_query(mem.store, case.query, case.params)
    want, got = _both(mem, neo, case.query, case.params)
    _same_rows(plan, want, got)
    assert got.columns == want.columns


def test_most_golden_queries_push_down(graphs: tuple[Memory, CypherStore]) -> None:
    mem, _ = graphs
    pushed, reasons = 0, []
    for case in CASES:
        plan = explain_query(mem.store, case.query, case.params)
        try:
            compile_plan(plan, _namespace(plan))
            pushed += 1
        except NotPushable as exc:
            reasons.append(exc.reason)
    assert pushed >= 0.9 * len(CASES), reasons
    assert all(r for r in reasons)


def test_user_values_never_reach_the_cypher_text(graphs: tuple[Memory, CypherStore]) -> None:
    mem, _ = graphs
    for case in CASES:
        plan = explain_query(mem.store, case.query, case.params)
        try:
            query = compile_plan(plan, _namespace(plan))
        except NotPushable:
            continue
        for value in _consts(plan):
            if isinstance(value, str) and len(value) > 1:
                assert value not in query.text, (case.query, value)
        # labels and relationship types come from the allow-list only
        labels = set(re.findall(r"[(\s](?:\w+):(\w+)", query.text))
        assert labels <= {
            "Event",
            "Entity",
            "Session",
            "IN_SESSION",
            "NEXT",
            "NEXT_SESSION",
            "SPOKEN_BY",
            "MENTIONS",
            "FACT",
        }, labels


def _consts(obj: Any) -> Iterator[Any]:
    if isinstance(obj, p.Const):
        yield obj.value
        return
    if isinstance(obj, tuple | list):
        for item in obj:
            yield from _consts(item)
        return
    if hasattr(obj, "__dataclass_fields__"):
        for name in obj.__dataclass_fields__:
            yield from _consts(getattr(obj, name))


def test_explain_shows_the_generated_cypher(graphs: tuple[Memory, CypherStore]) -> None:
    mem, neo = graphs
    plan = explain_query(
        mem.store, 'FIND (p:Person {name: "Melanie"})-[:SAID]->(e:Event ABOUT "camping") RETURN e.text'
    )
    text = explain_plan(neo, plan, "t1")
    assert text.startswith(str(plan))
    assert "pushed down to Cypher (paste into Neo4j Browser" in text and "MATCH (n1:Entity)" in text
    # without an ABOUT source the seeds are not computed: a comment says what they would hold
    assert "// $seeds" in text and "top 10 events nearest 'camping'" in text and ":param seeds" not in text
    assert "Melanie" not in text.split("MATCH (n1:Entity)", 1)[1]  # a parameter, not text of the query
    assert ':param seeds6 => [{id: "e' in explain_plan(neo, plan, "t1", about=ABOUT)
    fuzzy = explain_query(mem.store, 'FIND (e:Event) WHERE e.speaker ~ "Melani" RETURN e.id')
    assert "runs on the client" in explain_plan(neo, fuzzy, "t1")


def test_cli_explain_and_the_repl_show_the_cypher_on_bolt(
    graphs: tuple[Memory, CypherStore],
    bolt_server: BoltTarget,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # docs/cli.md: `query --explain` prints the plan "and the Cypher on Neo4j"; `.explain on` likewise
    from graphmem.cli.app import main

    monkeypatch.setenv("NEO4J_USERNAME", bolt_server.user)
    monkeypatch.setenv("NEO4J_PASSWORD", bolt_server.password)
    monkeypatch.setenv("NEO4J_DATABASE", bolt_server.database)
    query = 'FIND (e:Event) WHERE e.speaker = "Melanie" RETURN e.id'
    assert main(["query", "--db", bolt_server.uri, "-n", "t1", "--explain", query]) == 0
    out = capsys.readouterr().out
    assert "Filter" in out and "pushed down to Cypher (paste" in out and ':param ns => "t1"' in out
    monkeypatch.setattr("sys.stdin", io.StringIO(f".explain on\n{query};\n"))
    assert main(["repl", "--db", bolt_server.uri, "-n", "t1"]) == 0
    captured = capsys.readouterr()
    assert "pushed down to Cypher (paste" in captured.err and "e.id" in captured.out
    # a namespace that holds nothing yet is explained too, as on a store directory (it was an error)
    assert main(["query", "--db", bolt_server.uri, "-n", "nothing_yet", "--explain", query]) == 0
    assert ':param ns => "nothing_yet"' in capsys.readouterr().out


def test_valid_at_alone_follows_only_the_versions_memory_holds_now(graphs: tuple[Memory, CypherStore]) -> None:
    # docs/dsl.md: VALID AT d is "facts true in the world at the start of d, as memory knows them now";
    # f3 (Jon work_at bakery until 2023-06-01) was true on 2023-05-15 but memory retired it on 2023-06-15
    mem, neo = graphs
    want, got = _both(mem, neo, "FIND (a)-[f:FACT]->(b) VALID AT 2023-05-15 RETURN f.id")
    assert got.notes == ("pushed down to Cypher",)
    assert ("f3",) not in want.rows
    assert sorted(got.rows) == sorted(want.rows)


def test_what_does_not_push_down_runs_on_the_client(graphs: tuple[Memory, CypherStore]) -> None:
    mem, neo = graphs
    want, got = _both(mem, neo, 'FIND (e:Event) WHERE e.speaker ~ "Melani" RETURN e.id')
    assert sorted(got.rows) == sorted(want.rows) and len(got.rows) == 4
    assert any("ran on the client" in n for n in got.notes)
    _, pushed = _both(mem, neo, 'FIND (e:Event) WHERE e.speaker = "Melanie" RETURN e.id')
    assert pushed.notes == ("pushed down to Cypher",)


def test_row_limit_is_enforced_in_the_database(graphs: tuple[Memory, CypherStore]) -> None:
    mem, neo = graphs
    small = QueryLimits(max_rows=3)
    with pytest.raises(QueryLimitError, match="more than 3 rows"):
        _both(mem, neo, "FIND (e:Event) RETURN e.id", limits=small)
    _, got = _both(mem, neo, "FIND (e:Event) RETURN e.id LIMIT 3", limits=small)
    assert len(got.rows) == 3


INJECTIONS = [
    "' OR 1=1 //",
    '"}) MATCH (n) DETACH DELETE n //',
    "`) DETACH DELETE n //",
    "\\'; MATCH (n) DETACH DELETE n; //",
    "$ns",
    "{namespace: 't2'}",
    "*/ MATCH (n) DETACH DELETE n /*",
    "Caroline\n}) RETURN 1 //",
    "🙂 é ß \u0000",
]


def _dsl_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _injection_queries(bad: str) -> list[tuple[str, dict[str, Any]]]:
    s = _dsl_string(bad)
    return [
        (f"FIND (e:Event) WHERE e.text CONTAINS {s} RETURN e.id", {}),
        (f"FIND (e:Event) WHERE e.speaker = {s} OR e.speaker STARTS WITH {s} RETURN e.id", {}),
        (f"FIND (x:Entity {{name: {s}}}) RETURN x.id", {}),
        (f"FIND (e:Event {{source: {s}}}) RETURN e.id", {}),
        (f"FIND (e:Event {{id: {s}}})-[:NEXT]->(n) RETURN n.id", {}),
        (f"FIND (e:Event) WHERE e MENTIONS {s} RETURN e.id", {}),
        (f"FIND (x:Entity ~{s}) RETURN x.id", {}),
        (f"FIND (e:Event ABOUT {s}) RETURN e.id", {}),
        (f'FIND (e:Event) WHERE e.speaker IN [{s}, "Melanie"] RETURN e.id, {s} AS echo', {}),
        (
            "FIND (e:Event) WHERE e.text CONTAINS $bad OR e.speaker IN $list RETURN e.id, $bad AS echo",
            {"bad": bad, "list": [bad]},
        ),
        ("FIND (e:Event) WHERE e.seq > $n AND e.time BEFORE $when RETURN e.id", {"n": -1, "when": "2023-06-01"}),
        ("FIND (e:Event) WHERE e.seq = 99999999999 OR e.seq >= 1.5 RETURN e.id", {}),
        (f"TIMELINE (x {{name: {s}}}) LIMIT 5", {}),
    ]


@pytest.mark.parametrize("bad", INJECTIONS)
def test_injection_through_every_literal_kind(bad: str, graphs: tuple[Memory, CypherStore]) -> None:
    mem, neo = graphs
    before = neo.stats().as_dict()
    for text, params in _injection_queries(bad):
        try:
            plan = explain_query(mem.store, text, params)
        except GraphmemError:
            continue  # a named query error is an acceptable answer to odd input
        ns = _namespace(plan)
        try:
            query = compile_plan(plan, ns)
        except NotPushable:
            query = None
        if isinstance(query, CypherQuery):
            assert "DETACH" not in query.text, text
            if bad == "$ns":  # looks like the namespace parameter, and is passed as a value
                assert query.text.count("$ns") == compile_plan(
                    explain_query(mem.store, text.replace(bad, "x"), params), ns
                ).text.count("$ns")
            else:
                assert bad not in query.text, text
        want, got = _both(mem, neo, text, params)
        _same_rows(plan, want, got)
    assert neo.stats().as_dict() == before
    assert neo.namespaces() == ["t1", "t2"]


def test_time_literals_and_parameters_are_native_times(graphs: tuple[Memory, CypherStore]) -> None:
    mem, neo = graphs
    text = "FIND (e:Event) WHERE e.time AFTER $day AND e.time < $end RETURN e.id ORDER BY e.time"
    plan = explain_query(mem.store, text, {"day": "2023-05-08", "end": datetime(2023, 6, 10, 9, 1)})
    query = compile_plan(plan, "t1")
    assert any(isinstance(v, datetime) for v in query.params.values())
    want, got = _both(mem, neo, text, {"day": "2023-05-08", "end": datetime(2023, 6, 10, 9, 1)})
    assert list(got.rows) == list(want.rows) == [("e5",)]


@pytest.mark.parametrize(
    ("where", "params"),
    [
        ("e.time IN $days", {"days": ["2023-05-08T13:56", "2023-06"]}),
        ('e.time IN [$t, "2023-05-08T13:57"]', {"t": datetime(2023, 6, 10, 9, 1)}),
        ('e.time = "8 May 2023"', {}),
        ("e.time > $day", {"day": "2023-05-08"}),
    ],
)
def test_times_compared_with_date_text_push_down_alike(
    graphs: tuple[Memory, CypherStore], where: str, params: dict[str, Any]
) -> None:
    mem, neo = graphs
    text = f"FIND (e:Event) WHERE {where} RETURN e.id ORDER BY e.id"
    want, got = _both(mem, neo, text, params)
    assert list(got.rows) == list(want.rows) and want.rows


@pytest.mark.parametrize(
    "where",
    [
        "e.time - 1 day > 2023-05-08",
        "e.happened + 1 day < e.time - 5 days",
        "e.time - 1 month = $d",
        "$d - 1 day <= e.time",
        "e.time + 2 hours >= e.time",
        "e.time + 1 week <> $t",
    ],
)
def test_a_query_with_a_shift_on_the_left_pushes_down_alike(graphs: tuple[Memory, CypherStore], where: str) -> None:
    mem, neo = graphs
    text = f"FIND (e:Event) WHERE {where} RETURN e.id ORDER BY e.id"
    params = {"d": "2023-05-10", "t": datetime(2023, 5, 15, 13, 57)}
    query = compile_plan(explain_query(mem.store, text, params), "t1")  # NotPushable if it ran on the client
    assert "2023" not in query.text and "day" not in query.text  # dates and shifts are parameters
    want, got = _both(mem, neo, text, params)
    assert list(got.rows) == list(want.rows) and want.rows


def test_a_time_in_a_long_list_is_one_parameter_of_ranges(graphs: tuple[Memory, CypherStore]) -> None:
    # one Cypher test per item made 2,000 dates 115 KB of Cypher and 4,001 parameters
    mem, neo = graphs
    text = "FIND (e:Event) WHERE e.time IN $days RETURN e.id ORDER BY e.id"
    few = [date(2023, 5, 8), "2023-06-10"]
    many = [date(2017, 1, 1) + timedelta(days=i) for i in range(2000)] + few
    compiled = []
    for days in (few, many):
        plan = explain_query(mem.store, text, {"days": days})
        compiled.append(compile_plan(plan, "t1"))
        want, got = _both(mem, neo, text, {"days": days})
        assert list(got.rows) == list(want.rows) == [(f"e{i}",) for i in range(1, 8)]
    assert compiled[0].text == compiled[1].text and len(compiled[1].params) == len(compiled[0].params) <= 3
    assert "any(" in compiled[1].text and len(compiled[1].text) < 1000


@pytest.mark.parametrize(
    ("where", "params", "ids"),
    [
        ("e.time IN $d", {"d": [date(2023, 6, 10), None]}, ["e5", "e6", "e7"]),
        ("NOT e.time IN $d", {"d": [date(2023, 6, 10), None]}, []),  # not found, and the list holds NULL: unknown
        ("NOT e.time IN $d", {"d": [None]}, []),
        ("NOT e.time IN $d", {"d": [date(2023, 6, 10)]}, ["e1", "e2", "e3", "e4"]),  # e8 has no time: unknown
        ("e.time IN $d", {"d": []}, []),
        ("NOT e.time IN $d", {"d": []}, [f"e{i}" for i in range(1, 9)]),  # nothing is in [], not even no time
        ("e.time IN $d", {"d": [datetime(2023, 6, 10, 9, 1), "2023-05-08T13:57"]}, ["e2", "e6"]),  # moments too
        ("NOT e.time IN [2023-05-08T13:56, $t, NULL]", {"t": datetime(2023, 6, 10, 9, 1)}, []),
        ("e.time IN [2023-05, $t, NULL]", {"t": datetime(2023, 6, 10, 9, 1)}, ["e1", "e2", "e3", "e4", "e6"]),
    ],
)
def test_a_time_in_a_list_keeps_its_unknowns_pushed_down(
    graphs: tuple[Memory, CypherStore], where: str, params: dict[str, Any], ids: list[str]
) -> None:
    mem, neo = graphs
    want, got = _both(mem, neo, f"FIND (e:Event) WHERE {where} RETURN e.id ORDER BY e.id", params)
    assert "pushed down to Cypher" in got.notes
    assert list(got.rows) == list(want.rows) == [(i,) for i in ids]


def test_the_readme_picture_paths_exist() -> None:
    # the docs reference files this test suite checks exist
    docs = Path(__file__).resolve().parents[2] / "docs"
    assert (docs / "neo4j-browser.md").exists()


@pytest.mark.parametrize(("cond", "params", "truth"), LIST_EQUALITY)
def test_list_equality_gives_the_same_truth_pushed_down(
    graphs: tuple[Memory, CypherStore], cond: str, params: dict[str, Any], truth: bool | None
) -> None:
    mem, neo = graphs
    for where in (cond, f"NOT ({cond})"):
        want, got = _both(mem, neo, f'FIND (e:Event {{id: "e1"}}) WHERE {where} RETURN e.id', params)
        assert list(got.rows) == list(want.rows), where


@pytest.mark.parametrize(("op", "term"), [("OR", "e.seq = {i}"), ("AND", "e.seq <> 1{i:04d}"), ("OR", "e.seq = $p{i}")])
def test_a_long_chain_of_or_or_and_pushes_down(graphs: tuple[Memory, CypherStore], op: str, term: str) -> None:
    # docs/dsl.md: a chain of any length works; ArcadeDB refuses a run of 200 terms or 200 levels of nesting
    mem, neo = graphs
    terms = [term.format(i=i) for i in range(500)]
    params = {f"p{i}": i for i in range(500)} if "$" in term else {}
    where = f" {op} ".join(terms)
    if op == "AND":  # nested: the planner splits an AND at the top into filters of their own
        where = f'e.id = "none" OR ({where})'
    text = f"FIND (e:Event) WHERE {where} RETURN e.id ORDER BY e.id"
    want, got = _both(mem, neo, text, params)
    assert got.notes == ("pushed down to Cypher",)
    assert list(got.rows) == list(want.rows) == [(f"e{i}",) for i in range(1, 9)]


def test_work_limit_refuses_a_cross_product_pushed_down(graphs: tuple[Memory, CypherStore]) -> None:
    # embedded, max_work stops the executor; the server is not metered, so the cross product of the
    # unconnected patterns is counted first (each pattern on its own) and refused past max_work
    mem, neo = graphs
    text = 'FIND (a:Event {id: "e1"}), (b:Event), (c:Event) WHERE c.seq = 0 RETURN count(*)'
    want, got = _both(mem, neo, text, limits=QueryLimits(max_work=100))
    assert got.notes == ("pushed down to Cypher",) and got.rows == want.rows and want.rows[0][0] > 8
    plan = explain_query(mem.store, 'FIND (a:Event {id: "e1"}), (b:Event), (c:Event) RETURN count(*)', {})
    with pytest.raises(QueryLimitError, match=r"cross product of 64 rows \(1 × 8 × 8"):
        run_plan(neo, plan, namespace="t1", limits=QueryLimits(max_work=60))
    assert run_plan(neo, plan, namespace="t1", limits=QueryLimits(max_work=64)).rows == ((64,),)
    many = "FIND " + ", ".join(f"(a{i}:Event)" for i in range(16)) + " RETURN count(*)"
    with pytest.raises(QueryLimitError, match=r"8 × 8 × .*more than 2000000 intermediate rows"):
        run_query(neo, many, {"namespace": "t1"})  # 8 ** 16 rows: refused before the server starts on it
