"""Re-ingesting a file whose edit touches the turn that ended a fact: the end is derived again, so the
store holds what ingesting the edited file into an empty store holds (the retraction of the redone turns
unwinds the ended version; the write must end the fact again rather than leave the older open one)."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem.ingest import ingest
from graphmem.memory import Memory
from graphmem.store.base import TimeFilter

from .fakes import FakeEmbedder

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "life_change.txt"

TWO_SESSIONS = """\
## Session 1 — 10 January 2024
[18:00] Ana: I live in Rome with my sister.
[18:01] Ben: Nice.

## Session 2 — 12 March 2024
[19:00] Ana: I moved to Milan last month.
[19:01] Ben: How is it?
"""

#: (file text, the edit: old → new) — each edit leaves the statements as they were
EDITS = {
    "new job": (None, "Big news: I work", "Big news! I work"),
    "moved here": (None, "I moved here on 1 June.", "I moved here on 1 June!"),
    "moved to Milan": (TWO_SESSIONS, "I moved to Milan last month.", "I moved to Milan last month!"),
}

WHEN = [datetime(2024, 2, 1), datetime(2024, 3, 20), datetime(2024, 5, 1), datetime(2024, 6, 20), datetime(2025, 1, 1)]


def facts(memory: Memory, ns: str, time: TimeFilter | None = None) -> set[tuple[Any, ...]]:
    """The facts ``time`` admits (the current ones by default), by names and valid times."""
    name = {e.id: e.name for e in memory.store.iter_entities(ns)}
    return {
        (name[f.subject_id], f.predicate, name[f.object_id], f.valid_from, f.valid_to)
        for f in memory.store.iter_facts(ns, time=time)
    }


def held(memory: Memory, ns: str) -> dict[str, set[tuple[Any, ...]]]:
    out = {"now": facts(memory, ns)}
    out |= {f"valid at {t:%Y-%m-%d}": facts(memory, ns, TimeFilter(valid_at=t)) for t in WHEN}
    return out


@pytest.mark.parametrize("edit", list(EDITS))
def test_reingest_of_edited_ending_turn_matches_a_fresh_ingest(tmp_path: Path, spacy_extractor: Any, edit: str) -> None:
    text, old, new = EDITS[edit]
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / "life_change.txt"
    if text is None:
        shutil.copy(EXAMPLE, path)
    else:
        path.write_text(text, encoding="utf-8")
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        ingest(memory, folder, namespace="ana", extractor=spacy_extractor)
        body = path.read_text(encoding="utf-8")
        assert old in body
        path.write_text(body.replace(old, new), encoding="utf-8")
        again = ingest(memory, folder, namespace="ana", extractor=spacy_extractor)
        assert again.events_retracted > 0 and again.turns_kept > 0
        got = held(memory, "ana")
    with Memory.open(tmp_path / "fresh", embedder=FakeEmbedder()) as fresh:
        ingest(fresh, folder, namespace="ana", extractor=spacy_extractor)
        want = held(fresh, "ana")
    assert got == want
    assert got["now"], "the file states facts"
