"""Forgetting an event derives again which of the remaining facts end which: the state after ``forget`` is
the state of writing the remaining messages afresh (live or as a file)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem import Memory
from graphmem.store.base import TimeFilter
from tests.ingest.fakes import FakeEmbedder

NS = "ana"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "life_change.txt"

MESSAGES = [
    {"speaker": "Ana", "text": "I work at Acme Analytics.", "time": "2024-01-10T18:00"},
    {"speaker": "Ana", "text": "I work at Globex Corporation now.", "time": "2024-03-12T19:00"},
    {"speaker": "Ana", "text": "I still work at Globex Corporation.", "time": "2024-06-20T20:00"},
]


def _state(mem: Memory, predicate: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The current facts, described, and every version (by names and times, not ids)."""
    names = {e.id: e.name for e in mem.store.iter_entities(NS)}
    current = sorted(f.describe() for f in mem.facts("Ana", namespace=NS, predicate=predicate))
    history = sorted(
        (
            (names[f.object_id], f.valid_from, f.valid_to, f.recorded_at, f.expired_at)
            for f in mem.store.iter_facts(NS, history=True)
            if f.predicate == predicate
        ),
        key=lambda v: tuple(str(x) for x in v),
    )
    return current, history


def _transcript(tmp_path: Path, lines: list[str], name: str) -> Path:
    path = tmp_path / f"{name}.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_forgetting_the_middle_statement_lets_the_later_one_end_the_first(tmp_path: Path, nlp: Any) -> None:
    with Memory.open(tmp_path / "forgot", embedder=FakeEmbedder(), nlp=nlp) as mem:
        ids = [mem.add(m, namespace=NS) for m in MESSAGES]
        mem.forget(NS, ids[1][0])
        forgot = _state(mem, "works_at")
    with Memory.open(tmp_path / "fresh", embedder=FakeEmbedder(), nlp=nlp) as mem:
        for m in (MESSAGES[0], MESSAGES[2]):
            mem.add(m, namespace=NS)
        fresh = _state(mem, "works_at")
    lines = ["## Session 1 — 10 January 2024", "[18:00] Ana: I work at Acme Analytics."]
    lines += ["## Session 2 — 20 June 2024", "[20:00] Ana: I still work at Globex Corporation."]
    with Memory.open(tmp_path / "file", embedder=FakeEmbedder(), nlp=nlp) as mem:
        assert mem.ingest(_transcript(tmp_path, lines, NS), namespace=NS).ok
        filed = _state(mem, "works_at")
    assert forgot[0] == ["Ana works_at Globex Corporation (from 2024-06-20)"]
    assert forgot == fresh == filed
    # what memory held before the forgotten statement stays readable as of then
    june, january = datetime(2024, 6, 20, 20), datetime(2024, 1, 10, 18)
    acme = {v[2:] for v in forgot[1] if v[0] == "Acme Analytics"}
    assert acme == {(None, january, june), (june, june, None)}  # (valid_to, recorded_at, expired_at)


def test_forgetting_events_of_a_file_equals_ingesting_it_without_them(tmp_path: Path, nlp: Any) -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    said = "[19:00] Ana: Big news: I work at Globex Corporation as a product manager. I started there on 1 March."
    left = "[19:02] Ana: Yes, I left Acme Analytics at the end of February."
    path = _transcript(tmp_path, lines, NS)
    with Memory.open(tmp_path / "forgot", embedder=FakeEmbedder(), nlp=nlp) as mem:
        assert mem.ingest(path, namespace=NS).ok
        events = {e.text: e.id for e in mem.store.iter_events(NS)}
        for line in (said, left):
            mem.forget(NS, events[line.split(": ", 1)[1]])
        forgot = _state(mem, "works_at")
    without = _transcript(tmp_path, [x for x in lines if x not in (said, left)], "without")
    with Memory.open(tmp_path / "without", embedder=FakeEmbedder(), nlp=nlp) as mem:
        assert mem.ingest(without, namespace=NS).ok
        filed = _state(mem, "works_at")
    assert forgot[0] == ["Ana works_at Globex Corporation (from 2024-06-20)"]
    assert forgot == filed


def test_forgetting_what_a_later_fact_ended_restores_nothing_it_did_not_end(tmp_path: Path, nlp: Any) -> None:
    # forgetting the last statement reopens the fact it had ended, and ends nothing else
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp) as mem:
        ids = [mem.add(m, namespace=NS) for m in MESSAGES[:2]]
        mem.forget(NS, ids[1][0])
        current, history = _state(mem, "works_at")
    assert current == ["Ana works_at Acme Analytics (from 2024-01-10)"]
    assert [v[2] for v in history] == [None]


def test_a_statement_ended_again_later_still_ends_the_first_when_it_was_made(tmp_path: Path, nlp: Any) -> None:
    # "still at Globex" was itself ended in September; once "Globex now" is forgotten it ends Acme as of
    # June, when it was said, not as of September, when its current version was recorded
    back = {"speaker": "Ana", "text": "I work at Acme Analytics again now.", "time": "2024-09-01T10:00"}
    messages = [*MESSAGES, back]
    july = datetime(2024, 7, 15)

    def held(mem: Memory) -> list[str]:
        names = {e.id: e.name for e in mem.store.iter_entities(NS)}
        tf = TimeFilter(valid_at=july, as_of=july)
        return sorted(names[f.object_id] for f in mem.store.iter_facts(NS, time=tf) if f.predicate == "works_at")

    with Memory.open(tmp_path / "forgot", embedder=FakeEmbedder(), nlp=nlp) as mem:
        ids = [mem.add(m, namespace=NS) for m in messages]
        mem.forget(NS, ids[1][0])
        forgot, forgot_july = _state(mem, "works_at"), held(mem)
    with Memory.open(tmp_path / "fresh", embedder=FakeEmbedder(), nlp=nlp) as mem:
        for i, m in enumerate(messages):
            if i != 1:
                mem.add(m, namespace=NS)
        fresh, fresh_july = _state(mem, "works_at"), held(mem)
    assert forgot_july == fresh_july == ["Globex Corporation"]
    assert forgot == fresh


def test_a_forget_whose_second_step_fails_still_drops_the_caches(
    tmp_path: Path, nlp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graphmem.settle import settle

    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp) as mem:
        ids = [mem.add(m, namespace=NS) for m in MESSAGES]
        dropped: list[str] = []
        monkeypatch.setattr(mem, "_drop_cache", dropped.append)

        def gone(_batch: object) -> None:
            raise RuntimeError("server gone")

        monkeypatch.setattr(mem.store, "write", gone)
        with pytest.raises(RuntimeError):
            mem.forget(NS, ids[1][0])
        monkeypatch.undo()
        assert dropped == [NS]  # the deletion committed: what was cached of it is dropped
        assert mem.store.get_event(NS, ids[1][0]) is None
        assert settle(mem.store, NS) == 1  # the ends derived again, as the forget would have
        healed = _state(mem, "works_at")
    with Memory.open(tmp_path / "fresh", embedder=FakeEmbedder(), nlp=nlp) as mem:
        for m in (MESSAGES[0], MESSAGES[2]):
            mem.add(m, namespace=NS)
        assert healed == _state(mem, "works_at")
