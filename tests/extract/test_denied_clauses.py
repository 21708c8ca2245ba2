"""Which clause a stored denial of a time belongs to (:mod:`graphmem.extract.denied_times`): the one the
"I meant" restates, in the same sentence, so the slip is corrected, or left, the same whichever of the
correction and the slip memory learns first. Before, the denial was read for every fact the correcting turn
stated, by its time phrase alone: a slip learnt after the correction was rewritten where one learnt before it
was not."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem.memory import Memory
from graphmem.store.base import TimeFilter
from tests.support.denied_times import (
    CORRECTING_CHAT,
    CORRECTION,
    MID_DECEMBER,
    MID_JANUARY,
    NS,
    SLIP,
    ingest,
    write_correction,
    write_slip,
)
from tests.support.talk import held

ORDERS = pytest.mark.parametrize("correction_first", [False, True], ids=["slip-first", "correction-first"])


@pytest.fixture
def mem(tmp_path: Path) -> Iterator[Memory]:
    from tests.ingest.fakes import FakeEmbedder

    with Memory.open(tmp_path / "mem", embedder=FakeEmbedder()) as opened:  # type: ignore[arg-type]
        yield opened


def _homes(mem: Memory, speaker: str, when: datetime) -> list[datetime | None]:
    names = {e.id: e.name for e in mem.store.iter_entities(NS)}
    found = mem.store.iter_facts(NS, time=TimeFilter(valid_at=when))
    return sorted(
        (f.valid_from for f in found if f.predicate == "lives_in" and names[f.subject_id] == speaker),
        key=lambda d: d or datetime.min,
    )


def _both(
    mem: Memory,
    extractor: Any,
    tmp_path: Path,
    correction_first: bool,
    correction: str,
    slip: str = SLIP,
    speaker: str = "Ana",
) -> None:
    chat = CORRECTING_CHAT.replace(f"Ana: Lucky you! {CORRECTION}", f"{speaker}: Lucky you! {correction}")
    files = [write_slip(tmp_path, chat=slip), write_correction(tmp_path, chat=chat)]
    for path in reversed(files) if correction_first else files:
        ingest(mem, path, extractor)


@ORDERS
def test_a_denial_restating_another_clause_leaves_the_slip(
    mem: Memory, extractor: Any, tmp_path: Path, correction_first: bool
) -> None:
    """ "I meant" restates the Globex clause; Lisbon's own "in January" denies nothing."""
    text = "Sorry, I meant I start at Globex in January, not December, and I'm moving to Lisbon in January."
    _both(mem, extractor, tmp_path, correction_first, text)
    assert _homes(mem, "Ana", MID_DECEMBER) == [datetime(2026, 12, 1)]


@ORDERS
def test_a_denial_naming_no_state_leaves_the_slip(
    mem: Memory, extractor: Any, tmp_path: Path, correction_first: bool
) -> None:
    """The sentence saying what was meant names no state; the one dating Lisbon denies nothing."""
    text = "I'm moving to Lisbon in January. I meant what I said in January, not December stuff."
    slip = SLIP.replace("I'm moving to Lisbon next month", "I'm moving to Lisbon in December")
    _both(mem, extractor, tmp_path, correction_first, text, slip)
    assert _homes(mem, "Ana", MID_DECEMBER) == [datetime(2026, 12, 1)]


@ORDERS
def test_another_speakers_correction_of_the_slip_leaves_it(
    mem: Memory, extractor: Any, tmp_path: Path, correction_first: bool
) -> None:
    """Chloé says what she meant of Ana's move: Ana's own slip is hers to correct."""
    text = "Sorry, I meant Ana is moving to Lisbon in January, not December."
    _both(mem, extractor, tmp_path, correction_first, text, speaker="Chloé")
    assert _homes(mem, "Ana", MID_DECEMBER) == [datetime(2026, 12, 1)]


@ORDERS
def test_the_same_denial_the_restated_clause_binds_corrects_either_way(
    mem: Memory, extractor: Any, tmp_path: Path, correction_first: bool
) -> None:
    """The Lisbon clause is the one "I meant" restates: its slip is corrected in both orders."""
    text = "Sorry, I meant I'm moving to Lisbon in January, not December, and I start at Globex in January."
    _both(mem, extractor, tmp_path, correction_first, text)
    assert _homes(mem, "Ana", MID_DECEMBER) == []
    assert _homes(mem, "Ana", MID_JANUARY) == [datetime(2027, 1, 1)]


@ORDERS
def test_a_denial_two_states_of_the_value_may_mean_leaves_both(
    mem: Memory, extractor: Any, tmp_path: Path, correction_first: bool
) -> None:
    """Ana works and studies at Nova University from December: which one the correction's December was is not said."""
    slip = SLIP.replace(
        "I'm moving to Lisbon next month, I signed a lease in Alfama.",
        "Next month I start working at Nova University and studying at Nova University.",
    )
    _both(
        mem,
        extractor,
        tmp_path,
        correction_first,
        "Sorry, I meant I start working at Nova University in January, not December.",
        slip,
    )
    assert "Nova University" in held(mem, "works_at", namespace=NS, valid_at=MID_DECEMBER)  # Bruno's job too
    assert held(mem, "studies_at", namespace=NS, valid_at=MID_DECEMBER) == {"Nova University"}
