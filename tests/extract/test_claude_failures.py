"""The Claude extractor when the API misbehaves: cut-off answers, bad keys, bodies that are not JSON, an
endpoint that cannot be reached, retry delays, turn ids of another shape (recorded-answer stub)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from graphmem.errors import ExtractionError
from graphmem.transcript import Transcript
from tests.extract import test_claude as base
from tests.extract.test_claude import Stub, _answer, recorded

# the recorded-answer stub and the extractor asking it, as in test_claude.py
stub, sleeps, make = base.stub, base.sleeps, base.make

pytestmark = pytest.mark.llm


def cut_off(payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` as an answer that ran out of tokens: its tool input still parses, but is partial."""
    cut = copy.deepcopy(payload)
    cut["stop_reason"] = "max_tokens"
    cut["content"][0]["input"]["events"] = cut["content"][0]["input"]["events"][:1]
    return cut


def fact_answer(turn: str, obj: str) -> dict[str, Any]:
    fact = {"subject": "Caroline", "predicate": "said_about", "object": obj}
    return _answer([{"turn": turn, "facts": [fact]}], [{"name": obj, "type": "Topic"}])


def cached(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache").rglob("*.json"))


def test_a_cut_off_answer_is_split_never_used_or_cached(
    make: Any, stub: Stub, transcript: Transcript, tmp_path: Path
) -> None:
    stub.answer(cut_off(recorded("claude_session_1.json")))  # the 4 turns of session 1: cut off
    stub.answer(fact_answer("T1", "sunset"))  # turns 1-2
    stub.answer(fact_answer("T3", "London"))  # turns 3-4
    stub.answer(recorded("claude_session_2.json"))
    ex = make()
    batch = ex.extract(transcript)
    asked = [r["body"]["messages"][0]["content"].split("Turns:")[1] for r in stub.requests]
    turns = [len(re.findall(r"^T\d+ \[", a, re.M)) for a in asked]
    assert turns == [4, 2, 2, 2]
    # the second half is read after the first (as context, not annotated)
    assert "Earlier turns" in stub.requests[2]["body"]["messages"][0]["content"]
    topics = {e.name for e in batch.entities}
    assert {"sunset", "London"} <= topics
    assert "LGBTQ support group" not in topics  # nothing of the partial answer is kept
    entries = [json.loads(path.read_text()) for path in cached(tmp_path)]
    # the two halves and session 2, never the cut-off answer: only that it was cut off, at which max_tokens
    assert len(entries) == 4 and {"cut_off": 8192} in entries
    again = make()
    # that the whole group was cut off is remembered: a later run goes straight to the cached halves
    assert again.extract(transcript) == batch
    assert again.calls == 0 and len(stub.requests) == 4
    assert again.usage() == {
        "requests": 0,
        "input_tokens": 0,
        "output_tokens": 0,
        "cache_hits": 4,
        "dropped": 1,
        "untyped": 0,
    }
    # asked with more tokens, the group is asked for again (it may fit now)
    stub.answer(recorded("claude_session_1.json"))
    more = make(max_tokens=20000)
    more.extract(transcript)
    assert more.calls == 1 and stub.requests[-1]["body"]["max_tokens"] == 20000


def test_a_single_turn_cut_off_twice_is_an_error_naming_it(
    make: Any, stub: Stub, transcript: Transcript, tmp_path: Path
) -> None:
    one = cut_off(recorded("claude_session_1.json"))
    stub.answer(one)
    stub.answer(one)
    with pytest.raises(ExtractionError, match=r"mem\.json: session .*D1:1.*cut off at max_tokens=2000"):
        make(batch_size=1, max_tokens=1000).extract(transcript)
    assert [r["body"]["max_tokens"] for r in stub.requests] == [1000, 2000]
    assert [json.loads(path.read_text()) for path in cached(tmp_path)] == [{"cut_off": 2000}]
    # a later run says the same without asking again
    with pytest.raises(ExtractionError, match=r"cut off at max_tokens=2000"):
        make(batch_size=1, max_tokens=1000).extract(transcript)
    assert len(stub.requests) == 2


def test_a_key_with_a_trailing_newline_is_stripped(make: Any, stub: Stub, transcript: Transcript) -> None:
    stub.answer(recorded("claude_session_1.json"))
    stub.answer(recorded("claude_session_2.json"))
    make(api_key="  sk-test-key\n").extract(transcript)  # as `$(cat key.txt)` or a .env line gives it
    headers = {k.lower(): v for k, v in stub.requests[0]["headers"].items()}
    sent = headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ")
    assert sent == "sk-test-key"


@pytest.mark.parametrize("key", ["sk-secret part", "sk-secret\npart", "sk-secret\x00part"])
def test_a_key_with_whitespace_inside_is_a_config_error_not_showing_it(key: str) -> None:
    from graphmem.errors import ConfigError
    from graphmem.extract.claude import ClaudeExtractor

    with pytest.raises(ConfigError, match="API key") as info:
        ClaudeExtractor(api_key=key)
    assert "secret" not in str(info.value) and "part" not in str(info.value)


def chain(exc: BaseException | None) -> str:
    """The text of ``exc`` and every exception chained to it."""
    text = []
    while exc is not None:
        text.append(f"{exc!s} {exc!r}")
        exc = exc.__cause__ or exc.__context__
    return "\n".join(text)


def test_a_header_the_http_library_refuses_is_not_retried_and_the_key_not_shown(
    stub: Stub, tmp_path: Path, transcript: Transcript, sleeps: list[float]
) -> None:
    import anthropic

    from graphmem.extract.claude import ClaudeExtractor

    client = anthropic.Anthropic(api_key="sk-secret\nkey", base_url=stub.url, max_retries=0)
    ex = ClaudeExtractor(client=client, cache_dir=tmp_path, sleep=sleeps.append, now=base.NOW)
    with pytest.raises(ExtractionError, match="could not be sent") as info:
        ex.extract(transcript)
    assert ex.calls == 1 and sleeps == [] and stub.requests == []
    assert "secret" not in chain(info.value)


@pytest.mark.parametrize("content_type", ["application/json", "text/html; charset=utf-8"])
def test_a_page_in_place_of_the_api_names_the_endpoint(
    make: Any, stub: Stub, transcript: Transcript, tmp_path: Path, content_type: str
) -> None:
    page = b"<html><body><h1>Proxy Authentication Required</h1></body></html>"
    stub.answer(page, headers={"content-type": content_type})
    with pytest.raises(ExtractionError, match=rf"{re.escape(stub.url)}/v1/messages answered with a body that is not"):
        make().extract(transcript)
    assert len(stub.requests) == 1 and cached(tmp_path) == []


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (bound, then closed)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_endpoint_names_its_url(make: Any, transcript: Transcript, sleeps: list[float]) -> None:
    from graphmem.errors import ExtractorUnavailableError

    url = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(
        ExtractorUnavailableError, match=rf"cannot reach the Claude API at {re.escape(url)}/v1/messages"
    ):
        make(base_url=url, max_retries=2).extract(transcript)
    assert len(sleeps) == 2


def test_an_ingest_stops_at_an_unreachable_endpoint_keeping_what_was_written(
    tmp_path: Path, sleeps: list[float]
) -> None:
    import anthropic
    import httpx2

    from graphmem.extract.claude import ClaudeExtractor
    from graphmem.memory import Memory
    from tests.support.talk import NoEmbedder, write_talk

    sent: list[str] = []

    def network(request: httpx2.Request) -> httpx2.Response:
        sent.append(str(request.url))
        if len(sent) > 1:  # the endpoint went away after the first answer
            raise httpx2.ConnectError("[Errno 111] Connection refused", request=request)
        return httpx2.Response(200, json=fact_answer("T1", "tea"))

    client = anthropic.Anthropic(
        api_key="k",
        base_url="http://api.test",
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(network)),
    )
    ex = ClaudeExtractor(client=client, cache_dir=tmp_path / "cache", sleep=sleeps.append, max_retries=3, now=base.NOW)
    files = [
        write_talk(tmp_path / f"{n}.txt", ("10 January 2024", f"[18:00] Caroline: I like {drink}.\n"))
        for n, drink in enumerate(("tea", "coffee", "cocoa", "juice"))
    ]
    with Memory.open(tmp_path / "db", embedder=NoEmbedder()) as mem:  # type: ignore[arg-type]
        summary = mem.ingest(files, extractor=ex, embed=False, namespace="t")
        assert summary.files_ok == 1 and summary.files_failed == 1
        assert summary.turns == 1 and {e.name for e in mem.store.iter_entities("t")} >= {"tea"}
    # one request's retries, not every file's: the files after the failed one are not tried
    assert len(sent) == 1 + 4 and len(sleeps) == 3
    assert summary.stopped is not None and "http://api.test/v1/messages" in summary.stopped
    assert "2 later input(s) not read" in summary.stopped
    assert summary.errors[0][0] == str(files[1]) and "cannot reach" in summary.errors[0][1]


