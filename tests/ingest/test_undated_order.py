"""An undated transcript records every statement when it is ingested; the order of its turns still orders
them, so a closing told later ends what was told before it, as under a dated session header."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graphmem import Memory
from tests.ingest.fakes import FakeEmbedder
from tests.support.talk import NoEmbedder

JOB = "Ana: I work at Acme.\nBo: Cool.\nAna: I quit Acme. Now I work at Globex.\n"
PARTNER = "Ana: My boyfriend Tom lives in Porto.\nBo: Cool.\nAna: Tom and I broke up.\n"
DATED = "## Session 1 — 1 May 2024\n"


def _current(tmp_path: Path, nlp: Any, text: str) -> set[tuple[str, str]]:
    path = tmp_path / "talk.txt"
    path.write_text(text, encoding="utf-8")
    with Memory.open(tmp_path / "db", embedder=NoEmbedder(), nlp=nlp) as mem:
        assert mem.ingest(path, namespace="talk", embed=False).ok
        return {(f.fact.predicate, f.object) for f in mem.facts(namespace="talk")}


@pytest.mark.parametrize("header", ["", DATED])
def test_a_job_quit_later_in_the_turns_is_over(tmp_path: Path, nlp: Any, header: str) -> None:
    assert _current(tmp_path, nlp, header + JOB) & {("works_at", "Acme"), ("works_at", "Globex")} == {
        ("works_at", "Globex")
    }


@pytest.mark.parametrize("header", ["", DATED])
def test_a_break_up_later_in_the_turns_ends_the_dating(tmp_path: Path, nlp: Any, header: str) -> None:
    current = _current(tmp_path, nlp, header + PARTNER)
    assert ("dating", "Tom") not in current
    assert ("lives_in", "Porto") in current


def test_a_closing_told_before_the_state_ends_nothing(tmp_path: Path, nlp: Any) -> None:
    text = "Ana: I quit Acme.\nBo: Oh.\nAna: I work at Acme again.\n"
    assert ("works_at", "Acme") in _current(tmp_path, nlp, text)


def test_live_messages_added_together_without_times_are_ordered_by_turn(tmp_path: Path, nlp: Any) -> None:
    messages = [
        {"speaker": "Ana", "text": "I work at Acme."},
        {"speaker": "Bo", "text": "Cool."},
        {"speaker": "Ana", "text": "I quit Acme. Now I work at Globex."},
    ]
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp) as mem:  # type: ignore[arg-type]
        mem.add(messages, namespace="live")
        jobs = {f.object for f in mem.facts(namespace="live", predicate="works_at")}
    assert jobs == {"Globex"}
