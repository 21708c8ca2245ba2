"""The clock dates are read on: ``Memory.open(zone=...)``, ``graphmem --zone``, ``GRAPHMEM_ZONE``.

A message said at 23:30 UTC on 30 October 2024 was said at 00:30 on 31 October in Berlin (CET, +01:00 after
the change of 27 October). Read on UTC's calendar it is a turn of 30 October; on Berlin's, of 31 October.
Times are stored and shown in UTC either way; only the dates a user gives are read on the clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from graphmem import Event, Memory, TimeRef
from graphmem.cli.app import cli
from graphmem.dates import DateTextError, local_span_to_utc, parse_date_argument, parse_date_text, zone_named
from graphmem.errors import ConfigError, QueryError
from graphmem.extract.clocks import from_utc, to_utc
from graphmem.mcp_server import parse_when
from graphmem.recall.request import RecallRequest
from graphmem.recall.when import asked_window

from .ingest.fakes import FakeEmbedder

BERLIN = ZoneInfo("Europe/Berlin")
NS = "ana"
LATE = datetime(2024, 10, 30, 23, 30)  # 00:30 on 31 October in Berlin
NOON = datetime(2024, 10, 30, 12, 0)  # 13:00 on 30 October in Berlin


def test_a_day_is_read_on_the_zone_clock_by_its_rules_for_that_day() -> None:
    assert parse_date_text("2024-10-31") == (datetime(2024, 10, 31), datetime(2024, 11, 1))
    assert parse_date_text("2024-10-31", BERLIN) == (datetime(2024, 10, 30, 23), datetime(2024, 10, 31, 23))
    assert parse_date_text("2024-07-01", BERLIN) == (datetime(2024, 6, 30, 22), datetime(2024, 7, 1, 22))
    # the day clocks go back has 25 hours
    assert parse_date_text("27 October 2024", BERLIN) == (datetime(2024, 10, 26, 22), datetime(2024, 10, 27, 23))
    assert parse_date_text("2024-10", BERLIN) == (datetime(2024, 9, 30, 22), datetime(2024, 10, 31, 23))
    # a time that gives its own offset keeps it
    assert parse_date_text("2024-10-31T00:30Z", BERLIN)[0] == datetime(2024, 10, 31, 0, 30)
    assert parse_date_text("2024-10-31T00:30", BERLIN)[0] == LATE
    assert parse_date_argument("2024-10-31", until=True, zone=BERLIN) == datetime(2024, 10, 31, 22, 59, 59, 999999)


def test_a_zone_that_is_none_is_named_with_the_closest(tmp_path: Path) -> None:
    assert zone_named("UTC") is UTC and zone_named(None) is None
    assert zone_named("Europe/Berlin") == BERLIN
    with pytest.raises(DateTextError, match="did you mean Europe/Berlin"):
        zone_named("Europe/Berln")
    with pytest.raises(ConfigError, match="zone: 'Mars/Base' is not a time zone"):
        Memory.open(tmp_path / "db", zone="Mars/Base")
    assert not (tmp_path / "db").exists()  # refused before a store is made


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "db"
    with Memory.open(path, embedder=FakeEmbedder()) as mem:
        mem.add_events(
            [
                Event(NS, "e1", "s1", 0, "Ana", "Lunch with Bo at the harbour", NOON),
                Event(NS, "e2", "s1", 1, "Ana", "Save me a pumpkin for Halloween", LATE),
            ],
            namespace=NS,
        )
    return path


def _texts(mem: Memory, query: str, **params: object) -> list[str]:
    return [row[0] for row in mem.query(query, namespace=NS, **params).rows]


def test_query_dates_are_days_on_the_memory_clock(store: Path) -> None:
    query = "FIND (e:Event) WHERE e.time ON 2024-10-31 RETURN e.text"
    with Memory.open(store, embedder=FakeEmbedder()) as utc:
        assert _texts(utc, query) == []
        assert _texts(utc, "FIND (e:Event) WHERE e.time ON 2024-10-30 RETURN e.text ORDER BY e.time") == [
            "Lunch with Bo at the harbour",
            "Save me a pumpkin for Halloween",
        ]
    with Memory.open(store, embedder=FakeEmbedder(), zone="Europe/Berlin") as berlin:
        assert _texts(berlin, query) == ["Save me a pumpkin for Halloween"]
        assert _texts(berlin, "FIND (e:Event) WHERE e.time < 2024-10-31 RETURN e.text") == [
            "Lunch with Bo at the harbour"
        ]
        # a date parameter is a day on the same clock; a naive datetime stays UTC
        day = "FIND (e:Event) WHERE e.time ON $d RETURN e.text"
        assert _texts(berlin, day, d=date(2024, 10, 31)) == ["Save me a pumpkin for Halloween"]
        assert _texts(berlin, "FIND (e:Event) WHERE e.time >= $t RETURN e.text", t=LATE) == [
            "Save me a pumpkin for Halloween"
        ]
        assert "e.time >= 2024-10-30T23:00:00 AND e.time < 2024-10-31T23:00:00" in str(berlin.explain(query))


def test_time_arguments_are_read_on_the_memory_clock(store: Path) -> None:
    with Memory.open(store, embedder=FakeEmbedder(), zone=BERLIN) as berlin:
        hits = berlin.recall("pumpkin harbour", namespace=NS, since="2024-10-31", hops=0)
        assert [h.event.id for h in hits] == ["e2"]
        hits = berlin.recall("pumpkin harbour", namespace=NS, until=date(2024, 10, 30), hops=0)
        assert [h.event.id for h in hits] == ["e1"]
    with Memory.open(store, embedder=FakeEmbedder()) as utc:
        hits = utc.recall("pumpkin harbour", namespace=NS, since="2024-10-31", hops=0)
        assert hits == []


def test_a_question_date_is_a_day_on_the_asker_clock() -> None:
    asked = datetime(2024, 10, 31, 23, 30)  # 00:30 on 1 November in Berlin
    utc = asked_window("What did I say yesterday?", asked)
    berlin = asked_window("What did I say yesterday?", asked, BERLIN)
    assert utc is not None and (utc.start, utc.end) == (datetime(2024, 10, 30), datetime(2024, 10, 31))
    assert berlin is not None and (berlin.start, berlin.end) == (datetime(2024, 10, 30, 23), datetime(2024, 10, 31, 23))
    request = RecallRequest.of("What happened on 31 October 2024?", namespace=NS, zone="Europe/Berlin")
    assert request.zone == BERLIN


def test_cli_zone_reads_options_and_queries_on_its_clock(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRAPHMEM_ZONE", raising=False)
    runner = CliRunner()
    query = "FIND (e:Event) WHERE e.time ON 2024-10-31 RETURN e.text"
    plain = runner.invoke(cli, ["--db", str(store), "query", "-n", NS, query, "--json"])
    assert plain.exit_code == 0, plain.output
    assert "pumpkin" not in plain.output
    zoned = runner.invoke(cli, ["--db", str(store), "--zone", "Europe/Berlin", "query", "-n", NS, query, "--json"])
    assert zoned.exit_code == 0, zoned.output
    assert "pumpkin" in zoned.output
    monkeypatch.setenv("GRAPHMEM_ZONE", "Europe/Berlin")
    by_env = runner.invoke(cli, ["--db", str(store), "query", "-n", NS, query, "--json"])
    assert by_env.exit_code == 0, by_env.output
    assert "pumpkin" in by_env.output
    # UTC chosen goes over the environment's zone
    utc = runner.invoke(cli, ["--db", str(store), "--zone", "UTC", "query", "-n", NS, query, "--json"])
    assert utc.exit_code == 0, utc.output
    assert "pumpkin" not in utc.output
    with Memory.open(store, embedder=FakeEmbedder(), zone="UTC") as chosen:
        assert chosen.zone is UTC and _texts(chosen, query) == []
    monkeypatch.setenv("GRAPHMEM_ZONE", "Europe/Berln")
    wrong = runner.invoke(cli, ["--db", str(store), "namespaces"])
    assert wrong.exit_code == 2
    assert "GRAPHMEM_ZONE" in wrong.output and "Europe/Berlin" in wrong.output


def test_mcp_dates_are_read_on_the_server_clock() -> None:
    assert parse_when("2024-10-31", "since") == datetime(2024, 10, 31)
    assert parse_when("2024-10-31", "since", zone=BERLIN) == datetime(2024, 10, 30, 23)


def test_mcp_server_runs_on_the_cli_clock(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import graphmem.mcp_server

    served: dict[str, object] = {}
    monkeypatch.setattr(graphmem.mcp_server, "serve", lambda db, **options: served.update(options))
    monkeypatch.delenv("GRAPHMEM_ZONE", raising=False)
    result = CliRunner().invoke(cli, ["--db", str(store), "--zone", "Europe/Berlin", "mcp"])
    assert result.exit_code == 0, result.output
    assert served["zone"] == BERLIN


def test_date_parts_are_read_on_the_memory_clock(store: Path) -> None:
    parts = "FIND (e:Event) RETURN e.text, date(e.time), year(e.time), month(e.time) ORDER BY e.time"
    with Memory.open(store, embedder=FakeEmbedder()) as utc:
        assert [row[1:] for row in utc.query(parts, namespace=NS).rows] == [
            (datetime(2024, 10, 30), 2024, 10),
            (datetime(2024, 10, 30), 2024, 10),
        ]
        assert _texts(utc, "FIND (e:Event) WHERE date(e.time) = 2024-10-31 RETURN e.text") == []
    with Memory.open(store, embedder=FakeEmbedder(), zone=BERLIN) as berlin:
        # the day of the turn is Berlin's 31 October: its midnight, 23:00 UTC on 30 October
        assert [row[1:] for row in berlin.query(parts, namespace=NS).rows] == [
            (datetime(2024, 10, 29, 23), 2024, 10),
            (datetime(2024, 10, 30, 23), 2024, 10),
        ]
        # date() agrees with ON, on the same clock
        for query in ("WHERE date(e.time) = 2024-10-31", "WHERE e.time ON 2024-10-31"):
            assert _texts(berlin, f"FIND (e:Event) {query} RETURN e.text") == ["Save me a pumpkin for Halloween"]
        # two turns on the same day of the clock: the late one is a day after lunch in Berlin
        same_day = "FIND (a:Event), (b:Event) WHERE a.id = 'e1' AND b ON a RETURN b.id"
        assert _texts(berlin, same_day) == ["e1"]
        assert "date(a.time on Europe/Berlin)" in str(berlin.explain(same_day))


def test_the_same_day_is_a_day_of_the_clock_when_it_changes(tmp_path: Path) -> None:
    # 27 October 2024 in Berlin: 25 hours, from 22:00 UTC on the 26th to 23:00 UTC on the 27th
    times = [datetime(2024, 10, 26, 22, 30), datetime(2024, 10, 27, 22, 30), datetime(2024, 10, 27, 23, 30)]
    events = [Event(NS, f"e{i}", "s1", i, "Ana", f"turn {i}", t) for i, t in enumerate(times)]
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), zone=BERLIN) as mem:
        mem.add_events(events, namespace=NS)
        for same in ("b ON a", "b.time ON a.time", "b.time = a.time + 0 days"):
            query = f"FIND (a:Event), (b:Event) WHERE a.id = 'e0' AND {same} RETURN b.id ORDER BY b.id"
            assert _texts(mem, query) == ["e0", "e1"], same


def test_a_month_and_year_turn_over_on_the_memory_clock(tmp_path: Path) -> None:
    eve = datetime(2024, 12, 31, 23, 30)  # 00:30 on 1 January 2025 in Berlin
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), zone="Europe/Berlin") as mem:
        mem.add_events([Event(NS, "e1", "s1", 0, "Ana", "Happy new year", eve)], namespace=NS)
        rows = mem.query("FIND (e:Event) RETURN year(e.time), month(e.time), date(e.time)", namespace=NS).rows
        assert rows == ((2025, 1, datetime(2024, 12, 31, 23)),)
        assert _texts(mem, "FIND (e:Event) WHERE year(e.time) = 2025 RETURN e.text") == ["Happy new year"]


def test_a_minute_that_occurs_twice_is_a_minute_long() -> None:
    # Berlin goes back from 03:00 summer time to 02:00 at 01:00 UTC on 27 October 2024
    assert parse_date_text("2024-10-27T02:59", BERLIN) == (datetime(2024, 10, 27, 0, 59), datetime(2024, 10, 27, 1))
    assert parse_date_text("2024-10-27T02:30", BERLIN) == (datetime(2024, 10, 27, 0, 30), datetime(2024, 10, 27, 0, 31))
    said = TimeRef("at 2:59", datetime(2024, 10, 27, 2, 59), datetime(2024, 10, 27, 3), "time")
    stored = to_utc(said, BERLIN)
    assert (stored.start, stored.end) == (datetime(2024, 10, 27, 0, 59), datetime(2024, 10, 27, 1))
    # a night across the change keeps its extra hour, the day its 25 hours
    assert local_span_to_utc(datetime(2024, 10, 26, 18), datetime(2024, 10, 27, 6), BERLIN) == (
        datetime(2024, 10, 26, 16),
        datetime(2024, 10, 27, 5),
    )
    assert parse_date_text("2024-10-27", BERLIN) == (datetime(2024, 10, 26, 22), datetime(2024, 10, 27, 23))


def test_a_phrase_and_a_date_are_converted_alike_to_the_calendar_edge() -> None:
    # one conversion: a phrase resolved at the calendar's start keeps its interval, as a written date does
    first = TimeRef("on the first day", datetime(1, 1, 1), datetime(1, 1, 2), "day")
    for clock in (timedelta(hours=2), timezone(timedelta(hours=2)), BERLIN):
        stored = to_utc(first, clock)
        zone = clock if isinstance(clock, tzinfo) else timezone(clock)
        assert stored.resolved and (stored.start, stored.end) == local_span_to_utc(first.start, first.end, zone)
        assert from_utc(stored, clock).start == first.start
    late = TimeRef("on the last day", datetime(9999, 12, 31), datetime.max, "day")
    assert to_utc(late, timedelta(hours=-2)).resolved
    # a question's date is the same conversion as a phrase said on the clock
    asked = datetime(2024, 10, 27, 12)
    window = asked_window("What did I do yesterday?", asked, BERLIN)
    assert window == to_utc(asked_window("What did I do yesterday?", datetime(2024, 10, 27, 13)), BERLIN)
    assert window is not None and (window.start, window.end) == (datetime(2024, 10, 25, 22), datetime(2024, 10, 26, 22))


def test_a_shift_on_the_left_compares_days_on_the_memory_clock(tmp_path: Path) -> None:
    # e0 at 00:30 UTC on 31 October (01:30 in Berlin); an hour earlier is 00:30 on 31 October in Berlin but
    # 23:30 on 30 October in UTC; e1 at 10:00 UTC is on 31 October on both clocks
    times = [datetime(2024, 10, 31, 0, 30), datetime(2024, 10, 31, 10)]
    events = [Event(NS, f"e{i}", "s1", i, "Ana", f"turn {i}", t) for i, t in enumerate(times)]
    same = "FIND (a:Event), (b:Event) WHERE b.id = 'e1' AND a.time - 1 hour {op} b.time RETURN a.id ORDER BY a.id"
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as utc:
        utc.add_events(events, namespace=NS)
        assert _texts(utc, same.format(op="=")) == ["e1"]
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), zone=BERLIN) as berlin:
        assert _texts(berlin, same.format(op="=")) == ["e0", "e1"]
        assert _texts(berlin, same.format(op="<>")) == []
        assert "date(b.time on Europe/Berlin)" in str(berlin.explain(same.format(op="=")))
        # a shift on both sides: the day of the right side's clock, moved as the left is
        for query in ("b.time - 1 hour = a.time - 1 hour", "b ON a"):
            both = f"FIND (a:Event), (b:Event) WHERE a.id = 'e0' AND {query} RETURN b.id ORDER BY b.id"
            assert _texts(berlin, both) == ["e0", "e1"], query


def test_as_of_a_date_is_its_end_on_the_memory_clock(tmp_path: Path) -> None:
    """Review: ``AS OF 2023-06-05`` on Berlin's clock was its start (22:00 UTC on the 4th), leaving out
    what was said that day; it is the day's last moment there, as ``as_of="2023-06-05"`` is."""
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), zone="Europe/Berlin") as mem:
        for query, last in [
            ("FIND (a)-[f:FACT]->(b) AS OF 2023-06-05 RETURN f", "2023-06-05T21:59:59.999999"),
            ("FIND (a)-[f:FACT]->(b) AS OF 2023-06 RETURN f", "2023-06-30T21:59:59.999999"),
            ("FIND (a)-[f:FACT]->(b) AS OF 2023-06-05 + 1 day RETURN f", "2023-06-06T21:59:59.999999"),
            ('RECALL "x" AS OF 2023-06-05', "2023-06-05T21:59:59.999999"),
        ]:
            assert f"as of {last}" in str(mem.explain(query)), query


