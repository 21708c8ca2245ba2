"""graphmem.wordpiece gives the ids the ``tokenizers`` package gives for all-MiniLM-L6-v2's tokenizer.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphmem.embed import packaged_tokenizer_json
from graphmem.errors import ConfigError
from graphmem.wordpiece import WordPieceTokenizer

tokenizers = pytest.importorskip("tokenizers")  # a dev dependency: the reference implementation

LOCOMO = Path(__file__).resolve().parents[3] / "shared" / "data" / "locomo" / "locomo_dev.json"

HARD = [
    "Café naïve résumé",
    "ΣΊΣΥΦΟΣ σοφός",
    "北京欢迎你 hello世界",
    "emoji 🙂👍🏽 ok",
    "a\x00b\x0bc\x85d\u200be\ufffdf",
    "x" * 150,
    "supercalifragilisticexpialidocious",
    "[CLS] hi [MASK] there [UNK][SEP]",
    "tab\there\nnew\r\nline\u3000ideo\xa0nbsp",
    "İstanbul ǅ ß ﬁ",
    "$5 + 3 = 8 ^_^ ~x~ |a| <b>",
    "«quote» „x“ — – … ·",
    "Hangul 한국어 Thai ภาษาไทย",
    "\U0002b820 \U0002b91f \U0002b920",
    "one two " * 200,
    "مرحبا עברית",
    "Ⅻ ½ ² ①",
    "  ",
    "",
]


@pytest.fixture(scope="module")
def pair() -> tuple[WordPieceTokenizer, object]:
    spec = packaged_tokenizer_json()
    reference = tokenizers.Tokenizer.from_str(spec)
    reference.no_padding()
    reference.enable_truncation(256)
    return WordPieceTokenizer.from_str(spec, max_length=256), reference


def _same(pair: tuple[WordPieceTokenizer, object], texts: list[str]) -> None:
    ours, reference = pair
    expected = [e.ids for e in reference.encode_batch(texts)]  # type: ignore[attr-defined]
    got = ours.encode_batch(texts)
    assert [t for t, a, b in zip(texts, expected, got, strict=True) if a != b] == []
    plain = [e.ids for e in reference.encode_batch(texts, add_special_tokens=False)]  # type: ignore[attr-defined]
    assert ours.encode_batch(texts, add_special_tokens=False) == [p[:256] for p in plain]


def test_hard_cases(pair: tuple[WordPieceTokenizer, object]) -> None:
    _same(pair, HARD)


@pytest.mark.skipif(not LOCOMO.exists(), reason="the LoCoMo dev file is not here (../shared)")
def test_every_locomo_turn(pair: tuple[WordPieceTokenizer, object]) -> None:
    texts = []
    for conv in json.loads(LOCOMO.read_text(encoding="utf-8")):
        for key, turns in conv["conversation"].items():
            if key.startswith("session_") and isinstance(turns, list):
                texts += [t["text"] for t in turns] + [t["blip_caption"] for t in turns if "blip_caption" in t]
    assert len(texts) > 2000
    _same(pair, texts)


# Scripts whose characters are old enough that both sides' Unicode tables agree on them.
_TEXT = st.text(
    st.characters(
        codec="utf-8",
        categories=("L", "M", "N", "P", "S", "Z", "Cc"),
        max_codepoint=0x04FF,  # Latin, Greek, Cyrillic
    )
    | st.sampled_from("北京欢迎 🙂—–…«»„“\u3000\xa0\u200b"),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_TEXT, min_size=1, max_size=4))
def test_arbitrary_text(pair: tuple[WordPieceTokenizer, object], texts: list[str]) -> None:
    _same(pair, texts)


def test_other_tokenizers_are_refused() -> None:
    config = json.loads(packaged_tokenizer_json())
    config["model"]["type"] = "BPE"
    with pytest.raises(ConfigError, match="not a BERT uncased WordPiece"):
        WordPieceTokenizer(config, max_length=10)
