"""An agent's first turn with a new user (and its turn after a forget) reads a namespace that holds no data:
recall, context and facts answer empty (API, async API, MCP), the CLI adds a note naming the closest
namespaces, and a DSL query still names the namespace as an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphmem import AsyncMemory, Memory, QueryNamespaceError
from graphmem.cli.app import main
from tests.recall.conftest import NS

pytestmark = pytest.mark.anyio


def test_reads_of_a_new_namespace_are_empty(memory: Memory) -> None:
    assert memory.recall("What do you know about me?", namespace="new-user") == []
    assert memory.recall("dog", namespace="new-user", speakers=["Ana"]) == []  # nobody speaks there yet
    block = memory.context("What do you know about me?", namespace="new-user")
    assert not block.events and not block.facts
    assert "memory holds nothing about this" in block.text
    assert memory.facts(namespace="new-user") == []
    assert memory.facts("Ana", namespace="new-user", predicate="owns") == []
    with pytest.raises(QueryNamespaceError, match="namespace 'new-user' holds no data"):
        memory.query('FIND (e:Event) IN "new-user" RETURN e')  # a query's pin stays an error, at its place
    assert memory.namespaces() == [NS]  # reading created nothing


def test_after_a_forget_the_namespace_reads_empty(memory: Memory) -> None:
    assert memory.recall("Biscuit", namespace=NS)
    memory.forget(NS)
    assert memory.recall("Biscuit", namespace=NS) == []
    assert memory.facts(namespace=NS) == []


async def test_async_reads_and_mcp_tools_of_a_new_namespace(memory: Memory) -> None:
    from mcp import Client

    from graphmem.mcp_server import build_server

    amem = AsyncMemory(memory)
    assert await amem.recall("hello", namespace="new-user") == []
    assert (await amem.facts(namespace="new-user")) == []
    async with Client(build_server(amem)) as client:
        recalled = await client.call_tool("recall", {"question": "What do you know about me?", "namespace": "new"})
        assert not recalled.is_error
        assert "memory holds nothing about this" in recalled.content[0].text  # type: ignore[union-attr]
        facts = await client.call_tool("facts", {"namespace": "new"})
        assert not facts.is_error and facts.structured_content["facts"] == []  # type: ignore[index]


@pytest.mark.parametrize(
    ("args", "empty_out"),
    [
        (["recall", "job", "-n", "chat-2", "--json"], '"hits": []'),
        (["recall", "job", "-n", "chat-2", "--speaker", "Ana"], "recall: job"),
        (["context", "job", "-n", "chat-2"], "memory holds nothing about this"),
        (["facts", "-n", "chat-2", "--entity", "Ana", "--json"], "[]"),
    ],
)
def test_the_cli_prints_the_empty_result_and_names_the_closest_namespace(
    memory: Memory, capsys: pytest.CaptureFixture[str], args: list[str], empty_out: str
) -> None:
    capsys.readouterr()
    assert main(["--db", str(memory.store.uri), *args]) == 0
    out, err = capsys.readouterr()
    assert empty_out in out
    note = [line for line in err.splitlines() if line.startswith("note:")]
    assert note == [f"note: namespace 'chat-2' holds no data in {memory.store.uri} (the closest that do: {NS})"]


def test_the_note_lists_the_namespaces_when_none_is_close(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with Memory.open(tmp_path / "empty"):
        pass
    assert main(["--db", str(tmp_path / "empty"), "facts", "-n", "zed"]) == 0
    err = capsys.readouterr().err
    assert "note: namespace 'zed' holds no data in " in err and err.rstrip().endswith("(namespaces that do: none)")
