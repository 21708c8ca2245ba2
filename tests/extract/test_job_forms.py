"""Jobs told in the other usual ways (tester finding: variants of "I work at X").

A job: "I started a new job at X last week", "I got the job at X", "I've been a curator at the Tate since 2021",
"I landed a job at X", "I just joined X as a designer", "I'm now working for X" are ``works_at`` X, dated as
said, with X an organisation though NER took it for a person: what one holds a job at is a workplace, and so is
a name ending in a workplace's word ("Greenleaf Bakery") or led by "the" ("the Tate").

Not a job: "I got the job done at home", "I work for Sarah", "a job at Tom's".
"""

from __future__ import annotations

from datetime import datetime

import pytest

from graphmem.extract.pipeline import SpacyExtractor

from .conftest import LAST_WEEK, ONE_DAY, dated_facts, nora_says

SAID = ONE_DAY  # Monday 8 May 2023, 13:00


@pytest.mark.parametrize(
    ("text", "employer", "start"),
    [
        ("I started a new job at Greenleaf Bakery last week.", "Greenleaf Bakery", LAST_WEEK),
        ("I got the job at Greenleaf Bakery.", "Greenleaf Bakery", SAID),
        ("I've been a curator at the Tate since 2021.", "Tate", datetime(2021, 1, 1)),
        ("I landed a job at Greenleaf Bakery.", "Greenleaf Bakery", SAID),
        ("I just joined Greenleaf Bakery as a designer.", "Greenleaf Bakery", SAID),
        ("I'm now working for Greenleaf Bakery.", "Greenleaf Bakery", SAID),
        ("I started a new job at Dunmore last week.", "Dunmore", LAST_WEEK),  # a name with no firm's word
    ],
)
def test_a_job_told_another_way_is_works_at_an_organisation(
    extractor: SpacyExtractor, text: str, employer: str, start: datetime
) -> None:
    batch = nora_says(extractor, text)
    facts = dated_facts(batch)
    assert facts.get(("Nora", "works_at", employer)) == start
    assert ("Nora", "said_about", employer) not in facts  # the job says it
    assert [e.type for e in batch.entities if e.name == employer] == ["Organization"]


@pytest.mark.parametrize(
    "text", ["I got the job done at home.", "I work for Sarah.", "I got a job at Tom's.", "I met the Smiths at work."]
)
def test_no_job_where_none_is_told(extractor: SpacyExtractor, text: str) -> None:
    batch = nora_says(extractor, text)
    assert not [f for f in batch.facts if f.predicate == "works_at"]
    assert not [e for e in batch.entities if e.type == "Organization"]