def test_the_jitter_never_takes_a_delay_past_max_backoff(
    make: Any, stub: Stub, transcript: Transcript, sleeps: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("graphmem.extract.claude_api._jitter", lambda: 0.99)  # the most jitter
    for _ in range(4):
        stub.fail(500, "api_error")
    with pytest.raises(ExtractionError):
        make(max_retries=3, backoff=1.0, max_backoff=2.0).extract(transcript)
    assert sleeps == [1.099, 2.0, 2.0]


def test_retry_after_in_milliseconds_and_as_an_http_date(
    make: Any, stub: Stub, transcript: Transcript, sleeps: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    from email.utils import formatdate

    from graphmem.extract.claude_api import retry_after

    monkeypatch.setattr("graphmem.extract.claude_api._jitter", lambda: 0.0)
    stub.fail(429, "rate_limit_error", {"retry-after-ms": "2500"})
    stub.answer(recorded("claude_session_1.json"))
    stub.fail(529, "overloaded_error", {"retry-after": formatdate(2_000_000_000 + 20, usegmt=True)})
    stub.answer(recorded("claude_session_2.json"))
    monkeypatch.setattr("graphmem.extract.claude_api._clock", lambda: 2_000_000_000.0)
    make(backoff=0.5).extract(transcript)
    assert sleeps == [2.5, 20.0]
    assert retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, now=1445412470.0) == 10.0
    assert retry_after({"retry-after": "soon"}) is None and retry_after({}) is None


def test_turn_ids_as_numbers_or_input_ids_are_read_and_the_rest_counted(
    make: Any, stub: Stub, transcript: Transcript, caplog: pytest.LogCaptureFixture
) -> None:
    def said(turn: Any, obj: str) -> dict[str, Any]:
        return {"turn": turn, "facts": [{"subject": "Caroline", "predicate": "said_about", "object": obj}]}

    events = [said(1, "support"), said("2", "sunset"), said("D1:3", "Paris"), said("t 4", "London"), said("T9", "kids")]
    stub.answer(
        _answer(events, [{"name": n, "type": "Topic"} for n in ("support", "sunset", "Paris", "London", "kids")])
    )
    stub.answer(_answer([said(7, "pottery")], [{"name": "pottery", "type": "Topic"}]))  # session 2 has turns 1-2
    ex = make()
    with caplog.at_level("WARNING", logger="graphmem.extract.claude"):
        batch = ex.extract(transcript)
    by_id = {e.id: e for e in batch.entities}
    source = {e.id: e.source_id for e in batch.events}
    told = {by_id[f.object_id].name: source[f.evidence[0]] for f in batch.facts}
    assert told == {"support": "D1:1", "sunset": "D1:2", "Paris": "D1:3", "London": "D1:4"}
    assert ex.dropped_turns == 2
    assert "'T9'" in caplog.text and "named no turn of the request" in caplog.text and "7" in caplog.text
    # each warning names the request it is about (file, session, turns and lines), as the CLI shows it
    assert "warning: mem.json, session session_1, turns T1–T4 (mem.json:1–4): 1 entry" in caplog.text
    assert "warning: mem.json, session session_2, turns T1–T2 (mem.json:1–2): 1 entry" in caplog.text
    assert ex.dropped == 2


def test_predicates_are_the_vocabulary_s_and_past_states_are_told_as_over(make: Any, stub: Stub) -> None:
    from datetime import datetime

    from graphmem.models import OVER_PHRASE
    from graphmem.transcript import RawSession, RawTurn

    said = datetime(2024, 3, 3, 10)
    text = (
        "I worked at Acme, lived in Porto and studied at Uni Porto; I live in Lisbon. Clara is my sister, "
        "Rui my best friend and Tomás a friend of the family. Lisbon is the capital of Portugal."
    )
    turns = (RawTurn("Priya", text, timestamp=said),)
    transcript = Transcript("p", (RawSession("s1", 0, turns, started_at=said),))
    facts = [
        ("worked_at", "Acme"),
        ("lived in", "Porto"),
        ("lives in", "Lisbon"),
        ("studied_at", "Uni Porto"),
        ("friend_of_the_family_of", "Tomás"),
        ("capital_of", "Portugal"),
        ("best_friend_of", "Rui"),
        ("sister_of", "Clara"),
    ]
    stub.answer(
        _answer(
            [{"turn": "T1", "facts": [{"subject": "Priya", "predicate": p, "object": o} for p, o in facts]}],
            [{"name": o, "type": "Thing"} for _, o in facts],
        )
    )
    batch = make().extract(transcript)
    n = {e.id: e.name for e in batch.entities}
    got = {n[f.object_id]: f for f in batch.facts}
    assert {o: f.predicate for o, f in got.items()} == {
        "Acme": "works_at",
        "Porto": "lives_in",
        "Lisbon": "lives_in",  # a present spelling: a state that holds
        "Uni Porto": "studies_at",
        "Tomás": "said_about",  # an undeclared predicate is never kept
        "Portugal": "said_about",
        "Rui": "said_about",
        "Clara": "sister_of",  # a role of the vocabulary's
    }
    for over in ("Acme", "Porto", "Uni Porto"):  # told as over: held before it was said, ended by then
        assert (got[over].valid_from, got[over].valid_to, got[over].time_phrase) == (None, said, OVER_PHRASE)
    assert (got["Lisbon"].valid_from, got["Lisbon"].valid_to) == (said, None)


def test_the_vocabulary_maps_past_spellings_and_drops_undeclared_roles() -> None:
    from graphmem.extract.claude_batch import normalise_predicate
    from graphmem.extract.vocabulary import canonical, past_state

    assert [canonical(p) for p in ("worked_at", "lived_in", "studied_at", "dated")] == [
        "works_at",
        "lives_in",
        "studies_at",
        "dating",
    ]
    assert past_state("worked for") == "works_at" and past_state("works_at") is None
    assert canonical("friend_of_the_family_of") is None and canonical("capital_of") is None
    assert canonical("cousin_of") == "cousin_of" and canonical("member_of") == "member_of"
    assert normalise_predicate("friend of the family of") == "said_about"
