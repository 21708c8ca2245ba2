"""Whole numbers are signed 64-bit: a literal or parameter outside that range is a named error at its place
(the Bolt driver raised a Python OverflowError for it; a number of over 4300 digits gave Python's advice)."""

from __future__ import annotations

from typing import Any

import click
import pytest

from graphmem import Memory
from graphmem.cli.query_cmd import parse_params
from graphmem.errors import QuerySemanticError, QuerySyntaxError
from graphmem.query import parse, plan_query

BIG = "9223372036854775808"  # 2**63
HUGE = "9" * 5000  # more digits than Python converts without being told to


@pytest.mark.parametrize(
    ("text", "column", "words"),
    [
        (f"FIND (e:Event) WHERE e.seq < {BIG} RETURN e", 30, BIG),
        ("FIND (e:Event) WHERE e.seq > -9223372036854775809 RETURN e", 30, "-9223372036854775809"),
        (f"FIND (e:Event) WHERE e.seq IN [1, {BIG}] RETURN e", 35, BIG),
        (f"FIND (e:Event {{seq: {BIG}}}) RETURN e", 21, BIG),
        (f"FIND (e:Event) RETURN {BIG} AS n", 23, BIG),
        (f"FIND (e:Event) RETURN e LIMIT {HUGE}", 31, "a number of 5000 digits"),
        (f"FIND (e)-[:NEXT*1..{HUGE}]->(f) RETURN f", 20, "a number of 5000 digits"),
        (f"FIND (e) WHERE e.time WITHIN {HUGE} days OF 2020 RETURN e", 30, "a number of 5000 digits"),
        (f"FIND (e:Event) RETURN {HUGE} AS n", 23, "a number of 5000 digits"),
        (f"FIND (e:Event) RETURN -{HUGE} AS n", 23, "a negative number of 5000 digits"),
    ],
)
def test_a_literal_out_of_range_is_a_syntax_error_at_it(text: str, column: int, words: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse(text)
    err = info.value
    assert (err.line, err.column) == (1, column), str(err)
    assert words in str(err) and "run from -9223372036854775808 to 9223372036854775807" in str(err)
    assert "set_int_max_str_digits" not in str(err)


def test_a_decimal_too_large_for_a_float_is_a_syntax_error_at_it() -> None:
    with pytest.raises(QuerySyntaxError, match="this decimal number is too large") as info:
        parse(f"FIND (e:Event) RETURN {HUGE}.5 AS n")
    assert info.value.column == 23


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"FIND (e:Event) RETURN e LIMIT {BIG}", "is over the limit of"),
        (f"FIND (e)-[:NEXT*1..{BIG}]->(f) RETURN f", "is over the limit of"),
        (f"FIND (e) WHERE e.time WITHIN {BIG} days OF 2020 RETURN e", "at most 3660000 days"),
    ],
)
def test_a_count_keeps_the_message_of_its_own_limit(text: str, message: str) -> None:
    with pytest.raises(QuerySemanticError, match=message):
        plan_query(parse(text))


def test_the_ends_of_the_range_are_numbers() -> None:
    query = parse("FIND (e:Event) RETURN 9223372036854775807 AS a, -9223372036854775808 AS b, 000042 AS c")
    values = [item.expr.value for item in query.statement.returns]  # type: ignore[union-attr]
    assert values == [2**63 - 1, -(2**63), 42]


@pytest.mark.parametrize(
    "value", [2**63, -(2**63) - 1, [1, 2**64], 10**5000], ids=["2**63", "-2**63-1", "list", "10**5000"]
)
def test_a_parameter_out_of_range_is_an_error_at_it(value: Any) -> None:
    text = "FIND (e:Event) WHERE e.seq IN $n OR e.seq = $n RETURN e"
    with pytest.raises(QuerySemanticError) as info:
        plan_query(parse(text), {"n": value})
    assert "parameter $n is out of range" in str(info.value) and info.value.column == 31


def test_the_shell_parameter_out_of_range_is_refused() -> None:
    for raw in (BIG, HUGE, f"[1, -{HUGE}]"):
        with pytest.raises(click.BadParameter, match=r"n: .* is out of range"):
            parse_params((f"n={raw}",))
    assert parse_params(("n=9223372036854775807", "m=[-9223372036854775808]")) == {"n": 2**63 - 1, "m": [-(2**63)]}


def test_an_embedded_query_answers_with_the_error(small_memory: Memory) -> None:
    with pytest.raises(QuerySyntaxError, match="out of range"):
        small_memory.query(f"FIND (e:Event) WHERE e.seq < {BIG} RETURN e", namespace="t1")
    with pytest.raises(QuerySemanticError, match=r"parameter \$n is out of range"):
        small_memory.query("FIND (e:Event) WHERE e.seq < $n RETURN e", namespace="t1", n=2**63)
