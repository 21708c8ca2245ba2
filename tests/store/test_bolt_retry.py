"""A read scope's statement (and a write transaction) retried after transient Bolt faults: with exponential
backoff and jitter, on a new driver session each time, until a deadline (a shorter one when the server
cannot be reached); other faults are raised at once (no server needed)."""

from __future__ import annotations

from typing import Any

import pytest

from graphmem.errors import ConfigError, ServerAccessError, ServerLoginError, StoreError
from graphmem.store.cypher.session import Backoff, retry_transient

neo4j = pytest.importorskip("neo4j")
from neo4j.exceptions import ClientError, ServiceUnavailable, SessionExpired, TransientError  # noqa: E402

from graphmem.store.neo4j import Neo4jSession  # noqa: E402


class _Record(dict[str, Any]):
    pass


class _FakeSession:
    def __init__(self, driver: _FakeDriver) -> None:
        self.driver = driver
        self.closed = False

    def run(self, cypher: str, params: dict[str, Any]) -> list[_Record]:
        self.driver.runs += 1
        if self.driver.failures:
            raise self.driver.failures.pop(0)
        return [_Record(ok=1)]

    def execute_write(self, work: Any) -> Any:
        self.driver.runs += 1
        if self.driver.failures:
            raise self.driver.failures.pop(0)
        return work(_FakeTx())

    def close(self) -> None:
        self.closed = True

    def __enter__(self) -> _FakeSession:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class _FakeTx:
    def run(self, cypher: str, params: dict[str, Any]) -> list[_Record]:
        return [_Record(ok=1)]


class _FakeDriver:
    """Hands out sessions whose next statements fail with ``failures`` in order, then succeed."""

    execute_query_bookmark_manager = None

    def __init__(self, failures: list[Exception]) -> None:
        self.failures = failures
        self.sessions: list[_FakeSession] = []
        self.runs = 0

    def session(self, **_config: Any) -> _FakeSession:
        self.sessions.append(_FakeSession(self))
        return self.sessions[-1]


class _Clock:
    """A clock that moves only when slept on; records each wait."""

    def __init__(self, waits: list[float]) -> None:
        self.now = 0.0
        self.waits = waits

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def _session(
    failures: list[Exception], waits: list[float], deadline: float = 15.0, unreachable: float = 5.0
) -> tuple[Neo4jSession, _FakeDriver]:
    driver = _FakeDriver(failures)
    clock = _Clock(waits)
    backoff = Backoff(
        first=0.1,
        multiplier=2.0,
        longest=0.5,
        jitter=0.2,
        deadline=deadline,
        unreachable=unreachable,
        sleep=clock.sleep,
        clock=lambda: clock.now,
    )
    return Neo4jSession(driver, "bolt://fake", "db", user=None, backoff=backoff), driver


def test_transient_faults_are_retried_with_growing_jittered_waits_on_new_sessions() -> None:
    waits: list[float] = []
    session, driver = _session([SessionExpired("connection lost") for _ in range(4)], waits)
    with session.reading():
        assert session.read("RETURN 1 AS ok") == [{"ok": 1}]
    assert driver.runs == 5
    bases = [0.1, 0.2, 0.4, 0.5]  # doubling, at most ``longest``
    assert len(waits) == 4
    assert all(b * 0.8 <= w <= b * 1.2 for w, b in zip(waits, bases, strict=True))
    assert len(driver.sessions) == 5 and all(s.closed for s in driver.sessions)  # a new session per attempt


def test_retries_stop_at_the_deadline_and_the_fault_is_a_store_error() -> None:
    waits: list[float] = []
    session, driver = _session([SessionExpired("connection lost") for _ in range(50)], waits, deadline=0.5)
    with session.reading(), pytest.raises(StoreError, match="down or unreachable"):
        session.read("RETURN 1 AS ok")
    assert 0 < driver.runs < 50  # gave up before the faults ran out
    assert sum(waits) <= 0.5


def test_a_fault_that_is_not_transient_is_raised_at_once() -> None:
    waits: list[float] = []
    bad = ClientError._hydrate_neo4j(code="Neo.ClientError.Statement.SyntaxError", message="bad")
    session, driver = _session([bad], waits)
    with session.reading(), pytest.raises(StoreError, match="SyntaxError"):
        session.read("RETRUN 1")
    assert driver.runs == 1 and waits == []


def test_retry_transient_retries_only_what_it_is_told_is_transient() -> None:
    calls: list[int] = []
    waits: list[float] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise TimeoutError("again")
        return "done"

    backoff = Backoff(first=1.0, jitter=0.0, sleep=waits.append)
    assert retry_transient(flaky, transient=lambda e: isinstance(e, TimeoutError), backoff=backoff) == "done"
    assert waits == [1.0, 2.0]
    with pytest.raises(ValueError):
        retry_transient(lambda: int("x"), transient=lambda e: isinstance(e, TimeoutError), backoff=backoff)


def _refused() -> ServiceUnavailable:
    return ServiceUnavailable("Couldn't connect to 127.0.0.1:7687 (reason [Errno 111] Connection refused)")


def _deadlock() -> TransientError:
    return TransientError._hydrate_neo4j(code="Neo.TransientError.Transaction.DeadlockDetected", message="deadlock")


