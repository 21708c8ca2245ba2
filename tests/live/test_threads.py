"""Threads of one process sharing a memory: reads never fail while another thread writes, and every
message added is stored once, in order, searchable and recalled."""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from graphmem import EdgeType, Entity, Event, Memory, Mention
from graphmem.store.base import Direction
from tests.ingest.fakes import FakeEmbedder
from tests.live.checks import check_acknowledged

NS = "n"
REX = Entity(NS, "ent:rex", "Rex", "Animal")


@pytest.fixture
def switch_often() -> Iterator[None]:
    """Let threads switch every few bytecodes, so an unguarded read meets a write within a few batches."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _rex_batch(mem: Memory, b: int, size: int = 40) -> None:
    events = [Event(NS, f"e{b}:{i}", "s", b * 1000 + i, f"P{i % 3}", f"Rex again {b} {i}") for i in range(size)]
    mentions = [Mention(NS, e.id, REX.id, "subject") for e in events]
    mem.add_events(events, namespace=NS, entities=[REX], mentions=mentions)


def _run(reads: dict[str, Callable[[Memory], object]], mem: Memory, write: Callable[[int], None], batches: int) -> None:
    """Run ``write(b)`` for ``batches`` batches while one thread per read calls it in a loop; no read may fail."""
    failures: list[str] = []
    done = threading.Event()

    def reader(read: Callable[[Memory], object]) -> None:
        while not done.is_set() and not failures:
            try:
                read(mem)
            except Exception:
                failures.append(traceback.format_exc())

    threads = [threading.Thread(target=reader, args=(read,), name=name) for name, read in reads.items()]
    for t in threads:
        t.start()
    try:
        for b in range(batches):
            if failures:
                break
            write(b)
    finally:
        done.set()
        for t in threads:
            t.join()
    assert not failures, failures[0]


def test_reads_of_a_loaded_namespace_never_fail_while_another_thread_writes(tmp_path: Path, switch_often: None) -> None:
    # A recall iterating an entity's edges while another thread added edges to it failed with
    # "RuntimeError: dictionary changed size during iteration" (the mirror was read without the lock).
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem:
        _rex_batch(mem, 0)
        reads: dict[str, Callable[[Memory], object]] = {
            "neighbors": lambda m: m.store.neighbors(NS, REX.id),
            "neighbors_many": lambda m: m.store.neighbors_many(NS, [REX.id, "e0:1"], direction=Direction.IN),
            "events": lambda m: list(m.store.iter_events(NS)),
            "speakers": lambda m: m.store.speakers(NS),
            "facts": lambda m: list(m.store.iter_facts(NS)),
        }
        _run(reads, mem, lambda b: _rex_batch(mem, b + 1), 30)
        assert len(mem.store.neighbors(NS, REX.id, edge_types=[EdgeType.MENTIONS])) == 31 * 40


def test_reads_never_fail_while_another_thread_unloads_the_namespace(tmp_path: Path, switch_often: None) -> None:
    # A namespace dropped from memory (the budget, Memory.unload, another process's write) between a read
    # finding it loaded and reading it failed with KeyError.
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem:
        for b in range(5):
            _rex_batch(mem, b)
        reads: dict[str, Callable[[Memory], object]] = {
            "neighbors": lambda m: m.store.neighbors(NS, REX.id),
            "events": lambda m: list(m.store.iter_events(NS, session="s")),
            "entities": lambda m: list(m.store.iter_entities(NS)),
        }
        _run(reads, mem, lambda b: mem.unload(NS), 800)


def test_recall_caches_are_fetched_and_dropped_from_several_threads(tmp_path: Path, switch_often: None) -> None:
    # Recall fetching a namespace's cache while a write (or an unload) dropped it raised KeyError.
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem:
        _run({"recall_cache": lambda m: m.recall_cache(NS)}, mem, lambda b: mem.unload(NS), 20_000)


def _check_stored_once(mem: Memory, namespace: str, added: list[tuple[str, str]]) -> None:
    """Every added (event id, unique word) is one event, embedded, found by its word; turns are in order."""
    events = list(mem.store.iter_events(namespace))
    assert sorted(e.id for e in events) == sorted(eid for eid, _ in added)
    check_acknowledged(mem, namespace, events, added)


def test_threads_adding_and_recalling_store_every_message_once(memory: Memory, switch_often: None) -> None:
    added: dict[str, list[tuple[str, str]]] = {"a": [], "b": []}
    failures: list[str] = []

    def talker(t: int) -> None:
        namespace = "a" if t < 2 else "b"
        try:
            for i in range(6):
                word = f"kw{t}x{i}"
                ids = memory.add({"speaker": f"Pat{t}", "text": f"Note {i} from Pat{t}: {word}."}, namespace=namespace)
                added[namespace].append((ids[0], word))
                hits = memory.recall(word, namespace=namespace, k=50)
                assert ids[0] in [h.event.id for h in hits], (word, ids)
        except Exception:
            failures.append(traceback.format_exc())

    threads = [threading.Thread(target=talker, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures[0]
    for namespace, items in added.items():
        assert len(items) == 12
        _check_stored_once(memory, namespace, items)


def test_threads_first_using_the_vector_index_share_one(tmp_path: Path, switch_often: None) -> None:
    # Threads whose first recalls came together each opened a vector index of their own; the last one was
    # kept, and what the others loaded stayed charged to the memory budget.
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem:
        start = threading.Barrier(4)
        seen: list[object] = []

        def first_use() -> None:
            start.wait()
            seen.append(mem.vectors)

        threads = [threading.Thread(target=first_use) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len({id(v) for v in seen}) == 1


def test_an_iterator_over_a_namespace_read_from_disk_holds_no_lock_between_rows(tmp_path: Path) -> None:
    from graphmem.store.embedded import EmbeddedStore

    with Memory.open(tmp_path / "m", embedder=FakeEmbedder()) as mem:
        _rex_batch(mem, 0)
        mem.add_events([Event(NS, "late", "s2", 1, "P", "later")], namespace=NS)
    store = EmbeddedStore.open(tmp_path / "m", mirror_max_events=0)  # the namespace is read from SQLite
    try:
        for rows in (store.iter_sessions(NS), store.iter_events(NS), store.iter_entities(NS), store.iter_facts(NS)):
            next(rows, None)  # a caller part way through, working between rows
            other = threading.Thread(target=store.get_event, args=(NS, "late"))
            other.start()
            other.join(timeout=5)
            assert not other.is_alive()  # another thread's read is not kept waiting
    finally:
        store.close()


def test_a_read_transaction_waits_for_another_threads_transaction(tmp_path: Path) -> None:
    """A read opens its transaction on the shared connection only under the store's lock: while another
    thread holds a transaction open (a refresh in its snapshot), a read waits instead of reading inside it
    (and the other thread's BEGIN would otherwise meet the reader's open transaction)."""
    mem = Memory.open(tmp_path / "db", embedder=FakeEmbedder())
    try:
        mem.add({"speaker": "Pat", "text": "Hello there."}, namespace=NS)
        store: Any = mem.store
        holding, release = threading.Event(), threading.Event()
        read: list[object] = []

        def hold() -> None:
            with store._snapshot():
                holding.set()
                release.wait(10)

        holder = threading.Thread(target=hold)
        holder.start()
        assert holding.wait(10)
        reader = threading.Thread(target=lambda: read.append(store.last_positions(NS)))
        reader.start()
        reader.join(0.5)
        waited = reader.is_alive()
        release.set()
        holder.join(10)
        reader.join(10)
        assert waited, "the read ran inside another thread's transaction"
        assert read and read[0]
    finally:
        mem.close()
