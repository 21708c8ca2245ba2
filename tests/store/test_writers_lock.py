"""The write lock of a Cypher store's threads (:class:`graphmem.store.cypher.writers.Writers`) while its holder
waits its turn in the namespace's line of writers (:mod:`graphmem.store.cypher.line`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from graphmem.errors import StoreLockedError
from graphmem.store.cypher.writers import Writers


def test_a_thread_waiting_in_the_line_does_not_fail_the_process_s_other_threads() -> None:
    # review finding: the holder of the lock waiting behind another process's writer made the other
    # threads of its process fail after the timeout, blaming "another thread ... writing" that wrote nothing
    writers = Writers("bolt://test", timeout=0.2)
    queued, turn = threading.Event(), threading.Event()

    @contextmanager
    def line() -> Iterator[None]:
        queued.set()
        assert turn.wait(5)  # the writer of another process ahead takes 0.6 s
        yield

    def first() -> None:
        with writers.lock(), writers.guarded("ns", lambda: 0, line):
            pass

    holder = threading.Thread(target=first)
    holder.start()
    assert queued.wait(5)
    timer = threading.Timer(0.6, turn.set)
    timer.start()
    try:
        with writers.lock():  # waits in order behind the holder
            assert turn.is_set()
    finally:
        turn.set()
        holder.join()
        timer.cancel()


def test_a_thread_writing_longer_than_the_timeout_still_fails_the_others() -> None:
    writers = Writers("bolt://test", timeout=0.2)
    writing, done = threading.Event(), threading.Event()

    def first() -> None:
        with writers.lock(), writers.guarded("ns", lambda: 0):
            writing.set()
            done.wait(5)

    holder = threading.Thread(target=first)
    holder.start()
    assert writing.wait(5)
    started = time.monotonic()
    try:
        with pytest.raises(StoreLockedError, match="another thread of this process has been writing"), writers.lock():
            pass
        assert 0.15 <= time.monotonic() - started < 2
    finally:
        done.set()
        holder.join()
