"""A correction of a date memory holds before the slip it corrects: "Sorry, I meant I'm moving to Lisbon in
January, not December." (20 November) stored first, "I'm moving to Lisbon next month." (17 November) after
it, from a file read later or ingested after a live message. Before, both stayed current (Lisbon from 1
December and from 1 January): the correction's denied time was not kept, so nothing checked the slip
against it (:mod:`graphmem.extract.denied_times`)."""

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
    SLIP_AT,
    Step,
    add_correction,
    assert_corrected,
    homes,
    ingest,
    lives_in_history,
    open_memory,
    tell,
    write_correction,
    write_slip,
)


@pytest.fixture
def mem(tmp_path: Path) -> Iterator[Memory]:
    with open_memory(tmp_path / "mem") as opened:
        yield opened


def test_a_correction_file_read_first_corrects_the_slip_read_after(mem: Memory, extractor: Any, tmp_path: Path) -> None:
    """The correction's file ingested first, the slip's (told three days before it) after."""
    tell(mem, tmp_path, extractor, ["correction", "slip"])
    assert_corrected(mem)


def test_a_correction_added_live_corrects_a_slip_ingested_after(mem: Memory, extractor: Any, tmp_path: Path) -> None:
    tell(mem, tmp_path, extractor, ["live", "slip"])
    assert_corrected(mem)


def test_the_same_versions_whichever_comes_first(mem: Memory, extractor: Any, tmp_path: Path) -> None:
    """The correction told after the slip, stored before it: the versions are those of the two told in
    order (ids aside: they name the events)."""
    tell(mem, tmp_path / "in", extractor, ["correction", "slip"])
    with open_memory(tmp_path / "ordered") as other:
        tell(other, tmp_path / "other", extractor, ["slip", "correction"])
        assert [v[3:] for v in lives_in_history(mem)] == [v[3:] for v in lives_in_history(other)]


def test_a_correction_denying_another_time_leaves_the_slip(mem: Memory, extractor: Any, tmp_path: Path) -> None:
    """The correction denies November; the slip said December, which it leaves."""
    tell(mem, tmp_path, extractor, ["live", "slip"], live=CORRECTION.replace("not December", "not November"))
    assert homes(mem, "Ana", MID_DECEMBER) == [datetime(2026, 12, 1)]
    assert homes(mem, "Ana", MID_JANUARY) == [datetime(2026, 12, 1), datetime(2027, 1, 1)]


def test_another_speakers_correction_leaves_the_slip(mem: Memory, extractor: Any, tmp_path: Path) -> None:
    """Chloé's "Sorry, I meant I'm moving to Lisbon in January, not December." is of her own move."""
    tell(mem, tmp_path, extractor, ["live", "slip"], speaker="Chloé")
    assert homes(mem, "Ana", MID_DECEMBER) == [datetime(2026, 12, 1)]
    assert homes(mem, "Chloé", MID_JANUARY) == [datetime(2027, 1, 1)]


@pytest.mark.parametrize("order", FILE_ORDERS, ids=FILE_ORDER_IDS)
def test_a_correction_answering_a_question_leaves_the_slip_either_way(
    mem: Memory, extractor: Any, tmp_path: Path, order: Sequence[Step]
) -> None:
    """Another speaker asked something just before: the correction may answer it, in either order."""
    asked = CORRECTING_CHAT.replace("Good call. I'm flying to Tokyo on 10 December with Zoë.", "When do you move?")
    tell(mem, tmp_path, extractor, order, correction=asked)
    assert homes(mem, "Ana", MID_DECEMBER) == [datetime(2026, 12, 1)]


def test_re_ingesting_both_files_changes_nothing(mem: Memory, extractor: Any, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    write_correction(inputs, "a_chloe.txt")
    write_slip(inputs, "b_bruno.txt")
    ingest(mem, inputs, extractor)
    before = lives_in_history(mem)
    ingest(mem, inputs, extractor)
    assert lives_in_history(mem) == before
    assert_corrected(mem)


def test_a_grown_slip_file_re_ingested_is_still_corrected(mem: Memory, extractor: Any, tmp_path: Path) -> None:
    """The slip's file re-extracted (a turn added) after the correction: its slip is corrected again."""
    tell(mem, tmp_path, extractor, ["correction", "slip"])
    ingest(mem, write_slip(tmp_path, chat=SLIP + "[19:20] Bruno: Great, see you before you go.\n"), extractor)
    assert_corrected(mem)


def test_a_slip_added_live_after_its_correction_is_corrected(mem: Memory, extractor: Any, tmp_path: Path) -> None:
    """A message of 17 November added after the chat of 20 November was ingested: one statement, reckoned
    alone against the stored correction."""
    ingest(mem, write_correction(tmp_path), extractor)
    mem.add({"speaker": "Ana", "text": "I'm moving to Lisbon next month.", "time": SLIP_AT}, namespace=NS)
    assert_corrected(mem)


def test_a_slip_stored_after_two_corrections_is_corrected(mem: Memory, extractor: Any, tmp_path: Path) -> None:
    """January corrected to February before the December slip reached memory: January still denied
    December, so the slip held for no time, as when the three are told in order."""
    add_correction(mem)
    later = CORRECTION.replace("January, not December", "February, not January")
    mem.add({"speaker": "Ana", "text": later, "time": datetime(2026, 11, 21, 10, 0)}, namespace=NS)
    ingest(mem, write_slip(tmp_path), extractor)
    assert homes(mem, "Ana", MID_DECEMBER) == []
    assert homes(mem, "Ana", MID_JANUARY) == []
    assert homes(mem, "Ana", datetime(2027, 2, 15)) == [datetime(2027, 2, 1)]
