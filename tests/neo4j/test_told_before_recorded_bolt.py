"""A change told before a stored version was recorded, on a Bolt store: filed when told, the later version
kept as told, and forgetting either statement gives back the memory without it, as on the embedded store
(``tests/ingest/test_told_before_recorded.py``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem.store.base import TimeFilter
from tests.support.bolt_memory import open_bolt_memory
from tests.support.bolt_server import BoltTarget, wipe_database
from tests.support.told_before import FIRST, GROWN, JULY, LIVE, QUIT, grown, initech, jobs, reads, tell, told, told_live

pytestmark = pytest.mark.neo4j


def test_grown_file_versions_and_forgetting_the_earlier_told_change_on_bolt(
    bolt_server: BoltTarget, tmp_path: Path, extractor: Any
) -> None:
    wipe_database(bolt_server)
    with open_bolt_memory(bolt_server, tmp_path / "cache") as mem:
        told_live(mem, tmp_path, extractor)
        before = told(mem)
    wipe_database(bolt_server)
    with open_bolt_memory(bolt_server, tmp_path / "cache2") as mem:
        grown(mem, tmp_path, extractor)
        april = datetime(2024, 4, 1)
        assert set(jobs(mem, TimeFilter(as_of=april, valid_at=april))) == {"Globex Corporation"}
        june, reckoned = datetime(2024, 6, 1, 10), datetime(2024, 6, 1, 10, 0, 1)
        assert [(v.recorded_at, v.expired_at, v.valid_to) for v in initech(mem)][2:] == [
            (june, reckoned, datetime(2024, 5, 20)),
            (reckoned, None, datetime(2024, 3, 1)),
        ]
        mem.forget("ana", "ev:ana/session_2:1")
        assert told(mem) == before


def test_a_message_dated_before_a_stored_version_on_bolt(
    bolt_server: BoltTarget, tmp_path: Path, extractor: Any
) -> None:
    wipe_database(bolt_server)
    with open_bolt_memory(bolt_server, tmp_path / "cache") as mem:
        told_live(mem, tmp_path, extractor)
        before = told(mem)
        mem.add(QUIT, namespace="ana")
        april = datetime(2024, 4, 1)
        assert not jobs(mem, TimeFilter(as_of=april, valid_at=april))
        quit_turn = next(e.id for e in mem.store.iter_events("ana") if e.text == QUIT["text"])
        mem.forget("ana", quit_turn)
        assert told(mem) == before


@pytest.mark.parametrize(
    ("forget", "never_told"), [("Globex", [FIRST, LIVE, JULY]), ("last week", [FIRST + GROWN, JULY])]
)
def test_a_change_after_a_filed_back_one_then_forgetting_a_statement_on_bolt(
    bolt_server: BoltTarget, tmp_path: Path, extractor: Any, forget: str, never_told: list[Any]
) -> None:
    wipe_database(bolt_server)
    (tmp_path / "ref").mkdir()
    with open_bolt_memory(bolt_server, tmp_path / "cache") as mem:
        tell(mem, tmp_path / "ref", extractor, never_told)
        expected = reads(mem)
    wipe_database(bolt_server)
    with open_bolt_memory(bolt_server, tmp_path / "cache2") as mem:
        tell(mem, tmp_path, extractor, [FIRST, LIVE, FIRST + GROWN, JULY])
        ids = [f.id for f in mem.store.iter_facts("ana", time=TimeFilter(history=True))]
        assert len(ids) == len(set(ids))
        mem.forget("ana", next(e.id for e in mem.store.iter_events("ana") if forget in e.text))
        assert reads(mem) == expected


@pytest.mark.parametrize(("was", "now"), [("12 March", "14 March"), ("1 March", "5 March")])
def test_a_grown_file_ingested_again_with_one_turn_changed_on_bolt(
    bolt_server: BoltTarget, tmp_path: Path, extractor: Any, was: str, now: str
) -> None:
    changed = FIRST + GROWN.replace(was, now)
    wipe_database(bolt_server)
    (tmp_path / "ref").mkdir()
    with open_bolt_memory(bolt_server, tmp_path / "cache") as mem:
        tell(mem, tmp_path / "ref", extractor, [FIRST, LIVE, changed])
        expected = (told(mem), reads(mem))
    wipe_database(bolt_server)
    with open_bolt_memory(bolt_server, tmp_path / "cache2") as mem:
        tell(mem, tmp_path, extractor, [FIRST, LIVE, FIRST + GROWN, changed])
        assert (told(mem), reads(mem)) == expected
        if was == "12 March":  # 10 Jan, 14 Mar (ended 1 Mar), the June version as told, then reckoned
            assert [(v.recorded_at, v.expired_at, v.valid_to) for v in initech(mem)] == [
                (datetime(2024, 1, 10, 9), datetime(2024, 3, 14, 10), None),
                (datetime(2024, 3, 14, 10), datetime(2024, 6, 1, 10), datetime(2024, 3, 1)),
                (datetime(2024, 6, 1, 10), datetime(2024, 6, 1, 10, 0, 1), datetime(2024, 5, 20)),
                (datetime(2024, 6, 1, 10, 0, 1), None, datetime(2024, 3, 1)),
            ]
