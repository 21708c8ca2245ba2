"""Live add on a Bolt store reads a message after its session's stored turns, as the embedded store does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.live.test_context import _TALK, _facts, _messages
from tests.support.bolt_memory import open_bolt_memory
from tests.support.bolt_server import BoltTarget, wipe_database

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def nlp() -> Any:
    from graphmem.extract.nlp import load_nlp

    return load_nlp()


def test_one_message_at_a_time_gives_what_one_call_gives(bolt_server: BoltTarget, tmp_path: Path, nlp: Any) -> None:
    wipe_database(bolt_server)
    with open_bolt_memory(bolt_server, tmp_path / "cache", nlp=nlp) as memory:
        for message in _messages(_TALK):
            memory.add(message, namespace="a", session="s1")
        memory.add(_messages(_TALK), namespace="b", session="s1")
        live = _facts(memory, "a")
        assert ("works_at", "Clara", "Acme Corp") in [f[:3] for f in live]
        assert live == _facts(memory, "b")
        before = sorted(memory.store.iter_facts("a"), key=lambda f: f.id)
        memory.add({"speaker": "Ben", "text": "Sounds nice.", "time": "2024-05-01T10:01:00"}, namespace="a")
        assert sorted(memory.store.iter_facts("a"), key=lambda f: f.id) == before
