"""``Memory.forget(session=...)`` and ``forget(about=...)`` on a Bolt store: as on the embedded store
(``tests/live/test_forget_many.py``), nothing of the person is left, in no node or relationship either."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graphmem.errors import NotFoundError
from tests.live.forget_many_talk import HERS, check_nothing_of, kept_state, tell, texts
from tests.live.forget_names_talk import check_names_as_names
from tests.live.test_forget_many import missed
from tests.support.bolt_memory import open_bolt_memory
from tests.support.bolt_server import BoltTarget, wipe_database

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def nlp() -> Any:
    from graphmem.extract.nlp import load_nlp

    return load_nlp()


def test_forget_about_a_person_leaves_nothing_of_her_on_the_server(
    bolt_server: BoltTarget, tmp_path: Path, nlp: Any
) -> None:
    wipe_database(bolt_server)
    with open_bolt_memory(bolt_server, tmp_path / "one", nlp=nlp) as mem:
        tell(mem, "a")
        mem.add_events([missed("a")], namespace="a")
        result = mem.forget("a", about="Dana")
        assert result.events == 4
        check_nothing_of(mem, "a", HERS)  # the server's nodes and relationships included
        assert "Nice, I work at Globex in Lisbon." in texts(mem, "a")
        on_server = kept_state(mem, "a")
    with open_bolt_memory(bolt_server, tmp_path / "two", nlp=nlp) as other:  # another client reads the same
        check_nothing_of(other, "a", HERS)
        assert kept_state(other, "a") == on_server


def test_forget_a_session_on_the_server(bolt_server: BoltTarget, tmp_path: Path, nlp: Any) -> None:
    wipe_database(bolt_server)
    with open_bolt_memory(bolt_server, tmp_path / "one", nlp=nlp) as mem:
        tell(mem, "a")
        with pytest.raises(NotFoundError, match=r"did you mean 's2' or 's3'\?"):
            mem.forget("a", session="s4")
        result = mem.forget("a", session="s2")
        assert (result.events, result.sessions) == (2, 1)
        assert [s.id for s in mem.store.iter_sessions("a")] == ["session_1", "s3"]
        check_nothing_of(mem, "a", ("mochi",), name="Mochi")


def test_forget_about_finds_names_as_names_on_the_server(bolt_server: BoltTarget, tmp_path: Path) -> None:
    wipe_database(bolt_server)
    with open_bolt_memory(bolt_server, tmp_path / "one") as mem:
        check_names_as_names(mem)
