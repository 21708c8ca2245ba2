"""An older conversation ingested after a newer one: the newer file's later statement ends the older
file's fact as it does when the files come in date order, open until that statement, then closed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from graphmem.ingest import ingest
from graphmem.memory import Memory
from graphmem.store.base import TimeFilter

from .fakes import FakeEmbedder
from .test_reingest_ends import versions

JANUARY = """\
## Session 1 — 10 January 2024
[18:00] Ana: I live in Lisbon with my sister.
[18:01] Ben: Nice.
"""

MARCH = """\
## Session 1 — 12 March 2024
[19:00] Ana: I moved to Berlin last month.
[19:01] Ben: How is it?
"""


def homes(memory: Memory, time: TimeFilter) -> set[str]:
    name = {e.id: e.name for e in memory.store.iter_entities("ana")}
    return {name[f.object_id] for f in memory.store.iter_facts("ana", time=time) if f.predicate == "lives_in"}


def test_older_file_ingested_after_a_newer_one_reads_as_in_date_order(tmp_path: Path, spacy_extractor: Any) -> None:
    january, march = tmp_path / "a.txt", tmp_path / "b.txt"
    january.write_text(JANUARY, encoding="utf-8")
    march.write_text(MARCH, encoding="utf-8")
    with Memory.open(tmp_path / "late", embedder=FakeEmbedder()) as late:
        ingest(late, march, namespace="ana", extractor=spacy_extractor)
        ingest(late, january, namespace="ana", extractor=spacy_extractor)
        got = versions(late, "ana")
        # what memory held on 1 March: Lisbon, not yet known to have ended
        assert homes(late, TimeFilter(as_of=datetime(2024, 3, 1), valid_at=datetime(2024, 3, 1))) == {"Lisbon"}
        assert homes(late, TimeFilter(valid_at=datetime(2024, 3, 1))) == {"Berlin"}
    with Memory.open(tmp_path / "in_order", embedder=FakeEmbedder()) as in_order:
        ingest(in_order, january, namespace="ana", extractor=spacy_extractor)
        ingest(in_order, march, namespace="ana", extractor=spacy_extractor)
        want = versions(in_order, "ana")
    assert got == want
    lisbon = [v for v in got if v[2] == "Lisbon"]
    told, moved = datetime(2024, 1, 10, 18), datetime(2024, 3, 12, 19)
    assert [(v[4], v[5], v[6]) for v in lisbon] == [(None, told, moved), (datetime(2024, 2, 1), moved, None)]
