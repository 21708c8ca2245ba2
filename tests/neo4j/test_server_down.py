"""A server that goes away under an open memory: each call fails with ServerAccessError within a bounded time.

The memory reaches the shared test server through a TCP proxy (:mod:`tests.support.tcp_proxy`), which then
refuses connections (a server down), accepts them without answering (a server or network not responding),
or drops the open ones while still forwarding (a live server's transient fault, retried). Each failing call
must end within about ``connection_timeout`` (documented: at most twice it); the tests allow three times it,
so that a slow machine does not fail them. Before, each call was retried as long as a deadlock (15 s, and up
to 31 s with the driver's own retries).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from graphmem.errors import ServerAccessError
from graphmem.memory import Memory
from graphmem.models import Batch, Event, Session
from tests.support.bolt_memory import open_bolt_memory
from tests.support.bolt_server import BoltTarget
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.neo4j

#: The memory's connection_timeout in these tests, and the most a failing call may take.
TIMEOUT = 2.0
BOUND = 3 * TIMEOUT


def _batch(ns: str, n: int, *, start: int = 0) -> Batch:
    said = [(f"e{i}", i, f"turn number {i} at the bakery") for i in range(start, start + n)]
    events = tuple(Event(ns, id_, "s1", seq, "Ann", text) for id_, seq, text in said)
    return Batch(ns, (Session(ns, "s1", 0),), events)


@pytest.fixture
def proxied(bolt_server: BoltTarget, tmp_path: Path) -> Iterator[tuple[Memory, TcpProxy, str]]:
    """A memory on the test server through a proxy, holding two events in a namespace of its own."""
    host, port = bolt_server.uri.rsplit("//", 1)[1].rsplit(":", 1)
    with TcpProxy(host, int(port)) as proxy:
        target = BoltTarget(proxy.uri, bolt_server.user, bolt_server.password, bolt_server.database)
        memory = open_bolt_memory(target, tmp_path / "cache", connection_timeout=TIMEOUT)
        ns = f"down-{tmp_path.name[-12:]}"
        try:
            memory.store.write(_batch(ns, 2))
            assert memory.store.stats(ns).events == 2
            yield memory, proxy, ns
        finally:
            proxy.forward()
            try:
                memory.store.delete_namespace(ns)
            finally:
                memory.close()


def _calls(memory: Memory, ns: str) -> list[tuple[str, Callable[[], Any]]]:
    return [
        ("recall", lambda: memory.recall("Where is the bakery?", namespace=ns, k=2)),
        ("stats", lambda: memory.store.stats(ns)),
        ("write", lambda: memory.store.write(_batch(ns, 1, start=5))),
        ("query", lambda: memory.query(f'FIND (e:Event) IN "{ns}" RETURN count(*)')),
        ("events", lambda: list(memory.store.iter_events(ns))),
    ]


def _fails_in_time(name: str, call: Callable[[], Any]) -> float:
    started = time.monotonic()
    with pytest.raises(ServerAccessError, match="down or unreachable"):
        call()
    took = time.monotonic() - started
    assert took < BOUND, f"{name} took {took:.1f} s to fail (bound {BOUND:g} s)"
    return took


def test_each_call_fails_in_bounded_time_when_the_server_refuses(proxied: tuple[Memory, TcpProxy, str]) -> None:
    memory, proxy, ns = proxied
    proxy.refuse()
    for name, call in _calls(memory, ns):
        _fails_in_time(name, call)
    proxy.forward()  # the server is back: the same memory works again, nothing half-written
    assert [e.id for e in memory.store.iter_events(ns)] == ["e0", "e1"]
    memory.store.write(_batch(ns, 1, start=2))
    assert memory.store.stats(ns).events == 3


def test_a_server_that_does_not_answer_fails_in_bounded_time(proxied: tuple[Memory, TcpProxy, str]) -> None:
    memory, proxy, ns = proxied
    proxy.hang()
    for name, call in _calls(memory, ns)[:3]:
        _fails_in_time(name, call)


def test_connections_dropped_by_a_live_server_are_retried(proxied: tuple[Memory, TcpProxy, str]) -> None:
    memory, proxy, ns = proxied
    for i in range(3):
        proxy.cut()  # every pooled connection dies; new ones still reach the server
        assert memory.store.stats(ns).events == 2 + i
        proxy.cut()
        memory.store.write(_batch(ns, 1, start=2 + i))
        proxy.cut()
        assert len(memory.recall("Where is the bakery?", namespace=ns, k=2)) > 0
    assert [e.id for e in memory.store.iter_events(ns)] == ["e0", "e1", "e2", "e3", "e4"]
