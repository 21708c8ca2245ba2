"""Plain job statements (tester DSL finding 7): a new job "at X" hung on the job noun, a job quit "at X",
a firm joined or left, and the firm's name typed an organisation by its last word or by the job it is the
place of, whatever NER took it for ("Fernwood Labs" a person, "Northwind Games" an event)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from graphmem.extract.pipeline import SpacyExtractor
from graphmem.memory import Memory
from graphmem.models import Batch
from tests.ingest.fakes import FakeEmbedder

from .conftest import named_facts, one_session_batch

JAN = datetime(2025, 1, 5, 10, 0)
APRIL = datetime(2025, 4, 15, 9, 35)
JULY = datetime(2025, 7, 1, 20, 0)


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[Memory]:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        yield mem


def _types(batch: Batch, name: str) -> list[str]:
    return [e.type for e in batch.entities if e.name == name]


@pytest.mark.parametrize(
    ("speaker", "text", "holder"),
    [
        ("Lena", "Happy new year! I just started my new job at Fernwood Labs in Bristol.", "Lena"),
        ("Lena", "I've started a new job at Fernwood Labs in Bristol.", "Lena"),
        ("Lena", "I just started my new job at Fernwood Labs in Bristol.", "Lena"),
        ("Lena", "Maria started her new job at Fernwood Labs in Bristol.", "Maria"),
        ("Lena", "We just started our new jobs at Fernwood Labs in Bristol.", "Lena"),
    ],
)
def test_a_new_job_at_a_firm_is_held_there(extractor: SpacyExtractor, speaker: str, text: str, holder: str) -> None:
    batch = one_session_batch(extractor, [(speaker, text)])
    assert (holder, "works_at", "Fernwood Labs") in named_facts(batch)
    assert _types(batch, "Fernwood Labs") == ["Organization"]


@pytest.mark.parametrize(
    "text",
    [
        "I joined Northwind Games in Glasgow.",
        "I quit my job at Tesco and joined Northwind Games in Glasgow.",
        "I've quit my job at Tesco and joined Northwind Games.",
        "We quit our jobs at Tesco and joined Northwind Games in Glasgow.",
    ],
)
def test_a_firm_joined_is_a_job_there(extractor: SpacyExtractor, text: str) -> None:
    batch = one_session_batch(extractor, [("Kofi", text)])
    assert ("Kofi", "works_at", "Northwind Games") in named_facts(batch)
    assert _types(batch, "Northwind Games") == ["Organization"]


@pytest.mark.parametrize(
    ("text", "firm"),
    [
        ("Fernwood Labs sent me a hamper.", "Fernwood Labs"),  # NER: a person
        ("Have you heard of Kestrel Studios?", "Kestrel Studios"),
        ("I left Fernwood Labs in May.", "Fernwood Labs"),
    ],
)
def test_a_name_ending_in_a_firms_word_is_an_organisation(extractor: SpacyExtractor, text: str, firm: str) -> None:
    assert _types(one_session_batch(extractor, [("Lena", text)]), firm) == ["Organization"]


@pytest.mark.parametrize(
    ("text", "name", "kind"),
    [
        ("I love the Olympic Games.", "Olympic Games", "Occasion"),  # a trade's word alone says no firm
        ("Sarah Banks came over for dinner.", "Sarah Banks", "Person"),
    ],
)
def test_other_names_keep_their_type(extractor: SpacyExtractor, text: str, name: str, kind: str) -> None:
    assert _types(one_session_batch(extractor, [("Lena", text)]), name) == [kind]


def _add(memory: Memory, said: list[tuple[datetime, str, str]]) -> None:
    for at, speaker, text in said:
        session = at.date().isoformat()
        memory.add({"speaker": speaker, "text": text, "time": at, "session": session}, namespace="j")


def _jobs(memory: Memory, who: str, when: datetime) -> dict[str, tuple[datetime | None, datetime | None]]:
    held = memory.facts(namespace="j", valid_at=when)
    return {
        f.object: (f.fact.valid_from, f.fact.valid_to)
        for f in held
        if f.fact.predicate == "works_at" and f.subject == who
    }


@pytest.mark.parametrize(
    "text",
    [
        "I quit my job at Tesco and joined Northwind Games in Glasgow.",
        "I left my job at Tesco and joined Northwind Games.",
        "We quit our jobs at Tesco and joined Northwind Games in Glasgow.",
    ],
)
def test_a_job_quit_at_a_firm_is_kept_ended_when_said(memory: Memory, text: str) -> None:
    _add(memory, [(APRIL, "Kofi", text)])
    assert _jobs(memory, "Kofi", datetime(2025, 4, 1)) == {"Tesco": (None, APRIL)}
    assert _jobs(memory, "Kofi", datetime(2025, 5, 1)) == {"Northwind Games": (APRIL, None)}


@pytest.mark.parametrize(
    "start",
    ["I work at Tesco.", "I just started my new job at Tesco in Leeds."],
)
def test_a_job_quit_at_a_firm_ends_the_job_held(memory: Memory, start: str) -> None:
    _add(memory, [(JAN, "Kofi", start), (APRIL, "Kofi", "I quit my job at Tesco and joined Northwind Games.")])
    assert _jobs(memory, "Kofi", datetime(2025, 3, 1)) == {"Tesco": (JAN, APRIL)}
    assert _jobs(memory, "Kofi", datetime(2025, 5, 1)) == {"Northwind Games": (APRIL, None)}


@pytest.mark.parametrize(
    "left",
    [
        "I left Fernwood Labs in May and now I teach at Cardiff University.",
        "I left Fernwood Labs in May.",
        "I quit my job at Fernwood Labs in May.",
    ],
)
def test_leaving_a_firm_in_a_month_ends_the_job_then(memory: Memory, left: str) -> None:
    started = "Happy new year! I just started my new job at Fernwood Labs in Bristol."
    _add(memory, [(JAN, "Lena", started), (JULY, "Lena", left)])
    assert _jobs(memory, "Lena", datetime(2025, 4, 30)) == {"Fernwood Labs": (JAN, datetime(2025, 5, 1))}
    assert "Fernwood Labs" not in _jobs(memory, "Lena", datetime(2025, 5, 2))
