"""The MCP server end to end: the SDK's own client spawns ``graphmem mcp`` and drives every tool."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from graphmem.cli.app import main
from graphmem.dates import DATE_FORMS
from graphmem.embed import Embedder
from graphmem.errors import MissingDependencyError
from graphmem.memory import Memory
from tests.agents.conftest import PYTHON, fill
from tests.recall.conftest import NS

mcp = pytest.importorskip("mcp", reason="the MCP SDK is the graphmem[mcp] extra (installed by the dev extra)")

from mcp import Client  # noqa: E402
from mcp.client.stdio import StdioServerParameters  # noqa: E402

pytestmark = pytest.mark.anyio

TOOLS = {
    "add_messages": ["namespace", "messages", "session", "participants"],
    "recall": ["question", "namespace", "k", "since", "until", "hops", "as_of", "speakers", "time_axis"],
    "query": ["query", "namespace", "params"],
    "timeline": ["entity", "namespace", "since", "until"],
    "facts": ["entity", "namespace", "valid_at", "predicate", "as_of", "all_time"],
    "forget": ["namespace", "event_id", "session", "about", "all"],
}


@pytest.fixture
def store(tmp_path: Path, embedder: Embedder) -> str:
    where = tmp_path / "mem"
    with Memory.open(where, embedder=embedder) as mem:
        fill(mem)
    return str(where)


def text_of(result: Any) -> str:
    return "\n".join(block.text for block in result.content if block.type == "text")


def cli_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """What the CLI prints on stderr for a failing command."""
    capsys.readouterr()
    assert main(argv) == 1
    return capsys.readouterr().err.strip()


async def test_an_agent_session_over_stdio(
    store: str, child_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    server = StdioServerParameters(command=PYTHON, args=["-m", "graphmem", "mcp", "--db", store], env=child_env)
    async with Client(server, read_timeout_seconds=120) as client:
        listed = {t.name: t for t in (await client.list_tools()).tools}
        assert {name: list(t.input_schema["properties"]) for name, t in listed.items()} == TOOLS
        for name, tool in listed.items():
            assert tool.description and len(tool.description) > 60, name
        assert listed["recall"].input_schema["required"] == ["question", "namespace"]
        assert listed["add_messages"].input_schema["properties"]["messages"]["type"] == "array"

        recalled = await client.call_tool("recall", {"question": "What is Ana's puppy called?", "namespace": NS})
        assert not recalled.is_error
        block = text_of(recalled)
        assert block.startswith(f"Memory of {NS!r}")
        assert "- Ana owns Biscuit (from 2024-03-08)" in block
        assert "Ana: Ben, I adopted a puppy named Biscuit! (why: " in block
        window = await client.call_tool(
            "recall", {"question": "puppy", "namespace": NS, "k": 3, "since": "2024-03-08", "until": "2024-03-09"}
        )
        assert "2024-03-08" in text_of(window) and "2024-03-15" not in text_of(window)
        # a zone in the dates, as the instructions allow: the recall raised TypeError (naive against aware)
        zoned = await client.call_tool(
            "recall",
            {
                "question": "puppy",
                "namespace": NS,
                "k": 3,
                "since": "2024-03-08T01:00+01:00",
                "until": "2024-03-09T00:00Z",
            },
        )
        assert not zoned.is_error, text_of(zoned)
        # the same events; the heading names each window's ends, the zoned ones read in UTC
        assert text_of(zoned).split("\n", 1)[1] == text_of(window).split("\n", 1)[1]
        assert "(facts valid between 2024-03-08 and 2024-03-09):" in text_of(window)
        assert "(facts valid between 2024-03-08 and 2024-03-09 00:00):" in text_of(zoned)

        # a DSL query with parameters, and a DSL error as a tool error with the CLI's message and caret
        rows = await client.call_tool(
            "query",
            {
                "query": "FIND (e:Event) WHERE e.speaker = $who RETURN count(*) AS n",
                "namespace": NS,
                "params": {"who": "Ben"},
            },
        )
        assert rows.structured_content["rows"] == [{"n": 7}]
        bad = await client.call_tool("query", {"query": "FIND (e:Event) RETRUN e", "namespace": NS})
        assert bad.is_error
        expected = cli_error(["query", "FIND (e:Event) RETRUN e", "--db", store, "-n", NS], capsys)
        assert expected.startswith("error: line 1, column 16: unexpected name 'RETRUN'")
        assert expected in text_of(bad) and "^^^^^^" in text_of(bad)

        timeline = await client.call_tool("timeline", {"entity": "Biscuit", "namespace": NS, "until": "2024-03-20"})
        assert [e["event_id"] for e in timeline.structured_content["events"]] == ["s2:1", "s2:3", "s3:4"]
        unknown = await client.call_tool("timeline", {"entity": "Biscit", "namespace": NS})
        assert unknown.is_error
        assert "closest: 'Biscuit'" in text_of(unknown)

        facts = await client.call_tool("facts", {"entity": "Ben", "namespace": NS, "valid_at": "2021-06-01"})
        assert [f["predicate"] for f in facts.structured_content["facts"]] == ["lives_in"]
        bad_date = await client.call_tool("facts", {"entity": "Ben", "namespace": NS, "valid_at": "June"})
        assert bad_date.is_error and "valid_at: 'June' is not a date" in text_of(bad_date)

        gone = await client.call_tool("forget", {"namespace": NS, "event_id": "s2:1"})
        assert gone.structured_content["deleted"]["events"] == 1
        after = await client.call_tool("recall", {"question": "What is Ana's puppy called?", "namespace": NS})
        assert "adopted a puppy named Biscuit" not in text_of(after)
        bad_ns = await client.call_tool("forget", {"namespace": "no such/ns", "event_id": "x"})
        assert bad_ns.is_error and text_of(bad_ns).count("error: ") == 1
        assert cli_error(["forget", "--db", store, "-n", "no such/ns", "--event", "x"], capsys) in text_of(bad_ns)

        resources = {str(r.uri) for r in (await client.list_resources()).resources}
        assert resources == {"graphmem://docs/dsl", "graphmem://namespaces"}
        dsl = (await client.read_resource("graphmem://docs/dsl")).contents[0]
        assert "# The graphmem query language" in dsl.text  # type: ignore[union-attr]
        spaces = (await client.read_resource("graphmem://namespaces")).contents[0]
        assert json.loads(spaces.text) == [NS]  # type: ignore[union-attr]

        # a whole namespace goes when asked for with all; the server is still up after every error
        wiped = await client.call_tool("forget", {"namespace": NS, "all": True})
        assert wiped.structured_content["deleted"]["events"] == 13
        spaces = (await client.read_resource("graphmem://namespaces")).contents[0]
        assert json.loads(spaces.text) == []  # type: ignore[union-attr]


async def test_add_messages_then_recall_over_stdio(store: str, child_env: dict[str, str]) -> None:
    server = StdioServerParameters(command=PYTHON, args=["-m", "graphmem", "mcp", "--db", store], env=child_env)
    async with Client(server, read_timeout_seconds=120) as client:
        # remember, then recall what was remembered
        added = await client.call_tool(
            "add_messages",
            {
                "namespace": NS,
                "messages": [
                    {
                        "speaker": "Ana",
                        "text": "Biscuit won first prize at the dog show in Leeds!",
                        "time": "2024-04-02T18:00",
                    },
                    {"speaker": "Ben", "text": "Brilliant, she earned a new squeaky toy."},
                ],
            },
        )
        assert not added.is_error, text_of(added)
        ids = added.structured_content["event_ids"]
        assert len(ids) == 2
        recalled = await client.call_tool("recall", {"question": "Where was the dog show?", "namespace": NS})
        assert not recalled.is_error
        block = text_of(recalled)
        assert block.startswith(f"Memory of {NS!r}")
        assert "Ana: Biscuit won first prize at the dog show in Leeds!" in block and "(why: " in block
        gone = await client.call_tool("forget", {"namespace": NS, "event_id": ids[0]})
        assert gone.structured_content["deleted"]["events"] == 1
        after = await client.call_tool("recall", {"question": "Where was the dog show?", "namespace": NS})
        assert "dog show in Leeds" not in text_of(after)
        rows = await client.call_tool("query", {"query": "FIND (e:Event) RETURN count(*) AS n", "namespace": NS})
        assert rows.structured_content["rows"] == [{"n": 15}]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_streamable_http_on_loopback(store: str, child_env: dict[str, str]) -> None:
    import os

    port = _free_port()
    env = {**os.environ, **child_env}
    argv = [PYTHON, "-m", "graphmem", "mcp", "--db", store, "--transport", "http", "--port", str(port)]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:  # wait until it listens (bounded)
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "the HTTP server did not start"
            time.sleep(0.2)
        async with Client(f"http://127.0.0.1:{port}/mcp", read_timeout_seconds=120) as client:
            result = await client.call_tool("recall", {"question": "Who plays the cello?", "namespace": NS})
            assert not result.is_error
            assert "Ben plays cello" in text_of(result) and "I started learning the cello" in text_of(result)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stderr:
            proc.stderr.close()


def test_missing_sdk_names_the_install_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from graphmem.mcp_server import build_server, serve

    monkeypatch.setitem(sys.modules, "mcp", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'graphmem\[mcp\]'"):
        build_server(None)  # type: ignore[arg-type]
    with pytest.raises(MissingDependencyError, match=r"pip install 'graphmem\[mcp\]'"):
        serve("unused")


def test_the_server_freezes_what_its_process_holds_before_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``serve`` owns its process: the memory open and the server built, it collects once and freezes, so
    full collections later visit only what was made since (docs/scale.md). Frozen here: nothing (recorded)."""
    import gc

    from graphmem import mcp_server

    steps: list[str] = []

    class Served:
        async def run_stdio_async(self) -> None:
            steps.append("serving")

    def built(amem: Any) -> Served:
        steps.append("built")
        return Served()

    monkeypatch.setattr(gc, "freeze", lambda: steps.append("frozen"))
    monkeypatch.setattr(gc, "unfreeze", lambda: steps.append("unfrozen"))
    monkeypatch.setattr(mcp_server, "build_server", built)
    mcp_server.serve(str(tmp_path / "db"))
    assert steps == ["built", "frozen", "serving", "unfrozen"]  # serve() leaves the GC as it found it


