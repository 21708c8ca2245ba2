"""A slip of a date repaired by restating the whole clause ("I started at Globex on 1 March." … "Sorry, I meant
I started at Globex on 4 March.") redates the statement as the short "Sorry, I meant 4 March." does, whether the
turns come in one ``add`` or one at a time; a clause restating another value moves no date of the first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from graphmem.memory import Memory
from tests.support.talk import held

NS = "c"
SAID = datetime(2024, 3, 20, 10, 0)


def _both_ways(tmp_path: Path, *texts: str) -> Iterator[Memory]:
    from tests.ingest.fakes import FakeEmbedder

    messages = [{"speaker": "Ana", "text": text, "time": SAID.replace(minute=n)} for n, text in enumerate(texts)]
    with Memory.open(tmp_path / "one", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        mem.add(messages, namespace=NS)
        yield mem
    with Memory.open(tmp_path / "live", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        for message in messages:
            mem.add(message, namespace=NS)
        yield mem


@pytest.mark.parametrize(
    ("slip", "repair", "predicate", "value"),
    [
        ("I started at Globex on 1 March.", "Sorry, I meant I started at Globex on 4 March.", "works_at", "Globex"),
        ("I started at Globex on 1 March.", "Sorry, I meant 4 March.", "works_at", "Globex"),
        ("I moved to Porto on 1 March.", "Oops, I meant I moved to Porto on 4 March.", "lives_in", "Porto"),
    ],
)
def test_a_restated_clause_with_a_new_date_corrects_the_date(
    tmp_path: Path, slip: str, repair: str, predicate: str, value: str
) -> None:
    for mem in _both_ways(tmp_path, slip, repair):
        assert held(mem, predicate, namespace=NS, valid_at=datetime(2024, 3, 2)) == set()
        assert held(mem, predicate, namespace=NS, valid_at=datetime(2024, 3, 5)) == {value}


def test_a_restated_clause_naming_another_value_moves_no_date(tmp_path: Path) -> None:
    for mem in _both_ways(tmp_path, "I started at Globex on 1 March.", "Sorry, I meant I started at Hooli on 4 March."):
        assert held(mem, "works_at", namespace=NS, valid_at=datetime(2024, 3, 2)) == set()
        assert held(mem, "works_at", namespace=NS, valid_at=datetime(2024, 3, 5)) == {"Hooli"}
