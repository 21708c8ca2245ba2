"""Recall reads a whole frontier per hop: the number of store calls does not grow with the nodes expanded.

On a server every store call is a round trip, so recall must ask for the edges of a hop's frontier in one
``neighbors_many`` call (and the entities it names in one ``get_entities``), never once per node. These
tests count the calls on the embedded store (always) and the statements sent to a Bolt server (``neo4j``
marker), on a dialogue large enough that one call per node would be far over the bounds, and check that
the batched reads give exactly the hits of the per-node ones.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from graphmem.embed import Embedder
from graphmem.models import Batch, Entity, Event, Mention, Session
from graphmem.recall import RecallRequest, recall
from graphmem.recall.cache import NamespaceCache
from graphmem.recall.config import DEFAULT_CONFIG, ENTITY_WALK_CONFIG, RecallConfig
from graphmem.store.base import FetchesEntities, FetchesFrontier, GraphStore
from graphmem.store.embedded import EmbeddedStore
from graphmem.vector_index import VectorIndex
from tests.support.counting_session import CountingSession

START = datetime(2024, 5, 1, 9, 0)
TOPICS = ("pottery", "Lisbon", "marathon", "violin", "sourdough", "Kyoto", "chess", "kayak", "tomatoes", "jazz")
QUESTIONS = (
    "Where did Ana travel for the marathon?",
    "Which instrument does Ben play in the jazz band?",
    "What did they cook with the tomatoes?",
    "When did Ana go kayaking near Lisbon?",
)
HOPS = 2


def dialogue(namespace: str) -> list[Batch]:
    """Three sessions of 24 turns; every turn names two of ten things (so things link many turns)."""
    batches = []
    for index in range(3):
        sid = f"s{index + 1}"
        started = START + timedelta(days=7 * index)
        events, mentions = [], []
        entities = {p.lower(): Entity(namespace, p.lower(), p, "Person") for p in ("Ana", "Ben")}
        for seq in range(24):
            speaker = ("Ana", "Ben")[seq % 2]
            first, second = TOPICS[(seq + index) % len(TOPICS)], TOPICS[(3 * seq + 1) % len(TOPICS)]
            eid = f"{sid}:{seq}"
            text = f"{speaker} talks about {first} and {second} again, turn {seq} of session {index + 1}."
            when = started + timedelta(minutes=seq)
            events.append(Event(namespace, eid, sid, seq, speaker, text, when, f"D{index + 1}:{seq}"))
            mentions.append(Mention(namespace, eid, speaker.lower(), "speaker"))
            for thing in (first, second):
                entities[thing.lower()] = Entity(
                    namespace, thing.lower(), thing, "Place" if thing[0].isupper() else "Topic"
                )
                mentions.append(Mention(namespace, eid, thing.lower(), "mention"))
        batches.append(
            Batch(
                namespace,
                sessions=(Session(namespace, sid, index, started),),
                events=tuple(events),
                entities=tuple(entities.values()),
                mentions=tuple(mentions),
            )
        )
    return batches


def write_dialogue(store: GraphStore, namespace: str, embedder: Embedder) -> None:
    for batch in dialogue(namespace):
        vectors = embedder.embed([e.text for e in batch.events])
        embeddings = tuple((e.id, v.tolist()) for e, v in zip(batch.events, vectors, strict=True))
        store.write(
            Batch(
                batch.namespace,
                sessions=batch.sessions,
                events=batch.events,
                entities=batch.entities,
                mentions=batch.mentions,
                embeddings=embeddings,
                embedding_model=embedder.name,
            )
        )


def requests(namespace: str) -> Iterator[RecallRequest]:
    for text in QUESTIONS:
        yield RecallRequest.of(text, namespace=namespace, k=10, hops=HOPS)
    # a time window takes the other path (edges fetched within the bounds, per hop)
    yield RecallRequest.of(
        QUESTIONS[0], namespace=namespace, k=10, hops=HOPS, since=START, until=START + timedelta(days=10)
    )


class PerNode:
    """The store with the batch capabilities hidden: recall must fall back to one call per node."""

    def __init__(self, inner: GraphStore) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        if name in ("neighbors_many", "get_entities"):
            raise AttributeError(name)
        return getattr(self._inner, name)


class Calls:
    """Counts calls of some methods of a store (patched on the instance)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, store: GraphStore, names: tuple[str, ...]) -> None:
        self.counts = dict.fromkeys(names, 0)
        for name in names:
            monkeypatch.setattr(store, name, self._counting(name, getattr(store, name)))

    def _counting(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.counts[name] += 1
            return method(*args, **kwargs)

        return wrapper

    def reset(self) -> None:
        self.counts = dict.fromkeys(self.counts, 0)


@pytest.fixture
def embedded(tmp_path: Path, embedder: Embedder) -> Iterator[tuple[EmbeddedStore, VectorIndex]]:
    store = EmbeddedStore.open(tmp_path / "store")
    write_dialogue(store, "big", embedder)
    vectors = VectorIndex.open(store, tmp_path / "vectors")
    yield store, vectors
    vectors.close()
    store.close()


def hits_of(
    store: Any, vectors: VectorIndex, embedder: Embedder, request: RecallRequest, config: RecallConfig
) -> list[dict[str, Any]]:
    return [h.as_dict() for h in recall(request, store=store, vectors=vectors, embed=embedder.embed, config=config)]


def test_the_dialogue_is_big_enough_to_tell(embedded: tuple[EmbeddedStore, VectorIndex]) -> None:
    store, _ = embedded
    assert isinstance(store, FetchesFrontier) and not isinstance(PerNode(store), FetchesFrontier)
    assert not isinstance(PerNode(store), FetchesEntities)
    assert len(list(store.iter_events("big"))) == 72


@pytest.mark.parametrize("config", [DEFAULT_CONFIG, ENTITY_WALK_CONFIG], ids=["default", "entity walk"])
def test_batched_frontier_gives_the_hits_of_per_node_reads(
    embedded: tuple[EmbeddedStore, VectorIndex], embedder: Embedder, config: RecallConfig
) -> None:
    store, vectors = embedded
    for request in requests("big"):
        batched = hits_of(store, vectors, embedder, request, config)
        assert batched, request.text
        assert batched == hits_of(PerNode(store), vectors, embedder, request, config), request.text


def test_store_calls_per_recall_are_bounded(
    embedded: tuple[EmbeddedStore, VectorIndex], embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, vectors = embedded
    calls = Calls(monkeypatch, store, ("neighbors", "neighbors_many"))
    for request in requests("big"):
        calls.reset()
        cache = NamespaceCache()  # cold: nothing cached from an earlier question
        hits = recall(
            request, store=store, vectors=vectors, embed=embedder.embed, cache=cache, config=ENTITY_WALK_CONFIG
        )
        assert hits
        # per hop: the frontier's things (degrees), the frontier, the things its turns name; plus the
        # answer-type check; a speaker met late may cost one call of its own
        assert calls.counts["neighbors_many"] <= 3 * HOPS + 1, (request.text, calls.counts)
        assert calls.counts["neighbors"] <= 2, (request.text, calls.counts)
    calls.reset()
    per_node = Calls(monkeypatch, store, ("neighbors",))
    recall(
        next(requests("big")),
        store=PerNode(store),
        vectors=vectors,
        embed=embedder.embed,
        cache=NamespaceCache(),
        config=ENTITY_WALK_CONFIG,
    )
    assert per_node.counts["neighbors"] > 3 * HOPS + 3, "the dialogue is too small for the bound to tell"


@pytest.mark.parametrize("config", [DEFAULT_CONFIG, ENTITY_WALK_CONFIG], ids=["default", "entity walk"])
def test_the_edge_cache_keys_are_not_tracked_by_the_collector(
    embedded: tuple[EmbeddedStore, VectorIndex], embedder: Embedder, config: RecallConfig
) -> None:
    """The edges kept across questions are keyed by strings only: once a collection has seen them, the
    garbage collector no longer tracks the keys (a full collection visits every tracked object, and a
    long-lived recall cache holds one key per node and edge type)."""
    store, vectors = embedded
    cache = NamespaceCache()
    for request in requests("big"):
        assert recall(request, store=store, vectors=vectors, embed=embedder.embed, cache=cache, config=config)
    gc.collect()
    assert len(cache.edges) > 20
    assert [key for key in cache.edges if gc.is_tracked(key)] == []


@pytest.mark.neo4j
def test_round_trips_per_recall_over_bolt(bolt_server: Any, tmp_path: Path, embedder: Embedder) -> None:
    from graphmem.store.cypher.store import CypherStore
    from graphmem.store.neo4j import connect

    opened = connect(bolt_server.uri, auth=bolt_server.auth, database=bolt_server.database)
    session = CountingSession(opened._session)
    store = CypherStore(session, opened.dialect, server=opened.server)
    namespace = "round-trips-" + tmp_path.name[-8:].replace("_", "-")
    try:
        store.delete_namespace(namespace)
        write_dialogue(store, namespace, embedder)
        vectors = VectorIndex.open(store, tmp_path / "vectors")
        vectors.count(namespace)  # the local vector cache is built once, not per question
        for request in requests(namespace):
            session.reads.clear()
            cache = NamespaceCache()
            cache.load_participants(store, namespace)  # once per namespace, not per question
            session.reads.clear()
            with store.reading():  # as Memory.recall does
                hits = recall(
                    request, store=store, vectors=vectors, embed=embedder.embed, cache=cache, config=ENTITY_WALK_CONFIG
                )
            assert hits, request.text
            # seeds (vectors' events, text search, whose rows carry their events), per hop (frontier
            # things, frontier, named things: the frontier's rows carry the events it reaches), ranking
            # (answer types' entities, link names)
            assert len(session.reads) <= 2 + 3 * HOPS + 2, (request.text, session.reads)
            by_id = [q for q in session.reads if q.startswith("UNWIND $ids AS i MATCH (n:Event")]
            assert len(by_id) <= 1, session.reads  # the vector seeds' events; a hop's come with its edges
            single = [q for q in session.reads if "{namespace: $ns, id: $id}" in q]
            assert len(single) <= 2, single  # one-node reads: a speaker met late, at most
        vectors.close()
    finally:
        store.delete_namespace(namespace)
        store.close()


@pytest.mark.neo4j
def test_a_recall_whose_namespace_held_still_reads_only_its_counter(
    bolt_server: Any, tmp_path: Path, embedder: Embedder
) -> None:
    """As :class:`~graphmem.memory.Memory` recalls: the change counter first, in the recall's scope. The first
    recall reads the namespace's copy (:mod:`graphmem.store.cypher.copy`); while nobody writes, every later
    one sends the counter read alone, and gives the hits the server's answers give."""
    from graphmem.store.cypher.copy import LOAD_EDGES, LOAD_ENTITIES, LOAD_EVENTS
    from graphmem.store.cypher.store import CypherStore
    from graphmem.store.neo4j import connect

    opened = connect(bolt_server.uri, auth=bolt_server.auth, database=bolt_server.database)
    session = CountingSession(opened._session)
    store = CypherStore(session, opened.dialect, server=opened.server)
    namespace = "held-still-" + tmp_path.name[-8:].replace("_", "-")
    try:
        store.delete_namespace(namespace)
        write_dialogue(store, namespace, embedder)
        vectors = VectorIndex.open(store, tmp_path / "vectors")
        vectors.count(namespace)
        cache = NamespaceCache()
        cache.load_participants(store, namespace)
        served = [hits_of(store, vectors, embedder, r, ENTITY_WALK_CONFIG) for r in requests(namespace)]
        for round_ in range(2):
            for i, (request, expected) in enumerate(zip(requests(namespace), served, strict=True)):
                session.reads.clear()
                with store.reading():
                    store.changed_elsewhere(namespace)
                    hits = recall(
                        request,
                        store=store,
                        vectors=vectors,
                        embed=embedder.embed,
                        cache=cache,
                        config=ENTITY_WALK_CONFIG,
                    )
                assert [h.as_dict() for h in hits] == expected, request.text
                if round_ or i:
                    assert len(session.reads) == 1, session.reads  # the counter
                else:  # the first recall loads the copy
                    assert set(session.reads[1:]) == {LOAD_EVENTS, LOAD_ENTITIES, LOAD_EDGES}, session.reads
        vectors.close()
    finally:
        store.delete_namespace(namespace)
        store.close()
