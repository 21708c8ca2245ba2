"""``graphmem bench mcp DATA.json``: what an agent waits for, and how much prompt it gets.

On a store holding the LoCoMo conversations (ingested here, or ``--store`` to reuse one):

* ``context()`` latency, in process, p50/p95 over the questions (after one warm-up per namespace);
* the MCP ``recall`` round trip over stdio: the SDK's client spawns ``graphmem mcp`` on the store and
  times ``call_tool("recall")`` per question (after warm-up calls that load the model), p50/p95;
* the token size of ``context()`` beside the whole conversation's, counted with the same tokenizer.

Targets (issue 14): MCP recall p95 ≤ 30 ms, ``context()`` p95 ≤ 20 ms.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click

from graphmem.bench.answers import load_answer_questions
from graphmem.bench.locomo import _percentile
from graphmem.memory import Memory

__all__ = ["command", "run_mcp_bench"]


def _stats(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(_percentile(values, 0.50), 2),
        "p95": round(_percentile(values, 0.95), 2),
        "mean": round(statistics.fmean(values), 2) if values else 0.0,
        "n": len(values),
    }


async def _mcp_round_trips(store: str, questions: list[tuple[str, str]], warmup: int) -> list[float]:
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    # the server runs this very graphmem: its parent folder first on the child's path
    env = {
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    server = StdioServerParameters(command=sys.executable, args=["-m", "graphmem", "mcp", "--db", store], env=env)
    timings: list[float] = []
    async with Client(server, read_timeout_seconds=300) as client:
        for namespace in sorted({ns for ns, _ in questions}):
            for _ in range(warmup):
                await client.call_tool("recall", {"question": "warm up", "namespace": namespace})
        for namespace, question in questions:
            started = time.perf_counter()
            result = await client.call_tool("recall", {"question": question, "namespace": namespace})
            timings.append(1000 * (time.perf_counter() - started))
            if result.is_error:
                raise click.ClickException(f"recall failed over MCP: {result.content}")
    return timings


def run_mcp_bench(
    data: str | Path,
    *,
    store: str | Path | None = None,
    max_questions: int | None = None,
    budget_tokens: int = 1500,
    warmup: int = 3,
) -> dict[str, Any]:
    """Measure ``context()`` and the MCP recall round trip on ``data``; returns the figures."""
    import anyio

    from graphmem.context import default_token_counter

    questions, conversations = load_answer_questions(data)
    if max_questions is not None:
        questions = questions[:max_questions]
    count = default_token_counter()
    with tempfile.TemporaryDirectory(prefix="graphmem-bench-mcp-") as tmp:
        where = str(store or Path(tmp) / "store")
        with Memory.open(where) as mem:
            summary = mem.ingest(str(data))
            if not summary.ok:
                raise click.ClickException(f"ingesting {data} failed: {summary.errors}")
            for namespace in sorted({q.namespace for q in questions}):
                for _ in range(warmup):
                    mem.context("warm up", namespace=namespace, budget_tokens=budget_tokens)
            latency, cpu, sizes = [], [], []
            for q in questions:
                started, cpu_started = time.perf_counter(), time.process_time()
                ctx = mem.context(q.text, namespace=q.namespace, budget_tokens=budget_tokens)
                latency.append(1000 * (time.perf_counter() - started))
                cpu.append(1000 * (time.process_time() - cpu_started))
                sizes.append(ctx.tokens)
        pairs = [(q.namespace, q.text) for q in questions]
        round_trips = anyio.run(_mcp_round_trips, where, pairs, warmup)
    conv = {ns: count(text) for ns, text in conversations.items() if any(q.namespace == ns for q in questions)}
    mean_context = statistics.fmean(sizes) if sizes else 0.0
    mean_conv = statistics.fmean(conv.values()) if conv else 0.0
    return {
        "data": str(data),
        "questions": len(questions),
        "budget_tokens": budget_tokens,
        "context_ms": _stats(latency),
        "context_cpu_ms": _stats(cpu),
        "mcp_recall_ms": _stats(round_trips),
        "tokens": {
            "context_mean": round(mean_context, 1),
            "context_max": max(sizes, default=0),
            "conversation_mean": round(mean_conv, 1),
            "share_percent": round(100 * mean_context / mean_conv, 2) if mean_conv else 0.0,
        },
    }


@click.command("mcp")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--store", type=click.Path(file_okay=False), default=None, help="Keep the store here (default: temporary)."
)
@click.option("--max-questions", type=click.IntRange(min=1), default=None, help="At most N questions.")
@click.option("--budget", type=click.IntRange(min=50), default=1500, show_default=True, help="context() token budget.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), default=None, help="Also write the figures here.")
def command(data: str, store: str | None, max_questions: int | None, budget: int, json_out: str | None) -> None:
    """MCP recall round trip over stdio and context() latency (p50/p95), and context() size vs the conversation."""
    from graphmem.cli.common import print_table

    result = run_mcp_bench(data, store=store, max_questions=max_questions, budget_tokens=budget)
    rows = [
        [name, fig["p50"], fig["p95"], fig["n"], target]
        for name, fig, target in (
            ("MCP recall round trip (stdio)", result["mcp_recall_ms"], "p95 ≤ 30"),
            ("context() wall", result["context_ms"], "p95 ≤ 20"),
            ("context() CPU", result["context_cpu_ms"], ""),
        )
    ]
    print_table(f"latency, ms ({result['questions']} questions)", ["what", "p50", "p95", "n", "target"], rows)
    tok = result["tokens"]
    click.echo(
        f"context(): {tok['context_mean']} tokens on average (max {tok['context_max']}, budget {budget}); "
        f"whole conversation: {tok['conversation_mean']} tokens ({tok['share_percent']}%)"
    )
    if json_out:
        Path(json_out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        click.echo(f"wrote {json_out}")
