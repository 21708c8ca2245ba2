"""List questions ("What activities does Melanie partake in?") told apart by their syntax, then recalled otherwise.

Usage::

    .venv/bin/python benchmarks/list_questions.py STORE [--data locomo_dev.json] [--cache rows.pkl]

STORE is a kept ``graphmem bench locomo --store`` directory (opened read-only). A question is a *list
question* when a plural noun (``NNS``/``NNPS``) has ``what`` or ``which`` as its dependent: its answer is
several things, which in a dialogue are usually said in several sessions. For those questions only, each
variant below replaces the default ranking, and recall@10 is printed for all scored questions (the
others keep the default) and per LoCoMo category, then for the list questions alone:

* another recall configuration (the entity walk, person facts, feedback, fewer or no NEXT lifts);
* at most ``c`` turns per session in the top ten (the rest keep their order below);
* the turns spoken by the person the question names lifted by a factor ``1 + b``.

The default top 50 of every question and the variants' rankings are kept in ``--cache`` so the
analysis can be re-run without recalling again.
"""

from __future__ import annotations

import argparse
import collections
import pickle
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graphmem import Memory
from graphmem.bench.locomo import load_questions, score
from graphmem.extract.nlp import load_nlp
from graphmem.recall import RecallConfig, RecallRequest
from graphmem.recall.config import DEFAULT_CONFIG, ENTITY_WALK_CONFIG, FEEDBACK_CONFIG, PERSON_FACTS_CONFIG

Hit = tuple[str, str | None, str, float]  # turn id, speaker, session, score
Row = dict[str, Any]

CONFIGS: dict[str, RecallConfig] = {
    "default": DEFAULT_CONFIG,
    "entity walk": ENTITY_WALK_CONFIG,
    "person facts 0.5": PERSON_FACTS_CONFIG,
    "person facts 1.0": DEFAULT_CONFIG.with_(fact_seed_weight=1.0),
    "feedback": FEEDBACK_CONFIG,
    "no NEXT": DEFAULT_CONFIG.with_(next_weight=0.0),
    "NEXT 0.15": DEFAULT_CONFIG.with_(next_weight=0.15),
}


def is_list_question(nlp: Any, text: str) -> bool:
    """A plural noun with ``what``/``which`` as its dependent ("What books has …", "Which cities …")."""
    return any(
        token.tag_ in ("NNS", "NNPS") and any(child.lower_ in ("what", "which") for child in token.children)
        for token in nlp(text)
    )


def collect(store: str, data: str) -> list[Row]:
    """Every scored question's top 50 under each configuration (all of them for list questions)."""
    questions, _turns = load_questions(data)
    nlp = load_nlp()
    rows: list[Row] = []
    with Memory.open(store, read_only=True) as mem:
        for q in (q for q in questions if q.gold):
            listed = is_list_question(nlp, q.text)
            names = list(CONFIGS) if listed else ["default"]
            ranked: dict[str, list[Hit]] = {}
            for name in names:
                request = RecallRequest.of(q.text, namespace=q.namespace, k=50, hops=2)
                hits = mem.recall_request(request, config=CONFIGS[name])
                ranked[name] = [
                    (h.event.source_id or h.event.id, h.event.speaker, h.event.session, h.score) for h in hits
                ]
            rows.append(
                {
                    "ns": q.namespace,
                    "text": q.text,
                    "cat": q.category,
                    "gold": list(q.gold),
                    "list": listed,
                    "ranked": ranked,
                }
            )
    return rows


def per_session_cap(hits: list[Hit], cap: int) -> list[Hit]:
    """At most ``cap`` turns of one session first, in order; the others after them, in order."""
    first: list[Hit] = []
    later: list[Hit] = []
    seen: collections.Counter[str] = collections.Counter()
    for hit in hits:
        (first if seen[hit[2]] < cap else later).append(hit)
        seen[hit[2]] += 1
    return first + later


def speaker_lift(hits: list[Hit], named: set[str], factor: float) -> list[Hit]:
    """Turns spoken by a person the question names, their scores times ``1 + factor``; a stable sort."""
    keyed = [(-(h[3] * (1 + factor if h[1] in named else 1)), i, h) for i, h in enumerate(hits)]
    return [h for _, _, h in sorted(keyed)]


def report(rows: list[Row]) -> None:
    """Print recall@10 per variant (list questions changed, the others default)."""
    speakers: dict[str, set[str]] = collections.defaultdict(set)
    for row in rows:
        speakers[row["ns"]].update(h[1] for h in row["ranked"]["default"] if h[1])

    def named(row: Row) -> set[str]:
        return {s for s in speakers[row["ns"]] if s.lower() in row["text"].lower()}

    variants: dict[str, Callable[[Row], list[Hit]]] = {}
    for name in CONFIGS:
        variants[name] = lambda row, name=name: row["ranked"][name]
    for cap in (1, 2, 3):
        variants[f"{cap} per session"] = lambda row, cap=cap: per_session_cap(row["ranked"]["default"], cap)
    for factor in (0.1, 0.2, 0.4):
        variants[f"speaker lift {factor}"] = lambda row, f=factor: speaker_lift(row["ranked"]["default"], named(row), f)

    counts = collections.Counter(row["cat"] for row in rows if row["list"])
    print(f"list questions: {sum(counts.values())} of {len(rows)}; per category {dict(sorted(counts.items()))}")
    cats = sorted({row["cat"] for row in rows})
    print(
        f"{'variant (list questions only)':28s} {'all':>6s} "
        + " ".join(f"{'cat ' + str(c):>6s}" for c in cats)
        + f" {'list':>6s}"
    )
    for name, rank in variants.items():
        by_cat: dict[int, list[float]] = collections.defaultdict(list)
        listed: list[float] = []
        for row in rows:
            hits = rank(row) if row["list"] else row["ranked"]["default"]
            value = score([h[0] for h in hits], row["gold"], (10,))["recall@10"]
            by_cat[row["cat"]].append(value)
            if row["list"]:
                listed.append(value)
        every = [v for values in by_cat.values() for v in values]
        print(
            f"{name:28s} {100 * statistics.fmean(every):6.2f} "
            + " ".join(f"{100 * statistics.fmean(by_cat[c]):6.2f}" for c in cats)
            + f" {100 * statistics.fmean(listed):6.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store")
    parser.add_argument("--data", default="../shared/data/locomo/locomo_dev.json")
    parser.add_argument("--cache", help="pickle of the rankings: read when it exists, else written")
    args = parser.parse_args()
    if args.cache and Path(args.cache).exists():
        rows = pickle.loads(Path(args.cache).read_bytes())
    else:
        rows = collect(args.store, args.data)
        if args.cache:
            Path(args.cache).write_bytes(pickle.dumps(rows))
    report(rows)


if __name__ == "__main__":
    main()
