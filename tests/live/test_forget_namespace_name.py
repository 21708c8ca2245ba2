"""Forgetting a namespace leaves its name (often a user id or an e-mail address) in no row and no file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graphmem import Memory
from tests.ingest.fakes import FakeEmbedder

NAME = "alice@example.com"


def _files(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*") if p.is_file()}


def test_a_forgotten_namespace_leaves_its_name_nowhere(tmp_path: Path, nlp: Any) -> None:
    where = tmp_path / "db"
    with Memory.open(where, embedder=FakeEmbedder(), nlp=nlp) as mem:
        mem.add([{"speaker": "Bob", "text": "Bob works at Frobnitz Labs."}], namespace="keep")
        [said] = mem.add([{"speaker": "Alice", "text": "I live in Porto."}], namespace=NAME)
        mem.add([{"speaker": "Alice", "text": "I like tea."}], namespace=NAME)
        mem.recall("Where does Alice live?", namespace=NAME)
        mem.forget(NAME, said)  # a message forgotten first leaves marks of its place
        mem.forget(NAME)
        for name, data in _files(where).items():
            assert NAME.encode() not in data, f"the namespace's name is still in {name}"
        assert mem.namespaces() == ["keep"]
    for name, data in _files(where).items():
        assert NAME.encode() not in data, f"the namespace's name is in {name} after close"


def test_another_process_sees_a_namespace_forgotten_and_written_again(tmp_path: Path, nlp: Any) -> None:
    """With the namespace's change counter gone, one written again counts from the start: a reader that saw
    the old counter must still read the new namespace (the counters could be equal)."""
    where = tmp_path / "db"
    with (
        Memory.open(where, embedder=FakeEmbedder(), nlp=nlp) as writer,
        Memory.open(where, embedder=FakeEmbedder(), nlp=nlp) as reader,
    ):
        writer.add([{"speaker": "Alice", "text": "I live in Porto.", "time": "2024-05-01T10:00"}], namespace=NAME)
        assert [h.event.text for h in reader.recall("Where does Alice live?", namespace=NAME, k=1)] == [
            "I live in Porto."
        ]
        writer.forget(NAME)
        writer.add([{"speaker": "Alice", "text": "I live in Oslo.", "time": "2024-05-01T10:00"}], namespace=NAME)
        assert [h.event.text for h in reader.recall("Where does Alice live?", namespace=NAME, k=1)] == [
            "I live in Oslo."
        ]


def test_a_memory_closing_after_another_forgot_a_namespace_writes_no_vectors_for_it(tmp_path: Path, nlp: Any) -> None:
    """A process that recalled in the namespace wrote its vector folder (a manifest naming it) again on close."""
    where = tmp_path / "db"
    with Memory.open(where, embedder=FakeEmbedder(), nlp=nlp) as mem:
        mem.add([{"speaker": "Alice", "text": "My therapist Quentavius Plumbright is great."}], namespace=NAME)
        mem.add([{"speaker": "Bob", "text": "Bob lives in Oslo."}], namespace="bob")
        mem.recall("therapist", namespace=NAME)
        mem.recall("Oslo", namespace="bob")
        with Memory.open(where, embedder=FakeEmbedder(), nlp=nlp) as other:
            other.forget(NAME)
    for name, data in _files(where).items():
        assert NAME.encode() not in data, f"the namespace's name is in {name} after close"
        assert b"Quentavius" not in data, name
    assert any(b'"bob"' in data for name, data in _files(where).items() if name.endswith("manifest.json"))
