"""A firm needs evidence of being one: a title quit is no firm ("I quit the Hunger Games"), a name ending in a
firm's word quit alone is a job ended ("I quit Fernwood Labs"), and a possessed job or workmate noun "at X"
says a job at X whatever the verb ("I hate my job at Tesco", "my boss at Tesco")."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from graphmem.extract.pipeline import SpacyExtractor
from graphmem.memory import Memory
from tests.ingest.fakes import FakeEmbedder

from .conftest import named_facts, one_session_batch

APRIL = datetime(2025, 4, 15, 9, 35)


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[Memory]:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        yield mem


def _jobs(memory: Memory, text: str) -> dict[str, tuple[datetime | None, datetime | None]]:
    """Every ``works_at`` of Kofi's, of any time, after Kofi says ``text`` on :data:`APRIL`."""
    memory.add({"speaker": "Kofi", "text": text, "time": APRIL, "session": "s"}, namespace="j")
    return {
        f.object: (f.fact.valid_from, f.fact.valid_to)
        for f in memory.facts(namespace="j", all_time=True)
        if f.fact.predicate == "works_at" and f.subject == "Kofi"
    }


@pytest.mark.parametrize("text", ["I quit the Hunger Games.", "I quit the Hunger Games last year."])
def test_a_title_quit_is_no_firm(extractor: SpacyExtractor, text: str) -> None:
    batch = one_session_batch(extractor, [("Lena", text)])
    assert [e.type for e in batch.entities if e.name == "Hunger Games"] not in ([], ["Organization"])
    assert not {f for f in named_facts(batch) if f[1] == "works_at"}


@pytest.mark.parametrize(
    ("text", "firm"),
    [
        ("I joined Northwind Games.", "Northwind Games"),  # joining a trade's name is a job there
        ("I joined Harper Press as an editor.", "Harper Press"),
    ],
)
def test_a_firm_joined_is_still_a_firm(extractor: SpacyExtractor, text: str, firm: str) -> None:
    batch = one_session_batch(extractor, [("Lena", text)])
    assert [e.type for e in batch.entities if e.name == firm] == ["Organization"]
    assert ("Lena", "works_at", firm) in named_facts(batch)


@pytest.mark.parametrize("text", ["I quit Fernwood Labs.", "I left Fernwood Labs.", "I quit my job at Fernwood Labs."])
def test_a_firm_quit_alone_is_a_job_ended_when_said(memory: Memory, text: str) -> None:
    assert _jobs(memory, text) == {"Fernwood Labs": (None, APRIL)}


@pytest.mark.parametrize(
    "text",
    [
        "I quit smoking.",
        "I quit the Hunger Games.",
        "I left the party at Tesco.",  # the party is left, not a job at Tesco
        "I left the party at Fernwood Labs.",
        "I hate my job.",
        "I quit Acme.",  # no firm's word: a job, or a game?
    ],
)
def test_near_misses_give_no_job(memory: Memory, text: str) -> None:
    assert _jobs(memory, text) == {}


@pytest.mark.parametrize(
    ("text", "holder"),
    [
        ("I hate my job at Tesco.", "Lena"),
        ("I love my job at Tesco.", "Lena"),  # the parser hangs "at Tesco" on the verb
        ("My boss at Tesco is mean.", "Lena"),
        ("My coworkers at Tesco are great.", "Lena"),
        ("My colleagues at Tesco threw me a party.", "Lena"),
    ],
)
def test_ones_job_or_workmates_at_a_firm_say_a_job_there(extractor: SpacyExtractor, text: str, holder: str) -> None:
    facts = named_facts(one_session_batch(extractor, [("Lena", text)]))
    assert (holder, "works_at", "Tesco") in facts
    assert (holder, "said_about", "Tesco") not in facts  # the job says what the generic link would


@pytest.mark.parametrize(
    "text",
    [
        "I miss my old job at Tesco.",  # another job than the one held
        "Do you like your job at Tesco?",
        "I would love a job at Tesco.",
        "My friend at Tesco is mean.",  # no workmate
    ],
)
def test_no_job_held_is_read_off_other_nouns(extractor: SpacyExtractor, text: str) -> None:
    facts = named_facts(one_session_batch(extractor, [("Lena", text)]))
    assert not {f for f in facts if f[1] == "works_at"}


def test_a_job_loved_in_the_past_is_over_when_said(memory: Memory) -> None:
    assert _jobs(memory, "I loved my job at Tesco.") == {"Tesco": (None, APRIL)}


def test_a_job_hated_now_holds_from_when_said(memory: Memory) -> None:
    assert _jobs(memory, "I hate my job at Tesco.") == {"Tesco": (APRIL, None)}
