"""Hirings told by the one hired: "I got hired at X", "I accepted an offer from X" begin ``works_at`` X and end
the job held before, as "I joined X" does; "three days from now" dates the start."""

from __future__ import annotations

from datetime import datetime

import pytest

from graphmem.extract.pipeline import SpacyExtractor
from graphmem.extract.resolve import resolve_batch
from graphmem.extract.temporal import update_facts
from graphmem.extract.times import TimeResolver
from graphmem.models import Batch

from .conftest import make_transcript

HIRED = datetime(2024, 5, 1, 10, 0)
TOLD = datetime(2024, 5, 10, 10, 0)  # a Friday
SAID = datetime(2024, 5, 10, 10, 0, 1)  # Kim's turn, the second of the session


def _told(extractor: SpacyExtractor, line: str) -> Batch:
    """ "I work at Acme Corp." on 1 May, then ``line`` on 10 May, both by Kim to Raj."""
    transcript = make_transcript(
        [
            (HIRED, [("Kim", "I live in Boulder and work at Acme Corp.")]),
            (TOLD, [("Raj", "How are things?"), ("Kim", line)]),
        ]
    )
    return update_facts(resolve_batch(extractor.extract(transcript), (), salience=False), ())


def _jobs(batch: Batch) -> dict[str, tuple[datetime | None, datetime | None]]:
    names = {e.id: e.name for e in batch.entities}
    return {names[f.object_id]: (f.valid_from, f.valid_to) for f in batch.facts if f.predicate == "works_at"}


@pytest.mark.parametrize(
    ("line", "start"),
    [
        ("I just got hired at Orbital Foods!", SAID),
        ("I was hired at Orbital Foods in Denver.", SAID),
        ("I accepted a job offer from Orbital Foods.", SAID),
        ("I accepted an offer from Orbital Foods, I start next Monday.", datetime(2024, 5, 13)),
        ("I start at Orbital Foods three days from now.", datetime(2024, 5, 13)),
    ],
)
def test_a_hiring_begins_the_new_job_and_ends_the_old(extractor: SpacyExtractor, line: str, start: datetime) -> None:
    jobs = _jobs(_told(extractor, line))
    assert jobs["Orbital Foods"] == (start, None)
    assert jobs["Acme Corp"] == (HIRED, start)


@pytest.mark.parametrize(
    "line",
    [
        "I got an offer from Orbital Foods.",  # received, not taken
        "I didn't accept the offer from Orbital Foods.",
        "I wasn't hired at Orbital Foods.",
        "I accepted an offer from Orbital Foods for my old car.",  # a sale, not a job
    ],
)
def test_an_offer_not_taken_is_no_job(extractor: SpacyExtractor, line: str) -> None:
    assert _jobs(_told(extractor, line)) == {"Acme Corp": (HIRED, None)}


@pytest.mark.parametrize(
    ("phrase", "day"),
    [("three days from now", "2024-05-13"), ("3 days from now", "2024-05-13"), ("a week from now", "2024-05-17")],
)
def test_a_length_from_now_is_the_day_that_far_ahead(phrase: str, day: str) -> None:
    ref = TimeResolver().resolve(phrase, TOLD, prefer="future")
    assert ref.start is not None and ref.end is not None
    assert (ref.start.date().isoformat(), (ref.end - ref.start).days, ref.grain) == (day, 1, "day")


def test_a_start_told_with_a_new_job_in_its_turn_leaves_the_job_before_it(extractor: SpacyExtractor) -> None:
    """ "I got a job at X! I start on 1 June." in the same session as the old job: the start is X's, and the
    old job keeps its own start (the rule for a start told alone, "I start on 1 June" after "I got a job at
    X.", gave it to the job of the turn before as well)."""
    transcript = make_transcript(
        [
            (
                HIRED,
                [
                    ("Kim", "I work at Acme Corp."),
                    ("Raj", "Cool."),
                    ("Kim", "I got a job at Orbital Foods! I start on 1 June."),
                ],
            )
        ]
    )
    batch = update_facts(resolve_batch(extractor.extract(transcript), (), salience=False), ())
    starts = {}
    names = {e.id: e.name for e in batch.entities}
    for f in batch.facts:
        if f.predicate == "works_at":
            starts.setdefault(names[f.object_id], set()).add(f.valid_from)
    assert starts["Orbital Foods"] == {datetime(2024, 6, 1)}
    assert starts["Acme Corp"] == {HIRED}
