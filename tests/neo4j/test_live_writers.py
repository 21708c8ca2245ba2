"""Several writers adding messages to one namespace of a Bolt database: every message is stored once, under
the id ``add`` returned, and no id is given twice.

The embedded store serialises writers with a file lock; a server store serialises the threads of one
process with its write lock and refuses a write decided from a namespace another client wrote meanwhile
(its change counter, checked in the write transaction: :mod:`graphmem.store.cypher.writers`), and
:func:`graphmem.live.add` then places its messages again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from graphmem.errors import StoreError, StoreLockedError, WriteConflictError
from graphmem.memory import Memory
from graphmem.settings import Settings
from graphmem.store.cypher.store import CypherStore
from tests.ingest.fakes import FakeEmbedder
from tests.support.bolt_memory import two_bolt_memories
from tests.support.bolt_server import BoltTarget, wipe_database

pytestmark = pytest.mark.neo4j

NS = "race"
PER_WRITER = 8


@pytest.fixture
def memories(bolt_server: BoltTarget, tmp_path: Path) -> Iterator[tuple[Memory, Memory]]:
    """Two memories on one emptied database, each with its own driver (as two processes have), the namespace
    started by one message."""
    with two_bolt_memories(bolt_server, tmp_path) as (one, two):
        one.add({"speaker": "Init", "text": "Start of the notes."}, namespace=NS)
        yield one, two


def _race(writers: dict[str, Memory]) -> dict[str, str]:
    """One thread per writer adds its messages one by one; text → the id ``add`` returned. No add may fail."""
    acked: dict[str, str] = {}
    failures: list[BaseException] = []
    start = threading.Barrier(len(writers))

    def write(tag: str, mem: Memory) -> None:
        start.wait()
        for i in range(PER_WRITER):
            text = f"Writer {tag} wrote note {i}."
            try:
                [acked[text]] = mem.add({"speaker": f"Writer{tag}", "text": text}, namespace=NS)
            except BaseException as exc:
                failures.append(exc)

    threads = [threading.Thread(target=write, args=item) for item in writers.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures
    return acked


def _check_stored(mem: Memory, acked: dict[str, str], others: int) -> None:
    """Every acknowledged text is stored once, at the id returned for it; ids were given once; turns are
    numbered without a gap."""
    events = list(mem.store.iter_events(NS))
    by_id = {e.id: e.text for e in events}
    assert len(set(acked.values())) == len(acked)  # no id returned twice
    assert {text: by_id.get(eid) for text, eid in acked.items()} == {text: text for text in acked}
    assert len(events) == len(acked) + others
    assert sorted(e.seq for e in events) == list(range(1, len(events) + 1))


def test_threads_adding_to_one_memory_store_every_message_once(memories: tuple[Memory, Memory]) -> None:
    mem, _ = memories
    acked = _race({"A": mem, "B": mem})
    _check_stored(mem, acked, others=1)


def test_two_clients_adding_at_once_store_every_message_once(memories: tuple[Memory, Memory]) -> None:
    one, two = memories
    acked = _race({"A": one, "B": two})
    _check_stored(one, acked, others=1)


def _another_writes_first(mem: Memory, other: Memory, times: int) -> list[str]:
    """Make the next ``times`` writes of ``mem``'s store first let ``other`` add a message, after ``mem``
    placed its own: ``other`` takes the position ``mem`` chose. Returns the ids ``other`` was given."""
    store = mem.store
    real: Callable[..., Any] = store.write
    given: list[str] = []

    def write(batch: Any) -> None:
        if len(given) < times:
            given.extend(other.add({"speaker": "Other", "text": f"Other note {len(given)}."}, namespace=NS))
        real(batch)

    store.write = write  # type: ignore[method-assign]
    return given


def test_a_position_another_client_took_meanwhile_is_never_written_over(memories: tuple[Memory, Memory]) -> None:
    mem, other = memories
    theirs = _another_writes_first(mem, other, times=1)
    [mine] = mem.add({"speaker": "Me", "text": "My own note."}, namespace=NS)
    _check_stored(mem, {"My own note.": mine, "Other note 0.": theirs[0]}, others=1)
    assert (theirs, mine) == (["ev:session_1:2"], "ev:session_1:3")  # placed again after the other's note


def test_a_conflict_that_does_not_resolve_is_a_named_error_and_writes_nothing(
    memories: tuple[Memory, Memory], monkeypatch: pytest.MonkeyPatch
) -> None:
    import graphmem.write_retry

    monkeypatch.setattr(graphmem.write_retry, "ATTEMPTS", 2)
    mem, other = memories
    theirs = _another_writes_first(mem, other, times=2)
    with pytest.raises(WriteConflictError, match="namespace 'race'") as caught:
        mem.add({"speaker": "Me", "text": "My own note."}, namespace=NS)
    assert isinstance(caught.value, StoreError) and caught.value.namespace == NS
    assert "Neo." not in str(caught.value)  # no raw driver error
    _check_stored(mem, {"Other note 0.": theirs[0], "Other note 1.": theirs[1]}, others=1)


def test_a_thread_waits_for_another_threads_write_lock(neo4j_store: CypherStore) -> None:
    neo4j_store._writers.timeout = 0.05
    outcome: list[BaseException | None] = []

    def take() -> None:
        try:
            with neo4j_store.write_lock():
                outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    with neo4j_store.write_lock(), neo4j_store.write_lock():  # re-entrant in the thread holding it
        t = threading.Thread(target=take)
        t.start()
        t.join()
    assert isinstance(outcome[0], StoreLockedError) and "another thread" in str(outcome[0])
    take()  # free again once released
    assert outcome[1] is None


def test_the_write_lock_wait_is_the_lock_timeout_setting(bolt_server: BoltTarget, tmp_path: Path) -> None:
    # It was 30 s whatever GRAPHMEM_LOCK_TIMEOUT said, and the error did not say how to wait longer.
    wipe_database(bolt_server)
    environ = {"GRAPHMEM_CACHE_DIR": str(tmp_path / "cache"), "GRAPHMEM_LOCK_TIMEOUT": "0.05"}
    options: dict[str, Any] = {"auth": bolt_server.auth, "database": bolt_server.database}
    settings = Settings.from_env(environ=environ)
    with Memory.open(bolt_server.uri, embedder=FakeEmbedder(), settings=settings, **options) as mem:
        outcome: list[BaseException | None] = []

        def take() -> None:
            try:
                with mem.writing():
                    outcome.append(None)
            except BaseException as exc:
                outcome.append(exc)

        with mem.writing():
            t = threading.Thread(target=take)
            t.start()
            t.join()
        assert isinstance(outcome[0], StoreLockedError)
        assert "for 0.05 s; wait longer with GRAPHMEM_LOCK_TIMEOUT" in str(outcome[0])
    with Memory.open(bolt_server.uri, embedder=FakeEmbedder(), settings=settings, lock_timeout=7.5, **options) as mem:
        assert isinstance(mem.store, CypherStore) and mem.store._writers.timeout == 7.5  # an argument wins


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("Neo.ClientError.Schema.ConstraintValidationFailed", "Duplicated key [race, ev:session_1:2]"),
        ("Neo.ClientError.Statement.EntityNotFound", "Record #5:6 not found"),  # ArcadeDB, committed meanwhile
    ],
)
def test_a_concurrent_write_refused_by_the_server_is_a_write_conflict_not_a_driver_error(
    code: str, message: str
) -> None:
    from neo4j.exceptions import Neo4jError

    from graphmem.store.neo4j import Neo4jSession

    session = Neo4jSession(None, "bolt://127.0.0.1:7687", "memory", user="writer")
    raw = Neo4jError._hydrate_neo4j(code=code, message=message)
    error = session.wrap(raw, "writing a batch to namespace 'race'")
    assert isinstance(error, WriteConflictError)
    assert "namespace 'race'" in str(error) and "another writer" in str(error) and "Neo." not in str(error)
