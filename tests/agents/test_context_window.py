"""The context's fact block answers for the recall's time window, and its heading says which facts it shows.

With ``since``/``until`` the block listed the facts current *now* under "facts current at <today>": with
"I work at Acme." (January) and "I now work at Globex." (September), a context until July showed
``Ana works_at Globex (from 2024-09-01)``, and an agent answering from it said Globex.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from graphmem.cli.app import cli
from graphmem.context import Context
from graphmem.embed import Embedder
from graphmem.fact_time import held_during, utc_now
from graphmem.memory import Memory
from graphmem.models import Batch, Fact
from graphmem.recall import RecallRequest
from tests.recall.conftest import NS

BEN = "Does Ben still live in the Alps and does he play the cello?"
PUPPY = "What is the name of Ana's puppy?"


def today() -> str:
    """The day the block was read on (called right after the context is built)."""
    return f"{utc_now():%Y-%m-%d}"


def heading(ctx: Context) -> str:
    return ctx.text.splitlines()[0]


def fact_ids(ctx: Context) -> set[str]:
    return {f.fact.id for f in ctx.facts}


def test_until_lists_the_facts_valid_up_to_it(memory: Memory) -> None:
    ctx = memory.context(BEN, namespace=NS, until=date(2022, 6, 1))
    assert fact_ids(ctx) == {"f:lived"}  # Ben lived in the Alps then; the cello began in 2024
    assert heading(ctx) == f"Memory of {NS!r} for the question (facts valid up to 2022-06-01):"
    assert ctx.fact_window.label == "facts valid up to 2022-06-01"
    data = json.loads(json.dumps(ctx.as_dict()))
    assert data["fact_window"] == {
        "label": "facts valid up to 2022-06-01",
        "valid_from": None,
        "valid_to": "2022-06-01T23:59:59.999999",
        "as_of": None,
    }


def test_since_and_until_list_the_facts_valid_at_some_time_between(memory: Memory) -> None:
    ctx = memory.context(BEN, namespace=NS, since=datetime(2022, 1, 1), until=date(2024, 1, 31))
    assert fact_ids(ctx) == {"f:lived"}  # ended 2023-01-01, inside; the cello from 2024-02-15, after
    assert heading(ctx).endswith("(facts valid between 2022-01-01 and 2024-01-31):")
    both = memory.context(BEN, namespace=NS, since=datetime(2022, 1, 1), until=date(2024, 2, 20))
    assert fact_ids(both) == {"f:lived", "f:cello"}


def test_the_window_ends_are_the_valid_span_ends(memory: Memory) -> None:
    """A fact's valid span is [valid_from, valid_to): the Alps held on 31 December 2022, not on 1 January."""
    last = memory.context(BEN, namespace=NS, since=datetime(2022, 12, 31, 12), until=datetime(2023, 1, 1))
    assert "f:lived" in fact_ids(last)
    assert heading(last).endswith("(facts valid between 2022-12-31 12:00 and 2023-01-01 00:00):")
    after = memory.context(BEN, namespace=NS, since=datetime(2023, 1, 1), until=datetime(2024, 2, 1))
    assert fact_ids(after) == set()


def test_since_alone_runs_to_now(memory: Memory) -> None:
    ctx = memory.context(BEN, namespace=NS, since=datetime(2023, 6, 1))
    assert fact_ids(ctx) == {"f:cello"}
    assert heading(ctx).endswith(f"(facts valid between 2023-06-01 and {today()}):")


def test_a_window_after_now_runs_on(memory: Memory) -> None:
    """Since a time later than the moment memory is read at: the facts still held then, as memory knows them."""
    ctx = memory.context(PUPPY, namespace=NS, since=datetime(2030, 1, 1))
    assert "f:owns" in fact_ids(ctx)  # still held: no end is known
    assert ctx.fact_window.label == "facts valid from 2030-01-01 on"


def test_the_window_is_read_as_memory_knew_it_at_as_of(memory: Memory) -> None:
    until = date(2024, 3, 1)
    now = memory.context_for(RecallRequest.of(PUPPY, namespace=NS, until=until))
    assert "f:retired" not in fact_ids(now)  # retired on 2 March
    then = memory.context_for(RecallRequest.of(PUPPY, namespace=NS, until=until, as_of=datetime(2024, 3, 1, 12)))
    assert "f:retired" in fact_ids(then) and "f:owns" not in fact_ids(then)
    assert heading(then).endswith("(facts valid up to 2024-03-01, as memory knew them at 2024-03-01 12:00):")
    assert then.as_dict()["fact_window"]["as_of"] == "2024-03-01T12:00:00"


def test_a_fact_that_held_for_no_time_is_in_no_window(memory: Memory) -> None:
    day = datetime(2021, 5, 1)
    slip = Fact(NS, "f:slip", "ent:ben", "lives_in", "ent:glacier", day, day, valid_to=day)  # a corrected slip
    memory.write(Batch(NS, facts=(slip,)))
    ctx = memory.context(BEN, namespace=NS, since=datetime(2021, 1, 1), until=datetime(2021, 12, 31))
    assert fact_ids(ctx) == {"f:lived"}
    assert not held_during(slip, datetime(2021, 1, 1), datetime(2021, 12, 31))


