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


def _questions(data: str, per_namespace: int, seed: int) -> tuple[list[tuple[str, str]], set[str]]:
    """A sample of the file's questions, as ``(namespace, text)``, and the namespaces its turns go to."""
    from graphmem.bench.locomo import load_questions

    questions, turns = load_questions(data)
    rng = random.Random(seed)
    by_ns: dict[str, list[str]] = {}
    for q in questions:
        by_ns.setdefault(q.namespace, []).append(q.text)
    picked = []
    for ns, texts in sorted(by_ns.items()):
        picked += [(ns, t) for t in rng.sample(texts, min(per_namespace, len(texts)))]
    return picked, set(turns)


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


def _write_speed(source: Memory, target_open: Callable[[], Any], ours: set[str]) -> dict[str, Any]:
    """The store's write speed alone: ``source`` copied into the target (its namespaces there deleted
    first, all of them in ``ours``: graphmem's, see :func:`run_backends`)."""
    from graphmem.sync import sync_stores

    target = target_open()
    try:
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
    unless ``wipe`` is true. Which namespaces graphmem wrote (their change counters say so) is read once,
    before the run writes anything; the run deletes only those and the namespaces of ``data``, and in them
    only nodes of graphmem's labels: an application's nodes stay, ``wipe`` or not. A namespace of ``data``
    that holds nodes graphmem did not write is refused, ``wipe`` or not: the run would write graphmem's
    change counter there, and then delete the application's nodes of graphmem's labels as its own.

    Raises:
        ConfigError: the target database is not empty and ``wipe`` is false, or a namespace of ``data``
            holds nodes graphmem did not write (the message names the database's URL, which never holds
            credentials).
    """
    from graphmem.embed import default_embedder
    from graphmem.extract.nlp import load_nlp

    target = _survey(uri, auth, database)  # reads only, before anything is written
    if not wipe:
        target.refuse_if_used()
    questions, data_namespaces = _questions(data, questions_per_namespace, seed)
    target.refuse_foreign_nodes_in(data_namespaces)
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
        written = set(local.namespaces())
        target.refuse_foreign_nodes_in(written)  # as read before any write: the file said the same, or less
        ours = target.graphmem_namespaces | written

        def open_target() -> GraphStore:
            return open_store(uri, auth=auth, database=database)

        write_speed = _write_speed(local, open_target, ours)
        with Memory.open(uri, embedder=embedder, nlp=nlp, auth=auth, database=database) as remote:
            _forget_graphmem_namespaces(remote, ours)  # what the write-only run copied, with --wipe what was there
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


def _forget_graphmem_namespaces(mem: Memory, ours: set[str]) -> None:
    """Forget the namespaces of the target in ``ours`` (graphmem's, as read before the run wrote anything,
    and the run's own): the nodes of graphmem's labels in each (and their relationships); nodes of other
    labels, or in other namespaces, stay."""
    for ns in mem.namespaces():
        if ns in ours:
            mem.forget(ns)


def _contents_query() -> str:
    """Nodes of the database but graphmem's bookkeeping, counted by their ``namespace`` property and by
    whether their label is one of graphmem's (from the schema's allow-list)."""
    data = " OR ".join(f"n:{label}" for label in sorted(NODE_LABELS - set(_BOOKKEEPING)))
    skip = " AND ".join(f"NOT n:{label}" for label in _BOOKKEEPING)
    return (
        f"MATCH (n) WHERE {skip} RETURN n.namespace AS namespace, "
        f"CASE WHEN {data} THEN true ELSE false END AS graphmem_label, count(*) AS nodes"
    )


class _Survey:
    """What the target database held before the run wrote anything: the namespaces graphmem wrote (their
    change counters say so), and the nodes graphmem did not write (a label not graphmem's, or a namespace
    without a change counter) per ``namespace`` property (``None``: none)."""

    def __init__(self, where: str, graphmem_namespaces: set[str], rows: list[dict[str, Any]]) -> None:
        self.where = where
        self.graphmem_namespaces = graphmem_namespaces
        self.held: set[str] = set()
        self.foreign: dict[str | None, int] = {}
        for row in rows:
            ns = None if row["namespace"] is None else str(row["namespace"])
            if row["graphmem_label"] and ns in graphmem_namespaces:
                self.held.add(str(ns))
            else:
                self.foreign[ns] = self.foreign.get(ns, 0) + int(row["nodes"])

    def refuse_if_used(self) -> None:
        """Refuse a database that is not empty (the run without ``--wipe``)."""
        foreign = sum(self.foreign.values())
        if not self.held and not foreign:
            return
        what = []
        if self.held:
            held = sorted(self.held)
            names = ", ".join(held[:5]) + (", …" if len(held) > 5 else "")
            what.append(f"{_plural(len(held), 'namespace')} ({names}), which the run deletes")
        if foreign:
            what.append(f"{_plural(foreign, 'node')} graphmem did not write")
        raise ConfigError(
            f"the database at {self.where} is not empty: it holds {' and '.join(what)}; point bench backends "
            "at an empty database, or pass --wipe (which deletes graphmem's namespaces there, never other nodes)"
        )

    def refuse_foreign_nodes_in(self, namespaces: set[str]) -> None:
        """Refuse to write ``namespaces`` where one holds nodes graphmem did not write, ``--wipe`` or not."""
        hit = sorted(ns for ns in namespaces if self.foreign.get(ns))
        if not hit:
            return
        nodes = sum(self.foreign[ns] for ns in hit)
        names = ", ".join(hit[:5]) + (", …" if len(hit) > 5 else "")
        raise ConfigError(
            f"the database at {self.where} holds {_plural(nodes, 'node')} graphmem did not write in the "
            f"{'namespace' if len(hit) == 1 else 'namespaces'} {names}, which the benchmark's data writes and "
            "then deletes as graphmem's; point bench backends at another database (--wipe does not lift this)"
        )


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"


def _survey(uri: str, auth: tuple[str, str] | None, database: str | None) -> _Survey:
    """Read what the target database holds (:class:`_Survey`): reads only, so nothing (no schema) is
    written before a refusal; a missing database is created, as the run would."""
    from graphmem.store.neo4j import open_session

    session = open_session(uri, auth=auth, database=database)
    try:
        action = "checking what the target database holds"
        rows = session.read(_contents_query(), action=action)
        ours = {str(r["namespace"]) for r in session.read(_COUNTED_NAMESPACES, action=action) if r["namespace"]}
        return _Survey(session.uri, ours, rows)
    finally:
        session.close()


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
