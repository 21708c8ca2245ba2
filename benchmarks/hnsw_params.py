"""Recall@10 of hnswlib (M, ef_construction, ef) and of float16 exact search, against float32 exact search.

    python benchmarks/hnsw_params.py STORE NAMESPACE N [--configs 16:100,16:200] [--efs 64,96,128,200,400]
        [--distinct]

Reads the first ``N`` stored embeddings of ``NAMESPACE`` from a store directory (for example one written by
``graphmem bench scale --store DIR``) and asks the bench's 200 synthetic questions. A hit counts as right
when its exact score reaches the exact 10th score, so ties between duplicate texts are not penalised.
``--distinct`` keeps one copy of each vector. Prints one JSON object per configuration as it goes.
The figures in docs/scale.md come from this script.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time

import hnswlib
import numpy as np
import numpy.typing as npt

from graphmem.bench.scale import questions
from graphmem.embed import default_embedder

Matrix = npt.NDArray[np.float32]


def _unit(x: Matrix) -> Matrix:
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _recall(found: list[npt.NDArray[np.int64]], exact: Matrix, kth: Matrix) -> float:
    right = [np.sum(exact[f, j] >= kth[j] - 1e-5) / 10 for j, f in enumerate(found)]
    return round(float(np.mean(right)), 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store")
    parser.add_argument("namespace")
    parser.add_argument("n", type=int)
    parser.add_argument("--configs", default="16:100,16:200", help="M:ef_construction pairs, comma-separated")
    parser.add_argument("--efs", default="64,96,128,200,400", help="ef values, comma-separated")
    parser.add_argument("--distinct", action="store_true", help="keep one copy of each vector")
    args = parser.parse_args()

    conn = sqlite3.connect(f"file:{args.store}/graphmem.sqlite3?mode=ro", uri=True)
    rows = conn.execute("SELECT vec FROM embeddings WHERE ns = ? LIMIT ?", (args.namespace, args.n)).fetchall()
    vectors = _unit(np.frombuffer(b"".join(r[0] for r in rows), dtype=np.float32).reshape(len(rows), -1))
    if args.distinct:
        vectors = _unit(np.unique(vectors.round(6), axis=0))
    queries = default_embedder(None).embed([text for _ns, text in questions(200)])
    exact = vectors @ queries.T
    kth = -np.sort(-exact, axis=0)[9]
    out: dict[str, object] = {"n": len(vectors), "distinct": len(np.unique(vectors.round(5), axis=0))}
    half = vectors.astype(np.float16).astype(np.float32)
    out["float16_exact_recall@10"] = _recall([np.argsort(-(half @ q))[:10] for q in queries], exact, kth)
    for pair in args.configs.split(","):
        m, ef_construction = (int(v) for v in pair.split(":"))
        index = hnswlib.Index(space="cosine", dim=vectors.shape[1])
        index.init_index(max_elements=len(vectors), ef_construction=ef_construction, M=m)
        start = time.perf_counter()
        index.add_items(vectors, np.arange(len(vectors)), num_threads=1)
        build = time.perf_counter() - start
        for ef in (int(v) for v in args.efs.split(",")):
            index.set_ef(ef)
            start = time.perf_counter()
            labels, _ = index.knn_query(queries, k=10, num_threads=1)
            per_query = (time.perf_counter() - start) / len(queries)
            out[f"M{m}_efc{ef_construction}_ef{ef}"] = {
                "recall@10": _recall(list(labels), exact, kth),
                "build_s": round(build, 1),
                "query_ms": round(1000 * per_query, 3),
            }
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