def test_an_until_date_means_its_whole_day() -> None:
    # The tools read "2024-03-08" as that day's midnight, so until= left out the whole day.
    from datetime import datetime

    from graphmem.errors import ConfigError
    from graphmem.mcp_server import parse_when

    assert parse_when("2024-03-08", "until", until=True) == datetime(2024, 3, 8, 23, 59, 59, 999999)
    assert parse_when("2024-03-08T10:00", "until", until=True) == datetime(2024, 3, 8, 10)
    assert parse_when("2024-03-08", "since") == datetime(2024, 3, 8)
    assert parse_when("20240308", "until", until=True) == datetime(2024, 3, 8, 23, 59, 59, 999999)
    assert parse_when("9999-12-31", "until", until=True) == datetime.max
    with pytest.raises(ConfigError, match="until: 'soon' is not a date"):
        parse_when("soon", "until", until=True)


async def test_bad_arguments_are_tool_errors_naming_them_and_the_server_keeps_serving(tmp_path: Path) -> None:
    """An agent's session in process (the SDK client on the server object): each bad call is a tool error
    that names the argument at fault, and the calls after it are served."""
    from graphmem import AsyncMemory
    from graphmem.extract.nlp import load_nlp
    from graphmem.mcp_server import build_server
    from tests.ingest.fakes import FakeEmbedder

    async with AsyncMemory.open(tmp_path / "mem", embedder=FakeEmbedder(), nlp=load_nlp()) as amem:
        async with Client(build_server(amem)) as client:
            said = {"speaker": "Ana", "text": "I adopted a beagle called Biscuit.", "time": "2024-03-08T10:00"}
            added = await client.call_tool("add_messages", {"namespace": "ana", "messages": [said]})
            assert added.structured_content["event_ids"] == ["ev:session_1:1"]
            bad_calls = [
                ("add_messages", {"namespace": "ana", "messages": "hello"}, "messages"),
                ("add_messages", {"namespace": "ana", "messages": [{"speaker": "Ana"}]}, "messages at $[0]"),
                ("add_messages", {"namespace": "ana", "messages": [{**said, "time": "soon"}]}, "$[0].time"),
                ("add_messages", {"namespace": "ana", "messages": [{**said, "speaker": 7}]}, "$[0].speaker"),
                ("add_messages", {"namespace": "a b", "messages": [said]}, "namespace 'a b'"),
                ("add_messages", {"namespace": "ana"}, "messages"),
                ("recall", {"question": "dog", "namespace": "ana", "k": 0}, "k"),
                ("recall", {"question": "dog", "namespace": "ana", "since": "garbage"}, "since"),
                ("recall", {"question": "", "namespace": "ana"}, "question"),
                ("facts", {"entity": "Ana", "namespace": "ana", "valid_at": "June"}, "valid_at"),
                ("facts", {"entity": "Zed", "namespace": "ana"}, "'Zed'"),
                ("forget", {"namespace": "ana", "event_id": "ev:session_1:9"}, "'ev:session_1:9'"),
                ("forget", {"namespace": "ana", "event_id": 5}, "event_id"),
                ("query", {"query": 'FIND (e:Event) IN "anna" RETURN e'}, "line 1, column 19: namespace 'anna'"),
            ]
            for tool, arguments, named in bad_calls:
                result = await client.call_tool(tool, arguments)
                assert result.is_error, (tool, arguments)
                assert named in text_of(result), (named, text_of(result))
            recalled = await client.call_tool("recall", {"question": "Which dog did Ana adopt?", "namespace": "ana"})
            assert not recalled.is_error and "Ana: I adopted a beagle called Biscuit." in text_of(recalled)
            gone = await client.call_tool("forget", {"namespace": "ana", "event_id": "ev:session_1:1"})
            assert gone.structured_content["deleted"]["events"] == 1
        assert (await amem.stats("ana")).events == 0


