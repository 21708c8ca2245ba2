"""Two processes on one Bolt database: what one writes, the other's next recall sees.

A :class:`~graphmem.memory.Memory` over Bolt keeps recall's caches (edges, entity degrees, participants)
and a local copy of the vector index between recalls. Each of the two memories here has its own store
connection and its own vector cache folder, as two processes would; the second writes, and the first's
next recall must answer from the new state (the namespace's change counter, read once per recall).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from graphmem.embed import Embedder, OnnxEmbedder
from graphmem.memory import Memory
from graphmem.models import Batch, Entity, Event, Mention, Session
from graphmem.recall import RecallConfig, RecallRequest
from graphmem.settings import Settings
from tests.recall.conftest import NS, write_dialogue
from tests.support.bolt_server import BoltTarget, wipe_database

pytestmark = pytest.mark.neo4j

LIGHTHOUSE = "I painted the old lighthouse by the harbour in bright red."
DENSE_ONLY = RecallConfig(text=False)  # seeds from the local vector copy only: stale vectors would show


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return OnnxEmbedder()


def _open(bolt: BoltTarget, embedder: Embedder, cache: Path) -> Memory:
    settings = Settings.from_env(environ={"GRAPHMEM_CACHE_DIR": str(cache)})
    return Memory.open(bolt.uri, embedder=embedder, settings=settings, auth=bolt.auth, database=bolt.database)


@pytest.fixture
def two(bolt_server: BoltTarget, embedder: Embedder, tmp_path: Path) -> Iterator[tuple[Memory, Memory]]:
    """A reader that has recalled once (its caches and vector copy are filled) and another process's writer."""
    wipe_database(bolt_server)
    reader = _open(bolt_server, embedder, tmp_path / "reader-cache")
    writer = _open(bolt_server, embedder, tmp_path / "writer-cache")
    write_dialogue(reader)
    _ = reader.recall("Where did Ben go hiking?", namespace=NS, k=5)
    assert reader.recall_cache(NS).participants
    try:
        yield reader, writer
    finally:
        writer.close()
        reader.close()


def _dense(mem: Memory, text: str) -> list[str]:
    return [h.event.id for h in mem.recall_request(RecallRequest.of(text, namespace=NS, k=5), config=DENSE_ONLY)]


def _zoe_batch(mem: Memory) -> Batch:
    when = datetime(2024, 4, 1, 10, 0)
    event = Event(NS, "s4:1", "s4", 1, "Zoe", LIGHTHOUSE, when, "s4-1")
    vector = mem.embedder.embed([LIGHTHOUSE])[0].tolist()
    return Batch(
        NS,
        sessions=(Session(NS, "s4", 3, when),),
        events=(event,),
        entities=(Entity(NS, "ent:zoe", "Zoe", "Person"), Entity(NS, "ent:lighthouse", "lighthouse", "Topic")),
        mentions=(Mention(NS, "s4:1", "ent:zoe", "speaker"), Mention(NS, "s4:1", "ent:lighthouse", "mention")),
        embeddings=((event.id, vector),),
        embedding_model=mem.embedder.name,
    )


def test_recall_sees_what_another_process_wrote(two: tuple[Memory, Memory]) -> None:
    reader, writer = two
    question = "Who painted the lighthouse red?"
    assert "s4:1" not in _dense(reader, question)
    reader.recall_cache(NS).derived["marker"] = True  # what recall derived before the other's write
    writer.write(_zoe_batch(writer))
    assert _dense(reader, question)[0] == "s4:1"  # the local vector copy caught up
    cache = reader.recall_cache(NS)
    assert "marker" not in cache.derived  # recall's caches were dropped
    assert cache.participants is not None and "zoe" in cache.participants  # and read again
    # the graph too: the new entity's edges lead to the new turn
    hits = reader.recall("lighthouse", namespace=NS, k=3)
    assert hits[0].event.id == "s4:1"


def test_recall_forgets_what_another_process_deleted(two: tuple[Memory, Memory]) -> None:
    reader, writer = two
    writer.write(_zoe_batch(writer))
    assert _dense(reader, LIGHTHOUSE)[0] == "s4:1"
    writer.forget(NS, "s4:1")
    assert "s4:1" not in _dense(reader, LIGHTHOUSE)
    assert reader.vectors.count(NS) == 14  # the dialogue's turns, without the deleted one
    assert "zoe" not in (reader.recall_cache(NS).load_participants(reader.store, NS))


def test_caches_are_kept_while_nobody_else_writes(two: tuple[Memory, Memory]) -> None:
    reader, _ = two
    cache = reader.recall_cache(NS)
    cache.derived["marker"] = True
    _ = _dense(reader, "the puppy")
    assert reader.recall_cache(NS) is cache and cache.derived["marker"]
    reader.write(_zoe_batch(reader))  # our own write drops the caches and updates the vectors itself ...
    reader.recall_cache(NS).derived["marker"] = True
    assert _dense(reader, LIGHTHOUSE)[0] == "s4:1"
    assert reader.recall_cache(NS).derived["marker"]  # ... and is not taken for another process's
