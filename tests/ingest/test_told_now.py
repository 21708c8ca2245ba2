"""A state said to hold now ("I've been living in Munich since Monday") is not ended before it was said by a
statement made earlier ("I live in Hamburg", said before it): it is the current value, and the earlier-told
one ends where it begins."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem import Memory
from tests.support.talk import NoEmbedder

TALK = """## Session 1 — 20 June 2024
Lena: I live in Hamburg.
## Session 2 — 24 June 2024
Lena: {line}
"""


@pytest.mark.parametrize(
    ("line", "start"),
    [
        ("I've been living in Munich since Monday.", datetime(2024, 6, 17)),
        ("I've been living in Munich since 2019.", datetime(2019, 1, 1)),
        ("I've been living in Munich since May.", datetime(2024, 5, 1)),
        ("I've been living in Munich for two weeks.", datetime(2024, 6, 10)),
    ],
)
def test_a_state_told_to_hold_now_is_current(tmp_path: Path, nlp: Any, line: str, start: datetime) -> None:
    path = tmp_path / "since.txt"
    path.write_text(TALK.format(line=line), encoding="utf-8")
    with Memory.open(tmp_path / "db", embedder=NoEmbedder(), nlp=nlp) as mem:
        assert mem.ingest(path, namespace="since", embed=False).ok
        homes = {f.object: f.fact for f in mem.facts(namespace="since", predicate="lives_in", all_time=True)}
        munich, hamburg = homes["Munich"], homes["Hamburg"]
        assert (munich.valid_from, munich.valid_to) == (start, None)
        assert hamburg.valid_to is not None and hamburg.valid_to <= max(start, hamburg.valid_from)
        for when in (datetime(2024, 6, 24), datetime(2024, 6, 25), datetime(2025, 1, 1)):
            now = mem.facts(namespace="since", predicate="lives_in", valid_at=when)
            assert [f.object for f in now] == ["Munich"], when


def test_a_home_told_after_a_dated_one_still_ends_it(tmp_path: Path, nlp: Any) -> None:
    # the documented rule stands otherwise: a later start wins
    path = tmp_path / "later.txt"
    path.write_text(
        "## Session 1 — 20 June 2024\nLena: I've been living in Munich since May.\n"
        "## Session 2 — 24 June 2024\nLena: I live in Hamburg now.\n",
        encoding="utf-8",
    )
    with Memory.open(tmp_path / "db", embedder=NoEmbedder(), nlp=nlp) as mem:
        assert mem.ingest(path, namespace="later", embed=False).ok
        now = mem.facts(namespace="later", predicate="lives_in", valid_at=datetime(2024, 6, 25))
        assert [f.object for f in now] == ["Hamburg"]
        old = mem.facts(namespace="later", predicate="lives_in", valid_at=datetime(2024, 6, 21))
        assert [f.object for f in old] == ["Munich"]
