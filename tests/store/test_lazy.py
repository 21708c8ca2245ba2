"""Lazy loading: opening reads no namespace, the first read loads one, a memory budget evicts the rest.

The embedded store is the only backend with an in-memory mirror: the Bolt store reads every answer
from its server, so there is nothing to load or evict there (its vector index cache is per namespace
in the same way, exercised by tests/recall/test_vector_index.py through the shared VectorIndex).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from graphmem.errors import ConfigError, StoreError
from graphmem.memory import Memory
from graphmem.models import Batch, Entity, Event, Fact, Mention, Session
from graphmem.store import mirror
from graphmem.store.base import Direction
from graphmem.store.budget import CacheBudget
from graphmem.store.embedded import EmbeddedStore
from graphmem.vector_index import LEGACY_FILES, space_folder

DIM = 8
T0 = datetime(2024, 1, 1, 9, 0)


def _batch(ns: str, n: int, *, start: int = 0, session: str = "s0", index: int = 0) -> Batch:
    rng = np.random.default_rng(len(ns) * 1000 + start)
    events = tuple(
        Event(
            ns,
            f"e{i}",
            session,
            i,
            "Ann" if i % 2 else "Bob",
            f"turn {i} about topic {i % 7}",
            T0 + timedelta(minutes=i),
        )
        for i in range(start, start + n)
    )
    entity = Entity(ns, "ent-topic", "Topic", "THING")
    mentions = tuple(Mention(ns, ev.id, entity.id) for ev in events[::3])
    vectors = rng.normal(size=(n, DIM))
    return Batch(
        ns,
        sessions=(Session(ns, session, index, T0),),
        events=events,
        entities=(entity,),
        mentions=mentions,
        embeddings=tuple((ev.id, v.tolist()) for ev, v in zip(events, vectors, strict=True)),
        embedding_model="test-model",
    )


def _snapshot(store: EmbeddedStore, ns: str) -> tuple[object, ...]:
    """Everything a reader sees of a namespace, as plain values."""
    events = list(store.iter_events(ns))
    edges = {
        ev.id: sorted(
            (n.edge.value, n.direction.value, n.node_id) for n in store.neighbors(ns, ev.id, direction=Direction.BOTH)
        )
        for ev in events
    }
    return (
        events,
        list(store.iter_entities(ns)),
        list(store.iter_facts(ns, history=True)),
        list(store.iter_sessions(ns)),
        edges,
        store.find_entities(ns, "topic"),
    )


def _fill(path: Path, sizes: dict[str, int]) -> None:
    store = EmbeddedStore.open(path)
    for ns, n in sizes.items():
        store.write(_batch(ns, n))
    store.close()


SIZES = {"a": 30, "b": 60, "c": 10}


def test_opening_loads_no_namespace_and_a_read_loads_only_its_own(tmp_path: Path) -> None:
    _fill(tmp_path / "s", SIZES)
    store = EmbeddedStore.open(tmp_path / "s")
    assert store.loaded == frozenset()
    assert store.namespaces() == ["a", "b", "c"]
    assert store.stats().events == 100 and store.stats("b").events == 60
    assert store.search_text("a", "topic")  # full text is read from SQLite
    assert store.loaded == frozenset()
    from_sql = store.stats("b")
    assert store.get_event("b", "e3") is not None
    assert store.loaded == {"b"}
    assert store.stats("b") == from_sql  # counted from the loaded mirror now: the same figures
    store.unload("b")
    assert store.stats("b") == from_sql and store.loaded == frozenset()
    store.get_event("b", "e3")
    assert store.get_event("missing", "e3") is None
    store.close()


def test_writes_to_an_unloaded_namespace_do_not_load_it(tmp_path: Path) -> None:
    _fill(tmp_path / "s", SIZES)
    store = EmbeddedStore.open(tmp_path / "s")
    more = _batch("a", 5, start=30)
    store.write(Batch("a", events=more.events, mentions=more.mentions, embeddings=more.embeddings, embedding_model="m"))
    assert store.loaded == frozenset()
    assert store.stats("a").events == 35
    assert [e.id for e in store.iter_events("a")][-1] == "e34"
    # the checks a write makes read SQLite when the namespace is not loaded: a dangling mention is refused
    store.unload("a")
    with pytest.raises(StoreError):
        store.write(Batch("a", mentions=(Mention("a", "e1", "no-such-entity"),)))
    assert store.loaded == frozenset()
    store.close()


def test_fact_versions_are_the_same_whether_or_not_the_namespace_is_loaded(tmp_path: Path) -> None:
    def facts(path: Path, unload: bool) -> list[Fact]:
        store = EmbeddedStore.open(path)
        store.write(_batch("f", 3))
        people = (Entity("f", "p1", "Ann", "PERSON"), Entity("f", "p2", "Lisbon", "GPE"))
        for step, (valid_to, evidence) in enumerate([(None, "e0"), (T0 + timedelta(days=3), "e1"), (None, "e2")]):
            if unload:
                store.unload("f")
            fact = Fact(
                "f", "fact-1", "p1", "lives_in", "p2", T0 + timedelta(days=step), T0, valid_to, None, (evidence,)
            )
            store.write(Batch("f", entities=people, facts=(fact,)))
        out = list(store.iter_facts("f", history=True))
        store.close()
        return out

    assert facts(tmp_path / "loaded", False) == facts(tmp_path / "unloaded", True)


def test_a_small_budget_evicts_the_least_recently_used_and_reloads_identically(tmp_path: Path) -> None:
    _fill(tmp_path / "s", SIZES)
    free = EmbeddedStore.open(tmp_path / "s")
    expected = {ns: _snapshot(free, ns) for ns in SIZES}
    free.close()
    # room for about one namespace of 60 events
    budget = CacheBudget(mirror.estimate_bytes(events=70, mentions=25, entities=1, sessions=1))
    store = EmbeddedStore.open(tmp_path / "s", budget=budget)
    assert _snapshot(store, "a") == expected["a"]
    assert _snapshot(store, "c") == expected["c"]
    assert store.loaded == {"a", "c"}  # while there is room a namespace loads on its first read
    assert _snapshot(store, "b") == expected["b"]
    assert store.loaded == {"a", "c"} and budget.evictions == 0  # full: b read once is answered from SQLite
    assert _snapshot(store, "a") == expected["a"]
    assert _snapshot(store, "b") == expected["b"]  # read again soon: admitted, loaded
    assert store.loaded == {"b"}  # a and c were dropped to make room
    assert budget.evictions == 2 and budget.used <= budget.limit  # type: ignore[operator]
    for ns in ("a", "c", "a", "c"):  # evicted namespaces read back the same, from SQLite then loaded
        assert _snapshot(store, ns) == expected[ns]
    assert store.loaded == {"c", "a"}  # b went when a came back; the two small ones fit together
    store.close()
    assert budget.used == 0


def test_other_processes_writes_touch_only_their_namespace(tmp_path: Path) -> None:
    _fill(tmp_path / "s", SIZES)
    reader = EmbeddedStore.open(tmp_path / "s")
    writer = EmbeddedStore.open(tmp_path / "s")
    reader.get_event("a", "e0")
    reader.get_event("b", "e0")
    more = _batch("a", 2, start=30)
    writer.write(Batch("a", events=more.events))
    assert set(reader.refresh()) == {"a"}
    assert reader.loaded == {"a", "b"}  # a caught up in place (tests/store/test_catch_up.py)
    assert reader.get_event("a", "e31") is not None
    writer.close()
    reader.close()


def test_the_estimate_is_close_to_what_a_loaded_namespace_takes(tmp_path: Path) -> None:
    _fill(tmp_path / "s", {"big": 2000})
    store = EmbeddedStore.open(tmp_path / "s")
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    store.get_event("big", "e0")
    taken = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    stats = store.stats("big")
    estimate = mirror.estimate_bytes(
        sessions=stats.sessions,
        events=stats.events,
        entities=stats.entities,
        mentions=stats.mentions + stats.spoken_by,
    )
    assert 0.5 * taken <= estimate <= 2 * taken, (taken, estimate)
    store.close()


def test_memory_budget_covers_graphs_and_vectors_and_recall_is_unchanged(tmp_path: Path) -> None:
    _fill(tmp_path / "s", SIZES)
    query = np.random.default_rng(5).normal(size=DIM)
    with Memory.open(tmp_path / "s", embedder=object()) as mem:  # type: ignore[arg-type]
        expected = {ns: mem.vectors.search(ns, query, 5) for ns in SIZES}
    with Memory.open(tmp_path / "s", embedder=object(), cache_mb=0.02) as mem:  # type: ignore[arg-type]
        assert mem.budget is not None and mem.budget.limit == int(0.02 * 1024 * 1024)
        for ns in ("a", "b", "a", "c", "b"):  # a graph is loaded when read again soon (2Q admission)
            assert mem.vectors.search(ns, query, 5) == expected[ns]
            mem.store.get_event(ns, "e0")
        assert mem.budget.evictions > 0
        assert mem.vectors.loaded != set(SIZES)
        mem.unload("b")
        assert "b" not in mem.vectors.loaded
        assert "b" not in mem.store.loaded  # type: ignore[attr-defined]


def test_cache_budget_setting_is_checked(tmp_path: Path) -> None:
    from graphmem.settings import Settings

    assert Settings.from_env({"GRAPHMEM_CACHE_MB": "512"}).cache_budget_mb == 512
    assert Settings.from_env({}).cache_budget_mb == 2048
    with pytest.raises(ConfigError, match="GRAPHMEM_CACHE_MB"):
        _ = Settings.from_env({"GRAPHMEM_CACHE_MB": "lots"}).cache_budget_mb
    with pytest.raises(ConfigError, match="cache_mb"):
        Memory.open(tmp_path / "m", cache_mb=-1)


def test_vectors_are_per_namespace_and_trusted_by_generation(tmp_path: Path) -> None:
    _fill(tmp_path / "s", SIZES)
    query = np.ones(DIM)
    with Memory.open(tmp_path / "s", embedder=object()) as mem:  # type: ignore[arg-type]
        mem.vectors.search("a", query, 3)
        assert mem.vectors.loaded == {"a"}
        more = _batch("a", 4, start=30)
        mem.write(Batch("a", events=more.events, embeddings=more.embeddings, embedding_model="test-model"))
        assert mem.vectors.count("a") == 34
    assert space_folder(tmp_path / "s", "a").is_dir() and not space_folder(tmp_path / "s", "b").exists()
    manifest = json.loads((space_folder(tmp_path / "s", "a") / "manifest.json").read_text())
    with Memory.open(tmp_path / "s", embedder=object()) as mem:  # type: ignore[arg-type]
        assert manifest["generation"] == mem.store.generation("a")  # type: ignore[attr-defined]
        reads: list[str] = []
        real = mem.store.iter_embedding_blobs  # type: ignore[attr-defined]
        mem.store.iter_embedding_blobs = lambda ns: reads.append(ns) or real(ns)  # type: ignore[attr-defined]
        assert mem.vectors.count("a") == 34
        assert reads == []  # the files matched the store's counter: no stored vector was read
        assert mem.vectors.count("b") == 60 and reads == ["b"]  # no files yet: built from the store


def test_an_old_single_file_index_is_replaced_on_open(tmp_path: Path) -> None:
    _fill(tmp_path / "s", SIZES)
    for name in LEGACY_FILES:  # what graphmem before per-namespace files left beside the store
        (tmp_path / "s" / name).write_text(json.dumps({"format": 1}))
    query = np.ones(DIM)
    with Memory.open(tmp_path / "s", embedder=object()) as mem:  # type: ignore[arg-type]
        assert mem.vectors.migrated
        assert not any((tmp_path / "s" / name).exists() for name in LEGACY_FILES)
        hits = mem.vectors.search("b", query, 60)
        assert len(hits) == 60
    with Memory.open(tmp_path / "s", embedder=object()) as mem:  # type: ignore[arg-type]
        assert not mem.vectors.migrated
        assert mem.vectors.search("b", query, 60) == hits


class _Holder:
    def __init__(self) -> None:
        self.dropped: list[str] = []

    def evict(self, namespace: str) -> None:
        self.dropped.append(namespace)


def test_the_budget_never_evicts_the_namespace_it_makes_room_for() -> None:
    budget = CacheBudget(100)
    graphs, vectors = _Holder(), _Holder()
    budget.charge(graphs, "a", 60)
    budget.charge(vectors, "b", 30)
    budget.charge(vectors, "a", 80)  # a's vectors do not push out a's graph; b goes
    assert vectors.dropped == ["b"] and graphs.dropped == []
    assert budget.used == 140 and budget.held(graphs) == ["a"]
    budget.charge(graphs, "c", 10)  # a's graph is the least recently used entry now: it goes, and that is enough
    assert graphs.dropped == ["a"] and vectors.dropped == ["b"]
    assert budget.used == 90 and budget.evictions == 2
    budget.touch(graphs, "c")
    budget.release_all(graphs)
    assert budget.used == 80
    budget.release(vectors, "a")
    assert budget.used == 0


_READ_IN_A_FRESH_PROCESS = """
import sys
from graphmem.memory import Memory

mem = Memory.open(sys.argv[1], read_only=True, mirror_max_events=int(sys.argv[2]) if sys.argv[2] != "none" else None)
store = mem.store
assert store.search_text("a", "topic") and store.get_events("a", ["e1"])
assert store.neighbors("a", "e1") and mem.stats("a").events == 30
print("networkx" in sys.modules)
mem.close()
"""


@pytest.mark.parametrize(("limit", "imported"), [("0", False), ("none", True)])
def test_networkx_is_imported_only_when_a_namespace_is_loaded(tmp_path: Path, limit: str, imported: bool) -> None:
    _fill(tmp_path / "s", {"a": 30})
    script = tmp_path / "read.py"
    script.write_text(_READ_IN_A_FRESH_PROCESS, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "s"), limit], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip() == str(imported)
