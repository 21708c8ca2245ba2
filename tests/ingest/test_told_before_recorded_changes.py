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

from graphmem.ingest import ingest
from graphmem.memory import Memory
from graphmem.store.base import TimeFilter

from .fakes import FakeEmbedder
from .test_told_before_recorded import FIRST, GROWN, LIVE

JULY = {"speaker": "Ana", "time": "2024-07-01T10:00", "text": "Actually I left Initech on 25 February."}
APRIL = "\n## Session 4 — 20 April 2024\n[10:00] Ana: Actually I left Initech on 25 February.\n"
MOMENTS = [datetime(2024, m, d, 12) for m, d in [(2, 1), (3, 13), (4, 1), (5, 25), (6, 1), (6, 2), (7, 2), (8, 1)]]


def _told_parts(memory: Memory, tmp_path: Path, extractor: Any, parts: list[Any]) -> None:
    path = tmp_path / "ana.txt"
    for part in parts:
        if isinstance(part, str):
            path.write_text(part, encoding="utf-8")
            assert ingest(memory, path, namespace="ana", extractor=extractor).ok
        else:
            memory.add(part, namespace="ana")


def _reads(memory: Memory) -> dict[str, Any]:
    """What memory says of jobs now and ``AS OF`` each moment (names and valid times, not statement ids)."""
    name = {e.id: e.name for e in memory.store.iter_entities("ana")}

    def jobs(tf: TimeFilter | None) -> list[tuple[Any, ...]]:
        rows = memory.store.iter_facts("ana", time=tf) if tf else memory.store.iter_facts("ana")
        return sorted((name[f.object_id], f.valid_from, f.valid_to) for f in rows if f.predicate == "works_at")

    return {"now": jobs(None), **{str(t): jobs(TimeFilter(as_of=t, valid_at=t)) for t in MOMENTS}}


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
        _told_parts(memory, tmp_path / "ref", spacy_extractor, never_told)
        expected = _reads(memory)
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        _told_parts(memory, tmp_path, spacy_extractor, [FIRST, LIVE, FIRST + GROWN, JULY])
        _ids_unique(memory)
        # the June version is still there as told, under an id of its own
        versions = [
            f for f in memory.store.iter_facts("ana", time=TimeFilter(history=True)) if f.predicate == "works_at"
        ]
        assert datetime(2024, 5, 20) in {f.valid_to for f in versions}
        memory.forget("ana", next(e.id for e in memory.store.iter_events("ana") if forget in e.text))
        _ids_unique(memory)
        assert _reads(memory) == expected


def test_a_grown_file_changing_a_filed_back_fact_then_forgetting_its_turns(
    tmp_path: Path, spacy_extractor: Any
) -> None:
    with Memory.open(tmp_path / "ref" / "db", embedder=FakeEmbedder()) as memory:
        (tmp_path / "ref").mkdir(exist_ok=True)
        _told_parts(memory, tmp_path / "ref", spacy_extractor, [FIRST, LIVE])
        expected = _reads(memory)
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        _told_parts(memory, tmp_path, spacy_extractor, [FIRST, LIVE, FIRST + GROWN + APRIL])
        _ids_unique(memory)
        memory.forget("ana", "ev:ana/session_4:1")
        memory.forget("ana", "ev:ana/session_2:1")
        assert _reads(memory) == expected