def _calendar_memory(path: Path, zone: str | None) -> Memory:
    mem = Memory.open(path, embedder=FakeEmbedder(), zone=zone)
    if NS not in mem.namespaces():
        times = {
            "april": datetime(2024, 3, 31, 22, 30),  # 00:30 on 1 April in Berlin, after clocks went forward
            "march": datetime(2024, 3, 30, 23, 30),  # 00:30 on 31 March in Berlin, a day of 23 hours
            "late": datetime(2024, 10, 27, 22, 30),  # 23:30 on 27 October in Berlin, a day of 25 hours
            "may": datetime(2024, 5, 30, 22, 30),  # 00:30 on 31 May in Berlin
        }
        mem.add_events([Event(NS, k, "s1", i, "Ana", k, t) for i, (k, t) in enumerate(times.items())], namespace=NS)
    return mem


def _ids(mem: Memory, where: str) -> list[str]:
    match = "(a:Event), (b:Event)" if "a." in where else "(b:Event)"
    return [row[0] for row in mem.query(f"FIND {match} WHERE {where} RETURN b.id ORDER BY b.id", namespace=NS).rows]


def test_a_day_shift_is_a_calendar_day_on_the_memory_clock(tmp_path: Path) -> None:
    """Review: ``2024-03-31 + 1 day`` on Berlin's clock moved the UTC instant by 24 hours, so it began at
    23:00 UTC on 31 March while 1 April began at 22:00 UTC there, missing a turn said at 00:30 on 1 April."""
    with _calendar_memory(tmp_path / "db", "Europe/Berlin") as berlin:
        for where in (
            "b.time ON 2024-03-31 + 1 day",
            "b.time >= 2024-03-31 + 1 day AND b.time < 2024-04-02",
            "b.time - 1 day = 2024-03-31",
            "b.time - 1 day > 2024-03-30 AND b.time < 2024-04-02",
            "a.id = 'march' AND b.time >= a.time + 1 day AND b.time < 2024-04-02",
            "a.id = 'march' AND b.time ON a.time + 1 day",
            "a.id = 'march' AND b.time - 1 day = a.time",
        ):
            assert _ids(berlin, where) == ["april"], where
        # the day clocks go back has 25 hours: a day on from the 26th holds its 23:30
        assert _ids(berlin, "b.time ON 2024-10-26 + 1 day") == ["late"]
        assert _ids(berlin, "b.time - 1 day = 2024-10-26") == ["late"]
        # hours stay exact: 24 hours on from 00:30 on 31 March is 01:30 on 1 April
        assert _ids(berlin, "a.id = 'march' AND b.time >= a.time + 24 hours AND b.time < 2024-04-02") == []
        assert "Filter b.time - 1 day on the Europe/Berlin calendar >= 2024-03-30T23:00:00" in str(
            berlin.explain("FIND (b:Event) WHERE b.time - 1 day = 2024-03-31 RETURN b.id")
        )


