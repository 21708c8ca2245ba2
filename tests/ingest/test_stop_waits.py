"""Review findings on stopping an ingest: a stop ends a wait for a server store's lock too, a second signal
during a commit tried again abandons the unit, an older target's ``writing()`` still works, and a negative
lock timeout means no limit whether or not the wait can be stopped."""

from __future__ import annotations

import fcntl
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from graphmem.embed import Embedder
from graphmem.errors import WriteConflictError
from graphmem.ingest import ingest
from graphmem.ingest_stop import Committing, Stop, UnitAbandoned
from graphmem.memory import Memory
from graphmem.models import Batch
from graphmem.store.base import GraphStore
from graphmem.store.cypher.writers import Writers
from graphmem.store.lock import LOCK_FILENAME, StoppableLock, WriteLock
from tests.support.talk import sessions_file

from .fakes import FakeEmbedder, FakeExtractor


def _held_elsewhere(lock: AbstractContextManager[object]) -> tuple[threading.Event, threading.Thread]:
    """``lock`` held by another thread until the event returned is set."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with lock:
            held.set()
            release.wait(30)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert held.wait(10)
    return release, thread


def _stops_after(polls: int) -> tuple[list[int], object]:
    seen: list[int] = []

    def waiting() -> None:
        seen.append(1)
        if len(seen) >= polls:
            raise KeyboardInterrupt

    return seen, waiting


@pytest.mark.parametrize("timeout", [30.0, -1.0])
def test_a_stop_ends_a_wait_for_a_server_stores_write_lock(timeout: float) -> None:
    # a Bolt store's lock of its threads never called ``waiting``: a Ctrl-C was noted, then the wait ran to
    # the lock timeout (StoreLockedError, exit 1), or for ever with a negative one
    writers = Writers("bolt://example", timeout=timeout)
    lock = writers.lock()
    assert isinstance(lock, StoppableLock)  # Memory.writing passes its ``waiting`` to it
    release, thread = _held_elsewhere(writers.lock())
    seen, waiting = _stops_after(3)
    began = time.monotonic()
    with pytest.raises(KeyboardInterrupt), lock.taken(waiting):  # type: ignore[arg-type]
        pytest.fail("the lock was taken while another thread held it")
    assert time.monotonic() - began < 5 and len(seen) == 3
    release.set()
    thread.join(10)
    with writers.lock(), writers.lock():  # not left taken, and re-entrant as before
        pass


def test_a_server_stores_lock_is_taken_once_free_while_waiting() -> None:
    writers = Writers("bolt://example", timeout=30)
    release, thread = _held_elsewhere(writers.lock())
    threading.Timer(0.2, release.set).start()
    polls: list[int] = []
    with writers.lock().taken(lambda: polls.append(1)):
        assert polls  # it waited, polling
    thread.join(10)


def test_a_negative_timeout_means_no_limit_with_waiting_too(tmp_path: Path) -> None:
    # with ``waiting`` a negative timeout gave up after one 20 ms poll; without it, it waited for ever
    lock = WriteLock(tmp_path, timeout=-1)
    release, thread = _held_elsewhere(lock)  # another thread of this process: the wait for its mutex
    threading.Timer(0.3, release.set).start()
    polls: list[int] = []
    with lock.taken(lambda: polls.append(1)):
        assert len(polls) > 2
    thread.join(10)


def test_a_negative_timeout_waits_for_another_process_file_lock(tmp_path: Path) -> None:
    lock = WriteLock(tmp_path, timeout=-1)
    fd = os.open(tmp_path / LOCK_FILENAME, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another writer (another open file: as another process)
    threading.Timer(0.3, lambda: (fcntl.flock(fd, fcntl.LOCK_UN), os.close(fd))).start()
    began = time.monotonic()
    with lock.taken(lambda: None):
        assert time.monotonic() - began >= 0.25
    with lock:
        pass


class _Conflicting:
    """A target whose first write conflicts (nothing written) while a second signal comes."""

    def __init__(self, stop: Stop) -> None:
        self.stop = stop
        self.writes = 0

    @property
    def store(self) -> GraphStore:
        raise AssertionError("not read")

    @property
    def embedder(self) -> Embedder:
        raise AssertionError("not read")

    def write(self, batch: Batch) -> None:
        self.writes += 1
        if self.writes == 1:
            self.stop._note(signal.SIGINT, None)
            self.stop._note(signal.SIGINT, None)  # the second Ctrl-C, during an attempt that writes nothing
            raise WriteConflictError("another writer changed it; nothing was written", namespace="n")

    def writing(self, waiting: object = None) -> AbstractContextManager[None]:
        raise AssertionError("not taken")


def test_a_second_signal_during_a_conflicting_commit_abandons_the_unit_before_it_is_tried_again() -> None:
    stop = Stop()
    target = _Conflicting(stop)
    with stop.unit(at_once=False):
        committing = Committing(target, stop)
        with pytest.raises(WriteConflictError):
            committing.write(Batch("n"))
        with pytest.raises(UnitAbandoned):  # the retry (retry_conflicts) is not begun
            committing.write(Batch("n"))
    assert target.writes == 1


class _OldTarget:
    """A target written before ``writing`` took ``waiting``."""

    def __init__(self, memory: Memory) -> None:
        self.memory = memory
        self.taken = 0

    @property
    def store(self) -> GraphStore:
        return self.memory.store

    @property
    def embedder(self) -> Embedder:
        return self.memory.embedder

    def write(self, batch: Batch) -> None:
        self.memory.write(batch)

    @contextmanager
    def writing(self) -> Iterator[None]:
        self.taken += 1
        with self.memory.writing():
            yield


def test_a_target_whose_writing_takes_no_argument_still_ingests(tmp_path: Path) -> None:
    talk = sessions_file(tmp_path / "talk.jsonl", sessions=2)
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        target = _OldTarget(memory)
        summary = ingest(target, talk, extractor=FakeExtractor(), embed=False)  # type: ignore[arg-type]
        assert summary.ok and summary.files_ok == 1 and target.taken >= 1
        assert len(list(memory.store.iter_sessions("talk"))) == 2
