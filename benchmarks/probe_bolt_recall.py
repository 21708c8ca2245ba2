"""Where a recall over Bolt spends its time: per statement, server vs driver vs Python.

Prepares (once, into ``--work``) an embedded store of a LoCoMo file and a copy of it on a Bolt server
(an ArcadeDB test server started detached, or ``--uri``), then runs the benchmark's recall questions on
both, the backends taking turns question by question, and records for every statement the Bolt store
sends: its text, the rows and bytes it returned, the wall time of the call, the server's own figures
(``result_available_after`` + ``result_consumed_after`` of the result summary, where the server gives
them) and the time spent turning records into rows. Python time is a recall's wall time minus its
statements' wall time.

    python benchmarks/probe_bolt_recall.py --work /tmp/bolt-work            # prepare and probe
    python benchmarks/probe_bolt_recall.py --work /tmp/bolt-work --stop     # stop the server it started

Two builds back to back on the same prepared work folder (the script of this checkout, the library of
another): ``PYTHONPATH=/path/to/main python benchmarks/probe_bolt_recall.py --work DIR --json main.json``,
then the same with this checkout's path; each report names the ``graphmem`` it imported. CPU times are
this process's (``time.process_time``): the server's own CPU is not in them. ``--copy-max-events 0``
turns off the Bolt store's copy of a namespace (every read goes to the server), where the build has one.
``--bump-every K`` writes an empty batch to the question's namespace on the Bolt server before every K-th
question (untimed): its change counter moves as a writer's would, nothing else changes.

Figures are from one machine at one moment (here: 2 shared cores), so compare within a run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = "/work/shared/data/locomo/locomo_dev.json"


class Wire:
    """Counts bytes and sends on the driver's sockets (a send followed by a read is one round trip)."""

    sent = 0
    received = 0
    sends = 0

    @classmethod
    def install(cls) -> None:
        from neo4j._async_compat.network._bolt_socket import BoltSocketBase as BoltSocket

        recv_into, sendall = BoltSocket.recv_into, BoltSocket.sendall

        def counting_recv(self: Any, buffer: Any, nbytes: int) -> int:
            n: int = recv_into(self, buffer, nbytes)
            cls.received += n
            return n

        def counting_send(self: Any, data: bytes) -> Any:
            cls.sends += 1
            cls.sent += len(data)
            return sendall(self, data)

        BoltSocket.recv_into = counting_recv  # type: ignore[method-assign]
        BoltSocket.sendall = counting_send  # type: ignore[method-assign]


class Statements:
    """What the Bolt session ran during one recall."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    @contextmanager
    def recording(self) -> Iterator[None]:
        self.rows = []
        yield


def instrument(recorder: Statements) -> None:
    """Wrap the Bolt session's reads so every statement records its figures in ``recorder``."""
    from graphmem.store import neo4j as bolt

    last: dict[str, Any] = {}
    plain_read = bolt.Neo4jSession.read

    def scoped_run(self: Any, cypher: str, params: Any) -> list[dict[str, Any]]:
        if self._session is None:
            self._session = self._owner._read_session()
        result = self._session.run(cypher, params)
        records = list(result)
        last["summary"] = result.consume()  # no round trip: the records are all in
        last["fetched"] = time.perf_counter()
        return [bolt._row(r) for r in records]

    def execute_query(driver: Any, *args: Any, **kwargs: Any) -> Any:
        records, summary, keys = type(driver).execute_query(driver, *args, **kwargs)
        last["summary"], last["fetched"] = summary, time.perf_counter()
        return records, summary, keys

    def read(self: Any, cypher: str, params: Any = None, **kwargs: Any) -> list[dict[str, Any]]:
        if not getattr(self._driver, "_probed", False):
            driver = self._driver
            driver.execute_query = lambda *a, **k: execute_query(driver, *a, **k)
            driver._probed = True
        sends, received = Wire.sends, Wire.received
        started = time.perf_counter()
        rows: list[dict[str, Any]] = plain_read(self, cypher, params, **kwargs)
        done = time.perf_counter()
        summary, fetched = last.pop("summary", None), last.pop("fetched", done)
        after = getattr(summary, "result_available_after", None)
        recorder.rows.append(
            {
                "cypher": " ".join(cypher.split())[:90],
                "rows": len(rows),
                "bytes": Wire.received - received,
                "sends": Wire.sends - sends,
                "wall_ms": 1000 * (done - started),
                "driver_ms": 1000 * (fetched - started),
                "convert_ms": 1000 * (done - fetched),
                "server_ms": None if after is None else after + (summary.result_consumed_after or 0),
            }
        )
        return rows

    bolt.Neo4jSession.read = read  # type: ignore[method-assign]
    if hasattr(bolt, "_ReadScope"):
        bolt._ReadScope._run = scoped_run  # type: ignore[method-assign]


