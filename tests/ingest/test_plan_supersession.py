"""A planned change is what ended the old value: memory believed it from when the plan was told, not from
a later statement confirming it, whatever the namespace (fact ids are hashed from it) or file name."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem import Memory
from tests.support.talk import NoEmbedder

TALK = """## Session 1 — 10 January 2024
[18:00] Kim: I live in Leeds.
[18:01] Jo: Staying there?
[18:02] Kim: I will move to York in March.

## Session 2 — 20 April 2024
[10:00] Kim: I live in York now, I moved here on 1 March.
"""


@pytest.mark.parametrize("namespace", ["kim", "chat", "diary", "maya", "notes", "talk"])
def test_a_plan_told_first_ends_the_old_home_when_it_was_told(tmp_path: Path, nlp: Any, namespace: str) -> None:
    path = tmp_path / f"{namespace}.txt"
    path.write_text(TALK, encoding="utf-8")
    with Memory.open(tmp_path / "db", embedder=NoEmbedder(), nlp=nlp) as mem:
        assert mem.ingest(path, namespace=namespace, embed=False).ok
        believed = mem.facts(
            namespace=namespace, predicate="lives_in", as_of=datetime(2024, 2, 1), valid_at=datetime(2024, 4, 1)
        )
        assert {f.object for f in believed} == {"York"}
        told = mem.facts(
            namespace=namespace, predicate="lives_in", as_of=datetime(2024, 1, 10, 18, 1), valid_at=datetime(2024, 4, 1)
        )
        assert {f.object for f in told} == {"Leeds"}  # before the plan was told
