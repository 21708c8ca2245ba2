"""The int8 embedder: its packaged file, its name and space, and vectors that never depend on their batch."""

from __future__ import annotations

import hashlib
import importlib.resources

import numpy as np
import pytest

from graphmem.embed import (
    INT8_MODEL,
    MINILM_SPACE,
    Embedder,
    Int8OnnxEmbedder,
    OnnxEmbedder,
    SpanEmbedder,
    make_embedder,
    packaged_int8_model,
)
from graphmem.vector_models import model_space

#: sha256 of graphmem/assets/minilm-dynint8.onnx as `benchmarks/int8_embed.py build` makes it (docs/scale.md).
#: Another file makes other vectors: give it another INT8_MODEL name, then update this.
INT8_SHA256 = "8036d774d94576be8760139d0e40f53d108f44f57ab77ff2bccf1661d8766a2e"

TEXTS = [
    "Melanie: We loved it! (replying to Caroline: How was the trip?)",
    "ok",
    "Caroline: I went to the LGBTQ support group yesterday and it was so powerful.",
    "",
    "A much longer sentence about painting a sunset over the lake with my kids " * 12,
    "Ben: Sure. (replying to Ana: Shall we meet at the café on Friday, after the lecture?)",
]


@pytest.fixture(scope="module")
def int8() -> Int8OnnxEmbedder:
    return Int8OnnxEmbedder()


def test_the_packaged_file_is_the_one_built_and_named(int8: Int8OnnxEmbedder) -> None:
    assert hashlib.sha256(packaged_int8_model()).hexdigest() == INT8_SHA256
    licence = (importlib.resources.files("graphmem") / "assets" / "README.md").read_text(encoding="utf-8")
    assert "minilm-dynint8.onnx" in licence and "Apache-2.0" in licence
    assert int8.name == INT8_MODEL != OnnxEmbedder().name  # stored vectors of each model can be told apart
    assert make_embedder("onnx-int8").name == INT8_MODEL == make_embedder("auto").name  # the default
    assert isinstance(int8, Embedder) and isinstance(int8, SpanEmbedder)


def test_vectors_are_unit_float32(int8: Int8OnnxEmbedder) -> None:
    vectors = int8.embed(TEXTS)
    assert vectors.shape == (len(TEXTS), 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert int8.embed([]).shape == (0, 384)


def test_a_vector_never_depends_on_its_batch(int8: Int8OnnxEmbedder) -> None:
    alone = np.vstack([int8.embed([t]) for t in TEXTS])
    assert np.array_equal(int8.embed(TEXTS), alone)
    assert np.array_equal(int8.embed(TEXTS[::-1])[::-1], alone)
    spans = [(0, min(8, len(t))) for t in TEXTS]
    whole, part = int8.embed_spans(TEXTS, spans)
    assert np.array_equal(whole, alone)
    for i, text in enumerate(TEXTS):
        assert np.array_equal(int8.embed_spans([text], [spans[i]])[1][0], part[i])


def test_batching_the_dynamic_model_would_change_vectors() -> None:
    # Why the embedder runs one text per pass: the activation scale is the whole batch's.
    batched = OnnxEmbedder(batch_size=8)
    batched._session = Int8OnnxEmbedder()._session  # the packaged int8 model, batched as OnnxEmbedder does
    alone = np.vstack([batched.embed([t]) for t in TEXTS])
    assert not np.allclose(batched.embed(TEXTS), alone, atol=1e-3)


def test_its_batch_size_stays_one(int8: Int8OnnxEmbedder) -> None:
    assert int8.batch_size == 1
    with pytest.raises(ValueError, match="one text per pass"):
        int8.batch_size = 8


def test_it_writes_into_the_space_of_the_model_before_it(int8: Int8OnnxEmbedder) -> None:
    # Stores embedded by OnnxEmbedder (the default before it) are searched with its queries: docs/recall.md.
    legacy = OnnxEmbedder()
    assert model_space(INT8_MODEL) == model_space(legacy.name) == MINILM_SPACE
    assert int8.space == MINILM_SPACE
    cosines = np.sum(int8.embed(TEXTS) * legacy.embed(TEXTS), axis=1)
    assert float(cosines.min()) > 0.95, cosines
    a, b, c = int8.embed(["I love my new puppy", "My dog is a young beagle", "Quarterly tax filing deadline"])
    assert float(a @ b) > float(a @ c) + 0.1
