"""Threads of one process sharing a memory: reads never fail while another thread writes, and every
message added is stored once, in order, searchable and recalled."""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from graphmem import EdgeType, Entity, Event, Memory, Mention
from graphmem.store.base import Direction
from tests.ingest.fakes import FakeEmbedder

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
