"""The Claude extractor against recorded answers served by a local HTTP stub (the live code path)."""

from __future__ import annotations

import copy
import json
import pickle
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from graphmem.errors import ConfigError, ExtractionError
from graphmem.extract import get_extractor
from graphmem.extract.claude import TOOL_NAME, ClaudeExtractor
from graphmem.transcript import Transcript

pytestmark = pytest.mark.llm

DATA = Path(__file__).parent / "data"
NOW = datetime(2024, 1, 1, 12, 0)


def recorded(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def error(status: int, kind: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    return status, {"type": "error", "error": {"type": kind, "message": f"{kind} (stub)"}}, {}


class Stub:
    """A Messages API stand-in: answers POST /v1/messages from a queue and records the requests."""

    def __init__(self) -> None:
        self.queue: list[tuple[int, Any, dict[str, str]]] = []  # a payload of bytes is sent as it is
        self.requests: list[dict[str, Any]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                stub.requests.append({"path": self.path, "body": body, "headers": dict(self.headers)})
                status, payload, headers = stub.queue.pop(0) if stub.queue else error(500, "api_error")
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                headers = {"content-type": "application/json"} | headers
                self.send_header("content-length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def answer(self, payload: dict[str, Any] | bytes, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self.queue.append((status, payload, headers or {}))

    def fail(self, status: int, kind: str, headers: dict[str, str] | None = None) -> None:
        _, payload, _ = error(status, kind)
        self.answer(payload, status, headers)


@pytest.fixture
def stub() -> Iterator[Stub]:
    s = Stub()
    s.thread.start()
    try:
        yield s
    finally:
        s.server.shutdown()
        s.server.server_close()
        s.thread.join(timeout=5)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make(stub: Stub, tmp_path: Path, sleeps: list[float]) -> Any:
    def build(**options: Any) -> ClaudeExtractor:
        settings: dict[str, Any] = {
            "api_key": "test-key",
            "base_url": stub.url,
            "cache_dir": tmp_path / "cache",
            "batch_size": 4,
            "now": NOW,
            "sleep": sleeps.append,
            "timeout": 10,
        }
        settings.update(options)
        return ClaudeExtractor(**settings)

    return build


def names(batch: Any) -> dict[str, str]:
    return {e.id: e.name for e in batch.entities}


def test_extracts_through_the_api(make: Any, stub: Stub, transcript: Transcript) -> None:
    stub.answer(recorded("claude_session_1.json"))
    stub.answer(recorded("claude_session_2.json"))
    ex = make()
    batch = ex.extract(transcript)
    # one call per group of turns: session 1 (4 turns) and session 2 (2 turns)
    assert len(stub.requests) == 2 and ex.calls == 2
    request = stub.requests[0]
    assert request["path"] == "/v1/messages"
    body = request["body"]
    assert body["tool_choice"] == {"type": "tool", "name": TOOL_NAME}
    assert body["tools"][0]["name"] == TOOL_NAME and body["model"] == ex.model
    content = body["messages"][0]["content"]
    assert "Session date: 2023-05-08 (Monday)" in content
    assert "T1 [Caroline → Melanie]: Hey Mel!" in content
    assert "test-key" in (request["headers"].get("Authorization", "") + request["headers"].get("x-api-key", ""))

    assert [e.source_id for e in batch.events] == ["D1:1", "D1:2", "D1:3", "D1:4", "D2:1", "D2:2"]
    n = names(batch)
    by_name = {e.name: e for e in batch.entities}
    assert by_name["Melanie"].type == "Person" and "Mel" in by_name["Melanie"].aliases
    assert by_name["Oscar"].aliases == ("the dog",)
    facts = {(n[f.subject_id], f.predicate, n[f.object_id]): f for f in batch.facts}
    went = facts[("Caroline", "went_to", "LGBTQ support group")]
    assert went.valid_from == datetime(2023, 5, 7) and went.time_phrase == "yesterday"
    assert went.evidence == ("ev:session_1:1",)
    # a time Claude left unresolved is resolved locally against the session date
    assert facts[("Melanie", "created", "sunset painting")].valid_from == datetime(2023, 5, 6)
    # predicates are the vocabulary's: a negation asserts nothing, an unknown verb is said_about
    assert ("Melanie", "practises", "pottery") in facts and ("Caroline", "has_pet", "Oscar") in facts
    assert ("Melanie", "said_about", "pottery class") in facts
    assert not any(p.startswith("not_") for _, p, _ in facts)
    assert {p for _, p, _ in facts} <= {"went_to", "created", "practises", "has_pet", "said_about"}
    spoken = {m.event_id for m in batch.mentions if m.role == "speaker"}
    assert spoken == {e.id for e in batch.events}
    times = {e.source_id: [t.phrase for t in e.times] for e in batch.events if e.times}
    assert times["D1:4"] == ["two weeks ago"]


def test_second_run_is_served_from_the_cache(make: Any, stub: Stub, transcript: Transcript) -> None:
    stub.answer(recorded("claude_session_1.json"))
    stub.answer(recorded("claude_session_2.json"))
    first = make().extract(transcript)
    again = make()
    assert again.extract(transcript) == first
    assert again.calls == 0 and len(stub.requests) == 2
    # another model is another cache key
    stub.answer(recorded("claude_session_1.json"))
    stub.answer(recorded("claude_session_2.json"))
    other = make(model="claude-sonnet-4-6")
    other.extract(transcript)
    assert other.calls == 2


def test_cache_dir_from_environment(
    make: Any, stub: Stub, transcript: Transcript, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRAPHMEM_CACHE", str(tmp_path / "env-cache"))
    stub.answer(recorded("claude_session_1.json"))
    stub.answer(recorded("claude_session_2.json"))
    make(cache_dir=None).extract(transcript)
    assert list((tmp_path / "env-cache" / "claude").rglob("*.json"))


def test_retries_rate_limit_then_succeeds(make: Any, stub: Stub, transcript: Transcript, sleeps: list[float]) -> None:
    stub.fail(429, "rate_limit_error", {"retry-after": "3"})
    stub.answer(recorded("claude_session_1.json"))
    stub.fail(529, "overloaded_error")
    stub.answer(recorded("claude_session_2.json"))
    ex = make(backoff=0.5)
    batch = ex.extract(transcript)
    assert ex.calls == 4 and len(batch.facts) >= 5
    assert len(sleeps) == 2
    assert 3.0 <= sleeps[0] < 3.5  # retry-after honoured
    assert 0.5 <= sleeps[1] < 0.6  # first backoff step


def test_backoff_grows_and_gives_up(make: Any, stub: Stub, transcript: Transcript, sleeps: list[float]) -> None:
    for _ in range(4):
        stub.fail(500, "api_error")
    with pytest.raises(ExtractionError, match="kept failing after 4 attempts: HTTP 500"):
        make(max_retries=3, backoff=1.0).extract(transcript)
    assert [round(s) for s in sleeps] == [1, 2, 4]


def test_client_errors_are_not_retried(make: Any, stub: Stub, transcript: Transcript, sleeps: list[float]) -> None:
    stub.fail(400, "invalid_request_error")
    with pytest.raises(ExtractionError, match="refused the request: HTTP 400"):
        make().extract(transcript)
    assert len(stub.requests) == 1 and sleeps == []


def test_malformed_tool_output(make: Any, stub: Stub, transcript: Transcript) -> None:
    broken = recorded("claude_session_1.json")
    del broken["content"][0]["input"]["events"]
    stub.answer(broken)
    with pytest.raises(ExtractionError, match=r"malformed record_memory output at \$\.events"):
        make().extract(transcript)
    bad_type = copy.deepcopy(recorded("claude_session_1.json"))
    bad_type["content"][0]["input"]["entities"][0]["type"] = ["Person"]  # an unknown name is a Thing, not this
    stub.answer(bad_type)
    with pytest.raises(ExtractionError, match=r"entities\[0\]\.type"):
        make().extract(transcript)
    bad_fact = copy.deepcopy(recorded("claude_session_1.json"))
    bad_fact["content"][0]["input"]["events"][0]["facts"][0]["object"] = ""
    stub.answer(bad_fact)
    with pytest.raises(ExtractionError, match=r"events\[0\]\.facts\[0\]"):
        make().extract(transcript)


def test_answer_without_tool_call(make: Any, stub: Stub, transcript: Transcript) -> None:
    stub.answer(recorded("claude_no_tool.json"))
    with pytest.raises(ExtractionError, match="without calling the record_memory tool"):
        make().extract(transcript)
    cut = recorded("claude_no_tool.json") | {"stop_reason": "max_tokens"}
    stub.answer(cut)
    stub.answer(cut)  # a single turn cut off is asked once more with twice the tokens
    with pytest.raises(ExtractionError, match="cut off"):
        make(batch_size=1).extract(transcript)


def test_malformed_answers_are_not_cached(make: Any, stub: Stub, transcript: Transcript) -> None:
    stub.answer(recorded("claude_no_tool.json"))
    with pytest.raises(ExtractionError):
        make().extract(transcript)
    stub.answer(recorded("claude_session_1.json"))
    stub.answer(recorded("claude_session_2.json"))
    ex = make()
    ex.extract(transcript)
    assert ex.calls == 2


def test_missing_api_key_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="ANTHROPIC_API_KEY"):
        get_extractor("claude")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "from-env")
    assert get_extractor("claude").name == "claude"


def test_injected_client_and_pickling(stub: Stub, tmp_path: Path, transcript: Transcript) -> None:
    import anthropic

    client = anthropic.Anthropic(api_key="injected", base_url=stub.url, max_retries=0)
    stub.answer(recorded("claude_session_1.json"))
    stub.answer(recorded("claude_session_2.json"))
    ex = get_extractor("claude", client=client, cache_dir=tmp_path, batch_size=4, now=NOW)
    assert ex.extract(transcript).facts
    headers = stub.requests[0]["headers"]
    assert "injected" in headers.get("Authorization", "") + headers.get("x-api-key", "")
    clone = pickle.loads(pickle.dumps(ex))
    assert clone._client is None and clone.version == ex.version and clone.batch_size == 4


def test_bad_options() -> None:
    with pytest.raises(ConfigError, match="batch_size"):
        ClaudeExtractor(api_key="k", batch_size=0)
    with pytest.raises(ConfigError, match="max_retries"):
        ClaudeExtractor(api_key="k", max_retries=-1)


def _answer(events: list[dict[str, Any]], entities: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": "msg_state",
        "type": "message",
        "role": "assistant",
        "model": "claude-haiku-4-5",
        "content": [
            {
                "type": "tool_use",
                "id": "toolu_state",
                "name": TOOL_NAME,
                "input": {"entities": entities, "events": events},
            }
        ],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }


def test_states_in_other_spellings_are_normalised_and_closed(make: Any, stub: Stub) -> None:
    from datetime import timedelta, timezone

    from graphmem.transcript import RawSession, RawTurn

    cest = timezone(timedelta(hours=2))
    turns = (
        RawTurn(
            "Priya", "I've worked for Northwind Bank since 2019.", timestamp=datetime(2024, 3, 3, 0, 30, tzinfo=cest)
        ),
        RawTurn("Priya", "I start at Lumen Robotics on 1 April.", timestamp=datetime(2024, 3, 3, 0, 31, tzinfo=cest)),
        RawTurn("Priya", "Tomás and I broke up last week.", timestamp=datetime(2024, 3, 3, 0, 32, tzinfo=cest)),
        RawTurn(
            "Priya",
            "I'm in Lisbon until June, and in the Chess Club and at Lumen until the end of June.",
            timestamp=datetime(2024, 3, 3, 0, 33, tzinfo=cest),
        ),
    )
    transcript = Transcript("p", (RawSession("s1", 0, turns, started_at=turns[0].timestamp),))
    stub.answer(
        _answer(
            [
                {
                    "turn": "T1",
                    "facts": [
                        {
                            "subject": "Priya",
                            "predicate": "work for",
                            "object": "Northwind Bank",
                            "time_phrase": "since 2019",
                        }
                    ],
                    "times": [{"phrase": "since 2019", "start": "2019-01-01", "end": "2020-01-01", "grain": "year"}],
                },
                {
                    "turn": "T2",
                    "facts": [
                        {
                            "subject": "Priya",
                            "predicate": "works_at",
                            "object": "Lumen Robotics",
                            "time_phrase": "1 April",
                        }
                    ],
                    "times": [{"phrase": "1 April", "start": "2024-04-01", "end": "2024-04-02", "grain": "day"}],
                },
                {
                    "turn": "T3",
                    "closings": [
                        {"subject": "Priya", "predicate": "dating", "object": None, "time_phrase": "last week"}
                    ],
                    "times": [{"phrase": "last week", "start": "2024-02-19", "end": "2024-02-26", "grain": "week"}],
                },
                {
                    "turn": "T4",
                    "facts": [
                        {"subject": "Priya", "predicate": "lives in", "object": "Lisbon", "until_phrase": "June"},
                        {
                            "subject": "Priya",
                            "predicate": "member_of",
                            "object": "Chess Club",
                            "until_phrase": "the end of June",
                        },
                    ],
                    "closings": [
                        {
                            "subject": "Priya",
                            "predicate": "works_at",
                            "object": "Lumen Robotics",
                            "time_phrase": "the end of June",
                        }
                    ],
                    "times": [
                        {"phrase": "June", "start": "2024-06-01", "end": "2024-07-01", "grain": "month"},
                        {"phrase": "the end of June", "start": "2024-06-21", "end": "2024-07-01", "grain": "day"},
                    ],
                },
            ],
            [
                {"name": "Northwind Bank", "type": "Organization"},
                {"name": "Lumen Robotics", "type": "Organization"},
                {"name": "Lisbon", "type": "Place"},
                {"name": "Chess Club", "type": "Group"},
            ],
        )
    )
    batch = make().extract(transcript)
    n = names(batch)
    facts = {(f.predicate, n[f.object_id]): f for f in batch.facts}
    assert not any(p == "work_for" for p, _ in facts)  # "work for" is works_at
    closing, leaving = batch.closings
    # "I'm leaving Lumen at the end of June" ends with June, as facts.py dates an ending
    assert (n[leaving.object_id or ""], leaving.at) == ("Lumen Robotics", datetime(2024, 6, 30, 22))
    assert (n[closing.subject_id or ""], closing.predicate, closing.object_id) == ("Priya", "dating", None)
    assert closing.at == datetime(2024, 2, 18, 22) and closing.evidence == ("ev:s1:3",)
    lisbon = facts[("lives_in", "Lisbon")]
    assert lisbon.valid_to == datetime(2024, 5, 31, 22) and lisbon.time_phrase == "June"
    # "until the end of June" ends with June, as bounds.py reads it
    assert facts[("member_of", "Chess Club")].valid_to == datetime(2024, 6, 30, 22)
    northwind, lumen = facts[("works_at", "Northwind Bank")], facts[("works_at", "Lumen Robotics")]
    # dates are on Priya's wall clock (+02:00), stored as naive UTC
    assert northwind.valid_from == datetime(2018, 12, 31, 22)
    assert lumen.valid_from == datetime(2024, 3, 31, 22) and lumen.valid_to == leaving.at
    assert northwind.valid_to == lumen.valid_from
    assert "Session date: 2024-03-03 (Sunday)" in stub.requests[0]["body"]["messages"][0]["content"]


@pytest.mark.parametrize(
    ("said", "text", "phrase", "start", "end", "valid_to"),
    [
        # a late part ends with its period; a part begun when it is said is meant through
        (datetime(2024, 2, 25, 10), "I'm at Acme Analytics until late February.", "late February", "02-21", "03-01",
         datetime(2024, 3, 1)),
        (datetime(2024, 3, 12, 10), "I'm at Acme Analytics until mid-March.", "mid-March", "03-11", "03-21",
         datetime(2024, 3, 21)),
        (datetime(2024, 2, 10, 10), "I'm at Acme Analytics until mid-March.", "mid-March", "03-11", "03-21",
         datetime(2024, 3, 11)),
    ],
)  # fmt: skip
def test_until_a_part_of_a_month_never_ends_before_the_start(
    make: Any, stub: Stub, said: datetime, text: str, phrase: str, start: str, end: str, valid_to: datetime
) -> None:
    from graphmem.transcript import RawSession, RawTurn

    turns = (RawTurn("Priya", text, timestamp=said),)
    transcript = Transcript("p", (RawSession("s1", 0, turns, started_at=said),))
    fact = {"subject": "Priya", "predicate": "works_at", "object": "Acme Analytics", "until_phrase": phrase}
    times = [{"phrase": phrase, "start": f"2024-{start}", "end": f"2024-{end}", "grain": "day"}]
    stub.answer(
        _answer(
            [{"turn": "T1", "facts": [fact], "times": times}],
            [{"name": "Acme Analytics", "type": "Organization"}],
        )
    )
    batch = make().extract(transcript)
    assert [(f.predicate, f.valid_from, f.valid_to) for f in batch.facts] == [("works_at", said, valid_to)]
