"""Endings dated before memory learned the state they end: "I quit my job last month" a week after "I work
at Acme", "I moved out of Lisbon last month", "My girlfriend Sara and I broke up yesterday"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from graphmem.memory import Memory
from graphmem.store.base import TimeFilter
from tests.ingest.fakes import FakeEmbedder

NS = "e"


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[Memory]:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        yield mem


def _say(mem: Memory, *turns: tuple[str, str]) -> None:
    for text, when in turns:
        mem.add({"speaker": "Dana", "text": text, "time": when}, namespace=NS)


def _held(mem: Memory, predicate: str, when: datetime) -> set[str]:
    names = {e.id: e.name for e in mem.store.iter_entities(NS)}
    found = mem.store.iter_facts(NS, time=TimeFilter(valid_at=when))
    return {names[f.object_id] for f in found if f.predicate == predicate}


def _current(mem: Memory) -> list[str]:
    return [f.describe() for f in mem.facts(namespace=NS)]


def test_an_ending_dated_by_a_period_that_holds_the_start_ends_the_state(memory: Memory) -> None:
    _say(memory, ("I work at Acme.", "2024-01-20T10:00:00"), ("I quit my job last month.", "2024-02-05T10:00:00"))
    # before: "last month" began before memory learned the job, so it was taken for an earlier job
    assert _current(memory) == []
    assert _held(memory, "works_at", datetime(2024, 1, 25)) == {"Acme"}
    assert _held(memory, "works_at", datetime(2024, 2, 2)) == set()  # ended with January


def test_an_ending_naming_the_value_wins_over_an_earlier_present_statement(memory: Memory) -> None:
    _say(
        memory,
        ("I live in Lisbon.", "2024-05-01T10:00:00"),
        ("I moved out of Lisbon last month.", "2024-05-08T10:00:00"),
    )
    assert _current(memory) == []
    assert _held(memory, "lives_in", datetime(2024, 6, 1)) == set()


def test_a_state_and_its_ending_before_the_turn_in_one_turn(memory: Memory) -> None:
    _say(memory, ("My girlfriend Sara and I broke up yesterday.", "2024-05-01T10:00:00"))
    assert _current(memory) == []
    assert _held(memory, "dating", datetime(2024, 4, 20)) == {"Sara"}  # held before, ended yesterday


@pytest.mark.parametrize(
    "turns",
    [
        # an ending of a job long before this one was talked of: another job
        (("I work at Acme.", "2024-03-20T10:00:00"), ("I quit my job in 2019.", "2024-04-05T10:00:00")),
        # a stint before the dated start
        (("I've worked at Acme since 2020.", "2024-03-20T10:00:00"), ("I left Acme in 2017.", "2024-04-05T10:00:00")),
        # an ending told before the new state in the same turn
        (("I left my job last year, now I work at Acme.", "2024-03-20T10:00:00"),),
    ],
)
def test_an_ending_of_an_earlier_stint_ends_nothing(memory: Memory, turns: tuple[tuple[str, str], ...]) -> None:
    _say(memory, *turns)
    assert _held(memory, "works_at", datetime(2024, 6, 1)) == {"Acme"}


def test_an_ending_with_a_zone_offset(memory: Memory) -> None:
    _say(
        memory,
        ("I work at Acme.", "2024-01-20T10:00:00+09:00"),
        ("I quit my job last month.", "2024-02-05T10:00:00+09:00"),
    )
    assert _current(memory) == []
    assert _held(memory, "works_at", datetime(2024, 1, 31, 14)) == {"Acme"}
    assert _held(memory, "works_at", datetime(2024, 1, 31, 16)) == set()  # 1 February at +09:00: 31 January 15:00 UTC


def test_the_same_turns_from_a_file(memory: Memory, tmp_path: Path) -> None:
    path = tmp_path / "talk.txt"
    path.write_text(
        "## Session 1 — 20 January 2024\n[10:00] Dana: I work at Acme.\n[10:01] Ben: Nice.\n"
        "## Session 2 — 5 February 2024\n[10:00] Dana: I quit my job last month.\n[10:01] Ben: Oh.\n",
        encoding="utf-8",
    )
    assert memory.ingest(path, namespace=NS, embed=False).ok
    assert _held(memory, "works_at", datetime(2024, 1, 25)) == {"Acme"}
    assert _held(memory, "works_at", datetime(2024, 6, 1)) == set()


@pytest.mark.parametrize(
    "turns",
    [
        # the ending of another job, in another sentence or qualified as another (review)
        (("I work at Acme now. I quit my old job last year.", "2024-03-12T10:00:00"),),
        (("I work at Acme. I left my previous job in 2020.", "2024-03-12T10:00:00"),),
        # named, but dated long before: an earlier stint (review)
        (
            ("I work at Acme.", "2024-01-20T10:00:00"),
            ("I left Acme in 2019 but came back in 2021.", "2024-02-05T10:00:00"),
        ),
    ],
)
def test_an_ending_of_another_or_an_earlier_job_leaves_the_current_one(
    memory: Memory, turns: tuple[tuple[str, str], ...]
) -> None:
    _say(memory, *turns)
    assert _held(memory, "works_at", datetime(2024, 6, 1)) == {"Acme"}
