"""Job changes told in everyday words end the job before (tester finding 6: told on 10 June after "I work
at Acme." on 10 January, these left Acme current on 20 June): a new job at a firm NER took for a product,
"I've been at Globex since March", and leaving after handing in one's notice. Notice alone ends nothing:
the job is held until one leaves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from graphmem.memory import Memory
from tests.ingest.fakes import FakeEmbedder

JAN = datetime(2024, 1, 10, 10, 0)
JUNE = datetime(2024, 6, 10, 10, 0)


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[Memory]:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        yield mem


def _say(memory: Memory, change: str) -> None:
    for text, at in (("I work at Acme.", JAN), (change, JUNE)):
        session = at.date().isoformat()
        memory.add({"speaker": "Ana", "text": text, "time": at, "session": session}, namespace="j")
        memory.add({"speaker": "Ben", "text": "Nice.", "time": at.replace(minute=1), "session": session}, namespace="j")


def _jobs(memory: Memory, when: str) -> dict[str, tuple[datetime | None, datetime | None]]:
    held = memory.facts(namespace="j", valid_at=when)
    return {f.object: (f.fact.valid_from, f.fact.valid_to) for f in held if f.fact.predicate == "works_at"}


@pytest.mark.parametrize(
    ("change", "start"),
    [("I got a new job at Globex.", JUNE), ("I've been at Globex since March.", datetime(2024, 3, 1))],
)
def test_a_new_job_ends_the_old_one(memory: Memory, change: str, start: datetime) -> None:
    _say(memory, change)
    assert _jobs(memory, "2024-06-20") == {"Globex": (start, None)}


def test_leaving_after_notice_ends_the_job_when_left(memory: Memory) -> None:
    _say(memory, "I handed in my notice at Acme and left in May.")
    assert _jobs(memory, "2024-06-20") == {}
    assert _jobs(memory, "2024-04-20") == {"Acme": (JAN, datetime(2024, 5, 1))}


def test_notice_alone_leaves_the_job_held(memory: Memory) -> None:
    _say(memory, "I handed in my notice at Acme.")
    assert _jobs(memory, "2024-06-20") == {"Acme": (JAN, None)}
