"""Re-ingesting an edited file extracts its changed sessions knowing the entities its kept sessions stored
(:mod:`graphmem.entity_prior`), so the graph is the one a fresh ingest of the new version gives: a firm
named in a kept session stays a firm in a re-extracted one. Runs on the embedded store and on the Bolt store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graphmem.entity_prior import known_entities, name_candidates
from graphmem.ingest import ingest
from graphmem.memory import Memory

from .fakes import FakeEmbedder
from .test_reingest import BACKENDS, _open, chat


@pytest.fixture(params=BACKENDS)
def spacy_mem(request: pytest.FixtureRequest, tmp_path: Path, nlp: Any) -> Iterator[Memory]:
    """An empty memory on each backend, extracting with spaCy."""
    with _open(request, tmp_path, nlp) as memory:
        yield memory


WORK = ["Maya: I work at Helix Labs.", "Jon: Nice, how is it?"]
MOVE = ["Jon: I moved to Leeds.", "Maya: Lovely city."]
V1 = chat(WORK, ["Maya: I quit my job last week.", "Jon: Oh no."], MOVE, ["Maya: Good news.", "Jon: Tell me."])
# sessions 2 and 4 edited: re-extracted together, NER taking the firm for a person in both
V2 = chat(
    WORK,
    ["Maya: I quit my job at Helix Labs last week.", "Jon: Oh no, why?"],
    MOVE,
    ["Maya: I start at Helix Labs again on Monday.", "Jon: Tell me more."],
)


def facts(memory: Memory, ns: str) -> list[tuple[Any, ...]]:
    rows = [(f.predicate, f.subject_id, f.object_id, f.valid_from, f.valid_to) for f in memory.store.iter_facts(ns)]
    return sorted(rows, key=lambda r: (r[:3], r[3] is not None, r[3] or 0, r[4] is not None, r[4] or 0))


def entities(memory: Memory, ns: str) -> list[tuple[str, str]]:
    return sorted((e.id, e.type) for e in memory.store.iter_entities(ns))


def fresh(tmp_path: Path, text: str, nlp: Any) -> tuple[list[tuple[Any, ...]], list[tuple[str, str]]]:
    """The facts and entities a fresh ingest of ``text`` (as ``talk.txt``) gives."""
    (where := tmp_path / "fresh").mkdir()
    (where / "talk.txt").write_text(text, encoding="utf-8")
    with Memory.open(where / "db", embedder=FakeEmbedder(), nlp=nlp) as other:
        assert ingest(other, where / "talk.txt").ok
        return facts(other, "talk"), entities(other, "talk")


def test_reingest_of_edited_sessions_types_a_known_firm_as_a_fresh_ingest_does(
    spacy_mem: Memory, tmp_path: Path, nlp: Any
) -> None:
    path = tmp_path / "talk.txt"
    path.write_text(V1, encoding="utf-8")
    assert ingest(spacy_mem, path).ok
    path.write_text(V2, encoding="utf-8")
    summary = ingest(spacy_mem, path)
    assert summary.ok and (summary.turns, summary.turns_kept) == (4, 4)  # only sessions 2 and 4 re-extracted
    expected_facts, expected_entities = fresh(tmp_path, V2, nlp)
    assert facts(spacy_mem, "talk") == expected_facts
    assert entities(spacy_mem, "talk") == expected_entities
    jobs = [(f[0], f[2]) for f in expected_facts if f[1] == "ent:person:maya"]
    # the job, its ending told as "I quit my job at Helix Labs" (a statement of the job, ended), and "I start
    # at Helix Labs again": every fact of Maya's is a job at the firm, typed as the kept session typed it
    assert len(jobs) == 3 and set(jobs) == {("works_at", "ent:organization:helix-labs")}


def test_name_candidates_are_the_capitalised_runs_of_the_text() -> None:
    found = name_candidates(
        ["I work at Helix Labs with Ana's brother.", "I love Bank of America. Paris too, J.K. Rowling"]
    )
    assert {"Helix Labs", "Helix", "Labs", "Ana", "Bank of America", "Paris", "J.K. Rowling"} <= set(found)
    assert not {"I", "Ana's", "of America", "America. Paris", "work"} & set(found)
    assert name_candidates(["Ana Bea Cid"], limit=2) == ["Ana", "Ana Bea"]


class _Counting:
    """A store that counts the name lookups asked of it and refuses to read a namespace whole."""

    def __init__(self, store: Any) -> None:
        self.store, self.looked_up = store, []

    def find_entities(self, namespace: str, name: str, **kw: Any) -> Any:
        self.looked_up.append(name)
        return self.store.find_entities(namespace, name, **kw)

    def neighbors(self, *args: Any, **kw: Any) -> Any:
        return self.store.neighbors(*args, **kw)


def test_known_entities_are_the_stored_ones_the_text_names_looked_up_by_name(tmp_path: Path, nlp: Any) -> None:
    path = tmp_path / "talk.txt"
    path.write_text(V1, encoding="utf-8")
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp) as memory:
        assert ingest(memory, path).ok
        store = _Counting(memory.store)
        text = ["I start at Helix Labs again on Monday."]
        (known,) = known_entities(store, "talk", text, participants=["Maya", "Jon"])  # type: ignore[arg-type]
        assert (known.id, known.type, known.backed) == ("ent:organization:helix-labs", "Organization", True)
        assert store.looked_up == name_candidates(text)  # the text's names only: the namespace is not read whole
        leeds = known_entities(memory.store, "talk", ["Leeds is far."], participants=["Maya", "Jon"])
        assert [(k.id, k.backed) for k in leeds] == [("ent:place:leeds", True)]
        # a re-ingest knows only what the input's kept turns mention and state
        work = {"ev:session_1:1", "ev:session_1:2"}
        assert [k.backed for k in known_entities(memory.store, "talk", text, kept=work)] == [True]
        assert known_entities(memory.store, "talk", text, kept={"ev:session_3:1"}) == ()
