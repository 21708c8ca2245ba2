"""A file ingested into the ASCII namespace its name gave before 4 Dec 2026 (``família.txt`` → ``fam-lia``)
stays there: re-ingesting it must not move it to ``família``, extracting it from scratch (its forgotten
turns back, the live messages beside it left behind, nothing said)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from graphmem.formats import text
from graphmem.formats._names import ascii_namespace_from
from graphmem.ingest import ingest
from graphmem.memory import Memory

from .fakes import FakeExtractor, keep


def _texts(memory: Memory, ns: str) -> list[str]:
    return sorted(e.text for e in memory.store.iter_events(ns))


def _stored(memory: Memory) -> dict[str, list[str]]:
    return {ns: _texts(memory, ns) for ns in memory.store.namespaces() if _texts(memory, ns)}


def _run(memory: Memory, *paths: Path) -> object:
    summary = ingest(memory, list(paths), extractor=FakeExtractor(), resolver=keep)
    assert summary.ok
    return summary


@pytest.fixture
def old_store(memory: Memory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``família.txt`` ingested as graphmem did before namespaces took any script, then a turn forgotten
    and a message added live to its namespace ``fam-lia``."""
    path = tmp_path / "família.txt"
    path.write_text("Ana: olá\nBo: oi\nAna: tchau\n", encoding="utf-8")
    with monkeypatch.context() as old:
        old.setattr(text, "namespace_from", ascii_namespace_from)
        _run(memory, path)
    assert _stored(memory) == {"fam-lia": ["oi", "olá", "tchau"]}
    (forgotten,) = [e.id for e in memory.store.iter_events("fam-lia") if e.text == "oi"]
    memory.forget("fam-lia", forgotten)
    memory.add([{"speaker": "Ana", "text": "my dog Rex is sick"}], namespace="fam-lia", session="live")
    return path


AFTER = {"fam-lia": ["my dog Rex is sick", "olá", "tchau"]}


def test_an_old_input_read_again_stays_in_its_namespace(memory: Memory, old_store: Path) -> None:
    assert _run(memory, old_store).files_skipped == 1
    assert _stored(memory) == AFTER


def test_an_old_input_edited_stays_in_its_namespace_its_forgotten_turn_too(memory: Memory, old_store: Path) -> None:
    old_store.write_text("Ana: olá\nBo: oi\nAna: tchau\nBo: até logo\n", encoding="utf-8")
    _run(memory, old_store)
    assert _stored(memory) == {"fam-lia": ["até logo", *AFTER["fam-lia"]]}


def test_a_copy_of_an_old_input_is_a_copy_and_a_new_file_takes_its_own_name(
    memory: Memory, old_store: Path, tmp_path: Path
) -> None:
    (tmp_path / "copy").mkdir()
    copy = Path(shutil.copy(old_store, tmp_path / "copy" / "família.txt"))
    new = tmp_path / "coração.txt"
    new.write_text("Ana: bom dia\n", encoding="utf-8")
    summary = _run(memory, copy, new)
    assert summary.files_skipped == 1
    assert _stored(memory) == {**AFTER, "coração": ["bom dia"]}


def test_an_old_input_into_a_chosen_namespace_keeps_its_session_ids(
    memory: Memory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # with a namespace chosen, session ids carry the file's name: spelled in ASCII before (fam-lia/session_1),
    # they must stay so, or an edit retracts every event and writes it again under new ids
    path = tmp_path / "família.txt"
    path.write_text("Ana: olá\nBo: oi\n", encoding="utf-8")
    with monkeypatch.context() as old:
        old.setattr(text, "namespace_from", ascii_namespace_from)
        ingest(memory, path, namespace="x", extractor=FakeExtractor(), resolver=keep)
    before = {e.text: e.id for e in memory.store.iter_events("x")}
    assert before == {"olá": "ev:fam-lia/session_1:1", "oi": "ev:fam-lia/session_1:2"}
    path.write_text("Ana: olá\nBo: oi\nAna: tchau\n", encoding="utf-8")
    summary = ingest(memory, path, namespace="x", extractor=FakeExtractor(), resolver=keep)
    assert summary.turns_kept == 2
    assert {e.text: e.id for e in memory.store.iter_events("x")} == {**before, "tchau": "ev:fam-lia/session_1:3"}
