"""Mends from the final review: a far date on another clock, year-first dates before a comma, marks that
reorder a printed line, and workers stopped when an ingest is interrupted."""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from graphmem.cli.common import plain
from graphmem.extract.antecedents import on_clock
from graphmem.formats._source import parse_timestamp
from graphmem.ingest_extract import _stop_workers
from graphmem.models import TimeRef


def test_a_far_date_on_a_clock_east_of_utc_is_unresolved_not_an_error() -> None:
    ref = TimeRef("30 December 9999", datetime(9999, 12, 30, 12), datetime(9999, 12, 31, 12), "day")
    assert on_clock(ref, timedelta(hours=14)) == TimeRef("30 December 9999")  # before: OverflowError


def test_a_year_first_date_before_a_comma() -> None:
    assert parse_timestamp("2024-03-05, 10:00", path="t") == datetime(2024, 3, 5, 10, 0)  # before: refused


def test_marks_that_reorder_a_line_are_shown_not_obeyed() -> None:
    shown = plain("x\u202eevil\u2028next 👨\u200d👩\u200d👧").plain
    assert "\u202e" not in shown and "\\u202e" in shown and "\\u2028" in shown
    assert "👨\u200d👩\u200d👧" in shown  # a joined emoji keeps its joiners


def test_interrupted_workers_are_stopped_not_waited_for() -> None:
    pool = ProcessPoolExecutor(1)
    future = pool.submit(time.sleep, 60)
    while not future.running():
        time.sleep(0.05)
    processes = list(pool._processes.values())  # type: ignore[attr-defined]
    _stop_workers(pool)
    for process in processes:
        assert _ended(process, 20)  # before: the worker slept on, and the ingest waited for it
    pool.shutdown(wait=True)


def _ended(process: Any, seconds: float) -> bool:
    """Whether ``process`` ends within ``seconds``. The pool's own thread may reap it first, and then this
    thread's ``join`` returns at once with ``is_alive()`` still true: the pid being gone counts as ended."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        process.join(0.1)
        if not process.is_alive():
            return True
        try:
            os.kill(process.pid, 0)
        except ProcessLookupError:
            return True
    return False
