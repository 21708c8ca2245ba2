"""Bad input and faults: wrong credentials, server down or restarting, a missing database.

Every fault is a named graphmem error, a batch is all-or-nothing, and the store works again once the
server is back.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from graphmem.cli.app import main
from graphmem.errors import ConfigError, StoreError
from graphmem.models import Batch, Event, Session
from graphmem.store.cypher import CypherStore
from graphmem.store.cypher import write as cypher_write
from graphmem.store.neo4j import connect
from tests.support.bolt_server import BoltTarget, free_port, start_server

pytestmark = pytest.mark.neo4j


def _batch(ns: str, n: int, *, start: int = 0) -> Batch:
    events = tuple(Event(ns, f"e{i}", "s1", i, "Ann", f"turn number {i}") for i in range(start, start + n))
    return Batch(ns, (Session(ns, "s1", 0),), events)


def test_wrong_credentials_name_the_user(bolt_server: BoltTarget) -> None:
    with pytest.raises(ConfigError, match="refused the credentials of user 'mallory'"):
        connect(bolt_server.uri, auth=("mallory", "wrong"), database=bolt_server.database)


def test_server_down_is_a_store_error_naming_the_uri() -> None:
    uri = f"bolt://127.0.0.1:{free_port()}"
    with pytest.raises(StoreError, match=f"server at {uri} is down or unreachable"):
        connect(uri, auth=("neo4j", "x"), connection_timeout=2.0)


def test_malformed_uri_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not a valid Neo4j URI"):
        connect("bolt://127.0.0.1:notaport", auth=("neo4j", "x"))


@pytest.mark.parametrize(
    "uri",
    [
        "bolt://ann:s3cret-pw@127.0.0.1:7687",
        "bolt://ann:s3cret#pw@127.0.0.1:7687",  # a '#', '/' or '?' in the password ends urlsplit's host part
        "bolt://ann:s3cret/pw@127.0.0.1:7687",
        "neo4j://ann:s3cret?pw@127.0.0.1:7687/db",
        "bolt://ann:s3cret/p/w@127.0.0.1:7687",
    ],
)
def test_credentials_in_the_uri_are_refused_without_printing_them(uri: str) -> None:
    with pytest.raises(ConfigError, match="NEO4J_USERNAME") as failed:
        connect(uri, connection_timeout=2.0)
    assert "s3cret" not in str(failed.value) and "pw" not in str(failed.value)


@pytest.mark.parametrize(
    "uri",
    [
        "bolt://ann:1234@127.0.0.1:7687",  # a digits-only password: its authority is not a host and port
        "bolt://ann:12/34@127.0.0.1:7687",  # '@' in the path (a database name never holds one)
        "neo4j://ann:12?34@127.0.0.1:7687",  # '@' in a query that is no routing context (key=value)
        "bolt://ann:12#34@127.0.0.1:7687",  # '@' in the fragment
        "bolt://ann:12?k=34@127.0.0.1:7687",  # key=value, but bolt:// takes no routing context (the driver
        "bolt+s://ann:12?k=34@127.0.0.1:7687",  # refuses any query there), so the '@' is a password's
    ],
)
def test_credentials_looking_like_host_and_port_are_refused_too(uri: str) -> None:
    with pytest.raises(ConfigError, match="NEO4J_USERNAME") as failed:
        connect(uri, connection_timeout=2.0)
    assert "34" not in str(failed.value)


def test_an_at_sign_in_the_routing_context_is_not_credentials() -> None:
    from graphmem.store.bolt_uri import database_in_path as _database_in_path

    assert _database_in_path("neo4j://h:7687?policy=a@b", None) == ("neo4j://h:7687?policy=a@b", None)
    assert _database_in_path("neo4j://h:7687/gm2?policy=a@b&region=eu", None) == (
        "neo4j://h:7687?policy=a@b&region=eu",
        "gm2",
    )
    where = f"neo4j://127.0.0.1:{free_port()}"
    with pytest.raises(StoreError, match="down or unreachable") as failed:  # reaches the driver: none listens
        connect(f"{where}?policy=a@b", auth=("neo4j", "x"), connection_timeout=2.0)
    # shown as what follows the last '@' (such a URI cannot be told from one holding a password)
    assert "a@b" not in str(failed.value) and "policy" not in str(failed.value)


@pytest.mark.parametrize(
    "uri",
    [
        # a password with '?' reads as host:port and a routing context: it cannot be told from a server's
        # URI, so it reaches the driver; no error may quote it
        "neo4j://ann:2024?x=Y7@127.0.0.1:{port}",
        "neo4j://ann:2024?x=Y7&x=Y7@127.0.0.1:{port}",  # the driver's own error quotes the query
        "neo4j://127.0.0.1:{port}/a/b?x=Y7@h",  # graphmem's error about the path quotes the URI
        "neo4j://127.0.0.1:{port}?x=Y7@h",  # the server is down
    ],
)
def test_errors_opening_a_uri_holding_an_at_sign_never_quote_it(uri: str) -> None:
    with pytest.raises((ConfigError, StoreError)) as failed:
        connect(uri.format(port=free_port()), auth=("neo4j", "x"), connection_timeout=2.0)
    shown = str(failed.value)
    assert "Y7" not in shown and "x=" not in shown
    assert "ann" not in shown and "2024" not in shown  # nothing before the '@' (user, a password's start)


def test_a_malformed_ipv6_uri_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not a valid Neo4j URI 'bolt://\\[::1:7687'"):
        connect("bolt://[::1:7687", auth=("neo4j", "x"))


@pytest.mark.parametrize(
    ("server", "database", "printed"),
    [
        ("bolt://h:7687", None, "bolt://h:7687"),  # the server's default database: no path (not /default)
        ("bolt://h:7687", "gm2", "bolt://h:7687/gm2"),
        ("neo4j://h:7687?policy=eu", "gm2", "neo4j://h:7687/gm2?policy=eu"),  # the path before the query
        ("bolt://h:7687", "my-db", "bolt://h:7687/my-db"),
    ],
)
def test_a_store_s_printed_uri_reads_back_to_the_same_database(server: str, database: str | None, printed: str) -> None:
    from graphmem.store.bolt_uri import database_in_path as _database_in_path
    from graphmem.store.bolt_uri import store_uri

    assert store_uri(server, database) == printed
    assert _database_in_path(printed, None) == (server, database)
    assert _database_in_path("bolt://h:7687/my%2Ddb", None) == ("bolt://h:7687", "my-db")  # percent-decoded


def test_missing_database_is_named(bolt_server: BoltTarget) -> None:
    with pytest.raises(StoreError, match="no database 'graphmem_missing_db'"):
        connect(bolt_server.uri, auth=bolt_server.auth, database="graphmem_missing_db", create=False)


def test_missing_database_with_create_is_created_or_named(bolt_server: BoltTarget) -> None:
    # Neo4j Enterprise creates it; servers that cannot (Community, ArcadeDB) give a named error.
    try:
        store = connect(bolt_server.uri, auth=bolt_server.auth, database="graphmemcreated", create=True)
    except StoreError as exc:
        assert "no database 'graphmemcreated'" in str(exc) and "could not be created" in str(exc)
    else:
        assert store.namespaces() == []
        store.close()


def test_env_credentials_are_read_at_open(bolt_server: BoltTarget, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO4J_USERNAME", bolt_server.user)
    monkeypatch.setenv("NEO4J_PASSWORD", bolt_server.password)
    monkeypatch.setenv("NEO4J_DATABASE", bolt_server.database)
    store = connect(bolt_server.uri)
    assert store.uri.endswith("/" + bolt_server.database) and store.namespaces() is not None
    store.close()
    monkeypatch.setenv("NEO4J_PASSWORD", "not-the-password")
    with pytest.raises(ConfigError, match="credentials"):
        connect(bolt_server.uri)


def test_error_inside_a_batch_rolls_all_of_it_back(neo4j_store: CypherStore, monkeypatch: pytest.MonkeyPatch) -> None:
    ns = "faults-rollback"
    neo4j_store.write(_batch(ns, 3))
    real = cypher_write.relink_sessions_events

    def explode(tx: Any, ns: str, sids: Any) -> None:
        real(tx, ns, sids)  # the events and their edges are written by now
        raise StoreError("injected failure after the writes")

    monkeypatch.setattr(cypher_write, "relink_sessions_events", explode)
    with pytest.raises(StoreError, match="injected"):
        neo4j_store.write(_batch(ns, 5, start=3))
    monkeypatch.undo()
    assert [e.id for e in neo4j_store.iter_events(ns)] == ["e0", "e1", "e2"]
    assert neo4j_store.stats(ns).events == 3


def test_transient_fault_mid_batch_is_retried_once_applied(
    neo4j_store: CypherStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from neo4j.exceptions import SessionExpired

    ns = "faults-retry"
    calls = []
    real = cypher_write.write_batch

    def flaky(tx: Any, batch: Batch) -> None:
        calls.append(1)
        real(tx, batch)
        if len(calls) == 1:  # the connection drops after the statements ran, before commit
            raise SessionExpired("connection lost mid-batch")

    monkeypatch.setattr(cypher_write, "write_batch", flaky)
    neo4j_store.write(_batch(ns, 4))
    assert len(calls) == 2
    assert [e.id for e in neo4j_store.iter_events(ns)] == ["e0", "e1", "e2", "e3"]
    from graphmem.models import EdgeType
    from graphmem.store.base import Direction

    nxt = neo4j_store.neighbors(ns, "e0", edge_types=[EdgeType.NEXT], direction=Direction.OUT)
    assert [n.node_id for n in nxt] == ["e1"]


def test_cli_reports_a_down_server_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    uri = f"bolt://127.0.0.1:{free_port()}"
    assert main(["stats", "--db", uri]) == 1
    err = capsys.readouterr().err
    assert "error:" in err and "down or unreachable" in err


def test_cli_prints_only_graphmem_error_not_driver_logs(tmp_path: Path) -> None:
    # a fresh process: pytest's own log handlers would hide what Python prints for an unconfigured logger
    uri = f"neo4j://127.0.0.1:{free_port()}"
    proc = subprocess.run(
        [sys.executable, "-m", "graphmem", "stats", "--db", uri],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: the Neo4j server at"), proc.stderr
    assert proc.stderr.count("Unable to retrieve routing information") == 1  # only inside graphmem's message


@pytest.mark.slow
def test_server_stopping_and_coming_back(tmp_path: Path, bolt_server: BoltTarget) -> None:
    if not bolt_server.arcadedb or bolt_server.http_port is None:
        pytest.skip("needs a server this test can stop and restart (the ArcadeDB test server)")
    port, http_port = free_port(), free_port()
    server = start_server(port=port, http_port=http_port, root=tmp_path / "srv")
    try:
        store = connect(
            server.target.uri, auth=server.target.auth, database=server.target.database, max_transaction_retry_time=2.0
        )
        ns = "faults-restart"
        store.write(_batch(ns, 2))
        server.stop()
        with pytest.raises(StoreError, match="down or unreachable"):
            store.write(_batch(ns, 3, start=2))
        with pytest.raises(StoreError, match="down or unreachable"):
            store.stats(ns)
        server = start_server(port=port, http_port=http_port, root=tmp_path / "srv")
        assert [e.id for e in store.iter_events(ns)] == ["e0", "e1"]  # nothing half-written
        store.write(_batch(ns, 3, start=2))  # the same store object works again
        assert store.stats(ns).events == 5
        store.close()
    finally:
        server.stop()


def test_cli_reading_commands_never_create_a_missing_database(
    bolt_server: BoltTarget, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Only ingest, add, mcp and a sync target create a store (docs/cli.md); a mistyped NEO4J_DATABASE
    # given to a reading command is named, never created (Neo4j Enterprise would create it).
    monkeypatch.setenv("NEO4J_USERNAME", bolt_server.user)
    monkeypatch.setenv("NEO4J_PASSWORD", bolt_server.password)
    monkeypatch.setenv("NEO4J_DATABASE", "graphmemmistyped")
    for command in (["stats"], ["namespaces"], ["recall", "hello", "-n", "x"], ["export", "--format", "json"]):
        assert main([*command, "--db", bolt_server.uri]) == 1, command
        err = capsys.readouterr().err
        assert "no database 'graphmemmistyped'" in err and "could not be created" not in err, (command, err)


def test_a_uri_path_names_the_database(bolt_server: BoltTarget, monkeypatch: pytest.MonkeyPatch) -> None:
    # The store prints itself as <server>/<database>; that text opens the same database again, whatever
    # NEO4J_DATABASE says (the driver ignored the path: the data went to another database).
    monkeypatch.setenv("NEO4J_DATABASE", "graphmem_not_this_one")
    named = connect(f"{bolt_server.uri}/{bolt_server.database}", auth=bolt_server.auth)
    try:
        assert named.uri == f"{bolt_server.uri}/{bolt_server.database}"
        assert named.namespaces() is not None
    finally:
        named.close()
    with pytest.raises(ConfigError, match="names the database 'a/b'"):
        connect(f"{bolt_server.uri}/a/b", auth=bolt_server.auth)
    with pytest.raises(ConfigError, match=r"names the database 'x'.*database='y'"):
        connect(f"{bolt_server.uri}/x", auth=bolt_server.auth, database="y")


def test_reading_commands_leave_a_database_without_graphmem_untouched(
    bolt_server: BoltTarget, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # An application's own database is no graphmem store: `graphmem stats` pointed at it created
    # graphmem's constraints and schema node there (the embedded store refuses a directory without one).
    from neo4j import GraphDatabase

    from tests.support.bolt_server import wipe_database

    wipe_database(bolt_server)
    monkeypatch.setenv("NEO4J_USERNAME", bolt_server.user)
    monkeypatch.setenv("NEO4J_PASSWORD", bolt_server.password)
    monkeypatch.setenv("NEO4J_DATABASE", bolt_server.database)
    assert main(["stats", "--db", bolt_server.uri]) == 1
    assert "holds no graphmem store" in capsys.readouterr().err
    with GraphDatabase.driver(bolt_server.uri, auth=bolt_server.auth) as driver:
        records, _, _ = driver.execute_query("MATCH (n) RETURN count(n) AS n", database_=bolt_server.database)
    assert records[0]["n"] == 0
    connect(bolt_server.uri, auth=bolt_server.auth, database=bolt_server.database).close()  # a writer creates it
    assert main(["stats", "--db", bolt_server.uri]) == 0


def test_a_read_only_memory_leaves_a_database_without_graphmem_untouched(bolt_server: BoltTarget) -> None:
    # Memory.open(uri, read_only=True) wrote graphmem's schema node into an application's database
    from neo4j import GraphDatabase

    from graphmem import Memory
    from tests.support.bolt_server import wipe_database

    wipe_database(bolt_server)
    with pytest.raises(StoreError, match="holds no graphmem store"):
        Memory.open(bolt_server.uri, read_only=True, auth=bolt_server.auth, database=bolt_server.database)
    with GraphDatabase.driver(bolt_server.uri, auth=bolt_server.auth) as driver:
        records, _, _ = driver.execute_query("MATCH (n) RETURN count(n) AS n", database_=bolt_server.database)
    assert records[0]["n"] == 0


def test_a_read_only_open_of_an_older_schema_upgrades_nothing(
    bolt_server: BoltTarget, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Memory.open(uri, read_only=True) migrated an older database (the embedded store refuses); a reading
    # command of a user who may write still upgrades it, as on a store directory
    from neo4j import GraphDatabase

    from graphmem import Memory
    from graphmem.errors import SchemaUpgradeError
    from graphmem.store.cypher.schema import SCHEMA_VERSION
    from tests.support.bolt_server import wipe_database

    wipe_database(bolt_server)
    connect(bolt_server.uri, auth=bolt_server.auth, database=bolt_server.database).close()

    def version(set_to: int | None = None) -> int:
        with GraphDatabase.driver(bolt_server.uri, auth=bolt_server.auth) as driver:
            if set_to is not None:
                driver.execute_query(
                    "MATCH (m:GraphmemSchema) SET m.version = $v", v=set_to, database_=bolt_server.database
                )
            rows, _, _ = driver.execute_query(
                "MATCH (m:GraphmemSchema) RETURN m.version AS v", database_=bolt_server.database
            )
        return int(rows[0]["v"])

    version(SCHEMA_VERSION - 1)
    with pytest.raises(SchemaUpgradeError, match="open it once for writing"):
        Memory.open(bolt_server.uri, read_only=True, auth=bolt_server.auth, database=bolt_server.database)
    assert version() == SCHEMA_VERSION - 1
    monkeypatch.setenv("NEO4J_USERNAME", bolt_server.user)
    monkeypatch.setenv("NEO4J_PASSWORD", bolt_server.password)
    monkeypatch.setenv("NEO4J_DATABASE", bolt_server.database)
    capsys.readouterr()
    assert main(["stats", "--db", bolt_server.uri]) == 0
    assert version() == SCHEMA_VERSION
    # said once, as for a store directory
    note = f"from schema {SCHEMA_VERSION - 1} to {SCHEMA_VERSION}; older graphmem versions can no longer open it"
    err = capsys.readouterr().err
    assert err.count(f"note: upgraded {bolt_server.uri}/{bolt_server.database} {note}") == 1, err


@pytest.mark.parametrize(
    "code",
    [
        "Neo.ClientError.Security.Forbidden",  # an account with a reader role
        "Neo.ClientError.General.ForbiddenOnReadOnlyDatabase",
        "Neo.ClientError.General.ReadOnly",
    ],
)
def test_a_write_the_server_refuses_is_a_read_only_store_error(code: str) -> None:
    from neo4j.exceptions import Neo4jError

    from graphmem.errors import ReadOnlyStoreError
    from graphmem.store.neo4j import Neo4jSession

    session = Neo4jSession(None, "bolt://127.0.0.1:7687", "memory", user="reader")
    error = session.wrap(Neo4jError._hydrate_neo4j(code=code, message="no writes for you"), "recording the store id")
    assert isinstance(error, ReadOnlyStoreError)
    assert "user 'reader'" in str(error) and "recording the store id" in str(error) and "no writes" in str(error)