async def test_arguments_the_schema_rejects_are_named_in_the_cli_form(tmp_path: Path) -> None:
    """They came back as pydantic's report (``1 validation error for add_messagesArguments``, a
    pydantic.dev link) where every other error is the CLI's ``error: …`` line."""
    from graphmem import AsyncMemory
    from graphmem.mcp_server import build_server
    from tests.ingest.fakes import FakeEmbedder

    rejected = [
        ("add_messages", {"namespace": "n", "messages": "hello"}, "messages: must be a valid list, not 'hello' (str)"),
        ("recall", {"question": "q", "namespace": "n", "k": 0}, "k: must be greater than or equal to 1, not 0 (int)"),
        ("facts", {"entity": "Ana"}, "namespace: missing (a required argument)"),
        (  # every argument at fault, in one line
            "recall",
            {"question": "q", "namespace": "n", "hops": "x", "k": -1},
            "k: must be greater than or equal to 1, not -1 (int); hops: must be a valid integer, unable to parse "
            "string as an integer, not 'x' (str)",
        ),
    ]
    async with (
        AsyncMemory.open(tmp_path / "mem", embedder=FakeEmbedder()) as amem,
        Client(build_server(amem)) as client,
    ):
        for tool, arguments, said in rejected:
            result = await client.call_tool(tool, arguments)
            assert result.is_error
            assert text_of(result) == f"Error executing tool {tool}: error: {said}"


