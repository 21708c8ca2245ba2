"""A decade after "the" that NER misses ("I loved grunge in the 90s", "Back in the 90s I lived in Oslo", "The 90s
were great") is a time phrase as "I lived in Oslo in the 90s" is: 1990 to 2000."""

from __future__ import annotations

from datetime import datetime

import pytest

from graphmem.extract.pipeline import SpacyExtractor

from .conftest import make_transcript

SAID = datetime(2023, 5, 8, 9, 0)


def _times(extractor: SpacyExtractor, text: str) -> list[tuple[str, str | None, str | None]]:
    batch = extractor.extract(make_transcript([(SAID, [("Lee", text)])]))
    day = lambda d: d.date().isoformat() if d is not None else None  # noqa: E731
    return [(t.phrase, day(t.start), day(t.end)) for e in batch.events for t in e.times]


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("I loved grunge in the 90s.", "1990-01-01", "2000-01-01"),
        ("Back in the 90s I lived in Oslo.", "1990-01-01", "2000-01-01"),
        ("I loved grunge in the '90s.", "1990-01-01", "2000-01-01"),
        ("The 90s were great.", "1990-01-01", "2000-01-01"),
        ("I lived in Oslo in the 90s.", "1990-01-01", "2000-01-01"),
        ("Back in the late 80s we had no phones.", "1987-01-01", "1990-01-01"),
        ("I was born in the early 2000s.", "2000-01-01", "2003-01-01"),
    ],
)
def test_a_decade_after_the_is_a_time(extractor: SpacyExtractor, text: str, start: str, end: str) -> None:
    assert [(s, e) for _, s, e in _times(extractor, text)] == [(start, end)]


def test_a_fact_in_a_missed_decade_is_dated_by_it(extractor: SpacyExtractor) -> None:
    batch = extractor.extract(make_transcript([(SAID, [("Lee", "Back in the 90s I lived in Oslo.")])]))
    (home,) = [f for f in batch.facts if f.predicate == "lives_in"]
    assert (home.valid_from, home.valid_to) == (datetime(1990, 1, 1), datetime(2000, 1, 1))


@pytest.mark.parametrize(
    "text",
    ["People in their 90s need care.", "She is in her late 80s.", "We had a high in the 90s today, so sunny."],
)
def test_an_age_or_a_temperature_stays_no_decade(extractor: SpacyExtractor, text: str) -> None:
    assert all(s is None for phrase, s, _ in _times(extractor, text) if "0s" in phrase)
