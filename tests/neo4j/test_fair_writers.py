"""Three clients adding messages to one namespace of a Bolt database at once: every add is stored, in one
NEXT chain, and the writers take turns (:mod:`graphmem.store.cypher.line`) instead of refusing each other.

Before the line, the writer already running kept winning and the others ran out of attempts
(``WriteConflictError`` after 8 attempts: 4 adds of 45 lost unless the caller retried).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphmem.errors import WriteConflictError
from graphmem.memory import Memory
from graphmem.store.cypher.writers import Writers
from tests.support.bolt_memory import open_bolt_memory
from tests.support.bolt_server import BoltTarget, wipe_database

pytestmark = pytest.mark.neo4j

NS = "fair"
WRITERS = 3
PER_WRITER = 15


@pytest.fixture
def memories(bolt_server: BoltTarget, tmp_path: Path) -> Iterator[list[Memory]]:
    """Three memories on one emptied database, each with its own driver (as three processes have)."""
    wipe_database(bolt_server)
    opened = [open_bolt_memory(bolt_server, tmp_path / str(i)) for i in range(WRITERS)]
    try:
        yield opened
    finally:
        for mem in opened:
            mem.close()


def test_three_clients_adding_at_once_store_every_message_in_one_chain(
    memories: list[Memory], monkeypatch: pytest.MonkeyPatch
) -> None:
    refused: list[str] = []
    check = Writers.check

    def counting_check(self: Writers, namespace: str, after: int, start: int) -> None:
        try:
            check(self, namespace, after, start)
        except WriteConflictError:
            refused.append(namespace)
            raise

    monkeypatch.setattr(Writers, "check", counting_check)
    failures: list[BaseException] = []
    start = threading.Barrier(WRITERS)

    def write(tag: str, mem: Memory) -> None:
        mem.add({"speaker": tag, "text": "warm up"}, namespace=f"warm-{tag}")
        start.wait()
        for i in range(PER_WRITER):
            city = "Oslo" if i % 2 else "Bergen"
            try:
                mem.add({"speaker": tag, "text": f"I am {tag}, message {i}. I live in {city} now."}, namespace=NS)
            except BaseException as exc:
                failures.append(exc)

    threads = [threading.Thread(target=write, args=(chr(65 + i), mem)) for i, mem in enumerate(memories)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert failures == []
    events = list(memories[0].store.iter_events(NS))
    assert Counter(e.speaker for e in events) == {chr(65 + i): PER_WRITER for i in range(WRITERS)}
    assert sorted(e.seq for e in events) == list(range(1, WRITERS * PER_WRITER + 1))
    chain = memories[0].query("FIND (a:Event)-[:NEXT]->(b:Event) RETURN a.id, b.id", namespace=NS).rows
    outs, ins = Counter(a for a, _ in chain), Counter(b for _, b in chain)
    assert len(chain) == len(events) - 1
    assert max(outs.values()) == 1 and max(ins.values()) == 1
    # Writers took turns: no write was decided from a namespace another writer changed meanwhile.
    assert refused == []
