"""Dismissals: a job ended by the employer ("Acme fired me", "Acme laid me off", "Acme let me go") ends the
speaker's ``works_at`` as "I quit my job at Acme" does, and links nothing else."""

from __future__ import annotations

from datetime import datetime

import pytest

from graphmem.extract.pipeline import SpacyExtractor
from graphmem.extract.resolve import resolve_batch
from graphmem.models import Batch

from .conftest import make_transcript, named_facts

HIRED = datetime(2023, 1, 9, 10, 0)
TOLD = datetime(2023, 6, 12, 10, 0)


def _told(extractor: SpacyExtractor, line: str) -> Batch:
    """ "I work at Acme." in January, then ``line`` in June, both by Ana to Ben."""
    transcript = make_transcript(
        [(HIRED, [("Ana", "I work at Acme."), ("Ben", "Nice.")]), (TOLD, [("Ana", line), ("Ben", "Oh no.")])]
    )
    return resolve_batch(extractor.extract(transcript), (), salience=False)


@pytest.mark.parametrize(
    "line",
    [
        "Acme fired me.",
        "Acme laid me off last week.",
        "Acme let me go yesterday.",
        "Acme let me go in March.",
        "I got fired from Acme.",  # NER calls Acme a place here: the closing names it all the same
        "I was laid off by Acme.",
        "I was let go by Acme.",
        "I got let go.",
        "My boss fired me.",  # a person dismissing: the job ends, whichever it was
        "My manager, Rui Costa, let me go.",
    ],
)
def test_a_dismissal_ends_the_job(extractor: SpacyExtractor, line: str) -> None:
    batch = _told(extractor, line)
    (job,) = [f for f in batch.facts if f.predicate == "works_at"]
    assert job.valid_to is not None and HIRED < job.valid_to <= TOLD
    assert not [f for f in batch.facts if f.predicate == "said_about"]


@pytest.mark.parametrize(
    "line",
    [
        "They let me go.",  # let go by whom?
        "My boss let me go home early.",  # a permission
        "Acme didn't fire me.",
        "I almost got fired.",
        "Google fired me.",  # another employer's job, not Acme's
        "Did Acme fire you?",
    ],
)
def test_what_is_no_dismissal_of_the_job_ends_nothing(extractor: SpacyExtractor, line: str) -> None:
    batch = _told(extractor, line)
    (job,) = [f for f in batch.facts if f.predicate == "works_at"]
    assert job.valid_to is None


@pytest.mark.parametrize(
    ("line", "facts"),
    [
        # the role, and no link for the hiring: the organisation is known only by context, so nothing is invented
        ("My manager, Rui Costa, hired me last week.", {("Rui Costa", "manager_of", "Ana")}),
        ("Acme hired me.", {("Ana", "works_at", "Acme")}),
    ],
)
def test_a_hiring_links_no_one(extractor: SpacyExtractor, line: str, facts: set[tuple[str, str, str]]) -> None:
    transcript = make_transcript([(TOLD, [("Ana", line), ("Ben", "Congrats!")])])
    assert named_facts(resolve_batch(extractor.extract(transcript), (), salience=False)) == facts
