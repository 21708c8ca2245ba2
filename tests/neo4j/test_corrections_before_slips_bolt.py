"""A correction of a date stored before the slip it corrects, on a Bolt store: the slip is corrected when it
is written, with the versions the embedded store writes (``tests/extract/test_corrections_before_slips.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.bolt_memory import open_bolt_memory
from tests.support.bolt_server import BoltTarget, wipe_database
from tests.support.denied_times import (
    add_correction,
    assert_corrected,
    ingest,
    lives_in_history,
    write_correction,
    write_slip,
)

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def extractor() -> Any:
    from graphmem.extract import get_extractor
    from graphmem.extract.nlp import load_nlp

    return get_extractor("spacy", nlp=load_nlp())


def test_a_correction_file_read_first_corrects_the_slip_on_bolt(
    bolt_server: BoltTarget, tmp_path: Path, extractor: Any
) -> None:
    wipe_database(bolt_server)
    with open_bolt_memory(bolt_server, tmp_path / "cache") as mem:
        ingest(mem, write_correction(tmp_path), extractor)
        ingest(mem, write_slip(tmp_path), extractor)
        assert_corrected(mem)
        before = lives_in_history(mem)
        ingest(mem, tmp_path / "correction.txt", extractor)
        ingest(mem, tmp_path / "slip.txt", extractor)
        assert lives_in_history(mem) == before


def test_a_correction_added_live_corrects_a_slip_ingested_after_on_bolt(
    bolt_server: BoltTarget, tmp_path: Path, extractor: Any
) -> None:
    wipe_database(bolt_server)
    with open_bolt_memory(bolt_server, tmp_path / "cache") as mem:
        add_correction(mem)
        ingest(mem, write_slip(tmp_path), extractor)
        assert_corrected(mem)
