"""``graphmem bench backends``: the embedded store and a Bolt server side by side, in one run.

On a LoCoMo file (default: the dev split) the benchmark measures, for each backend:

1. **ingest**: ``Memory.ingest`` end to end (read, extract, resolve, embed, write) in turns/s, and the
   store's write speed alone (the embedded store copied into the backend with
   :func:`graphmem.sync.sync_stores`) in turns/s;
2. **recall**: ``Memory.recall`` latency p50/p95 over a sample of the file's questions, and the ratio
   Bolt ÷ embedded of each: the two backends answer each question in turn, so a change of machine load
   during the run weighs on both alike;
3. **DSL**: latency p50/p95 of a set of query templates per conversation; on the Bolt server through
   :func:`graphmem.query.pushdown.run_plan` (pushed down to Cypher where the plan compiles).

The Bolt server is ``--uri`` (credentials from ``NEO4J_USERNAME``/``NEO4J_PASSWORD``/``NEO4J_DATABASE``)
or, with ``--start-arcadedb``, the ArcadeDB test server of ``tests/support/bolt_server.py``.
"""

from __future__ import annotations

import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from graphmem.errors import ConfigError
from graphmem.memory import Memory
from graphmem.query.plan import Plan
from graphmem.query.result import Result
from graphmem.store import GraphStore, RunsCypher, open_store
from graphmem.store.cypher import CypherStore
from graphmem.store.cypher.schema import NODE_LABELS

__all__ = ["DSL_TEMPLATES", "command", "recall_ratio", "run_backends"]

DEFAULT_DATA = "/work/shared/data/locomo/locomo_dev.json"

#: DSL queries run per conversation; ``$speaker`` is a speaker of that conversation.
DSL_TEMPLATES: tuple[str, ...] = (
    "FIND (p:Person {name: $speaker})<-[:SPOKEN_BY]-(e:Event) RETURN e.time, e.text ORDER BY e.time LIMIT 20",
    'FIND (e:Event) WHERE e.speaker = $speaker AND e.text CONTAINS "love" RETURN e.id, e.text LIMIT 20',
    "FIND (p:Person)<-[:MENTIONS]-(e:Event) RETURN p.name, count(*) AS n ORDER BY n DESC LIMIT 10",
    "FIND (e:Event)-[:MENTIONS]->(x:Entity) WHERE e.speaker = $speaker RETURN x.name, count(*) AS n "
    "ORDER BY n DESC LIMIT 10",
    "FIND (s:Session)<-[:IN_SESSION]-(e:Event) RETURN s.id, count(*) AS turns ORDER BY turns DESC LIMIT 5",
    'FIND (e:Event {source: "D1:3"})-[:NEXT*1..3]->(n:Event) RETURN n.source, n.text',
    "TIMELINE (p:Person {name: $speaker}) LIMIT 20",
)


