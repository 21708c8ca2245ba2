"""An input ingested without vectors (``embed=False``, ``--no-embed``) and embedded since
(``graphmem reembed``) is current for an ingest that embeds: unchanged, it is skipped; edited, only what
changed is redone. One whose events still lack vectors is written again, so they get them."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from graphmem.ingest import IngestSummary, ingest
from graphmem.memory import Memory

from .fakes import FakeExtractor, keep
from .test_reingest import chat, mem

__all__ = ["mem"]

CHAT = chat(
    ["Maya: we adopted a cat", "Jon: what is her name?", "Maya: Biscuit"],
    ["Jon: how is Biscuit?", "Maya: she sleeps all day"],
)


def run(memory: Memory, source: Any, **kw: Any) -> IngestSummary:
    kw.setdefault("extractor", FakeExtractor())
    kw.setdefault("resolver", keep)
    return ingest(memory, source, **kw)


def _missing(memory: Memory) -> int:
    return sum(s.missing for s in memory.vector_status())


def test_an_unchanged_file_embedded_since_is_skipped(mem: Memory, tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text(CHAT, encoding="utf-8")
    assert run(mem, path, embed=False).events == 5
    assert _missing(mem) == 5
    assert mem.reembed().events == 5
    again = run(mem, path)
    # before: nothing skipped, all 5 events retracted and written again
    assert (again.files_skipped, again.turns, again.events_retracted) == (1, 0, 0)
    assert _missing(mem) == 0


def test_an_edited_file_embedded_since_redoes_only_what_changed(mem: Memory, tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text(CHAT, encoding="utf-8")
    run(mem, path, embed=False)
    mem.reembed()
    path.write_text(CHAT + "Jon: lucky cat\n", encoding="utf-8")
    again = run(mem, path)
    # before: every session's print named --no-embed, so both sessions were redone whole
    assert (again.files_skipped, again.turns_kept, again.turns, again.events_retracted) == (0, 5, 1, 0)
    assert _missing(mem) == 0
    assert run(mem, path).files_skipped == 1


def test_a_file_whose_events_lack_vectors_is_written_again(mem: Memory, tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text(CHAT, encoding="utf-8")
    run(mem, path, embed=False)
    again = run(mem, path)
    assert (again.files_skipped, again.turns, again.events_retracted) == (0, 5, 5)
    assert _missing(mem) == 0
    assert run(mem, path).files_skipped == 1


def test_an_edited_file_keeps_no_turn_without_a_vector(mem: Memory, tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text(CHAT, encoding="utf-8")
    run(mem, path, embed=False)
    path.write_text(CHAT + "Jon: lucky cat\n", encoding="utf-8")
    again = run(mem, path)
    assert (again.turns_kept, again.turns) == (0, 6)
    assert _missing(mem) == 0


def test_a_copy_of_a_file_embedded_since_is_a_copy(mem: Memory, tmp_path: Path) -> None:
    first, copy = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text(CHAT, encoding="utf-8")
    shutil.copy(first, copy)
    run(mem, first, namespace="talk", embed=False)
    mem.reembed()
    again = run(mem, copy, namespace="talk")
    assert (again.files_skipped, again.turns) == (1, 0)
    assert again.notes and str(first) in again.notes[0][1]
    assert mem.stats("talk").events == 5


def test_a_copy_of_a_file_without_vectors_is_written(mem: Memory, tmp_path: Path) -> None:
    # docs/extraction.md: the namespace holds no vector of that content, so the copy writes it (with them)
    first, copy = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text(CHAT, encoding="utf-8")
    shutil.copy(first, copy)
    run(mem, first, namespace="talk", embed=False)
    again = run(mem, copy, namespace="talk")
    assert (again.files_skipped, again.turns) == (0, 5)
