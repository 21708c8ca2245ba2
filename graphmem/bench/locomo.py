"""``graphmem bench locomo DATA.json``: evidence recall on LoCoMo, the method and its ablation in one run.

Each conversation is ingested (``Memory.ingest``, the same pipeline as ``graphmem ingest``) into its own
namespace of a temporary store; every question is then asked through :func:`graphmem.recall.recall`
nine ways, on the same store and the same embedder:

* ``graphmem``: the default method (dense + BM25 seeds, graph traversal, names, turns that only ask
  lowered);
* ``entity walk``: the same with the entity and fact walk on (off by default, see
  :data:`~graphmem.recall.config.ENTITY_WALK_CONFIG`);
* ``person facts``: the default with the person-fact seeds on (off by default, see
  :mod:`graphmem.recall.person_facts` and :data:`~graphmem.recall.config.PERSON_FACTS_CONFIG`);
* ``feedback``: the default with a second seeding round from pseudo-relevance feedback (off by default,
  see :mod:`graphmem.recall.feedback` and :data:`~graphmem.recall.config.FEEDBACK_CONFIG`);
* ``no links``: without entity and fact edges (temporal neighbours only: NEXT, IN_SESSION);
* ``no asking``: the default without lowering turns that only ask (:mod:`graphmem.recall.acts`);
* ``seeds only``: the default without any graph edge (fused seeds, names and answer-type lifts);
* ``dense``: nearest vectors from the hnswlib index only;
* ``bm25``: full-text matches only.

For each method it also counts, over all top-10 hits, how many came through an entity or a fact:
``via_links`` is the share whose explained path (``why.path``, the largest contribution that
outweighs the hit's own seed score) passes a MENTIONS or FACT edge, ``link_lifted`` the share whose
score has any part that arrived through things or facts (``why.parts["link"] > 0``).

Gold evidence is the official ``evidence`` list, parsed with ``D(\\d+):(\\d+)`` (leading zeros
stripped, anything else dropped); ids naming no turn of the conversation are dropped too. Questions
left with no gold are not scored. Per category (by number) and overall: recall@k (``|gold ∩ top-k| /
|gold|``, averaged over questions), hit@k (at least one gold id in the top k) and MRR (of the first gold
id in the top ``max(k)``). Latency is the wall time of each ``recall`` call, query embedding included,
after one warm-up call per namespace (``cpu_ms`` gives the same as CPU time, steadier on a shared
machine). The method sees only the question text: neither its category nor
its evidence.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from graphmem.bench.answers import answer_options, run_answer_command
from graphmem.bench.locomo_file import Question, parse_evidence, read_locomo_file
from graphmem.errors import ConfigError
from graphmem.memory import Memory
from graphmem.recall import RecallConfig, RecallRequest
from graphmem.recall.config import DEFAULT_CONFIG, ENTITY_WALK_CONFIG, FEEDBACK_CONFIG, PERSON_FACTS_CONFIG

__all__ = ["METHODS", "Question", "command", "load_questions", "parse_evidence", "run_locomo", "score"]

#: The methods compared: name → recall configuration.
METHODS: dict[str, RecallConfig] = {
    "graphmem": DEFAULT_CONFIG,
    "entity walk": ENTITY_WALK_CONFIG,
    "person facts": PERSON_FACTS_CONFIG,
    "feedback": FEEDBACK_CONFIG,
    "no links": DEFAULT_CONFIG.with_(mention_weight=0.0, fact_weight=0.0, entity_weight=0.0, link_weight=0.0),
    "no asking": DEFAULT_CONFIG.with_(asking_factor=1.0),
    "seeds only": DEFAULT_CONFIG.with_(next_weight=0.0, session_weight=0.0, mention_weight=0.0, fact_weight=0.0),
    "dense": DEFAULT_CONFIG.with_(text=False, graph=False),
    "bm25": DEFAULT_CONFIG.with_(dense=False, graph=False),
}
_LINK_EDGES = frozenset({"MENTIONS", "FACT"})
_SHARE_DEPTH = 10


def load_questions(path: str | Path) -> tuple[list[Question], dict[str, set[str]]]:
    """The questions of a LoCoMo file and, per namespace, the dialogue ids that exist.

    Raises:
        IngestError: the file is not LoCoMo JSON.
    """
    read = read_locomo_file(path)
    return list(read.questions), read.turns


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def score(ranked: Sequence[str], gold: Sequence[str], ks: Sequence[int]) -> dict[str, float]:
    """recall@k, hit@k and MRR of one ranked list against its gold ids."""
    gold_set = set(gold)
    out: dict[str, float] = {}
    for k in ks:
        found = len(gold_set & set(ranked[:k]))
        out[f"recall@{k}"] = found / len(gold_set)
        out[f"hit@{k}"] = 1.0 if found else 0.0
    rr = 0.0
    for position, ident in enumerate(ranked, 1):
        if ident in gold_set:
            rr = 1.0 / position
            break
    out["mrr"] = rr
    return out


def _aggregate(rows: list[tuple[int, dict[str, float]]]) -> dict[str, Any]:
    def mean(items: list[dict[str, float]]) -> dict[str, float]:
        keys = items[0].keys() if items else []
        return {key: round(100 * statistics.fmean(r[key] for r in items), 2) for key in keys}

    overall = mean([r for _, r in rows])
    by_cat: dict[str, Any] = {}
    for cat in sorted({c for c, _ in rows}):
        items = [r for c, r in rows if c == cat]
        by_cat[str(cat)] = {**mean(items), "questions": len(items)}
    return {**overall, "questions": len(rows), "by_category": by_cat}


def _ingest(memory: Memory, data: str) -> dict[str, Any]:
    summary = memory.ingest(data)
    if not summary.ok:
        raise click.ClickException(f"ingesting {data} failed: {summary.errors}")
    return {"turns": summary.turns, "seconds": round(summary.seconds, 3), "turns_per_s": round(summary.turns_per_s, 1)}


def run_locomo(
    data: str | Path,
    *,
    ks: Sequence[int] = (1, 5, 10, 25, 50),
    methods: dict[str, RecallConfig] | None = None,
    store: str | Path | None = None,
    hops: int = 2,
    progress: Callable[[int, int], None] | None = None,
    memory: Memory | None = None,
) -> dict[str, Any]:
    """Ingest ``data`` and score every method on every question; returns the figures as a dict.

    Args:
        data: a LoCoMo JSON file.
        ks: the cut-offs.
        methods: name → configuration (default: :data:`METHODS`).
        store: a store directory to use (and keep) instead of a temporary one; conversations already
            ingested there are not ingested again.
        hops: traversal depth for the methods that traverse.
        progress: called with (done, total) after each question.
        memory: an open memory to use instead of opening ``store`` (for tests).
    """
    ks = sorted(set(ks))
    if not ks or ks[0] < 1:
        raise ConfigError("every k must be at least 1")
    methods = methods or METHODS
    questions, _turns = load_questions(data)
    with tempfile.TemporaryDirectory(prefix="graphmem-locomo-") as tmp:
        mem = memory or Memory.open(store or Path(tmp) / "store")
        try:
            ingest = _ingest(mem, str(data))
            return _evaluate(mem, questions, ks, methods, hops, progress, ingest, str(data))
        finally:
            if memory is None:
                mem.close()


def _evaluate(
    mem: Memory,
    questions: list[Question],
    ks: list[int],
    methods: dict[str, RecallConfig],
    hops: int,
    progress: Callable[[int, int], None] | None,
    ingest: dict[str, Any],
    data: str,
) -> dict[str, Any]:
    scored = [q for q in questions if q.gold]
    depth = max(ks)
    for namespace in sorted({q.namespace for q in scored}):  # warm-up: model load, index verification
        for cfg in methods.values():
            mem.recall_request(RecallRequest.of("warm up", namespace=namespace, k=depth, hops=hops), config=cfg)
    rows: dict[str, list[tuple[int, dict[str, float]]]] = defaultdict(list)
    latency: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    links: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # hits, via a link path, lifted by links
    total = len(scored) * len(methods)
    done = 0
    for q in scored:
        for name, cfg in methods.items():
            started, cpu_started = time.perf_counter(), time.process_time()
            request = RecallRequest.of(q.text, namespace=q.namespace, k=depth, hops=hops)
            hits = mem.recall_request(request, config=cfg)
            latency[name].append(1000 * (time.perf_counter() - started))
            cpu[name].append(1000 * (time.process_time() - cpu_started))
            ranked = [h.event.source_id or h.event.id for h in hits]
            rows[name].append((q.category, score(ranked, q.gold, ks)))
            counts = links[name]
            for hit in hits[:_SHARE_DEPTH]:
                counts[0] += 1
                counts[1] += any(step.edge in _LINK_EDGES for step in hit.why.path)
                counts[2] += hit.why.parts.get("link", 0.0) > 0
            done += 1
            if progress is not None:
                progress(done, total)
    result: dict[str, Any] = {"methods": {}, "ingest": ingest}
    for name in methods:
        figures = _aggregate(rows[name])
        figures["latency_ms"] = {
            "p50": round(_percentile(latency[name], 0.50), 2),
            "p95": round(_percentile(latency[name], 0.95), 2),
        }
        figures["cpu_ms"] = {
            "p50": round(_percentile(cpu[name], 0.50), 2),
            "p95": round(_percentile(cpu[name], 0.95), 2),
        }
        hit_count, via, lifted = links[name]
        figures["top10_links"] = {
            "hits": hit_count,
            "via_links": round(100 * via / hit_count, 2) if hit_count else 0.0,
            "link_lifted": round(100 * lifted / hit_count, 2) if hit_count else 0.0,
        }
        result["methods"][name] = figures
    result["questions"] = {"total": len(questions), "scored": len(scored), "without_gold": len(questions) - len(scored)}
    result["ks"] = ks
    result["data"] = data
    result["hops"] = hops
    return result


def print_report(result: dict[str, Any]) -> None:
    """Print the figures as rich tables."""
    from graphmem.cli.common import print_table, rate_text

    ks = result["ks"]
    methods = result["methods"]
    columns = [
        "method",
        *(f"R@{k}" for k in ks),
        *(f"H@{k}" for k in ks),
        "MRR",
        "p50 ms",
        "p95 ms",
        "via links %",
        "link-lifted %",
    ]
    rows = []
    for name, fig in methods.items():
        rows.append(
            [
                name,
                *(f"{fig[f'recall@{k}']:.1f}" for k in ks),
                *(f"{fig[f'hit@{k}']:.1f}" for k in ks),
                f"{fig['mrr']:.1f}",
                f"{fig['latency_ms']['p50']:.1f}",
                f"{fig['latency_ms']['p95']:.1f}",
                f"{fig['top10_links']['via_links']:.1f}",
                f"{fig['top10_links']['link_lifted']:.1f}",
            ]
        )
    q = result["questions"]
    print_table(f"LoCoMo evidence recall, all categories ({q['scored']} questions)", columns, rows)
    cats = sorted({c for fig in methods.values() for c in fig["by_category"]}, key=int)
    for k in ks:
        cols = ["method", *(f"cat {c}" for c in cats), "all"]
        rows = [
            [name, *(f"{fig['by_category'][c][f'recall@{k}']:.1f}" for c in cats), f"{fig[f'recall@{k}']:.1f}"]
            for name, fig in methods.items()
        ]
        print_table(f"recall@{k} by category", cols, rows)
    ing = result["ingest"]
    rate = rate_text(ing["turns"], ing["seconds"])
    print_table("ingest", ["turns", "seconds", "turns/s"], [[ing["turns"], ing["seconds"], rate]])


def _parse_ks(text: str) -> list[int]:
    try:
        ks = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise click.BadParameter(f"{text!r} is not a comma-separated list of integers") from exc
    if not ks or min(ks) < 1:
        raise click.BadParameter("every k must be a positive integer")
    return ks


@click.command("locomo")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.option("-k", "--k", "k_text", default="1,5,10,25,50", show_default=True, help="Cut-offs, comma-separated.")
@click.option("--hops", default=2, show_default=True, help="Traversal depth of the graphmem method.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), default=None, help="Also write the figures here.")
@click.option(
    "--store", type=click.Path(file_okay=False), default=None, help="Keep the store here (default: temporary)."
)
@answer_options
def command(data: str, k_text: str, hops: int, json_out: str | None, store: str | None, **answer_opts: Any) -> None:
    """Evidence recall on LoCoMo for graphmem, its ablation (no entity/fact edges, seeds only), dense-only and
    BM25-only, per category and overall, with the share of top-10 hits that came through entities or facts.
    With --answer claude: answer accuracy (F1, J) from context() beside the whole conversation."""
    if answer_opts["answer"]:
        return run_answer_command(data, store=store, json_out=json_out, **answer_opts)
    from rich.progress import Progress

    ks = _parse_ks(k_text)
    with Progress(transient=True) as bar:
        task = bar.add_task("asking", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = run_locomo(data, ks=ks, store=store, hops=hops, progress=advance)
    print_report(result)
    if json_out:
        Path(json_out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        click.echo(f"wrote {json_out}")
