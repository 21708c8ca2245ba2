"""Facts on their two time axes through the API and the CLI: current by default (issue 12)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from graphmem import Memory
from graphmem.cli import main
from graphmem.errors import ConfigError, NotFoundError
from graphmem.fact_time import fact_filter, facts_at
from graphmem.recall import RecallRequest
from graphmem.store.embedded import EmbeddedStore
from tests.store.test_contract import day, job_history

NS = "dana"


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    d = tmp_path / "mem"
    store = EmbeddedStore.open(d)
    first, second = job_history(NS)
    store.write(first)
    store.write(second)
    store.close()
    return d


def employers(facts: list) -> list[str]:  # type: ignore[type-arg]
    return [f.object_id for f in facts if f.predicate == "works_at"]


def test_now_then_and_believed_then(store_dir: Path) -> None:
    store = EmbeddedStore.open(store_dir)
    try:
        assert employers(facts_at(store, NS)) == ["globex"]
        assert employers(facts_at(store, NS, valid_at=day(10))) == ["acme"]
        # on day 25 memory had not yet heard of the change: it believed Acme held on day 22
        assert employers(facts_at(store, NS, as_of=day(25), valid_at=day(22))) == ["acme"]
        assert employers(facts_at(store, NS, as_of=day(35), valid_at=day(22))) == ["globex"]
        # AS OF alone asks about that same moment
        assert employers(facts_at(store, NS, as_of=day(25))) == ["acme"]
        history = facts_at(store, NS, all_time=True)
        assert [(f.object_id, f.expired_at) for f in history] == [("acme", day(30)), ("acme", None), ("globex", None)]
        assert employers(facts_at(store, NS, entity_id="globex")) == ["globex"]
        assert facts_at(store, NS, entity_id="acme") == []  # the Acme job is over
        assert employers(facts_at(store, NS, now=day(10))) == ["acme"]
    finally:
        store.close()


def test_all_time_excludes_the_other_options() -> None:
    with pytest.raises(ConfigError, match="all_time"):
        fact_filter(all_time=True, as_of=datetime(2024, 1, 1))
    with pytest.raises(ConfigError, match="all_time"):
        RecallRequest.of("where does Dana work", namespace=NS, all_time=True, valid_at=datetime(2024, 1, 1))


def test_recall_request_fact_filter() -> None:
    plain = RecallRequest.of("q", namespace=NS).window
    assert plain.empty  # the store's default: the versions memory holds now, any valid time
    at = RecallRequest.of("q", namespace=NS, as_of=day(25)).window
    assert (at.as_of, at.valid_at, at.until) == (day(25), day(25), day(25))
    assert RecallRequest.of("q", namespace=NS, all_time=True).window.history


def test_memory_facts_by_entity_name(store_dir: Path) -> None:
    with Memory.open(store_dir) as mem:
        assert employers([s.fact for s in mem.facts("Dana", namespace=NS)]) == ["globex"]
        assert employers([s.fact for s in mem.facts("dana", namespace=NS, valid_at=day(10))]) == ["acme"]
        assert employers([s.fact for s in mem.facts(namespace=NS, predicate="works_at")]) == ["globex"]
        history = mem.facts("Dana", namespace=NS, all_time=True)
        assert len(history) > len(mem.facts("Dana", namespace=NS))
        believed = mem.facts("Dana", namespace=NS, as_of=day(25), valid_at=day(22))
        assert employers([s.fact for s in believed]) == ["acme"]
        with pytest.raises(NotFoundError, match="no entity named 'Nobody'"):
            mem.facts("Nobody", namespace=NS)


def test_cli_facts(store_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(store_dir), "facts", "-n", NS, "--json"]) == 0
    now = json.loads(capsys.readouterr().out)
    assert [(f["predicate"], f["object"]) for f in now] == [("works_at", "Globex")]
    assert main(["--db", str(store_dir), "facts", "-n", NS, "--as-of", day(25).date().isoformat(), "--json"]) == 0
    then = json.loads(capsys.readouterr().out)
    assert [(f["object"], f["expired_at"]) for f in then] == [("Acme", day(30).isoformat())]  # ISO, as MCP gives it
    assert main(["--db", str(store_dir), "facts", "-n", NS, "--all-time", "--entity", "Dana"]) == 0
    assert capsys.readouterr().out.count("Acme") == 2
    assert main(["--db", str(store_dir), "facts", "-n", NS, "--all-time", "--valid-at", "2024-01-01"]) == 2
    # named as the options the user typed, not as Memory.facts' arguments (all_time, valid_at)
    assert "--all-time reads every fact version: give it without --valid-at and --as-of" in capsys.readouterr().err


# A bare date as `as_of` is the end of that day on every surface, as `until` is: memory "as of" day 30
# holds what was said on day 30 (at 13:56), so it knows of the move to Globex.
DAY_30 = day(30).date()


def test_as_of_a_date_is_the_end_of_that_day_in_the_api(store_dir: Path) -> None:
    end = datetime.combine(DAY_30, datetime.max.time())
    assert RecallRequest.of("q", namespace=NS, as_of=DAY_30).as_of == end
    both = RecallRequest.of("q", namespace=NS, until=DAY_30, as_of=DAY_30, time_axis="said").window
    assert (both.until, both.as_of, both.valid_at) == (end, end, end)
    with Memory.open(store_dir) as mem:
        assert employers([s.fact for s in mem.facts("Dana", namespace=NS, as_of=DAY_30)]) == ["globex"]
        assert employers([s.fact for s in mem.facts("Dana", namespace=NS, as_of=day(30))]) == ["globex"]
        before = mem.facts("Dana", namespace=NS, as_of=day(30) - timedelta(microseconds=1))
        assert employers([s.fact for s in before]) == ["acme"]  # a datetime stays that moment


def test_as_of_a_date_is_the_end_of_that_day_in_the_cli(store_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(store_dir), "facts", "-n", NS, "--as-of", DAY_30.isoformat(), "--json"]) == 0
    assert [f["object"] for f in json.loads(capsys.readouterr().out)] == ["Globex"]
    before = (day(30) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    assert main(["--db", str(store_dir), "facts", "-n", NS, "--as-of", before, "--json"]) == 0
    assert [f["object"] for f in json.loads(capsys.readouterr().out)] == ["Acme"]


@pytest.mark.parametrize(
    ("clause", "params"),
    [
        (f"AS OF {DAY_30.isoformat()}", {}),
        ("AS OF $d", {"d": DAY_30}),
        ("AS OF $d", {"d": DAY_30.isoformat()}),  # text, as `-p d=...` and MCP's params pass it
        ("AS OF 2023-06", {}),  # a month: its end
    ],
)
def test_as_of_a_date_is_the_end_of_that_day_in_the_dsl(store_dir: Path, clause: str, params: dict) -> None:  # type: ignore[type-arg]
    query = f'FIND (p:Person {{name: "Dana"}})-[f:FACT]->(x) {clause} RETURN x.name'
    with Memory.open(store_dir) as mem:
        assert [r[0] for r in mem.query(query, namespace=NS, **params).rows] == ["Globex"]
        moment = day(30) - timedelta(microseconds=1)
        earlier = mem.query(query.replace(clause, "AS OF $t"), namespace=NS, t=moment)
        assert [r[0] for r in earlier.rows] == ["Acme"]  # a datetime parameter stays that moment
        plan = str(mem.explain(query, namespace=NS, **params))
    last = "2023-06-30" if clause.endswith("2023-06") else DAY_30.isoformat()
    assert f"facts as of {last}T23:59:59.999999" in plan


def test_as_of_a_date_is_the_end_of_that_day_over_mcp(store_dir: Path) -> None:
    import anyio

    pytest.importorskip("mcp", reason="the MCP SDK is the graphmem[mcp] extra")
    from graphmem import AsyncMemory
    from graphmem.mcp_server import GraphmemTools

    query = 'FIND (p:Person {name: "Dana"})-[f:FACT]->(x) AS OF $d RETURN x.name AS employer'

    async def ask() -> dict:  # type: ignore[type-arg]
        with Memory.open(store_dir) as mem:
            async with AsyncMemory(mem) as amem:
                return await GraphmemTools(amem).query(query, namespace=NS, params={"d": DAY_30.isoformat()})

    assert anyio.run(ask)["rows"] == [{"employer": "Globex"}]


@pytest.mark.parametrize(
    ("clause", "moment"),
    [
        ("AS OF 2023-06-01", "2023-06-01T23:59:59.999999"),
        ("AS OF 2023-06-01 + 1 hour", "2023-06-02T00:59:59.999999"),  # the day's last moment moves
        ("AS OF 2023-06-01 - 1 hour", "2023-06-01T22:59:59.999999"),
        ("AS OF 2023-06-01 - 1 day", "2023-05-31T23:59:59.999999"),
        ("AS OF 2023-01-30 + 1 month", "2023-02-28T23:59:59.999999"),  # clamped to the month's last day
        ("AS OF 2023-02 + 1 month", "2023-03-31T23:59:59.999999"),  # a month moved keeps its last day
        ("AS OF 2023-04 + 1 month", "2023-05-31T23:59:59.999999"),
        ("AS OF 2023-02 + 1 year", "2024-02-29T23:59:59.999999"),
        ("AS OF 9999-12-31 + 1 hour", "9999-12-31T23:59:59.999999"),  # clamped to the calendar's end
        ("AS OF $d + 1 hour", "2023-06-02T00:59:59.999999"),
        ("AS OF 2023-06-01T00:00 + 1 hour", "2023-06-01T01:00:00"),  # a time of day stays a moment
    ],
)
def test_as_of_a_shifted_date_moves_its_last_moment(store_dir: Path, clause: str, moment: str) -> None:
    query = f"FIND (a)-[f:FACT]->(b) {clause} RETURN f.predicate"
    with Memory.open(store_dir) as mem:
        plan = str(mem.explain(query, namespace=NS, d="2023-06-01"))
    assert re.findall(r"facts as of (\S+)", plan) == [moment]


def test_fact_filter_reads_dates_and_refuses_other_values() -> None:
    from datetime import date

    tf = fact_filter(as_of=date(2024, 1, 2))
    assert tf.as_of == tf.valid_at == datetime(2024, 1, 2, 23, 59, 59, 999999)  # a date: its end
    assert fact_filter(valid_at=date(2024, 1, 2)).valid_at == datetime(2024, 1, 2)
    assert fact_filter(now=date(2024, 1, 2)).valid_at == datetime(2024, 1, 2)
    with pytest.raises(ConfigError, match="valid_at must be a datetime, a date or date text"):
        fact_filter(valid_at=1704153600)  # type: ignore[arg-type]


def test_fact_filter_reads_date_text_as_the_facts_command_does() -> None:
    # fact_filter(valid_at="2024-01") was a ConfigError, where `graphmem facts --valid-at 2024-01` reads it.
    assert fact_filter(valid_at="2024-01").valid_at == datetime(2024, 1, 1)  # --valid-at: the start
    tf = fact_filter(as_of="2024-01")  # --as-of: an inclusive bound, the end of January
    assert tf.as_of == tf.valid_at == datetime(2024, 1, 31, 23, 59, 59, 999999)
    assert fact_filter(as_of="2024-01-02T10:00+02:00").as_of == datetime(2024, 1, 2, 8, 0)
    with pytest.raises(ConfigError, match=r"^as_of: '2024-02-30' is not a date"):
        fact_filter(as_of="2024-02-30")


def test_a_long_text_is_no_date_and_its_error_does_not_repeat_it() -> None:
    from graphmem.fact_time import as_moment

    with pytest.raises(ConfigError) as caught:
        as_moment("2024-01-01 " + "x" * 10_000, "since")
    message = str(caught.value)
    assert message.startswith("since: '2024-01-01 xxx") and "(10011 characters) is not a date" in message
    assert len(message) < 300
