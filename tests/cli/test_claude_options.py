"""The claude extractor from the command line and from a memory's setting: ``--extractor-option
KEY=VALUE`` reaches the requests, bad settings are named before a store is made, the ingest summary
reports what the run asked of the API, and ``Memory.add`` / ``graphmem add`` extract with the memory's
extractor (``GRAPHMEM_EXTRACTOR``, ``extractor=``; recorded-answer stub)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from graphmem.cli import main
from graphmem.errors import ConfigError
from graphmem.memory import Memory
from graphmem.settings import Settings
from tests.extract import test_claude as base
from tests.extract.test_claude import Stub, _answer
from tests.ingest.fakes import FakeEmbedder
from tests.support.talk import held

stub = base.stub

pytestmark = pytest.mark.llm


def lives(turn: str, place: str) -> dict[str, Any]:
    fact = {"subject": "Ana", "predicate": "lives_in", "object": place}
    answer = _answer([{"turn": turn, "facts": [fact]}], [{"name": place, "type": "Place"}])
    answer["usage"] = {"input_tokens": 300, "output_tokens": 40}
    return answer


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.setenv("GRAPHMEM_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    monkeypatch.delenv("GRAPHMEM_EXTRACTOR", raising=False)
    data = tmp_path / "chat.jsonl"
    data.write_text('{"speaker": "Ana", "text": "I live in Lisbon."}\n', encoding="utf-8")
    return data


def test_ingest_options_reach_the_requests_and_the_summary_counts_them(
    env: Path, stub: Stub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stub.answer(lives("T1", "Lisbon"))
    options = [f"base_url={stub.url}", "model=claude-test-1", "max_tokens=1234", "timeout=9", "max_retries=0"]
    args = ["--db", str(tmp_path / "db"), "ingest", str(env), "--extractor", "claude", "--no-embed", "--json"]
    assert main([*args, *(f"--extractor-option={o}" for o in options)]) == 0
    body = stub.requests[0]["body"]
    assert body["model"] == "claude-test-1" and body["max_tokens"] == 1234
    summary = json.loads(capsys.readouterr().out)
    usage = {"requests": 1, "input_tokens": 300, "output_tokens": 40, "cache_hits": 0, "dropped": 0, "untyped": 0}
    assert summary["usage"] == usage
    # the table says the same; the second run is answered by the cache
    env.write_text('{"speaker": "Ana", "text": "I live in Lisbon."}\n', encoding="utf-8")
    args = ["--db", str(tmp_path / "db2"), "ingest", str(env), "--extractor", "claude", "--no-embed"]
    assert main([*args, *(f"--extractor-option={o}" for o in options)]) == 0
    table = capsys.readouterr().out
    assert "Claude requests" in table and "answers from the cache" in table and len(stub.requests) == 1


def test_the_summary_counts_entities_of_no_declared_type(
    env: Path, stub: Stub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An entity whose type is none of the declared ones is stored as ``Thing`` and counted, in ``--json``
    (a new key beside the others) and in the table, as the other counters of the Claude extractor are."""
    answer = lives("T1", "Lisbon")
    answer["content"][0]["input"]["entities"][0]["type"] = "Vehicle"
    stub.answer(answer)
    args = ["--db", str(tmp_path / "db"), "ingest", str(env), "--extractor", "claude", "--no-embed"]
    assert main([*args, f"--extractor-option=base_url={stub.url}", "--json"]) == 0
    usage = json.loads(capsys.readouterr().out)["usage"]
    assert usage["untyped"] == 1 and usage["dropped"] == 0 and usage["requests"] == 1
    args[1] = str(tmp_path / "db2")
    assert main([*args, f"--extractor-option=base_url={stub.url}"]) == 0  # the table: answered by the cache
    table = capsys.readouterr().out
    assert re.search(r"entities of no declared type\W+1\b", table), table


def test_the_base_url_from_the_environment_is_used(
    env: Path, stub: Stub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", stub.url)
    stub.answer(lives("T1", "Lisbon"))
    assert main(["--db", str(tmp_path / "db"), "ingest", str(env), "--extractor", "claude", "--no-embed"]) == 0
    assert len(stub.requests) == 1


@pytest.mark.parametrize(
    ("option", "named"),
    [
        ("max_tokens=-3", "max_tokens must be"),
        ("backoff=-1", "backoff must be"),
        ("timeout=abc", "timeout='abc': expected a float"),
        ("colour=red", "'colour' is not a setting: choose from model, base_url"),
        ("model", "expected KEY=VALUE"),
    ],
)
@pytest.mark.parametrize("command", ["ingest", "add"])
def test_a_bad_option_is_named_before_a_store_is_made(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, named: str, command: str
) -> None:
    db = tmp_path / "new-store"
    args = [str(env)] if command == "ingest" else ["-n", "t", "--speaker", "Ana", "hi"]
    assert main(["--db", str(db), command, *args, "--extractor", "claude", "--extractor-option", option]) == 1
    assert named in capsys.readouterr().err
    assert not db.exists()


def test_an_option_for_spacy_is_refused(env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(tmp_path / "db"), "ingest", str(env), "--extractor-option", "model=x"]) == 1
    assert "--extractor claude" in capsys.readouterr().err