def _percentiles(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p95": 0.0, "n": 0}
    ordered = sorted(values)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {"p50": pick(0.50), "p95": pick(0.95), "n": len(ordered)}


def _timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return 1000 * (time.perf_counter() - started)


def _questions(data: str, per_namespace: int, seed: int) -> list[tuple[str, str]]:
    from graphmem.bench.locomo import load_questions

    questions, _ = load_questions(data)
    rng = random.Random(seed)
    by_ns: dict[str, list[str]] = {}
    for q in questions:
        by_ns.setdefault(q.namespace, []).append(q.text)
    picked = []
    for ns, texts in sorted(by_ns.items()):
        picked += [(ns, t) for t in rng.sample(texts, min(per_namespace, len(texts)))]
    return picked


def _speakers(mem: Memory, ns: str) -> list[str]:
    seen: dict[str, int] = {}
    for ev in mem.store.iter_events(ns):
        if ev.speaker:
            seen[ev.speaker] = seen.get(ev.speaker, 0) + 1
    return sorted(seen, key=lambda s: -seen[s])[:2]


def _dsl_latencies(mem: Memory, namespaces: Sequence[str], repeats: int) -> tuple[list[float], dict[str, int]]:
    from graphmem.query.executor import execute
    from graphmem.query.pushdown import run_plan

    store = mem.store
    times: list[float] = []
    how = {"pushed down": 0, "client": 0}
    for ns in namespaces:
        for speaker in _speakers(mem, ns):
            for template in DSL_TEMPLATES:
                params = {"speaker": speaker, "namespace": ns} if "$speaker" in template else {"namespace": ns}
                plan = mem.explain(template, **params)

                def run(plan: Plan = plan, ns: str = ns) -> Result:
                    if isinstance(store, RunsCypher):
                        return run_plan(store, plan, namespace=ns)
                    return execute(plan, store, namespace=ns)

                result = run()
                pushed = any("pushed down" in n for n in result.notes)
                how["pushed down" if pushed else "client"] += 1
                times += [_timed(run) for _ in range(repeats)]
    return times, how


def _ingest(mem: Memory, data: str) -> dict[str, Any]:
    summary = mem.ingest(data)
    if not summary.ok:
        raise click.ClickException(f"ingesting {data} into {mem.store.uri} failed: {summary.errors}")
    for ns in mem.namespaces():
        mem.recall("warm up", namespace=ns)
    return {
        "turns": summary.turns,
        "seconds": round(summary.seconds, 2),
        "turns_per_s": round(summary.turns_per_s, 1),
    }


def _recall_latencies(memories: Sequence[Memory], questions: list[tuple[str, str]]) -> list[list[float]]:
    """Recall latency of every question on each memory, the memories taking turns question by question, so
    a change of machine load during the run weighs on them alike."""
    times: list[list[float]] = [[] for _ in memories]
    for ns, q in questions:
        for mem, out in zip(memories, times, strict=True):
            started = time.perf_counter()
            mem.recall(q, namespace=ns, k=10)
            out.append(1000 * (time.perf_counter() - started))
    return times


def _measure(mem: Memory, ingest: dict[str, Any], recall_ms: list[float], repeats: int) -> dict[str, Any]:
    dsl_ms, how = _dsl_latencies(mem, mem.namespaces(), repeats)
    return {
        "store": mem.store.uri,
        "ingest": ingest,
        "recall_ms": _percentiles(recall_ms),
        "dsl_ms": _percentiles(dsl_ms),
        "dsl_runs": how,
        "stats": mem.stats().as_dict(),
    }


def _write_speed(source: Memory, target_open: Callable[[], Any]) -> dict[str, Any]:
    from graphmem.sync import sync_stores

    target = target_open()
    try:
        ours = _written_by_graphmem(target)
        for ns in source.namespaces():
            if ns in ours:
                target.delete_namespace(ns)
        started = time.perf_counter()
        summary = sync_stores(source.store, target)
        seconds = time.perf_counter() - started
    finally:
        target.close()
    return {"events": summary.events, "seconds": round(seconds, 2), "turns_per_s": round(summary.events / seconds, 1)}


def _start_arcadedb(workdir: Path) -> tuple[str, dict[str, str]]:
    script = Path(__file__).resolve().parents[2] / "tests" / "support" / "bolt_server.py"
    if not script.exists():
        raise click.ClickException("--start-arcadedb needs a source checkout (tests/support/bolt_server.py)")
    env_file = workdir / "bolt.env"
    cmd = [
        sys.executable,
        str(script),
        "--port",
        "0",
        "--detach",
        "--env-file",
        str(env_file),
        "--root",
        str(workdir / "srv"),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=180)
    if done.returncode != 0:
        raise click.ClickException(f"could not start the ArcadeDB server: {done.stderr.strip()}")
    values = dict(
        line[len("export ") :].split("=", 1) for line in env_file.read_text().splitlines() if line.startswith("export ")
    )
    return str(env_file), values


def run_backends(
    data: str,
    uri: str,
    *,
    auth: tuple[str, str] | None = None,
    database: str | None = None,
    questions_per_namespace: int = 20,
    repeats: int = 3,
    seed: int = 0,
    wipe: bool = False,
) -> dict[str, Any]:
    """Measure the embedded store and the Bolt server at ``uri`` on ``data``; the figures as a dict.

    The run writes graphmem data into the target database and deletes every namespace it holds, so a
    database that is not empty (graphmem's namespaces, or any node graphmem did not write) is refused
    unless ``wipe`` is true. The run deletes only namespaces graphmem wrote (their change counters say so),
    and in them only nodes of graphmem's labels: an application's nodes stay, ``wipe`` or not.

    Raises:
        ConfigError: the target database is not empty and ``wipe`` is false (the message names its URL,
            which never holds credentials).
    """
    from graphmem.embed import default_embedder
    from graphmem.extract.nlp import load_nlp

    _refuse_a_used_database(uri, auth, database, wipe)
    questions = _questions(data, questions_per_namespace, seed)
    embedder, nlp = default_embedder(), load_nlp()
    embedder.embed(["warm up"])
    result: dict[str, Any] = {
        "data": data,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "questions": len(questions),
        "dsl_templates": len(DSL_TEMPLATES),
    }
    with (
        tempfile.TemporaryDirectory(prefix="graphmem-bench-backends-") as tmp,
        Memory.open(Path(tmp) / "embedded", embedder=embedder, nlp=nlp) as local,
    ):
        local_ingest = _ingest(local, data)

        def open_target() -> GraphStore:
            return open_store(uri, auth=auth, database=database)

        write_speed = _write_speed(local, open_target)
        with Memory.open(uri, embedder=embedder, nlp=nlp, auth=auth, database=database) as remote:
            _forget_graphmem_namespaces(remote)  # what the write-only run copied, and with --wipe what was there
            remote_ingest = _ingest(remote, data)
            local_ms, remote_ms = _recall_latencies([local, remote], questions)
            result["embedded"] = _measure(local, local_ingest, local_ms, repeats)
            bolt = _measure(remote, remote_ingest, remote_ms, repeats)
            bolt["server"] = remote.store.server if isinstance(remote.store, CypherStore) else ""
            bolt["write_only"] = write_speed
            result["bolt"] = bolt
    result["recall_ratio"] = recall_ratio(result["embedded"]["recall_ms"], result["bolt"]["recall_ms"])
    return result


#: graphmem's bookkeeping nodes: a database holding only these holds no data.
_BOOKKEEPING = ("GraphmemNamespace", "GraphmemSchema")
#: The namespaces graphmem wrote: every write of graphmem makes (and bumps) the namespace's change counter
#: node, so a node of graphmem's labels in a namespace without one was written by another program.
_COUNTED_NAMESPACES = "MATCH (c:GraphmemNamespace) RETURN c.namespace AS namespace"


def _written_by_graphmem(store: GraphStore) -> set[str]:
    """The namespaces of the target that graphmem wrote (:data:`_COUNTED_NAMESPACES`): the only ones the
    run deletes."""
    if not isinstance(store, RunsCypher):
        raise ConfigError(f"bench backends measures a Bolt server, not {store.uri}")
    return {str(row[0]) for row in store.run_cypher(_COUNTED_NAMESPACES) if row[0] is not None}


def _forget_graphmem_namespaces(mem: Memory) -> None:
    """Forget every namespace of the target graphmem wrote: the nodes of graphmem's labels in it (and
    their relationships); nodes of other labels, or in namespaces graphmem did not write, stay."""
    ours = _written_by_graphmem(mem.store)
    for ns in mem.namespaces():
        if ns in ours:
            mem.forget(ns)


def _contents_query() -> str:
    """Nodes of the database but graphmem's bookkeeping, counted per graphmem namespace (``null``: a node
    graphmem did not write: another label, or no namespace). Labels come from the schema's allow-list."""
    data = " OR ".join(f"n:{label}" for label in sorted(NODE_LABELS - set(_BOOKKEEPING)))
    skip = " AND ".join(f"NOT n:{label}" for label in _BOOKKEEPING)
    return (
        f"MATCH (n) WHERE {skip} "
        f"RETURN CASE WHEN ({data}) AND n.namespace IS NOT NULL THEN n.namespace END AS namespace, count(*) AS nodes"
    )


def _refuse_a_used_database(uri: str, auth: tuple[str, str] | None, database: str | None, wipe: bool) -> None:
    """Refuse a target database that is not empty unless ``wipe``: reads only, and writes nothing (no
    schema) before refusing; a missing database is created, as the run would."""
    if wipe:
        return
    from graphmem.store.neo4j import open_session

    session = open_session(uri, auth=auth, database=database)
    try:
        action = "checking that the target database is empty"
        rows = session.read(_contents_query(), action=action)
        ours = {r["namespace"] for r in session.read(_COUNTED_NAMESPACES, action=action)}
        where = session.uri
    finally:
        session.close()
    held = sorted(str(r["namespace"]) for r in rows if r["namespace"] is not None and r["namespace"] in ours)
    foreign = sum(int(r["nodes"]) for r in rows if r["namespace"] is None or r["namespace"] not in ours)
    if not held and not foreign:
        return
    what = []
    if held:
        names = ", ".join(held[:5]) + (", …" if len(held) > 5 else "")
        what.append(f"{len(held)} namespace{'s' if len(held) != 1 else ''} ({names}), which the run deletes")
    if foreign:
        what.append(f"{foreign} node{'s' if foreign != 1 else ''} graphmem did not write")
    raise ConfigError(
        f"the database at {where} is not empty: it holds {' and '.join(what)}; point bench backends at an "
        "empty database, or pass --wipe (which deletes graphmem's namespaces there, never other nodes)"
    )


def recall_ratio(embedded: dict[str, float], bolt: dict[str, float]) -> dict[str, float]:
    """Bolt recall latency over embedded, per percentile, from one run (``0.0`` where embedded took no time)."""
    return {q: round(bolt[q] / embedded[q], 2) if embedded[q] > 0 else 0.0 for q in ("p50", "p95")}


def _print(result: dict[str, Any]) -> None:
    from graphmem.cli.common import print_table, rate_text

    rows = []
    for name in ("embedded", "bolt"):
        r = result[name]
        written = r.get("write_only")
        rows.append(
            [
                name,
                rate_text(r["ingest"]["turns"], r["ingest"]["seconds"]),
                rate_text(written["events"], written["seconds"]) if written else "",
                r["recall_ms"]["p50"],
                r["recall_ms"]["p95"],
                r["dsl_ms"]["p50"],
                r["dsl_ms"]["p95"],
            ]
        )
    print_table(
        f"backends on {result['data']} ({result['questions']} recall questions, "
        f"{result['dsl_templates']} DSL templates per speaker; bolt = {result['bolt'].get('server', '')})",
        [
            "backend",
            "ingest turns/s",
            "write-only turns/s",
            "recall p50 ms",
            "recall p95 ms",
            "DSL p50 ms",
            "DSL p95 ms",
        ],
        rows,
    )
    ratio = result.get("recall_ratio")
    if ratio:
        click.echo(f"recall, Bolt ÷ embedded in this run: p50 {ratio['p50']}×, p95 {ratio['p95']}×")


@click.command("backends")
@click.argument("data", type=click.Path(exists=True), default=DEFAULT_DATA)
@click.option("--uri", default=None, help="The Bolt server (default: $NEO4J_URI).")
@click.option("--start-arcadedb", is_flag=True, help="Start the ArcadeDB test server for the run.")
@click.option(
    "--questions", type=click.IntRange(min=1), default=20, show_default=True, help="Recall questions per conversation."
)
@click.option("--repeats", type=click.IntRange(min=1), default=3, show_default=True, help="Runs of each DSL query.")
@click.option(
    "--wipe",
    is_flag=True,
    help="Run on a database that is not empty, deleting graphmem's namespaces there first (never other nodes).",
)
@click.option("--json", "json_out", type=click.Path(dir_okay=False), default=None, help="Also write the figures here.")
def command(
    data: str, uri: str | None, start_arcadedb: bool, questions: int, repeats: int, wipe: bool, json_out: str | None
) -> None:
    """Ingest turns/s and recall/DSL p50/p95 on a Bolt server beside the embedded store, on LoCoMo."""
    env_file = None
    auth = None
    database = None
    with tempfile.TemporaryDirectory(prefix="graphmem-bolt-") as work:
        if start_arcadedb:
            env_file, values = _start_arcadedb(Path(work))
            uri = values["GRAPHMEM_TEST_BOLT_URI"]
            auth = (values["GRAPHMEM_TEST_BOLT_USER"], values["GRAPHMEM_TEST_BOLT_PASSWORD"])
            database = values["GRAPHMEM_TEST_BOLT_DATABASE"]
        if not uri:
            from graphmem.settings import Settings

            uri = Settings.from_env().neo4j_uri
        if not uri:
            raise click.UsageError("give --uri (or set NEO4J_URI), or --start-arcadedb")
        try:
            result = run_backends(
                data,
                uri,
                auth=auth,
                database=database,
                questions_per_namespace=questions,
                repeats=repeats,
                wipe=wipe,
            )
        finally:
            if env_file is not None:
                script = Path(__file__).resolve().parents[2] / "tests" / "support" / "bolt_server.py"
                subprocess.run([sys.executable, str(script), "--stop", "--env-file", env_file], check=False, timeout=60)
    _print(result)
    if json_out:
        Path(json_out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
