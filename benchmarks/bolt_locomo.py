"""LoCoMo evidence recall over Bolt beside the embedded store: the same questions, paired, stage by stage.

Ingests a LoCoMo file (default: the dev split) with ``Memory.ingest`` into an embedded store and into a
Bolt store (an ArcadeDB test server started detached through ``tests/support/bolt_server.py``, bound to
127.0.0.1, or ``--uri``), with one embedder and one spaCy pipeline for both, then asks every scored
question (``graphmem bench locomo``'s questions: those with gold evidence) through
``Memory.recall_request`` with the bench's default method (:data:`graphmem.recall.config.DEFAULT_CONFIG`,
``hops`` 2, ``k`` 50 as the bench asks), the two stores taking turns question by question. Scoring is the bench's own
(:func:`graphmem.bench.locomo.score`, aggregated as the bench does).

It prints recall@1/5/10 per category and overall for each store, and per question the paired difference
Bolt − embedded (how many questions better, worse, equal; the mean ± its standard error). For every
question whose top 10 differ it names the first stage that differs, comparing what recall built on each
store in order: the full-text (BM25) seeds, then the dense seeds (event and score lists), then the walk
(the events reached and what arrived at each), else the ranking.

    python benchmarks/bolt_locomo.py --work /tmp/bolt-locomo                       # all of the file
    python benchmarks/bolt_locomo.py --work /tmp/bolt-locomo --conversations conv-26  # one conversation
    python benchmarks/bolt_locomo.py --work /tmp/bolt-locomo --stop                # stop the server it started

A conversation already ingested into ``--work`` is not ingested again (``--fresh`` starts over). Stage
figures come from wrapping the seed and walk functions of :mod:`graphmem.recall.core` in this process
(what they return is recorded, nothing is changed).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from probe_bolt_recall import bolt_env, stop_server  # noqa: E402  (the ArcadeDB test server, started once per work folder)

DATA = "/work/shared/data/locomo/locomo_dev.json"
KS = (1, 5, 10)
#: Scores closer than this (relative) count as equal when stages are compared.
_CLOSE = 1e-6


class Stages:
    """What recall built for the question being asked: its seed lists and what the walk reached."""

    def __init__(self) -> None:
        self.current: dict[str, Any] = {}

    @contextmanager
    def recording(self) -> Iterator[dict[str, Any]]:
        self.current = {}
        yield self.current

    def install(self) -> None:
        from graphmem.recall import core

        def wrap(name: str, keep: Callable[[Any], Any]) -> None:
            plain = getattr(core, name)

            def recorded(*args: Any, **kwargs: Any) -> Any:
                out = plain(*args, **kwargs)
                self.current[name] = keep(out)
                return out

            setattr(core, name, recorded)

        def seeds(found: list[Any]) -> list[tuple[str, float]]:
            return [(ev.source_id or ev.id, float(score)) for ev, score in found]

        def reached(out: dict[str, Any]) -> dict[str, tuple[float, float]]:
            return {node: (r.mass, r.link) for node, r in out.items()}

        wrap("text_seeds", seeds)
        wrap("dense_seeds", seeds)
        wrap("_walk", reached)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=_CLOSE, abs_tol=_CLOSE)


def _same_list(a: list[tuple[str, float]], b: list[tuple[str, float]]) -> bool:
    return len(a) == len(b) and all(x == y and _close(s, t) for (x, s), (y, t) in zip(a, b, strict=True))


def _same_reach(a: dict[str, tuple[float, float]], b: dict[str, tuple[float, float]]) -> bool:
    return a.keys() == b.keys() and all(_close(a[n][0], b[n][0]) and _close(a[n][1], b[n][1]) for n in a)


def _ids(built: dict[str, Any], stage: str) -> list[str]:
    return [node for node, _score in built.get(stage, [])]


def _overlap(mine: dict[str, Any], theirs: dict[str, Any], stage: str) -> float:
    """The share of the longer of two seed lists that both hold (1.0 when both are empty)."""
    a, b = set(_ids(mine, stage)), set(_ids(theirs, stage))
    return len(a & b) / max(len(a), len(b)) if a or b else 1.0


def first_difference(mine: dict[str, Any], theirs: dict[str, Any]) -> str:
    """The first stage whose output differs between two recalls of one question ("" when none does)."""
    if not _same_list(mine.get("text_seeds", []), theirs.get("text_seeds", [])):
        return "text seeds"
    if not _same_list(mine.get("dense_seeds", []), theirs.get("dense_seeds", [])):
        return "dense seeds"
    if not _same_reach(mine.get("_walk", {}), theirs.get("_walk", {})):
        return "walk"
    return ""


def _methods() -> dict[str, Any]:
    """The bench's methods by name, and the default method without full-text seeds ("no text")."""
    from graphmem.bench.locomo import METHODS
    from graphmem.recall.config import DEFAULT_CONFIG

    return {**METHODS, "no text": DEFAULT_CONFIG.with_(text=False)}


