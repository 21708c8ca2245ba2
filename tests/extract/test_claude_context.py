"""A turn is read after the turns before it in its session, whichever way it arrives: a whole file, a
file that grew (the stored turns are shown as read-only context), a live add (the last stored turns
extracted again), and a request that starts part way into a session. A correction of a slip in the new
turn corrects the kept fact either way (an injected client answering as a model would: it can only tell
what "Sorry, I meant Porto" corrects when it sees the turn it corrects)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from graphmem.extract.claude import ClaudeExtractor
from graphmem.live import add
from graphmem.memory import Memory
from tests.support.talk import NoEmbedder, held, write_talk

pytestmark = pytest.mark.llm

HEAD = "[09:00] Ana: I moved to Lisbon.\n[09:01] Ben: Nice.\n[09:02] Ana: Big city.\n[09:03] Ben: Sure.\n"
SLIP = "[09:04] Ana: Sorry, I meant Porto.\n"
DATE = "10 January 2024"


def reply(content: str) -> dict[str, Any]:
    """What a model answers: facts of the turns to annotate, a correction only when it sees what it corrects."""
    earlier, _, turns = content.rpartition("Turns:\n")
    events = []
    for seq, text in re.findall(r"(?m)^T(\d+) \[[^]]*\]: (.*)$", turns):
        if "I moved to Lisbon" in text:
            events.append(
                {"turn": f"T{seq}", "facts": [{"subject": "Ana", "predicate": "lives_in", "object": "Lisbon"}]}
            )
        if "I love it there" in text and "Lisbon" in earlier:  # named only by a turn shown as context
            events.append({"turn": f"T{seq}", "facts": [{"subject": "Ana", "predicate": "likes", "object": "Lisbon"}]})
        if "I meant Porto" in text and "Lisbon" in content:
            correction = {"subject": "Ana", "predicate": "lives_in", "wrong": "Lisbon", "corrected": "Porto"}
            events.append({"turn": f"T{seq}", "corrections": [correction]})
    for seq in re.findall(r"(?m)^T(\d+) \[", earlier):  # a model may still annotate a context turn, as "T1" or "1"
        events.append(
            {
                "turn": f"T{seq}" if int(seq) % 2 else seq,
                "facts": [{"subject": "Ben", "predicate": "lives_in", "object": "Rome"}],
            }
        )
    entities = [{"name": n, "type": "Place"} for n in ("Lisbon", "Porto", "Rome")]
    return {"entities": entities, "events": events}


class Claude:
    """An injected Anthropic client over a mock network answering with :func:`reply`; ``asked`` holds the
    user messages sent."""

    def __init__(self) -> None:
        import anthropic
        import httpx2

        self.asked: list[str] = []

        def network(request: httpx2.Request) -> httpx2.Response:
            content = json.loads(request.content)["messages"][0]["content"]
            self.asked.append(content)
            block = {"type": "tool_use", "id": "t1", "name": "record_memory", "input": reply(content)}
            body = {"id": "m", "type": "message", "role": "assistant", "model": "x", "content": [block],
                    "stop_reason": "tool_use", "stop_sequence": None,
                    "usage": {"input_tokens": 10, "output_tokens": 5}}  # fmt: skip
            return httpx2.Response(200, json=body)

        self.client = anthropic.Anthropic(
            api_key="k",
            base_url="http://api.test",
            max_retries=0,
            http_client=httpx2.Client(transport=httpx2.MockTransport(network)),
        )

    def extractor(self, tmp_path: Path, **options: Any) -> ClaudeExtractor:
        return ClaudeExtractor(client=self.client, cache_dir=tmp_path / "cache", **options)


@pytest.fixture
def mem(tmp_path: Path) -> Any:
    with Memory.open(tmp_path / "db", embedder=NoEmbedder()) as m:  # type: ignore[arg-type]
        yield m


def test_a_grown_file_whole_file_and_live_add_agree_on_a_corrected_slip(mem: Memory, tmp_path: Path) -> None:
    claude = Claude()
    ex = claude.extractor(tmp_path)
    grown = write_talk(tmp_path / "g.txt", (DATE, HEAD))
    mem.ingest([grown], extractor=ex, embed=False, namespace="g")
    write_talk(grown, (DATE, HEAD + SLIP))
    first = len(claude.asked)
    assert mem.ingest([grown], extractor=ex, embed=False, namespace="g").ok
    sent = claude.asked[first:]
    assert len(sent) == 1 and sent[0].endswith("Turns:\nT5 [Ana → Ben]: Sorry, I meant Porto.")
    assert "Earlier turns (context only" in sent[0] and "T1 [Ana]: I moved to Lisbon." in sent[0]
    assert held(mem, "lives_in", namespace="g") == {"Porto"}

    mem.ingest([write_talk(tmp_path / "w.txt", (DATE, HEAD + SLIP))], extractor=ex, embed=False, namespace="w")
    assert held(mem, "lives_in", namespace="w") == {"Porto"}

    mem.ingest([write_talk(tmp_path / "h.txt", (DATE, HEAD))], extractor=ex, embed=False, namespace="h")
    message = {"speaker": "Ana", "text": "Sorry, I meant Porto.", "time": "2024-01-10T09:04:00"}
    add(mem, message, namespace="h", extractor=ex, embed=False)
    assert held(mem, "lives_in", namespace="h") == {"Porto"}
    # what the model said of a context turn is not taken (nor counted as dropped): Ben never said he lives in Rome
    assert ex.dropped_turns == 0
    assert all(held(mem, "lives_in", namespace=ns) == {"Porto"} for ns in ("g", "w", "h"))


def test_a_request_part_way_into_a_session_shows_the_turns_before_it(mem: Memory, tmp_path: Path) -> None:
    claude = Claude()
    mem.ingest(
        [write_talk(tmp_path / "w.txt", (DATE, HEAD + SLIP))],
        extractor=claude.extractor(tmp_path, batch_size=2),
        embed=False,
        namespace="w",
    )
    assert len(claude.asked) == 3
    assert claude.asked[2].endswith("Turns:\nT5 [Ana → Ben]: Sorry, I meant Porto.")
    assert "T1 [Ana]: I moved to Lisbon.\nT2 [Ben]: Nice.\nT3 [Ana]: Big city.\nT4 [Ben]: Sure.\n" in claude.asked[2]
    assert held(mem, "lives_in", namespace="w") == {"Porto"}


def test_the_spacy_path_agrees_on_a_grown_file(mem: Memory, tmp_path: Path, extractor: Any) -> None:
    head = "[09:00] Ana: I work at Acme Analytics as a data analyst.\n[09:01] Ben: Nice!\n"
    slip = "[09:02] Ana: Sorry, I meant Globex Corporation. I work at Globex Corporation.\n"
    grown = write_talk(tmp_path / "g.txt", (DATE, head))
    mem.ingest([grown], extractor=extractor, embed=False, namespace="g")
    write_talk(grown, (DATE, head + slip))
    mem.ingest([grown], extractor=extractor, embed=False, namespace="g")
    mem.ingest([write_talk(tmp_path / "w.txt", (DATE, head + slip))], extractor=extractor, embed=False, namespace="w")
    assert held(mem, "works_at", namespace="g") == held(mem, "works_at", namespace="w") == {"Globex Corporation"}


def test_a_name_said_only_by_a_context_turn_is_said_by_the_request(mem: Memory, tmp_path: Path) -> None:
    # the answer's names are checked against what the request says: the turns shown as context count
    claude = Claude()
    ex = claude.extractor(tmp_path)
    grown = write_talk(tmp_path / "g.txt", (DATE, HEAD))
    mem.ingest([grown], extractor=ex, embed=False, namespace="g")
    write_talk(grown, (DATE, HEAD + "[09:04] Ana: I love it there.\n"))
    assert mem.ingest([grown], extractor=ex, embed=False, namespace="g").ok
    assert held(mem, "likes", namespace="g") == {"Lisbon"}
