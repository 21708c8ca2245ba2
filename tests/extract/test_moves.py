"""The usual ways of telling a move end the old home: "moved back to", "we moved", "Moved to X!", and a
return to a place that was a home before ("I'm back in Munich", "I returned to Munich")."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from graphmem.extract.pipeline import SpacyExtractor
from graphmem.memory import Memory
from tests.support.talk import held, write_talk

THEN = datetime(2024, 6, 25)


def _homes(memory: Memory, extractor: SpacyExtractor, tmp_path: Path, *sessions: tuple[str, str]) -> set[str]:
    path = write_talk(tmp_path / "talk.txt", *sessions)
    summary = memory.ingest(path, namespace="t", extractor=extractor, embed=False)
    assert summary.ok, summary.errors
    return held(memory, "lives_in", namespace="t", valid_at=THEN)


@pytest.mark.parametrize(
    "said",
    [
        "I moved back to Munich yesterday.",
        "We moved to Munich yesterday.",
        "Moved to Munich yesterday!",
        "So, big news. Moved to Munich yesterday!",
        "We moved over to Munich yesterday.",
    ],
)
def test_a_move_told_another_way_ends_the_old_home(
    memory: Memory, extractor: SpacyExtractor, tmp_path: Path, said: str
) -> None:
    homes = _homes(
        memory,
        extractor,
        tmp_path,
        ("20 June 2024", "Lena: I live in Hamburg.\n"),
        ("24 June 2024", f"Lena: {said}\n"),
    )
    assert homes == {"Munich"}
    past = held(memory, "lives_in", namespace="t", valid_at=datetime(2024, 6, 22))
    assert past == {"Hamburg"}


@pytest.mark.parametrize("said", ["I'm back in Munich.", "I returned to Munich yesterday.", "I came back to Munich."])
def test_coming_back_to_a_former_home_is_living_there_again(
    memory: Memory, extractor: SpacyExtractor, tmp_path: Path, said: str
) -> None:
    homes = _homes(
        memory,
        extractor,
        tmp_path,
        ("18 June 2024", "Lena: I live in Munich.\n"),
        ("20 June 2024", "Lena: I moved to Hamburg yesterday.\n"),
        ("24 June 2024", f"Lena: {said}\n"),
    )
    assert homes == {"Munich"}


@pytest.mark.parametrize("said", ["I'm back in Munich.", "I returned to Munich yesterday."])
def test_coming_back_to_a_place_that_was_no_home_is_a_visit(
    memory: Memory, extractor: SpacyExtractor, tmp_path: Path, said: str
) -> None:
    homes = _homes(
        memory,
        extractor,
        tmp_path,
        ("20 June 2024", "Lena: I live in Hamburg.\n"),
        ("24 June 2024", f"Lena: {said}\n"),
    )
    assert homes == {"Hamburg"}
    assert held(memory, "went_to", namespace="t", valid_at=THEN) == {"Munich"}


@pytest.mark.parametrize("said", ["We went to Munich yesterday.", "We work at Acme.", "We live in Munich."])
def test_we_is_the_speaker_only_for_a_move(
    memory: Memory, extractor: SpacyExtractor, tmp_path: Path, said: str
) -> None:
    path = write_talk(tmp_path / "talk.txt", ("24 June 2024", f"Lena: {said}\n"))
    assert memory.ingest(path, namespace="t", extractor=extractor, embed=False).ok
    facts = list(memory.store.iter_facts("t"))
    assert not [f for f in facts if f.subject_id == "ent:person:lena"]
