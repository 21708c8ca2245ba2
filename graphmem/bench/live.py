"""``graphmem bench live DATA``: messages added one at a time, beside batch ingestion of the same turns.

One conversation of DATA (a LoCoMo file; ``--conversation`` picks which) is measured three ways in one
run, each in a fresh temporary store, after the models are loaded (shared by all runs):

1. **batch**: the conversation ingested as a file; its per-turn cost is the run's wall time divided by
   its turns;
2. **live**: the same turns added one message per :meth:`~graphmem.Memory.add` call, as an agent would;
   each call is timed whole (spaCy extraction, resolution against the namespace, embedding and the
   SQLite commit under the write lock), giving p50/p95/max of wall time and of this process's CPU
   time (which other load on the machine inflates much less);
3. **recall under writes**: recall latency over the conversation's questions in this process while
   another process keeps adding messages to the same namespace (so every recall first catches up with
   what that writer committed).

Wall times depend on the machine's other load (the load average is reported).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click

from graphmem.memory import Memory

__all__ = ["command", "run_bench"]

_WRITER = """
import json, sys, time
sys.path.insert(0, sys.argv[4])  # the graphmem this benchmark runs, wherever it was imported from
from graphmem import Memory
store, ns, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
with Memory.open(store) as mem:
    mem.add({"speaker": "Writer", "text": "warming up the models"}, namespace=ns)
    print("ready", flush=True)
    n, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        n += 1
        mem.add({"speaker": "Writer", "text": f"Background note {n}: I walked to the lake with Sam."}, namespace=ns)
    print(json.dumps({"adds": n}), flush=True)
"""


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[rank]


def _ms(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": round(1000 * _pct(values, 0.50), 2),
        "p95_ms": round(1000 * _pct(values, 0.95), 2),
        "max_ms": round(1000 * max(values, default=0.0), 2),
        "mean_ms": round(1000 * sum(values) / len(values), 2) if values else 0.0,
    }


def _one_conversation(data: str, index: int, folder: Path) -> tuple[Path, list[str]]:
    """Write the chosen LoCoMo sample to its own file; return it with the sample's questions.

    The user's file is read with the LoCoMo reader first, so a fault in it is reported at its own
    file:line, not in the temporary copy (deleted by then, its lines renumbered).

    Raises:
        IngestError: the file is not valid LoCoMo input (the message names the file and line).
    """
    from graphmem.formats import read_transcripts

    read_transcripts(data)
    try:
        samples = json.loads(Path(data).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot read {data} as LoCoMo JSON: {exc}") from exc
    if isinstance(samples, dict):
        samples = [samples]
    if not isinstance(samples, list) or not 0 <= index < len(samples):
        raise click.ClickException(f"{data} holds no conversation number {index}")
    path = folder / "conversation.json"
    path.write_text(json.dumps([samples[index]]), encoding="utf-8")
    questions = [q["question"] for q in samples[index].get("qa", []) if isinstance(q, dict) and "question" in q]
    return path, questions


def run_bench(
    data: str, *, conversation: int = 0, limit: int | None = None, recall_seconds: float = 20.0
) -> dict[str, Any]:
    """Run the three measurements and return the figures as a dict."""
    from graphmem.embed import default_embedder
    from graphmem.extract.nlp import load_nlp
    from graphmem.formats import read_transcripts
    from graphmem.live import messages_of
    from graphmem.writer import Timings

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="graphmem-bench-live-") as tmp:
        folder = Path(tmp)
        path, questions = _one_conversation(data, conversation, folder)
        (transcript,) = read_transcripts(path)
        messages = messages_of(transcript)[:limit] if limit else messages_of(transcript)
        if limit:
            path.write_text(json.dumps([_cut(json.loads(path.read_text(encoding="utf-8"))[0], messages)]))
        ns = transcript.namespace
        t0 = time.perf_counter()
        nlp, embedder = load_nlp(), default_embedder()
        nlp("warm up")
        embedder.embed(["warm up"])
        load_s = time.perf_counter() - t0

        with Memory.open(folder / "batch", nlp=nlp, embedder=embedder) as mem:
            summary = mem.ingest(path)
        if summary.errors:
            raise click.ClickException("; ".join(m for _, m in summary.errors))

        latencies: list[float] = []
        cpu: list[float] = []
        spent = Timings()
        with Memory.open(folder / "live", nlp=nlp, embedder=embedder) as mem:
            from graphmem.live import add

            add(mem, {"speaker": "Warm", "text": "Warming up."}, namespace="warmup")
            for message in messages:
                started, cpu_started = time.perf_counter(), time.process_time()
                add(mem, message, namespace=ns, timings=spent)
                latencies.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
            events = mem.stats(ns).events
        total = sum(latencies)
        steps = {"resolve": spent.resolve, "embed": spent.embed, "write": spent.write}
        steps["extract and place"] = max(0.0, total - sum(steps.values()))

        recall = _recall_while_writing(folder / "live", ns, questions, nlp, embedder, recall_seconds)
    load_after = os.getloadavg()
    return {
        "data": str(data),
        "conversation": conversation,
        "namespace": ns,
        "turns": len(messages),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_after],
        },
        "model_load_seconds": round(load_s, 3),
        "batch": {
            "turns": summary.turns,
            "seconds": round(summary.seconds, 3),
            "ms_per_turn": round(1000 * summary.seconds / summary.turns, 2) if summary.turns else 0.0,
        },
        "live": {
            "events": events,
            "seconds": round(total, 3),
            "add_latency": _ms(latencies),
            "add_cpu": _ms(cpu),
            "ms_per_turn_by_step": {k: round(1000 * v / len(latencies), 2) for k, v in steps.items()},
        },
        "recall_while_writing": recall,
    }


def _cut(sample: dict[str, Any], messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The LoCoMo sample holding only the turns in ``messages`` (for ``--limit``)."""
    keep = {m.get("id") for m in messages}
    conv = dict(sample["conversation"])
    for key, value in list(conv.items()):
        if key.startswith("session_") and isinstance(value, list):
            conv[key] = [t for t in value if t.get("dia_id") in keep]
            if not conv[key]:
                del conv[key]
                conv.pop(f"{key}_date_time", None)
    return {**sample, "conversation": conv}


