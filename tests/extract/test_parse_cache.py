"""The parse cache: bounded, least recently used dropped first, copies handed out, safe across threads."""

from __future__ import annotations

import pickle
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import pytest

from graphmem.errors import ConfigError
from graphmem.extract import get_extractor
from graphmem.extract.parse_cache import ParseCache
from graphmem.extract.pipeline import SpacyExtractor
from graphmem.extract.repair import repair

from .conftest import NOW, make_transcript


def _tags(doc: Any) -> list[tuple[str, str, str, int]]:
    return [(t.text, t.tag_, t.dep_, t.head.i) for t in doc]


def test_least_recently_used_is_dropped_first(nlp: Any) -> None:
    cache = ParseCache(2, 1_000)
    cache.bind(nlp)
    for text in ("one", "two"):
        cache.put(text, nlp.make_doc(text))
    assert cache.get("one") is not None  # "two" is now the least recently used
    cache.put("three", nlp.make_doc("three"))
    assert cache.get("two") is None
    assert [d.text for d in (cache.get("one"), cache.get("three")) if d is not None] == ["one", "three"]
    assert (cache.hits, cache.misses, len(cache)) == (3, 1, 2)


def test_the_characters_held_are_bounded(nlp: Any) -> None:
    cache = ParseCache(100, 10)
    cache.bind(nlp)
    cache.put("abcdef", nlp.make_doc("abcdef"))
    cache.put("ghijkl", nlp.make_doc("ghijkl"))  # 12 characters: the first goes
    assert (len(cache), cache.chars) == (1, 6)
    cache.put("a text longer than ten", nlp.make_doc("a text longer than ten"))  # never kept
    assert (len(cache), cache.chars, cache.get("ghijkl") is not None) == (1, 6, True)


def test_another_pipeline_or_setting_drops_the_parses(nlp: Any) -> None:
    cache = ParseCache(10, 1_000)
    cache.bind(nlp, True)
    cache.put("hello", nlp.make_doc("hello"))
    cache.bind(nlp, True)
    assert len(cache) == 1
    cache.bind(nlp, False)  # the NER gate changed
    assert len(cache) == 0
    cache.put("hello", nlp.make_doc("hello"))
    cache.bind(object(), False)
    assert len(cache) == 0


def test_bad_bounds_are_refused(nlp: Any) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ParseCache(0, 10)
    with pytest.raises(ConfigError, match="parse_cache"):
        SpacyExtractor(nlp, parse_cache=-1)


def test_a_stage_repairing_a_parse_in_place_does_not_change_the_cached_one(nlp: Any) -> None:
    ex = SpacyExtractor(nlp, parse_cache=8)
    text = "I'm married to Omar."
    (first,) = ex._parse([text])
    original = _tags(first)
    repaired = _tags(repair(first))
    assert repaired != original  # "married" made the passive verb
    (again,) = ex._parse([text])
    assert _tags(again) == original
    assert not again.user_data  # not marked repaired
    assert ex.parse_cache is not None and (ex.parse_cache.hits, ex.parse_cache.misses) == (1, 1)


def test_files_keep_no_parses_and_the_size_survives_pickling(nlp: Any) -> None:
    assert get_extractor("spacy", nlp=nlp).parse_cache is None  # type: ignore[attr-defined]
    ex = SpacyExtractor(nlp, parse_cache=5, parse_cache_chars=50)
    ex._parse(["warm"])
    back = pickle.loads(pickle.dumps(ex))
    assert back.parse_cache is not None
    assert (back.parse_cache.max_turns, back.parse_cache.max_chars, len(back.parse_cache)) == (5, 50, 0)


_SESSIONS = [
    (
        datetime(2024, 3, k),
        [
            ("Ana", "My sister Clara lives in Rome."),
            ("Ben", f"Did she move there in {2010 + k}?"),
            ("Ana", "She works at Acme Corp."),
            ("Ben", "I'm married to Omar."),
            ("Ana", f"We met on Tues, {k} March."),
        ],
    )
    for k in range(1, 4)
]


def test_threads_sharing_one_cache_extract_what_each_extracts_alone(nlp: Any) -> None:
    transcripts = [make_transcript(_SESSIONS[: k + 1], namespace=f"t{k}") for k in range(3)] * 4
    want = [SpacyExtractor(nlp, now=NOW).extract(t) for t in transcripts]
    shared = SpacyExtractor(nlp, now=NOW, parse_cache=6, parse_cache_chars=400)  # small: entries come and go
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(shared.extract, transcripts))
    assert got == want
    assert shared.parse_cache is not None and shared.parse_cache.hits > 0
