"""A job told with its role first: "I work as a nurse at Hospital La Paz" (tester finding: no job was stored).

The parser hangs "at X" on the role noun when "as a ROLE" comes first and on the verb when it comes last;
both orders say ``works_at`` X, in any tense or aspect, of whoever the subject is. Where one works
outright ("work at", "work for", "teach at") is a workplace even when its name says school.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from graphmem.extract.pipeline import SpacyExtractor
from graphmem.memory import Memory
from graphmem.models import Batch
from tests.ingest.fakes import FakeEmbedder

from .conftest import ONE_DAY, one_session_batch

SAID = ONE_DAY


def _facts(batch: Batch) -> dict[tuple[str, str, str], tuple[datetime | None, datetime | None]]:
    names = {e.id: e.name for e in batch.entities}
    return {(names[f.subject_id], f.predicate, names[f.object_id]): (f.valid_from, f.valid_to) for f in batch.facts}


@pytest.mark.parametrize(
    ("text", "who", "employer"),
    [
        ("I work as a nurse at Hospital La Paz.", "Nora", "Hospital La Paz"),
        ("I work as a data analyst at Acme Analytics.", "Nora", "Acme Analytics"),
        ("I'm working as a barista at Blue Bottle.", "Nora", "Blue Bottle"),
        ("Maria works as a teacher at Hackney Music School.", "Maria", "Hackney Music School"),
        ("I now work as a designer for Spotify.", "Nora", "Spotify"),
        ("I work at Acme Analytics as a data analyst.", "Nora", "Acme Analytics"),  # the order that worked
    ],
)
def test_work_as_a_role_at_a_place_is_a_job_there(
    extractor: SpacyExtractor, text: str, who: str, employer: str
) -> None:
    facts = _facts(one_session_batch(extractor, [("Nora", text), ("Ben", "Nice.")]))
    assert facts.get((who, "works_at", employer)) == (SAID, None)
    assert (who, "said_about", employer) not in facts


def test_a_role_job_told_as_over_ends_when_said(extractor: SpacyExtractor) -> None:
    facts = _facts(one_session_batch(extractor, [("Nora", "I worked as a nurse at Hospital La Paz."), ("Ben", "Oh.")]))
    assert facts.get(("Nora", "works_at", "Hospital La Paz")) == (None, SAID)


def test_a_role_job_since_a_year_starts_then(extractor: SpacyExtractor) -> None:
    text = "I've been working as a barista at Blue Bottle since 2020."
    facts = _facts(one_session_batch(extractor, [("Nora", text), ("Ben", "Nice.")]))
    assert facts.get(("Nora", "works_at", "Blue Bottle")) == (datetime(2020, 1, 1), None)


@pytest.mark.parametrize("text", ["I volunteer as a guide at the Tate.", "I see him as a brother at heart."])
def test_no_job_from_as_where_the_verb_says_none(extractor: SpacyExtractor, text: str) -> None:
    facts = _facts(one_session_batch(extractor, [("Nora", text), ("Ben", "Nice.")]))
    assert not [k for k in facts if k[1] == "works_at"]


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[Memory]:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        yield mem


def test_a_live_role_job_ends_the_job_before(memory: Memory) -> None:
    talk = [
        (datetime(2025, 1, 6, 9, 0), "I live in Madrid and work as a nurse at Hospital La Paz."),
        (datetime(2025, 2, 10, 20, 0), "I now work as a designer for Spotify."),
    ]
    for when, text in talk:
        memory.add({"speaker": "Sofia", "text": text, "time": when}, namespace="s")
    then = memory.facts(namespace="s", valid_at="2025-01-20")
    jobs = {f.object: (f.fact.valid_from, f.fact.valid_to) for f in then if f.fact.predicate == "works_at"}
    assert jobs == {"Hospital La Paz": (talk[0][0], talk[1][0])}
    now = {f.object for f in memory.facts(namespace="s") if f.fact.predicate == "works_at"}
    assert now == {"Spotify"}
