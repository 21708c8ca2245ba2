"""An input ingested under the namespace its name gave before namespaces took any script stays there.

Before 4 Dec 2026 a namespace named after a file kept only ASCII letters and digits (``família.txt`` →
``fam-lia``, :func:`~graphmem.formats._names.ascii_namespace_from`); now it keeps the stem's letters
(``família``). Writing such an input into the new name would retract it from the old namespace and
extract it again from scratch, bringing back the turns forgotten there and leaving the messages added
live there behind. So the stored namespace wins: a conversation whose name-given namespace is spelled
differently now goes to its old spelling when that namespace holds this input (its events or records
under the input's key) or its very content from another path (a copy), and the new one holds nothing of
the input. Any other input, and a namespace the caller names, gets the new spelling.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from graphmem.formats._names import ascii_namespace_from, namespace_from
from graphmem.ingest_owners import Owners
from graphmem.transcript import Transcript

__all__ = ["old_spellings", "respelled"]


def _old_spelling(stem: str, namespace: str) -> str:
    """The namespace the conversation now read into ``namespace`` got from the file ``stem`` before."""
    new = namespace_from(stem)
    if namespace.startswith(new):  # the file's name, maybe with a suffix (the 2nd LoCoMo sample: ``-2``)
        return ascii_namespace_from(ascii_namespace_from(stem) + namespace[len(new) :])
    return ascii_namespace_from(namespace)  # a name the content gave (a LoCoMo ``sample_id``)


def old_spellings(
    owners: Owners, path: str, key: str, transcripts: list[Transcript], content_hash: str
) -> dict[str, str]:
    """Per namespace the input's conversations were read into, its old spelling where the input stays.

    Args:
        owners: who wrote what, and the records stored.
        path: the input's path as given (its stem named the namespaces).
        key: the input's key.
        transcripts: the input read with the namespaces its name and content give (no caller's choice).
        content_hash: the content hash of the input's own record.
    """
    held = owners.held(key)
    stem = Path(path).stem
    out: dict[str, str] = {}
    for t in transcripts:
        old = _old_spelling(stem, t.namespace)
        if old == t.namespace or t.namespace in held or owners.written(t.namespace, key):
            continue
        if old in held or owners.written(old, key) or owners.copy_of(old, content_hash, key) is not None:
            out[t.namespace] = old
    return out


def respelled(transcripts: list[Transcript], spellings: dict[str, str]) -> list[Transcript]:
    """``transcripts`` with their namespaces replaced by ``spellings`` (see :func:`old_spellings`)."""
    return [replace(t, namespace=spellings.get(t.namespace, t.namespace)) for t in transcripts]
