"""Fixtures for the extraction tests: one spaCy pipeline per session, small hand-made transcripts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem.extract.claude import ClaudeExtractor
from graphmem.extract.pipeline import SpacyExtractor
from graphmem.extract.resolve import resolve_batch
from graphmem.memory import Memory
from graphmem.models import Batch
from graphmem.transcript import RawSession, RawTurn, Transcript
from tests.support.talk import NoEmbedder

LOCOMO_DEV = Path(__file__).resolve().parents[3] / "shared" / "data" / "locomo" / "locomo_dev.json"
NOW = datetime(2024, 1, 1, 12, 0)


@pytest.fixture(scope="session")
def nlp() -> Any:
    from graphmem.extract.nlp import load_nlp

    return load_nlp()


@pytest.fixture(scope="session")
def extractor(nlp: Any) -> SpacyExtractor:
    return SpacyExtractor(nlp, now=NOW)


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[Memory]:
    """A memory that ingests without embedding."""
    with Memory.open(tmp_path / "db", embedder=NoEmbedder()) as mem:  # type: ignore[arg-type]
        yield mem


def claude_extractor(url: str, cache: Path) -> ClaudeExtractor:
    """A Claude extractor asking the recorded-answer stub at ``url``, caching its answers under ``cache``."""
    return ClaudeExtractor(api_key="test-key", base_url=url, cache_dir=cache, now=NOW, timeout=10)


@pytest.fixture
def claude(stub: Any, tmp_path: Path) -> ClaudeExtractor:
    """A Claude extractor on the ``stub`` fixture of the requesting module (``tests/extract/test_claude.py``'s)."""
    return claude_extractor(stub.url, tmp_path / "cache")


def make_transcript(
    sessions: list[tuple[datetime | None, list[tuple[str, str]]]],
    *,
    namespace: str = "t",
    captions: dict[tuple[int, int], str] | None = None,
) -> Transcript:
    """A transcript from ``[(session start, [(speaker, text), ...]), ...]``; turn ids are ``D<s>:<t>``."""
    raw = []
    for s, (start, turns) in enumerate(sessions, start=1):
        raw.append(
            RawSession(
                f"session_{s}",
                s - 1,
                tuple(
                    RawTurn(
                        speaker,
                        text,
                        source_id=f"D{s}:{t}",
                        line=t,
                        caption=(captions or {}).get((s, t)),
                    )
                    for t, (speaker, text) in enumerate(turns, start=1)
                ),
                started_at=start,
            )
        )
    return Transcript(namespace, tuple(raw), source_file="mem.json", format="test")


@pytest.fixture
def transcript() -> Transcript:
    return make_transcript(
        [
            (
                datetime(2023, 5, 8, 13, 56),  # a Monday
                [
                    ("Caroline", "Hey Mel! I went to a LGBTQ support group yesterday and it was so powerful."),
                    ("Melanie", "That's great, Caroline! I painted a sunset last Saturday."),
                    ("Caroline", "I love your painting. Did you go to Paris in 2022?"),
                    ("Melanie", "No, I visited London with my kids two weeks ago."),
                ],
            ),
            (
                datetime(2023, 5, 25, 13, 14),
                [
                    ("Melanie", "I didn't give up pottery. I took a pottery class last week."),
                    ("Caroline", "Amazing! I adopted a dog named Oscar."),
                ],
            ),
        ],
        captions={(1, 2): "a photo of a painting of a sunset over a lake"},
    )


#: The day of :func:`one_session_batch`'s session.
ONE_DAY = datetime(2023, 5, 8, 13, 0)


def one_session_batch(extractor: SpacyExtractor, turns: list[tuple[str, str]]) -> Batch:
    """``turns`` (``(speaker, text)``) as one session on :data:`ONE_DAY`, extracted and resolved on their own."""
    return resolve_batch(extractor.extract(make_transcript([(ONE_DAY, turns)])), (), salience=False)


def named_facts(batch: Batch) -> set[tuple[str, str, str]]:
    """The batch's facts as ``(subject name, predicate, object name)``."""
    names = {e.id: e.name for e in batch.entities}
    return {(names[f.subject_id], f.predicate, names[f.object_id]) for f in batch.facts}


#: A week before :data:`ONE_DAY` (Monday 1 May 2023): when "last week" dates a fact said that day.
LAST_WEEK = datetime(2023, 5, 1)


def nora_says(extractor: SpacyExtractor, text: str) -> Batch:
    """Nora saying ``text`` and Ben answering "Nice.", as :func:`one_session_batch` (on :data:`ONE_DAY`)."""
    return one_session_batch(extractor, [("Nora", text), ("Ben", "Nice.")])


def dated_facts(batch: Batch) -> dict[tuple[str, str, str], datetime | None]:
    """The batch's facts as ``(subject name, predicate, object name)`` → when each starts (``valid_from``)."""
    names = {e.id: e.name for e in batch.entities}
    return {(names[f.subject_id], f.predicate, names[f.object_id]): f.valid_from for f in batch.facts}
