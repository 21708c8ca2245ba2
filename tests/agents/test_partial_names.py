"""A name given in part (``Caro``, a last name alone, another case): one name it is part of is used, and
said; several are an error listing them; none suggests the closest. Memory, CLI and MCP alike."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from graphmem.cli.app import main
from graphmem.errors import NotFoundError
from graphmem.memory import Memory
from graphmem.models import Batch, Entity, Event, Fact, Mention, Session
from tests.ingest.fakes import FakeEmbedder

NS = "club"
START = datetime(2024, 5, 1, 9, 0)
PEOPLE = {
    "ent:caroline": Entity(NS, "ent:caroline", "Caroline Smith", "Person", aliases=("Caro",)),
    "ent:carl": Entity(NS, "ent:carl", "Carl Jones", "Person"),
    "ent:melanie": Entity(NS, "ent:melanie", "Melanie", "Person"),
    "ent:zoe": Entity(NS, "ent:zoe", "Zoë Smithers", "Person"),
}
#: (speaker, text, who is named)
TURNS = [
    ("Melanie", "Caroline Smith joined the choir today.", "ent:caroline"),
    ("Melanie", "Carl Jones brought cakes.", "ent:carl"),
    ("Melanie", "Zoë Smithers sang the solo.", "ent:zoe"),
    ("Melanie", "Caroline Smith sang too.", "ent:caroline"),
]


@pytest.fixture
def club(tmp_path: Path) -> Iterator[Memory]:
    events, mentions = [], []
    for seq, (speaker, text, named) in enumerate(TURNS, 1):
        eid = f"ev:s1:{seq}"
        events.append(Event(NS, eid, "s1", seq, speaker, text, START + timedelta(minutes=seq)))
        mentions += [Mention(NS, eid, "ent:melanie", "speaker"), Mention(NS, eid, named, "mention")]
    fact = Fact(NS, "f:sings", "ent:caroline", "member_of", "ent:melanie", START, START)
    batch = Batch(
        NS,
        sessions=(Session(NS, "s1", 0, START),),
        events=tuple(events),
        entities=tuple(PEOPLE.values()),
        mentions=tuple(mentions),
        facts=(fact,),
    )
    with Memory.open(tmp_path / "mem", embedder=FakeEmbedder()) as mem:
        mem.write(batch)
        yield mem


def ids(events: list[Event]) -> list[str]:
    return [e.id for e in events]


def test_a_part_of_one_name_is_that_name(club: Memory) -> None:
    whole = ids(club.timeline("Caroline Smith", namespace=NS))
    assert whole == ["ev:s1:1", "ev:s1:4"]
    for part in ("Carol", "caroline", "SMITH", "c smith", "Caroline S"):  # before: NotFoundError for each
        assert ids(club.timeline(part, namespace=NS)) == whole, part
    match = club.match_entity("Carol", namespace=NS)
    assert (match.name, match.exact) == ("Caroline Smith", False)
    assert match.note() == "'Carol' is taken as 'Caroline Smith', the only name with a word beginning 'Carol'"
    assert club.match_entity("caro", namespace=NS).note() is None  # an alias, whatever its case: exact
    assert ids(club.timeline("zoe", namespace=NS)) == ["ev:s1:3"]  # accents are ignored, as for whole names
    assert [s.fact.id for s in club.facts("smith", namespace=NS)] == ["f:sings"]


def test_a_part_of_several_names_lists_them_and_none_suggests(club: Memory) -> None:
    with pytest.raises(
        NotFoundError,
        match=r"^'Car' is part of 2 names in namespace 'club': 'Carl Jones', 'Caroline Smith'; give one of them whole$",
    ):
        club.timeline("Car", namespace=NS)
    with pytest.raises(NotFoundError, match=r"'Smi' is part of 2 names .*'Caroline Smith', 'Zoë Smithers'"):
        club.timeline("Smi", namespace=NS)
    with pytest.raises(NotFoundError, match=r"^no entity named 'Melany' in namespace 'club'; closest: 'Melanie'"):
        club.timeline("Melany", namespace=NS)
    with pytest.raises(NotFoundError, match="no entity named 'Jones Carl'"):
        club.timeline("Jones Carl", namespace=NS)  # the words in another order are not a part


def test_the_cli_says_which_name_it_used(club: Memory, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(club.store.uri)
    club.close()
    capsys.readouterr()
    assert main(["timeline", "Carol", "--db", db, "-n", NS, "--json"]) == 0
    out = capsys.readouterr()
    assert "note: 'Carol' is taken as 'Caroline Smith', the only name with a word beginning 'Carol'" in out.err
    assert '"name": "Caroline Smith"' in out.out and "ev:s1:4" in out.out
    assert main(["timeline", "Car", "--db", db, "-n", NS]) == 1
    assert "error: 'Car' is part of 2 names" in capsys.readouterr().err
    assert main(["facts", "--entity", "smith", "--db", db, "-n", NS]) == 0
    assert "note: 'smith' is taken as 'Caroline Smith'" in capsys.readouterr().err


@pytest.mark.anyio
async def test_the_mcp_tools_say_which_name_they_used(club: Memory) -> None:
    pytest.importorskip("mcp")
    from mcp import Client

    from graphmem import AsyncMemory
    from graphmem.mcp_server import build_server

    async with Client(build_server(AsyncMemory(club))) as client:

        async def call(tool: str, **arguments: Any) -> Any:
            return await client.call_tool(tool, {"namespace": NS, **arguments})

        found = (await call("timeline", entity="carol")).structured_content
        assert found["name"] == "Caroline Smith" and "taken as 'Caroline Smith'" in found["note"]
        assert [e["event_id"] for e in found["events"]] == ["ev:s1:1", "ev:s1:4"]
        exact = (await call("timeline", entity="Caroline Smith")).structured_content
        assert "note" not in exact and exact["events"] == found["events"]
        facts = (await call("facts", entity="Smith")).structured_content
        assert facts["name"] == "Caroline Smith" and [f["fact_id"] for f in facts["facts"]] == ["f:sings"]
        several = await call("timeline", entity="Car")
        assert several.is_error and "'Carl Jones', 'Caroline Smith'" in several.content[0].text


def test_a_whole_name_or_alias_is_shown_as_stored(club: Memory, capsys: pytest.CaptureFixture[str]) -> None:
    """`timeline tomas` headed its table "tomas in ...", and MCP answered "name": "priya": the name as typed."""
    for asked in ("caroline smith", "CAROLINE SMITH", "caro"):  # a name in another case; an alias
        match = club.match_entity(asked, namespace=NS)
        assert (match.name, match.exact, match.note()) == ("Caroline Smith", True, None), asked
    assert club.match_entity("zoe smithers", namespace=NS).name == "Zoë Smithers"  # accents as stored
    db = str(club.store.uri)
    club.close()
    capsys.readouterr()
    assert main(["timeline", "melanie", "--db", db, "-n", NS]) == 0
    assert "Melanie in club" in capsys.readouterr().out
    assert main(["timeline", "caro", "--db", db, "-n", NS, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["entity"], shown["name"]) == ("caro", "Caroline Smith")
    assert shown["events"][0]["time"] == (START + timedelta(minutes=1)).isoformat()  # ISO, as MCP gives it


@pytest.mark.anyio
async def test_the_mcp_timeline_shows_the_stored_name(club: Memory) -> None:
    pytest.importorskip("mcp")
    from mcp import Client

    from graphmem import AsyncMemory
    from graphmem.mcp_server import build_server

    async with Client(build_server(AsyncMemory(club))) as client:
        found = (await client.call_tool("timeline", {"namespace": NS, "entity": "melanie"})).structured_content
        assert (found["entity"], found["name"]) == ("melanie", "Melanie") and "note" not in found
        facts = (await client.call_tool("facts", {"namespace": NS, "entity": "caroline smith"})).structured_content
        assert facts["name"] == "Caroline Smith"


def test_cli_facts_json_has_the_mcp_shape(club: Memory, capsys: pytest.CaptureFixture[str]) -> None:
    """`facts --json` said "id" and "2024-05-01 09:00:00" where MCP `facts` (and StatedFact.as_dict) say
    "fact_id" and "2024-05-01T09:00:00"."""
    expected = [s.as_dict() for s in club.facts(None, namespace=NS)]
    db = str(club.store.uri)
    club.close()
    capsys.readouterr()
    assert main(["facts", "--db", db, "-n", NS, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == expected
    assert printed[0]["fact_id"] == "f:sings" and "id" not in printed[0]
    assert printed[0]["valid_from"] == printed[0]["recorded_at"] == START.isoformat()


def test_the_note_says_how_the_part_was_matched(club: Memory) -> None:
    """Before: 'the only name it is part of', though 'Jo' is also the start of Joanna Lee; an alias unnamed."""
    more = (
        Entity(NS, "ent:jo", "Jo Smith", "Person"),
        Entity(NS, "ent:joanna", "Joanna Lee", "Person"),
        Entity(NS, "ent:ann", "Ann Wu", "Person", aliases=("Bobby Tables",)),
    )
    club.write(Batch(NS, sessions=(Session(NS, "s1", 0, START),), entities=more))
    assert (
        club.match_entity("Jo", namespace=NS).note() == "'Jo' is taken as 'Jo Smith', the only name with the word 'Jo'"
    )
    assert club.match_entity("c smi", namespace=NS).note() == (
        "'c smi' is taken as 'Caroline Smith', the only name with words beginning 'c', 'smi' in that order"
    )
    assert club.match_entity("Bobby", namespace=NS).note() == (
        "'Bobby' is taken as 'Ann Wu', the only name with the word 'Bobby' (in its alias 'Bobby Tables')"
    )


def test_a_match_is_used_in_the_namespace_it_was_made_in(club: Memory) -> None:
    from graphmem.errors import ConfigError

    match = club.match_entity("Carol", namespace=NS)
    club.write(
        Batch("other", sessions=(Session("other", "s1", 0, START),), entities=(Entity("other", "e", "X", "Person"),))
    )
    for call in (club.timeline, club.facts):
        with pytest.raises(ConfigError, match="the match for 'Carol' was made in namespace 'club', not 'other'"):
            call(match, namespace="other")  # before: club's ids looked up in 'other', silently
