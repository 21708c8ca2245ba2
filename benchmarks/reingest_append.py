"""CPU time of re-ingesting a LoCoMo conversation file after one turn was appended to it.

Ingests the conversation without its last turn into a fresh embedded store (default embedder), writes
the whole conversation to the same file, and times the second ``Memory.ingest`` in CPU seconds (this
process and its children, the embedding helper included) and wall seconds. Prints one JSON line.

    PYTHONPATH=$PWD python benchmarks/reingest_append.py /work/shared/data/locomo/locomo_dev.json /tmp/reingest
"""

from __future__ import annotations

import argparse
import copy
import json
import resource
import shutil
import time
from pathlib import Path
from typing import Any

import graphmem
from graphmem import Memory


def cpu_seconds() -> float:
    """User and system time of this process and its waited-for children."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def sessions(sample: dict[str, Any]) -> list[str]:
    conv = sample["conversation"]
    names = (k for k, v in conv.items() if k.startswith("session_") and isinstance(v, list))
    return sorted(names, key=lambda k: int(k[8:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("locomo", type=Path)
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--sample", type=int, default=None, help="index in the file (default: the smallest)")
    args = parser.parse_args()
    samples = json.loads(args.locomo.read_text(encoding="utf-8"))
    sizes = [sum(len(s["conversation"][k]) for k in sessions(s)) for s in samples]
    index = args.sample if args.sample is not None else sizes.index(min(sizes))
    new = samples[index]
    old = copy.deepcopy(new)
    last = sessions(new)[-1]
    old["conversation"][last] = old["conversation"][last][:-1]
    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    path = args.workdir / "conversation.json"
    with Memory.open(args.workdir / "db") as mem:
        path.write_text(json.dumps([old]), encoding="utf-8")
        first = mem.ingest(path)
        path.write_text(json.dumps([new]), encoding="utf-8")
        cpu, wall = cpu_seconds(), time.perf_counter()
        again = mem.ingest(path)
        cpu, wall = cpu_seconds() - cpu, time.perf_counter() - wall
    print(
        json.dumps(
            {
                "graphmem": str(Path(graphmem.__file__).parent),
                "conversation": new["sample_id"],
                "turns": sizes[index],
                "first_ingest_turns": first.turns,
                "reingest_cpu_s": round(cpu, 3),
                "reingest_wall_s": round(wall, 3),
                "reingest": {k: v for k, v in again.as_dict().items() if k.startswith(("turns", "events"))},
            }
        )
    )


if __name__ == "__main__":
    main()