async def test_the_tools_take_the_options_of_their_python_and_cli_twins(
    memory: Memory, capsys: pytest.CaptureFixture[str]
) -> None:
    """facts: predicate, valid_at, as_of, all_time and no entity mean what they mean to Memory.facts;
    recall: hops, as_of, speakers and time_axis what they mean to graphmem recall; bad values are tool
    errors with the messages the API and the CLI give (a bad date names the argument and the forms)."""
    from datetime import datetime

    from graphmem import AsyncMemory
    from graphmem.mcp_server import build_server
    from graphmem.recall import RecallRequest

    amem = AsyncMemory(memory)
    async with Client(build_server(amem)) as client:

        async def facts(**arguments: Any) -> list[str]:
            result = await client.call_tool("facts", {"namespace": NS, **arguments})
            assert not result.is_error, text_of(result)
            return [f["fact_id"] for f in result.structured_content["facts"]]

        def twin(entity: str | None = None, **options: Any) -> list[str]:
            return [s.fact.id for s in memory.facts(entity, namespace=NS, **options)]

        assert await facts(entity="Ana") == twin("Ana") == ["f:owns"]
        assert await facts() == twin() == ["f:cello", "f:owns"]  # no entity: every fact of the namespace
        assert await facts(predicate="plays") == twin(predicate="plays") == ["f:cello"]
        assert await facts(entity="Ana", all_time=True) == twin("Ana", all_time=True) == ["f:retired", "f:owns"]
        # as_of a day: what memory believed at its end (the retired fact was held on 1 March, not later)
        assert await facts(entity="Ana", as_of="2024-03-01") == twin("Ana", as_of=datetime(2024, 3, 1, 23, 59))
        assert await facts(entity="Ana", as_of="2024-03-01") == ["f:retired"]
        assert await facts(entity="Ben", valid_at="2021-06-01") == ["f:lived"]

        async def error(tool: str, **arguments: Any) -> str:
            result = await client.call_tool(tool, {"namespace": NS, **arguments})
            assert result.is_error, (tool, arguments)
            return text_of(result)

        capsys.readouterr()
        assert main(["facts", "--db", str(memory.store.uri), "-n", NS, "--as-of", "June"]) == 2  # a usage error
        cli = capsys.readouterr().err
        forms = f"'June' is not a date: write {DATE_FORMS}"
        assert forms in cli
        assert f"as_of: {forms}" in await error("facts", entity="Ana", as_of="June")
        assert f"valid_at: {forms}" in await error("facts", valid_at="June")
        assert "all_time reads every fact version" in await error("facts", all_time=True, valid_at="2024-01-01")
        assert "predicate 'play'; closest: 'plays'" in await error("facts", predicate="play")

        # recall: the CLI's options, built into the same RecallRequest
        async def recall(**arguments: Any) -> str:
            result = await client.call_tool("recall", {"question": "puppy", "namespace": NS, "k": 3, **arguments})
            assert not result.is_error, text_of(result)
            return text_of(result)

        async def context(**options: Any) -> str:
            return (await amem.context_for(RecallRequest.of("puppy", namespace=NS, k=3, **options))).text

        by_ben = await recall(speakers=["ben"])
        assert by_ben == await context(speakers=["ben"])
        assert "Ben: " in by_ben and "Ana: " not in by_ben.split("Events")[1]
        assert await recall(hops=0) == await context(hops=0)
        earlier = await recall(as_of="2024-03-08")
        assert earlier == await context(as_of=datetime(2024, 3, 8, 23, 59, 59, 999999))
        assert "2024-03-15" not in earlier and "2024-03-08" in earlier
        assert await recall(time_axis="said", since="2024-03-08") == await context(
            time_axis="said", since=datetime(2024, 3, 8)
        )
        assert "no speaker 'Zed' in namespace" in await error("recall", question="puppy", speakers=["Zed"])
        assert "as_of: 'soon' is not a date" in await error("recall", question="puppy", as_of="soon")
        too_far = await error("recall", question="puppy", hops=1000)
        assert "hops must be from 0 to 6, not 1000" in too_far
        assert cli_error(["recall", "puppy", "--db", str(memory.store.uri), "-n", NS, "--hops", "1000"], capsys) in (
            too_far
        )


async def test_facts_keeps_its_python_argument_order_and_the_schema_its_bounds(memory: Memory) -> None:
    """GraphmemTools.facts(entity, namespace, valid_at) as before entity became optional; the schema still
    requires namespace, and shows recall's hop bounds."""
    from graphmem import AsyncMemory
    from graphmem.mcp_server import GraphmemTools, build_server

    tools = GraphmemTools(AsyncMemory(memory))
    assert [f["fact_id"] for f in (await tools.facts("Ana", NS))["facts"]] == ["f:owns"]
    assert [f["fact_id"] for f in (await tools.facts("Ben", NS, "2021-06-01"))["facts"]] == ["f:lived"]
    async with Client(build_server(AsyncMemory(memory))) as client:
        schemas = {t.name: t.input_schema for t in (await client.list_tools()).tools}
    assert schemas["facts"]["required"] == ["namespace"]
    assert list(schemas["facts"]["properties"])[:3] == ["entity", "namespace", "valid_at"]
    hops = schemas["recall"]["properties"]["hops"]
    assert (hops["minimum"], hops["maximum"]) == (0, 6)
