"""The Claude extractor's requests: options checked up front, what a timeout, a cut-off answer or a body
that is not a Messages answer is reported as, an API that keeps failing stopping an ingest, and what the
requests cost (recorded-answer stub and injected clients)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from graphmem.errors import ConfigError, ExtractionError, ExtractorUnavailableError
from graphmem.extract.claude import ClaudeExtractor
from graphmem.transcript import Transcript
from tests.extract import test_claude as base
from tests.extract.test_claude import Stub, recorded
from tests.extract.test_claude_failures import cut_off, fact_answer

# the recorded-answer stub and the extractor asking it, as in test_claude.py
stub, sleeps, make = base.stub, base.sleeps, base.make

pytestmark = pytest.mark.llm


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("backoff", -1),
        ("max_backoff", -5),
        ("max_tokens", -3),
        ("max_tokens", 0),
        ("max_tokens", 2.5),
        ("timeout", 0),
        ("timeout", -1.0),
        ("timeout", float("nan")),
        ("batch_size", 0),
        ("max_retries", -1),
    ],
)
def test_options_are_checked_up_front(option: str, value: Any) -> None:
    with pytest.raises(ConfigError, match=rf"Claude extractor's {option} must be"):
        ClaudeExtractor(api_key="k", **{option: value})


def client(network: Any, **options: Any) -> Any:
    """An Anthropic client whose HTTP requests go to ``network`` (a function of the request)."""
    import anthropic
    import httpx2

    return anthropic.Anthropic(
        api_key="k",
        base_url="http://api.test",
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(network)),
        **options,
    )


def test_a_timeout_is_reported_as_a_timeout_naming_the_option(
    tmp_path: Path, transcript: Transcript, sleeps: list[float]
) -> None:
    import httpx2

    sent: list[str] = []

    def network(request: httpx2.Request) -> httpx2.Response:
        sent.append(str(request.url))
        raise httpx2.ReadTimeout("timed out", request=request)

    ex = ClaudeExtractor(
        client=client(network), cache_dir=tmp_path, sleep=sleeps.append, max_retries=1, timeout=7, now=base.NOW
    )
    with pytest.raises(ExtractorUnavailableError) as caught:
        ex.extract(transcript)
    message = str(caught.value)
    assert "http://api.test/v1/messages did not answer within timeout=7 s" in message
    assert "2 attempt(s) timed out" in message and "--extractor-option timeout=" in message
    assert "check base_url" not in message and len(sent) == 2


def test_a_turn_cut_off_names_the_max_tokens_it_was_asked_with(make: Any, stub: Stub, transcript: Transcript) -> None:
    stub.answer(cut_off(recorded("claude_session_1.json")))
    with pytest.raises(ExtractionError, match=r"cut off at max_tokens=100000;.*--extractor-option max_tokens="):
        make(batch_size=1, max_tokens=100000).extract(transcript)
    # more than the models' output limit already: not asked again with "more"
    assert [r["body"]["max_tokens"] for r in stub.requests] == [100000]


def test_a_json_body_that_is_not_a_messages_answer_names_the_endpoint(
    make: Any, stub: Stub, transcript: Transcript
) -> None:
    stub.answer({"error": "blocked by policy"})
    with pytest.raises(ExtractionError, match=rf"{re.escape(stub.url)}/v1/messages answered with a body that is not"):
        make().extract(transcript)


def test_usage_counts_requests_tokens_and_cache_hits(make: Any, stub: Stub, transcript: Transcript) -> None:
    for name in ("claude_session_1.json", "claude_session_2.json"):
        answer = recorded(name)
        answer["usage"] = {"input_tokens": 1000, "output_tokens": 200}
        stub.answer(answer)
    ex = make()
    ex.extract(transcript)
    assert ex.usage() == {
        "requests": 2,
        "input_tokens": 2000,
        "output_tokens": 400,
        "cache_hits": 0,
        "dropped": 1,
        "untyped": 0,
    }
    again = make()
    again.extract(transcript)
    assert again.usage() == {
        "requests": 0,
        "input_tokens": 0,
        "output_tokens": 0,
        "cache_hits": 2,
        "dropped": 1,
        "untyped": 0,
    }


def test_an_api_that_keeps_failing_stops_a_folder_ingest_naming_the_files(tmp_path: Path, sleeps: list[float]) -> None:
    import httpx2

    from graphmem.memory import Memory
    from tests.support.talk import NoEmbedder, write_talk

    sent: list[str] = []

    def network(request: httpx2.Request) -> httpx2.Response:
        sent.append(str(request.url))
        if len(sent) == 1:
            return httpx2.Response(200, json=fact_answer("T1", "tea"))
        return httpx2.Response(529, json={"type": "error", "error": {"type": "overloaded_error", "message": "busy"}})

    ex = ClaudeExtractor(
        client=client(network), cache_dir=tmp_path / "cache", sleep=sleeps.append, max_retries=2, now=base.NOW
    )
    files = [
        write_talk(tmp_path / f"{n}.txt", ("10 January 2024", f"[18:00] Caroline: I like {drink}.\n"))
        for n, drink in enumerate(("tea", "coffee", "cocoa", "juice"))
    ]
    with Memory.open(tmp_path / "db", embedder=NoEmbedder()) as mem:  # type: ignore[arg-type]
        summary = mem.ingest(files, extractor=ex, embed=False, namespace="t")
        assert summary.files_ok == 1 and summary.files_failed == 1
        assert {e.name for e in mem.store.iter_entities("t")} >= {"tea"}  # what was stored stays
    # one request's retries, not every file's
    assert len(sent) == 1 + 3 and len(sleeps) == 2
    assert summary.stopped is not None and "kept failing after 3 attempts: HTTP 529" in summary.stopped
    assert str(files[1]) in summary.stopped and "2 later input(s) not read" in summary.stopped
    assert summary.errors[0][0] == str(files[1])
