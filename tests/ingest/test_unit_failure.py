"""An input whose unit fails part way (graphmem/ingest.py): the units committed before it stay, the failed
unit and those after it are not written, and nothing after it is extracted, queued for embedding or
embedded; the error names the file and line where the failed unit starts and the sessions not written."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from graphmem.ingest import IngestSummary, ingest
from graphmem.memory import Memory
from graphmem.models import Batch, Entity

from .conftest import DATA
from .fakes import FakeEmbedder, FakeExtractor, keep

SESSIONS = 5
FAILING = 2  # the session whose extraction (or write) fails


class _Recording(FakeEmbedder):
    """Remembers every text it embedded."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.extend(texts)
        return super().embed(texts)


class _Counting(FakeExtractor):
    """Remembers which sessions it extracted."""

    def __init__(self, fail_on: str = "EXPLODE") -> None:
        super().__init__(fail_on=fail_on)
        self.sessions: list[str] = []

    def extract(self, transcript: Any) -> Batch:
        self.sessions.extend(s.id for s in transcript.sessions)
        return super().extract(transcript)


def _file(path: Path, bad: str = "EXPLODE") -> Path:
    """Five sessions of three turns, one a line; the first turn of session s02 says ``bad``."""
    lines = []
    for s in range(SESSIONS):
        for i in range(3):
            text = bad if (s, i) == (FAILING, 0) else f"turn {i} of session {s}"
            lines.append(json.dumps({"speaker": "AB"[i % 2], "text": text, "session": f"s{s:02d}"}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def units(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("graphmem.ingest_units.UNIT_TURNS", 1)  # one session per unit


def _run(memory: Memory, paths: list[Path], **kw: Any) -> IngestSummary:
    kw.setdefault("extractor", _Counting())
    kw.setdefault("resolver", keep)
    return ingest(memory, paths, **kw)


@pytest.mark.usefixtures("units")
@pytest.mark.parametrize("helper", [True, False], ids=["embed-helper", "in-process"])
def test_an_extraction_failure_stops_the_input_and_says_what_was_not_written(tmp_path: Path, helper: bool) -> None:
    path = _file(tmp_path / "talk.jsonl")
    embedder = _Recording()
    extractor = _Counting()
    with Memory.open(tmp_path / "db", embedder=embedder) as memory:
        summary = _run(memory, [path, DATA / "chat.jsonl"], extractor=extractor, embed_helper=helper)
        assert (summary.files_ok, summary.files_failed) == (1, 1)
        assert [s.id for s in memory.store.iter_sessions("talk")] == ["s00", "s01"]  # committed before: kept
        assert memory.stats("chat").events == 13  # the next input is ingested
        # nothing after the failed unit was extracted, queued or embedded
        assert "s03" not in extractor.sessions and "s04" not in extractor.sessions
        assert not any("session 3" in t or "session 4" in t for t in embedder.seen)
        [(where, message)] = summary.errors
        assert where == str(path)
        assert "extraction failed: ValueError" in message
        assert f"{path}:7" in message  # the line where the failed unit (session s02) starts
        assert "not written: s02, s03, s04" in message
        again = _run(memory, [path], extractor=_Counting())
        assert again.files_failed == 1 and [s.id for s in memory.store.iter_sessions("talk")] == ["s00", "s01"]
        extractor = _Counting(fail_on="nothing")  # the same content and extractor, the fault gone
        fixed = _run(memory, [path], extractor=extractor)  # resumes at the failed unit
        assert fixed.files_ok == 1 and extractor.sessions == ["s02", "s03", "s04"]
        assert memory.stats("talk").events == 3 * SESSIONS


@pytest.mark.usefixtures("units")
def test_a_write_failure_stops_the_input_and_says_what_was_not_written(tmp_path: Path) -> None:
    path = _file(tmp_path / "talk.jsonl", bad="fine")

    def failing(batch: Batch, existing: list[Entity]) -> Batch:
        if any(s.id == f"s{FAILING:02d}" for s in batch.sessions):
            raise RuntimeError("resolver crashed")
        return batch

    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        summary = _run(memory, [path], resolver=failing)
        assert [s.id for s in memory.store.iter_sessions("talk")] == ["s00", "s01"]
        [(_, message)] = summary.errors
        assert "RuntimeError: resolver crashed" in message
        assert f"{path}:7" in message and "not written: s02, s03, s04" in message


@pytest.mark.usefixtures("units")
def test_with_workers_the_failure_is_reported_the_same_way(tmp_path: Path) -> None:
    path = _file(tmp_path / "talk.jsonl")
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        summary = _run(memory, [path, DATA / "chat.jsonl"], workers=2)
        assert [s.id for s in memory.store.iter_sessions("talk")] == ["s00", "s01"]
        assert memory.stats("chat").events == 13
        [(_, message)] = summary.errors
        assert f"{path}:7" in message and "not written: s02, s03, s04" in message


@pytest.mark.usefixtures("units")
def test_a_unit_queued_before_a_write_failure_is_not_embedded(tmp_path: Path) -> None:
    path = _file(tmp_path / "talk.jsonl", bad="fine")
    embedder = _Recording()

    def failing(batch: Batch, existing: list[Entity]) -> Batch:
        if any(s.id == f"s{FAILING:02d}" for s in batch.sessions):
            raise RuntimeError("resolver crashed")
        return batch

    with Memory.open(tmp_path / "db", embedder=embedder) as memory:
        summary = _run(memory, [path, DATA / "chat.jsonl"], resolver=failing)
        assert summary.files_failed == 1 and memory.stats("chat").events == 13
        assert not any("session 3" in t for t in embedder.seen)  # queued ahead of the failure, then discarded


def test_ctrl_c_while_extracting_ahead_is_not_swallowed_by_a_failed_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The helper path extracts one unit ahead: Ctrl-C there, while the unit before it fails to write,
    still stops the run (it used to be replaced by the writer closing the stream, and the run went on)."""
    monkeypatch.setattr("graphmem.ingest_units.UNIT_TURNS", 1)
    lines = []
    for s in range(4):
        for i in range(3):
            text = "INTERRUPT" if (s, i) == (2, 0) else f"turn {i} of session {s}"
            lines.append(json.dumps({"speaker": "AB"[i % 2], "text": text, "session": f"s{s:02d}"}))
    talk = tmp_path / "talk.jsonl"
    talk.write_text("\n".join(lines) + "\n")

    def failing(batch: Batch, existing: Any) -> Batch:
        if any(s.id == "s01" for s in batch.sessions):
            raise RuntimeError("store down")
        return batch

    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        with pytest.raises(KeyboardInterrupt):
            ingest(memory, [talk, DATA / "chat.jsonl"], extractor=FakeExtractor(), resolver=failing, embed_helper=True)
        assert "chat" not in memory.namespaces()  # the next input was not started
