"""Aggregates: the order inside ``collect()``, the kinds of value functions take, ``GROUP BY`` aliases.

On the small graph (``conftest.py``).
"""

from __future__ import annotations

import pytest

from graphmem import Memory
from graphmem.errors import QuerySemanticError
from graphmem.query import parse, plan_query
from graphmem.query import plan as p

from .test_executor import run
from .test_semantic_errors import plan_error, where


def _plan(text: str) -> p.Plan:
    return plan_query(parse(text), {"namespace": "t1"})


def test_collect_sorts_the_rows_in_the_default_order_before_grouping() -> None:
    """The executor and the pushed-down Cypher both collect in the plan's ``Sort`` order (before, each
    collected in the order its own matching met the rows)."""
    plan = _plan("FIND (x:Entity)<-[:MENTIONS]-(e:Event) RETURN x.name, collect(e.id) AS ids GROUP BY x.name")
    kinds = [type(step).__name__ for step in plan.steps]
    at = kinds.index("Aggregate")
    assert kinds[at - 1] == "Sort"
    sort = plan.steps[at - 1]
    assert isinstance(sort, p.Sort)
    assert [str(k.expr) for k in sort.keys] == ["x.id", "e.id"]
    # no collect, no sort before grouping
    plain = _plan("FIND (x:Entity)<-[:MENTIONS]-(e:Event) RETURN x.name, count(*) AS n GROUP BY x.name")
    assert [type(s).__name__ for s in plain.steps].count("Sort") == 1


def test_collect_lists_items_in_the_default_order(small_memory: Memory) -> None:
    rows = run(
        small_memory,
        "FIND (e:Event)-[:MENTIONS]->(x:Entity) RETURN e.speaker, collect(x.id) AS xs, collect(e.id) AS es "
        "GROUP BY e.speaker ORDER BY e.speaker",
    ).rows
    for _, xs, es in rows:
        pairs = list(zip(es, xs, strict=True))
        assert pairs == sorted(pairs)


@pytest.mark.parametrize(
    ("text", "message", "under"),
    [
        ("FIND (e:Event) RETURN sum(e.text) AS s", "sum() takes a number, and e.text is text", "e.text"),
        ("FIND (e:Event) RETURN avg(e.time) AS a", "avg() takes a number, and e.time is a time", "e.time"),
        ("FIND (e:Event) RETURN year(e.text) AS y", "year() takes a time, and e.text is text", "e.text"),
        ("FIND (e:Event) RETURN month(e.seq)", "month() takes a time, and e.seq is a number", "e.seq"),
        ("FIND (e:Event) RETURN size(e) AS n", "size() takes text or a list, and e is a node", "e"),
        ("FIND (e)-[r:MENTIONS]->(x) RETURN size(r)", "size() takes text or a list, and r is an edge", "r"),
        ("FIND (x:Entity) RETURN lower(x.aliases)", "lower() takes text, and x.aliases is a list", "x.aliases"),
        ('FIND (e:Event) RETURN sum("a")', 'sum() takes a number, and "a" is text', '"a"'),
        ("FIND (e:Event) RETURN avg(size(e) )", "size() takes text or a list", "e"),
    ],
)
def test_a_function_given_a_value_of_the_wrong_kind_is_an_error_at_it(text: str, message: str, under: str) -> None:
    err = plan_error(text)
    assert message in str(err)
    assert where(err, text) == under
    assert err.line == 1 and err.column == text.rindex(under) + 1


@pytest.mark.parametrize(
    "text",
    [
        "FIND (e:Event) RETURN sum(e.seq), avg(size(e.text)), year(e.time), month(e.happened), date(e.time)",
        "FIND (x:Entity) RETURN size(x.aliases), lower(x.name), upper(x.type)",
        "FIND (e:Event)-[r:NEXT*1..2]->(f:Event) RETURN size(r), sum(r.hops)",
        "FIND (s:Session) RETURN year(s.time), lower(s.date)",
        "FIND (e)-[f:FACT]->(x) RETURN avg(f.confidence), year(f.valid_from)",
        "FIND (e:Event) RETURN sum($n)",
    ],
)
def test_functions_given_the_right_kind_plan(text: str) -> None:
    plan_query(parse(text), {"n": 2})


@pytest.mark.parametrize(
    ("grouped", "by_alias"),
    [
        (
            "FIND (e:Event) RETURN month(e.time) AS m, count(*) AS n GROUP BY month(e.time) ORDER BY m",
            "FIND (e:Event) RETURN month(e.time) AS m, count(*) AS n GROUP BY m ORDER BY m",
        ),
        (
            "FIND (e:Event) RETURN e.speaker AS who, collect(e.id) AS ids GROUP BY e.speaker",
            "FIND (e:Event) RETURN e.speaker AS who, collect(e.id) AS ids GROUP BY who",
        ),
    ],
)
def test_group_by_takes_a_returned_column_by_its_name(small_memory: Memory, grouped: str, by_alias: str) -> None:
    expected = run(small_memory, grouped).rows
    assert len(expected) > 1
    assert run(small_memory, by_alias).rows == expected


def test_group_by_an_aggregate_alias_is_an_error_at_it() -> None:
    text = "FIND (e:Event) RETURN e.speaker, count(*) AS n GROUP BY n"
    err = plan_error(text)
    assert "n is an aggregate" in str(err)
    assert where(err, text) == "n" and err.column == len(text)


def test_group_by_an_unknown_name_still_names_the_variables() -> None:
    err = plan_error("FIND (e:Event) RETURN e.speaker AS who, count(*) GROUP BY whom")
    assert isinstance(err, QuerySemanticError) and "unknown variable whom" in str(err)
