"""A time that repairs one said before the turn ("Sorry, I meant Tuesday, not Friday.") points the way the
slip did: a plan ahead is repaired by a day ahead, a past statement by a day before."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from graphmem.extract.pipeline import SpacyExtractor
from graphmem.memory import Memory
from tests.ingest.fakes import FakeEmbedder

from .conftest import make_transcript

THURSDAY = datetime(2023, 4, 20, 18, 32)  # Thursday 20 April 2023


def _days(extractor: SpacyExtractor, said: datetime, turns: list[tuple[str, str]]) -> list[list[datetime | None]]:
    batch = extractor.extract(make_transcript([(said, turns)]))
    return [[t.start for t in e.times if t.start is not None] for e in batch.events]


def test_a_repaired_day_of_a_plan_is_the_day_ahead(extractor: SpacyExtractor) -> None:
    days = _days(
        extractor,
        THURSDAY,
        [
            ("Nora", "Let's meet next Friday for dinner at Ottolenghi."),
            ("Theo", "Friday works."),
            ("Nora", "Sorry, I meant Tuesday, not Friday. Friday is Jamal's work party."),
            ("Theo", "Tuesday it is."),
        ],
    )
    tuesday = datetime(2023, 4, 25)
    # before, "I meant" (past) read the repair as the Tuesday gone, 18 April, two days before it was said
    assert days[2][:1] == [tuesday]
    assert days[3] == [tuesday]  # the reply agrees


@pytest.mark.parametrize(
    ("slip", "repair", "day"),
    [
        ("I started at Acme on Monday.", "Sorry, I meant Tuesday.", datetime(2023, 4, 18)),  # back, as Monday was
        ("I start at Acme on Monday.", "Sorry, I meant Tuesday.", datetime(2023, 4, 25)),  # ahead, as Monday was
        ("Hi Theo!", "Sorry, I meant Tuesday.", datetime(2023, 4, 18)),  # nothing repaired: the clause's way
        ("Let's meet on Friday.", "Sorry, I meant last Tuesday.", datetime(2023, 4, 18)),  # a phrase's own way
    ],
)
def test_a_repaired_day_points_the_way_the_slip_did(
    extractor: SpacyExtractor, slip: str, repair: str, day: datetime
) -> None:
    days = _days(extractor, THURSDAY, [("Nora", slip), ("Nora", repair)])
    assert days[1] == [day]


def test_a_repaired_day_of_a_plan_added_message_by_message_is_the_day_ahead(tmp_path: Path, nlp: Any) -> None:
    said = datetime(2026, 12, 5, 10, 0)  # a Saturday
    turns = [
        ("Nora", "Let's meet next Friday for dinner."),
        ("Ben", "Friday works."),
        ("Nora", "Sorry, I meant Tuesday"),
    ]
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp) as mem:  # type: ignore[arg-type]
        for k, (speaker, text) in enumerate(turns):
            [event] = mem.add({"speaker": speaker, "text": text, "time": said + timedelta(minutes=k)}, namespace="n")
        stored = mem.store.get_event("n", event)
        # before, the Tuesday gone: 1 December
        assert stored is not None and [t.start for t in stored.times] == [datetime(2026, 12, 8)]
