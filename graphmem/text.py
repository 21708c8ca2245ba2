"""Text helpers shared by the stores, the query layer and recall, so every lookup agrees."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["clean_text", "fold_name", "legacy_name_key", "nfc", "nfc_value", "normalise_name", "strip_accents"]

_SURROGATE = re.compile("[\ud800-\udfff]")
# Latin letters that are not a base letter plus a combining mark, so NFKD leaves them whole: folded to the
# letters a keyboard without them writes (the spellings of Søren, Łukasz, Æsir, Œuvre, Straße, Đorđe).
_LETTERS = str.maketrans(
    {
        "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "ħ": "h", "Ħ": "H",
        "ŧ": "t", "Ŧ": "T", "ı": "i", "ŀ": "l", "Ŀ": "L", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
        "ß": "ss", "ẞ": "SS", "þ": "th", "Þ": "TH",
    }
)  # fmt: skip
# an apostrophe inside a word: "O'Brien", "D’Angelo" are looked up as "obrien", "dangelo" too
_INNER_APOSTROPHE = re.compile(r"(?<=\w)['’ʼ‘`´](?=\w)")


def clean_text(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD, so it can be encoded as UTF-8.

    Python strings may hold them (a JSON ``"\\ud800"`` escape, a command-line argument that was not
    UTF-8); tokenizers, SQLite and the Bolt driver refuse them.
    """
    if text.isascii():
        return text
    return _SURROGATE.sub("\ufffd", text)


def nfc(text: str) -> str:
    """``text`` composed (Unicode NFC): ``Inês`` typed as ``e`` + U+0302 becomes the one letter ``ê``.

    Inputs are read so (every turn, :class:`~graphmem.transcript.RawTurn`) and so are the strings of a
    query, so a decomposed spelling finds what a composed one stored, and the other way round.
    """
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def nfc_value(value: object) -> object:
    """A query parameter with its text composed (:func:`nfc`): a string, or the strings of a list, tuple or
    set; anything else as given."""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, list | tuple | set | frozenset):
        return type(value)(nfc_value(v) for v in value)
    return value


def strip_accents(text: str) -> str:
    """``text`` without diacritics: NFKD-decomposed, combining marks dropped, recomposed (``Inês`` → ``Ines``),
    and the Latin letters that do not decompose folded too (``Søren`` → ``Soren``, ``Łukasz`` → ``Lukasz``,
    ``Æ`` → ``AE``, ``ß`` → ``ss``)."""
    if text.isascii():
        return text
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare.translate(_LETTERS))


def fold_name(name: str) -> str:
    """``name`` as names are compared, case kept: :func:`strip_accents`, and apostrophes inside a word
    dropped (``O'Brien`` → ``OBrien``, as people type it)."""
    return _INNER_APOSTROPHE.sub("", strip_accents(name))


def normalise_name(name: str) -> str:
    """The key names are compared by: accents stripped (:func:`strip_accents`), apostrophes inside a word
    dropped (``O'Brien`` → ``obrien``), case-folded, inner whitespace collapsed.

    Only for comparing names: entity ids come from :func:`graphmem.extract.names.normalize_name`, which
    this does not change.
    """
    return " ".join(fold_name(name).casefold().split())


def legacy_name_key(name: str) -> str:
    """The key :func:`normalise_name` gave before it folded ``ø``, ``ł``, ``æ``... and inner apostrophes:
    what a Neo4j database written then holds in its entities' ``name_keys``, so lookups still reach them."""
    if name.isascii():
        bare = name
    else:
        bare = unicodedata.normalize(
            "NFC", "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
        )
    return " ".join(bare.casefold().split())
