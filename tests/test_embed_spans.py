"""One pass, two poolings: the ONNX embedder's vectors of a text and of a span of it read in context."""

from __future__ import annotations

import numpy as np
import pytest

from graphmem.embed import OnnxEmbedder, SpanEmbedder


@pytest.fixture(scope="module")
def onnx() -> OnnxEmbedder:
    return OnnxEmbedder()


TEXTS = [
    "Melanie: We loved it! (replying to Caroline: How was the trip?)",
    "Caroline: How was the trip?",
    "Ben: Sure. (replying to Ana: Shall we meet at the café on Friday, after the lecture?)",
]
SPANS = [(9, 21), (10, 27), (5, 10)]


def test_the_whole_text_vector_is_embeds(onnx: OnnxEmbedder) -> None:
    whole, part = onnx.embed_spans(TEXTS, SPANS)
    assert isinstance(onnx, SpanEmbedder)
    assert np.array_equal(whole, onnx.embed(TEXTS))  # the same passes, the same pooling
    assert part.shape == whole.shape and np.allclose(np.linalg.norm(part, axis=1), 1.0)


def test_the_span_pools_its_tokens_from_the_pass_over_the_whole_text(onnx: OnnxEmbedder) -> None:
    text, span = TEXTS[0], SPANS[0]
    assert text[span[0] : span[1]] == "We loved it!"
    encoding = onnx._tokenizer.encode(text)
    inside = [i for i, tok in enumerate(encoding.tokens) if tok in {"we", "loved", "it", "!"}]
    assert len(inside) == 4
    ids = np.array([encoding.ids], dtype=np.int64)
    hidden = onnx._session.run(
        None, {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
    )[0][0]
    want = hidden[inside].mean(axis=0)
    _, part = onnx.embed_spans([text], [span])
    assert part[0] == pytest.approx(want / np.linalg.norm(want), abs=1e-5)
    alone = onnx.embed(["We loved it!"])[0]
    assert 0.5 < float(part[0] @ alone) < 0.999  # the same words, read in context


def test_an_empty_span_is_a_zero_row_and_spans_must_match_texts(onnx: OnnxEmbedder) -> None:
    _, part = onnx.embed_spans(TEXTS[:1], [(3, 3)])
    assert not part.any()
    with pytest.raises(ValueError, match="2 texts but 1 spans"):
        onnx.embed_spans(TEXTS[:2], SPANS[:1])
