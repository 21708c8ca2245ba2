"""A correction naming its value by an alias, stored before the slip it corrects, on a Bolt store: the slip is
corrected when it is written, as on the embedded store (``tests/extract/test_corrections_reach.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.bolt_memory import open_bolt_memory
from tests.support.bolt_server import BoltTarget, wipe_database
from tests.support.denied_times import MID_DECEMBER, MID_JANUARY, NS, ingest
from tests.support.talk import write_talk

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def extractor() -> Any:
    from graphmem.extract import get_extractor
    from graphmem.extract.nlp import load_nlp

    return get_extractor("spacy", nlp=load_nlp())


def test_a_correction_naming_its_value_by_an_alias_corrects_a_slip_written_after_on_bolt(
    bolt_server: BoltTarget, tmp_path: Path, extractor: Any
) -> None:
    wipe_database(bolt_server)
    intro = ("10 November 2026", "[08:00] Ana: My brother lives in New York City, he loves it.\n")
    correction = (
        "20 November 2026",
        "[09:00] Chloé: Ana, I'm flying to Tokyo on 10 December.\n"
        "[09:05] Ana: Sorry, I meant I'm moving to NYC in January, not December.\n",
    )
    slip = ("17 November 2026", "[19:14] Ana: I'm moving to New York City next month, I signed a lease.\n")
    with open_bolt_memory(bolt_server, tmp_path / "cache") as mem:
        for name, talk in (("intro.txt", intro), ("correction.txt", correction), ("slip.txt", slip)):
            ingest(mem, write_talk(tmp_path / name, talk), extractor)

        def starts(when: Any) -> set[str]:
            rows = mem.facts(namespace=NS, entity="Ana", predicate="lives_in", valid_at=when)
            return {f"{r.fact.valid_from:%Y-%m}" for r in rows if r.fact.subject_id == "ent:person:ana"}

        assert starts(MID_DECEMBER) == set()
        assert starts(MID_JANUARY) == {"2027-01"}