def subset(data: str, conversations: list[str], work: Path) -> str:
    """``data``, or a copy in ``work`` holding only the named conversations (by ``sample_id``, in file order)."""
    if not conversations:
        return data
    samples = json.loads(Path(data).read_text(encoding="utf-8"))
    kept = [s for s in samples if s["sample_id"] in set(conversations)]
    missing = set(conversations) - {s["sample_id"] for s in kept}
    if missing:
        raise SystemExit(f"no conversation {sorted(missing)} in {data}")
    out = work / ("locomo-" + "-".join(sorted(conversations)) + ".json")
    out.write_text(json.dumps(kept), encoding="utf-8")
    return str(out)


def ingest(mem: Any, data: str, wanted: set[str]) -> dict[str, Any]:
    """Ingest ``data`` unless every conversation of it is in ``mem`` already; the time it took."""
    if wanted <= set(mem.namespaces()):
        return {"skipped": True}
    for ns in wanted & set(mem.namespaces()):
        mem.forget(ns)
    started = time.perf_counter()
    summary = mem.ingest(data)
    if not summary.ok:
        raise SystemExit(f"ingesting {data} into {mem.store.uri} failed: {summary.errors}")
    seconds = time.perf_counter() - started
    return {"turns": summary.turns, "seconds": round(seconds, 1), "turns_per_s": round(summary.turns / seconds, 1)}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2) if ordered else 0.0


