"""One reader of date text for every entry point: query literals and parameters, CLI date options, MCP
date arguments. Forms: the query language's (2024, 2024-03, March 2024, 8 May 2024, 2024-03-01T14:30) and
ISO 8601 with a zone (Z, +02:00), read as UTC; one message for text that is no date."""

from __future__ import annotations

from datetime import datetime

import click
import pytest

from graphmem import Memory
from graphmem.cli.common import DateTime, UntilDateTime
from graphmem.dates import DATE_FORMS, DateTextError, parse_date_argument, parse_date_text
from graphmem.errors import ConfigError, QuerySemanticError
from graphmem.mcp_server import parse_when
from graphmem.query import parse, plan_query

MINUTE = (datetime(2024, 4, 10, 20, 1), datetime(2024, 4, 10, 20, 2))


@pytest.mark.parametrize(
    ("text", "interval"),
    [
        ("2024-04-10T22:01+02:00", MINUTE),
        ("2024-04-10T20:01Z", MINUTE),
        ("2024-04-10 15:01-05:00", MINUTE),
        ("2024-04-10T22:01+0200", MINUTE),
        ("2024-04-10T20:01:05.5Z", (datetime(2024, 4, 10, 20, 1, 5, 500000), datetime(2024, 4, 10, 20, 1, 5, 500001))),
        ("2024-1-2", (datetime(2024, 1, 2), datetime(2024, 1, 3))),
    ],
)
def test_iso_with_a_zone_is_read_as_utc(text: str, interval: tuple[datetime, datetime]) -> None:
    assert parse_date_text(text) == interval


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("29 February 2023", "'29 February 2023' is not a date: February 2023 has days 01 to 28"),
        ("February 30, 2024", "'February 30, 2024' is not a date: February 2024 has days 01 to 29"),
        ("31 Apr 2024", "'31 Apr 2024' is not a date: April 2024 has days 01 to 30"),
        ("2023-02-29", "'2023-02-29' is not a date: February 2023 has days 01 to 28"),
        ("2024-04-10T20:01+24:00", "its offset +24:00 is not one"),
        ("0001-01-01T00:00+05:00", "has no UTC time within the calendar"),
        ("soon", f"'soon' is not a date: write {DATE_FORMS}"),
    ],
)
def test_a_day_the_month_does_not_have_is_named(text: str, message: str) -> None:
    with pytest.raises(DateTextError) as info:
        parse_date_text(text)
    assert message in str(info.value)


def test_a_written_day_that_does_not_exist_suggests_the_last_one() -> None:
    with pytest.raises(DateTextError) as info:
        parse_date_text("29 February 2023")
    assert info.value.suggestion == "28 February 2023"


@pytest.mark.parametrize(
    ("text", "since", "until"),
    [
        ("2024-03", datetime(2024, 3, 1), datetime(2024, 3, 31, 23, 59, 59, 999999)),
        ("March 2024", datetime(2024, 3, 1), datetime(2024, 3, 31, 23, 59, 59, 999999)),
        ("2024", datetime(2024, 1, 1), datetime(2024, 12, 31, 23, 59, 59, 999999)),
        ("2024-03-14", datetime(2024, 3, 14), datetime(2024, 3, 14, 23, 59, 59, 999999)),
        ("2024-03-14T10:00", datetime(2024, 3, 14, 10), datetime(2024, 3, 14, 10)),
        ("2024-03-14T10:00:00+02:00", datetime(2024, 3, 14, 8), datetime(2024, 3, 14, 8)),
        ("9999-12-31", datetime(9999, 12, 31), datetime.max),
    ],
)
def test_every_entry_point_reads_the_same_forms(text: str, since: datetime, until: datetime) -> None:
    assert parse_date_argument(text) == since and parse_date_argument(text, until=True) == until
    assert DateTime().convert(text, None, None) == since
    assert UntilDateTime().convert(text, None, None) == until
    assert parse_when(text, "since") == since and parse_when(text, "until", until=True) == until


def test_every_entry_point_refuses_with_one_message_naming_the_parameter() -> None:
    message = f"'June' is not a date: write {DATE_FORMS}"
    with pytest.raises(click.BadParameter, match="is not a date") as cli:
        DateTime().convert("June", None, None)
    assert message in str(cli.value)
    with pytest.raises(ConfigError) as mcp:
        parse_when("June", "valid_at")
    assert str(mcp.value) == f"valid_at: {message}"
    with pytest.raises(QuerySemanticError) as dsl:
        plan_query(parse("FIND (a)-[f:FACT]->(b)\nAS OF $d RETURN b"), {"d": "June"})
    assert f"parameter $d: {message}" in str(dsl.value)
    assert (dsl.value.line, dsl.value.column) == (2, 7)


@pytest.mark.parametrize("when", ["2024-04-10T22:01+02:00", "2024-04-10T20:01Z"])
def test_a_query_parameter_or_literal_with_a_zone_is_a_date(when: str) -> None:
    plan_query(parse("FIND (a)-[f:FACT]->(b) AS OF $d RETURN b"), {"d": when})
    plan_query(parse(f"FIND (e:Event) WHERE e.time BEFORE {when} RETURN e"))
    plan_query(parse(f'FIND (e:Event) WHERE e.time ON "{when}" RETURN e'))


def test_a_zone_moves_the_window_in_a_query(small_memory: Memory) -> None:
    # e5 was said 2023-06-10 09:00 UTC: 11:00 at +02:00
    text = "FIND (e:Event) IN 't1' WHERE e.time ON $d RETURN e.id"
    assert list(small_memory.query(text, d="2023-06-10T11:00+02:00").rows) == [("e5",)]
    assert list(small_memory.query(text, d="2023-06-10T11:00Z").rows) == []


def test_a_written_day_that_does_not_exist_in_a_query_names_its_place() -> None:
    text = 'FIND (e:Event)\nWHERE e.time ON "29 February 2023" RETURN e'
    with pytest.raises(QuerySemanticError) as info:
        plan_query(parse(text))
    assert "February 2023 has days 01 to 28" in str(info.value)
    assert (info.value.line, info.value.column) == (2, 17)
