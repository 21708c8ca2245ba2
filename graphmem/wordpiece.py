"""BERT's uncased WordPiece tokenizer in plain Python, for the ONNX embedder.

It reads a Hugging Face ``tokenizer.json`` of the BERT kind (``BertNormalizer`` with lower-casing,
``BertPreTokenizer``, a ``WordPiece`` model, ``[CLS] … [SEP]`` around each text) and gives the same
ids as the ``tokenizers`` package does for it: clean the text (drop NUL, U+FFFD and control/format
characters, whitespace to spaces), put spaces around CJK ideographs, strip accents (NFD, drop
non-spacing marks), lower-case each character, split on whitespace and punctuation, then cut each word
into the longest pieces the vocabulary holds (``##`` marks a piece inside a word; a word that cannot be
cut, or is longer than ``max_input_chars_per_word``, is ``[UNK]``). Added special tokens (``[CLS]``,
``[MASK]`` …) written literally in a text are matched first, as ``tokenizers`` does.

Why not ``tokenizers`` itself: it requires the Hugging Face hub client (``huggingface_hub``, ``hf-xet``,
``fsspec`` …), about 40 MB of the light install, for a few dozen lines of work; texts here are short
turns, so plain Python costs well under a millisecond each. ``tests/recall/test_wordpiece.py`` checks
the ids against ``tokenizers`` on the LoCoMo turns and on hand-picked hard cases.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from graphmem.errors import ConfigError

__all__ = ["WordPieceTokenizer"]

# CJK ideograph blocks that get spaces around them (the ranges of BERT's and tokenizers' normalizer).
_CJK = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B920, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)
_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


@functools.lru_cache(maxsize=4096)
def _char_class(c: str) -> int:
    """0 keep, 1 drop, 2 whitespace, 3 CJK (spaced), 4 punctuation (a word of its own)."""
    code = ord(c)
    if c in "\t\n\r":
        return 2
    if code == 0 or code == 0xFFFD:
        return 1
    cat = unicodedata.category(c)
    if cat[0] == "C":
        return 1
    if c.isspace():
        return 2
    if any(lo <= code <= hi for lo, hi in _CJK):
        return 3
    if c in _ASCII_PUNCT or cat[0] == "P":
        return 4
    return 0


class WordPieceTokenizer:
    """Token ids of texts, as ``tokenizers`` would give for a BERT uncased ``tokenizer.json``.

    Args:
        config: the parsed ``tokenizer.json``.
        max_length: at most this many ids per text, ``[CLS]`` and ``[SEP]`` included (the rest is cut);
            ``None``: no limit.

    Raises:
        ConfigError: the file describes another kind of tokenizer.
    """

    def __init__(self, config: dict[str, Any], *, max_length: int | None) -> None:
        model = config.get("model") or {}
        norm = config.get("normalizer") or {}
        if model.get("type") != "WordPiece" or norm.get("type") != "BertNormalizer" or not norm.get("lowercase"):
            raise ConfigError("the tokenizer is not a BERT uncased WordPiece tokenizer (tokenizer.json)")
        if (config.get("pre_tokenizer") or {}).get("type") != "BertPreTokenizer":
            raise ConfigError("the tokenizer's pre-tokenizer is not BertPreTokenizer")
        self.vocab: dict[str, int] = dict(model["vocab"])
        self.prefix: str = model.get("continuing_subword_prefix", "##")
        self.max_word = int(model.get("max_input_chars_per_word", 100))
        self.unk = self.vocab[model.get("unk_token", "[UNK]")]
        self.cls, self.sep = self.vocab["[CLS]"], self.vocab["[SEP]"]
        self.max_length = None if max_length is None else max(2, max_length)
        self.strip_accents = norm.get("strip_accents")
        if self.strip_accents is None:
            self.strip_accents = True  # BertNormalizer: follows lowercase
        self.chinese = bool(norm.get("handle_chinese_chars", True))
        self.clean = bool(norm.get("clean_text", True))
        added = sorted((t["content"] for t in config.get("added_tokens", ()) if t.get("content")), key=len)
        self.added = {t["content"]: t["id"] for t in config.get("added_tokens", ())}
        self._split = re.compile("(" + "|".join(map(re.escape, reversed(added))) + ")") if added else None
        self._words: dict[str, tuple[int, ...]] = {}

    @classmethod
    def from_str(cls, text: str, *, max_length: int | None) -> WordPieceTokenizer:
        """Build from the text of a ``tokenizer.json``."""
        return cls(json.loads(text), max_length=max_length)

    def encode(self, text: str, *, add_special_tokens: bool = True) -> list[int]:
        """The ids of one text: ``[CLS]``, its pieces, ``[SEP]`` (cut to fit ``max_length``); only the
        pieces without ``add_special_tokens``."""
        ids: list[int] = []
        parts = self._split.split(text) if self._split is not None else [text]
        for i, part in enumerate(parts):
            if i % 2:  # an added token written literally
                ids.append(self.added[part])
                continue
            for word in self._words_of(part):
                found = self._words.get(word)
                if found is None:
                    found = self._piece(word)
                    if len(self._words) < 100_000:
                        self._words[word] = found
                ids.extend(found)
        if not add_special_tokens:
            return ids if self.max_length is None else ids[: self.max_length]
        if self.max_length is not None:
            ids = ids[: self.max_length - 2]
        return [self.cls, *ids, self.sep]

    def encode_batch(self, texts: Iterable[str], *, add_special_tokens: bool = True) -> list[list[int]]:
        """:meth:`encode` for each text."""
        return [self.encode(t, add_special_tokens=add_special_tokens) for t in texts]

    def _normalise(self, text: str) -> str:
        out: list[str] = []
        for c in text:
            kind = _char_class(c)
            if kind == 1 and self.clean:
                continue
            if kind == 2 and self.clean:
                out.append(" ")
            elif kind == 3 and self.chinese:
                out.append(f" {c} ")
            else:
                out.append(c)
        text = "".join(out)
        if self.strip_accents:
            text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
        return "".join(c.lower() for c in text)  # per character, as tokenizers does (no final-sigma rule)

    def _words_of(self, text: str) -> list[str]:
        words: list[str] = []
        current: list[str] = []
        for c in self._normalise(text):
            if c.isspace():
                if current:
                    words.append("".join(current))
                    current = []
            elif c in _ASCII_PUNCT or unicodedata.category(c)[0] == "P":
                if current:
                    words.append("".join(current))
                    current = []
                words.append(c)
            else:
                current.append(c)
        if current:
            words.append("".join(current))
        return words

    def _piece(self, word: str) -> tuple[int, ...]:
        if len(word) > self.max_word:
            return (self.unk,)
        pieces: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                sub = word[start:end] if start == 0 else self.prefix + word[start:end]
                found = self.vocab.get(sub)
                if found is not None:
                    break
                end -= 1
            if found is None:
                return (self.unk,)
            pieces.append(found)
            start = end
        return tuple(pieces)