def paired(a: list[float], b: list[float]) -> dict[str, Any]:
    """Bolt − embedded per question: counts better/worse/equal, the mean difference and its standard error."""
    diffs = [y - x for x, y in zip(a, b, strict=True)]
    n = len(diffs)
    se = statistics.stdev(diffs) / math.sqrt(n) if n > 1 else 0.0
    return {
        "better": sum(d > 0 for d in diffs),
        "worse": sum(d < 0 for d in diffs),
        "equal": sum(d == 0 for d in diffs),
        "mean": round(100 * statistics.fmean(diffs), 2) if n else 0.0,
        "se": round(100 * se, 2),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    from graphmem.bench.locomo import _aggregate, load_questions, score
    from graphmem.embed import default_embedder
    from graphmem.extract.nlp import load_nlp
    from graphmem.memory import Memory
    from graphmem.recall import RecallRequest

    config = _methods()[args.method]
    work: Path = args.work
    data = subset(args.data, args.conversations, work)
    questions, _turns = load_questions(data)
    scored = [q for q in questions if q.gold]
    wanted = {q.namespace for q in questions}
    if args.uri:
        uri, login = args.uri, {"auth": (args.user, args.password), "database": args.database}
    else:
        env = bolt_env(work)
        uri = env["GRAPHMEM_TEST_BOLT_URI"]
        login = {
            "auth": (env["GRAPHMEM_TEST_BOLT_USER"], env["GRAPHMEM_TEST_BOLT_PASSWORD"]),
            "database": env["GRAPHMEM_TEST_BOLT_DATABASE"],
        }
    embedder, nlp = default_embedder(), load_nlp()
    embedder.embed(["warm up"])
    stages = Stages()
    stages.install()
    names = ("embedded", "bolt")
    with (
        Memory.open(work / "embedded", embedder=embedder, nlp=nlp) as local,
        Memory.open(uri, embedder=embedder, nlp=nlp, **login) as remote,
    ):
        memories = (local, remote)
        if args.copy_max_events is not None:
            remote.store.copy_max_events = args.copy_max_events  # type: ignore[attr-defined]
        copy_bound = getattr(remote.store, "copy_max_events", None)
        if args.fresh:
            for mem in memories:
                for ns in wanted & set(mem.namespaces()):
                    mem.forget(ns)
        ingested = {name: ingest(mem, data, wanted) for name, mem in zip(names, memories, strict=True)}
        print(json.dumps({"ingest": ingested}), file=sys.stderr)
        for ns in sorted(wanted):  # warm-up: index loads, copies
            for mem in memories:
                mem.recall_request(RecallRequest.of("warm up", namespace=ns, k=args.k), config=config)
        rows: dict[str, list[tuple[int, dict[str, float]]]] = defaultdict(list)
        wall: dict[str, list[float]] = defaultdict(list)
        per_question: list[dict[str, Any]] = []
        started = time.perf_counter()
        for q in scored:
            request = RecallRequest.of(q.text, namespace=q.namespace, k=args.k, hops=args.hops)
            built: dict[str, dict[str, Any]] = {}
            ranked: dict[str, list[str]] = {}
            for name, mem in zip(names, memories, strict=True):
                with stages.recording() as seen:
                    began = time.perf_counter()
                    hits = mem.recall_request(request, config=config)
                    wall[name].append(1000 * (time.perf_counter() - began))
                built[name] = seen
                ranked[name] = [h.event.source_id or h.event.id for h in hits]
                rows[name].append((q.category, score(ranked[name], q.gold, KS)))
            per_question.append(
                {
                    "namespace": q.namespace,
                    "index": q.index,
                    "category": q.category,
                    "question": q.text,
                    "embedded": ranked["embedded"],
                    "bolt": ranked["bolt"],
                    "text_seeds_differ": not _same_list(
                        built["embedded"].get("text_seeds", []), built["bolt"].get("text_seeds", [])
                    ),
                    "text_seed_ids_differ": _ids(built["embedded"], "text_seeds") != _ids(built["bolt"], "text_seeds"),
                    "text_seed_overlap": _overlap(built["embedded"], built["bolt"], "text_seeds"),
                    "dense_seeds_differ": not _same_list(
                        built["embedded"].get("dense_seeds", []), built["bolt"].get("dense_seeds", [])
                    ),
                    "first_difference": first_difference(built["embedded"], built["bolt"]),
                }
            )
        asked_s = time.perf_counter() - started
    result: dict[str, Any] = {
        "data": data,
        "conversations": sorted(wanted),
        "questions": len(scored),
        "hops": args.hops,
        "k": args.k,
        "method": args.method,
        "copy_max_events": copy_bound,
        "ingest": ingested,
        "asking_seconds": round(asked_s, 1),
        "stores": {name: _aggregate(rows[name]) for name in names},
        "recall_ms": {name: {"p50": _pct(wall[name], 0.5), "p95": _pct(wall[name], 0.95)} for name in names},
    }
    result["paired"] = {
        metric: paired([r[metric] for _, r in rows["embedded"]], [r[metric] for _, r in rows["bolt"]])
        for metric in (*(f"recall@{k}" for k in KS), "mrr")
    }
    result["paired_by_category"] = {
        str(cat): {
            f"recall@{k}": paired(
                [r[f"recall@{k}"] for c, r in rows["embedded"] if c == cat],
                [r[f"recall@{k}"] for c, r in rows["bolt"] if c == cat],
            )
            for k in KS
        }
        for cat in sorted({q.category for q in scored})
    }
    differ = [p for p in per_question if p["embedded"][:10] != p["bolt"][:10]]
    result["top10_differ"] = len(differ)
    result["top10_sets_differ"] = sum(set(p["embedded"][:10]) != set(p["bolt"][:10]) for p in per_question)
    result["stage_of_difference"] = dict(Counter(p["first_difference"] or "ranking" for p in differ))
    result["text_seeds_differ"] = sum(p["text_seeds_differ"] for p in per_question)
    result["text_seed_ids_differ"] = sum(p["text_seed_ids_differ"] for p in per_question)
    result["text_seed_overlap_mean"] = round(statistics.fmean(p["text_seed_overlap"] for p in per_question), 3)
    result["dense_seeds_differ"] = sum(p["dense_seeds_differ"] for p in per_question)
    result["per_question"] = per_question
    return result


def markdown(result: dict[str, Any]) -> str:
    """The figures as Markdown tables."""
    stores = result["stores"]
    cats = sorted({c for fig in stores.values() for c in fig["by_category"]}, key=int)
    lines = [
        f"{result['questions']} questions, conversations {', '.join(result['conversations'])}; method "
        f"{result['method']!r}, Bolt copy bound {result['copy_max_events']}",
        "",
        "| store | k | " + " | ".join(f"cat {c}" for c in cats) + " | all |",
        "|---|---|" + "---|" * (len(cats) + 1),
    ]
    for name, fig in stores.items():
        for k in KS:
            cells = [f"{fig['by_category'][c][f'recall@{k}']:.2f}" for c in cats]
            lines.append(f"| {name} | R@{k} | {' | '.join(cells)} | {fig[f'recall@{k}']:.2f} |")
    lines += ["", "| Bolt − embedded | better | worse | equal | mean ± SE (points) |", "|---|---|---|---|---|"]
    for metric, p in result["paired"].items():
        lines.append(f"| {metric} | {p['better']} | {p['worse']} | {p['equal']} | {p['mean']:+.2f} ± {p['se']:.2f} |")
    lines += [
        "",
        f"top 10 differ on {result['top10_differ']} of {result['questions']} questions (as sets on "
        f"{result['top10_sets_differ']}); first stage that differs: "
        + ", ".join(f"{k} {v}" for k, v in sorted(result["stage_of_difference"].items())),
        f"full-text seeds differ on {result['text_seeds_differ']} (their events or order on "
        f"{result['text_seed_ids_differ']}; mean overlap of the two lists {result['text_seed_overlap_mean']}), "
        f"dense seeds on {result['dense_seeds_differ']}",
        "recall wall ms (stage recording included) p50 / p95: "
        + ", ".join(f"{name} {ms['p50']} / {ms['p95']}" for name, ms in result["recall_ms"].items()),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True, help="keeps the stores and the server between runs")
    parser.add_argument("--data", default=DATA)
    parser.add_argument("--conversations", nargs="*", default=[], help="sample ids to keep (default: all)")
    parser.add_argument("--hops", type=int, default=2)
    parser.add_argument("--k", type=int, default=50, help="hits asked for (the bench's default depth)")
    parser.add_argument("--uri", default=None, help="a Bolt server instead of the ArcadeDB test server")
    parser.add_argument("--user", default="neo4j")
    parser.add_argument("--password", default="")
    parser.add_argument("--database", default=None)
    parser.add_argument("--method", default="graphmem", help="a method of `graphmem bench locomo`, or 'no text'")
    parser.add_argument(
        "--copy-max-events", type=int, default=None, help="the Bolt store's copy bound (0: no copy; default: its own)"
    )
    parser.add_argument("--fresh", action="store_true", help="ingest again even where already ingested")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures (and per question) here")
    parser.add_argument("--stop", action="store_true", help="stop the server started in --work")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.stop:
        stop_server(args.work)
        return
    result = run(args)
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(markdown(result))


if __name__ == "__main__":
    main()
