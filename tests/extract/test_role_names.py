"""A role noun beside someone named, as in "my boss, a guy named Tom": the role is that one."""

from __future__ import annotations

from datetime import datetime

import pytest

from graphmem.extract.pipeline import SpacyExtractor
from graphmem.extract.resolve import resolve_batch
from graphmem.models import Batch

from .conftest import make_transcript

DAY = datetime(2023, 5, 8, 13, 0)


def _batch(extractor: SpacyExtractor, turns: list[tuple[str, str]]) -> Batch:
    return resolve_batch(extractor.extract(make_transcript([(DAY, turns)])), (), salience=False)


def _facts(batch: Batch) -> set[tuple[str, str, str]]:
    names = {e.id: e.name for e in batch.entities}
    return {(names[f.subject_id], f.predicate, names[f.object_id]) for f in batch.facts}


@pytest.mark.parametrize(
    "text",
    [
        "My boss, a guy named Tom, is really strict.",
        "My boss is a guy named Tom.",
        "A guy named Tom, my boss, is really strict.",
    ],
)
def test_a_role_beside_someone_named_is_that_one(extractor: SpacyExtractor, text: str) -> None:
    batch = _batch(extractor, [("Ana", text), ("Ben", "Ok.")])
    assert ("Tom", "boss_of", "Ana") in _facts(batch)
    assert not [e for e in batch.entities if e.name == "Ana's boss"]  # the role is Tom, not a topic beside him


def test_a_named_pet_beside_a_role_is_still_a_pet(extractor: SpacyExtractor) -> None:
    batch = _batch(extractor, [("Ana", "My sister has a dog named Pixel."), ("Ben", "Ok.")])
    assert not [f for f in _facts(batch) if f[1] == "sister_of"]


def test_a_name_given_to_a_plain_noun_makes_no_role(extractor: SpacyExtractor) -> None:
    batch = _batch(extractor, [("Ana", "I met a guy named Tom at the gym."), ("Ben", "Ok.")])
    assert not [f for f in _facts(batch) if f[1].endswith("_of")]


def test_a_noun_of_no_relation_described_as_someone_named_makes_no_role(extractor: SpacyExtractor) -> None:
    batch = _batch(extractor, [("Ana", "My inspiration is a woman named Maya."), ("Ben", "Ok.")])
    assert not [f for f in _facts(batch) if f[1].endswith("_of")]