def stop_server(work: Path) -> None:
    """Stop the server :func:`bolt_env` started in ``work``."""
    cmd = [sys.executable, str(ROOT / "tests/support/bolt_server.py"), "--stop"]
    subprocess.run([*cmd, "--env-file", str(work / "bolt.env")], check=False, timeout=60)
    (work / "bolt.env").unlink(missing_ok=True)


def bolt_env(work: Path) -> dict[str, str]:
    env_file = work / "bolt.env"
    if not env_file.exists():
        cmd = [sys.executable, str(ROOT / "tests/support/bolt_server.py"), "--port", "0", "--detach"]
        cmd += ["--env-file", str(env_file), "--root", str(work / "srv")]
        subprocess.run(cmd, check=True, timeout=180)
    return dict(
        line[len("export ") :].split("=", 1) for line in env_file.read_text().splitlines() if line.startswith("export ")
    )


def prepare(work: Path, data: str, env: dict[str, str]) -> None:
    from graphmem.embed import default_embedder
    from graphmem.memory import Memory
    from graphmem.store import open_store
    from graphmem.sync import sync_stores

    marker = work / "prepared"
    if marker.exists():
        return
    with Memory.open(work / "embedded", embedder=default_embedder()) as local:
        summary = local.ingest(data)
        assert summary.ok, summary.errors
        target = open_store(env["GRAPHMEM_TEST_BOLT_URI"], **bolt_login(env))
        try:
            for ns in local.namespaces():
                target.delete_namespace(ns)
            sync_stores(local.store, target)
        finally:
            target.close()
    marker.write_text("ok\n")


def bolt_login(env: dict[str, str]) -> dict[str, Any]:
    return {
        "auth": (env["GRAPHMEM_TEST_BOLT_USER"], env["GRAPHMEM_TEST_BOLT_PASSWORD"]),
        "database": env["GRAPHMEM_TEST_BOLT_DATABASE"],
    }


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2) if ordered else 0.0


