"""Catching up with another process's writes by reading back only the rows it changed (the change log).

A loaded namespace that another connection wrote stays loaded: the reader reads the changed rows back by
key and must then hold exactly what a fresh load of the store gives (events, entities, fact versions,
sessions, every node's edges, name lookups and counts). When the log cannot say what changed (trimmed
past the reader, or a store without one), or too much changed, the namespace is read again whole.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from graphmem.memory import Memory
from graphmem.models import Batch, Entity, Event, Fact, Mention, Session
from graphmem.store import changelog
from graphmem.store.base import Direction
from graphmem.store.catch_up import worth_catching_up
from graphmem.store.embedded import EmbeddedStore
from graphmem.store.mirror import MemoryGraph
from tests.ingest.fakes import FakeEmbedder

NS = "a"
T0 = datetime(2024, 3, 1, 9, 0)


def _event(i: int, session: str, speaker: str = "Ann", text: str | None = None) -> Event:
    return Event(NS, f"e{i}", session, i, speaker, text or f"turn {i} about the garden", T0 + timedelta(minutes=i))


def _first_batch() -> Batch:
    events = tuple(_event(i, "s0" if i < 5 else "s1", "Ann" if i % 2 else "Bob") for i in range(10))
    entities = (
        Entity(NS, "ann", "Ann", "PERSON"),
        Entity(NS, "bob", "Bob", "PERSON"),
        Entity(NS, "acme", "Acme", "ORG"),
    )
    speakers = [Mention(NS, ev.id, "ann" if i % 2 else "bob", "speaker") for i, ev in enumerate(events)]
    mentions = (*speakers, Mention(NS, "e1", "acme"), Mention(NS, "e3", "acme"))
    facts = (Fact(NS, "f-work", "ann", "works_at", "acme", T0, evidence=("e1", "e3")),)
    return Batch(
        NS,
        sessions=(Session(NS, "s0", 0, T0), Session(NS, "s1", 1, T0 + timedelta(days=1))),
        events=events,
        entities=entities,
        mentions=mentions,
        facts=facts,
    )


def _snapshot(store: EmbeddedStore, ns: str = NS) -> tuple[Any, ...]:
    """Everything a reader sees of a namespace, as plain values (edges of every node, sorted)."""
    events = list(store.iter_events(ns))
    entities = list(store.iter_entities(ns))
    sessions = list(store.iter_sessions(ns))
    nodes = [e.id for e in events] + [x.id for x in entities] + [s.id for s in sessions]
    edges = {
        node: sorted(
            (n.edge.value, n.direction.value, n.node_id, n.fact.id if n.fact else "")
            for n in store.neighbors(ns, node, direction=Direction.BOTH)
        )
        for node in nodes
    }
    names = {name: store.find_entities(ns, name) for x in entities for name in (x.name, *x.aliases)}
    return events, entities, list(store.iter_facts(ns, history=True)), sessions, edges, names, store.stats(ns)


def _fresh(path: Path) -> tuple[Any, ...]:
    store = EmbeddedStore.open(path, read_only=True)
    try:
        return _snapshot(store)
    finally:
        store.close()


def _reader_and_writer(path: Path) -> tuple[EmbeddedStore, EmbeddedStore]:
    setup = EmbeddedStore.open(path)
    setup.write(_first_batch())
    setup.close()
    reader, writer = EmbeddedStore.open(path), EmbeddedStore.open(path)
    _snapshot(reader)  # loads the namespace
    assert reader.loaded == {NS}
    return reader, writer


def test_a_loaded_namespace_catches_up_in_place_with_inserts_updates_and_deletes(tmp_path: Path) -> None:
    reader, writer = _reader_and_writer(tmp_path / "s")
    # new turns in an old session and in a new one, an alias, a new entity, mentions, a fact changed
    writer.write(
        Batch(
            NS,
            sessions=(Session(NS, "s2", 2, T0 + timedelta(days=2)),),
            events=(_event(10, "s1", text="Annie moved to Paris"), _event(11, "s2")),
            entities=(Entity(NS, "ann", "Ann", "PERSON", ("Annie",)), Entity(NS, "paris", "Paris", "GPE")),
            mentions=(Mention(NS, "e10", "paris"), Mention(NS, "e10", "ann", "speaker"), Mention(NS, "e4", "paris")),
            facts=(
                Fact(NS, "f-live", "ann", "lives_in", "paris", T0 + timedelta(days=1), evidence=("e10",)),
                Fact(NS, "f-work", "ann", "works_at", "acme", T0, valid_to=T0 + timedelta(days=1), evidence=("e1",)),
            ),
        )
    )
    writer.delete_event(NS, "e3")  # its mention goes, the fact loses evidence
    writer.delete_event(NS, "e11")  # the new session's only turn: the session goes too
    caught = reader.refresh()
    assert set(caught) == {NS}
    assert reader.loaded == {NS}  # caught up in place, not dropped to be read again whole
    assert _snapshot(reader) == _fresh(tmp_path / "s")
    writer.close()
    reader.close()


def test_each_catch_up_reads_only_what_changed_since_the_last(tmp_path: Path) -> None:
    reader, writer = _reader_and_writer(tmp_path / "s")
    for i in range(10, 14):
        writer.write(Batch(NS, events=(_event(i, "s1"),), mentions=(Mention(NS, f"e{i}", "acme"),)))
        caught = reader.refresh()
        assert set(caught) == {NS} and reader.loaded == {NS}
        assert _snapshot(reader) == _fresh(tmp_path / "s")
    assert reader.refresh() == {}  # nothing new
    writer.close()
    reader.close()


def test_own_writes_are_not_read_back(tmp_path: Path) -> None:
    reader, writer = _reader_and_writer(tmp_path / "s")
    writer.write(Batch(NS, events=(_event(10, "s1"),)))
    reader.write(Batch(NS, events=(_event(11, "s1"),)))  # catches up with e10 first, then writes
    assert set(reader.refresh()) == {NS}  # the other connection's write, caught up with before its own
    assert _snapshot(reader) == _fresh(tmp_path / "s")
    assert reader.refresh() == {}  # its own write is not taken for another connection's
    writer.close()
    reader.close()


def test_a_log_trimmed_past_the_reader_reads_the_namespace_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader, writer = _reader_and_writer(tmp_path / "s")
    monkeypatch.setattr(changelog, "KEEP_ROWS", 1)
    writer.write(Batch(NS, events=(_event(10, "s1"), _event(11, "s1"))))  # two rows logged, one kept
    caught = reader.refresh()
    assert set(caught) == {NS} and caught[NS].embeddings is None  # not known: check every vector
    assert reader.loaded == set()  # dropped, read back whole on next use
    assert _snapshot(reader) == _fresh(tmp_path / "s")
    writer.close()
    reader.close()


def _drop_log(path: Path) -> None:
    """Remove the change log and its triggers, as a store written before they existed lacks them."""
    conn = sqlite3.connect(path / "graphmem.sqlite3")
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'log_%'"):
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DROP TABLE changelog")
    conn.commit()
    conn.close()


def test_a_store_without_a_log_reads_changed_namespaces_again(tmp_path: Path) -> None:
    reader, writer = _reader_and_writer(tmp_path / "s")
    _drop_log(tmp_path / "s")
    writer.write(Batch(NS, events=(_event(10, "s1"),)))
    assert set(reader.refresh()) == {NS}
    assert reader.loaded == set()
    assert _snapshot(reader) == _fresh(tmp_path / "s")
    writer.close()
    reader.close()


def test_a_store_opened_for_writing_gets_the_log() -> None:
    conn = sqlite3.connect(":memory:")
    for table, column in (("sessions", "id"), ("mentions", "event_id"), ("fact_evidence", "fact_id")):
        conn.execute(f"CREATE TABLE {table} (ns TEXT, {column} TEXT)")
    for table in ("events", "entities", "facts"):
        conn.execute(f"CREATE TABLE {table} (ns TEXT, id TEXT)")
    conn.execute("CREATE TABLE embeddings (ns TEXT, node_id TEXT)")
    changelog.install_changelog(conn)
    changelog.install_changelog(conn)  # a second time writes nothing
    conn.execute("INSERT INTO events VALUES ('n', 'e1')")
    conn.execute("INSERT INTO fact_evidence VALUES ('n', 'f1')")
    conn.execute("UPDATE events SET id = 'e2' WHERE id = 'e1'")  # a key moved: both keys logged
    conn.execute("DELETE FROM mentions")
    conn.execute("INSERT INTO mentions VALUES ('n', 'e2')")
    rows = conn.execute("SELECT ns, tbl, key FROM changelog ORDER BY seq").fetchall()
    assert sorted(rows) == sorted(
        [
            ("n", "events", "e1"),
            ("n", "facts", "f1"),
            ("n", "events", "e2"),
            ("n", "events", "e1"),
            ("n", "mentions", "e2"),
        ]
    )


def test_catching_up_is_skipped_when_reading_again_is_cheaper() -> None:
    few = {"events": frozenset(f"e{i}" for i in range(100))}
    many = {"events": frozenset(f"e{i}" for i in range(3000)), "mentions": frozenset({"e1"})}
    assert worth_catching_up(few, 0)
    assert worth_catching_up(many, 20_000)
    assert not worth_catching_up(many, 5_000)


def _embedded(n: int, start: int = 0) -> Batch:
    """Turns with their (fake) embeddings, written as ingestion writes them."""
    topics = ["dogs", "pottery", "the lake", "a new job", "guitar lessons"]
    events = tuple(
        Event("v", f"ev{i}", "s1", i, "Dana", f"Dana talked about {topics[i % len(topics)]} on day {i}", T0)
        for i in range(start, start + n)
    )
    vectors = FakeEmbedder().embed([e.text for e in events])
    return Batch(
        "v",
        sessions=(Session("v", "s1", 0, T0),),
        events=events,
        embeddings=tuple((e.id, v.tolist()) for e, v in zip(events, vectors, strict=True)),
        embedding_model=FakeEmbedder.name,
    )


def test_the_vector_index_reads_back_only_the_changed_embeddings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "db"
    with Memory.open(store, embedder=FakeEmbedder()) as writer, Memory.open(store, embedder=FakeEmbedder()) as reader:
        writer.write(_embedded(30))
        assert reader.recall("pottery", namespace="v", k=3)  # graph and vectors loaded
        vectors = reader._vectors
        assert vectors is not None

        def whole(*args: object, **kwargs: object) -> None:
            raise AssertionError("the whole namespace was verified again")

        monkeypatch.setattr(vectors, "_verify", whole)
        writer.write(_embedded(5, start=30))
        writer.forget("v", "ev2")
        hits = reader.recall("Dana talked about dogs on day 30", namespace="v", k=5)
        assert hits and hits[0].event.id == "ev30"
        space = vectors._spaces["v"]
        assert space is not None
        blobs = EmbeddedStore.iter_embedding_blobs(reader.store, "v")  # type: ignore[arg-type]
        stored = {node_id: np.frombuffer(blob, dtype=np.float32) for node_id, blob, _ in blobs}
        assert set(space.labels) == set(stored) and "ev2" not in space.labels
        held = space.held(sorted(stored))
        want = np.stack([stored[k] / np.linalg.norm(stored[k]) for k in sorted(stored)])
        assert np.abs(held - want).max() < 1e-2  # held at float16


def test_vectors_keep_a_counter_only_when_they_matched_where_the_catch_up_started(tmp_path: Path) -> None:
    # Two threads' catch-ups applied out of order (the later one first) marked the vectors with the later
    # counter while they still lacked the earlier write's vectors; saved, the next open trusted them.
    store = tmp_path / "db"
    with Memory.open(store, embedder=FakeEmbedder()) as writer:
        writer.write(_embedded(30))
        reader = Memory.open(store, embedder=FakeEmbedder())
        reader.recall("pottery", namespace="v", k=3)  # vectors loaded
        writer.write(_embedded(5, start=30))
        first = reader.store.refresh()["v"]  # type: ignore[attr-defined]
        writer.write(_embedded(5, start=35))
        second = reader.store.refresh()["v"]  # type: ignore[attr-defined]
        vectors = reader._vectors
        assert vectors is not None
        vectors.sync("v", second.embeddings, second.generation, since=second.since)
        assert vectors._spaces["v"] is not None and vectors._spaces["v"].generation is None  # not trusted
        vectors.unload("v")  # saved
        vectors.sync("v", first.embeddings, first.generation, since=first.since)  # not loaded: nothing to do
        reader.close()
    with Memory.open(store, embedder=FakeEmbedder()) as again:
        again.recall("pottery", namespace="v", k=3)
        assert again._vectors is not None
        space = again._vectors._spaces["v"]
        assert space is not None and set(space.labels) == {f"ev{i}" for i in range(40)}


def test_a_catch_up_that_fails_part_way_drops_the_namespace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reader, writer = _reader_and_writer(tmp_path / "s")
    writer.write(
        Batch(NS, events=(_event(10, "s1"),), facts=(Fact(NS, "f-new", "ann", "knows", "bob", T0, evidence=("e10",)),))
    )

    def interrupted(self: object, fact: Fact) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(MemoryGraph, "put_fact", interrupted)
        with pytest.raises(KeyboardInterrupt):
            reader.refresh()
    assert reader.loaded == set()  # not left half caught up as if current
    assert _snapshot(reader) == _fresh(tmp_path / "s")
    writer.close()
    reader.close()


def test_a_namespace_that_outgrows_the_mirror_is_read_from_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "s"
    setup = EmbeddedStore.open(path)
    setup.write(_first_batch())  # 10 events
    setup.close()
    reader = EmbeddedStore.open(path, mirror_max_events=12)
    writer = EmbeddedStore.open(path)
    _snapshot(reader)
    assert reader.loaded == {NS}
    writer.write(Batch(NS, events=tuple(_event(i, "s1") for i in range(10, 15))))  # 15 > 12
    reader.refresh()
    assert reader.loaded == set()  # not kept in memory past the limit
    assert _snapshot(reader) == _fresh(path)
    assert reader.loaded == set()  # and served from SQLite from now on
    writer.close()
    reader.close()


def test_a_log_made_again_is_not_read_as_nothing_changed(tmp_path: Path) -> None:
    reader, writer = _reader_and_writer(tmp_path / "s")
    writer.write(Batch(NS, events=tuple(_event(i, "s1") for i in range(10, 20))))
    reader.refresh()
    writer.close()
    _drop_log(tmp_path / "s")
    writer = EmbeddedStore.open(tmp_path / "s")  # installs the log again: its positions start over
    writer.write(Batch(NS, events=(_event(20, "s1"),)))
    caught = reader.refresh()
    assert set(caught) == {NS} and caught[NS].embeddings is None
    assert _snapshot(reader) == _fresh(tmp_path / "s")
    writer.close()
    reader.close()


def test_a_forgotten_entity_leaves_the_log_and_the_reader_in_place(tmp_path: Path) -> None:
    # its id is made of its name: the forget takes it out of the log, and the reader finds the entity gone
    # from the event (and the fact) that used it
    reader, writer = _reader_and_writer(tmp_path / "s")
    writer.write(
        Batch(
            NS,
            events=(_event(20, "s1", text="Quentaro keeps the key"),),
            entities=(Entity(NS, "quentaro", "Quentaro", "PERSON"),),
            mentions=(Mention(NS, "e20", "quentaro"),),
            facts=(Fact(NS, "f-key", "quentaro", "knows", "ann", T0, evidence=("e20",)),),
        )
    )
    reader.refresh()
    assert reader.get_entity(NS, "quentaro") is not None
    assert writer.delete_event(NS, "e20").entities == 1
    caught = reader.refresh()
    assert set(caught) == {NS} and reader.loaded == {NS}  # in place
    assert reader.get_entity(NS, "quentaro") is None
    assert _snapshot(reader) == _fresh(tmp_path / "s")
    conn = sqlite3.connect(tmp_path / "s" / "graphmem.sqlite3")
    assert conn.execute("SELECT count(*) FROM changelog WHERE key = 'quentaro'").fetchone()[0] == 0
    conn.close()
    writer.close()
    reader.close()
