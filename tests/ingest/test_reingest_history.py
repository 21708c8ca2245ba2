"""Re-ingesting an edited file after a live message keeps the history memory held: a version once archived
is never changed, so ``AS OF`` a time before the re-ingest answers as it did (ops finding 3).

The file's two sessions are redone (the second ended the first's job) while the live message, recorded
later than both, is kept: its later value must not end the first session's job when that session is
replayed, since the second session, told before the message, ends it first."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem.ingest import ingest
from graphmem.memory import Memory
from graphmem.store.base import TimeFilter

from .fakes import FakeEmbedder

ANA = """\
## Session 1 — 10 January 2024
[09:00] Ana: I work at Acme Analytics in Lisbon.
[09:01] Bob: Nice! How long have you been there?

## Session 2 — 12 March 2024
[10:00] Ana: Big news, I work at Globex Corporation now. I started there on 1 March.
[10:01] Bob: Congrats!
"""

LIVE = {
    "speaker": "Ana",
    "time": "2024-06-01T10:00",
    "text": "I left Globex Corporation last week, now I work at Initech.",
}

#: (as of, valid at): what memory believed on a date about a date
ASKED = [
    (datetime(2024, 2, 1), datetime(2024, 7, 1)),
    (datetime(2024, 4, 1), datetime(2024, 7, 1)),
    (datetime(2024, 4, 1), datetime(2024, 2, 1)),
    (datetime(2024, 7, 1), datetime(2024, 7, 1)),
    (datetime(2024, 7, 1), datetime(2024, 4, 1)),
]


def versions(memory: Memory) -> set[tuple[Any, ...]]:
    """Every version of every fact (current and archived) with both time axes, by names."""
    name = {e.id: e.name for e in memory.store.iter_entities("ana")}
    return {
        (
            f.id,
            name[f.subject_id],
            f.predicate,
            name[f.object_id],
            *(f.valid_from, f.valid_to, f.recorded_at, f.expired_at),
        )
        for f in memory.store.iter_facts("ana", history=True)
    }


def believed(memory: Memory) -> dict[tuple[datetime, datetime], set[str]]:
    name = {e.id: e.name for e in memory.store.iter_entities("ana")}
    return {
        (as_of, valid): {
            name[f.object_id]
            for f in memory.store.iter_facts("ana", time=TimeFilter(as_of=as_of, valid_at=valid))
            if f.predicate == "works_at"
        }
        for as_of, valid in ASKED
    }


@pytest.mark.parametrize("edit", ["session 1", "session 2"])
def test_reingest_after_a_live_add_only_adds_versions(tmp_path: Path, spacy_extractor: Any, edit: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / "ana.txt"
    path.write_text(ANA, encoding="utf-8")
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        ingest(memory, folder, namespace="ana", extractor=spacy_extractor)
        memory.add(LIVE, namespace="ana")
        before, held = versions(memory), believed(memory)
        assert held[(datetime(2024, 2, 1), datetime(2024, 7, 1))] == {"Acme Analytics"}
        old, new = ("in Lisbon.", "in Lisbon!") if edit == "session 1" else ("Congrats!", "Congrats!!")
        path.write_text(ANA.replace(old, new), encoding="utf-8")
        again = ingest(memory, folder, namespace="ana", extractor=spacy_extractor)
        assert again.events_retracted > 0
        after = versions(memory)
        assert before - after == set(), "a version memory held was changed or lost"
        assert believed(memory) == held


def test_an_older_file_after_a_live_add_reads_as_in_date_order(tmp_path: Path, spacy_extractor: Any) -> None:
    # the same fault on a first ingest: the file's first job was ended by the live message's job at once, so
    # AS OF April (after the file's second session, before the message) read both of the file's jobs current
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ana.txt").write_text(ANA, encoding="utf-8")
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        memory.add(LIVE, namespace="ana")
        ingest(memory, folder, namespace="ana", extractor=spacy_extractor)
        held = believed(memory)
    assert held[(datetime(2024, 4, 1), datetime(2024, 2, 1))] == {"Acme Analytics"}
    assert held[(datetime(2024, 4, 1), datetime(2024, 7, 1))] == {"Globex Corporation"}
    assert held[(datetime(2024, 7, 1), datetime(2024, 7, 1))] == {"Initech"}
