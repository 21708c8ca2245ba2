"""Appending turns to an ingested input writes only them, in every input format: the session keeps its
earlier turns as stored (their event ids and the facts they state unchanged, nothing retracted), and the
result is what ingesting the grown input whole writes. A session whose first turn names a job ("I work at
Zorblax Robotics") used to be redone whole, in case an appended turn said when the job began."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graphmem import Memory
from tests.ingest.fakes import FakeEmbedder

pytestmark = pytest.mark.slow

# (speaker, text): Dana's job is stated, undated, in the first turn
OLD = [
    ("Dana", "I work at Zorblax Robotics in Porto."),
    ("Aide", "Nice! How do you like it?"),
    ("Dana", "I like it a lot. My dog Rex comes to the office."),
]
ADDED = ("Aide", "That sounds fun.")


def _jsonl(turns: list[tuple[str, str]]) -> str:
    return "".join(
        json.dumps({"speaker": s, "text": t, "time": f"2024-05-01T10:0{i}:00"}) + "\n" for i, (s, t) in enumerate(turns)
    )


def _text(turns: list[tuple[str, str]]) -> str:
    return "## Session 1 — 1 May 2024\n" + "".join(f"{s}: {t}\n" for s, t in turns)


def _locomo(turns: list[tuple[str, str]]) -> str:
    session = [{"speaker": s, "text": t, "dia_id": f"D1:{i}"} for i, (s, t) in enumerate(turns, 1)]
    conv = {"speaker_a": "Dana", "speaker_b": "Aide", "session_1_date_time": "10:00 am on 1 May, 2024"}
    return json.dumps([{"sample_id": "conv-1", "conversation": {**conv, "session_1": session}}], indent=1)


def _chat(turns: list[tuple[str, str]]) -> str:
    roles = {"Dana": "user", "Aide": "assistant"}
    messages = [{"role": roles[s], "content": t} for s, t in turns]
    return json.dumps({"participants": {"user": "Dana", "assistant": "Aide"}, "messages": messages}, indent=1)


def _whatsapp(turns: list[tuple[str, str]]) -> str:
    return "".join(f"13/05/2024, 10:0{i} - {s}: {t}\n" for i, (s, t) in enumerate(turns))


FORMATS: dict[str, tuple[str, Callable[[list[tuple[str, str]]], str]]] = {
    "jsonl": ("chat.jsonl", _jsonl),
    "text": ("chat.txt", _text),
    "locomo": ("conv.json", _locomo),
    "chat": ("export.json", _chat),
    "whatsapp": ("WhatsApp Chat.txt", _whatsapp),
}


def _events(mem: Memory, ns: str) -> list[tuple[Any, ...]]:
    return [
        (e.id, e.session, e.seq, e.speaker, e.text, e.occurred_at, e.source_id, e.source_line, e.times)
        for e in mem.store.iter_events(ns)
    ]


def _facts(mem: Memory, ns: str) -> set[tuple[Any, ...]]:
    return {
        (f.id, f.subject_id, f.predicate, f.object_id, f.valid_from, f.valid_to, f.expired_at, f.evidence)
        for f in mem.store.iter_facts(ns, history=True)
    }


def _namespace(mem: Memory) -> str:
    (ns,) = mem.namespaces()
    return ns


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_appended_turns_are_the_only_ones_written(tmp_path: Path, nlp: Any, fmt: str) -> None:
    name, render = FORMATS[fmt]
    path = tmp_path / "in" / name
    path.parent.mkdir()
    with (
        Memory.open(tmp_path / "again", embedder=FakeEmbedder(), nlp=nlp) as again,
        Memory.open(tmp_path / "whole", embedder=FakeEmbedder(), nlp=nlp) as whole,
    ):
        path.write_text(render(OLD), encoding="utf-8")
        assert again.ingest(path, format=fmt).ok
        ns = _namespace(again)
        events, facts = _events(again, ns), _facts(again, ns)
        assert len(events) == len(OLD)
        assert any(f[2] == "works_at" for f in facts)  # the job that made the session be redone whole

        path.write_text(render([*OLD, ADDED]), encoding="utf-8")
        summary = again.ingest(path, format=fmt)
        assert summary.ok, summary.errors
        assert (summary.turns, summary.turns_kept, summary.events_retracted) == (1, len(OLD), 0)
        assert _events(again, ns)[: len(OLD)] == events  # the old turns as stored, under the same ids
        assert facts <= _facts(again, ns)  # and so are their facts

        assert whole.ingest(path, format=fmt).ok  # the same as the grown input ingested whole
        assert _events(again, ns) == _events(whole, ns)
        assert _facts(again, ns) == _facts(whole, ns)


def test_an_appended_start_still_dates_the_job(tmp_path: Path, nlp: Any) -> None:
    # "I start there on 1 June" dates the job named in the first turn: that turn is redone with it
    path = tmp_path / "chat.txt"
    new = [("Dana", "I got a job at Zorblax Robotics."), ("Aide", "Congrats!"), ("Dana", "I start on 1 June.")]
    with (
        Memory.open(tmp_path / "again", embedder=FakeEmbedder(), nlp=nlp) as again,
        Memory.open(tmp_path / "whole", embedder=FakeEmbedder(), nlp=nlp) as whole,
    ):
        path.write_text(_text(new[:2]), encoding="utf-8")
        assert again.ingest(path).ok
        path.write_text(_text(new), encoding="utf-8")
        summary = again.ingest(path)
        assert (summary.turns, summary.turns_kept, summary.events_retracted) == (3, 0, 2)
        assert whole.ingest(path).ok
        ns = _namespace(again)
        assert _facts(again, ns) == _facts(whole, ns)
        (job,) = (f for f in whole.store.iter_facts(ns) if f.predicate == "works_at")
        assert job.time_phrase is not None


def test_a_forgotten_turn_stays_forgotten_through_an_append(tmp_path: Path, nlp: Any) -> None:
    path = tmp_path / "chat.txt"
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp) as mem:
        path.write_text(_text(OLD), encoding="utf-8")
        assert mem.ingest(path).ok
        ns = _namespace(mem)
        first, second, third = (e.id for e in mem.store.iter_events(ns))
        mem.forget(ns, second)
        path.write_text(_text([*OLD, ADDED]), encoding="utf-8")
        summary = mem.ingest(path)
        assert (summary.turns, summary.turns_kept, summary.events_retracted) == (1, len(OLD), 0)
        ids = [e.id for e in mem.store.iter_events(ns)]
        assert second not in ids
        assert ids[:2] == [first, third] and len(ids) == 3
