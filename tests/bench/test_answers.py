"""bench locomo --answer claude: recorded Claude replies served by a local stub through the live code path."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from graphmem.bench.answers import (
    ANSWER_SYSTEM,
    JUDGE_SYSTEM,
    ClaudeAnswerer,
    estimate_cost,
    load_answer_questions,
    run_answers,
    token_f1,
)
from graphmem.cli.app import cli
from graphmem.errors import ConfigError
from graphmem.memory import Memory

pytestmark = pytest.mark.llm

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data" / "locomo_style.json"
RECORDED = json.loads((Path(__file__).parent / "data" / "claude_answers.json").read_text(encoding="utf-8"))


def _message(text: str) -> dict[str, Any]:
    return {
        "id": "msg_stub",
        "type": "message",
        "role": "assistant",
        "model": "claude-haiku-4-5",
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 3},
    }


def reply_to(params: dict[str, Any]) -> str:
    """The recorded reply to one Messages request: a judge label, or an answer by method."""
    system = params["system"]
    user = params["messages"][0]["content"]
    if system == JUDGE_SYSTEM:
        answer = re.search(r"Generated answer: (.*)\nLabel:", user)
        assert answer is not None
        return str(RECORDED["judge"][answer.group(1)])
    question = re.search(r"Question: (.*)\nShort answer:", user)
    assert question is not None and system[0]["text"] == ANSWER_SYSTEM
    method = "full" if len(system) == 2 else "graphmem"
    return str(RECORDED["answers"][question.group(1)][method])


class Stub:
    """The Messages and Message Batches endpoints, answering from the recorded replies."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, Any]] = []
        self.batches: dict[str, list[dict[str, Any]]] = {}
        self.polls: dict[str, int] = {}
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, payload: Any, content_type: str = "application/json") -> None:
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
                stub.requests.append(("POST", self.path, body))
                if self.path == "/v1/messages":
                    self._send(_message(reply_to(body)))
                elif self.path == "/v1/messages/batches":
                    ident = f"batch_{len(stub.batches)}"
                    stub.batches[ident] = body["requests"]
                    stub.polls[ident] = 0
                    self._send(stub.batch(ident, ended=False))
                else:
                    self.send_error(404)

            def do_GET(self) -> None:
                stub.requests.append(("GET", self.path, None))
                match = re.fullmatch(r"/v1/messages/batches/(batch_\d+)(/results)?", self.path)
                if match is None:
                    self.send_error(404)
                    return
                ident = match.group(1)
                if match.group(2):
                    lines = [
                        json.dumps(
                            {
                                "custom_id": r["custom_id"],
                                "result": {"type": "succeeded", "message": _message(reply_to(r["params"]))},
                            }
                        )
                        for r in reversed(stub.batches[ident])  # results may come in any order
                    ]
                    self._send(("\n".join(lines) + "\n").encode(), "application/binary")
                else:
                    stub.polls[ident] += 1
                    self._send(stub.batch(ident, ended=stub.polls[ident] >= 2))

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def batch(self, ident: str, *, ended: bool) -> dict[str, Any]:
        n = len(self.batches[ident])
        return {
            "id": ident,
            "type": "message_batch",
            "processing_status": "ended" if ended else "in_progress",
            "request_counts": {
                "processing": 0 if ended else n,
                "succeeded": n if ended else 0,
                "errored": 0,
                "canceled": 0,
                "expired": 0,
            },
            "created_at": "2026-01-01T00:00:00Z",
            "expires_at": "2026-01-02T00:00:00Z",
            "ended_at": "2026-01-01T00:01:00Z" if ended else None,
            "cancel_initiated_at": None,
            "archived_at": None,
            "results_url": f"{self.url}/v1/messages/batches/{ident}/results" if ended else None,
        }


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


@pytest.fixture(scope="module")
def memory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Memory]:
    with Memory.open(tmp_path_factory.mktemp("answers") / "store") as mem:
        assert mem.ingest(str(DATA)).ok
        yield mem


def test_token_f1_follows_the_locomo_metric() -> None:
    assert token_f1("Sintra", "Sintra", 4) == 1.0
    assert token_f1("In Sintra", "Sintra", 4) == pytest.approx(2 / 3)
    assert token_f1("The dogs running!", "dog runs", 4) == pytest.approx(1.0)  # articles, punctuation, stems
    assert token_f1("nothing alike", "Sintra", 4) == 0.0
    assert token_f1("Keiko; or Tanaka", "Keiko Tanaka; the manager", 3) == pytest.approx(0.8)  # gold cut at ;
    assert token_f1("hiking", "hiking, painting", 1) == pytest.approx(0.5)  # each gold part scored


