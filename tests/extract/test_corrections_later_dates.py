"""A slip of a date corrected in a later chat ("I'm moving to Lisbon next month." on 17 November; on 20
November, talking with someone else, "Sorry, I meant I'm moving to Lisbon in January, not December."): a
correction that names the slipped time corrects the speaker's current statement dated within it, stored
before it, in a file of its own or added on a later day; two statements it may mean are
left alone (docs/extraction.md, "A correction of a time")."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem.memory import Memory
from tests.support.talk import held, write_talk

NS = "t"
SLIP = "I'm moving to Lisbon next month, I signed a lease in Alfama."
WITH_BRUNO = (
    "[19:10] Bruno: Ana, I got the job at Nordlicht Energy! They called me on Monday.\n"
    "[19:11] Ana: Congratulations! When do you start?\n"
    "[19:12] Bruno: I start on 1 December. I handed in my notice at Globex Logistics this morning.\n"
    f"[19:14] Ana: Amazing. {SLIP}\n"
)
WITH_CHLOE = (
    "[09:00] Chloé: Ana, are you still planning to drive to Lisbon?\n"
    "[09:02] Ana: Actually I changed my mind, I'll take the train to Lisbon instead of driving.\n"
    "[09:03] Chloé: Good call. I'm flying to Tokyo on 10 December with Zoë.\n"
    "[09:05] Ana: Lucky you! Sorry, I meant I'm moving to Lisbon in January, not December.\n"
)
MID_DECEMBER = datetime(2026, 12, 15)
MID_JANUARY = datetime(2027, 1, 15)


def _files(extractor: Any, tmp_path: Path, slip_file: str, correction_file: str) -> Iterator[Memory]:
    """The two chats as two files of one directory, ingested together (files are written in name order)."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    write_talk(inputs / slip_file, ("17 November 2026", WITH_BRUNO))
    write_talk(inputs / correction_file, ("20 November 2026", WITH_CHLOE))
    from tests.ingest.fakes import FakeEmbedder

    with Memory.open(tmp_path / "mem", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        summary = mem.ingest(inputs, namespace=NS, extractor=extractor, embed=False)
        assert summary.ok, summary.errors
        yield mem


@pytest.mark.parametrize(
    ("slip_file", "correction_file"),
    [
        ("ana_bruno.txt", "ana_chloe.txt"),
        ("b_bruno.txt", "a_chloe.txt"),
    ],
    ids=["slip-file-first", "correction-file-first"],
)
def test_a_correction_of_a_date_in_another_file_corrects_the_slip(
    extractor: Any, tmp_path: Path, slip_file: str, correction_file: str
) -> None:
    """Before, both versions stayed current: Ana lived in Lisbon from 1 December (the slip) and from 1
    January. Now the slip held for no time, and memory as of before the correction still reads it."""
    for mem in _files(extractor, tmp_path, slip_file, correction_file):
        assert held(mem, "lives_in", namespace=NS, valid_at=MID_DECEMBER) == set()
        assert held(mem, "lives_in", namespace=NS, valid_at=MID_JANUARY) == {"Lisbon"}
        before = datetime(2026, 11, 18)
        assert held(mem, "lives_in", namespace=NS, valid_at=MID_DECEMBER, as_of=before) == {"Lisbon"}
        rows = mem.facts(namespace=NS, entity="Ana", predicate="lives_in", valid_at=MID_JANUARY)
        assert [r.fact.valid_from for r in rows] == [datetime(2027, 1, 1)]


def _live(tmp_path: Path, *said: tuple[datetime, str]) -> Memory:
    from tests.ingest.fakes import FakeEmbedder

    mem = Memory.open(tmp_path / "live", embedder=FakeEmbedder())  # type: ignore[arg-type]
    for when, text in said:
        mem.add({"speaker": "Ana", "text": text, "time": when}, namespace=NS)
    return mem


def test_a_date_corrected_again_on_a_later_day_is_corrected(tmp_path: Path) -> None:
    """Before, the later day's restated clause made no fact ("not" read as "not moving") and January stood."""
    with _live(
        tmp_path,
        (datetime(2026, 11, 17, 19, 14), "I'm moving to Lisbon next month."),
        (datetime(2026, 11, 17, 19, 16), "Sorry, I meant January, not December."),
        (datetime(2026, 11, 20, 9, 5), "Sorry, I meant I'm moving to Lisbon in February, not January."),
    ) as mem:
        assert held(mem, "lives_in", namespace=NS, valid_at=MID_DECEMBER) == set()
        assert held(mem, "lives_in", namespace=NS, valid_at=MID_JANUARY) == set()
        assert held(mem, "lives_in", namespace=NS, valid_at=datetime(2027, 2, 15)) == {"Lisbon"}
        january = held(mem, "lives_in", namespace=NS, valid_at=MID_JANUARY, as_of=datetime(2026, 11, 18))
        assert january == {"Lisbon"}


def test_a_bare_time_denying_the_slip_reaches_a_later_day(tmp_path: Path) -> None:
    """A bare "Sorry, I meant January, not December." opening a later day's chat: the December statement."""
    with _live(
        tmp_path,
        (datetime(2026, 11, 17, 19, 14), "I'm moving to Lisbon next month."),
        (datetime(2026, 11, 20, 9, 5), "Sorry, I meant January, not December."),
    ) as mem:
        assert held(mem, "lives_in", namespace=NS, valid_at=MID_DECEMBER) == set()
        assert held(mem, "lives_in", namespace=NS, valid_at=MID_JANUARY) == {"Lisbon"}


def test_a_denied_time_two_statements_may_mean_is_left_alone(tmp_path: Path) -> None:
    """Two current states dated in December: which one slipped is not said, so nothing moves."""
    with _live(
        tmp_path,
        (datetime(2026, 11, 17, 19, 14), "I'm moving to Lisbon next month."),
        (datetime(2026, 11, 18, 10, 0), "I start at Globex next month."),
        (datetime(2026, 11, 20, 9, 5), "Sorry, I meant January, not December."),
    ) as mem:
        assert held(mem, "lives_in", namespace=NS, valid_at=MID_DECEMBER) == {"Lisbon"}
        assert held(mem, "works_at", namespace=NS, valid_at=MID_DECEMBER) == {"Globex"}


def test_a_slip_of_a_date_corrects_no_home_before(tmp_path: Path) -> None:
    """Before, the restated clause was read as a slip of the value too, and Porto (the home before Lisbon) was
    corrected away: held for no time."""
    with _live(
        tmp_path,
        (datetime(2026, 11, 10, 10, 0), "I live in Porto."),
        (datetime(2026, 11, 17, 19, 14), "I'm moving to Lisbon next month."),
        (datetime(2026, 11, 20, 9, 5), "Sorry, I meant I'm moving to Lisbon in January, not December."),
    ) as mem:
        assert held(mem, "lives_in", namespace=NS, valid_at=datetime(2026, 11, 18)) == {"Porto"}
        assert held(mem, "lives_in", namespace=NS, valid_at=MID_DECEMBER) == {"Porto"}
        assert held(mem, "lives_in", namespace=NS, valid_at=MID_JANUARY) == {"Lisbon"}


def test_a_bare_denied_month_leaves_a_past_statement_dated_with_its_year(tmp_path: Path) -> None:
    """Before, "not December" on 20 November was read back to December 2025 and "I moved to Lisbon in
    December 2025." (told 1 November, its year said) held for no time, Lisbon only from 1 January 2026."""
    with _live(
        tmp_path,
        (datetime(2026, 11, 1, 10, 0), "I moved to Lisbon in December 2025."),
        (datetime(2026, 11, 20, 9, 5), "Sorry, I meant January, not December."),
    ) as mem:
        assert held(mem, "lives_in", namespace=NS, valid_at=datetime(2025, 12, 15)) == {"Lisbon"}
        rows = mem.facts(namespace=NS, entity="Ana", predicate="lives_in", valid_at=datetime(2026, 6, 1))
        assert [r.fact.valid_from for r in rows] == [datetime(2025, 12, 1)]
