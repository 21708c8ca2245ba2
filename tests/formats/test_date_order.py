"""Numeric dates (``8/5/2023``) are read in one order per input file: the order its dates above 12 show."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from graphmem.date_order import decide_order, ordered
from graphmem.errors import IngestWarning
from graphmem.extract.times import TimeResolver
from graphmem.formats import read_transcripts

Write = Callable[[str, str | bytes], Path]
SAID = datetime(2023, 9, 1, 12, 0)


def _starts(path: Path) -> list[datetime | None]:
    [t] = read_transcripts(path)
    return [s.started_at for s in t.sessions]


def test_a_day_above_12_decides_every_date_of_the_file(write: Write) -> None:
    text = "## Session 1 — 8/5/2023\nAna: hi\n\n## Session 2 — 13/5/2023\nAna: again\n"
    [t] = read_transcripts(write("d.txt", text))
    assert [s.started_at for s in t.sessions] == [datetime(2023, 5, 8), datetime(2023, 5, 13)]
    assert t.day_first is True


def test_a_second_number_above_12_decides_month_first(write: Write) -> None:
    text = "## Session 1 — 8/5/2023\nAna: hi\n\n## Session 2 — 5/13/2023\nAna: again\n"
    assert _starts(write("m.txt", text)) == [datetime(2023, 8, 5), datetime(2023, 5, 13)]


def test_a_date_said_in_a_message_decides_too(write: Write) -> None:
    text = "## Session 1 — 8/5/2023\nAna: I was born on 25/12/1990.\n"
    assert _starts(write("s.txt", text)) == [datetime(2023, 5, 8)]


def test_nothing_deciding_keeps_month_first_and_warns(write: Write) -> None:
    text = "## Session 1 — 8/5/2023\nAna: hi\n"
    with pytest.warns(IngestWarning, match=r"u\.txt:1: numeric dates such as '8/5/2023' read either way"):
        assert _starts(write("u.txt", text)) == [datetime(2023, 8, 5)]


def test_a_file_of_both_orders_warns_naming_the_odd_line(write: Write) -> None:
    text = (
        "## Session 1 — 13/5/2023\nAna: hi\n\n## Session 2 — 14/5/2023\nAna: yo\n\n"
        "## Session 3 — 5/20/2023\nAna: again\n\n## Session 4 — 8/6/2023\nAna: more\n"
    )
    with pytest.warns(IngestWarning, match=r"b\.txt:7: numeric dates are written both ways: '5/20/2023' is month/day"):
        starts = _starts(write("b.txt", text))
    assert starts[-1] == datetime(2023, 6, 8)  # the ambiguous date as most are: day first


def test_no_numeric_dates_no_warning(write: Write) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _starts(write("w.txt", "## Session 1 — 8 May 2023\nAna: open 24/7, a 1/2 cup\n")) == [
            datetime(2023, 5, 8)
        ]


def test_decide_order_and_ordered() -> None:
    assert decide_order(["13.5.2023", "1.2.2023"], path="x") is True
    assert decide_order(["24/7", "5/13/23"], path="x") is False
    assert ordered("on 8/5/2023", True) == "on 8 May 2023"
    assert ordered("on 8/5/2023", None) == "on 8/5/2023"
    # two-digit years as strptime's %y reads them: 69-99 are the 1900s
    assert ordered("born 8/5/99", True) == "born 8 May 1999"
    assert ordered("on 8/5/23", True) == "on 8 May 2023"


def test_the_resolver_reads_a_phrase_in_the_order_given() -> None:
    resolver = TimeResolver()
    assert resolver.resolve("on 8/5/2023", SAID, day_first=True).start == datetime(2023, 5, 8)
    assert resolver.resolve("on 8/5/2023", SAID).start == datetime(2023, 8, 5)  # nothing decided: as before


def test_a_message_date_is_read_in_the_file_order_end_to_end(write: Write, tmp_path: Path) -> None:
    from graphmem.extract.nlp import load_nlp
    from graphmem.memory import Memory

    text = "## Session 1 — 13/9/2023\nAna: I was there on 8/5/2023 too, or was it 9/5/2023?\n"
    with Memory.open(tmp_path / "db", nlp=load_nlp()) as mem:
        summary = mem.ingest(write("e.txt", text), embed=False)
        assert summary.files_ok == 1, summary.errors
        [event] = mem.store.iter_events("e")
    [ref] = [r for r in event.times if "9/5/2023" in r.phrase]
    assert ref.start == datetime(2023, 5, 9)  # 9 May, as the session's 13/9/2023 shows (not 5 September)
