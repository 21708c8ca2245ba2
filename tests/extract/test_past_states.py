"""States told as over: "I worked at Acme" held before it was said and does not hold now."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem.memory import Memory
from tests.extract.conftest import make_transcript
from tests.ingest.fakes import FakeEmbedder
from tests.support.talk import held, say, write_talk

NS = "p"
JAN = datetime(2024, 1, 10, 10, 0)
MAR = datetime(2024, 3, 12, 19, 0)


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[Memory]:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        yield mem


def _held(mem: Memory, predicate: str, when: datetime) -> set[str]:
    return held(mem, predicate, namespace=NS, valid_at=when)


def _file(tmp_path: Path, first: str, second: str) -> Path:
    return write_talk(
        tmp_path / "talk.txt",
        ("10 January 2024", f"[10:00] Ana: {first}\n[10:01] Ben: Nice.\n"),
        ("12 March 2024", f"[19:00] Ana: {second}\n[19:01] Ben: I see.\n"),
    )


def _live(mem: Memory, first: str, second: str) -> None:
    for speaker, text, when in (
        ("Ana", first, JAN),
        ("Ben", "Nice.", JAN.replace(minute=1)),
        ("Ana", second, MAR),
        ("Ben", "I see.", MAR.replace(minute=1)),
    ):
        mem.add({"speaker": speaker, "text": text, "time": when, "session": "1" if when < MAR else "2"}, namespace=NS)


@pytest.mark.parametrize("way", ["file", "live"])
def test_a_former_job_told_later_does_not_replace_the_current_one(
    memory: Memory, extractor: Any, tmp_path: Path, way: str
) -> None:
    first, second = "I work at Globex Corporation.", "I worked at Acme Analytics before that, it was a good place."
    if way == "file":
        assert memory.ingest(_file(tmp_path, first, second), namespace=NS, extractor=extractor, embed=False).ok
    else:
        _live(memory, first, second)
    # before: "I worked at" started Acme when said, so Acme replaced Globex on 12 March
    assert _held(memory, "works_at", datetime(2024, 6, 1)) == {"Globex Corporation"}
    assert _held(memory, "works_at", datetime(2023, 6, 1)) == {"Acme Analytics"}


def test_a_job_and_its_ending_told_in_one_turn_end_it(memory: Memory, extractor: Any, tmp_path: Path) -> None:
    path = _file(tmp_path, "I work at Acme Analytics.", "I worked at Acme Analytics, but I quit my job last month.")
    assert memory.ingest(path, namespace=NS, extractor=extractor, embed=False).ok
    assert _held(memory, "works_at", datetime(2024, 1, 20)) == {"Acme Analytics"}
    assert _held(memory, "works_at", datetime(2024, 2, 15)) == set()  # ended as February began
    assert _held(memory, "works_at", datetime(2024, 6, 1)) == set()


@pytest.mark.parametrize(
    ("text", "over"),
    [
        ("I worked at Acme Analytics.", True),
        ("I used to live in Lisbon.", True),
        ("I was living in Lisbon back then.", True),
        ("I lived in Madrid for three years.", True),
        ("I dated Carlos for two years.", True),
        ("I work at Acme Analytics.", False),
        ("I've worked at Acme Analytics for three years.", False),
        ("I moved to Lisbon.", False),  # a beginning: the home holds
        ("I joined Acme Analytics.", False),
        ("I'll be working at Acme Analytics.", False),
        ("I lived in Porto as a kid, and I live in Porto now.", False),
        ("I worked at Acme Analytics for years and I still work there.", False),
        ("Sorry I'm late, I was working at Acme Analytics.", False),
        ("I worked late at Acme Analytics again.", False),
        ("I said I lived in Lisbon.", False),
        ("I worked at Acme Analytics for five years, and I will quit my job next month.", False),
    ],
)
def test_which_states_are_told_as_over(extractor: Any, text: str, over: bool) -> None:
    batch = extractor.extract(make_transcript([(MAR, [("Ana", text)])]))
    states = [f for f in batch.facts if f.predicate in ("works_at", "lives_in", "dating")]
    assert states, batch.facts
    if over:
        assert all((f.valid_from, f.valid_to) == (None, MAR) for f in states), states
    else:
        assert all(f.valid_from is not None for f in states), states


def test_an_ending_naming_no_value_ends_the_state_told_as_over_not_another(extractor: Any) -> None:
    text = "I worked at Acme Analytics, but I quit my job last week."
    batch = extractor.extract(make_transcript([(MAR, [("Ana", text)])]))
    (closing,) = batch.closings
    (fact,) = batch.facts
    assert closing.object_id == fact.object_id  # "my job" is the job just named, not whichever held
    assert fact.valid_to == closing.at == datetime(2024, 3, 4)


def _facts(extractor: Any, *texts: str) -> list[tuple[str, str, datetime | None, datetime | None]]:
    batch = extractor.extract(make_transcript([(MAR, [("Ana", t) for t in texts])]))
    return sorted((f.predicate, f.object_id.split(":")[-1], f.valid_from, f.valid_to) for f in batch.facts)


def test_an_ending_of_the_state_held_now_is_not_taken_for_the_one_told_as_over(extractor: Any) -> None:
    said = "I lived in Lisbon before. I live in Porto now, but I'm moving out next month."
    assert _facts(extractor, said) == [
        ("lives_in", "lisbon", None, MAR),
        ("lives_in", "porto", MAR, datetime(2024, 4, 1)),
    ]


def test_an_ending_said_before_the_state_told_as_over_is_not_its_ending(
    memory: Memory, extractor: Any, tmp_path: Path
) -> None:
    path = _file(
        tmp_path, "I work at Globex Corporation.", "I quit my job yesterday! I worked at Acme Analytics before."
    )
    assert memory.ingest(path, namespace=NS, extractor=extractor, embed=False).ok
    assert _held(memory, "works_at", datetime(2024, 6, 1)) == set()  # Globex ended yesterday


def test_a_slip_told_as_over_is_corrected(memory: Memory, extractor: Any, tmp_path: Path) -> None:
    said = "[19:00] Ana: I worked at Acme Analytics for years.\n[19:01] Ana: Sorry, I meant Globex Corporation.\n"
    say(memory, extractor, tmp_path / "slip.txt", said, namespace=NS, date="12 March 2024")
    assert _held(memory, "works_at", datetime(2023, 6, 1)) == {"Globex Corporation"}
    assert _held(memory, "works_at", datetime(2024, 6, 1)) == set()


def test_re_ingesting_keeps_the_end_of_a_state_told_as_over(memory: Memory, extractor: Any, tmp_path: Path) -> None:
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("## Session 1 — 10 January 2024\n[10:00] Ana: I work at Globex Corporation.\n", encoding="utf-8")
    second.write_text(
        "## Session 2 — 12 March 2024\n[19:00] Ana: I worked at Acme Analytics before that.\n", encoding="utf-8"
    )
    for path in (first, second):
        assert memory.ingest(path, namespace=NS, extractor=extractor, embed=False).ok
    first.write_text("## Session 1 — 10 January 2024\n[10:00] Ana: I like pizza.\n", encoding="utf-8")
    assert memory.ingest(first, namespace=NS, extractor=extractor, embed=False).ok
    # the end Globex gave Acme is gone with Globex; Acme still ended when it was said, not never
    assert _held(memory, "works_at", datetime(2024, 6, 1)) == set()
    assert _held(memory, "works_at", datetime(2024, 2, 1)) == {"Acme Analytics"}


def test_a_start_said_later_is_not_the_start_of_a_job_told_as_over(extractor: Any) -> None:
    turns = ["I worked at Acme Analytics for five years.", "I got a new job. I start on 1 April."]
    assert ("works_at", "acme-analytics", None, MAR) in _facts(extractor, *turns)


def test_forgetting_the_correction_of_a_slip_told_as_over_restores_it(
    memory: Memory, extractor: Any, tmp_path: Path
) -> None:
    said = (
        "[19:00] Ana: I worked at Acme Analytics for years.\n"
        "[19:01] Ben: Oh nice.\n[19:02] Ana: Sorry, I meant Globex Corporation.\n"
    )
    say(memory, extractor, tmp_path / "slip.txt", said, namespace=NS, date="12 March 2024")
    assert _held(memory, "works_at", datetime(2023, 6, 1)) == {"Globex Corporation"}
    memory.forget(NS, "ev:slip/session_1:3")
    # the version before the correction held before it was said, not from then on
    assert _held(memory, "works_at", datetime(2023, 6, 1)) == {"Acme Analytics"}
    assert _held(memory, "works_at", datetime(2024, 6, 1)) == set()
