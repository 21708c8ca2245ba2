"""Name normalisation shared by the stores, the query layer and recall, so every lookup agrees."""

from __future__ import annotations

import unicodedata

__all__ = ["normalise_name", "strip_accents"]


def strip_accents(text: str) -> str:
    """``text`` without diacritics: NFKD-decomposed, combining marks dropped, recomposed (``Inês`` → ``Ines``)."""
    if text.isascii():
        return text
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare)


def normalise_name(name: str) -> str:
    """The key names are compared by: accents stripped, case-folded, inner whitespace collapsed."""
    return " ".join(strip_accents(name).casefold().split())