def test_a_month_shift_is_a_calendar_month_on_the_memory_clock(tmp_path: Path) -> None:
    with _calendar_memory(tmp_path / "db", "Europe/Berlin") as berlin:
        # a month back from 00:30 on 31 May there is 00:30 on 30 April (the month's end, clamped)
        assert _ids(berlin, "b.time - 1 month = 2024-04-30") == ["may"]
        assert _ids(berlin, "b.time + 1 month = 2024-05-01") == ["april"]
        assert _ids(berlin, "b.time + 1 month >= 2024-06-30 AND b.time < 2024-06") == ["may"]


def test_shifts_on_utc_clock_are_unchanged(tmp_path: Path) -> None:
    with _calendar_memory(tmp_path / "db", None) as utc:
        assert _ids(utc, "b.time ON 2024-03-31 + 1 day") == []
        assert _ids(utc, "b.time ON 2024-03-30 + 1 day") == ["april"]
        assert _ids(utc, "b.time - 1 month = 2024-04-30") == ["may"]
        assert _ids(utc, "b.time + 1 month = 2024-05-01") == []
        assert _ids(utc, "a.id = 'march' AND b.time ON a.time + 1 day") == ["april"]
        assert "Filter b.time - 1 day >= 2024-03-31" in str(
            utc.explain("FIND (b:Event) WHERE b.time - 1 day = 2024-03-31 RETURN b.id")
        )


