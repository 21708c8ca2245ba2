"""Cancelling ``AsyncMemory.writing()`` leaves the store's write lock free, on the thread that holds it."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from graphmem import AsyncMemory
from graphmem.errors import ConfigError
from graphmem.memory import Memory
from graphmem.store.lock import WriteLock

pytestmark = pytest.mark.anyio

WAIT = 10.0  # seconds any poll below waits at most; the events it waits for come within milliseconds


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """An empty embedded store."""
    Memory.open(tmp_path / "mem").close()
    return tmp_path / "mem"


@pytest.fixture
def other(store: Path) -> Iterator[Memory]:
    """A second writer of the same store (its own lock file handle: it excludes the first as a process does)."""
    mem = Memory.open(store, lock_timeout=WAIT)
    yield mem
    mem.close()


def write_lock(mem: Memory) -> WriteLock:
    lock = mem.store.write_lock()  # type: ignore[attr-defined]
    assert isinstance(lock, WriteLock)
    return lock


async def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"waited {WAIT:g} s for {what}"
        await asyncio.sleep(0.01)


def taken_by_another_thread(lock: WriteLock) -> bool:
    """Whether a thread other than the worker can take ``lock`` now (and release it), as another call can."""
    taken: list[bool] = []

    def take() -> None:
        try:
            with lock:
                taken.append(True)
        except Exception:
            taken.append(False)

    lock.timeout, timeout = 1.0, lock.timeout
    try:
        thread = threading.Thread(target=take)
        thread.start()
        thread.join(WAIT)
    finally:
        lock.timeout = timeout
    return taken == [True]


async def test_cancelled_while_waiting_for_the_lock(store: Path, other: Memory) -> None:
    # The worker thread went on waiting and took the lock after the task was cancelled; nothing released it
    # there: the abandoned context manager was closed from the loop's thread ("Exception ignored ...
    # RuntimeError: cannot release un-acquired lock") and the worker kept the lock's mutex, so any other
    # thread of the process (or, while the generator lived, any other process) could not write.
    amem = AsyncMemory(Memory.open(store))
    lock = write_lock(amem.memory)
    waiting = threading.Event()
    acquire = lock.acquire

    def spy() -> None:
        waiting.set()
        acquire()

    lock.acquire = spy  # type: ignore[method-assign]
    try:
        holding = other.writing()
        holding.__enter__()
        entered = False

        async def write() -> None:
            nonlocal entered
            async with amem.writing():
                entered = True

        task = asyncio.ensure_future(write())
        await until(waiting.is_set, "the worker to wait for the lock")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        holding.__exit__(None, None, None)
        await until(lambda: not lock.held, "the worker to take and release the lock")
        gc.collect()  # an abandoned context manager, if any, is finalised now, inside the test
        assert not entered
        assert taken_by_another_thread(lock)
        with other.writing():  # another writer takes it at once
            pass
        async with amem.writing():  # and so does this memory
            assert lock.held
    finally:
        await amem.close()


async def test_cancelled_before_the_worker_started_to_wait(store: Path) -> None:
    """A wait cancelled while still queued never takes the lock."""
    amem = AsyncMemory(Memory.open(store))
    lock = write_lock(amem.memory)
    release = threading.Event()
    busy = amem.memory.stats
    amem.memory.stats = lambda *a, **k: (release.wait(WAIT), busy(*a, **k))[1]  # type: ignore[method-assign]
    try:
        stats = asyncio.ensure_future(amem.stats())
        task = asyncio.ensure_future(_enter(amem))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        release.set()
        await stats
        assert not lock.held and taken_by_another_thread(lock)
    finally:
        await amem.close()


async def _enter(amem: AsyncMemory) -> None:
    async with amem.writing():
        raise AssertionError("entered")


async def test_cancelled_while_releasing(store: Path, other: Memory) -> None:
    """A release cancelled while it waits behind another call on the worker thread still runs there.

    (Before the release was shielded, it was cancelled before it ran, and only the worker thread dropping
    the last reference to the abandoned context manager released the lock.)
    """
    amem = AsyncMemory(Memory.open(store))
    lock = write_lock(amem.memory)
    release = threading.Event()
    busy = amem.memory.stats
    amem.memory.stats = lambda *a, **k: (release.wait(WAIT), busy(*a, **k))[1]  # type: ignore[method-assign]
    leaving = asyncio.Event()
    try:

        async def write() -> None:
            async with amem.writing():
                stats = asyncio.ensure_future(amem.stats())  # holds up the worker thread
                await asyncio.sleep(0)
                leaving.set()
            await stats

        task = asyncio.ensure_future(write())
        await until(leaving.is_set, "the task to leave the block")
        await asyncio.sleep(0)  # the task now awaits the release queued behind the stats call
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        release.set()
        await until(lambda: not lock.held, "the worker to release the lock")
        assert taken_by_another_thread(lock)
        with other.writing():
            pass
    finally:
        await amem.close()


def test_an_executor_of_many_threads_is_refused(store: Path) -> None:
    # It was accepted: writing() could take the lock on one thread and release it on another ("cannot
    # release un-acquired lock"), and the calls inside ran on threads that waited for the lock in vain.
    memory = Memory.open(store)
    executor = ThreadPoolExecutor(max_workers=2)
    try:
        with pytest.raises(ConfigError, match="one worker thread, not 2"):
            AsyncMemory(memory, executor=executor)
    finally:
        executor.shutdown()
        memory.close()
