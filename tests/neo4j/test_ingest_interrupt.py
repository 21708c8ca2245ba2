"""Ctrl-C while the neo4j driver reads from its socket stops an ingest into a Bolt store between units.

Tester finding: the KeyboardInterrupt raised inside the driver's receive loop became ``BufferError:
Existing exports of data: object cannot be re-sized`` (the loop's memoryview could not be released), the
unit was reported as a failure of a good file, and the run went on. The signal is raised here by the
process itself on a socket read of the driver during the second unit's write, so nothing depends on timing:
on its second read since the commit began the old code failed the file with that very BufferError, on the
first the KeyboardInterrupt came through but the unit was rolled back.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import graphmem.ingest
from graphmem.ingest import ingest
from graphmem.ingest_stop import IngestInterrupted
from graphmem.memory import Memory
from graphmem.models import Batch, Entity
from graphmem.settings import Settings
from tests.ingest.fakes import FakeEmbedder, FakeExtractor
from tests.support.bolt_server import BoltTarget, wipe_database
from tests.support.talk import sessions_file

pytestmark = pytest.mark.neo4j


@pytest.fixture
def memory(bolt_server: BoltTarget, tmp_path: Path) -> Iterator[Memory]:
    wipe_database(bolt_server)
    settings = Settings.from_env(environ={"GRAPHMEM_CACHE_DIR": str(tmp_path / "cache")})
    options: dict[str, Any] = {"auth": bolt_server.auth, "database": bolt_server.database}
    with Memory.open(bolt_server.uri, embedder=FakeEmbedder(), settings=settings, **options) as mem:
        yield mem


def _ctrl_c_in_the_driver(monkeypatch: pytest.MonkeyPatch, at: int, read: int) -> list[int]:
    """Raise SIGINT on the driver's ``read``-th socket read once the ``at``-th unit's commit has begun; the
    list returned gets one item when it was raised."""
    network = pytest.importorskip("neo4j._async_compat.network")
    socket_class = getattr(network, "BoltSocketBase", None)
    if socket_class is None or not hasattr(socket_class, "recv_into"):
        pytest.skip("this neo4j driver reads its socket otherwise")
    real_recv, real_commit = socket_class.recv_into, graphmem.ingest.commit_batch
    reads, raised, calls = [-1], [], [0]  # reads since the commit began (-1: not counting)

    def recv_into(self: Any, buffer: Any, nbytes: int) -> Any:
        if reads[0] >= 0:
            reads[0] += 1
            if reads[0] == read:
                reads[0] = -1
                raised.append(1)
                signal.raise_signal(signal.SIGINT)  # Ctrl-C in the middle of the driver's receive loop
        return real_recv(self, buffer, nbytes)

    def commit(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == at:
            reads[0] = 0
        return real_commit(*args, **kwargs)

    monkeypatch.setattr(socket_class, "recv_into", recv_into)
    monkeypatch.setattr(graphmem.ingest, "commit_batch", commit)
    return raised


def _sessions(memory: Memory, ns: str) -> list[str]:
    return sorted(s.id for s in memory.store.iter_sessions(ns))


@pytest.mark.parametrize("read", [1, 2])
def test_ctrl_c_in_the_driver_stops_the_run_after_the_unit_it_came_in(
    memory: Memory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read: int
) -> None:
    monkeypatch.setattr("graphmem.ingest_units.UNIT_TURNS", 3)  # one session per unit
    big = sessions_file(tmp_path / "big.jsonl")
    later = sessions_file(tmp_path / "later.jsonl", sessions=1)
    raised = _ctrl_c_in_the_driver(monkeypatch, at=2, read=read)
    with pytest.raises(KeyboardInterrupt):  # not a failed file, and the run does not go on
        ingest(memory, [big, later], extractor=FakeExtractor(), embed=False)
    assert raised == [1]
    assert _sessions(memory, "big") == ["s00", "s01"]  # the unit in flight committed whole
    assert "later" not in memory.namespaces()
    monkeypatch.undo()
    monkeypatch.setattr("graphmem.ingest_units.UNIT_TURNS", 3)
    extractor = FakeExtractor()
    again = ingest(memory, [big, later], extractor=extractor, embed=False)  # the driver is still usable
    assert again.errors == []
    assert (again.files_ok, again.turns, again.events_retracted, extractor.calls) == (2, 9, 0, 3)
    events = list(memory.store.iter_events("big"))
    assert len(events) == len({e.id for e in events}) == 12


def test_a_second_ctrl_c_abandons_the_unit_at_its_write(
    memory: Memory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # both come while the unit resolves, outside the driver; the unit is abandoned as its write would begin
    monkeypatch.setattr("graphmem.ingest_units.UNIT_TURNS", 3)
    big = sessions_file(tmp_path / "big.jsonl")
    seen: list[str] = []

    def resolver(batch: Batch, existing: list[Entity]) -> Batch:
        if any(s.id == "s01" for s in batch.sessions):
            signal.raise_signal(signal.SIGINT)
            signal.raise_signal(signal.SIGINT)
            seen.append("resolved")  # noted only: a server store's unit is abandoned at its write
        return batch

    with pytest.raises(IngestInterrupted) as stopped:
        ingest(memory, big, extractor=FakeExtractor(), resolver=resolver, embed=False)
    assert seen == ["resolved"]
    abandoned = stopped.value.summary.abandoned
    assert abandoned is not None and "session s01" in abandoned
    assert _sessions(memory, "big") == ["s00"]  # nothing of the abandoned unit is stored
    again = ingest(memory, big, extractor=FakeExtractor(), embed=False)  # the driver is still usable
    assert (again.errors, again.turns) == ([], 9)
    assert _sessions(memory, "big") == ["s00", "s01", "s02", "s03"]


def test_a_second_ctrl_c_in_the_driver_lets_the_write_under_way_commit(
    memory: Memory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # both come on the driver's socket reads once the unit's write (not only its commit_batch) has begun
    monkeypatch.setattr("graphmem.ingest_units.UNIT_TURNS", 3)
    big = sessions_file(tmp_path / "big.jsonl")
    network = pytest.importorskip("neo4j._async_compat.network")
    socket_class = getattr(network, "BoltSocketBase", None)
    if socket_class is None or not hasattr(socket_class, "recv_into"):
        pytest.skip("this neo4j driver reads its socket otherwise")
    real_recv, store = socket_class.recv_into, memory.store
    real_write = store.write
    reads = [-1]

    def recv_into(self: Any, buffer: Any, nbytes: int) -> Any:
        if reads[0] >= 0:
            reads[0] += 1
            if reads[0] <= 2:
                signal.raise_signal(signal.SIGINT)  # twice, in the middle of the driver's receive loop
        return real_recv(self, buffer, nbytes)

    def write(batch: Batch) -> None:
        if any(s.id == "s01" for s in batch.sessions):
            reads[0] = 0
        real_write(batch)

    monkeypatch.setattr(socket_class, "recv_into", recv_into)
    monkeypatch.setattr(store, "write", write)
    with pytest.raises(IngestInterrupted) as stopped:
        ingest(memory, big, extractor=FakeExtractor(), embed=False)
    assert reads[0] >= 2
    assert stopped.value.summary.abandoned is None
    assert _sessions(memory, "big") == ["s00", "s01"]  # the unit whose write was under way committed whole