def test_a_year_beside_a_shifted_time_is_a_year_as_beside_a_time(tmp_path: Path) -> None:
    """Review: ``e.time - 1 day > 999`` was refused ("'999' is not a date") while ``e.time > 999`` reads 999
    as a year; a year from 1 to 9999 is one beside a shift too, and another number is refused by name."""
    with _calendar_memory(tmp_path / "db", "Europe/Berlin") as mem:
        assert len(_ids(mem, "b.time - 1 day > 999")) == 4
        assert _ids(mem, "b.time - 1 day < 0999") == []
        with pytest.raises(QueryError, match=r"line 1, column 39: .*a year \(1 to 9999\), not 0"):
            _ids(mem, "b.time - 1 day > 0")


def _ends(mem: Memory, where: str) -> tuple[datetime, datetime]:
    """The bounds the plan gives a constant window (``b.time`` from the first to the second)."""
    from graphmem.query import plan as p

    plan = mem.explain(f"FIND (b:Event) WHERE {where} RETURN b.id")
    test = next(s.predicate for s in plan.steps if isinstance(getattr(s, "predicate", None), p.InTime))
    assert test.low is not None and test.high is not None
    return test.low.value.value, test.high.value.value


def test_a_shifted_date_is_the_whole_grain_from_its_moved_start(tmp_path: Path) -> None:
    """Review: the two ends of a date were shifted separately, so a month's clamped end lost or gained a day
    (``ON 2024-01-29 + 1 month`` was empty, ``> 2024-01-30 + 1 month`` held 29 February)."""
    with _calendar_memory(tmp_path / "utc", None) as utc:
        assert _ends(utc, "b.time ON 2024-01-29 + 1 month") == (datetime(2024, 2, 29), datetime(2024, 3, 1))
        assert _ends(utc, "b.time ON 2023-02-28 + 1 year") == (datetime(2024, 2, 28), datetime(2024, 2, 29))
        assert _ends(utc, "b.time ON 2024-01 + 1 month") == (datetime(2024, 2, 1), datetime(2024, 3, 1))
        assert _ends(utc, "b.time WITHIN 1 month OF 2024-03-30") == (datetime(2024, 2, 29), datetime(2024, 5, 1))
        assert "b.time >= 2024-03-01" in str(utc.explain("FIND (b:Event) WHERE b.time > 2024-01-30 + 1 month RETURN b"))
    with _calendar_memory(tmp_path / "berlin", "Europe/Berlin") as berlin:
        assert _ends(berlin, "b.time ON 2024-01-29 + 1 month") == (datetime(2024, 2, 28, 23), datetime(2024, 2, 29, 23))
        berlin.add_events(
            [
                Event(NS, "jan30", "s2", 0, "Ana", "x", datetime(2024, 1, 30, 9)),
                Event(NS, "feb29", "s2", 1, "Ana", "y", datetime(2024, 2, 29, 9)),
            ],
            namespace=NS,
        )
        assert _ids(berlin, "a.id = 'jan30' AND b.time ON a.time + 1 month") == ["feb29"]


