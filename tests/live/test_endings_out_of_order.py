"""An ending told before the statement it ends reaches memory still ends it: a divorce, a job quit or a
pet's death stored first ends the marriage, the job or the pet when the older statement arrives later, as
adding them in order does (a folder ingested in name order, a message delivered late, a merge)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem import Memory
from tests.ingest.fakes import FakeEmbedder

OLD = [
    {"speaker": "Fay", "text": "I'm married to Omar.", "time": "2024-01-10T10:00:00"},
    {"speaker": "Fay", "text": "I work at Acme.", "time": "2024-01-10T10:01:00"},
    {"speaker": "Fay", "text": "My dog Rex loves the snow.", "time": "2024-01-10T10:02:00"},
]
NEW = [
    {"speaker": "Fay", "text": "Omar and I got divorced in May.", "time": "2024-06-10T10:00:00"},
    {"speaker": "Fay", "text": "I quit my job at Acme last week.", "time": "2024-06-10T10:01:00"},
    {"speaker": "Fay", "text": "My dog Rex died yesterday.", "time": "2024-06-10T10:02:00"},
]
JUNE = datetime(2024, 6, 15)
FEBRUARY = datetime(2024, 2, 1)


def _now(mem: Memory, ns: str, when: datetime) -> set[tuple[str, str]]:
    return {(f.fact.predicate, f.object) for f in mem.facts(namespace=ns, valid_at=when) if f.subject == "Fay"}


@pytest.mark.parametrize("order", ["in order", "late", "one by one late"])
def test_endings_hold_whatever_order_the_messages_come_in(tmp_path: Path, nlp: Any, order: str) -> None:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp) as mem:
        if order == "in order":
            mem.add(OLD + NEW, namespace="fay")
        elif order == "late":
            mem.add(NEW, namespace="fay")
            mem.add(OLD, namespace="fay")
        else:
            for message in NEW + OLD:
                mem.add(message, namespace="fay")
        assert _now(mem, "fay", FEBRUARY) >= {("married_to", "Omar"), ("works_at", "Acme"), ("has_pet", "Rex")}
        assert not _now(mem, "fay", JUNE) & {("married_to", "Omar"), ("works_at", "Acme"), ("has_pet", "Rex")}


def test_a_folder_read_newest_file_first_keeps_the_endings(tmp_path: Path, nlp: Any) -> None:
    folder = tmp_path / "talk"
    folder.mkdir()
    # read in name order: the June file first
    (folder / "a-new.txt").write_text(
        "## Session 2 — 10 June 2024\n[10:00] Fay: Omar and I got divorced in May.\n"
        "[10:01] Fay: I quit my job at Acme last week.\n[10:02] Fay: My dog Rex died yesterday.\n",
        encoding="utf-8",
    )
    (folder / "b-old.txt").write_text(
        "## Session 1 — 10 January 2024\n[10:00] Fay: I'm married to Omar.\n[10:01] Fay: I work at Acme.\n"
        "[10:02] Fay: My dog Rex loves the snow.\n",
        encoding="utf-8",
    )
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp) as mem:
        assert mem.ingest(folder, namespace="fay", embed=False).ok
        assert _now(mem, "fay", FEBRUARY) >= {("married_to", "Omar"), ("works_at", "Acme"), ("has_pet", "Rex")}
        assert not _now(mem, "fay", JUNE) & {("married_to", "Omar"), ("works_at", "Acme"), ("has_pet", "Rex")}


def test_forgetting_the_ending_told_first_reopens_the_fact(tmp_path: Path, nlp: Any) -> None:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp) as mem:
        added = mem.add(NEW[0], namespace="fay")
        mem.add(OLD[0], namespace="fay")
        assert ("married_to", "Omar") not in _now(mem, "fay", JUNE)
        mem.forget(namespace="fay", event_id=added[0])
        assert ("married_to", "Omar") in _now(mem, "fay", JUNE)


@pytest.mark.parametrize("late", [False, True])
def test_a_pet_told_dead_had_not_begun_before_it_was_first_told(tmp_path: Path, nlp: Any, late: bool) -> None:
    # "My cat Miso died last week" gives no start: the January statement tells when Ana had Miso from
    got = {"speaker": "Ana", "text": "I live in Lisbon with my cat Miso.", "time": "2024-01-10T10:00:00"}
    died = {"speaker": "Ana", "text": "My cat Miso died last week.", "time": "2024-06-10T10:00:00"}
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp) as mem:
        for message in [died, got] if late else [got, died]:
            mem.add(message, namespace="ana")
        pets = lambda when: [f.object for f in mem.facts(namespace="ana", predicate="has_pet", valid_at=when)]  # noqa: E731
        assert pets(datetime(2020, 1, 1)) == []
        assert pets(datetime(2024, 2, 1)) == ["Miso"]
        assert pets(datetime(2024, 6, 15)) == []


def test_a_plan_called_off_that_memory_never_held_is_not_kept(tmp_path: Path, nlp: Any) -> None:
    # review finding: "I cancelled Netflix yesterday" told first was kept as a plan of Netflix for all time
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp) as mem:
        mem.add(
            {"speaker": "Ana", "text": "I cancelled Netflix yesterday.", "time": "2024-06-10T10:00:00"}, namespace="a"
        )
        assert [f.object for f in mem.facts(namespace="a", all_time=True) if f.fact.predicate == "plans"] == []


def test_a_divorce_told_first_is_no_marriage_before_the_wedding(tmp_path: Path, nlp: Any) -> None:
    # review finding: the divorce kept as Omar's marriage to Ana was read as held since for ever
    divorce = {"speaker": "Ana", "text": "Omar and I got divorced in May.", "time": "2024-06-10T10:00:00"}
    wedding = {"speaker": "Ana", "text": "I married Omar in 2015.", "time": "2024-01-10T10:00:00"}
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp) as mem:
        mem.add(divorce, namespace="a")
        mem.add(wedding, namespace="a")
        married = lambda when: mem.facts(namespace="a", predicate="married_to", valid_at=when)  # noqa: E731
        assert married(datetime(2010, 1, 1)) == []
        assert married(datetime(2016, 1, 1)) != []
        assert married(datetime(2024, 6, 1)) == []


def test_a_divorce_told_alone_is_a_marriage_held_up_to_its_end(tmp_path: Path, nlp: Any) -> None:
    # with no marriage stored, the divorce is kept as a marriage with no start: its start is unknown and it
    # reads as held up to its end, as every fact without a start ("I lived in Porto until 2020") does
    divorce = {"speaker": "Ana", "text": "Omar and I got divorced in May.", "time": "2024-06-10T10:00:00"}
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp) as mem:
        mem.add(divorce, namespace="a")
        assert [f.fact.valid_from for f in mem.facts(namespace="a", predicate="married_to", all_time=True)] == [None]
        married = lambda when: mem.facts(namespace="a", predicate="married_to", valid_at=when)  # noqa: E731
        assert married(datetime(2024, 4, 1)) != []
        assert married(datetime(2024, 6, 1)) == []
        # once a statement tells when it began, it held from then
        mem.add({"speaker": "Ana", "text": "I married Omar in 2015.", "time": "2024-06-11T10:00:00"}, namespace="a")
        assert married(datetime(2010, 1, 1)) == []
        assert married(datetime(2016, 1, 1)) != []
