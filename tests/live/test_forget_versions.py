"""Forgetting the last message gives back exactly the memory that never had it: every fact version (both time
axes, evidence, ``revised_by``) equals that of the store the message was never added to, for each form of
statement that changes facts already stored (a move dated again, a value held since before, a correction, a
time correction, a dismissal, a plan carried out). Added one by one or ingested as a file; on a Bolt store too
(``tests/neo4j/test_forget_versions_bolt.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem import Memory
from graphmem.models import Fact

NS = "mara"
TIMES = ["2025-03-03T09:00", "2025-03-12T19:02", "2025-04-20T10:00"]

#: Talks whose last message changes a fact already stored; the name says how.
FORMS = {
    "move dated again": ["I live in Leeds.", "I'm moving to York next month.", "I moved to York last week."],
    "past move dated again": [
        "I live in Paris.",
        "I moved to Berlin last week.",
        "Actually, I moved to Berlin on 20 February, not last week.",
    ],
    "move elsewhere": ["I live in Leeds.", "I'm moving to York next month.", "I moved to Hull last week."],
    "held since before": ["I live in Hamburg.", "I've lived in Munich since 1 March."],
    "correction": ["I work at Acme.", "I work at Globex now.", "Sorry, I meant Initech."],
    "time correction": ["I live in Leeds.", "I moved to Berlin in 2020.", "Sorry, I meant 2021."],
    "dismissal": ["I work at Acme.", "Acme fired me last week."],
    "plan carried out": ["I want to visit Rome.", "I went to Rome last week."],
    "plan of a move carried out": ["I live in Leeds.", "I'm moving to York next month.", "I live in York now."],
}

Version = tuple[Any, ...]


def messages(texts: list[str]) -> list[dict[str, str]]:
    return [{"speaker": "Mara", "text": text, "time": TIMES[i]} for i, text in enumerate(texts)]


def versions(mem: Memory, *, ids: bool = True) -> list[Version]:
    """Every fact version, its events named by when and what they said (a message added again gets a new id);
    without the fact ids when ``ids`` is false (a fact's id is made of its statement's event id)."""
    facts = list(mem.store.iter_facts(NS, history=True))
    named = {e for f in facts for e in (*f.evidence, *f.revised_by)}
    said = {e.id: (e.occurred_at, e.text) for e in mem.store.get_events(NS, sorted(named))}

    def key(f: Fact) -> Version:
        when = (f.valid_from, f.valid_to, f.recorded_at, f.expired_at)
        events = tuple(said.get(e, e) for e in f.evidence), tuple(said.get(e, e) for e in f.revised_by)
        return (f.id if ids else "", f.subject_id, f.predicate, f.object_id, *when, *events, f.time_phrase)

    return sorted(map(key, facts), key=repr)


def added(mem: Memory, texts: list[str]) -> list[str]:
    """Add ``texts`` one message at a time; the id of each message's event."""
    return [mem.add(m, namespace=NS)[0] for m in messages(texts)]


def transcript(folder: Path, texts: list[str]) -> Path:
    """``texts`` as a transcript ``talk.txt`` in ``folder`` (the file's name makes its events' ids)."""
    folder.mkdir()
    path = folder / "talk.txt"
    lines = []
    for n, m in enumerate(messages(texts), start=1):
        day, hour = m["time"].split("T")
        lines += [f"## Session {n} — {day}", f"[{hour}] Mara: {m['text']}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def opened(tmp_path: Path, nlp: Any) -> Iterator[Any]:
    """Opens a memory under ``tmp_path`` by name, with the real pipeline and a fake embedder."""
    from tests.ingest.fakes import FakeEmbedder

    stack: list[Memory] = []

    def open_(name: str) -> Memory:
        stack.append(Memory.open(tmp_path / name, embedder=FakeEmbedder(), nlp=nlp))
        return stack[-1]

    yield open_
    for mem in stack:
        mem.close()


@pytest.mark.parametrize("form", list(FORMS))
def test_forgetting_the_last_message_added_gives_the_memory_without_it(opened: Any, form: str) -> None:
    texts = FORMS[form]
    forgot, never = opened("forgot"), opened("never")
    ids = added(forgot, texts)
    forgot.forget(NS, ids[-1])
    added(never, texts[:-1])
    assert versions(forgot) == versions(never)


@pytest.mark.parametrize("form", list(FORMS))
def test_forgetting_the_last_message_of_a_file_gives_the_file_without_it(
    opened: Any, tmp_path: Path, form: str
) -> None:
    texts = FORMS[form]
    forgot, never = opened("forgot"), opened("never")
    assert forgot.ingest(transcript(tmp_path / "all", texts), namespace=NS).ok
    (last,) = [e.id for e in forgot.store.iter_events(NS) if e.text == texts[-1]]
    forgot.forget(NS, last)
    assert never.ingest(transcript(tmp_path / "without", texts[:-1]), namespace=NS).ok
    assert versions(forgot) == versions(never)


@pytest.mark.parametrize("form", list(FORMS))
def test_a_message_forgotten_and_added_again_gives_what_adding_it_gave(opened: Any, form: str) -> None:
    texts = FORMS[form]
    again, once = opened("again"), opened("once")
    ids = added(again, texts)
    again.forget(NS, ids[-1])
    again.add(messages(texts)[-1], namespace=NS)
    added(once, texts)
    assert versions(again, ids=False) == versions(once, ids=False)


def test_forgetting_the_move_told_later_gives_back_the_home_announced(opened: Any) -> None:
    # "I'm moving to York next month" (12 March), then "I moved to York last week" (20 April) dated the move
    # 7 April; forgetting that gives back York from 1 April, Leeds until then
    mem = opened("db")
    ids = added(mem, FORMS["move dated again"])
    mem.forget(NS, ids[-1])
    assert [f.describe() for f in mem.facts(namespace=NS)] == ["Mara lives_in York (from 2025-04-01)"]
    assert [f.describe() for f in mem.facts(namespace=NS, valid_at="2025-03-20")] == [
        "Mara lives_in Leeds (from 2025-03-03, until 2025-04-01)"
    ]
    assert [f.describe() for f in mem.facts(namespace=NS, valid_at="2025-04-10")] == [
        "Mara lives_in York (from 2025-04-01)"
    ]
    # nothing the forgotten message wrote is left on the record axis
    assert all(f.recorded_at < datetime(2025, 4, 20) for f in mem.store.iter_facts(NS, history=True))
