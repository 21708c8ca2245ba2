"""How busy each process of ``graphmem bench ingest`` is: on the CPU, waiting for a CPU, or asleep.

Runs the bench as a child (its ``--json`` file goes to ``--json``) and samples ``/proc/<pid>/stat`` and
``/proc/<pid>/schedstat`` of it and its children every half second. For the ingesting process and its
embedding helper, from the helper's start to the end, it prints the seconds alive, CPU seconds, seconds
on a CPU, seconds runnable but waiting for a CPU (other jobs' load) and seconds asleep (waiting for the
other process or for input): a process that sleeps little kept its core busy whatever the machine's load,
so this tells whether both cores are used on a busy machine, where wall time cannot. Linux only.

    PYTHONPATH=$PWD python benchmarks/ingest_cores.py ../shared/data/locomo/locomo_dev.json --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any

_TICK = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, float, float, float]]:
    """Every process: parent pid, CPU s, on-CPU s, runqueue-wait s."""
    out: dict[int, tuple[int, float, float, float]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{name}/schedstat") as f:
                sched = f.read().split()
        except OSError:
            continue
        cpu = (int(stat[11]) + int(stat[12])) / _TICK
        out[int(name)] = (int(stat[1]), cpu, int(sched[0]) / 1e9, int(sched[1]) / 1e9)
    return out


def _tree(root: int) -> dict[int, tuple[float, float, float]]:
    procs = _processes()
    keep = {root}
    grew = True
    while grew:
        grew = False
        for pid, row in procs.items():
            if row[0] in keep and pid not in keep:
                keep.add(pid)
                grew = True
    return {pid: procs[pid][1:] for pid in keep if pid in procs}


def sample(
    child: subprocess.Popen[bytes], every: float = 0.5
) -> list[tuple[float, float, dict[int, tuple[float, float, float]]]]:
    """Sample ``child``'s process tree until it exits: (seconds since start, load average, per pid figures)."""
    started = time.monotonic()
    rows = []
    while child.poll() is None:
        rows.append((time.monotonic() - started, os.getloadavg()[0], _tree(child.pid)))
        time.sleep(every)
    return rows


def busy(rows: list[tuple[float, float, dict[int, tuple[float, float, float]]]], root: int) -> dict[str, Any]:
    """Per process (the ingesting one and its busiest child, from the child's start): where its time went."""
    first: dict[int, tuple[float, tuple[float, float, float]]] = {}
    last: dict[int, tuple[float, tuple[float, float, float]]] = {}
    for t, _load, procs in rows:
        for pid, figures in procs.items():
            first.setdefault(pid, (t, figures))
            last[pid] = (t, figures)
    children = [pid for pid in last if pid != root]
    out: dict[str, Any] = {"mean_load": round(sum(r[1] for r in rows) / max(1, len(rows)), 2)}
    if not children:
        return out
    helper = max(children, key=lambda pid: last[pid][1][0])
    since = first[helper][0]
    at_start = next(procs[root] for t, _load, procs in rows if t >= since and root in procs)
    for name, pid, base in (("parent", root, at_start), ("helper", helper, first[helper][1])):
        end, figures = last[pid]
        alive = end - since if pid == root else end - first[pid][0]
        cpu, run, wait = (figures[i] - base[i] for i in range(3))
        out[name] = {
            "alive_s": round(alive, 1),
            "cpu_s": round(cpu, 1),
            "on_cpu_s": round(run, 1),
            "runqueue_s": round(wait, 1),
            "asleep_s": round(alive - run - wait, 1),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument(
        "--json", required=True, help="where the bench writes its figures; ours go beside (.cores.json)"
    )
    args = parser.parse_args()
    command = [sys.executable, "-m", "graphmem", "bench", "ingest", args.data, "--json", args.json]
    child = subprocess.Popen(command)
    rows = sample(child)
    if child.wait() != 0:
        raise SystemExit(f"the bench failed (exit {child.returncode})")
    figures = busy(rows, child.pid)
    print(json.dumps(figures, indent=2))
    with open(args.json.removesuffix(".json") + ".cores.json", "w", encoding="utf-8") as f:
        json.dump(figures, f, indent=2)


if __name__ == "__main__":
    main()