def _recall_while_writing(
    store: Path, ns: str, questions: list[str], nlp: Any, embedder: Any, seconds: float
) -> dict[str, Any]:
    import graphmem

    root = str(Path(graphmem.__file__).resolve().parent.parent)
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(store), ns, str(seconds), root],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    latencies: list[float] = []
    adds = 0
    try:
        assert writer.stdout is not None
        if writer.stdout.readline().strip() != "ready":
            raise click.ClickException(f"the writer process failed: {writer.stderr.read() if writer.stderr else ''}")
        with Memory.open(store, nlp=nlp, embedder=embedder, read_only=True) as mem:
            end = time.monotonic() + seconds
            i = 0
            while time.monotonic() < end and questions:
                started = time.perf_counter()
                mem.recall(questions[i % len(questions)], namespace=ns, k=10)
                latencies.append(time.perf_counter() - started)
                i += 1
        out, err = writer.communicate(timeout=seconds + 120)
        if writer.returncode != 0:
            raise click.ClickException(f"the writer process failed: {err.strip()[-500:]}")
        adds = int(json.loads(out.strip().splitlines()[-1])["adds"])
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
        for stream in (writer.stdout, writer.stderr):
            if stream is not None:
                stream.close()
    return {"recall_latency": _ms(latencies), "writer_adds": adds, "seconds": seconds}


def _print(result: dict[str, Any]) -> None:
    from graphmem.cli.common import print_table

    live, batch, recall = result["live"], result["batch"], result["recall_while_writing"]
    lat, cpu = live["add_latency"], live["add_cpu"]
    load = result["machine"]["load_average_before"][0], result["machine"]["load_average_after"][0]
    print_table(
        f"live adds: {result['data']} conversation {result['conversation']} ({result['turns']} turns; "
        f"{result['machine']['cpus']} cores, load {load[0]} → {load[1]})",
        ["run", "ms/turn", "p50 ms", "p95 ms", "max ms"],
        [
            ["add, one message per call", lat["mean_ms"], lat["p50_ms"], lat["p95_ms"], lat["max_ms"]],
            ["add, CPU time of this process", cpu["mean_ms"], cpu["p50_ms"], cpu["p95_ms"], cpu["max_ms"]],
            ["ingest the file (batch)", batch["ms_per_turn"], "", "", ""],
        ],
    )
    print_table(
        "where an add's time goes (mean per call)",
        ["step", "ms"],
        [[k, v] for k, v in live["ms_per_turn_by_step"].items()],
    )
    rl = recall["recall_latency"]
    print_table(
        f"recall while another process adds ({recall['writer_adds']} adds in {recall['seconds']:g} s)",
        ["recalls", "p50 ms", "p95 ms", "max ms"],
        [[rl["n"], rl["p50_ms"], rl["p95_ms"], rl["max_ms"]]],
    )


@click.command("live")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.option("--conversation", type=click.IntRange(min=0), default=0, show_default=True, help="Which sample.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N turns.")
@click.option("--recall-seconds", type=click.FloatRange(min=1), default=20.0, show_default=True)
@click.option("--json", "json_out", type=click.Path(dir_okay=False), default=None, help="Also write the figures here.")
def command(data: str, conversation: int, limit: int | None, recall_seconds: float, json_out: str | None) -> None:
    """Add a LoCoMo conversation one message at a time: add latency p50/p95 beside batch ingestion's
    per-turn cost, and recall latency while another process writes."""
    result = run_bench(data, conversation=conversation, limit=limit, recall_seconds=recall_seconds)
    _print(result)
    if json_out:
        Path(json_out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
