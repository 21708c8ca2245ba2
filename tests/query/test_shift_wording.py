"""How ``EXPLAIN`` words a shift on a zone's clock, and the zone as one parameter of a pushed-down query (task
zonedate, 5 Dec 2026): ``+ 1 day + 2 hours on Europe/Berlin`` did not say that the day moves on Berlin's
calendar while the hours are exact, and each zoned shift or ``date()`` passed the zone again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from graphmem import Event, Memory
from graphmem.query import explain_query
from graphmem.query.cypher import compile_plan
from graphmem.query.plan_expr import Shift

from ..ingest.fakes import FakeEmbedder

BERLIN = ZoneInfo("Europe/Berlin")
DAY, HOURS = 1, 2 * 3600.0


@pytest.mark.parametrize(
    ("shift", "shown"),
    [
        (Shift(days=DAY, seconds=HOURS, zone=BERLIN), "+ 1 day on the Europe/Berlin calendar, then + 2 hours exact"),
        (Shift(days=-DAY, zone=BERLIN), "- 1 day on the Europe/Berlin calendar"),
        (Shift(months=13, days=7, zone=BERLIN), "+ 13 months + 1 week on the Europe/Berlin calendar"),
        (
            Shift(months=-12, seconds=-90.0, zone=BERLIN),
            "- 1 year on the Europe/Berlin calendar, then - 90 seconds exact",
        ),
        (Shift(seconds=HOURS, zone=BERLIN), "+ 2 hours"),  # exact alone: no calendar to name
        (
            Shift(days=DAY, seconds=HOURS, zone=timezone(timedelta(hours=2))),
            "+ 1 day on the +02:00 calendar, then + 2 hours exact",
        ),
        (Shift(days=DAY, seconds=HOURS), "+ 1 day + 2 hours"),  # UTC's clock: as before
    ],
)
def test_a_zoned_shift_says_what_moves_on_the_calendar_and_what_is_exact(shift: Shift, shown: str) -> None:
    assert str(shift) == shown


@pytest.fixture
def berlin(tmp_path: Path) -> Memory:
    mem = Memory.open(tmp_path / "db", embedder=FakeEmbedder(), zone="Europe/Berlin")
    mem.add_events([Event("ana", "e1", "s1", 0, "Ana", "Lunch", datetime(2024, 3, 30, 23, 30))], namespace="ana")
    return mem


def test_explain_words_a_zoned_shift(berlin: Memory) -> None:
    with berlin:
        shown = str(berlin.explain("FIND (e:Event) WHERE e.time + 1 day + 2 hours > 2024-03-31 RETURN e.id"))
    assert "e.time + 1 day on the Europe/Berlin calendar, then + 2 hours exact >" in shown


def test_a_pushed_down_query_names_the_zone_once(berlin: Memory) -> None:
    text = (
        "FIND (a:Event), (b:Event) WHERE a.time + 1 day > 2024-03-01 AND b.time - 1 month < a.time + 1 week "
        "AND date(b.time) = 2024-03-31 RETURN a.id, year(b.time)"
    )
    with berlin:
        plan = explain_query(berlin.store, text, {}, zone=BERLIN)
        query = compile_plan(plan, "ana", now=datetime(2025, 1, 1))
    assert query.params["zone"] == "Europe/Berlin"
    assert [v for v in query.params.values() if v == "Europe/Berlin"] == ["Europe/Berlin"]
    assert query.text.count("timezone: $zone") >= 4


def test_another_zone_gets_a_parameter_of_its_own() -> None:
    from graphmem.query.cypher_expr import ExprCompiler

    compiler = ExprCompiler("ana", None, None, None)
    tokyo = ZoneInfo("Asia/Tokyo")
    assert compiler.zone_param(BERLIN) == compiler.zone_param(BERLIN) == "$zone"
    assert compiler.zone_param(tokyo) == "$zone2" and compiler.zone_param(BERLIN) == "$zone"
    assert compiler.params["zone2"] == "Asia/Tokyo"
    assert compiler.zone_param(UTC) == "$zone3"
