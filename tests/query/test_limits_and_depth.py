"""Deep, wide and greedy queries: they work, or stop with a named error that points at the place.

A query's nesting must never reach Python's recursion limit (a RecursionError is a crash, not an
answer), a caller that pins a namespace must not be escaped with ``IN``, and a cross product must stop
on the memory cap before it grows the process by hundreds of MB.
"""

from __future__ import annotations

import pytest

from graphmem import Memory
from graphmem.errors import (
    ConfigError,
    QueryLimitError,
    QueryPinnedNamespaceError,
    QuerySemanticError,
    QuerySyntaxError,
)
from graphmem.models import validate_namespace
from graphmem.query import QueryLimits, parse, run_query
from graphmem.query.limits import resident_memory
from graphmem.query.nesting import MAX_NESTING, MAX_PATTERN_STEPS

from .conftest import NS


def _count(mem: Memory, where: str) -> int:
    [(n,)] = mem.query(f"FIND (e:Event) WHERE {where} RETURN count(*)", namespace=NS).rows
    return int(n)


@pytest.mark.parametrize("terms", [17, 500, 5_000])
def test_long_or_chains_work(small_memory: Memory, terms: int) -> None:
    where = " OR ".join(f"e.seq = {i}" for i in range(terms))
    assert _count(small_memory, where) == _count(small_memory, "e.seq >= 0")


@pytest.mark.parametrize("terms", [17, 500, 5_000])
def test_long_and_chains_work(small_memory: Memory, terms: int) -> None:
    where = " AND ".join(f"e.seq <> {i + 10}" for i in range(terms))
    assert _count(small_memory, where) == _count(small_memory, "e.seq >= 0")
    assert _count(small_memory, where + " AND e.seq <> 0") == _count(small_memory, "e.seq > 0")


def test_written_parentheses_keep_their_grouping() -> None:
    where = " OR ".join(f"e.seq = {i}" for i in range(20))
    query = parse(f"FIND (e) WHERE e.seq = 99 AND ({where}) RETURN e")
    assert type(query.statement.where).__name__ == "And"


def test_five_hundred_nots_are_a_syntax_error_with_a_place(small_memory: Memory) -> None:
    text = "FIND (e:Event)\nWHERE " + "NOT " * 500 + "e.seq = 1 RETURN count(*)"
    with pytest.raises(QuerySyntaxError, match=f"more than {MAX_NESTING} levels") as info:
        small_memory.query(text, namespace=NS)
    assert info.value.line == 2
    assert 6 < info.value.column < 500
    assert "^" in info.value.context


def test_nested_lists_are_a_syntax_error(small_memory: Memory) -> None:
    text = "FIND (e:Event) WHERE e.seq IN " + "[" * 300 + "1" + "]" * 300 + " RETURN e"
    with pytest.raises(QuerySyntaxError, match="levels deep"):
        small_memory.query(text, namespace=NS)


def test_a_thousand_chained_steps_are_refused_with_a_place(small_memory: Memory) -> None:
    text = "FIND (a)" + "-->()" * 1000 + " RETURN count(*)"
    with pytest.raises(QuerySyntaxError, match=f"at most {MAX_PATTERN_STEPS} edges") as info:
        small_memory.query(text, namespace=NS)
    assert (info.value.line, info.value.column) == (1, 9 + 5 * MAX_PATTERN_STEPS)


def test_many_patterns_are_refused(small_memory: Memory) -> None:
    with pytest.raises(QuerySyntaxError, match="at most 16 patterns"):
        small_memory.query("FIND " + ", ".join(f"(x{i})" for i in range(40)) + " RETURN count(*)", namespace=NS)


def test_a_pinned_namespace_cannot_be_left(small_memory: Memory) -> None:
    assert small_memory.query('FIND (e:Event) IN "t2" RETURN count(*)').rows
    with pytest.raises(QuerySemanticError, match="names namespace 't2', but this caller fixed namespace 't1'") as info:
        small_memory.query('FIND (e:Event) IN "t2" RETURN e.text', namespace="t1")
    assert (info.value.line, info.value.column) == (1, 19)
    assert isinstance(info.value, QueryPinnedNamespaceError)
    assert (info.value.named, info.value.pinned) == ("t2", "t1")
    with pytest.raises(QuerySemanticError, match="cannot leave"):
        small_memory.query("FIND (e:Event) IN $other RETURN e.text", namespace="t1", other="t2")
    assert small_memory.query('FIND (e:Event) IN "t1" RETURN count(*)', namespace="t1").rows


@pytest.mark.parametrize("bad", ["alpha\n", "alpha\r\n", "\nalpha", "al pha", "alpha\x00"])
def test_namespaces_with_a_trailing_newline_are_refused(bad: str) -> None:
    with pytest.raises(ConfigError, match="illegal namespace"):
        validate_namespace(bad)


def test_query_refuses_a_namespace_with_a_newline(small_memory: Memory) -> None:
    with pytest.raises(QuerySemanticError, match="illegal namespace"):
        small_memory.query("FIND (e:Event) RETURN count(*)", namespace="t1\n")


def test_a_cross_product_stops_on_the_memory_cap(small_memory: Memory) -> None:
    if resident_memory() is None:
        pytest.skip("this platform cannot report the process's memory")
    text = "FIND (a), (b), (c), (d), (e) RETURN a.id, b.id, c.id, d.id, e.id ORDER BY a.id LIMIT 5"
    limits = QueryLimits(max_memory_mb=8, max_work=10**9, timeout=600.0)
    before = resident_memory()
    with pytest.raises(QueryLimitError, match="grew memory by more than 8 MiB"):
        run_query(small_memory.store, text, {"namespace": NS}, limits=limits)
    grown = (resident_memory() or 0) - (before or 0)
    assert grown < 200 << 20


def test_the_default_limits_carry_a_memory_cap() -> None:
    assert 0 < QueryLimits().max_memory_mb <= 256


@pytest.mark.parametrize(
    "text",
    [
        "FIND (e:Event) WHERE e.seq = 1" + "0" * 5000 + " RETURN e",
        "FIND (e:Event) WHERE e.seq = -1" + "0" * 5000 + " RETURN e",
        "FIND (e)-[*1.." + "9" * 5000 + "]->(x) RETURN e",
    ],
)
def test_numbers_too_long_to_read_are_a_syntax_error(small_memory: Memory, text: str) -> None:
    with pytest.raises(QuerySyntaxError, match=r"a (negative )?number of 500[01] digits is out of range") as info:
        small_memory.query(text, namespace=NS)
    assert info.value.line == 1 and info.value.column > 1
    assert "set_int_max_str_digits" not in str(info.value)  # Python's advice to programmers, not users
