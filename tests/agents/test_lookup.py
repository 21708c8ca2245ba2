"""Memory.timeline and Memory.facts: direct reads by name."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from graphmem.errors import ConfigError, NotFoundError, UnknownNamespaceError
from graphmem.memory import Memory
from tests.recall.conftest import NS


def test_timeline_in_time_order(memory: Memory) -> None:
    events = memory.timeline("biscuit", namespace=NS)  # names ignore case
    assert [e.id for e in events] == ["s2:1", "s2:3", "s3:4"]
    ben = memory.timeline("Ben", namespace=NS)
    assert {e.speaker for e in ben} == {"Ben"}  # the turns he spoke
    times = [e.occurred_at for e in ben]
    assert times == sorted(times)  # type: ignore[type-var]


def test_timeline_orders_a_late_message_by_its_time_not_its_arrival(tmp_path: Path) -> None:
    # a message added late with an earlier time was listed after the newer one (sorted by session and seq)
    with Memory.open(tmp_path / "m") as mem:
        mem.add({"speaker": "Ana", "text": "I moved to Porto.", "time": "2024-06-01T10:00"}, namespace="tl")
        mem.add({"speaker": "Ana", "text": "I adopted a cat.", "time": "2024-01-01T10:00"}, namespace="tl")
        mem.add({"speaker": "Ana", "text": "I bought a bike.", "time": "2024-03-01T10:00"}, namespace="tl")
        events = mem.timeline("Ana", namespace="tl")
    assert [e.text for e in events] == ["I adopted a cat.", "I bought a bike.", "I moved to Porto."]


def test_timeline_window(memory: Memory) -> None:
    since = datetime(2024, 3, 15)
    assert [e.id for e in memory.timeline("Biscuit", namespace=NS, since=since)] == ["s3:4"]
    until = datetime(2024, 3, 8, 10, 2)
    assert [e.id for e in memory.timeline("Biscuit", namespace=NS, until=until)] == ["s2:1"]
    # an aware bound is compared in UTC: 11:02 at +01:00 is 10:02 UTC
    aware = datetime(2024, 3, 8, 11, 2, tzinfo=timezone(timedelta(hours=1)))
    assert [e.id for e in memory.timeline("Biscuit", namespace=NS, until=aware)] == ["s2:1"]


def test_dates_are_their_midnight_and_other_values_are_named(memory: Memory) -> None:
    # A date (not a datetime) was an AttributeError ('datetime.date' object has no attribute 'tzinfo').
    assert [e.id for e in memory.timeline("Biscuit", namespace=NS, since=date(2024, 3, 15))] == ["s3:4"]
    assert {f.fact.id for f in memory.facts("Ben", namespace=NS, valid_at=date(2021, 6, 1))} == {"f:lived"}
    with pytest.raises(ConfigError, match=r"^valid_at must be a datetime, a date or date text .*, not bytes b'2021'"):
        memory.facts("Ben", namespace=NS, valid_at=b"2021")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"^until must be a datetime, a date or date text"):
        memory.timeline("Ben", namespace=NS, until=20240301)  # type: ignore[arg-type]


def test_times_may_be_date_text_read_as_the_cli_reads_it(memory: Memory) -> None:
    # Memory.facts(valid_at="2021-06") was a ConfigError ("must be a datetime or a date") where
    # `graphmem facts --valid-at 2021-06`, the DSL's VALID AT 2021-06 and the MCP facts tool read it.
    assert {f.fact.id for f in memory.facts("Ben", namespace=NS, valid_at="2021-06")} == {"f:lived"}
    assert {f.fact.id for f in memory.facts("Ben", namespace=NS, valid_at="June 2021")} == {"f:lived"}
    assert {f.fact.id for f in memory.facts("Ben", namespace=NS, valid_at="2021-06-01T00:00Z")} == {"f:lived"}
    assert memory.facts("Ben", namespace=NS, as_of="2024-03") == memory.facts(
        "Ben", namespace=NS, as_of=datetime(2024, 3, 31, 23, 59, 59, 999999)
    )  # as --as-of 2024-03: memory at the end of March
    biscuit = [e.id for e in memory.timeline("Biscuit", namespace=NS)]
    assert [e.id for e in memory.timeline("Biscuit", namespace=NS, since="2024-03-15")] == ["s3:4"]
    assert [e.id for e in memory.timeline("Biscuit", namespace=NS, until="2024-03-08")] == ["s2:1", "s2:3"]  # its day
    assert [e.id for e in memory.timeline("Biscuit", namespace=NS, until="March 2024")] == biscuit  # all of March
    assert memory.timeline("Biscuit", namespace=NS, until="2024-02") == []
    # a zone is read as UTC: 11:02 at +01:00 is 10:02 UTC, after s2:1 (10:01) and before s2:3 (10:03)
    assert [e.id for e in memory.timeline("Biscuit", namespace=NS, until="2024-03-08T11:02+01:00")] == ["s2:1"]
    hits = memory.recall("Biscuit the puppy", namespace=NS, since="2024-03-15", until="2024-03", time_axis="said")
    assert hits and {h.event.session for h in hits} == {"s3"}
    ctx = memory.context("Biscuit the puppy", namespace=NS, since="15 March 2024")
    assert {e.event.session for e in ctx.events} == {"s3"}
    with pytest.raises(ConfigError, match=r"^valid_at: '2021-13' is not a date: the month must be 01 to 12"):
        memory.facts("Ben", namespace=NS, valid_at="2021-13")
    with pytest.raises(ConfigError, match=r"^as_of: '30 February 2024' is not a date: February 2024 has days 01 to 29"):
        memory.facts("Ben", namespace=NS, as_of="30 February 2024")
    with pytest.raises(ConfigError, match=r"^since: 'yesterday' is not a date: write 2024-05-01"):
        memory.timeline("Biscuit", namespace=NS, since="yesterday")
    with pytest.raises(ConfigError, match=r"^until: '' is not a date"):
        memory.recall("Biscuit", namespace=NS, until="")
    with pytest.raises(ConfigError, match=r"since \(2024-04-01 00:00\) is after until \(2024-03-31 23:59\)"):
        memory.timeline("Biscuit", namespace=NS, since="2024-04", until="2024-03")


def test_recall_and_context_take_aware_times_and_dates(memory: Memory) -> None:
    # Both raised TypeError (naive against aware, datetime against date) from inside recall.
    plus_one = timezone(timedelta(hours=1))
    hits = memory.recall("Biscuit the puppy", namespace=NS, since=datetime(2024, 3, 15, 1, 0, tzinfo=plus_one))
    assert hits and {h.event.session for h in hits} == {"s3"}
    assert memory.recall("Biscuit the puppy", namespace=NS, until=date(2024, 3, 8), time_axis="said")
    ctx = memory.context("Biscuit the puppy", namespace=NS, since=date(2024, 3, 15))
    assert {e.event.session for e in ctx.events} == {"s3"}


def test_unknown_name_suggests(memory: Memory) -> None:
    with pytest.raises(NotFoundError, match=r"no entity named 'Biscit' in namespace 'chat-1'; closest: 'Biscuit'"):
        memory.timeline("Biscit", namespace=NS)
    with pytest.raises(ConfigError):
        memory.facts("Ana", namespace="bad namespace!")


def test_facts(memory: Memory) -> None:
    held = {f.fact.id: f for f in memory.facts("Ana", namespace=NS)}
    assert set(held) == {"f:owns"}  # the retired fact is not held any more
    assert held["f:owns"].describe() == "Ana owns Biscuit (from 2024-03-08)"
    assert held["f:owns"].as_dict()["object"] == "Biscuit"
    ben = {f.fact.id for f in memory.facts("Ben", namespace=NS)}
    assert ben == {"f:cello"}  # current facts by default: f:lived held in 2021 only
    assert {f.fact.id for f in memory.facts("Ben", namespace=NS, all_time=True)} >= {"f:lived", "f:cello"}
    assert {f.fact.id for f in memory.facts("Ben", namespace=NS, valid_at=datetime(2021, 6, 1))} == {"f:lived"}
    now = datetime.now(UTC)
    assert {f.fact.id for f in memory.facts("Ben", namespace=NS, valid_at=now)} == {"f:cello"}
    assert [f.fact.id for f in memory.facts("Biscuit", namespace=NS)] == ["f:owns"]  # as object too


def test_until_a_date_keeps_that_whole_day(memory: Memory) -> None:
    # until=date(...) was that day's midnight, leaving out the day itself (Biscuit's turns of 8 March).
    assert [e.id for e in memory.timeline("Biscuit", namespace=NS, until=date(2024, 3, 8))] == ["s2:1", "s2:3"]
    assert memory.timeline("Biscuit", namespace=NS, until=datetime(2024, 3, 8)) == []  # a moment stays one
    with pytest.raises(ConfigError, match=r"since .* is after until"):
        memory.timeline("Biscuit", namespace=NS, since=date(2024, 3, 9), until=date(2024, 3, 8))


def test_the_timeline_command(memory: Memory, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from graphmem.cli.app import main

    db = str(memory.store.uri)
    assert main(["--db", db, "timeline", "biscuit", "-n", NS, "--until", "2024-03-08", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [e["event_id"] for e in out["events"]] == ["s2:1", "s2:3"]  # the whole of 8 March, in time order
    # the events carry the keys the MCP timeline tool's and recall --json's do (an "id" key before)
    assert all(set(e) >= {"event_id", "time", "speaker", "session", "text"} and "id" not in e for e in out["events"])
    assert main(["--db", db, "timeline", "Biscit", "-n", NS]) == 1
    assert "Biscuit" in capsys.readouterr().err  # the closest name is suggested
    assert main(["--db", db, "timeline", "Ben", "-n", NS]) == 0
    assert "Ben in" in capsys.readouterr().out


def test_a_predicate_no_fact_has_is_named_with_the_closest(memory: Memory) -> None:
    """`facts --predicate own` printed an empty table: a mistyped predicate looked like no facts."""
    with pytest.raises(NotFoundError, match=r"no fact in namespace 'chat-1' has predicate 'own'; closest: 'owns'"):
        memory.facts("Ana", namespace=NS, predicate="own")
    with pytest.raises(NotFoundError, match=r"has predicate 'own'"):
        memory.facts(namespace=NS, predicate="own")
    # a predicate some fact has, but none in the asked time: an empty answer, not an error
    assert memory.facts("Ben", namespace=NS, predicate="owns") == []
    assert memory.facts("Ana", namespace=NS, predicate="owns", valid_at=datetime(2000, 1, 1)) == []


def test_empty_facts_and_timeline_tables_say_nothing_matched(
    memory: Memory, capsys: pytest.CaptureFixture[str]
) -> None:
    """recall said "no events matched" under an empty table; facts and timeline printed the bare table."""
    from graphmem.cli.app import main

    db = str(memory.store.uri)
    capsys.readouterr()
    assert main(["--db", db, "facts", "-n", NS, "--entity", "Ana", "--valid-at", "2000-01-01"]) == 0
    assert "no facts matched" in capsys.readouterr().err
    assert main(["--db", db, "timeline", "Biscuit", "-n", NS, "--since", "2030-01-01"]) == 0
    assert "no events matched" in capsys.readouterr().err
    assert main(["--db", db, "facts", "-n", NS, "--entity", "Ana"]) == 0
    assert "matched" not in capsys.readouterr().err


def test_reads_of_an_unknown_namespace_name_it(memory: Memory) -> None:
    # facts(namespace="nosuch") returned [] (a typo looked like a namespace without facts), and timeline and
    # match_entity said "holds no entities" where recall raises UnknownNamespaceError.
    typo = NS[:-1] + "2"
    # facts (as recall and context) answer [] there since: an agent's first turn with a new user reads it.
    assert memory.facts(namespace=typo) == memory.facts("Ben", namespace=typo) == []
    assert memory.facts(namespace=typo, predicate="owns") == []
    for read in (
        lambda: memory.timeline("Ben", namespace=typo),
        lambda: memory.match_entity("Ben", namespace=typo),
    ):
        with pytest.raises(UnknownNamespaceError, match=rf"namespace '{typo}' holds no data") as info:
            read()
        assert info.value.suggestion == NS
    assert memory.facts(namespace=NS, predicate="owns")  # a namespace that holds data answers as before
