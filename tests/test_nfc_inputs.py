"""Decomposed (NFD) text is read composed (NFC) wherever it enters: live messages, files of each format,
and the strings of a query (literals and parameters), so "Inês" typed either way is one spelling.

Before, an NFD message was stored as it came: the extractor saw "Ine" + U+0302 + "s" (no person Inês) and
``e.text CONTAINS "Inês"`` (NFC) missed it (tester repro tnfd.py).
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from graphmem import Memory
from graphmem.text import nfc, nfc_value
from tests.ingest.fakes import FakeEmbedder

NFC = "Inês"
NFD = unicodedata.normalize("NFD", NFC)


def _open(where: Path) -> Memory:
    return Memory.open(where, embedder=FakeEmbedder())  # type: ignore[arg-type]


def _texts(mem: Memory, ns: str) -> list[str]:
    return [e.text for e in mem.store.iter_events(ns)]


def test_nfc_helpers() -> None:
    assert NFD != NFC and nfc(NFD) == NFC
    assert nfc_value([NFD, 3]) == [NFC, 3] and nfc_value((NFD,)) == (NFC,) and nfc_value(7) == 7


def test_a_live_message_in_nfd_is_stored_and_found_in_nfc(tmp_path: Path) -> None:
    with _open(tmp_path / "db") as mem:
        mem.add({"speaker": "Ana", "text": f"{NFD} moved to Porto yesterday."}, namespace="n")
        assert _texts(mem, "n") == [f"{NFC} moved to Porto yesterday."]
        found = mem.query('FIND (e:Event) WHERE e.text CONTAINS "Inês" RETURN e.text', namespace="n").rows
        assert len(found) == 1
        names = {row[0] for row in mem.query("FIND (x:Entity) RETURN x.name", namespace="n").rows}
        assert NFC in names  # the extractor read the name, not a stray combining mark


@pytest.mark.parametrize("suffix", [".txt", ".jsonl"])
def test_a_file_in_nfd_is_stored_in_nfc(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"chat{suffix}"
    if suffix == ".txt":
        path.write_text(f"Ana: {NFD} moved to Porto.\nBea: Good for her.\n", encoding="utf-8")
    else:
        lines = [{"speaker": "Ana", "text": f"{NFD} moved to Porto."}, {"speaker": NFD, "text": "Hello."}]
        path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    with _open(tmp_path / "db") as mem:
        mem.ingest(path, namespace="f")
        events = list(mem.store.iter_events("f"))
        assert events[0].text == f"{NFC} moved to Porto."
        assert all(unicodedata.is_normalized("NFC", (e.speaker or "") + e.text) for e in events)


def test_query_strings_in_nfd_match_nfc_text(tmp_path: Path) -> None:
    with _open(tmp_path / "db") as mem:
        mem.add({"speaker": "Ana", "text": f"My friend {NFC} lives in Lisbon."}, namespace="q")
        literal = f'FIND (e:Event) WHERE e.text CONTAINS "{NFD}" RETURN e.id'
        assert len(mem.query(literal, namespace="q").rows) == 1
        param = "FIND (e:Event) WHERE e.text CONTAINS $s RETURN e.id"
        assert len(mem.query(param, namespace="q", s=NFD).rows) == 1
        listed = "FIND (e:Event) WHERE e.speaker IN $who RETURN e.id"
        assert len(mem.query(listed, namespace="q", who=[unicodedata.normalize("NFD", "Ana")]).rows) == 1
