"""The Claude extractor on answers and failures a tester found mishandled: entity types spelt otherwise,
family roles, a live add's context turns, a rejected key, an answer cut short, a field of a wrong shape."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest

from graphmem.errors import ExtractionError, ExtractorUnavailableError
from graphmem.extract.claude import _BUILD_VERSION, PROMPT_VERSION, SYSTEM_PROMPT, TOOL
from graphmem.live import add
from graphmem.memory import Memory
from graphmem.transcript import Transcript
from tests.extract import test_claude as base
from tests.extract.test_claude import Stub, _answer
from tests.extract.test_claude_context import Claude
from tests.support.talk import NoEmbedder, write_talk

stub, sleeps, make = base.stub, base.sleeps, base.make

pytestmark = pytest.mark.llm

DOCS = Path(__file__).parents[2] / "docs" / "extraction.md"


def by_name(batch: Any) -> dict[str, Any]:
    return {e.name: e for e in batch.entities}


def test_entity_types_spelt_otherwise_are_mapped_and_an_unknown_one_is_a_thing(
    make: Any, stub: Stub, transcript: Transcript, caplog: pytest.LogCaptureFixture
) -> None:
    entities = [
        {"name": "LGBTQ support group", "type": "Organisation"},
        {"name": "London", "type": "places"},
        {"name": "Paris", "type": "Vehicle"},
    ]
    events = [
        {"turn": "T1", "facts": [{"subject": "Caroline", "predicate": "went_to", "object": "LGBTQ support group"}]},
        {"turn": "T3", "mentions": [{"entity": "Paris"}]},
        {"turn": "T4", "facts": [{"subject": "Melanie", "predicate": "went_to", "object": "London"}]},
    ]
    stub.answer(_answer(events, entities))
    stub.answer(_answer([], []))
    ex = make()
    with caplog.at_level(logging.WARNING, logger="graphmem.extract.claude"):
        batch = ex.extract(transcript)
    found = by_name(batch)
    assert found["LGBTQ support group"].type == "Organization" and found["London"].type == "Place"
    assert found["Paris"].type == "Thing" and ex.untyped == 1 and ex.usage()["untyped"] == 1
    assert any("'Vehicle'" in r.getMessage() and "taken for Thing" in r.getMessage() for r in caplog.records)


def test_the_prompt_and_the_schema_spell_the_types_alike() -> None:
    enum = TOOL["input_schema"]["properties"]["entities"]["items"]["properties"]["type"]["enum"]
    assert "Organization" in enum and "organisation" not in SYSTEM_PROMPT.casefold()
    assert "organisation" not in str(TOOL).casefold()


def test_an_entity_type_of_another_shape_is_malformed(make: Any, stub: Stub, transcript: Transcript) -> None:
    stub.answer(_answer([], [{"name": "London", "type": 42}]))
    with pytest.raises(ExtractionError, match=r"\$\.entities\[0\]\.type: expected a string or null, found 42"):
        make().extract(transcript)


def test_a_family_role_holds_with_no_start_as_on_the_spacy_path(make: Any, stub: Stub, transcript: Transcript) -> None:
    facts = [
        {"subject": "Melanie", "predicate": "sister_of", "object": "Caroline"},
        {"subject": "Melanie", "predicate": "boss_of", "object": "Caroline"},
        {"subject": "Caroline", "predicate": "cousin_of", "object": "Melanie", "time_phrase": "two weeks ago"},
    ]
    times = [{"phrase": "two weeks ago", "start": "2023-04-24", "end": "2023-05-01", "grain": "week"}]
    stub.answer(_answer([{"turn": "T4", "facts": facts, "times": times}], []))
    stub.answer(_answer([], []))
    batch = make().extract(transcript)
    said = batch.events[3].occurred_at
    starts = {f.predicate: f.valid_from for f in batch.facts}
    assert starts["sister_of"] is None  # a family role always held
    assert starts["boss_of"] == said  # a work role from when it is said
    assert starts["cousin_of"] is not None and starts["cousin_of"] < said  # a phrase still dates one


def test_a_live_add_shows_the_stored_turns_read_only(tmp_path: Path) -> None:
    claude = Claude()
    ex = claude.extractor(tmp_path)
    messages = [("Ana", "I moved to Lisbon."), ("Ben", "Nice."), ("Ana", "Sorry, I meant Porto.")]
    with Memory.open(tmp_path / "db", embedder=NoEmbedder()) as mem:  # type: ignore[arg-type]
        for n, (who, text) in enumerate(messages):
            add(
                mem,
                {"speaker": who, "text": text, "time": f"2024-01-10T09:0{n}:00"},
                namespace="h",
                extractor=ex,
                embed=False,
            )
        assert len(claude.asked) == 3
        last = claude.asked[-1]
        earlier, _, turns = last.partition("Turns:\n")
        # the new turn alone is to be annotated; the stored ones are shown as context
        assert turns == "T3 [Ana → Ben]: Sorry, I meant Porto."
        assert "Earlier turns (context only" in earlier and "T1 [Ana]: I moved to Lisbon." in earlier
        assert "T2 [Ben]: Nice." in earlier
        # what the model said of the context turns is not taken, and the correction binds as before
        facts = {(f.predicate, f.valid_to is None) for f in mem.store.iter_facts("h")}
        assert ("lives_in", True) in facts
        assert ex.dropped_turns == 0


def network_client(answer: Any, sent: list[str]) -> Any:
    """An Anthropic client over a mock network: ``answer(request)`` gives each response."""
    import anthropic
    import httpx2

    def network(request: httpx2.Request) -> httpx2.Response:
        sent.append(str(request.url))
        return answer(request)  # type: ignore[no-any-return]

    return anthropic.Anthropic(
        api_key="sk-ant-secret-key",
        base_url="http://api.test",
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(network)),
    )


@pytest.mark.parametrize(
    ("status", "kind", "said"),
    [
        (401, "authentication_error", "rejected the API key (HTTP 401, authentication_error)"),
        (403, "permission_error", "does not permit this key the request (HTTP 403, permission_error)"),
    ],
)
def test_a_rejected_key_stops_an_ingest_naming_the_key_problem(
    tmp_path: Path, sleeps: list[float], status: int, kind: str, said: str
) -> None:
    """A rejected key (401) or a key not permitted the model (403) fails every request alike: one is sent."""
    import httpx2

    from graphmem.extract.claude import ClaudeExtractor

    sent: list[str] = []
    refused = {"type": "error", "error": {"type": kind, "message": "not for this key"}}
    client = network_client(lambda request: httpx2.Response(status, json=refused), sent)
    ex = ClaudeExtractor(client=client, cache_dir=tmp_path / "cache", sleep=sleeps.append, now=base.NOW)
    files = [
        write_talk(tmp_path / f"{n}.txt", ("10 January 2024", f"[18:00] Caroline: I like {drink}.\n"))
        for n, drink in enumerate(("tea", "coffee", "cocoa"))
    ]
    with Memory.open(tmp_path / "db", embedder=NoEmbedder()) as mem:  # type: ignore[arg-type]
        summary = mem.ingest(files, extractor=ex, embed=False, namespace="t")
    assert len(sent) == 1 and sleeps == []  # one doomed request, not one a file, and no retries
    assert summary.stopped is not None and "2 later input(s) not read" in summary.stopped
    message = summary.errors[0][1]
    assert said in message and ("ANTHROPIC_API_KEY" in message or status == 403)
    assert "secret" not in message and "secret" not in summary.stopped


def test_a_body_cut_short_is_retried_and_named_so(make: Any, stub: Stub, transcript: Transcript) -> None:
    whole = _answer([], [])
    stub.answer(b'{"id": "msg_state", "type": "message", "role": "assi')  # an honest length, a cut body
    stub.answer(whole)
    stub.answer(whole)
    make().extract(transcript)  # retried as a transient error
    assert len(stub.requests) == 3

    for _ in range(2):
        stub.answer(b'{"id": "msg_state", "type": "message", "content": [')
    with pytest.raises(ExtractorUnavailableError, match=r"cut its answer short: 2 attempt\(s\)") as info:
        make(max_retries=1, use_cache=False).extract(transcript)
    assert "proxy's page" not in str(info.value) and "check the base URL" not in str(info.value)


def test_a_connection_dropped_mid_body_is_a_cut_answer_not_an_unreachable_endpoint(
    tmp_path: Path, sleeps: list[float], transcript: Transcript
) -> None:
    import httpx2

    from graphmem.extract.claude import ClaudeExtractor

    def drop(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.RemoteProtocolError(
            "peer closed connection without sending complete message body (received 276 bytes, expected 552)"
        )

    sent: list[str] = []
    ex = ClaudeExtractor(
        client=network_client(drop, sent), cache_dir=tmp_path / "cache", sleep=sleeps.append, max_retries=2
    )
    with pytest.raises(ExtractorUnavailableError, match=r"cut its answer short: 3 attempt\(s\)") as info:
        ex.extract(transcript)
    assert len(sent) == 3 and len(sleeps) == 2
    assert "cannot reach" not in str(info.value) and "received 276 bytes, expected 552" in str(info.value)


def test_a_required_field_of_another_shape_is_named_with_what_was_found(
    make: Any, stub: Stub, transcript: Transcript
) -> None:
    fact = {"subject": "Caroline", "predicate": "likes", "object": 42}
    stub.answer(_answer([{"turn": "T1", "facts": [fact]}], []))
    where = r"\$\.events\[0\]\.facts\[0\]\.object"
    with pytest.raises(ExtractionError, match=where + ": expected a non-empty string, found 42"):
        make().extract(transcript)


def test_the_docs_give_the_build_version_the_code_has() -> None:
    text = DOCS.read_text(encoding="utf-8")
    found = re.findall(r"Build\s+version (\d+) \(the extractor's version `([\d.]+):<model>`", text)
    assert found == [(_BUILD_VERSION, f"{PROMPT_VERSION}.{_BUILD_VERSION}")]


@pytest.mark.parametrize(
    ("given", "declared"),
    [
        ("FAC", "Place"),  # typed as the spaCy path types the NER label
        ("LAW", "Work"),
        ("Companies", "Organization"),
        ("Cities", "Place"),
        ("Country", "Place"),
        ("Organisation", "Organization"),
        ("work_of_art", "Work"),
        ("Alien", None),
    ],
)
def test_type_names_claude_may_give_are_the_types_spacy_gives(given: str, declared: str | None) -> None:
    from graphmem.extract.claude_answer import entity_type

    assert entity_type(given) == declared
