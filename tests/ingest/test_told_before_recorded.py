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
from tests.support.told_before import FIRST, GROWN, LIVE, QUIT, grown, initech, jobs, told, told_live

from .fakes import FakeEmbedder


def test_a_fact_recorded_anew_ends_at_the_step_that_tells_its_end(tmp_path: Path, spacy_extractor: Any) -> None:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        grown(memory, tmp_path, spacy_extractor)
        history = jobs(memory, TimeFilter(history=True))
        now = jobs(memory, TimeFilter(valid_at=datetime(2024, 7, 1)))
        assert set(now) == {"Globex Corporation"}
        current = next(f for f in memory.store.iter_facts("ana") if f.id == history["Initech"].id.split("@")[0])
        assert current.valid_to == datetime(2024, 3, 1)
        # the version ending it names the statement that did: the Globex job told in March
        assert current.revised_by == history["Globex Corporation"].evidence


def test_as_of_between_the_statements_reads_one_job(tmp_path: Path, spacy_extractor: Any) -> None:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        grown(memory, tmp_path, spacy_extractor)
        april = datetime(2024, 4, 1)
        assert set(jobs(memory, TimeFilter(as_of=april, valid_at=april))) == {"Globex Corporation"}


def test_as_of_before_and_after_the_statements(tmp_path: Path, spacy_extractor: Any) -> None:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        grown(memory, tmp_path, spacy_extractor)
        february = datetime(2024, 2, 1)
        assert set(jobs(memory, TimeFilter(as_of=february, valid_at=february))) == {"Initech"}
        july = datetime(2024, 7, 1)
        assert set(jobs(memory, TimeFilter(as_of=july, valid_at=july))) == {"Globex Corporation"}


def test_history_files_the_change_when_told_and_keeps_what_was_told_later(tmp_path: Path, spacy_extractor: Any) -> None:
    """The March end is a version recorded in March; the June version is kept as it was told (never
    overwritten by the statement told before it), under an id of its own: the reckoned version, in which
    the March end stands (as telling them in order gives), is recorded a tick after it."""
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        grown(memory, tmp_path, spacy_extractor)
        rows = [(v.recorded_at, v.expired_at, v.valid_to, v.revised_by) for v in initech(memory)]
        jan, march, june = datetime(2024, 1, 10, 9), datetime(2024, 3, 12, 10), datetime(2024, 6, 1, 10)
        reckoned = datetime(2024, 6, 1, 10, 0, 1)
        globex, live = ("ev:ana/session_2:1",), next(r[3] for r in rows if r[2] == datetime(2024, 5, 20))
        assert rows == [
            (jan, march, None, ()),
            (march, june, datetime(2024, 3, 1), globex),
            (june, reckoned, datetime(2024, 5, 20), live),
            (reckoned, None, datetime(2024, 3, 1), globex),
        ]
        assert live != globex


def test_forgetting_the_earlier_told_change_restores_the_belief(tmp_path: Path, spacy_extractor: Any) -> None:
    """Forgetting the March turn leaves every read as it was before that turn was told."""
    with Memory.open(tmp_path / "before", embedder=FakeEmbedder()) as memory:
        told_live(memory, tmp_path, spacy_extractor)
        expected = told(memory)
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        grown(memory, tmp_path, spacy_extractor)
        memory.forget("ana", "ev:ana/session_2:1")
        assert told(memory) == expected
        april = datetime(2024, 4, 1)
        assert set(jobs(memory, TimeFilter(as_of=april, valid_at=april))) == {"Initech"}


def test_forgetting_the_later_told_change_keeps_the_earlier_one(tmp_path: Path, spacy_extractor: Any) -> None:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        grown(memory, tmp_path, spacy_extractor)
        live = next(e.id for e in memory.store.iter_events("ana") if e.text == LIVE["text"])
        memory.forget("ana", live)
        assert [(v.valid_to, v.revised_by) for v in initech(memory)] == [
            (None, ()),
            (datetime(2024, 3, 1), ("ev:ana/session_2:1",)),
        ]


def test_ingesting_the_grown_file_again_writes_no_new_version(tmp_path: Path, spacy_extractor: Any) -> None:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        grown(memory, tmp_path, spacy_extractor)
        before = sorted((v.id, v.recorded_at, v.expired_at, v.valid_to) for v in initech(memory))
        path = tmp_path / "ana.txt"
        assert ingest(memory, path, namespace="ana", extractor=spacy_extractor).ok
        assert sorted((v.id, v.recorded_at, v.expired_at, v.valid_to) for v in initech(memory)) == before
        # an edit of a turn stating no fact re-reads the file: the same versions come back
        path.write_text((FIRST + GROWN).replace("How long have you been there?", "How long?"), encoding="utf-8")
        assert ingest(memory, path, namespace="ana", extractor=spacy_extractor).ok
        assert sorted((v.id, v.recorded_at, v.expired_at, v.valid_to) for v in initech(memory)) == before
        # an edit of the job's turn re-reads it: its versions are made again, the live end as it was told
        edited = (FIRST + GROWN).replace("in Lisbon.", "in Lisbon!")
        path.write_text(edited.replace("How long have you been there?", "How long?"), encoding="utf-8")
        assert ingest(memory, path, namespace="ana", extractor=spacy_extractor).ok
        assert sorted((v.id, v.recorded_at, v.expired_at, v.valid_to) for v in initech(memory)) == before


def test_a_message_dated_before_a_stored_version_is_filed_when_told(tmp_path: Path, spacy_extractor: Any) -> None:
    """A live message dated March, added after the June one (the store versions it, not a replay): filed in
    March, the June version kept as told; forgetting it gives back what was held before."""
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        told_live(memory, tmp_path, spacy_extractor)
        before = told(memory)
        memory.add(QUIT, namespace="ana")
        april = datetime(2024, 4, 1)
        assert not jobs(memory, TimeFilter(as_of=april, valid_at=april))
        february = datetime(2024, 2, 1)
        assert set(jobs(memory, TimeFilter(as_of=february, valid_at=february))) == {"Initech"}
        rows = [(v.recorded_at, v.valid_to) for v in initech(memory)]
        assert (datetime(2024, 6, 1, 10), datetime(2024, 5, 20)) in rows  # the June version as told
        quit_turn = next(e.id for e in memory.store.iter_events("ana") if e.text == QUIT["text"])
        memory.forget("ana", quit_turn)
        assert told(memory) == before
