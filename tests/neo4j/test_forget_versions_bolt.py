"""Forgetting the last message on a Bolt store gives back exactly the memory that never had it, as on the
embedded store (``tests/live/test_forget_versions.py``): the forms whose versions the forgotten message
ended where they began (a move dated again, a value held since before), and a correction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.live.test_forget_versions import FORMS, NS, added, versions
from tests.support.bolt_memory import open_bolt_memory
from tests.support.bolt_server import BoltTarget, wipe_database

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def nlp() -> Any:
    from graphmem.extract.nlp import load_nlp

    return load_nlp()


@pytest.mark.parametrize("form", ["move dated again", "held since before", "correction"])
def test_forgetting_the_last_message_added_gives_the_memory_without_it(
    bolt_server: BoltTarget, tmp_path: Path, nlp: Any, form: str
) -> None:
    texts = FORMS[form]
    wipe_database(bolt_server)
    with open_bolt_memory(bolt_server, tmp_path / "cache", nlp=nlp) as mem:
        ids = added(mem, texts)
        mem.forget(NS, ids[-1])
        forgot = versions(mem)
        if form == "move dated again":
            assert [f.describe() for f in mem.facts(namespace=NS)] == ["Mara lives_in York (from 2025-04-01)"]
    wipe_database(bolt_server)
    with open_bolt_memory(bolt_server, tmp_path / "cache2", nlp=nlp) as mem:
        added(mem, texts[:-1])
        assert forgot == versions(mem)
