"""Which part of a client-side BM25 makes its full-text seeds differ from the embedded store's FTS5 ones.

Asks every scored LoCoMo question with the bench's ``bm25`` method on an embedded store (the one
``benchmarks/bolt_locomo.py --work DIR`` keeps in ``DIR/embedded``), records the full-text query recall
sends and the FTS5 seeds it gets, then ranks the same namespace's turns for the same query with Okapi BM25
(k1 1.2, b 0.75) computed here, one variant per combination of

* tokens: a light stemmer (one of ``ing``/``ed``/``es``/``s`` stripped, what the Bolt store's fallback
  used before 3 Dec 2026) or FTS5's own ``porter unicode61`` tokens;
* lengths: in characters or in tokens;
* idf: Lucene's ``ln(1 + (N − n + 0.5)/(n + 0.5))`` or FTS5's ``ln((N − n + 0.5)/(n + 0.5))`` (1e-6 when
  not positive),

and prints, per variant, on how many questions its list equals FTS5's, the mean overlap of the two lists,
and recall@1/5/10 of the list alone with the paired recall@10 difference against FTS5 (± standard error).
The light-stemmer variants keep only turns whose lower-cased text contains a stem (what ``CONTAINS``
found); the Porter ones score every turn holding a token.

    python benchmarks/bm25_variants.py --work /tmp/bolt-locomo
"""

from __future__ import annotations

import argparse
import math
import re
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

DATA = "/work/shared/data/locomo/locomo_dev.json"
_WORD = re.compile(r"\w+", re.UNICODE)
_SUFFIXES = ("ing", "ed", "es", "s")
KS = (1, 5, 10)


def light_stem(word: str) -> str:
    """The Bolt fallback's stemmer before 3 Dec 2026: strips one common inflection."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def rank(
    docs: list[Counter[str]],
    lengths: list[int],
    texts: list[str],
    terms: list[str],
    fts5_idf: bool,
    contains: bool,
) -> list[tuple[int, float]]:
    """``(doc index, score)`` best first (ties by index, the insertion order FTS5 breaks them by)."""
    n_docs, avg = len(docs), statistics.fmean(lengths)
    k1, b = 1.2, 0.75
    df = {t: sum(1 for d in docs if d[t]) for t in terms}
    out = []
    for i, counts in enumerate(docs):
        if contains and not any(t in texts[i].lower() for t in terms):
            continue
        score = 0.0
        for t in terms:
            tf = counts[t]
            if tf:
                if fts5_idf:
                    idf = math.log((n_docs - df[t] + 0.5) / (df[t] + 0.5))
                    idf = idf if idf > 0 else 1e-6
                else:
                    idf = math.log(1 + (n_docs - df[t] + 0.5) / (df[t] + 0.5))
                score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths[i] / avg))
        if score > 0:
            out.append((i, score))
    out.sort(key=lambda hit: (-hit[1], hit[0]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True, help="a bolt_locomo.py work folder")
    parser.add_argument("--data", default=DATA)
    args = parser.parse_args()

    from graphmem.bench.locomo import METHODS, load_questions, score
    from graphmem.memory import Memory
    from graphmem.recall import RecallRequest, core
    from graphmem.store.cypher.text_search import text_tokens

    asked: list[tuple[str, str, int, list[str]]] = []
    plain = core.text_seeds

    def recorded(store: Any, query: Any, namespace: str, k: int, admit: Any, *, filtered: bool) -> Any:
        out = plain(store, query, namespace, k, admit, filtered=filtered)
        asked.append((namespace, query.fulltext, k, [ev.source_id or ev.id for ev, _ in out]))
        return out

    core.text_seeds = recorded  # type: ignore[assignment]
    questions = [q for q in load_questions(args.data)[0] if q.gold]
    corpus: dict[str, dict[str, Any]] = {}
    with Memory.open(args.work / "embedded") as mem:
        for ns in {q.namespace for q in questions}:
            events = list(mem.store.iter_events(ns))  # insertion order: FTS5's rowid order
            texts = [e.text for e in events]
            porter = text_tokens(texts)
            corpus[ns] = {
                "ids": [e.source_id or e.id for e in events],
                "texts": texts,
                "chars": [len(t) for t in texts],
                "porter": [Counter(porter[t]) for t in texts],
                "porter_len": [len(porter[t]) for t in texts],
                "light": [Counter(light_stem(w) for w in _WORD.findall(t.casefold())) for t in texts],
                "light_len": [len(_WORD.findall(t)) for t in texts],
            }
        for q in questions:
            mem.recall_request(RecallRequest.of(q.text, namespace=q.namespace, k=10), config=METHODS["bm25"])
    if len(asked) != len(questions):
        raise SystemExit(f"{len(asked)} full-text searches for {len(questions)} questions")
    fts5 = [score(found, q.gold, KS) for (_, _, _, found), q in zip(asked, questions, strict=True)]
    print(f"FTS5 (embedded): {_figures(fts5)}")
    print("| tokens | lengths | idf | same list | overlap | R@1 | R@5 | R@10 | R@10 − FTS5 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for porter in (False, True):
        for by_tokens in (False, True):
            for fts5_idf in (False, True):
                same, overlap, rows = 0, [], []
                for (ns, text, k, theirs), q in zip(asked, questions, strict=True):
                    c = corpus[ns]
                    words = list(dict.fromkeys(_WORD.findall(text.casefold())))
                    if porter:
                        split = text_tokens(words)
                        terms = list(dict.fromkeys(t for w in words for t in split[w]))
                    else:
                        terms = list(dict.fromkeys(light_stem(w) for w in words))
                    docs = c["porter"] if porter else c["light"]
                    lengths = c[("porter_len" if porter else "light_len") if by_tokens else "chars"]
                    found = rank(docs, lengths, c["texts"], terms, fts5_idf, not porter)[:k] if terms else []
                    mine = [c["ids"][i] for i, _ in found]
                    same += mine == theirs
                    a, b = set(mine), set(theirs)
                    overlap.append(len(a & b) / max(len(a), len(b)) if a or b else 1.0)
                    rows.append(score(mine, q.gold, KS))
                diffs = [r["recall@10"] - f["recall@10"] for r, f in zip(rows, fts5, strict=True)]
                se = statistics.stdev(diffs) / math.sqrt(len(diffs))
                fig = _figures(rows)
                print(
                    f"| {'Porter (FTS5)' if porter else 'light stem'} | {'tokens' if by_tokens else 'chars'} | "
                    f"{'FTS5' if fts5_idf else 'Lucene'} | {same}/{len(questions)} | {statistics.fmean(overlap):.3f} | "
                    f"{fig} | {100 * statistics.fmean(diffs):+.2f} ± {100 * se:.2f} |"
                )


def _figures(rows: list[dict[str, float]]) -> str:
    return " | ".join(f"{100 * statistics.fmean(r[f'recall@{k}'] for r in rows):.2f}" for k in KS)


if __name__ == "__main__":
    main()
