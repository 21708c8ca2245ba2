"""A correction of a date stored before the slip it corrects, on a Bolt store: the slip is corrected when it
is written, with the versions the embedded store writes (``tests/extract/test_corrections_before_slips.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graphmem.memory import Memory
from tests.support.bolt_memory import open_bolt_memory
from tests.support.bolt_server import BoltTarget, wipe_database
from tests.support.denied_times import assert_corrected, lives_in_history, tell

pytestmark = pytest.mark.neo4j


@pytest.fixture
def mem(bolt_server: BoltTarget, tmp_path: Path) -> Iterator[Memory]:
    """A memory on the emptied test database."""
    wipe_database(bolt_server)
    with open_bolt_memory(bolt_server, tmp_path / "cache") as opened:
        yield opened


def test_a_correction_file_read_first_corrects_the_slip_on_bolt(mem: Memory, tmp_path: Path, extractor: Any) -> None:
    tell(mem, tmp_path, extractor, ["correction", "slip"])
    assert_corrected(mem)
    before = lives_in_history(mem)
    tell(mem, tmp_path, extractor, ["correction", "slip"])  # both files again, unchanged
    assert lives_in_history(mem) == before


def test_a_correction_added_live_corrects_a_slip_ingested_after_on_bolt(
    mem: Memory, tmp_path: Path, extractor: Any
) -> None:
    tell(mem, tmp_path, extractor, ["live", "slip"])
    assert_corrected(mem)
