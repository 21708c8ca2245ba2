"""The line of a namespace's writers on a Cypher server (:mod:`graphmem.store.cypher.line`), over a fake
session: turns in ticket order, the turn handed on after a failure, a line standing still skipped; and what
another thread of the process is told while one waits in it (:mod:`graphmem.store.cypher.writers`)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

import pytest

from graphmem.errors import StoreLockedError
from graphmem.store.cypher import line
from graphmem.store.cypher.writers import Writers


class FakeLineSession:
    """The queue properties of one ``:GraphmemNamespace`` node, changed by the line's statements."""

    def __init__(self) -> None:
        self.next: int | None = None
        self.serving: int | None = None
        self.gone: list[int] = []
        self.writes: list[str] = []
        self.epoch: int | None = None

    def run(self, cypher: str, **params: Any) -> list[dict[str, Any]]:
        if cypher == line.TAKE:
            self.epoch = self.epoch if self.epoch is not None else params["epoch"]
            self.next = (self.next or 0) + 1
            self.serving = self.serving if self.serving is not None else self.next
            self.writes.append(f"take {self.next}")
            return [{"ticket": self.next, "serving": self.serving, "epoch": self.epoch}]
        if params.get("epoch") != self.epoch:  # another node than the ticket was taken on: no row matched
            return []
        if cypher == line.ABANDON:
            self.writes.append(f"gone {params['ticket']}")
            self.gone = [t for t in self.gone if self.serving is not None and t >= self.serving] + [params["ticket"]]
            return []
        if cypher == line.LEAVE:
            self.writes.append(f"past {params['ticket']}")
            if self.serving == params["ticket"]:
                self.serving = params["ticket"] + 1
            return []
        raise AssertionError(cypher)

    def write(self, work: Callable[[Any], Any], *, action: str) -> Any:
        return work(self)

    def read(self, cypher: str, **params: Any) -> list[dict[str, Any]]:
        assert cypher == line.LOOK
        if self.epoch is None:  # no node
            return []
        return [{"serving": self.serving, "gone": self.gone or None, "epoch": self.epoch}]

    def deleted(self) -> None:
        """The node went with its namespace (:func:`graphmem.store.cypher.write.delete_namespace`)."""
        self.next = self.serving = self.epoch = None
        self.gone = []


def test_a_line_standing_still_skips_its_head() -> None:
    fake = FakeLineSession()
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    held = line.in_line(fake, "ns", fake.read, stall=30)  # type: ignore[arg-type]
    assert held.__enter__() == 1  # a writer that never leaves (its process killed)
    with line.in_line(fake, "ns", fake.read, stall=30, clock=lambda: now[0], sleep=sleep) as ticket:  # type: ignore[arg-type]
        assert ticket == 2
        assert now[0] >= 30  # it waited for the whole stall first
        assert fake.writes == ["take 1", "take 2", "past 1"]
    assert fake.serving == 3  # and handed the turn on
    held.__exit__(None, None, None)  # the skipped writer leaving late moves nothing
    assert fake.serving == 3


def test_the_turn_is_handed_on_when_the_operation_fails() -> None:
    fake = FakeLineSession()
    with pytest.raises(RuntimeError), line.in_line(fake, "ns", fake.read, stall=30):  # type: ignore[arg-type]
        raise RuntimeError("extraction failed")
    with line.in_line(fake, "ns", fake.read, stall=0) as ticket:  # type: ignore[arg-type]
        assert ticket == 2
    assert fake.writes == ["take 1", "past 1", "take 2", "past 2"]


def test_a_writer_gone_before_its_turn_is_passed_at_once() -> None:
    # review finding: an interrupted waiter left its ticket in the line, and every writer behind it then
    # waited the whole stall
    fake = FakeLineSession()
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    first = line.in_line(fake, "ns", fake.read, stall=30)  # type: ignore[arg-type]
    assert first.__enter__() == 1
    with pytest.raises(KeyboardInterrupt), line.in_line(fake, "ns", fake.read, stall=30, sleep=interrupted):  # type: ignore[arg-type]
        pass
    first.__exit__(None, None, None)
    with line.in_line(fake, "ns", fake.read, stall=30, clock=lambda: now[0], sleep=sleep) as ticket:  # type: ignore[arg-type]
        assert ticket == 3
        assert now[0] < 1  # no stall
    assert fake.writes == ["take 1", "take 2", "gone 2", "past 1", "take 3", "past 2", "past 3"]


def test_a_negative_lock_timeout_still_skips_a_dead_head() -> None:
    # review finding: GRAPHMEM_LOCK_TIMEOUT=-1 ("no limit") let one killed writer stop the line for good
    fake = FakeLineSession()
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    line.in_line(fake, "ns", fake.read, stall=30).__enter__()  # type: ignore[arg-type]
    with line.in_line(fake, "ns", fake.read, stall=-1, clock=lambda: now[0], sleep=sleep) as ticket:  # type: ignore[arg-type]
        assert ticket == 2


def test_a_writer_waiting_when_its_namespace_is_forgotten_is_not_held_by_the_line_made_again() -> None:
    # the node goes with its namespace (its name with it); the next writer makes it again, numbering from 1:
    # a writer that took ticket 2 on the old node must not wait behind the new line's tickets
    fake = FakeLineSession()
    now = [0.0]
    again = line.in_line(fake, "ns", fake.read, stall=30)  # type: ignore[arg-type]

    def sleep(seconds: float) -> None:
        now[0] += seconds
        if fake.epoch is not None and fake.next == 2:  # while it waits: forgotten, and written again
            fake.deleted()
            assert again.__enter__() == 1

    first = line.in_line(fake, "ns", fake.read, stall=30)  # type: ignore[arg-type]
    assert first.__enter__() == 1
    with line.in_line(fake, "ns", fake.read, stall=30, clock=lambda: now[0], sleep=sleep) as ticket:  # type: ignore[arg-type]
        assert ticket == 2
        assert now[0] < 1  # no stall behind the new line's ticket 1
    assert fake.serving == 1  # leaving the old line moves nothing of the new one
    first.__exit__(None, None, None)
    assert fake.serving == 1
    again.__exit__(None, None, None)
    assert fake.serving == 2


def test_a_thread_waiting_its_turn_on_the_server_is_named_so_when_another_thread_times_out() -> None:
    # The error blamed "another thread ... writing to it", when the holder was waiting behind other clients.
    writers = Writers("bolt://db", timeout=0.05)
    in_line, go = threading.Event(), threading.Event()

    @contextmanager
    def slow_line() -> Any:
        in_line.set()
        go.wait(5)
        yield

    def hold() -> None:
        with writers.lock(), writers.guarded("notes", lambda: None, slow_line):
            pass

    holder = threading.Thread(target=hold)
    holder.start()
    assert in_line.wait(5)
    waiting = re.escape("waiting for 0.05 s for its turn among the writers of namespace 'notes'")
    with pytest.raises(StoreLockedError, match=waiting), writers.lock():
        pass
    go.set()
    holder.join(5)

    writing, done = threading.Event(), threading.Event()

    def write() -> None:
        with writers.lock(), writers.guarded("notes", lambda: None):
            writing.set()
            done.wait(5)

    holder = threading.Thread(target=write)
    holder.start()
    assert writing.wait(5)
    with pytest.raises(StoreLockedError, match=re.escape("has been writing to it for 0.05 s")), writers.lock():
        pass
    done.set()
    holder.join(5)
    with writers.lock(), writers.lock():  # free again, and re-entrant
        pass
