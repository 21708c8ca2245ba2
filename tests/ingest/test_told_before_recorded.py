"""A stored fact recorded anew after it was told is held back from a batch's steps by when it was told, not by
when its version was recorded (graphmem/fact_replay.py).

Ana's job at Initech is told in January (the file's first session); a live "I left Initech last week" in June
records its version anew. The file then grows by a job at Globex told in March and a move told in April: two
statements, reckoned step by step. Initech was known since January, so the March step reckons it and its end
is the Globex statement's doing; held back by its June ``recorded_at``, it was ended after the steps by a
version that names no statement."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from graphmem.ingest import ingest
from graphmem.memory import Memory
from graphmem.store.base import TimeFilter

from .fakes import FakeEmbedder

FIRST = """\
## Session 1 — 10 January 2024
[09:00] Ana: I work at Initech in Lisbon.
[09:01] Bob: Nice! How long have you been there?
"""

GROWN = """
## Session 2 — 12 March 2024
[10:00] Ana: Big news, I work at Globex Corporation now. I started there on 1 March.
[10:01] Bob: Congrats!

## Session 3 — 20 April 2024
[10:00] Ana: I live in Porto now.
[10:01] Bob: Lovely!
"""

LIVE = {"speaker": "Ana", "time": "2024-06-01T10:00", "text": "I left Initech last week."}


def _grown(tmp_path: Path, extractor: Any, memory: Memory) -> None:
    path = tmp_path / "ana.txt"
    path.write_text(FIRST, encoding="utf-8")
    assert ingest(memory, path, namespace="ana", extractor=extractor).ok
    memory.add(LIVE, namespace="ana")
    path.write_text(FIRST + GROWN, encoding="utf-8")
    assert ingest(memory, path, namespace="ana", extractor=extractor).ok


def _jobs(memory: Memory, tf: TimeFilter) -> dict[str, Any]:
    name = {e.id: e.name for e in memory.store.iter_entities("ana")}
    return {name[f.object_id]: f for f in memory.store.iter_facts("ana", time=tf) if f.predicate == "works_at"}


def test_a_fact_recorded_anew_ends_at_the_step_that_tells_its_end(tmp_path: Path, spacy_extractor: Any) -> None:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        _grown(tmp_path, spacy_extractor, memory)
        jobs = _jobs(memory, TimeFilter(history=True))
        now = _jobs(memory, TimeFilter(valid_at=datetime(2024, 7, 1)))
        assert set(now) == {"Globex Corporation"}
        initech = next(f for f in memory.store.iter_facts("ana") if f.id == jobs["Initech"].id.split("@")[0])
        assert initech.valid_to == datetime(2024, 3, 1)
        # the version ending it names the statement that did: the Globex job told in March
        assert initech.revised_by == jobs["Globex Corporation"].evidence


def test_as_of_between_the_statements_reads_one_job(tmp_path: Path, spacy_extractor: Any) -> None:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        _grown(tmp_path, spacy_extractor, memory)
        april = datetime(2024, 4, 1)
        assert set(_jobs(memory, TimeFilter(as_of=april, valid_at=april))) == {"Globex Corporation"}


def _initech(memory: Memory) -> list[Any]:
    """Every version of Ana's job at Initech, oldest first."""
    name = {e.id: e.name for e in memory.store.iter_entities("ana")}
    found = memory.store.iter_facts("ana", time=TimeFilter(history=True))
    return sorted((f for f in found if name[f.object_id] == "Initech"), key=lambda f: f.recorded_at)


def _believed(memory: Memory) -> dict[tuple[datetime, datetime], set[str]]:
    """Where memory believed, on each of a few days, that Ana worked on each of a few days."""
    days = [datetime(2024, m, d) for m, d in ((2, 1), (3, 20), (4, 1), (5, 25), (7, 1))]
    return {(as_of, at): set(_jobs(memory, TimeFilter(as_of=as_of, valid_at=at))) for as_of in days for at in days}


def test_as_of_before_between_and_after_the_statements(tmp_path: Path, spacy_extractor: Any) -> None:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        _grown(tmp_path, spacy_extractor, memory)
        feb, april, july = datetime(2024, 2, 1), datetime(2024, 4, 1), datetime(2024, 7, 1)
        # before Globex was told: Initech, then and (as far as memory knew) later
        assert set(_jobs(memory, TimeFilter(as_of=feb, valid_at=feb))) == {"Initech"}
        assert set(_jobs(memory, TimeFilter(as_of=feb, valid_at=july))) == {"Initech"}
        # between the statements: Initech until March, Globex since
        assert set(_jobs(memory, TimeFilter(as_of=april, valid_at=feb))) == {"Initech"}
        assert set(_jobs(memory, TimeFilter(as_of=april, valid_at=july))) == {"Globex Corporation"}
        # after the live message: the same
        assert set(_jobs(memory, TimeFilter(as_of=july, valid_at=feb))) == {"Initech"}
        assert set(_jobs(memory, TimeFilter(as_of=july, valid_at=july))) == {"Globex Corporation"}


def test_the_history_holds_one_version_per_change(tmp_path: Path, spacy_extractor: Any) -> None:
    # as told in date order: open from January, ended by the Globex statement in March; the live "I left
    # Initech" in June, after the next job began, changes nothing more
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        _grown(tmp_path, spacy_extractor, memory)
        opened, ended = _initech(memory)
        assert (opened.recorded_at, opened.expired_at, opened.valid_to) == (
            datetime(2024, 1, 10, 9),
            datetime(2024, 3, 12, 10),
            None,
        )
        assert (ended.recorded_at, ended.expired_at, ended.valid_to) == (
            datetime(2024, 3, 12, 10),
            None,
            datetime(2024, 3, 1),
        )
        assert ended.id == opened.id.split("@")[0]


def test_reextracting_the_grown_file_adds_no_version(tmp_path: Path, spacy_extractor: Any) -> None:
    from .test_reextract import newer

    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        _grown(tmp_path, spacy_extractor, memory)
        before, believed = _initech(memory), _believed(memory)
        again = ingest(memory, tmp_path / "ana.txt", namespace="ana", extractor=newer(spacy_extractor))
        assert again.ok and again.events_retracted > 0
        assert _initech(memory) == before
        assert _believed(memory) == believed


def test_forgetting_the_globex_turn_restores_what_memory_believed_before_it(
    tmp_path: Path, spacy_extractor: Any
) -> None:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        _grown(tmp_path, spacy_extractor, memory)
        globex = _jobs(memory, TimeFilter())["Globex Corporation"]
        memory.forget("ana", globex.evidence[0])
        april = datetime(2024, 4, 1)
        assert set(_jobs(memory, TimeFilter(as_of=april, valid_at=april))) == {"Initech"}
        assert all(not set(globex.evidence) & set(v.revised_by) for v in _initech(memory))
