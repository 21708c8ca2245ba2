"""The I/O under the Cypher store: a :class:`CypherSession` runs Cypher text on one database.

A session is the only part of a Cypher backend that knows the client library. It sends statements with
their parameters, returns rows as plain dicts of plain Python values (temporal values as ``datetime`` or
``date``, never the library's own types), and turns the library's exceptions into graphmem errors
(:class:`~graphmem.errors.StoreError`, :class:`~graphmem.errors.ConfigError`,
:class:`~graphmem.errors.QueryLimitError`). :mod:`graphmem.store.neo4j` implements it over the official
``neo4j`` driver (any Bolt server); a test can implement it with a fake.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeVar

__all__ = ["CypherSession", "CypherTx", "Row"]

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
            StoreError: the server is down or rejected a statement; nothing was written.
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
