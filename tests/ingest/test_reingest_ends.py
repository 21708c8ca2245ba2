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


def versions(memory: Memory, ns: str) -> list[tuple[Any, ...]]:
    """Every version of every fact, current and archived, by names: both time axes."""
    name = {e.id: e.name for e in memory.store.iter_entities(ns)}
    found = [
        (name[f.subject_id], f.predicate, name[f.object_id], f.valid_from, f.valid_to, f.recorded_at, f.expired_at)
        for f in memory.store.iter_facts(ns, history=True)
    ]
    return sorted(found, key=lambda v: (v[:3], v[5]))


MOVED = """\
## Session 1 — 10 January 2024
[18:00] Ana: I live in Lisbon with my sister.
[18:01] Ben: Nice.

## Session 2 — 12 March 2024
[19:00] Ana: I moved to Berlin last month.
[19:01] Ben: How is it?
"""


def test_kept_turn_that_ended_an_edited_fact_ends_the_new_one(tmp_path: Path, spacy_extractor: Any) -> None:
    """ "I live in Lisbon" edited to "Porto": the unchanged session saying "I moved to Berlin" ended the
    Lisbon fact, so it is redone and ends Porto with both versions (open until the move was told)."""
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / "moved.txt"
    path.write_text(MOVED, encoding="utf-8")
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        ingest(memory, folder, namespace="ana", extractor=spacy_extractor)
        path.write_text(MOVED.replace("Lisbon", "Porto"), encoding="utf-8")
        again = ingest(memory, folder, namespace="ana", extractor=spacy_extractor)
        assert again.ok and again.events_retracted > 0
        got = versions(memory, "ana")
    with Memory.open(tmp_path / "fresh", embedder=FakeEmbedder()) as fresh:
        ingest(fresh, folder, namespace="ana", extractor=spacy_extractor)
        want = versions(fresh, "ana")
    assert got == want
    porto = [v for v in got if v[2] == "Porto"]
    told, moved = datetime(2024, 1, 10, 18), datetime(2024, 3, 12, 19)
    assert [(v[4], v[5]) for v in porto] == [(None, told), (datetime(2024, 2, 1), moved)]


LEFT = """\
## Session 1 — 12 March 2024
[19:00] Ana: I left Acme Analytics at the end of February.
[19:01] Ben: Oh no.
"""

JOINED = """\
## Session 1 — 10 January 2024
[18:00] Ana: I work at Acme Analytics as a data analyst.
[18:01] Ben: Nice.
"""


def test_end_told_in_another_file_survives_reingesting_the_fact(tmp_path: Path, spacy_extractor: Any) -> None:
    """The job of a.txt is ended by b.txt ("I left Acme"); editing a.txt restates the job, which must stay
    ended as when a.txt and b.txt are ingested afresh, not reopened."""
    joined, left = tmp_path / "a.txt", tmp_path / "b.txt"
    joined.write_text(JOINED, encoding="utf-8")
    left.write_text(LEFT, encoding="utf-8")
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        ingest(memory, joined, namespace="ana", extractor=spacy_extractor)
        ingest(memory, left, namespace="ana", extractor=spacy_extractor)
        joined.write_text(JOINED.replace("analyst.", "analyst!"), encoding="utf-8")
        again = ingest(memory, joined, namespace="ana", extractor=spacy_extractor)
        assert again.ok and again.events_retracted > 0
        got = versions(memory, "ana")
    with Memory.open(tmp_path / "fresh", embedder=FakeEmbedder()) as fresh:
        ingest(fresh, joined, namespace="ana", extractor=spacy_extractor)
        ingest(fresh, left, namespace="ana", extractor=spacy_extractor)
        want = versions(fresh, "ana")
    assert got == want
    assert [v[4] for v in got] == [None, datetime(2024, 3, 1)]
