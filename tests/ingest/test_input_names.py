"""What ingest makes of an input's name: namespaces of any script, and symbolic links."""

from __future__ import annotations

from pathlib import Path

from graphmem.ingest import ingest
from graphmem.memory import Memory

from .fakes import FakeExtractor, keep


def _texts(memory: Memory, ns: str) -> list[str]:
    return sorted(e.text for e in memory.store.iter_events(ns))


def test_a_file_named_in_another_script_is_ingested_into_that_namespace(memory: Memory, tmp_path: Path) -> None:
    path = tmp_path / "família.txt"
    path.write_text("Ana: olá\nBo: oi\n", encoding="utf-8")
    assert ingest(memory, path, extractor=FakeExtractor(), resolver=keep).ok
    assert memory.store.namespaces() == ["família"]
    assert _texts(memory, "família") == ["oi", "olá"]
    assert ingest(memory, path, extractor=FakeExtractor(), resolver=keep).files_skipped == 1


def _linked(tmp_path: Path) -> tuple[Path, Path]:
    """``exports/WhatsApp Chat with Ana.txt`` and a link to it named ``ana.txt``."""
    target = tmp_path / "exports" / "WhatsApp Chat with Ana.txt"
    target.parent.mkdir()
    target.write_text("Ana: hi\nBo: yo\n", encoding="utf-8")
    link = tmp_path / "ana.txt"
    link.symlink_to(target)
    return link, target


def _stored(memory: Memory) -> dict[str, list[str]]:
    return {ns: _texts(memory, ns) for ns in memory.store.namespaces() if _texts(memory, ns)}


def test_a_symlink_names_its_namespace_by_the_name_given(memory: Memory, tmp_path: Path) -> None:
    link, _ = _linked(tmp_path)
    assert ingest(memory, link, extractor=FakeExtractor(), resolver=keep).ok
    assert _stored(memory) == {"ana": ["hi", "yo"]}
    assert ingest(memory, link, extractor=FakeExtractor(), resolver=keep).files_skipped == 1


def test_a_file_reached_as_link_and_target_in_one_run_takes_its_own_name(memory: Memory, tmp_path: Path) -> None:
    link, target = _linked(tmp_path)
    assert ingest(memory, [link, target], extractor=FakeExtractor(), resolver=keep).ok
    assert _stored(memory) == {"WhatsApp-Chat-with-Ana": ["hi", "yo"]}
    # the same in a folder walk, where the link sorts first, and with the paths the other way round
    assert ingest(memory, [tmp_path], extractor=FakeExtractor(), resolver=keep).files_skipped == 1
    assert ingest(memory, [target, link], extractor=FakeExtractor(), resolver=keep).files_skipped == 1
    assert _stored(memory) == {"WhatsApp-Chat-with-Ana": ["hi", "yo"]}
