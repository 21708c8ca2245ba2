"""One spelling for names read from an input: speakers (:func:`clean_speaker`) and the namespaces named
after files (:func:`namespace_from`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping

from graphmem.models import namespace_char_ok
from graphmem.text import clean_text

__all__ = ["INVISIBLE", "Spellings", "UsedNames", "ascii_namespace_from", "clean_speaker", "namespace_from"]

#: Characters that show nothing: zero-width space, non-joiner and joiner, word joiner, soft hyphen, the
#: byte-order mark, and the bidirectional marks, embeddings and isolates (WhatsApp puts them around names).
INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
_BRACKETS = {"[": "]", "<": ">", "(": ")", "{": "}"}
_ASCII_BAD = re.compile(r"[^A-Za-z0-9_.:@-]+")


def clean_speaker(name: str) -> str:
    """A speaker name as one spelling: NFC, no invisible marks (:data:`INVISIBLE`), whitespace collapsed to
    single spaces, and no brackets around the whole name (``[Tom]``, ``<Tom>``), so ``Tomás`` written
    decomposed (NFD) or with a zero-width space is the same speaker as ``Tomás``. May return ``""``."""
    name = " ".join(INVISIBLE.sub("", unicodedata.normalize("NFC", clean_text(name))).split())
    while len(name) > 2 and _BRACKETS.get(name[0]) == name[-1]:
        name = name[1:-1].strip()
    return name


class Spellings:
    """The first spelling of each speaker in one input: a name spelled as one seen before but for case
    (``Marta``, ``marta``, ``MARTA``; spaces are collapsed by :func:`clean_speaker`) is that speaker, and
    takes the spelling seen first, so ``e.speaker = "Marta"`` finds all of its turns."""

    def __init__(self) -> None:
        self._first: dict[str, str] = {}
        self._told: set[str] = set()

    def take(self, name: str) -> tuple[str, bool]:
        """``(the first spelling of name, whether name is another spelling not met before)``."""
        first = self._first.setdefault(name.casefold(), name)
        new = first != name and name not in self._told
        if new:
            self._told.add(name)
        return first, new

    @staticmethod
    def note(name: str, first: str) -> str:
        """What a warning says of ``name`` taken as ``first``."""
        return (
            f"speaker {name!r} is taken as {first!r}, as first spelled in this input "
            "(names differing only in case are one speaker)"
        )


def namespace_from(name: str, fallback: str = "default") -> str:
    """Turn a file stem or conversation id into a legal namespace (see ``validate_namespace``).

    Letters and digits of any script stay (``família``, ``日記``, in NFC); invisible marks go; every run of
    other characters (spaces, slashes, control characters) becomes one ``-``.
    """
    name = unicodedata.normalize("NFC", INVISIBLE.sub("", clean_text(name)))
    cleaned = "".join(c if namespace_char_ok(c) else "\0" for c in name)
    cleaned = re.sub("\0+", "-", cleaned)[:128]
    while cleaned and not cleaned[0].isalnum():  # a namespace starts with a letter or digit
        cleaned = cleaned[1:]
    return cleaned.rstrip("-_.:@") or fallback


def ascii_namespace_from(name: str, fallback: str = "default") -> str:
    """``name`` as :func:`namespace_from` spelled it before namespaces took any script (before 4 Dec 2026):
    every run of characters other than ASCII letters, digits and ``_ . : @ -`` became one ``-``
    (``família`` → ``fam-lia``). Session tags keep this spelling, and an input ingested under it stays
    in that namespace (:mod:`graphmem.ingest_oldnames`)."""
    return _ASCII_BAD.sub("-", name).strip("-_.:@")[:128] or fallback


class UsedNames(Mapping[str, str]):
    """A ``participants`` map (a role or speaker → the name to give it) that notes the keys a reader looked
    up and found (:attr:`used`): how much of the map an input's messages use. Ingest hashes only that much
    of it, so ``--participant user=Dana`` leaves an input whose messages have no ``user`` as it was.

    ``in`` does not count as a use; a copy (``dict(names)``) reads every key and counts them all.
    """

    __slots__ = ("_names", "used")

    def __init__(self, names: Mapping[str, str]) -> None:
        self._names = dict(names)
        #: The keys looked up and found.
        self.used: set[str] = set()

    def __getitem__(self, key: str) -> str:
        value = self._names[key]
        self.used.add(key)
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)
