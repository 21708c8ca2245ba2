"""``date()``, ``year()`` and ``month()`` on the memory's clock, pushed down to the Bolt server.

The zone goes to Cypher as a parameter; the rows must be the embedded executor's, around the changes of
summer time and the turn of a year.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from graphmem import Event, Memory
from graphmem.query import explain_query
from graphmem.query.executor import execute
from graphmem.query.pushdown import run_plan
from graphmem.store.cypher import CypherStore
from tests.support.bolt_server import BoltTarget, loaded_on_both

pytestmark = pytest.mark.neo4j

NS = "ana"
TIMES = [
    datetime(2024, 10, 30, 23, 30),  # 00:30 on 31 October in Berlin
    datetime(2024, 10, 27, 0, 30),  # 02:30 summer time on the day clocks go back
    datetime(2024, 10, 27, 1, 30),  # 02:30 winter time, the same wall clock an hour later
    datetime(2024, 3, 31, 1, 30),  # 03:30 on the day clocks go forward
    datetime(2024, 12, 31, 23, 30),  # 00:30 on 1 January 2025
    datetime(2024, 7, 1, 12, 0),
    datetime(2024, 10, 27, 22, 30),  # 23:30 on 27 October, the 25th hour of that day
]


def _load(mem: Memory) -> None:
    events = [Event(NS, f"e{i}", "s1", i, "Ana", f"turn {i}", t) for i, t in enumerate(TIMES)]
    mem.add_events([*events, Event(NS, "undated", "s1", 99, "Ana", "no time", None)], namespace=NS)


@pytest.fixture(scope="module")
def graphs(tmp_path_factory: pytest.TempPathFactory, bolt_server: BoltTarget) -> Iterator[tuple[Memory, CypherStore]]:
    with loaded_on_both(tmp_path_factory.mktemp("zone") / "db", bolt_server, _load) as both:
        yield both


def _both(graphs: tuple[Memory, CypherStore], query: str, zone: tzinfo | None) -> tuple[Any, Any]:
    mem, neo = graphs
    plan = explain_query(mem.store, query, {"namespace": NS}, zone=zone)
    return execute(plan, mem.store, namespace=NS), run_plan(neo, plan, namespace=NS)


PARTS = "FIND (e:Event) RETURN e.id, date(e.time), year(e.time), month(e.time) ORDER BY e.seq"
ZONES = [
    None,
    UTC,
    ZoneInfo("Europe/Berlin"),
    ZoneInfo("America/New_York"),
    timezone(timedelta(hours=5, minutes=30)),
]


@pytest.mark.parametrize("zone", ZONES, ids=str)
def test_date_parts_pushed_down_are_the_executor_ones(graphs: tuple[Memory, CypherStore], zone: tzinfo | None) -> None:
    want, got = _both(graphs, PARTS, zone)
    assert got.notes == ("pushed down to Cypher",)
    assert got.rows == want.rows


def test_date_parts_on_berlin_clock(graphs: tuple[Memory, CypherStore]) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    _, got = _both(graphs, PARTS, berlin)
    assert got.rows[0] == ("e0", datetime(2024, 10, 30, 23), 2024, 10)
    # both 02:30s of 27 October are on that day, which began at 22:00 UTC the day before
    assert got.rows[1][1] == got.rows[2][1] == datetime(2024, 10, 26, 22)
    assert got.rows[4] == ("e4", datetime(2024, 12, 31, 23), 2025, 1)
    assert got.rows[-1] == ("undated", None, None, None)
    for query in (
        "FIND (e:Event) WHERE date(e.time) = 2024-10-31 RETURN e.id",
        "FIND (e:Event) WHERE year(e.time) = 2025 RETURN e.id",
        "FIND (a:Event), (b:Event) WHERE a.id = 'e1' AND b ON a RETURN b.id ORDER BY b.id",
    ):
        want, got = _both(graphs, query, berlin)
        assert got.notes == ("pushed down to Cypher",)
        assert got.rows == want.rows
    assert _both(graphs, "FIND (e:Event) WHERE year(e.time) = 2025 RETURN e.id", berlin)[1].rows == (("e4",),)
    same_day = "FIND (a:Event), (b:Event) WHERE a.id = 'e1' AND b ON a RETURN b.id ORDER BY b.id"
    assert _both(graphs, same_day, berlin)[1].rows == (("e1",), ("e2",), ("e6",))


def test_a_shift_on_the_left_pushed_down_compares_days_on_the_clock(graphs: tuple[Memory, CypherStore]) -> None:
    # e1 is 02:30 summer time on 27 October in Berlin, a day of 25 hours from 22:00 UTC on the 26th; an hour
    # before e1 is still that day there, but 26 October in UTC
    query = "FIND (a:Event), (b:Event) WHERE a.id = 'e1' AND b.time - 1 hour = a.time RETURN b.id ORDER BY b.id"
    for zone, ids in ((None, ["e2", "e6"]), (ZoneInfo("Europe/Berlin"), ["e1", "e2", "e6"])):
        want, got = _both(graphs, query, zone)
        assert got.notes == ("pushed down to Cypher",)
        assert got.rows == want.rows
        assert [row[0] for row in got.rows] == ids


CAL = "cal"
CAL_TIMES = [
    datetime(2024, 3, 31, 22, 30),  # c0: 00:30 on 1 April in Berlin, the night after clocks go forward
    datetime(2024, 3, 30, 23, 30),  # c1: 00:30 on 31 March in Berlin, the day of 23 hours
    datetime(2024, 10, 27, 22, 30),  # c2: 23:30 on 27 October in Berlin, the 25th hour of that day
    datetime(2024, 5, 30, 22, 30),  # c3: 00:30 on 31 May in Berlin: a month back is 30 April there
    datetime(2024, 10, 26, 0, 30),  # c4: 02:30 summer time; a day on, 02:30 occurs twice
    datetime(2024, 10, 28, 1, 30),  # c5: 02:30 winter time; a day back, the second 02:30 (01:30 UTC)
    datetime(2024, 10, 27, 1, 0),  # c6: the moment Berlin goes back, between the two 02:30s
    datetime(1, 1, 15),  # c7: a month back is before year 1
    datetime(9999, 12, 20),  # c8: a year on is after 9999
    datetime(2024, 1, 31, 12, 0),  # c9: a month on is 29 February
]


def _load_calendar(mem: Memory) -> None:
    events = [Event(CAL, f"c{i}", "s1", i, "Ana", f"turn {i}", t) for i, t in enumerate(CAL_TIMES)]
    mem.add_events([*events, Event(CAL, "undated", "s1", 99, "Ana", "no time", None)], namespace=CAL)


@pytest.fixture(scope="module")
def calendar(tmp_path_factory: pytest.TempPathFactory, bolt_server: BoltTarget) -> Iterator[tuple[Memory, CypherStore]]:
    with loaded_on_both(tmp_path_factory.mktemp("cal") / "db", bolt_server, _load_calendar) as both:
        yield both


def _ids(graphs: tuple[Memory, CypherStore], where: str, zone: tzinfo | None) -> list[str]:
    mem, neo = graphs
    match = "(a:Event), (b:Event)" if "a." in where else "(b:Event)"
    query = f"FIND {match} WHERE {where} RETURN b.id ORDER BY b.id"
    plan = explain_query(mem.store, query, {"namespace": CAL}, zone=zone)
    want, got = execute(plan, mem.store, namespace=CAL), run_plan(neo, plan, namespace=CAL)
    assert got.notes == ("pushed down to Cypher",), where
    assert got.rows == want.rows, (where, zone)
    return [row[0] for row in got.rows]


SHIFTS = [
    "b.time ON 2024-03-31 + 1 day",
    "b.time >= 2024-03-31 + 1 day",
    "b.time - 1 day = 2024-03-31",
    "b.time - 1 day > 2024-03-30",
    "b.time - 1 month = 2024-04-30",
    "b.time + 1 month >= 2024-06-30",
    "b.time WITHIN 1 day OF 2024-10-26",
    "b.time - 1 day > 999",
    "b.time - 1 month < 0001-01-01",
    "b.time + 1 year > 9999-12-31",
    "a.id = 'c1' AND b.time >= a.time + 1 day",
    "a.id = 'c1' AND b.time ON a.time + 1 day",
    "a.id = 'c4' AND b.time <= a.time + 1 day",
    "a.id = 'c5' AND b.time >= a.time - 1 day",
    "a.id = 'c9' AND b.time - 1 month < a.time",
    "a.id = 'c7' AND b.time - 1 month <= a.time - 1 month",
    "a.id = 'c0' AND b.time WITHIN 1 week OF a.time",
]


@pytest.mark.parametrize("zone", ZONES, ids=str)
def test_shifts_pushed_down_are_on_the_clock_as_in_the_executor(
    calendar: tuple[Memory, CypherStore], zone: tzinfo | None
) -> None:
    for where in SHIFTS:
        _ids(calendar, where, zone)


def test_shifts_pushed_down_on_berlin_calendar(calendar: tuple[Memory, CypherStore]) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # a day on from 31 March is 1 April there, which starts 23 hours after 31 March began
    assert _ids(calendar, "b.time ON 2024-03-31 + 1 day", berlin) == ["c0"]
    assert _ids(calendar, "b.time ON 2024-03-31 + 1 day", None) == []  # c0 is on 31 March in UTC
    assert _ids(calendar, "b.time - 1 day = 2024-03-31", berlin) == ["c0"]
    assert _ids(calendar, "a.id = 'c1' AND b.time ON a.time + 1 day", berlin) == ["c0"]
    # a month back from 31 May is 30 April there (clamped); in UTC, c3 is on 30 May
    assert _ids(calendar, "b.time - 1 month = 2024-04-30", berlin) == ["c3"]
    assert _ids(calendar, "b.time - 1 month = 2024-04-30", None) == ["c3"]
    # a day back from 02:30 winter time on 28 October is the second 02:30 on the 27th (01:30 UTC), after c6
    assert _ids(calendar, "a.id = 'c5' AND b.time >= a.time - 1 day", berlin) == ["c2", "c5", "c8"]
    # before year 1 and after 9999 compare as Cypher compares them
    assert _ids(calendar, "b.time - 1 month < 0001-01-01", berlin) == ["c7"]
    assert _ids(calendar, "b.time + 1 year > 9999-12-31", berlin) == ["c8"]
