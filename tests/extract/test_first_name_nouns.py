"""A first name the tagger took for a common noun ("Rui said I did well": "Rui" tagged NN at the start of
a sentence) is the person of that first name, in one file and message by message; a word the dictionary
knows ("Nature", "Rose") is not made a person so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graphmem.extract.pipeline import SpacyExtractor
from graphmem.memory import Memory
from tests.support.talk import say

NS = "d"
LINES = ["My manager Rui Costa is great.", "Rui Costa called me today.", "Rui said I did well."]


def _timeline_of_rui(mem: Memory) -> list[str]:
    return [e.text for e in mem.timeline("Rui Costa", namespace=NS)]


def test_a_first_name_tagged_as_a_noun_is_the_known_person_when_added_live(tmp_path: Path) -> None:
    from tests.ingest.fakes import FakeEmbedder

    with Memory.open(tmp_path / "live", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        for minute, text in enumerate(LINES):
            mem.add({"speaker": "Dana", "text": text, "time": f"2024-05-01T10:0{minute}:00"}, namespace=NS)
        assert _timeline_of_rui(mem) == LINES
        assert not [e for e in mem.store.iter_entities(NS) if e.name.lower() == "rui"]  # no topic "rui"


def test_a_first_name_tagged_as_a_noun_is_the_known_person_in_a_file(
    memory: Memory, extractor: Any, tmp_path: Path
) -> None:
    body = "".join(f"[10:0{minute}] Dana: {text}\n" for minute, text in enumerate(LINES))
    say(memory, extractor, tmp_path / "d.txt", body, namespace=NS, date="1 May 2024")
    assert _timeline_of_rui(memory) == LINES


@pytest.mark.parametrize(
    "text",
    [
        "Nature's really something else!",
        "I snapped that pic on my trip to the Smoky Mountains. Nature's really something else!",
    ],
)
def test_a_dictionary_word_opening_a_sentence_is_no_name(nlp: Any, text: str) -> None:
    from tests.extract.conftest import make_transcript

    batch = SpacyExtractor(nlp).extract(make_transcript([(None, [("Dana", text)])]))
    assert [e.type for e in batch.entities if e.name.lower() == "nature"] == ["Topic"]
