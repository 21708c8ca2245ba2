"""Calibrate the Bolt store's copy estimate (``graphmem/store/cypher/copy.py``) against ``tracemalloc``.

Loads copies with ``load_events``/``load_edges`` from rows shaped like the server's (every string its own
object, as the driver gives them), drops the rows, and prints what the copy holds under ``tracemalloc``
next to its estimate (``.size``), for LoCoMo turns, long texts and random vocabularies. No server.

    PYTHONPATH=$PWD python benchmarks/copy_bytes.py /work/shared/data/locomo/locomo_dev.json
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from graphmem.store.cypher.copy import LOAD_EDGES, LOAD_ENTITIES, load_edges, load_events


def fresh(s: str) -> str:
    return (s + "\x00")[:-1]


def locomo_texts(path: str) -> list[str]:
    out: list[str] = []
    for conversation in json.loads(Path(path).read_text(encoding="utf-8")):
        for key, turns in conversation["conversation"].items():
            if key.startswith("session_") and isinstance(turns, list):
                out += [t["text"] for t in turns]
    return out


class Rows:
    """The load statements' rows: ``texts`` as events, ``entities`` entities, edges per event (1 in
    ``fact_every`` a FACT with its properties)."""

    def __init__(self, texts: list[str], entities: int, edges_per_event: int, fact_every: int = 0) -> None:
        t0, ns, n = datetime(2023, 5, 1), "n", len(texts)
        self.ev = [
            {
                "p": {
                    "namespace": fresh(ns), "id": f"e{i}", "session": f"s{i // 20}", "seq": i,
                    "speaker": fresh("Caroline"), "text": fresh(t), "occurred_at": t0 + timedelta(minutes=i),
                    "source_id": f"D{i // 20}:{i % 20}", "source_file": fresh("locomo.json"), "source_line": i,
                    "kind": fresh("utterance"), "times": None,
                },
                "total": n,
                "chars": 120.0,
            }
            for i, t in enumerate(texts)
        ]  # fmt: skip
        self.ent = [
            {
                "p": {
                    "namespace": fresh(ns), "id": f"ent-{i}", "name": f"Entity number {i}", "type": fresh("Thing"),
                    "aliases": [f"alias {i}"] if i % 3 == 0 else [],
                }
            }
            for i in range(entities)
        ]  # fmt: skip
        rng = random.Random(2)
        self.ed: list[dict[str, Any]] = []
        for i in range(n * edges_per_event):
            a = rng.randrange(n)
            if i % 4 == 0:
                b, labels, kind = f"s{a // 20}", ["Session"], "IN_SESSION"
            elif i % 4 == 1 and a + 1 < n:
                b, labels, kind = f"e{a + 1}", ["Event"], "NEXT"
            else:
                b, labels, kind = f"ent-{rng.randrange(max(entities, 1))}", ["Entity"], "MENTIONS"
            p: dict[str, Any] = {"namespace": fresh(ns)}
            if fact_every and i % fact_every == 0:
                kind, labels = "FACT", ["Entity"]
                p.update(id=f"f{i}", predicate=fresh("likes"), recorded_at=t0, valid_from=t0, evidence=[f"e{a}"])
            self.ed.append(
                {"a": f"e{a}", "a_labels": ["Event"], "a_at": t0 + timedelta(minutes=a), "b": b, "b_labels": labels,
                 "b_at": None, "b_ns": fresh(ns), "type": fresh(kind), "p": p}
            )  # fmt: skip

    def read(self, cypher: str, params: Any = None) -> list[dict[str, Any]]:
        return self.ed if cypher == LOAD_EDGES else self.ent if cypher == LOAD_ENTITIES else self.ev


def measure(name: str, make: Callable[[], Rows]) -> None:
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    rows = make()
    events = load_events(rows, "n", 1, 10**7)  # type: ignore[arg-type]
    assert events is not None
    events.search_text(["w"], 1)  # the BM25 index is built on the first text search; the estimate counts it
    edges = load_edges(rows, "n", 1)  # type: ignore[arg-type]
    assert events is not None and edges is not None
    del rows
    gc.collect()
    both = tracemalloc.get_traced_memory()[0] - base
    estimate, edge_estimate = events.size, edges.size
    neighbour_rows = sum(len(r) for r in edges.edges.values())
    del edges
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    pairs = sum(len(c) for c in events.terms.values())
    n = max(len(events.events), 1)
    chars = sum(len(e.text) for e in events.events.values()) / n
    mib = 2**20
    print(
        f"{name}: {len(events.events)} events ({chars:.0f} chars, {pairs / n:.0f} stems each, "
        f"{len(events.postings)} in all), {len(events.entities)} entities: events part {estimate / mib:.2f} "
        f"estimated / {held / mib:.2f} MiB measured ({estimate / held:.2f}); {neighbour_rows} neighbour rows: "
        f"{edge_estimate / mib:.2f} / {(both - held) / mib:.2f} MiB ({edge_estimate / (both - held):.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("locomo", help="a LoCoMo JSON file (its turns are the short texts)")
    texts = locomo_texts(parser.parse_args().locomo)
    rng = random.Random(1)
    vocab = [f"w{i}x" for i in range(20000)]
    long_random = [" ".join(rng.choices(vocab, k=350)) for _ in range(2000)]
    joined, current = [], []
    for t in texts * 2:
        current.append(t)
        if sum(map(len, current)) > 2500:
            joined.append(" ".join(current))
            current = []
    short_random = [" ".join(rng.choices(vocab, k=25)) for _ in range(3000)]
    measure("LoCoMo turns", lambda: Rows(texts[:1000], 500, 8))
    measure("LoCoMo turns, facts", lambda: Rows(texts, 1200, 6, fact_every=5))
    measure("350 random words", lambda: Rows(long_random, 100, 3))
    measure("LoCoMo turns joined to ~2.6 KB", lambda: Rows(joined[:2000], 300, 3))
    measure("25 random words", lambda: Rows(short_random, 300, 3))


if __name__ == "__main__":
    main()