def test_questions_leave_out_category_5(tmp_path: Path) -> None:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    data[0]["qa"].append({"question": "Trick?", "adversarial_answer": "x", "category": 5, "evidence": []})
    path = tmp_path / "locomo.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    questions, conversations = load_answer_questions(path)
    assert [q.category for q in questions] == [4, 2, 4, 2, 1]
    text = conversations["priya-tomas"]
    assert text.startswith("session_1 (") and "\nTomás: " in text


def test_answers_through_batches(memory: Memory, stub: Stub) -> None:
    said: list[tuple[str, int]] = []
    answerer = ClaudeAnswerer(api_key="test-key", base_url=stub.url, sleep=lambda _: None)
    result = run_answers(
        DATA, memory=memory, answerer=answerer, max_questions=3, report=lambda m: said.append((m, len(stub.requests)))
    )
    # the estimate came first, naming the model and a price, before any request
    assert said and said[0][1] == 0 and "claude-haiku-4-5" in said[0][0] and "estimated cost $" in said[0][0]
    posts = [(path, body) for method, path, body in stub.requests if method == "POST"]
    assert [p for p, _ in posts] == ["/v1/messages/batches", "/v1/messages/batches"]  # answers, then the judge
    answers = {r["custom_id"]: r["params"] for r in posts[0][1]["requests"]}
    assert len(answers) == 6 and len(posts[1][1]["requests"]) == 6
    full = answers["q0-full"]["system"]
    assert full[1]["cache_control"] == {"type": "ephemeral"} and "Tomás:" in full[1]["text"]
    assert full[1]["text"] == answers["q1-full"]["system"][1]["text"]  # one shared, cached prefix
    assert "Memory of 'priya-tomas'" in answers["q0-graphmem"]["messages"][0]["content"]
    assert "cache_control" not in json.dumps(answers["q0-graphmem"])

    graphmem, baseline = result["methods"]["graphmem"], result["methods"]["full"]
    assert graphmem["f1"] == pytest.approx(66.67) and graphmem["j"] == pytest.approx(66.67)
    assert baseline["f1"] == pytest.approx(88.89) and baseline["j"] == 100.0
    assert graphmem["by_category"]["4"] == {"f1": 50.0, "j": 50.0, "questions": 2}
    assert result["questions"] == 3 and result["errors"] == []
    assert result["answers"][2]["graphmem"] == {"answer": "not mentioned", "f1": 0.0, "judge": "WRONG"}
    assert 0 < result["context_tokens"]["mean"] <= 1500
    assert result["context_tokens"]["conversation_mean"] > 0


def test_answers_one_call_each(memory: Memory, stub: Stub) -> None:
    answerer = ClaudeAnswerer(api_key="test-key", base_url=stub.url, batch=False)
    result = run_answers(DATA, memory=memory, answerer=answerer, report=lambda _: None)
    assert [p for m, p, _ in stub.requests] == ["/v1/messages"] * 20
    assert result["questions"] == 5
    assert result["methods"]["full"]["j"] == 80.0 and result["methods"]["graphmem"]["j"] == 80.0


def test_estimate_only_sends_nothing(memory: Memory, stub: Stub) -> None:
    answerer = ClaudeAnswerer(api_key="test-key", base_url=stub.url)
    result = run_answers(DATA, memory=memory, answerer=answerer, report=lambda _: None, estimate_only=True)
    assert stub.requests == []
    cost = result["cost_estimate"]
    assert cost["cache_write_tokens"] > 0 and cost["cache_read_tokens"] == 4 * cost["cache_write_tokens"]
    assert cost["usd"] is not None and cost["usd"] > 0 and cost["batch"] is True


def test_estimate_prices() -> None:
    params = {"system": [{"type": "text", "text": "a b"}], "messages": [{"content": "c"}], "max_tokens": 10}
    cost = estimate_cost([params], model="claude-haiku-4-5", count=lambda t: len(t.split()), batch=False)
    assert cost["input_tokens"] == 3 and cost["max_output_tokens"] == 10
    assert cost["usd"] == pytest.approx(round((3 * 1.0 + 10 * 5.0) / 1e6, 2))
    assert estimate_cost([params], model="someone-else", count=len, batch=False)["usd"] is None


def test_no_key_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="ANTHROPIC_API_KEY"):
        ClaudeAnswerer().client()


def test_cli_live_path_with_key_and_endpoint_from_the_environment(stub: Stub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", stub.url)
    argv = ["bench", "locomo", str(DATA), "--answer", "claude", "--max-questions", "2", "--no-batch"]
    out = CliRunner().invoke(cli, argv)
    assert out.exit_code == 0, out.output
    assert out.output.index("estimated cost $") < out.output.index("LoCoMo answers by claude-haiku-4-5")
    assert len(stub.requests) == 8
    assert stub.requests[0][2]["model"] == "claude-haiku-4-5"
