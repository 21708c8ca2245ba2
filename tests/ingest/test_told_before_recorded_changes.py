"""A change made after a filed-back one, and forgetting each statement in turn (graphmem/store/versions.py).

A change told before the stored version was recorded is filed back (``_filed_back``): the stored version is
kept as told and the reckoned one is current. A later change archives the reckoned version; it must never
land on the id of the one kept as told, so forgetting any statement leaves every ``AS OF`` read and the
current facts as a memory never told it gives.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem.memory import Memory
from graphmem.store.base import TimeFilter
from tests.support.told_before import FIRST, GROWN, JULY, LIVE, initech, reads, tell, told, told_live

from .fakes import FakeEmbedder

APRIL = "\n## Session 4 — 20 April 2024\n[10:00] Ana: Actually I left Initech on 25 February.\n"


def _ids_unique(memory: Memory) -> None:
    ids = [f.id for f in memory.store.iter_facts("ana", time=TimeFilter(history=True))]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("forget", "never_told"),
    [
        ("Globex", [FIRST, LIVE, JULY]),
        ("last week", [FIRST + GROWN, JULY]),
        ("25 February", [FIRST, LIVE, FIRST + GROWN]),
    ],
)
def test_a_change_after_a_filed_back_one_then_forgetting_each_statement(
    tmp_path: Path, spacy_extractor: Any, forget: str, never_told: list[Any]
) -> None:
    with Memory.open(tmp_path / "ref" / "db", embedder=FakeEmbedder()) as memory:
        (tmp_path / "ref").mkdir(exist_ok=True)
        tell(memory, tmp_path / "ref", spacy_extractor, never_told)
        expected = reads(memory)
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        tell(memory, tmp_path, spacy_extractor, [FIRST, LIVE, FIRST + GROWN, JULY])
        _ids_unique(memory)
        # the June version is still there as told, under an id of its own
        versions = [
            f for f in memory.store.iter_facts("ana", time=TimeFilter(history=True)) if f.predicate == "works_at"
        ]
        assert datetime(2024, 5, 20) in {f.valid_to for f in versions}
        memory.forget("ana", next(e.id for e in memory.store.iter_events("ana") if forget in e.text))
        _ids_unique(memory)
        assert reads(memory) == expected


def test_a_grown_file_changing_a_filed_back_fact_then_forgetting_its_turns(
    tmp_path: Path, spacy_extractor: Any
) -> None:
    with Memory.open(tmp_path / "ref" / "db", embedder=FakeEmbedder()) as memory:
        (tmp_path / "ref").mkdir(exist_ok=True)
        told_live(memory, tmp_path / "ref", spacy_extractor)
        expected = reads(memory)
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        tell(memory, tmp_path, spacy_extractor, [FIRST, LIVE, FIRST + GROWN + APRIL])
        _ids_unique(memory)
        memory.forget("ana", "ev:ana/session_4:1")
        memory.forget("ana", "ev:ana/session_2:1")
        assert reads(memory) == expected


@pytest.mark.parametrize(("was", "now"), [("12 March", "14 March"), ("1 March", "5 March")])
def test_a_grown_file_ingested_again_with_one_turn_changed(
    tmp_path: Path, spacy_extractor: Any, was: str, now: str
) -> None:
    # the store unwinds the versions the replaced turn gave before it files the new turn's change back:
    # the result is the memory told the changed file in the first place
    changed = FIRST + GROWN.replace(was, now)
    with Memory.open(tmp_path / "ref" / "db", embedder=FakeEmbedder()) as memory:
        (tmp_path / "ref").mkdir(exist_ok=True)
        tell(memory, tmp_path / "ref", spacy_extractor, [FIRST, LIVE, changed])
        expected = (told(memory), reads(memory))
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        tell(memory, tmp_path, spacy_extractor, [FIRST, LIVE, FIRST + GROWN, changed])
        _ids_unique(memory)
        assert (told(memory), reads(memory)) == expected
        if was == "12 March":  # 10 Jan, 14 Mar (ended 1 Mar), the June version as told, then reckoned
            assert [(v.recorded_at, v.expired_at, v.valid_to) for v in initech(memory)] == [
                (datetime(2024, 1, 10, 9), datetime(2024, 3, 14, 10), None),
                (datetime(2024, 3, 14, 10), datetime(2024, 6, 1, 10), datetime(2024, 3, 1)),
                (datetime(2024, 6, 1, 10), datetime(2024, 6, 1, 10, 0, 1), datetime(2024, 5, 20)),
                (datetime(2024, 6, 1, 10, 0, 1), None, datetime(2024, 3, 1)),
            ]
