"""A move of someone named before, where NER slips: "Owen moved to Cardiff yesterday." (NER reads "Owen" as an
organisation and "Cardiff yesterday" as one date)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem.extract.spans import mark_missed_times
from graphmem.memory import Memory
from graphmem.store.base import TimeFilter
from tests.ingest.fakes import FakeEmbedder

NS = "m"
SAID = "2025-04-20T10:05:00"


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[Memory]:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        yield mem


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("Owen moved to Cardiff yesterday.", ["yesterday"]),
        ("My brother Owen moved to Cardiff yesterday.", ["yesterday"]),
        ("We met Monday last week.", ["Monday last week"]),  # a day before a relative date: one date
    ],
)
def test_a_name_ner_ran_into_a_relative_date_is_cut_off_it(nlp: Any, text: str, dates: list[str]) -> None:
    doc = mark_missed_times(nlp(text))
    assert [e.text for e in doc.ents if e.label_ == "DATE"] == dates


def _say(mem: Memory, turns: list[tuple[str, str]], *, live: bool) -> None:
    messages = [{"speaker": "Mara", "text": text, "time": when} for text, when in turns]
    if live:  # one message at a time, as an agent adds them
        for message in messages:
            mem.add(message, namespace=NS)
    else:
        mem.add(messages, namespace=NS)


def _homes(mem: Memory, when: datetime) -> set[str]:
    names = {e.id: e.name for e in mem.store.iter_entities(NS)}
    found = mem.store.iter_facts(NS, time=TimeFilter(valid_at=when))
    return {names[f.object_id] for f in found if f.predicate == "lives_in"}


@pytest.mark.parametrize("live", [False, True], ids=["one-call", "live"])
@pytest.mark.parametrize(
    ("moved", "place", "since"),
    [
        ("My brother Owen moved to Cardiff yesterday.", "Cardiff", datetime(2025, 4, 19)),
        ("Owen moved to Cardiff yesterday.", "Cardiff", datetime(2025, 4, 19)),
        ("Owen moved to Paris yesterday.", "Paris", datetime(2025, 4, 19)),
        ("Owen moved to Cardiff last week.", "Cardiff", datetime(2025, 4, 7)),
        ("Owen moved to Cardiff.", "Cardiff", datetime(2025, 4, 20, 10, 5)),
    ],
)
def test_a_move_of_a_person_named_before_ends_the_old_home(
    memory: Memory, live: bool, moved: str, place: str, since: datetime
) -> None:
    _say(memory, [("My brother Owen lives in Bristol.", "2025-04-20T10:00:00"), (moved, SAID)], live=live)
    assert _homes(memory, datetime(2025, 6, 1)) == {place}  # before: still Bristol
    assert _homes(memory, since) == {place}