def test_memory_add_extracts_with_the_memory_s_extractor(
    env: Path, stub: Stub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GRAPHMEM_EXTRACTOR=claude: what Memory.open, graphmem add and the MCP server's add_messages read
    monkeypatch.setenv("ANTHROPIC_BASE_URL", stub.url)
    settings = Settings.from_env({**dict(__import__("os").environ), "GRAPHMEM_EXTRACTOR": "claude"})
    stub.answer(lives("T1", "Lisbon"))
    stub.answer(lives("T2", "Porto"))
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), settings=settings) as mem:
        assert mem.extractor == "claude"
        mem.add({"speaker": "Ana", "text": "I live in Lisbon.", "time": "2024-01-10T09:00:00"}, namespace="t")
        mem.add({"speaker": "Ana", "text": "Now I live in Porto.", "time": "2024-01-10T09:01:00"}, namespace="t")
        assert held(mem, "lives_in", namespace="t") == {"Porto"}
    assert len(stub.requests) == 2
    # the second add was read after the first (context), as live adds are
    assert "I live in Lisbon." in stub.requests[1]["body"]["messages"][0]["content"]


def test_an_extractor_given_to_open_is_used_and_a_wrong_name_is_refused(stub: Stub, tmp_path: Path) -> None:
    from graphmem.extract import get_extractor

    ex = get_extractor("claude", api_key="k", base_url=stub.url, cache_dir=tmp_path / "cache", model="claude-x")
    stub.answer(lives("T1", "Lisbon"))
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), extractor=ex) as mem:
        mem.add({"speaker": "Ana", "text": "I live in Lisbon."}, namespace="t")
        assert held(mem, "lives_in", namespace="t") == {"Lisbon"}
    assert stub.requests[0]["body"]["model"] == "claude-x"
    with pytest.raises(ConfigError, match="unknown extractor 'gpt'"):
        Memory.open(tmp_path / "db2", extractor="gpt")


@pytest.mark.parametrize(
    ("extractor_env", "flags", "model"),
    [
        (None, ["--extractor", "claude", "--extractor-option", "model=claude-mcp"], "claude-mcp"),
        ("claude", ["--extractor-option", "model=claude-env"], "claude-env"),  # the setting names the extractor
        ("claude", ["--extractor", "spacy"], None),  # the flag wins over the setting
        ("bogus", ["--extractor", "spacy"], None),  # and a bad setting is not read
    ],
    ids=["flag", "setting with options", "flag over setting", "flag over bad setting"],
)
def test_mcp_add_messages_extracts_with_the_extractor_flag(
    env: Path,
    stub: Stub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    extractor_env: str | None,
    flags: list[str],
    model: str | None,
) -> None:
    # graphmem mcp had no --extractor: its add_messages took GRAPHMEM_EXTRACTOR or spaCy only
    pytest.importorskip("mcp", reason="the MCP SDK is the graphmem[mcp] extra")
    from graphmem import mcp_server

    monkeypatch.setenv("ANTHROPIC_BASE_URL", stub.url)
    if extractor_env is not None:
        monkeypatch.setenv("GRAPHMEM_EXTRACTOR", extractor_env)
    stub.answer(lives("T1", "Lisbon"))
    _served_by(monkeypatch, mcp_server)
    assert main(["--db", str(tmp_path / "db"), "mcp", *flags]) == 0
    assert [r["body"]["model"] for r in stub.requests] == ([model] if model else [])
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), read_only=True) as mem:
        assert held(mem, "lives_in", namespace="t") == {"Lisbon"}


def _served_by(monkeypatch: pytest.MonkeyPatch, mcp_server: Any) -> None:
    """``serve`` runs one ``add_messages`` call instead of serving, on a memory with a fake embedder."""
    from graphmem.mcp_server import GraphmemTools

    class Served:
        def __init__(self, amem: Any) -> None:
            self.tools = GraphmemTools(amem)

        async def run_stdio_async(self) -> None:
            await self.tools.add_messages("t", [{"speaker": "Ana", "text": "I live in Lisbon."}])

    opened = Memory.open
    monkeypatch.setattr(mcp_server, "build_server", Served)
    monkeypatch.setattr(Memory, "open", lambda where, **kw: opened(where, **{"embedder": FakeEmbedder(), **kw}))


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--extractor-option", "model=x"], "--extractor-option sets the claude extractor: add --extractor claude"),
        (["--extractor", "claude", "--extractor-option", "colour=red"], "'colour' is not a setting"),
    ],
)
def test_a_bad_mcp_extractor_flag_is_named_before_the_store_is_opened(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], named: str
) -> None:
    assert main(["--db", str(tmp_path / "db"), "mcp", *flags]) == 1
    assert named in capsys.readouterr().err
    assert not (tmp_path / "db").exists()
