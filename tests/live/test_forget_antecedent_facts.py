"""Forgetting a turn takes back the dates it gave, through a later "later that month", to the facts that
turn stated or ended: every version of them is as a memory never told the forgotten turn holds it (on a Bolt
store too: ``tests/neo4j/test_forget_namespace_bolt.py``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem import Memory
from graphmem.forget_times import redated_facts
from graphmem.models import Event, Fact, TimeRef
from tests.ingest.fakes import FakeEmbedder
from tests.live.test_forget_versions import versions

NS = "mara"

#: Talks whose middle turn (the second) names the time a later "later that month" is dated by.
TALKS = {
    # the only antecedent: the move is left undated (it starts when said)
    "undated": ["I'm in Lisbon in May 2024.", "Later that month I moved to Lisbon."],
    # another antecedent before it: the move is dated by it, and ends the Porto home then
    "dated again": [
        "I moved to Porto on 3 May 2023.",
        "I started a new job on 2 June 2023.",
        "Later that month I moved to Lisbon.",
    ],
}
TIMES = ["2024-06-10T12:00", "2024-06-10T12:01", "2024-06-10T12:02"]


def added(mem: Memory, texts: list[str], skip: int | None = None) -> list[str]:
    """Add ``texts`` (but the one at ``skip``) one message at a time to one session, each at its time in
    :data:`TIMES`; the id of each message's event."""
    said = [{"speaker": "Mara", "text": t, "time": TIMES[i]} for i, t in enumerate(texts) if i != skip]
    return [mem.add(m, namespace=NS)[0] for m in said]


def forgotten_middle(mem: Memory, texts: list[str]) -> list[tuple[Any, ...]]:
    """Every fact version once the antecedent turn (the one before the last) is forgotten."""
    ids = added(mem, texts)
    mem.forget(NS, ids[-2])
    return versions(mem, ids=False)


def never_told(mem: Memory, texts: list[str]) -> list[tuple[Any, ...]]:
    """Every fact version of a memory told ``texts`` but the one before the last."""
    added(mem, texts, skip=len(texts) - 2)
    return versions(mem, ids=False)


@pytest.mark.parametrize("talk", sorted(TALKS))
def test_forget_dates_the_facts_as_a_memory_never_told_the_antecedent(tmp_path: Path, nlp: Any, talk: str) -> None:
    texts = TALKS[talk]
    with Memory.open(tmp_path / "a", embedder=FakeEmbedder(), nlp=nlp) as mem:
        forgot = forgotten_middle(mem, texts)
        dates = {d for v in forgot for d in v[4:6]}
    with Memory.open(tmp_path / "b", embedder=FakeEmbedder(), nlp=nlp) as mem:
        assert forgot == never_told(mem, texts)
    # no version, archived or current, keeps a date only the forgotten turn gave
    assert datetime(2023, 6, 3) not in dates and datetime(2024, 5, 1) not in dates


def test_the_undated_move_starts_when_said(tmp_path: Path, nlp: Any) -> None:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp) as mem:
        forgotten_middle(mem, TALKS["undated"])
        [lives] = [f for f in mem.store.iter_facts(NS, history=True) if f.predicate == "lives_in"]
    assert (lives.valid_from, lives.valid_to, lives.time_phrase) == (datetime(2024, 6, 10, 12, 1), None, None)


LATE = "later that month"
JUNE = TimeRef(LATE, datetime(2023, 6, 3), datetime(2023, 7, 1), "day")
MAY = TimeRef(LATE, datetime(2023, 5, 4), datetime(2023, 6, 1), "day")
SAID = datetime(2023, 9, 10)


def _event(times: tuple[TimeRef, ...]) -> Event:
    return Event("n", "e3", "s", 3, "Ann", "Later that month I quit.", occurred_at=SAID, times=times)


def _fact(**kw: Any) -> Fact:
    return Fact("n", "f", "ann", "works_at", "acme", datetime(2023, 1, 1), **kw)


def test_an_ending_the_phrase_dated_moves_with_it_or_comes_when_said() -> None:
    closed = _fact(valid_from=datetime(2023, 1, 1), valid_to=JUNE.start, evidence=("e1",), revised_by=("e3",))
    moved = redated_facts([closed], {"e3": (_event((JUNE,)), _event((MAY,)))}, {})
    assert [f.valid_to for f in moved] == [MAY.start]
    undated = redated_facts([closed], {"e3": (_event((JUNE,)), _event((TimeRef(LATE),)))}, {})
    assert [f.valid_to for f in undated] == [SAID]


def test_a_state_told_as_over_left_undated_ends_when_said() -> None:
    over = _fact(valid_from=None, valid_to=JUNE.end, evidence=("e3",), time_phrase=LATE)
    [fact] = redated_facts([over], {"e3": (_event((JUNE,)), _event((TimeRef(LATE),)))}, {"e3": SAID})
    assert (fact.valid_from, fact.valid_to, fact.time_phrase) == (None, SAID, "before it was said")


def test_a_fact_another_phrase_dated_is_left_alone() -> None:
    own = _fact(valid_from=datetime(2023, 6, 3), evidence=("e3",), time_phrase="on 3 June 2023")
    assert redated_facts([own], {"e3": (_event((JUNE,)), _event((MAY,)))}, {"e3": SAID}) == []
