"""Bolt servers (Neo4j, ArcadeDB's Bolt plugin, …) through the official ``neo4j`` driver.

This module only connects, retries and maps errors: :func:`connect` opens the driver, checks the database
(creating it where allowed), reads the server's agent string once to pick its
:class:`~graphmem.store.cypher.dialect.CypherDialect`, and returns a
:class:`~graphmem.store.cypher.store.CypherStore` over a :class:`Neo4jSession`. The session turns driver
records into plain dicts of plain Python values and driver exceptions into graphmem errors, and retries
what the driver calls retryable itself (:class:`~graphmem.store.cypher.session.Backoff`): a server that
cannot be reached is reported after ``connection_timeout`` seconds, a transient fault of a live server
retried for ``max_transaction_retry_time``. :func:`open_session` is the first half of :func:`connect`: a
checked session, graphmem's schema untouched. :mod:`graphmem.store.bolt_uri` reads and shows the URI.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import replace
from datetime import date, datetime, time
from typing import Any, TypeVar

from graphmem.errors import (
    MissingDependencyError,
    QueryLimitError,
    ReadOnlyStoreError,
    ServerAccessError,
    ServerLoginError,
    StoreError,
    WriteConflictError,
)
from graphmem.settings import neo4j_login
from graphmem.store.bolt_uri import database_in_path, invalid_uri, opening_detail, short_error, shown_uri, store_uri
from graphmem.store.cypher.dialect import dialect_for_agent
from graphmem.store.cypher.session import Backoff, CypherTx, Row, retry_transient
from graphmem.store.cypher.store import CypherStore
from graphmem.store.lock import DEFAULT_LOCK_TIMEOUT

__all__ = ["Neo4jSession", "connect", "open_session", "plain_value", "quiet_driver_logs", "short_error", "store_uri"]

T = TypeVar("T")
_SCALARS = (str, int, float, bool, type(None))
_SCALAR_TYPES = frozenset(_SCALARS)


def quiet_driver_logs() -> None:
    """Keep the ``neo4j`` driver's log records off stderr unless the application configures logging.

    Without a handler of its own, Python prints warnings of an unconfigured logger to stderr ("Unable to
    retrieve routing information" before graphmem's ``error:``); a :class:`logging.NullHandler` on the
    ``neo4j`` logger stops that and still lets records reach handlers the application installs.
    """
    driver_log = logging.getLogger("neo4j")
    if not any(isinstance(h, logging.NullHandler) for h in driver_log.handlers):
        driver_log.addHandler(logging.NullHandler())


def connect(
    uri: str,
    *,
    auth: tuple[str, str] | None = None,
    database: str | None = None,
    create: bool = True,
    read_only: bool = False,
    connection_timeout: float = 5.0,
    max_transaction_retry_time: float = 15.0,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
) -> CypherStore:
    """Connect to the Bolt server at ``uri``, check the database and create the schema idempotently.

    Args:
        uri: ``neo4j://``, ``bolt://`` (or ``+s``/``+ssc``) URI of the server; a path names the
            database (``bolt://host:7687/memory``), as the store's ``uri`` prints it.
        auth: ``(user, password)``; ``None`` reads ``NEO4J_USERNAME``/``NEO4J_PASSWORD`` (no auth
            when neither is set).
        database: the database; ``None`` takes the URI's path, else reads ``NEO4J_DATABASE``, else
            the server's default.
        create: create the database when it does not exist (needs a server that can, e.g. Neo4j
            Enterprise) and graphmem's schema in it; when false a missing database, or one that
            holds no graphmem schema, is an error and nothing is written.
        read_only: write nothing while opening: a database of an older graphmem schema is a
            :class:`~graphmem.errors.SchemaUpgradeError` instead of being upgraded (writes later are the
            caller's to refuse, as :class:`~graphmem.memory.Memory` does).
        connection_timeout: seconds to wait for a server that cannot be reached: one connection attempt
            (and its Bolt handshake) gives up after it, and a call whose server refuses connections, does
            not answer a connection attempt or closed the connection is tried again on new connections
            until this long after it started, then raises :class:`~graphmem.errors.ServerAccessError`
            (within about this long; at most twice it when connection attempts time out instead of being
            refused). Once a call has so given up, the calls after it try the server once, until one gets
            through. It does not bound the wait for an answer on an open connection: a server that stops
            answering without closing it (a hung process, a silently cut link) holds the call as long as
            the operating system keeps the connection open.
        max_transaction_retry_time: seconds a statement or transaction is retried on the transient
            faults of a live server (a deadlock, a leader switch, a database starting) before giving up.
        lock_timeout: seconds a thread of this process waits for another's write lock on the store before
            :class:`~graphmem.errors.StoreLockedError` (``Memory.open`` passes ``GRAPHMEM_LOCK_TIMEOUT``).

    Raises:
        ConfigError: the URI is malformed (or its path is not one database name, or another than
            ``database``), or the server refused the credentials (a :class:`ServerLoginError`, also a
            :class:`ServerAccessError`).
        StoreError: the server is down or unreachable (a :class:`ServerAccessError`), the database does not
            exist (and could not be created), the schema cannot be created, or (``create`` false) there is none.
        SchemaVersionError: the database was written by a newer graphmem.
        MissingDependencyError: the ``neo4j`` driver is not installed.

    The driver's own log records (such as "Unable to retrieve routing information" when the server
    is down) are not printed unless the application configures logging: the error raised says it.
    """
    session = open_session(
        uri,
        auth=auth,
        database=database,
        create=create,
        connection_timeout=connection_timeout,
        max_transaction_retry_time=max_transaction_retry_time,
    )
    try:
        return CypherStore.open(
            session,
            dialect_for_agent(session.agent),
            server=session.agent,
            create=create,
            read_only=read_only,
            place=f"bolt:{session.address}",
            database=session.resolved_database,
            lock_timeout=lock_timeout,
        )
    except BaseException:
        session.close()
        raise


def open_session(
    uri: str,
    *,
    auth: tuple[str, str] | None = None,
    database: str | None = None,
    create: bool = True,
    connection_timeout: float = 5.0,
    max_transaction_retry_time: float = 15.0,
) -> Neo4jSession:
    """Connect to the Bolt server at ``uri`` and check the database, without reading or writing graphmem's
    schema (what :func:`connect` does first; the arguments and errors are its own). ``create`` asks the
    server to create a missing database."""
    try:
        import neo4j
    except ImportError as exc:
        raise MissingDependencyError("neo4j", "neo4j", "the Neo4j backend") from exc
    quiet_driver_logs()
    uri, database = database_in_path(uri, database)
    auth, database = neo4j_login(auth, database)
    try:
        driver = neo4j.GraphDatabase.driver(
            uri,
            auth=auth,
            connection_timeout=connection_timeout,
            connection_acquisition_timeout=connection_timeout,  # bounds the Bolt handshake too
            # One attempt: the session retries (Neo4jSession.retrying). The driver's own loop retries a
            # refused connection as long as a deadlock, so a server that is down held each call 15-30 s.
            max_transaction_retry_time=0.0,
        )
    except (ValueError, neo4j.exceptions.ConfigurationError) as exc:
        raise invalid_uri(uri, exc) from exc
    backoff = Backoff(deadline=max_transaction_retry_time, unreachable=connection_timeout)
    session = Neo4jSession(driver, uri, database, user=auth[0] if auth else None, backoff=backoff)
    try:
        try:
            with session.errors("connecting"):
                driver.verify_connectivity()
                info = driver.get_server_info()
        except ValueError as exc:  # the driver's word for an address it cannot resolve or parse
            raise invalid_uri(uri, exc) from exc
        session.agent = str(info.agent)
        session.address = str(info.address)  # resolved: localhost and 127.0.0.1 are one address
        session.resolved_database = session.check_database(create)
        session.opening = False
        return session
    except BaseException:
        driver.close()
        raise


#: The codes of a write the server refuses to this account or database (a reader role, a read-only
#: database): a :class:`~graphmem.errors.ReadOnlyStoreError`.
_WRITE_REFUSED = frozenset(
    {
        "Neo.ClientError.Security.Forbidden",
        "Neo.ClientError.General.ForbiddenOnReadOnlyDatabase",
        "Neo.ClientError.General.ReadOnly",
    }
)


#: What a server answers a write that ran at once with another writer's on the same nodes (a
#: :class:`~graphmem.errors.WriteConflictError`): a uniqueness constraint failing (graphmem only MERGEs
#: keyed nodes, so another transaction created the same one; ArcadeDB checks keys before its
#: concurrent-change check), or a node an index still names gone from the transaction's view
#: (ArcadeDB, when another transaction committed it meanwhile; graphmem never names nodes by internal id).
_CONCURRENT_WRITE = frozenset(
    {"Neo.ClientError.Schema.ConstraintValidationFailed", "Neo.ClientError.Statement.EntityNotFound"}
)


class Neo4jSession:
    """A :class:`~graphmem.store.cypher.session.CypherSession` over the ``neo4j`` driver.

    Reads use ``execute_query`` with the driver's bookmarks, so a write is visible to the next read;
    writes run in one managed transaction. The driver tries each once; the session retries those it calls
    retryable as its :class:`Backoff` says (:meth:`retrying`).

    Attributes:
        uri: the server URI with the database as its path (``<server uri>/<database>``; without a path
            when the server's default database is used), which :func:`connect` reopens.
        server_uri: the Bolt URI as given.
        database: the database name (``None``: the server's default database).
        user: the user name sent, if any (for messages).
        opening: true until :func:`open_session` returns it: errors then never quote a URI holding ``@``
            (:func:`shown_uri`), nor the driver's message about it.
        agent: what the server calls itself (its Bolt agent string); set by :func:`open_session`.
        address: the server's address as the driver resolved it; set by :func:`open_session`.
        resolved_database: the database the server reports using (else ``database``); set by
            :func:`open_session`.
    """

    def __init__(
        self, driver: Any, server_uri: str, database: str | None, *, user: str | None, backoff: Backoff | None = None
    ) -> None:
        """Wrap an open driver (use :func:`connect`); ``backoff`` paces the retries (:meth:`retrying`)."""
        self._driver = driver
        self.backoff = backoff if backoff is not None else Backoff()
        self.server_uri = server_uri
        self.database = database
        self.user = user
        self.uri = store_uri(server_uri, database)
        self._shown_server = shown_uri(server_uri)  # errors name the server so: never a password
        self._shown = store_uri(self._shown_server, database)
        self.opening = True
        self.agent = ""
        self.address = ""
        self.resolved_database = database
        self._scope = threading.local()  # this thread's read session (see ``reading``)
        self._reached = True  # false once a call gave up on a server it could not reach (see ``retrying``)

    def __repr__(self) -> str:
        return f"<Neo4jSession {self.uri}>"

    # -- errors ----------------------------------------------------------------------------------------

    def wrap(self, exc: BaseException, action: str) -> Exception:
        """A driver exception as a named graphmem error (a write the server refuses to this account or
        database: :class:`~graphmem.errors.ReadOnlyStoreError`)."""
        from neo4j import exceptions as nx

        where, detail = self._shown_server, self._detail(exc)
        if isinstance(exc, nx.AuthError):
            who = f"user {self.user!r}" if self.user else "an unauthenticated client"
            return ServerLoginError(f"the Neo4j server at {where} refused the credentials of {who}: {detail}")
        if isinstance(exc, nx.IncompleteCommit):  # before its base class ServiceUnavailable
            return ServerAccessError(
                f"the connection to the Neo4j server at {where} was lost during the commit while {action}: "
                f"whether it was written is unknown; read the store before writing it again: {detail}"
            )
        if isinstance(exc, (nx.ServiceUnavailable, nx.SessionExpired)):
            return ServerAccessError(f"the Neo4j server at {where} is down or unreachable while {action}: {detail}")
        if isinstance(exc, nx.ClientError) and exc.code == "Neo.ClientError.Database.DatabaseNotFound":
            return StoreError(f"no database {self.database!r} on the Neo4j server at {where}")
        if isinstance(exc, nx.Neo4jError) and exc.code in _WRITE_REFUSED:
            who = f"user {self.user!r}" if self.user else "an unauthenticated client"
            return ReadOnlyStoreError(
                f"the Neo4j server at {where} refused a write of {who} while {action} (an account without "
                f"write access, or a read-only database): {detail}"
            )
        if isinstance(exc, nx.Neo4jError) and exc.code in _CONCURRENT_WRITE:
            return WriteConflictError(
                f"another writer wrote the same nodes at once while {action} at {self._shown}: try again"
            )
        if isinstance(exc, nx.Neo4jError):
            return StoreError(f"Neo4j error while {action} at {self._shown}: {exc.code}: {detail}")
        if isinstance(exc, nx.DriverError):
            return StoreError(f"Neo4j driver error while {action} at {self._shown}: {detail}")
        if isinstance(exc, OSError):  # a socket refused or reset outside the driver's own handling
            return ServerAccessError(f"the Neo4j server at {where} cannot be reached while {action}: {detail}")
        return StoreError(f"{action} failed at {self._shown}: {detail}")

    def _detail(self, exc: BaseException) -> str:
        """The driver's message about ``exc`` for an error (while opening: see :func:`opening_detail`)."""
        return opening_detail(self.server_uri, exc) if self.opening else short_error(exc)

    @contextmanager
    def errors(self, action: str) -> Iterator[None]:
        """Turn driver exceptions (and socket errors) raised inside into named graphmem errors."""
        from neo4j.exceptions import DriverError, Neo4jError

        try:
            yield
        except (DriverError, Neo4jError, OSError) as exc:
            raise self.wrap(exc, action) from exc

    def retrying(self, call: Callable[[], T], *, before_retry: Callable[[], None] | None = None) -> T:
        """Run ``call`` (one attempt of a driver call), and again after each fault the driver calls retryable,
        as :attr:`backoff` says: a live server's transient fault until its ``deadline``, a server that cannot
        be reached until its ``unreachable`` time. After a call gave up on a server it could not reach, the
        calls after it try once (a refused connection fails at once) until one gets through, so an
        application calling on meanwhile is not held for the whole time by each call."""
        backoff = self.backoff if self._reached else replace(self.backoff, unreachable=0.0)
        try:
            result = retry_transient(
                call, transient=_transient, unreachable=_unreachable, backoff=backoff, before_retry=before_retry
            )
        except Exception as exc:
            self._reached = not _unreachable(exc)
            raise
        self._reached = True
        return result

    # -- the session protocol --------------------------------------------------------------------------

    def read(
        self,
        cypher: str,
        params: Mapping[str, Any] | None = None,
        *,
        action: str = "reading",
        timeout: float | None = None,
    ) -> list[Row]:
        """Run a read-only statement on a reader; its rows (see ``CypherSession.read``).

        Inside :meth:`reading` (and without a ``timeout``) the statement runs on the scope's session:
        one round trip. Elsewhere it is a managed transaction of its own (two: the commit is one).
        """
        from neo4j import Query, RoutingControl
        from neo4j.exceptions import ClientError

        scope: _ReadScope | None = getattr(self._scope, "current", None)
        if scope is not None and timeout is None:
            with self.errors(action):
                return scope.run(cypher, params or {})

        def attempt() -> list[Any]:
            try:
                records, _, _ = self._driver.execute_query(
                    Query(cypher, timeout=timeout), params or {}, database_=self.database, routing_=RoutingControl.READ
                )
            except ClientError as exc:
                if timeout is not None and ("Timeout" in (exc.code or "") or "TimedOut" in (exc.code or "")):
                    raise QueryLimitError(f"the query ran longer than {timeout:g} s and was stopped") from exc
                raise
            return list(records)

        with self.errors(action):
            records = self.retrying(attempt)
        return [_row(r) for r in records]

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Send this thread's reads inside over one driver session (see ``CypherSession.reading``).

        The session reads in auto-commit mode with the driver's bookmarks (a write made before is
        visible), so each statement is one round trip (``RUN`` and ``PULL`` pipelined) instead of the
        three messages of a managed transaction (``BEGIN``/``RUN``/``PULL``, then ``COMMIT``). Nested
        scopes share the outer one.
        """
        if getattr(self._scope, "current", None) is not None:
            yield
            return
        scope = _ReadScope(self)
        self._scope.current = scope
        try:
            yield
        finally:
            self._scope.current = None
            scope.close()

    def _read_session(self) -> Any:
        """A driver session for reads, sharing the bookmarks of ``execute_query`` (and so of writes)."""
        from neo4j import READ_ACCESS

        return self._driver.session(
            database=self.database,
            default_access_mode=READ_ACCESS,
            bookmark_manager=self._driver.execute_query_bookmark_manager,
        )

    def write(self, work: Callable[[CypherTx], T], *, action: str) -> T:
        """Run ``work`` in one managed write transaction (retried on transient faults, on a new session).

        An error says "nothing was written", except when the connection was lost during the commit (the
        driver's ``IncompleteCommit``): then whether the transaction was committed is unknown, and it says so.
        """
        from neo4j.exceptions import DriverError, IncompleteCommit, Neo4jError

        def attempt() -> T:
            with self._driver.session(
                database=self.database, bookmark_manager=self._driver.execute_query_bookmark_manager
            ) as session:
                result: T = session.execute_write(lambda tx: work(_Tx(tx)))
                return result

        try:
            return self.retrying(attempt)
        except (DriverError, Neo4jError, OSError) as exc:
            done = action if isinstance(exc, IncompleteCommit) else f"{action}; nothing was written"
            raise self.wrap(exc, done) from exc

    def run(self, cypher: str, params: Mapping[str, Any] | None = None, *, action: str) -> list[Row]:
        """Run one statement on the writer (schema DDL, administration); its rows."""
        with self.errors(action):
            records, _, _ = self.retrying(
                lambda: self._driver.execute_query(cypher, params or {}, database_=self.database)
            )
        return [_row(r) for r in records]

    def close(self) -> None:
        """Close the driver. Safe to call twice."""
        self._driver.close()

    # -- connecting ------------------------------------------------------------------------------------

    def check_database(self, create: bool) -> str | None:
        """Raise a named :class:`StoreError` unless the database exists (or could be created); return its
        name as the server reports using it (Neo4j names its default database), else as asked (``None``:
        the server's default, unnamed)."""
        from neo4j.exceptions import ClientError

        try:
            _, summary, _ = self.retrying(lambda: self._driver.execute_query("RETURN 1 AS ok", database_=self.database))
            return str(summary.database) if summary.database else self.database
        except ClientError as exc:
            if exc.code != "Neo.ClientError.Database.DatabaseNotFound":
                raise self.wrap(exc, "checking the database") from exc
            missing = exc
        except Exception as exc:
            raise self.wrap(exc, "checking the database") from exc
        name = self.database
        if not create or name is None:
            raise StoreError(f"no database {name!r} on the Neo4j server at {self._shown_server}") from missing
        try:
            self.retrying(
                lambda: self._driver.execute_query(
                    "CREATE DATABASE $name IF NOT EXISTS WAIT", name=name, database_="system"
                )
            )
        except Exception as exc:
            raise StoreError(
                f"no database {name!r} on the Neo4j server at {self._shown_server}, and it could not be "
                f"created ({self._detail(exc)}); create it first or pass an existing database"
            ) from exc
        return name


def _transient(exc: Exception) -> bool:
    """Whether the driver calls ``exc`` retryable (a lost connection, a deadlock, a leader switch…)."""
    from neo4j.exceptions import DriverError, Neo4jError

    return isinstance(exc, DriverError | Neo4jError) and exc.is_retryable()


def _unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says the server cannot be reached: refused, timed out, the connection lost (the
    driver's ``ServiceUnavailable``; a ``SessionExpired`` is a cluster member gone, retried as transient:
    the next attempt asks the cluster again and says ``ServiceUnavailable`` if none answers). Not an
    ``IncompleteCommit``: the server answered the whole transaction and the connection broke at its commit,
    so the calls after it are retried as usual."""
    from neo4j.exceptions import IncompleteCommit, ServiceUnavailable

    return isinstance(exc, ServiceUnavailable) and not isinstance(exc, IncompleteCommit)


class _ReadScope:
    """The driver session of one :meth:`Neo4jSession.reading` scope, opened on the first read."""

    def __init__(self, owner: Neo4jSession) -> None:
        self._owner = owner
        self._session: Any = None

    def run(self, cypher: str, params: Mapping[str, Any]) -> list[Row]:
        """Run one auto-commit read; again, on a new session, after each failure the driver calls
        retryable (a lost connection, a reader gone, a database restarting), as
        :meth:`Neo4jSession.retrying` says (reads are idempotent)."""
        return self._owner.retrying(lambda: self._run(cypher, params), before_retry=self.close)

    def _run(self, cypher: str, params: Mapping[str, Any]) -> list[Row]:
        if self._session is None:
            self._session = self._owner._read_session()
        return [_row(r) for r in self._session.run(cypher, params)]

    def close(self) -> None:
        """Give the connection back to the pool; a failure to do so loses nothing (the reads are done)."""
        from neo4j.exceptions import DriverError, Neo4jError

        if self._session is not None:
            session, self._session = self._session, None
            with suppress(DriverError, Neo4jError, OSError):
                session.close()


class _Tx:
    """A driver transaction as a :class:`~graphmem.store.cypher.session.CypherTx`."""

    def __init__(self, tx: Any) -> None:
        self._tx = tx

    def run(self, cypher: str, /, **params: Any) -> list[Row]:
        return [_row(r) for r in self._tx.run(cypher, params)]


def _row(record: Any) -> Row:
    return {key: plain_value(value) for key, value in record.items()}


def plain_value(value: Any) -> Any:
    """A driver value as plain Python: temporal values as ``datetime``/``date``/``time``, recursively."""
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, list):
        # one pass in C for the common case (an embedding: hundreds of floats)
        return value if _SCALAR_TYPES.issuperset(map(type, value)) else [plain_value(v) for v in value]
    if isinstance(value, dict):
        return {k: plain_value(v) for k, v in value.items()}
    from neo4j.time import Date, DateTime, Time

    if isinstance(value, DateTime | Date | Time):
        native: datetime | date | time = value.to_native()
        return native
    return value