def test_a_server_that_cannot_be_reached_is_retried_only_for_the_unreachable_time() -> None:
    # A refused connection was retried as long as a deadlock (max_transaction_retry_time, 15 s): a server
    # that went down held each call of a long-lived memory 10-30 s.
    waits: list[float] = []
    session, driver = _session([_refused() for _ in range(50)], waits, deadline=15.0, unreachable=1.0)
    with session.reading(), pytest.raises(ServerAccessError, match="down or unreachable"):
        session.read("RETURN 1 AS ok")
    assert 1 < driver.runs < 50 and sum(waits) <= 1.0  # retried, but gave up within the unreachable time


def test_a_write_to_a_server_that_cannot_be_reached_gives_up_as_soon() -> None:
    waits: list[float] = []
    session, driver = _session([_refused() for _ in range(50)], waits, deadline=15.0, unreachable=1.0)
    with pytest.raises(ServerAccessError, match="down or unreachable while writing"):
        session.write(lambda tx: tx.run("CREATE (:X)"), action="writing")
    assert 1 < driver.runs < 50 and sum(waits) <= 1.0
    assert len(driver.sessions) == driver.runs and all(s.closed for s in driver.sessions)  # a session per attempt


@pytest.mark.parametrize("fault", [_deadlock, lambda: SessionExpired("leader switched")])
def test_a_live_servers_transient_fault_is_retried_past_the_unreachable_time(fault: Any) -> None:
    waits: list[float] = []
    session, driver = _session([fault() for _ in range(8)], waits, deadline=15.0, unreachable=1.0)
    assert session.write(lambda tx: tx.run("RETURN 1 AS ok"), action="writing") == [{"ok": 1}]
    assert driver.runs == 9 and sum(waits) > 1.0  # longer than a server that cannot be reached is tried


def test_after_a_call_gave_up_on_the_server_the_next_ones_try_once_until_one_gets_through() -> None:
    waits: list[float] = []
    session, driver = _session([_refused() for _ in range(50)], waits, deadline=15.0, unreachable=1.0)
    with pytest.raises(ServerAccessError):
        session.write(lambda tx: tx.run("RETURN 1"), action="writing")
    runs, waited = driver.runs, len(waits)
    for _ in range(2):
        with pytest.raises(ServerAccessError):
            session.write(lambda tx: tx.run("RETURN 1"), action="writing")
    assert driver.runs == runs + 2 and len(waits) == waited  # once each, no waiting
    driver.failures = [SessionExpired("leader switched")]  # a live server's fault is still retried meanwhile
    assert session.write(lambda tx: tx.run("RETURN 1 AS ok"), action="writing") == [{"ok": 1}]
    driver.failures = [_refused(), _refused()]  # it got through: a refused connection is retried again
    assert session.write(lambda tx: tx.run("RETURN 1 AS ok"), action="writing") == [{"ok": 1}]
    assert driver.runs == runs + 2 + 2 + 3


@pytest.mark.parametrize(
    ("fault", "also"),
    [
        (neo4j.exceptions.AuthError("The client is unauthorized due to authentication failure."), ConfigError),
        (neo4j.exceptions.ServiceUnavailable("Couldn't connect to 127.0.0.1:7687"), StoreError),
        (ConnectionRefusedError(111, "Connection refused"), StoreError),
    ],
)
def test_cannot_reach_or_log_in_is_one_catchable_class(fault: Exception, also: type[Exception]) -> None:
    """A wrong password and a server down are both a ServerAccessError, and still what they were before
    (ConfigError, StoreError), so existing catches keep working."""
    session, _ = _session([], [])
    session.opening = False
    err = session.wrap(fault, "reading")
    assert isinstance(err, ServerAccessError) and isinstance(err, also)
    assert isinstance(err, ServerLoginError) == isinstance(fault, neo4j.exceptions.AuthError)


def test_a_connection_lost_during_the_commit_says_the_outcome_is_unknown() -> None:
    # An IncompleteCommit (a ServiceUnavailable) was reported as "down or unreachable…; nothing was written",
    # though the server may have committed; and it made the next calls try the server only once.
    waits: list[float] = []
    lost = neo4j.exceptions.IncompleteCommit("Failed to read from defunct connection during commit")
    session, driver = _session([lost], waits, deadline=15.0, unreachable=1.0)
    with pytest.raises(ServerAccessError) as caught:
        session.write(lambda tx: tx.run("CREATE (:X)"), action="writing namespace 'a'")
    message = str(caught.value)
    assert "during the commit while writing namespace 'a'" in message and "unknown" in message
    assert "nothing was written" not in message and "down or unreachable" not in message
    assert driver.runs == 1 and waits == []  # not retried: the transaction may have been committed
    driver.failures = [_refused(), _refused()]  # the server was reached: a refused connection is retried as usual
    assert session.write(lambda tx: tx.run("RETURN 1 AS ok"), action="writing") == [{"ok": 1}]
    assert driver.runs == 4


def test_a_write_that_failed_otherwise_says_nothing_was_written() -> None:
    session, _ = _session([_refused() for _ in range(50)], [], deadline=15.0, unreachable=0.0)
    with pytest.raises(ServerAccessError, match="down or unreachable while writing; nothing was written"):
        session.write(lambda tx: tx.run("CREATE (:X)"), action="writing")
