"""A move announced ahead ("I'm moving to Rome next month") and later told with its day ("I moved to Rome on
3 June"): the later, more precise date begins the home and ends the one before; the announcement held for no
time."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem.memory import Memory
from tests.support.talk import held, say, write_talk

NS = "move"
ANNOUNCED = "[10:00] Sam: I live in Berlin.\n[10:01] Sam: I'm moving to Rome next month.\n"


def _homes(mem: Memory, when: datetime) -> set[str]:
    return held(mem, "lives_in", namespace=NS, valid_at=when)


def test_the_day_told_later_begins_the_home_announced_for_its_month(
    memory: Memory, extractor: Any, tmp_path: Path
) -> None:
    path = write_talk(
        tmp_path / "move.txt", ("1 May 2024", ANNOUNCED), ("1 July 2024", "[10:00] Sam: I moved to Rome on 3 June.\n")
    )
    assert memory.ingest(path, namespace=NS, extractor=extractor, embed=False).ok
    # before, Rome held from 1 June (the announced month) and Berlin ended then
    assert _homes(memory, datetime(2024, 6, 2)) == {"Berlin"}
    assert _homes(memory, datetime(2024, 6, 4)) == {"Rome"}


def test_the_day_told_in_a_later_ingest_dates_the_stored_announcement(
    memory: Memory, extractor: Any, tmp_path: Path
) -> None:
    say(memory, extractor, tmp_path / "a.txt", ANNOUNCED, namespace=NS, date="1 May 2024")
    assert _homes(memory, datetime(2024, 6, 2)) == {"Rome"}  # as announced, until told otherwise
    say(
        memory,
        extractor,
        tmp_path / "b.txt",
        "[10:00] Sam: I moved to Rome on 3 June.\n",
        namespace=NS,
        date="1 July 2024",
    )
    assert _homes(memory, datetime(2024, 6, 2)) == {"Berlin"}
    assert _homes(memory, datetime(2024, 6, 4)) == {"Rome"}


def test_a_day_told_later_inside_the_week_said_dates_the_move(memory: Memory, extractor: Any, tmp_path: Path) -> None:
    path = write_talk(
        tmp_path / "move.txt",
        ("1 January 2024", "[10:00] Sam: I live in Paris.\n"),
        ("1 March 2024", "[10:00] Sam: I moved to Berlin last week.\n"),  # the week of 19 February
        ("10 March 2024", "[10:00] Sam: Actually, I moved to Berlin on 20 February, not last week.\n"),
    )
    assert memory.ingest(path, namespace=NS, extractor=extractor, embed=False).ok
    # before, Berlin held from 19 February (the week) and Paris ended then
    assert _homes(memory, datetime(2024, 2, 19, 12)) == {"Paris"}
    assert _homes(memory, datetime(2024, 2, 21)) == {"Berlin"}


@pytest.mark.parametrize(
    "later",
    [
        "[10:00] Sam: I live in Rome now.\n",  # dated only by its telling: no day of the move
        "[10:00] Sam: I moved to Rome on 3 August.\n",  # not in the month announced
    ],
)
def test_a_statement_that_dates_no_day_of_the_announced_period_leaves_it(
    memory: Memory, extractor: Any, tmp_path: Path, later: str
) -> None:
    path = write_talk(tmp_path / "move.txt", ("1 May 2024", ANNOUNCED), ("1 September 2024", later))
    assert memory.ingest(path, namespace=NS, extractor=extractor, embed=False).ok
    assert _homes(memory, datetime(2024, 6, 2)) == {"Rome"}