def test_on_a_time_moved_by_hours_is_the_day_of_the_moved_time(tmp_path: Path) -> None:
    """Review: ``ON a.time + 2 hours`` took a.time's day and moved it by two hours, so a turn at 22:30
    matched itself rather than one at noon the next day."""
    for zone, late in ((None, datetime(2024, 5, 1, 22, 30)), ("Europe/Berlin", datetime(2024, 5, 1, 20, 30))):
        with Memory.open(tmp_path / f"db{zone is None}", embedder=FakeEmbedder(), zone=zone) as mem:
            noon = late.replace(day=2, hour=10)
            mem.add_events(
                [Event(NS, "late", "s1", 0, "Ana", "x", late), Event(NS, "noon", "s1", 1, "Ana", "y", noon)],
                namespace=NS,
            )
            assert _ids(mem, "a.id = 'late' AND b.time ON a.time + 2 hours") == ["noon"], zone
            assert _ids(mem, "a.id = 'late' AND b.time ON a.time - 1 day + 2 hours") == ["late"], zone


def test_a_utc_zone_plans_as_no_zone(tmp_path: Path) -> None:
    """Review: ``zone="UTC"`` named its clock in EXPLAIN and took the zoned (slow) paths."""
    for zone in ("UTC", UTC, ZoneInfo("Etc/UTC"), timezone(timedelta(0))):
        with Memory.open(tmp_path / f"db{len(str(zone))}", embedder=FakeEmbedder(), zone=zone) as mem:
            text = str(mem.explain("FIND (b:Event) WHERE b.time - 1 day = 2024-03-31 AND date(b.time) = 2024 RETURN b"))
            assert "on UTC" not in text and "on +00:00" not in text, (zone, text)


def test_a_date_shifted_forward_from_the_first_day_is_in_the_calendar(tmp_path: Path) -> None:
    """Review: ``AS OF 0001-01-01 + 1 day`` was "out of the calendar's range"; on Berlin's clock
    ``ON 9999-12-31 + 1 day`` gave a window rather than that error."""
    with _calendar_memory(tmp_path / "utc", None) as utc:
        assert utc.query("FIND (p)-[f:FACT]->(x) AS OF 0001-01-01 + 1 day RETURN f.id", namespace=NS).rows == ()
    with _calendar_memory(tmp_path / "berlin", "Europe/Berlin") as berlin:
        for query in (
            "FIND (b:Event) WHERE b.time ON 9999-12-31 + 1 day RETURN b",
            "FIND (p)-[f:FACT]->(x) AS OF 9999-12-31 + 1 day RETURN f.id",
        ):
            with pytest.raises(QueryError, match="out of the calendar's range"):
                berlin.query(query, namespace=NS)
