"""Recall over the Bolt server: the same dialogue, the same questions, the same answers as embedded.

The client keeps its hnswlib index as a cache (keyed by the server URI and database) rebuilt from the
embeddings stored on the nodes; full-text seeds come from the server (Lucene on Neo4j, the client-side
BM25 fallback on ArcadeDB), so scores may differ a little while the answers agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from graphmem.embed import Embedder, OnnxEmbedder
from graphmem.memory import Memory
from graphmem.models import TimeRef
from tests.recall.conftest import NS, build_batches, write_dialogue
from tests.support.bolt_server import BoltTarget, wipe_database

pytestmark = pytest.mark.neo4j

QUESTIONS = [
    "Where did Ben go hiking?",
    "What is the name of Ana's puppy?",
    "Which instrument is Ben learning?",
    "What has Ana been baking?",
    "What did the dog chew?",
]


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return OnnxEmbedder()


@pytest.fixture(scope="module")
def memories(
    tmp_path_factory: pytest.TempPathFactory, bolt_server: BoltTarget, embedder: Embedder
) -> Iterator[tuple[Memory, Memory]]:
    wipe_database(bolt_server)
    cache = tmp_path_factory.mktemp("vector-cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("GRAPHMEM_CACHE_DIR", str(cache))
    local = Memory.open(tmp_path_factory.mktemp("local") / "mem", embedder=embedder)
    remote = Memory.open(bolt_server.uri, embedder=embedder, auth=bolt_server.auth, database=bolt_server.database)
    for mem in (local, remote):
        _ = mem.vectors
        write_dialogue(mem)
    yield local, remote
    remote.close()
    local.close()
    mp.undo()


def _ids(mem: Memory, text: str, **kw: object) -> list[str]:
    return [h.event.id for h in mem.recall(text, namespace=NS, **kw)]  # type: ignore[arg-type]


@pytest.mark.parametrize("question", QUESTIONS)
def test_same_best_answer_on_both_backends(question: str, memories: tuple[Memory, Memory]) -> None:
    local, remote = memories
    want, got = _ids(local, question, k=5), _ids(remote, question, k=5)
    assert got[0] == want[0]
    assert len(set(got) & set(want)) >= 3


def test_hits_explain_themselves_over_bolt(memories: tuple[Memory, Memory]) -> None:
    _, remote = memories
    hits = remote.recall("Biscuit the beagle", namespace=NS, k=5)
    assert hits and all(h.why.seeds or h.why.path for h in hits)
    assert any(s.kind == "text" for h in hits for s in h.why.seeds)


def test_filters_apply_over_bolt(memories: tuple[Memory, Memory]) -> None:
    local, remote = memories
    for kw in (
        {"since": datetime(2024, 3, 8)},
        {"since": datetime(2024, 3, 8), "time_axis": "said"},
        {"since": datetime(2024, 3, 8), "time_axis": "happened"},
        {"until": datetime(2024, 3, 2)},
        {"speakers": ["Ben"]},
        {"as_of": datetime(2024, 3, 9)},
        {"hops": 0},
    ):
        want = set(_ids(local, "the puppy and the cello", k=10, **kw))
        got = set(_ids(remote, "the puppy and the cello", k=10, **kw))
        assert got and len(got & want) >= 0.7 * len(want), kw


def _write_told_times(mem: Memory, namespace: str) -> None:
    """The dialogue in ``namespace``, where the puppy and the cello turns tell of February ("last month")."""
    if namespace in mem.namespaces():
        return
    february = (TimeRef("last month", datetime(2024, 2, 1), datetime(2024, 3, 1), "month"),)
    for batch in build_batches(namespace):
        events = tuple(replace(e, times=february) if e.id in ("s2:1", "s3:1") else e for e in batch.events)
        vectors = mem.embedder.embed([e.text for e in events])
        embeddings = tuple((e.id, v.tolist()) for e, v in zip(events, vectors, strict=True))
        mem.write(replace(batch, events=events, embeddings=embeddings, embedding_model=mem.embedder.name))


def test_dsl_recall_with_a_window_on_each_time_over_bolt(memories: tuple[Memory, Memory]) -> None:
    """``RECALL … SAID … HAPPENED …``: both windows hold, on the embedded store and over Bolt alike."""
    found = []
    for mem in memories:
        _write_told_times(mem, "told")
        both = 'RECALL "the puppy and the cello" IN "told" SAID AFTER 2024-03-07 HAPPENED BEFORE 2024-03-01'
        rows = mem.query(both + " LIMIT 10").rows
        found.append(sorted(r[4] for r in rows))
        assert all("said" in r[5] and "happened" in r[5] for r in rows)
        assert mem.query('RECALL "hiking" IN "told" SAID BEFORE 2024-03-02 HAPPENED BEFORE 2024-03-01').rows == ()
    assert found[0] == found[1] == ["s2-1", "s3-1"]


def test_index_cache_is_rebuilt_from_stored_embeddings(
    memories: tuple[Memory, Memory],
    bolt_server: BoltTarget,
    embedder: Embedder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, remote = memories
    want = _ids(remote, QUESTIONS[1], k=3)
    monkeypatch.setenv("GRAPHMEM_CACHE_DIR", str(tmp_path / "fresh-cache"))  # another client, no cache yet
    with Memory.open(bolt_server.uri, embedder=embedder, auth=bolt_server.auth, database=bolt_server.database) as other:
        assert _ids(other, QUESTIONS[1], k=3) == want
    assert any((tmp_path / "fresh-cache").rglob("*"))
