"""A turn read again as context of the messages after it is parsed once: the parses are reused, and reusing
them changes nothing stored (the extractor's :class:`~graphmem.extract.parse_cache.ParseCache`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graphmem import Memory
from graphmem.extract.pipeline import SpacyExtractor
from graphmem.formats import read_transcripts
from graphmem.live import _EXTRACTORS, CONTEXT_TURNS, add, messages_of
from tests.ingest.fakes import FakeEmbedder

from .conftest import LOCOMO_DEV

_TALK = [
    ("Ben", "Have you ever been to Porto?"),
    ("Ana", "I was there in July, it was lovely."),
    ("Ana", "My sister Clara lives in Rome."),
    ("Ana", "She works at Acme Corp."),
    ("Ana", "I'm married to Omar."),
    ("Ana", "I love Lisbon."),
    ("Ana", "We went there last summer."),
    ("Ben", "I got a job at Globex."),
    ("Ben", "I start on 1 April."),
    ("Ana", "Congrats! Tues works for dinner?"),
    ("Ben", "Sure, Tues it is."),
    ("Ana", "Clara says hi."),
]


@pytest.fixture
def parsed(nlp: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every text the pipeline is given, in order."""
    texts: list[str] = []
    pipe = nlp.pipe

    def counting(items: Any, *args: Any, **kwargs: Any) -> Any:
        items = list(items)
        texts.extend(items)
        return pipe(items, *args, **kwargs)

    monkeypatch.setattr(nlp, "pipe", counting)
    yield texts


def _messages(talk: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"speaker": s, "text": t, "time": f"2024-05-01T10:{k:02d}:00"} for k, (s, t) in enumerate(talk)]


def test_each_turn_is_parsed_once_while_it_is_context(memory: Memory, parsed: list[str]) -> None:
    for message in _messages(_TALK):
        memory.add(message, namespace="a", session="s1")
    # before: each add parsed its session's last CONTEXT_TURNS stored turns again (72 texts here, not 12)
    assert sorted(parsed) == sorted(t for _, t in _TALK)
    cache = _EXTRACTORS[memory].parse_cache  # type: ignore[attr-defined]
    assert cache is not None
    assert (cache.hits, cache.misses) == (sum(min(k, CONTEXT_TURNS) for k in range(len(_TALK))), len(_TALK))


def _stored(mem: Memory, ns: str) -> dict[str, Any]:
    store = mem.store
    return {
        "sessions": sorted(store.iter_sessions(ns), key=lambda s: s.id),
        "events": sorted(store.iter_events(ns), key=lambda e: e.id),
        "entities": sorted(store.iter_entities(ns), key=lambda e: e.id),
        "facts": sorted(store.iter_facts(ns, history=True), key=lambda f: f.id),
        "mentions": sorted(store.iter_mentions(ns)),
    }


def _add_one_by_one(path: Path, nlp: Any, messages: list[dict[str, Any]], ns: str, ex: Any | None) -> dict[str, Any]:
    with Memory.open(path, embedder=FakeEmbedder(), nlp=nlp) as mem:
        for message in messages:
            add(mem, message, namespace=ns, extractor=ex)
        return _stored(mem, ns)


def test_reused_parses_store_what_fresh_parses_store(tmp_path: Path, nlp: Any) -> None:
    messages = _messages(_TALK)
    cached = SpacyExtractor(nlp, parse_cache=256)
    small = SpacyExtractor(nlp, parse_cache=3)  # turns dropped and parsed again inside the window
    want = _add_one_by_one(tmp_path / "fresh", nlp, messages, "a", SpacyExtractor(nlp))
    assert _add_one_by_one(tmp_path / "cached", nlp, messages, "a", cached) == want
    assert _add_one_by_one(tmp_path / "small", nlp, messages, "a", small) == want
    assert cached.parse_cache is not None and cached.parse_cache.hits > 0
    assert small.parse_cache is not None and small.parse_cache.hits > 0 and len(small.parse_cache) == 3
    assert any(f.predicate == "works_at" for f in want["facts"])  # the context was read: "She" is Clara


@pytest.mark.slow
@pytest.mark.skipif(not LOCOMO_DEV.exists(), reason="the LoCoMo dev file (../shared) is absent")
def test_a_locomo_conversation_added_with_reused_parses_stores_the_same(tmp_path: Path, nlp: Any) -> None:
    samples = json.loads(LOCOMO_DEV.read_text(encoding="utf-8"))
    path = tmp_path / "one.json"
    path.write_text(json.dumps(samples[:1]), encoding="utf-8")
    (transcript,) = read_transcripts(path)
    messages = messages_of(transcript)[:60]  # three sessions
    assert len({m["session"] for m in messages}) > 1
    ns = transcript.namespace
    cached = SpacyExtractor(nlp, parse_cache=256)
    want = _add_one_by_one(tmp_path / "fresh", nlp, messages, ns, SpacyExtractor(nlp))
    assert _add_one_by_one(tmp_path / "cached", nlp, messages, ns, cached) == want
    assert cached.parse_cache is not None and cached.parse_cache.misses == len(messages)
