"""Which clause a stored denial of a time belongs to (:mod:`graphmem.extract.denied_times`): the one the
"I meant" restates, in the same sentence, so the slip is corrected, or left, the same whichever of the
correction and the slip memory learns first. Before, the denial was read for every fact the correcting turn
stated, by its time phrase alone: a slip learnt after the correction was rewritten where one learnt before it
was not."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem.memory import Memory
from tests.support.denied_times import (
    CORRECTING_CHAT,
    CORRECTION,
    FILE_ORDER_IDS,
    FILE_ORDERS,
    MID_DECEMBER,
    MID_JANUARY,
    NS,
    SLIP,
    Step,
    homes,
    open_memory,
    tell,
)
from tests.support.talk import held

ORDERS = pytest.mark.parametrize("order", FILE_ORDERS, ids=FILE_ORDER_IDS)


@pytest.fixture
def mem(tmp_path: Path) -> Iterator[Memory]:
    with open_memory(tmp_path / "mem") as opened:
        yield opened


def _both(
    mem: Memory,
    extractor: Any,
    tmp_path: Path,
    order: Sequence[Step],
    correction: str,
    slip: str = SLIP,
    speaker: str = "Ana",
) -> None:
    """The slip's file and a correcting chat where ``speaker`` says ``correction``, told in ``order``."""
    chat = CORRECTING_CHAT.replace(f"Ana: Lucky you! {CORRECTION}", f"{speaker}: Lucky you! {correction}")
    tell(mem, tmp_path, extractor, order, slip=slip, correction=chat)


@ORDERS
def test_a_denial_restating_another_clause_leaves_the_slip(
    mem: Memory, extractor: Any, tmp_path: Path, order: Sequence[Step]
) -> None:
    """ "I meant" restates the Globex clause; Lisbon's own "in January" denies nothing."""
    text = "Sorry, I meant I start at Globex in January, not December, and I'm moving to Lisbon in January."
    _both(mem, extractor, tmp_path, order, text)
    assert homes(mem, "Ana", MID_DECEMBER) == [datetime(2026, 12, 1)]


@ORDERS
def test_a_denial_naming_no_state_leaves_the_slip(
    mem: Memory, extractor: Any, tmp_path: Path, order: Sequence[Step]
) -> None:
    """The sentence saying what was meant names no state; the one dating Lisbon denies nothing."""
    text = "I'm moving to Lisbon in January. I meant what I said in January, not December stuff."
    slip = SLIP.replace("I'm moving to Lisbon next month", "I'm moving to Lisbon in December")
    _both(mem, extractor, tmp_path, order, text, slip)
    assert homes(mem, "Ana", MID_DECEMBER) == [datetime(2026, 12, 1)]


@ORDERS
def test_another_speakers_correction_of_the_slip_leaves_it(
    mem: Memory, extractor: Any, tmp_path: Path, order: Sequence[Step]
) -> None:
    """Chloé says what she meant of Ana's move: Ana's own slip is hers to correct."""
    text = "Sorry, I meant Ana is moving to Lisbon in January, not December."
    _both(mem, extractor, tmp_path, order, text, speaker="Chloé")
    assert homes(mem, "Ana", MID_DECEMBER) == [datetime(2026, 12, 1)]


@ORDERS
def test_the_same_denial_the_restated_clause_binds_corrects_either_way(
    mem: Memory, extractor: Any, tmp_path: Path, order: Sequence[Step]
) -> None:
    """The Lisbon clause is the one "I meant" restates: its slip is corrected in both orders."""
    text = "Sorry, I meant I'm moving to Lisbon in January, not December, and I start at Globex in January."
    _both(mem, extractor, tmp_path, order, text)
    assert homes(mem, "Ana", MID_DECEMBER) == []
    assert homes(mem, "Ana", MID_JANUARY) == [datetime(2027, 1, 1)]


@ORDERS
def test_a_denial_two_states_of_the_value_may_mean_leaves_both(
    mem: Memory, extractor: Any, tmp_path: Path, order: Sequence[Step]
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
        order,
        "Sorry, I meant I start working at Nova University in January, not December.",
        slip,
    )
    assert "Nova University" in held(mem, "works_at", namespace=NS, valid_at=MID_DECEMBER)  # Bruno's job too
    assert held(mem, "studies_at", namespace=NS, valid_at=MID_DECEMBER) == {"Nova University"}
