"""Forgetting on a Bolt store: a forgotten namespace leaves its name in no node or relationship (its
``:GraphmemNamespace`` node, which held its change counter and line of writers, goes too), while another
client that read it, or waits to write it, still sees it written again; and a forgotten turn takes back the
dates a later "later that month" gave facts, as on the embedded store
(``tests/live/test_forget_antecedent_facts.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graphmem.memory import Memory
from graphmem.store.base import RunsCypher
from tests.live.test_forget_antecedent_facts import TALKS, forgotten_middle, never_told
from tests.support.bolt_memory import open_bolt_memory, two_bolt_memories
from tests.support.bolt_server import BoltTarget, wipe_database

pytestmark = pytest.mark.neo4j

NAME = "alice@example.com"
SAID = "2024-05-01T10:00"


@pytest.fixture(scope="module")
def nlp() -> Any:
    from graphmem.extract.nlp import load_nlp

    return load_nlp()


def _holding(mem: Memory, name: str) -> list[Any]:
    """The labels of every node, and the types of every relationship, of namespace ``name``."""
    store = mem.store
    assert isinstance(store, RunsCypher)
    nodes = store.run_cypher("MATCH (n) WHERE n.namespace = $name RETURN labels(n)", {"name": name})
    edges = store.run_cypher("MATCH ()-[r]->() WHERE r.namespace = $name RETURN type(r)", {"name": name})
    return [*nodes, *edges]


def test_a_forgotten_namespace_leaves_its_name_in_no_node(bolt_server: BoltTarget, tmp_path: Path) -> None:
    with two_bolt_memories(bolt_server, tmp_path) as (mem, reader):
        mem.add([{"speaker": "Bob", "text": "Bob works at Frobnitz Labs.", "time": SAID}], namespace="keep")
        [said] = mem.add([{"speaker": "Alice", "text": "I live in Porto.", "time": SAID}], namespace=NAME)
        mem.add([{"speaker": "Alice", "text": "I like tea.", "time": SAID}], namespace=NAME)
        assert [h.event.text for h in reader.recall("Where does Alice live?", namespace=NAME, k=1)] == [
            "I live in Porto."
        ]
        mem.forget(NAME, said)  # a message forgotten first leaves marks of its place
        mem.forget(NAME)
        assert _holding(mem, NAME) == []
        assert mem.namespaces() == ["keep"]
        # written again (by another client, whose guard read the old counter first): each sees the new one
        reader.add([{"speaker": "Alice", "text": "I live in Oslo.", "time": SAID}], namespace=NAME)
        assert [h.event.text for h in mem.recall("Where does Alice live?", namespace=NAME, k=1)] == ["I live in Oslo."]
        mem.add([{"speaker": "Alice", "text": "I like coffee.", "time": SAID}], namespace=NAME)
        assert {h.event.text for h in reader.recall("What does Alice like?", namespace=NAME, k=2)} == {
            "I live in Oslo.",
            "I like coffee.",
        }


@pytest.mark.parametrize("talk", sorted(TALKS))
def test_forget_dates_the_facts_as_a_memory_never_told_the_antecedent(
    bolt_server: BoltTarget, tmp_path: Path, nlp: Any, talk: str
) -> None:
    wipe_database(bolt_server)
    with open_bolt_memory(bolt_server, tmp_path / "one", nlp=nlp) as mem:
        forgot = forgotten_middle(mem, TALKS[talk])
    wipe_database(bolt_server)
    with open_bolt_memory(bolt_server, tmp_path / "two", nlp=nlp) as mem:
        assert forgot == never_told(mem, TALKS[talk])
