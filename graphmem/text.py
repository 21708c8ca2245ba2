"""Text helpers shared by the stores, the query layer and recall, so every lookup agrees."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["clean_text", "normalise_name", "strip_accents"]

_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD, so it can be encoded as UTF-8.

    Python strings may hold them (a JSON ``"\\ud800"`` escape, a command-line argument that was not
    UTF-8); tokenizers, SQLite and the Bolt driver refuse them.
    """
    if text.isascii():
        return text
    return _SURROGATE.sub("\ufffd", text)


def strip_accents(text: str) -> str:
    """``text`` without diacritics: NFKD-decomposed, combining marks dropped, recomposed (``Inês`` → ``Ines``)."""
    if text.isascii():
        return text
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare)


def normalise_name(name: str) -> str:
    """The key names are compared by: accents stripped, case-folded, inner whitespace collapsed."""
    return " ".join(strip_accents(name).casefold().split())