def test_valid_at_names_the_moment_of_the_facts(memory: Memory) -> None:
    ctx = memory.context_for(RecallRequest.of(BEN, namespace=NS, valid_at=datetime(2021, 6, 1)))
    assert fact_ids(ctx) == {"f:lived"}
    assert heading(ctx).endswith("(facts valid at 2021-06-01):")


def test_without_a_window_the_facts_are_current(memory: Memory) -> None:
    ctx = memory.context(BEN, namespace=NS)
    assert fact_ids(ctx) == {"f:cello"}
    assert heading(ctx).endswith(f"(facts current at {today()}):")
    assert ctx.as_dict()["fact_window"]["label"] == f"facts current at {today()}"


def test_all_time_shows_every_version_as_recall_traverses_them(memory: Memory) -> None:
    """With ``all_time`` recall follows every fact version; the block listed only the current ones under
    "facts current at <today>"."""
    ctx = memory.context_for(RecallRequest.of(BEN, namespace=NS, all_time=True))
    assert fact_ids(ctx) == {"f:lived", "f:cello"}  # the Alps ended in 2023
    assert heading(ctx) == f"Memory of {NS!r} for the question (facts of all time, every version):"
    assert ctx.as_dict()["fact_window"] == {
        "label": "facts of all time, every version",
        "valid_from": None,
        "valid_to": None,
        "as_of": None,
    }
    puppy = memory.context_for(RecallRequest.of(PUPPY, namespace=NS, all_time=True))
    assert {"f:owns", "f:retired"} <= fact_ids(puppy)  # a version memory retired is a version too
    # a window bounds the events, not the facts, as in recall; Memory.context takes all_time too
    windowed = memory.context(BEN, namespace=NS, until=date(2022, 6, 1), all_time=True)
    assert fact_ids(windowed) == {"f:lived", "f:cello"}
    assert windowed.fact_window.label == "facts of all time, every version"


def test_held_during_meets_valid_at_at_a_point() -> None:
    fact = Fact(NS, "f", "a", "p", "b", datetime(2024, 1, 1), datetime(2024, 1, 1), datetime(2024, 6, 1))
    for when in (datetime(2023, 12, 31), datetime(2024, 1, 1), datetime(2024, 5, 31), datetime(2024, 6, 1)):
        assert held_during(fact, when, when) == fact.valid_at(when)
    assert held_during(fact, None, datetime(2024, 1, 1)) and not held_during(fact, datetime(2024, 6, 1), None)


@pytest.mark.anyio
async def test_the_mcp_recall_tool_shows_the_window_facts(memory: Memory) -> None:
    pytest.importorskip("mcp", reason="the MCP SDK is the graphmem[mcp] extra")
    from mcp import Client

    from graphmem import AsyncMemory
    from graphmem.mcp_server import build_server

    amem = AsyncMemory(memory)
    async with Client(build_server(amem)) as client:
        result = await client.call_tool("recall", {"question": BEN, "namespace": NS, "until": "2022-06-01"})
    block = "\n".join(b.text for b in result.content if b.type == "text")
    assert not result.is_error, block
    assert block.splitlines()[0].endswith("(facts valid up to 2022-06-01):")
    facts = block.split("Events")[0]
    assert "Ben lives_in Alps" in facts and "cello" not in facts
    twin = await amem.context_for(RecallRequest.of(BEN, namespace=NS, until=date(2022, 6, 1)))
    assert block == twin.text


def test_the_cli_context_shows_the_window_facts(memory: Memory) -> None:
    where = str(memory.store.directory)  # type: ignore[attr-defined]
    memory.close()
    runner = CliRunner()
    out = runner.invoke(
        cli, ["context", BEN, "--db", where, "-n", NS, "--since", "2022-01-01", "--until", "2022-12-31"]
    )
    assert out.exit_code == 0, out.output
    assert out.stdout.splitlines()[0].endswith("(facts valid between 2022-01-01 and 2022-12-31):")
    assert "Ben lives_in Alps" in out.stdout and "Ben plays cello" not in out.stdout
    out = runner.invoke(cli, ["context", BEN, "--db", where, "-n", NS, "--until", "2022-12-31", "--json"])
    data = json.loads(out.stdout)
    assert data["fact_window"]["label"] == "facts valid up to 2022-12-31"
    assert [f["fact_id"] for f in data["facts"]] == ["f:lived"]


# -- the tester's conversation, on both stores ----------------------------------------------------------


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def talk(request: pytest.FixtureRequest, tmp_path: Path, embedder: Embedder) -> Iterator[Memory]:
    """Ana at Acme from January, at Globex from September, told through ``add`` (extraction and all)."""
    if request.param == "embedded":
        mem = Memory.open(tmp_path / "mem", embedder=embedder)
    else:
        from tests.support.bolt_server import wipe_database

        bolt: Any = request.getfixturevalue("bolt_server")
        wipe_database(bolt)
        mp = request.getfixturevalue("monkeypatch")
        mp.setenv("GRAPHMEM_CACHE_DIR", str(tmp_path / "vector-cache"))
        mem = Memory.open(bolt.uri, embedder=embedder, auth=bolt.auth, database=bolt.database)
    mem.add({"speaker": "Ana", "text": "I work at Acme.", "time": "2024-01-10T09:00:00"}, namespace="n")
    mem.add({"speaker": "Ana", "text": "I now work at Globex.", "time": "2024-09-01T09:00:00"}, namespace="n")
    yield mem
    mem.close()


