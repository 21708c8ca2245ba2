"""The cross product estimate that refuses an unconnected query past ``max_work`` before it runs, on both backends."""

from __future__ import annotations

import time

import pytest

from graphmem import Memory
from graphmem.errors import QueryLimitError
from graphmem.query import QueryLimits, parse, plan_query, run_query
from graphmem.query import plan as p
from graphmem.query.cross_product import check_cross_product, patterns


def _plan(text: str) -> p.Plan:
    return plan_query(parse(text), {"namespace": "t1"})


def _vars(steps: tuple[p.Step, ...]) -> list[str]:
    return [s.var if isinstance(s, p.ScanNodes | p.LookupNodes) else type(s).__name__ for s in steps]


def test_each_pattern_keeps_its_own_steps_and_conditions() -> None:
    plan = _plan(
        'FIND (a:Event)-[:SPOKEN_BY]->(x), (b:Event), (c:Entity {name: "Jon"}) '
        "WHERE a.seq = 1 AND b.seq > a.seq AND c.type = 'Person' RETURN count(*)"
    )
    parts = patterns(plan)
    assert len(parts) == 3
    by_seek = {_vars(steps)[0]: steps for steps in parts}
    assert set(by_seek) == {"c", "x", "b"}
    assert _vars(by_seek["x"]) == ["x", "Expand", "Filter"]  # a.seq = 1 goes with a's pattern
    assert _vars(by_seek["b"]) == ["b"]  # b.seq > a.seq joins two patterns: in neither
    assert _vars(by_seek["c"]) == ["c", "Filter"]


def test_a_cross_product_past_max_work_is_refused() -> None:
    plan = _plan("FIND (a:Event), (b:Event), (c:Event) RETURN count(*)")
    counted: list[p.Plan] = []

    def count(sub: p.Plan) -> int:
        counted.append(sub)
        return 10

    check_cross_product(plan, 1000, count)
    assert len(counted) == 3 and all(isinstance(sub.steps[-1], p.Aggregate) for sub in counted)
    with pytest.raises(QueryLimitError, match=r"1,000 rows \(10 × 10 × 10 .* more than 999 intermediate rows"):
        check_cross_product(plan, 999, count)
    check_cross_product(plan, 999, lambda sub: 0)  # an empty pattern: nothing to build
    check_cross_product(plan, 999, lambda sub: None)  # cannot be counted on the server: not checked


@pytest.mark.parametrize(
    "text",
    [
        "FIND (a:Event) RETURN count(*)",  # one pattern
        "FIND (a:Event)-[:NEXT]->(b:Event) RETURN count(*)",
    ],
)
def test_what_is_not_checked(text: str) -> None:
    check_cross_product(_plan(text), 1, lambda sub: 10**6)


@pytest.mark.parametrize(
    "text",
    [
        "FIND (a:Event), (b:Event) RETURN a.id ORDER BY a.id LIMIT 5",
        # rows come in the default order, so the first five are known only once every row is: it is built
        "FIND (a:Event), (b:Event) RETURN a.id, b.id LIMIT 5",
    ],
)
def test_sorted_before_a_limit_is_checked(text: str) -> None:
    with pytest.raises(QueryLimitError):
        check_cross_product(_plan(text), 99, lambda sub: 10)


@pytest.mark.parametrize(
    "text",
    [
        # review: a join filter or DISTINCT before the LIMIT may let few rows through, so the server builds it all
        "FIND (a:Event), (b:Event) WHERE a.text = b.text AND a.id <> b.id RETURN a.id LIMIT 1",
        "FIND (a:Event), (b:Event) RETURN DISTINCT a.speaker, b.speaker LIMIT 100",
    ],
)
def test_a_filter_or_distinct_before_a_limit_is_checked(text: str) -> None:
    with pytest.raises(QueryLimitError):
        check_cross_product(_plan(text), 99, lambda sub: 10)


NS = {"namespace": "t1"}


def test_the_embedded_store_refuses_a_cross_product_at_once(small_memory: Memory) -> None:
    """The executor makes the estimate a Cypher server gets, so an unconnected query past ``max_work``
    fails at once, naming the counts, rather than running until the time or work limit stops it."""
    limits = QueryLimits(max_work=500, timeout=60)
    started = time.perf_counter()
    with pytest.raises(QueryLimitError, match=r"cross product of 4,096 rows \(8 × 8 × 8 × 8 .* more than 500"):
        run_query(
            small_memory.store, "FIND (a:Event), (b:Event), (c:Event), (d:Event) RETURN count(*)", NS, limits=limits
        )
    assert time.perf_counter() - started < 5
    # within the limit it runs as before
    assert run_query(small_memory.store, "FIND (a:Event), (b:Event) RETURN count(*)", NS, limits=limits).rows == (
        (64,),
    )
