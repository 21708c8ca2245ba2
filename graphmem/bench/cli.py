"""``graphmem bench cli``: how long a ``graphmem`` command takes from process start to exit.

Each command runs ``--repeat`` times as a fresh ``python -m graphmem`` process (what a shell user or an
agent calling the CLI pays: interpreter start, imports, opening the store, loading the embedder, the
work, exit). Reported per command: the median and best wall time and CPU seconds (user + system of the
child). On a shared machine the wall time depends on the other load (the load average is reported),
the CPU time much less.

The store is ``--db`` (with ``--namespace``), or, given ``--data``, a temporary store that file is
ingested into first (outside the timed runs).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click

__all__ = ["command", "run_bench", "time_command"]

#: The question recalled when none is given.
QUESTION = "what did they talk about last week?"


def time_command(args: list[str], *, repeat: int) -> dict[str, Any]:
    """Run ``python -m graphmem ARGS`` ``repeat`` times; return wall and CPU seconds (median, best).

    Raises:
        click.ClickException: a run exited with a non-zero status (its stderr is in the message).
    """
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "graphmem", *args], capture_output=True, text=True, check=False)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if proc.returncode != 0:
            raise click.ClickException(f"graphmem {' '.join(args)} exited {proc.returncode}: {proc.stderr.strip()}")
    return {
        "command": "graphmem " + " ".join(args),
        "runs": repeat,
        "wall_median_s": round(statistics.median(walls), 3),
        "wall_best_s": round(min(walls), 3),
        "cpu_median_s": round(statistics.median(cpus), 3),
        "cpu_best_s": round(min(cpus), 3),
    }


def _namespace(db: str, wanted: str | None) -> str:
    """``wanted``, or the store's first namespace; an error when the store holds no such data (recall of an
    empty namespace succeeds with nothing, which would time nothing)."""
    from graphmem.memory import Memory

    with Memory.open(db, read_only=True) as mem:
        found = mem.namespaces()
    if not found:
        raise click.ClickException(f"the store {db} holds no namespace")
    if wanted is not None and wanted not in found:
        raise click.ClickException(f"namespace {wanted!r} holds no data in {db} (it holds: {', '.join(found)})")
    return wanted or found[0]


def run_bench(
    db: str | None, namespace: str | None, data: str | None, *, question: str = QUESTION, repeat: int = 5
) -> dict[str, Any]:
    """Time ``graphmem --help``, ``graphmem stats`` and ``graphmem recall`` on a store; return the figures."""
    with tempfile.TemporaryDirectory(prefix="graphmem-bench-cli-") as tmp:
        if db is None:
            if data is None:
                raise click.ClickException("give --db (a store) or --data (a transcript to ingest first)")
            from graphmem.ingest import ingest
            from graphmem.memory import Memory

            db = str(Path(tmp) / "store")
            with Memory.open(db) as mem:
                summary = ingest(mem, data)
            if summary.errors:
                raise click.ClickException("; ".join(m for _, m in summary.errors))
        ns = _namespace(db, namespace)
        load_before = os.getloadavg()
        runs = [
            time_command(["--help"], repeat=repeat),
            time_command(["--db", db, "stats"], repeat=repeat),
            time_command(["--db", db, "recall", question, "-n", ns, "-k", "5"], repeat=repeat),
            time_command(["--db", db, "recall", question, "-n", ns, "-k", "5", "--json"], repeat=repeat),
        ]
        load_after = os.getloadavg()
    return {
        "namespace": ns,
        "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "runs": runs,
    }


@click.command("cli")
@click.option("--db", "db", default=None, metavar="PATH", help="The store to recall from.")
@click.option("--namespace", "-n", default=None, help="The namespace to recall from (default: the first).")
@click.option("--data", type=click.Path(exists=True), default=None, help="Ingest this into a temporary store first.")
@click.option("--question", default=QUESTION, show_default=True, help="What to recall.")
@click.option("--repeat", type=click.IntRange(min=1), default=5, show_default=True, help="Runs per command.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), default=None, help="Also write the figures here.")
def command(
    db: str | None, namespace: str | None, data: str | None, question: str, repeat: int, json_out: str | None
) -> None:
    """Time CLI commands from process start to exit (wall and CPU seconds)."""
    from graphmem.cli.common import print_table

    result = run_bench(db, namespace, data, question=question, repeat=repeat)
    load = result["load_average_before"][0], result["load_average_after"][0]
    print_table(
        f"CLI start to exit ({result['cpus']} cores, load {load[0]} → {load[1]}, {repeat} runs each)",
        ["command", "wall median s", "wall best s", "cpu median s", "cpu best s"],
        [
            [r["command"], r["wall_median_s"], r["wall_best_s"], r["cpu_median_s"], r["cpu_best_s"]]
            for r in result["runs"]
        ],
    )
    if json_out:
        Path(json_out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
