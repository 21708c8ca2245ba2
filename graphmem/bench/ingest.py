"""``graphmem bench ingest DATA``: ingestion speed, for extraction alone and end to end, by stage.

Two runs over the same input, each into a fresh temporary store, after the models are loaded (load
time is reported apart):

1. **extract only**: read + extract (no resolution, embedding or writing), ``--workers`` processes;
2. **end to end**: what ``graphmem ingest`` does: read, extract, resolve, embed (unless ``--no-embed``)
   and write, with the seconds spent in each stage.

Each run also reports its CPU seconds (this process and its worker and helper processes) and turns per
CPU second: on a shared machine wall time depends on the other load (the load average is reported too),
CPU time much less, so ``turns / (cpu_seconds / min(cores, processes))`` bounds what the run would reach
on idle cores (``processes``: this one or the extraction workers, plus the embedding helper if it ran).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from graphmem.extract import Extractor
from graphmem.ingest import STAGES, collect_files, ingest
from graphmem.ingest_extract import extract_stream
from graphmem.ingest_read import Job
from graphmem.ingest_units import Todo
from graphmem.memory import Memory

__all__ = ["command", "run_bench"]


@contextmanager
def _cpu() -> Iterator[dict[str, float]]:
    """Measure the CPU seconds of this process and of the children it reaps meanwhile (worker pools)."""

    def now() -> float:
        me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

    out: dict[str, float] = {}
    started = now()
    try:
        yield out
    finally:
        out["cpu_seconds"] = now() - started


def _with_cpu(figures: dict[str, Any], cpu: dict[str, float]) -> dict[str, Any]:
    seconds = cpu["cpu_seconds"]
    figures["cpu_seconds"] = round(seconds, 3)
    figures["turns_per_cpu_s"] = round(figures["turns"] / seconds, 1) if seconds else 0.0
    return figures


def _extract_only(mem: Memory, files: list[str], extractor: Extractor, name: str, workers: int) -> dict[str, Any]:
    from graphmem.extract.clocks import all_days_on_clock, transcript_on_memory_clock
    from graphmem.formats import load_source, read_source

    started = time.perf_counter()
    jobs = []
    read_s = 0.0
    for path in files:
        t0 = time.perf_counter()
        # read as ingestion reads (grouped on the memory's clock, dates alone resolved there), so extraction
        # never sees a CalendarDay and the turns are dated as an ingest would date them
        read = all_days_on_clock(read_source(load_source(path), zone=mem.zone), mem.zone)
        job = Job(path, todo=[Todo(transcript_on_memory_clock(t, mem.zone), None) for t in read])
        job.read_seconds = time.perf_counter() - t0
        read_s += job.read_seconds
        jobs.append(job)
    turns = sum(j.turns for j in jobs)
    extract_s = 0.0
    events = 0
    for _job, parts in extract_stream(iter(jobs), extractor, name, workers):
        if parts is None:
            raise click.ClickException(f"extraction failed: {_job.error}")
        for result in parts:
            if result.error:
                raise click.ClickException(f"extraction failed: {result.error}")
            extract_s += result.seconds
            events += sum(len(b.events) for b in result.batches)
    wall = time.perf_counter() - started
    return {
        "turns": turns,
        "processes": workers,
        "events": events,
        "seconds": round(wall, 3),
        "turns_per_s": round(turns / wall, 1) if wall else 0.0,
        "timings": {"read": round(read_s, 3), "extract": round(extract_s, 3)},
    }


def run_bench(
    data: str, *, workers: int = 1, extractor: str = "spacy", embed: bool = True, helper: bool = True
) -> dict[str, Any]:
    """Run both measurements on ``data`` (a file or folder) and return the figures as a dict."""
    files = collect_files([data])
    if not files:
        raise click.ClickException(f"no transcript files under {data}")
    with tempfile.TemporaryDirectory(prefix="graphmem-bench-") as tmp:
        t0 = time.perf_counter()
        with Memory.open(Path(tmp) / "extract") as mem:
            from graphmem.extract import get_extractor

            ex = get_extractor(extractor)
            if extractor == "spacy":
                mem.nlp("warm up")
            load_nlp = time.perf_counter() - t0
            load_before = os.getloadavg()
            with _cpu() as cpu:
                extract_only = _extract_only(mem, files, ex, extractor, workers)
            extract_only = _with_cpu(extract_only, cpu)
        with Memory.open(Path(tmp) / "e2e") as mem:
            t0 = time.perf_counter()
            if embed:
                mem.embedder.embed(["warm up"])
            load_embedder = time.perf_counter() - t0
            with _cpu() as cpu:
                summary = ingest(mem, files, extractor=extractor, workers=workers, embed=embed, embed_helper=helper)
            stats = mem.stats().as_dict()
    load_after = os.getloadavg()
    if summary.errors:
        raise click.ClickException("; ".join(m for _, m in summary.errors))
    return {
        "data": str(data),
        "files": len(files),
        "workers": workers,
        "extractor": summary.extractor,
        "embed": embed,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_after],
        },
        "model_load_seconds": {"spacy": round(load_nlp, 3), "embedder": round(load_embedder, 3)},
        "extract_only": extract_only,
        "end_to_end": _with_cpu(
            {
                "turns": summary.turns,
                "processes": workers + summary.helpers,
                "seconds": round(summary.seconds, 3),
                "turns_per_s": round(summary.turns_per_s, 1),
                "timings": {k: round(v, 3) for k, v in summary.timings.items()},
                "store": stats,
            },
            cpu,
        ),
    }


def _print(result: dict[str, Any]) -> None:
    from graphmem.cli.common import print_table, rate_text

    ex, e2e, machine = result["extract_only"], result["end_to_end"], result["machine"]
    cores = machine["cpus"] or 1

    def row(name: str, run: dict[str, Any]) -> list[Any]:
        turns, cpu = run["turns"], run["cpu_seconds"]
        idle = rate_text(turns * min(cores, run["processes"]), cpu)  # perfect scaling: an upper bound
        return [name, run["seconds"], rate_text(turns, run["seconds"]), cpu, rate_text(turns, cpu), idle]

    load = machine["load_average_before"][0], machine["load_average_after"][0]
    print_table(
        f"ingest speed: {result['data']} ({result['files']} files, {e2e['turns']} turns, "
        f"{result['workers']} worker(s), {result['extractor']}; {cores} cores, load {load[0]} → {load[1]})",
        ["run", "seconds", "turns/s", "cpu s", "turns/cpu-s", "≤ turns/s idle"],
        [row("extract only", ex), row("end to end" + ("" if result["embed"] else " (no embeddings)"), e2e)],
    )
    total = sum(e2e["timings"].values()) or 1.0
    print_table(
        "where the time goes (end to end)",
        ["stage", "seconds", "share"],
        [[s, e2e["timings"][s], f"{100 * e2e['timings'][s] / total:.0f}%"] for s in STAGES],
    )


@click.command("ingest")
@click.argument("data", type=click.Path(exists=True))
@click.option("--workers", "-w", type=click.IntRange(min=1), default=1, show_default=True, help="Extraction processes.")
@click.option("--extractor", type=click.Choice(["spacy", "claude"]), default="spacy", show_default=True)
@click.option("--no-embed", is_flag=True, help="Leave embeddings out of the end-to-end run.")
@click.option("--no-helper", is_flag=True, help="Embed in this process (no embedding helper process).")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), default=None, help="Also write the figures here.")
def command(data: str, workers: int, extractor: str, no_embed: bool, no_helper: bool, json_out: str | None) -> None:
    """Measure ingest speed (turns/s) on DATA: extraction alone and end to end, by stage."""
    result = run_bench(data, workers=workers, extractor=extractor, embed=not no_embed, helper=not no_helper)
    _print(result)
    if json_out:
        Path(json_out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
