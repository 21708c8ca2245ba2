"""A chat API's messages (``role``/``content``) added live: ``participants`` names who each role is.

An agent passing its ``{"role": "user", "content": ...}`` messages got a Person named "user" ("user has_pet
Pixel"); the mapping a chat export file carries (``participants``) could not be given to ``Memory.add``, the
async API, the MCP tool or ``graphmem add``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from graphmem import AsyncMemory, Memory
from graphmem.cli.app import cli
from graphmem.errors import ConfigError

CHAT = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "My dog Pixel loves the beach."},
    {"role": "assistant", "content": "Pixel sounds like a happy dog!"},
    {"role": "user", "content": ""},
]
NAMES = {"user": "Dana", "assistant": "Aide"}


def _speakers(memory: Memory, ns: str) -> list[str | None]:
    return [e.speaker for e in memory.store.iter_events(ns)]


def _pets(memory: Memory, ns: str) -> set[tuple[str, str]]:
    return {(f.subject, f.object) for f in memory.facts(namespace=ns) if f.fact.predicate == "has_pet"}


def test_participants_name_the_roles_of_chat_messages(memory: Memory) -> None:
    ids = memory.add(CHAT, namespace="d", participants=NAMES)
    assert len(ids) == 2  # the system message and the empty one are left out, as in files
    assert _speakers(memory, "d") == ["Dana", "Aide"]
    assert _pets(memory, "d") == {("Dana", "Pixel")}
    assert "user" not in {e.name for e in memory.store.iter_entities("d")}
    # without them the role is the speaker, as documented
    memory.add(CHAT, namespace="raw")
    assert _speakers(memory, "raw") == ["user", "assistant"]


@pytest.mark.parametrize(
    "bad",
    [{"user": ""}, {"": "Dana"}, {"user": 3}, ["user", "Dana"]],
)
def test_bad_participants_are_refused_before_anything_is_stored(memory: Memory, bad: Any) -> None:
    with pytest.raises(ConfigError, match="participants must map roles to"):
        memory.add(CHAT, namespace="d", participants=bad)
    assert "d" not in memory.store.namespaces()


@pytest.mark.anyio
async def test_the_async_twin_takes_them(memory: Memory) -> None:
    await AsyncMemory(memory).add(CHAT, namespace="d", participants=NAMES)
    assert _speakers(memory, "d") == ["Dana", "Aide"]


@pytest.mark.anyio
async def test_the_mcp_tool_takes_them(memory: Memory) -> None:
    from mcp import Client

    from graphmem.mcp_server import build_server

    async with Client(build_server(AsyncMemory(memory))) as client:
        added = await client.call_tool("add_messages", {"namespace": "d", "messages": CHAT, "participants": NAMES})
        assert not added.is_error
        assert len(added.structured_content["event_ids"]) == 2
    assert _speakers(memory, "d") == ["Dana", "Aide"]


def test_graphmem_add_takes_participant_options(tmp_path: Path) -> None:
    store = str(tmp_path / "db")
    lines = "\n".join(json.dumps(m) for m in CHAT)
    argv = ["--db", store, "add", "-n", "d", "--participant", "user=Dana", "--participant", "assistant=Aide"]
    result = CliRunner().invoke(cli, [*argv, "--json"], input=lines + "\n")
    assert result.exit_code == 0, result.output
    with Memory.open(store, read_only=True) as mem:
        assert _speakers(mem, "d") == ["Dana", "Aide"]
    bad = CliRunner().invoke(cli, ["--db", store, "add", "-n", "d", "--participant", "user"], input=lines + "\n")
    assert bad.exit_code != 0 and "expected ROLE=NAME" in bad.output


def test_a_speaker_spelled_otherwise_but_for_case_takes_the_stored_spelling(memory: Memory) -> None:
    """A file's reader takes an input's first spelling of a speaker ("marta" is "Marta"); a message added live
    kept its own, so ``e.speaker = "Marta"`` missed it though the turn was linked to the same person."""
    memory.add({"speaker": "Marta", "text": "I work at Acme."}, namespace="m")
    memory.add(
        [{"speaker": "marta ", "text": "I have a cat named Zaza."}, {"speaker": "MARTA", "text": "Bye!"}], namespace="m"
    )
    memory.add({"speaker": "Bob", "text": "Hi."}, namespace="m")
    memory.add(
        [{"speaker": "bob", "text": "Bye."}, {"speaker": "ann", "text": "Hello."}, {"speaker": "Ann", "text": "Hi."}],
        namespace="m",
    )
    assert _speakers(memory, "m") == ["Marta", "Marta", "Marta", "Bob", "Bob", "ann", "ann"]
    found = memory.query('FIND LAST (e:Event) WHERE e.speaker = "Marta" RETURN e.text', namespace="m")
    assert [r["e.text"] for r in found.to_json()] == ["Bye!"]


def test_a_message_resent_with_another_case_of_its_speaker_is_the_stored_one(memory: Memory, tmp_path: Path) -> None:
    """Taking a stored person's spelling made a re-sent message of a file ("marta", stored so by the file)
    differ from its stored copy ("Marta" after the respelling): an id retry failed as "another speaker", and a
    message without an id was stored twice."""
    first = tmp_path / "a.jsonl"
    first.write_text(json.dumps({"id": "a1", "speaker": "Marta", "text": "Hello.", "time": "2025-03-01T09:00"}) + "\n")
    memory.ingest(first, namespace="m")
    msgs = [
        {"id": "m1", "speaker": "marta", "text": "I got a job at Acme.", "session": "2", "time": "2025-03-02T10:00"},
        {"speaker": "marta", "text": "See you soon.", "session": "2", "time": "2025-03-02T10:01"},
    ]
    second = tmp_path / "b.jsonl"
    second.write_text("".join(json.dumps(m) + "\n" for m in msgs))
    memory.ingest(second, namespace="m")
    stored = [e.id for e in memory.store.iter_events("m")]
    assert memory.add(msgs, namespace="m") == stored[1:]
    assert [e.id for e in memory.store.iter_events("m")] == stored
