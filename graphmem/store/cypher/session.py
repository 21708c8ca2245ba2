"""The I/O under the Cypher store: a :class:`CypherSession` runs Cypher text on one database.

A session is the only part of a Cypher backend that knows the client library. It sends statements with
their parameters, returns rows as plain dicts of plain Python values (temporal values as ``datetime`` or
``date``, never the library's own types), and turns the library's exceptions into graphmem errors
(:class:`~graphmem.errors.StoreError`, :class:`~graphmem.errors.ConfigError`,
:class:`~graphmem.errors.QueryLimitError`). :mod:`graphmem.store.neo4j` implements it over the official
``neo4j`` driver (any Bolt server); a test can implement it with a fake.

:class:`Backoff` and :func:`retry_transient` are how a session retries a statement or a transaction after a
transient fault: exponential backoff with jitter, bounded in time. A fault that says the server cannot be
reached (refused, timed out, the connection lost) is retried for a shorter time than one a live server
answers (a deadlock, a leader switch), so a server that is down is reported within a few seconds.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from graphmem.store.open_check import OpenCheck

__all__ = ["Backoff", "CypherSession", "CypherTx", "Row", "SessionReads", "retry_transient"]

T = TypeVar("T")

#: One result row: column name to value.
Row = dict[str, Any]


class CypherTx(Protocol):
    """The transaction a :meth:`CypherSession.write` work function runs its statements in."""

    def run(self, cypher: str, /, **params: Any) -> list[Row]:
        """Run one statement with ``params``; every row it returns."""
        ...


class CypherSession(Protocol):
    """Runs Cypher on one database of one server.

    Attributes:
        uri: ``<server>/<database>``, for messages and as the key of client-side caches.
    """

    uri: str

    def read(
        self,
        cypher: str,
        params: Mapping[str, Any] | None = None,
        *,
        action: str = "reading",
        timeout: float | None = None,
    ) -> list[Row]:
        """Run a read-only statement; its rows.

        Args:
            cypher: the statement; every value in it is a ``$parameter``.
            params: the parameters.
            action: what is being done, for error messages ("reading the schema version").
            timeout: seconds after which the server stops the statement (``None``: no limit).

        Raises:
            QueryLimitError: the server stopped the statement after ``timeout`` seconds.
            StoreError: the server is down or rejected the statement.
        """
        ...

    def reading(self) -> AbstractContextManager[None]:
        """A scope whose reads (on this thread, without a ``timeout``) share one connection: one round trip
        per statement, where a read on its own may cost more (a managed transaction's commit).

        A store opens one around work that reads many times in a row (a recall). Nothing is kept
        between statements but the connection: each read sees what is committed when it runs. Nested
        scopes share the outer one.
        """
        ...

    def write(self, work: Callable[[CypherTx], T], *, action: str) -> T:
        """Run ``work`` in one managed write transaction and return what it returns.

        The session may run ``work`` again after a transient fault (a lost connection), so ``work``
        must be idempotent; an exception inside it rolls the whole transaction back.

        Raises:
            StoreError: the server is down or rejected a statement; nothing was written (the error says
                so), unless the connection was lost during the commit: then whether the transaction was
                committed is unknown, and the error says that instead.
        """
        ...

    def run(self, cypher: str, params: Mapping[str, Any] | None = None, *, action: str) -> list[Row]:
        """Run one statement on its own (schema DDL, administration) on the writing server; its rows.

        Raises:
            StoreError: the server is down or rejected the statement.
        """
        ...

    def close(self) -> None:
        """Release the connection. Safe to call twice."""
        ...


@dataclass(frozen=True, slots=True)
class Backoff:
    """How long to wait between attempts of a statement that failed transiently, and for how long to try.

    The n-th retry waits ``first * multiplier ** (n - 1)`` seconds (at most ``longest``), each wait moved
    by up to ``jitter`` of itself either way so that clients failing together do not retry together. No
    retry starts once ``deadline`` seconds have passed since the first attempt, or would pass during
    its wait; after a failure that says the server cannot be reached, none once ``unreachable`` seconds
    would have passed. The first wait is short: the common transient fault is a pooled connection the
    server dropped, which a new connection fixes at once; a server that is restarting gets the longer waits.

    Attributes:
        first: seconds before the first retry.
        multiplier: each wait is this many times the one before.
        longest: no wait is longer than this.
        jitter: the fraction of a wait added or taken away at random.
        deadline: seconds after the first attempt when no retry starts any more.
        unreachable: the same, when the last failure was that the server cannot be reached (refused, timed
            out, the connection lost): a server that is down is reported after about this long, not
            ``deadline``; ``0`` tries such a call once.
        sleep: waits (``time.sleep``; a test passes a fake clock's).
        clock: seconds from a fixed point (``time.monotonic``), for the deadline.
    """

    first: float = 0.1
    multiplier: float = 2.0
    longest: float = 4.0
    jitter: float = 0.2
    deadline: float = 15.0
    unreachable: float = 5.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def wait(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1 for the first), jitter included."""
        base = min(self.first * self.multiplier ** (retry - 1), self.longest)
        return base * (1.0 + self.jitter * random.uniform(-1.0, 1.0))


def _never(_exc: Exception) -> bool:
    return False


def retry_transient(
    call: Callable[[], T],
    *,
    transient: Callable[[Exception], bool],
    backoff: Backoff,
    before_retry: Callable[[], None] | None = None,
    unreachable: Callable[[Exception], bool] = _never,
) -> T:
    """Run ``call``, and again after each failure ``transient`` accepts, waiting as ``backoff`` says.

    Only idempotent work (a read, a transaction that may run twice) may be retried so. ``before_retry``
    runs before each retry (to drop a connection that failed). The last failure is raised when
    ``backoff.deadline`` is reached (``backoff.unreachable`` when ``unreachable`` says the failure was that
    the server cannot be reached), and any failure ``transient`` refuses at once.
    """
    started = backoff.clock()
    retry = 0
    while True:
        try:
            return call()
        except Exception as exc:
            if not transient(exc):
                raise
            retry += 1
            pause = backoff.wait(retry)
            limit = min(backoff.deadline, backoff.unreachable) if unreachable(exc) else backoff.deadline
            if backoff.clock() - started + pause > limit:
                raise
        if before_retry is not None:
            before_retry()
        backoff.sleep(pause)


class SessionReads(OpenCheck):
    """A base of the Cypher store's parts (:class:`~graphmem.store.cypher.store.CypherStore` and the classes
    it is made of), which read through the store's ``_session``."""

    _session: CypherSession

    def _read(self, cypher: str, **params: Any) -> list[Row]:
        return self._session.read(cypher, params)
