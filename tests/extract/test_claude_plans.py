"""The Claude extractor dates plans as the spaCy extractor does, end to end through ``Memory`` on recorded
answers: a plan holds from when it is told until its planned time has passed or it is carried out, its
planned time shown as its target; something done once, dated ahead, is a plan
(:func:`graphmem.extract.bounds.plan_window`, :func:`graphmem.extract.bounds.done_ahead`)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem.extract.claude import ClaudeExtractor
from graphmem.memory import Memory
from tests.extract import test_claude
from tests.extract.test_claude import Stub, _answer
from tests.support.talk import NoEmbedder, write_talk

stub = test_claude.stub  # the fixture serving recorded answers from a local HTTP server

pytestmark = pytest.mark.llm

ANSWERS = json.loads((Path(__file__).parent / "data" / "claude_plans.json").read_text(encoding="utf-8"))
TOLD = (
    "14 June 2023",
    "[10:00] Ana: Next month I will visit Rome.\n"
    "[10:01] Ana: I want to adopt a cat named Miso.\n"
    "[10:02] Ana: I'm going to a conference next week.\n",
)
DONE = ("20 August 2023", "[10:00] Ana: I adopted a cat named Miso last week.\n")

Plan = tuple[str, datetime | None, datetime | None, datetime, datetime | None, str | None, str]


def _plans(mem: Memory) -> set[Plan]:
    """Every version of every plan: its object, valid and record times, phrase and target."""
    return {
        (s.object, s.fact.valid_from, s.fact.valid_to, s.fact.recorded_at, s.fact.expired_at, s.fact.time_phrase,
         s.describe_target())
        for s in mem.facts(namespace="p", predicate="plans", all_time=True, coalesce=False)
    }  # fmt: skip


def _ingest(path: Path, extractor: Any) -> set[Plan]:
    with Memory.open(path.with_suffix(".db"), embedder=NoEmbedder()) as mem:  # type: ignore[arg-type]
        summary = mem.ingest(write_talk(path, TOLD, DONE), namespace="p", extractor=extractor, embed=False)
        assert summary.ok, summary.errors
        return _plans(mem)


def test_claude_dates_plans_as_spacy_does(claude: ClaudeExtractor, extractor: Any, stub: Stub, tmp_path: Path) -> None:
    for name in ("told", "done"):
        stub.answer(_answer(ANSWERS[name]["events"], ANSWERS[name]["entities"]))
    said = datetime(2023, 6, 14, 10, 0)
    plans = _ingest(tmp_path / "claude.txt", claude)
    # "Next month I will visit Rome", answered as a visit next month: a plan from its telling to August
    assert ("Rome", said, datetime(2023, 8, 1), said, None, "Next month", "2023-07") in plans
    # "I'm going to a conference next week": until that week has passed
    assert ("conference", said.replace(minute=2), datetime(2023, 6, 26), said.replace(minute=2), None, "next week",
            "the week of 2023-06-19") in plans  # fmt: skip
    assert plans == _ingest(tmp_path / "spacy.txt", extractor)
