"""The keys the Bolt full-text fallback asks the server for (``graphmem/store/cypher/text_search.py``): do they
find every form of a word, and how many turns do they bring back?

Two checks, no server:

- **vocabulary**: the alphabetic words of spaCy's English vocabulary (``nlp.vocab.strings``, lower case) and
  the words of a LoCoMo file, grouped by their FTS5 Porter token; a *miss* is a pair of words stemmed alike
  where the lower-cased second holds none of the first's keys (``CONTAINS`` would not find it);
- **candidates**: for each question of the LoCoMo file, the words recall's full-text channel asks for
  (``analyse(question).fulltext``), and the turns of its conversation whose lower-cased text holds a key
  (what the server returns), beside the turns holding a query token (what BM25 scores: the fewest any
  complete set of keys can return).

Usage::

    python benchmarks/text_keys.py /work/shared/data/locomo/locomo_dev.json
    python benchmarks/text_keys.py /work/shared/data/locomo/locomo_dev.json --store DIR/embedded  # bolt_locomo's
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
from collections import defaultdict
from pathlib import Path

from graphmem.recall.query import analyse
from graphmem.store.cypher.text_search import query_terms, text_tokens

_WORD = re.compile(r"\w+")


def vocabulary(locomo: list[dict]) -> tuple[set[str], set[str]]:
    """The lower-cased alphabetic words of spaCy's English vocabulary, and the words of the LoCoMo file."""
    from graphmem.extract.nlp import load_nlp

    nlp = load_nlp()
    spacy_words = {s.lower() for s in nlp.vocab.strings if s.isalpha()}
    texts: list[str] = []

    def walk(o: object) -> None:
        if isinstance(o, dict):
            for k, v in o.items():
                if isinstance(v, str) and k in ("text", "question", "answer"):
                    texts.append(v)
                else:
                    walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)

    walk(locomo)
    return spacy_words, {w for t in texts for w in _WORD.findall(t.lower())}


def misses(words: set[str]) -> tuple[int, int, list[tuple[str, str, list[str]]]]:
    """How many words, how many tokens, and the pairs (query word, text word, keys) a key does not reach."""
    tokens = text_tokens(words)
    groups: dict[str, set[str]] = defaultdict(set)
    for w in words:
        if len(tokens[w]) == 1:
            groups[tokens[w][0]].add(w)
    bad: list[tuple[str, str, list[str]]] = []
    for forms in groups.values():
        for w in forms:
            _, keys = query_terms([w.casefold()])
            bad += [(w, o, keys) for o in forms if not any(k in o for k in keys)]
    return sum(len(f) for f in groups.values()), len(groups), bad


def candidates(locomo: list[dict]) -> None:
    """Per question: turns holding a key (returned by the server) and turns holding a token (scored)."""
    returned: list[int] = []
    scored: list[int] = []
    worst: list[tuple[int, int, str, list[str]]] = []
    for sample in locomo:
        turns = [
            t["text"]
            for v in sample["conversation"].values()
            if isinstance(v, list)
            for t in v
            if isinstance(t, dict) and "text" in t
        ]
        lowered = [t.lower() for t in turns]
        held = text_tokens(turns)
        for qa in sample["qa"]:
            words = list(dict.fromkeys(_WORD.findall(analyse(qa["question"]).fulltext.casefold())))
            if not words:
                continue
            terms, keys = query_terms(words)
            n = sum(any(k in t for k in keys) for t in lowered)
            returned.append(n)
            scored.append(sum(any(x in held[t] for x in terms) for t in turns))
            worst.append((n, len(turns), qa["question"], keys))
    print(f"questions {len(returned)}")
    for name, counts in (("returned (a key)", returned), ("scored (a token)", scored)):
        ranked = sorted(counts)
        print(
            f"{name}: mean {statistics.mean(counts):.1f} turns, median {statistics.median(counts):.0f}, "
            f"p95 {ranked[int(0.95 * len(ranked))]}, max {ranked[-1]}"
        )
    print("largest candidate sets (turns returned, turns in the conversation, question, keys):")
    for row in sorted(worst, reverse=True)[:5]:
        print("  ", row)


def store_candidates(locomo: Path, store: Path) -> None:
    """As :func:`candidates`, over the turns an embedded store ingested (the texts a server holds: image
    captions included), for the scored questions (those with gold evidence)."""
    from graphmem.bench.locomo import load_questions
    from graphmem.memory import Memory

    questions = [q for q in load_questions(locomo)[0] if q.gold]
    with Memory.open(store) as mem:
        texts = {ns: [e.text.lower() for e in mem.store.iter_events(ns)] for ns in mem.namespaces()}
    returned: list[int] = []
    for q in questions:
        words = list(dict.fromkeys(_WORD.findall(analyse(q.text).fulltext.casefold())))
        if words:
            keys = query_terms(words)[1]
            returned.append(sum(any(k in t for k in keys) for t in texts[q.namespace]))
    ranked = sorted(returned)
    print(
        f"ingested turns, {len(returned)} scored questions: mean {statistics.mean(returned):.1f} turns returned, "
        f"median {statistics.median(returned):.0f}, p95 {ranked[int(0.95 * len(ranked))]}, max {ranked[-1]}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("locomo", type=Path, help="a LoCoMo JSON file")
    parser.add_argument("--store", type=Path, help="an embedded store holding the file (candidates over its turns)")
    args = parser.parse_args()
    locomo = json.loads(args.locomo.read_text())
    spacy_words, locomo_words = vocabulary(locomo)
    for name, words in (
        ("spaCy vocabulary", spacy_words),
        ("spaCy vocabulary, ASCII", {w for w in spacy_words if w.isascii()}),
        ("spaCy vocabulary, not ASCII", {w for w in spacy_words if not w.isascii()}),
        ("LoCoMo words", locomo_words),
    ):
        n, stems, bad = misses(words)
        print(f"{name}: {len(words)} words, {n} of one token, {stems} tokens; misses {len(bad)}: {bad[:10]}")
    candidates(locomo)
    if args.store is not None:
        store_candidates(args.locomo, args.store)


if __name__ == "__main__":
    main()
