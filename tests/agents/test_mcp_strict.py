"""MCP tools refuse arguments they do not take, and forget deletes a whole namespace only when told to.

A misspelled argument was dropped: ``forget`` with ``event`` for ``event_id`` deleted the whole namespace."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("mcp", reason="the MCP SDK is the graphmem[mcp] extra (installed by the dev extra)")

from mcp import Client

pytestmark = pytest.mark.anyio

SAID = {"speaker": "Dana", "text": "I work at Zorblax Robotics in Porto.", "time": "2024-05-01T10:00"}


def text_of(result: Any) -> str:
    return "\n".join(block.text for block in result.content if block.type == "text")


async def test_every_tool_refuses_an_unknown_argument_naming_it_and_nothing_is_deleted(tmp_path: Path) -> None:
    from graphmem import AsyncMemory
    from graphmem.mcp_server import TOOLS, build_server
    from tests.ingest.fakes import FakeEmbedder

    async with (
        AsyncMemory.open(tmp_path / "mem", embedder=FakeEmbedder()) as amem,
        Client(build_server(amem)) as client,
    ):
        listed = {t.name: t for t in (await client.list_tools()).tools}
        assert set(listed) == set(TOOLS)
        for name, tool in listed.items():
            assert tool.input_schema.get("additionalProperties") is False, name
        added = await client.call_tool("add_messages", {"namespace": "dana", "messages": [SAID, SAID | {"time": None}]})
        assert not added.is_error, text_of(added)
        calls = [
            ("forget", {"namespace": "dana", "event": "ev:session_1:2"}, "event: not an argument of forget"),
            ("recall", {"namespace": "dana", "question": "work?", "kk": 3}, "kk: not an argument of recall"),
            ("add_messages", {"namespace": "dana", "messages": [SAID], "sesion": "s"}, "sesion: not an argument"),
            ("query", {"query": "FIND (e:Event) RETURN e", "namespace": "dana", "param": {}}, "param: not an"),
            ("timeline", {"entity": "Dana", "namespace": "dana", "from": "2024"}, "from: not an argument"),
            ("facts", {"namespace": "dana", "entity": "Dana", "validat": "2024"}, "validat: not an argument"),
        ]
        for tool, arguments, named in calls:
            result = await client.call_tool(tool, arguments)
            assert result.is_error, (tool, arguments)
            assert f"Error executing tool {tool}: error: {named}" in text_of(result), text_of(result)
        # the closest argument is suggested, and every argument at fault is named in one line
        two = await client.call_tool("forget", {"namespace": "dana", "event": "x", "id": "y"})
        assert "event: not an argument of forget (did you mean 'event_id'?" in text_of(two)
        assert "; id: not an argument of forget" in text_of(two)
        assert (await amem.stats("dana")).events == 2  # nothing was deleted


async def test_forget_over_mcp_deletes_a_whole_namespace_only_with_all(tmp_path: Path) -> None:
    from graphmem import AsyncMemory
    from graphmem.mcp_server import build_server
    from tests.ingest.fakes import FakeEmbedder

    async with (
        AsyncMemory.open(tmp_path / "mem", embedder=FakeEmbedder()) as amem,
        Client(build_server(amem)) as client,
    ):
        await client.call_tool("add_messages", {"namespace": "dana", "messages": [SAID]})
        schema = {t.name: t for t in (await client.list_tools()).tools}["forget"].input_schema
        assert list(schema["properties"]) == ["namespace", "event_id", "session", "about", "all"]
        bare = await client.call_tool("forget", {"namespace": "dana"})
        assert bare.is_error
        assert "error: forget: name an event_id, a session or who or what it is about, or give all: true" in text_of(
            bare
        )
        both = await client.call_tool("forget", {"namespace": "dana", "event_id": "ev:session_1:1", "all": True})
        assert both.is_error and "not event_id and all" in text_of(both)
        two = await client.call_tool("forget", {"namespace": "dana", "session": "session_1", "about": "Dana"})
        assert two.is_error and "not session and about" in text_of(two)
        assert (await amem.stats("dana")).events == 1
        wiped = await client.call_tool("forget", {"namespace": "dana", "all": True})
        assert not wiped.is_error, text_of(wiped)
        assert wiped.structured_content["deleted"]["events"] == 1
        assert await amem.namespaces() == []


async def test_forget_over_mcp_deletes_a_session_or_everything_about_a_name(tmp_path: Path) -> None:
    from graphmem import AsyncMemory
    from graphmem.mcp_server import build_server
    from tests.ingest.fakes import FakeEmbedder

    async with (
        AsyncMemory.open(tmp_path / "mem", embedder=FakeEmbedder()) as amem,
        Client(build_server(amem)) as client,
    ):
        tea = {"speaker": "Ann", "text": "I like tea.", "time": "2024-05-01T10:01"}
        await client.call_tool("add_messages", {"namespace": "dana", "messages": [SAID, tea]})
        await client.call_tool("add_messages", {"namespace": "dana", "messages": [tea], "session": "s2"})
        unknown = await client.call_tool("forget", {"namespace": "dana", "about": "Zelda"})
        assert unknown.is_error and "Zelda" in text_of(unknown)
        gone = await client.call_tool("forget", {"namespace": "dana", "about": "Dana"})
        assert not gone.is_error, text_of(gone)
        assert gone.structured_content["deleted"]["events"] == 1
        assert [ev.text for ev in amem.memory.store.iter_events("dana")] == ["I like tea.", "I like tea."]
        session = await client.call_tool("forget", {"namespace": "dana", "session": "s2"})
        deleted = session.structured_content["deleted"]
        assert (deleted["events"], deleted["sessions"]) == (1, 1)
        assert (await amem.stats("dana")).events == 1