def probe(
    work: Path,
    data: str,
    env: dict[str, str],
    per_namespace: int,
    out: Path | None,
    copy_max_events: int | None,
    bump_every: int = 0,
) -> dict[str, Any]:
    import graphmem
    from graphmem.bench.backends import _questions
    from graphmem.embed import default_embedder
    from graphmem.memory import Memory
    from graphmem.models import Batch

    Wire.install()
    recorder = Statements()
    instrument(recorder)
    embedder = default_embedder()
    embedder.embed(["warm up"])
    questions = _questions(data, per_namespace, 0)
    per_recall: list[dict[str, Any]] = []
    by_text: dict[str, list[dict[str, Any]]] = defaultdict(list)
    same = 0
    hits: list[list[str]] = []
    with (
        Memory.open(work / "embedded", embedder=embedder) as local,
        Memory.open(env["GRAPHMEM_TEST_BOLT_URI"], embedder=embedder, **bolt_login(env)) as remote,
    ):
        if copy_max_events is not None:
            if not hasattr(remote.store, "copy_max_events"):
                raise SystemExit("this graphmem's Bolt store keeps no copy of a namespace")
            remote.store.copy_max_events = copy_max_events  # type: ignore[attr-defined]
        copy_bound = getattr(remote.store, "copy_max_events", None)
        for ns in local.namespaces():
            local.recall("warm up", namespace=ns)
            remote.recall("warm up", namespace=ns)
        for i, (ns, q) in enumerate(questions):
            if bump_every and i % bump_every == 0:
                remote.store.write(Batch(ns))
            started, cpu = time.perf_counter(), time.process_time()
            mine = local.recall(q, namespace=ns, k=10)
            local_ms = 1000 * (time.perf_counter() - started)
            local_cpu = 1000 * (time.process_time() - cpu)
            with recorder.recording():
                sends = Wire.sends
                started, cpu = time.perf_counter(), time.process_time()
                theirs = remote.recall(q, namespace=ns, k=10)
                remote_ms = 1000 * (time.perf_counter() - started)
                remote_cpu = 1000 * (time.process_time() - cpu)
                sends = Wire.sends - sends
            hits.append([h.event.id for h in theirs])
            same += [h.event.id for h in mine] == [h.event.id for h in theirs]
            stmts = recorder.rows
            for s in stmts:
                by_text[s["cypher"]].append(s)
            per_recall.append(
                {
                    "embedded_ms": local_ms,
                    "bolt_ms": remote_ms,
                    "embedded_cpu_ms": local_cpu,
                    "bolt_cpu_ms": remote_cpu,
                    "statements": len(stmts),
                    "sends": sends,
                    "rows": sum(s["rows"] for s in stmts),
                    "bytes": sum(s["bytes"] for s in stmts),
                    "statement_ms": sum(s["wall_ms"] for s in stmts),
                    "server_ms": sum(s["server_ms"] or 0 for s in stmts),
                    "convert_ms": sum(s["convert_ms"] for s in stmts),
                }
            )
    n = len(per_recall)

    def col(key: str) -> list[float]:
        return [r[key] for r in per_recall]

    def ratio(q: float) -> float:
        return round(pct(col("bolt_ms"), q) / max(pct(col("embedded_ms"), q), 1e-9), 2)

    report: dict[str, Any] = {
        "graphmem": str(Path(graphmem.__file__).parent),
        "copy_max_events": copy_bound,
        "bump_every": bump_every,
        "questions": n,
        "same_hits": same,
        "ratio_p50": ratio(0.5),
        "ratio_p95": ratio(0.95),
        "embedded_ms": {"p50": pct(col("embedded_ms"), 0.5), "p95": pct(col("embedded_ms"), 0.95)},
        "bolt_ms": {"p50": pct(col("bolt_ms"), 0.5), "p95": pct(col("bolt_ms"), 0.95)},
        "embedded_cpu_ms": {"p50": pct(col("embedded_cpu_ms"), 0.5), "p95": pct(col("embedded_cpu_ms"), 0.95)},
        "bolt_cpu_ms": {"p50": pct(col("bolt_cpu_ms"), 0.5), "p95": pct(col("bolt_cpu_ms"), 0.95)},
        "per_recall_mean": {
            k: round(statistics.mean(col(k)), 2)
            for k in ("bolt_ms", "statement_ms", "server_ms", "convert_ms", "statements", "sends", "rows", "bytes")
        },
        "statements": sorted(
            (
                {
                    "cypher": text,
                    "calls_per_recall": round(len(calls) / n, 2),
                    "rows_mean": round(statistics.mean(c["rows"] for c in calls), 1),
                    "bytes_mean": round(statistics.mean(c["bytes"] for c in calls)),
                    "wall_ms_mean": round(statistics.mean(c["wall_ms"] for c in calls), 2),
                    "server_ms_mean": round(statistics.mean(c["server_ms"] or 0 for c in calls), 2),
                    "convert_ms_mean": round(statistics.mean(c["convert_ms"] for c in calls), 3),
                    "ms_per_recall": round(sum(c["wall_ms"] for c in calls) / n, 2),
                }
                for text, calls in by_text.items()
            ),
            key=lambda s: -s["ms_per_recall"],
        ),
    }
    m = report["per_recall_mean"]
    m["python_ms"] = round(m["bolt_ms"] - m["statement_ms"], 2)
    if out is not None:
        out.write_text(json.dumps({"report": report, "recalls": per_recall, "hits": hits}, indent=2) + "\n")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--data", default=DATA)
    parser.add_argument("--questions", type=int, default=20, help="recall questions per conversation")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--stop", action="store_true", help="stop the server started in --work")
    parser.add_argument(
        "--copy-max-events", type=int, default=None, help="the Bolt store's copy bound (0: no copy; default: its own)"
    )
    parser.add_argument("--bump-every", type=int, default=0, help="move the change counter every K questions")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.stop:
        stop_server(args.work)
        return
    env = bolt_env(args.work)
    prepare(args.work, args.data, env)
    report = probe(args.work, args.data, env, args.questions, args.json, args.copy_max_events, args.bump_every)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