def _employers(ctx: Context) -> list[str]:
    return [f.object for f in ctx.facts if f.fact.predicate == "works_at"]


def test_where_did_ana_work_until_july(talk: Memory) -> None:
    ctx = talk.context("Where did Ana work?", namespace="n", until=datetime(2024, 7, 1))
    assert _employers(ctx) == ["Acme"]
    assert heading(ctx) == "Memory of 'n' for the question (facts valid up to 2024-07-01 00:00):"
    assert "Globex" not in ctx.text
    later = talk.context("Where did Ana work?", namespace="n", since=datetime(2024, 9, 2), until=datetime(2024, 12, 1))
    assert _employers(later) == ["Globex"]
    year = talk.context("Where did Ana work?", namespace="n", since=date(2024, 1, 1), until=date(2024, 12, 31))
    assert sorted(_employers(year)) == ["Acme", "Globex"]
    assert re.search(r"Acme \(from 2024-01-10, until 2024-09-01\)", year.text)
    now = talk.context("Where does Ana work?", namespace="n")
    assert _employers(now) == ["Globex"] and heading(now).endswith(f"(facts current at {today()}):")


def test_entity_facts_valid_during(memory: Memory) -> None:
    from graphmem.errors import ConfigError
    from graphmem.lookup import entity_facts

    def ids(**options: Any) -> list[str]:
        return [f.fact.id for f in entity_facts(memory.store, NS, "Ben", **options)]

    assert ids(valid_during=(datetime(2021, 1, 1), None)) == ["f:lived", "f:cello"]
    assert ids(valid_during=(None, date(2024, 2, 15))) == ["f:lived", "f:cello"]  # a date: its whole day
    assert ids(valid_during=(None, datetime(2024, 2, 14))) == ["f:lived"]
    assert ids(valid_during=(None, None), as_of=datetime(2024, 3, 10)) == ["f:lived"]  # the cello came later
    with pytest.raises(ConfigError, match=r"^valid_during is a window of valid time: give it without valid_at"):
        ids(valid_during=(None, None), valid_at=datetime(2024, 1, 1))
    with pytest.raises(ConfigError, match=r"^valid_during starts \(2024-02-01 00:00:00\) after it ends"):
        ids(valid_during=(datetime(2024, 2, 1), datetime(2024, 1, 1)))
    with pytest.raises(ConfigError, match=r"^valid_during must be a \(start, end\) pair"):
        ids(valid_during=[None, None])
    assert ids(valid_during=(None, "2024-02-15")) == ["f:lived", "f:cello"]  # date text, as the CLI reads it
    with pytest.raises(ConfigError, match=r"^valid_during end: '2024-13' is not a date"):
        ids(valid_during=(None, "2024-13"))
    with pytest.raises(ConfigError, match=r"^valid_during end must be a datetime, a date or date text"):
        ids(valid_during=(None, 5))


def test_all_time_shows_where_ana_ever_worked(talk: Memory) -> None:
    ctx = talk.context_for(RecallRequest.of("Where did Ana work?", namespace="n", all_time=True))
    assert set(_employers(ctx)) == {"Acme", "Globex"}
    # every version, as `facts --all-time` lists them (Acme while current, then closed by Globex)
    every = [f.fact.id for f in talk.facts("Ana", namespace="n", all_time=True)]
    assert sorted(f.fact.id for f in ctx.facts) == sorted(every)
    assert heading(ctx) == "Memory of 'n' for the question (facts of all time, every version):"


def test_all_time_lines_say_which_versions_memory_replaced(talk: Memory) -> None:
    """Every version's line used to read like a current fact: the retired "Acme (from …)" beside "Acme (from …,
    until …)" told an agent reading the block that Ana still worked at Acme. Each line now says when memory
    recorded the version and whether a later statement replaced it."""
    ctx = talk.context_for(RecallRequest.of("Where did Ana work?", namespace="n", all_time=True))
    block = ctx.text.splitlines()
    for stated in ctx.facts:
        f = stated.fact
        belief = "current" if f.expired_at is None else f"replaced {f.expired_at:%Y-%m-%d}"
        line = f"- {stated.describe()} [recorded {f.recorded_at:%Y-%m-%d}, {belief}]"
        assert line in block
    retired = [s for s in ctx.facts if s.fact.expired_at is not None]
    assert retired  # Acme's open version, replaced when Globex closed it
    # outside all_time a block lists one belief per fact: no marks
    now = talk.context("Where did Ana work?", namespace="n")
    assert now.facts and not any("[recorded" in line for line in now.text.splitlines())
