"""Mends from the review of the twenty-second session's change: a clean-up never hides an error, a bad
extractor setting does not stop a memory that never extracts, and extractor names ignore case."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from graphmem.cli import main
from graphmem.errors import VectorIndexError
from graphmem.memory import Memory
from graphmem.vector_index import VectorIndex
from tests.ingest.fakes import FakeEmbedder


def _store(path: Path) -> list[str]:
    with Memory.open(path, embedder=FakeEmbedder()) as mem:
        ids = mem.add(
            [{"speaker": "Ana", "text": "I moved to Porto."}, {"speaker": "Ben", "text": "Nice!"}], namespace="a"
        )
    return list(ids)


def test_a_vector_clean_up_that_fails_leaves_the_forget_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ids = _store(tmp_path / "db")

    def fails(self: VectorIndex, namespace: str, ids: object) -> None:
        raise VectorIndexError("cannot read the vectors")

    monkeypatch.setattr(VectorIndex, "remove_saved", fails)
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem, caplog.at_level(logging.WARNING):
        mem.forget("a", ids[0])
        assert mem.store.get_event("a", ids[0]) is None
    assert "was not brought up to date after forget: cannot read the vectors" in caplog.text


def test_a_bad_extractor_setting_does_not_stop_a_read_only_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store(tmp_path / "db")
    monkeypatch.setenv("GRAPHMEM_EXTRACTOR", "bogus")
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), read_only=True) as mem:
        assert mem.namespaces() == ["a"]
    with pytest.raises(Exception, match="unknown extractor 'bogus'"):
        Memory.open(tmp_path / "db", embedder=FakeEmbedder())


def test_extractor_names_ignore_case(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    talk = tmp_path / "t.txt"
    talk.write_text("Ana: I moved to Porto.\n", encoding="utf-8")
    monkeypatch.setenv("GRAPHMEM_EXTRACTOR", "Spacy")
    code = main(["--db", str(tmp_path / "db"), "ingest", str(talk), "--no-embed", "--extractor-option", "model=x"])
    assert code == 1 and "--extractor-option sets the claude extractor" in capsys.readouterr().err
    assert not (tmp_path / "db").exists()


def test_a_sync_stopped_before_writing_leaves_no_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _store(tmp_path / "src")
    import graphmem.sync

    def stopped(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(graphmem.sync, "sync_stores", stopped)
    assert main(["sync", "--from", str(tmp_path / "src"), "--to", str(tmp_path / "dst")]) != 0  # Ctrl-C
    assert not (tmp_path / "dst").exists()


def test_a_live_add_that_fails_moves_no_stored_entity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # "I live in Bristol." moves NER's stored organisation Bristol to the place before the message is written:
    # when the write fails, the move is undone (the message's facts never stood)
    import graphmem.writer

    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem:
        mem.add([{"speaker": "assistant", "text": "Are you still in Bristol?"}], namespace="ns")
        before = sorted((e.id, e.type) for e in mem.store.iter_entities("ns"))
        assert ("ent:organization:bristol", "Organization") in before

        def down(*args: object, **kwargs: object) -> None:
            raise RuntimeError("embedder down")

        monkeypatch.setattr(graphmem.writer, "commit_batch", down)
        with pytest.raises(RuntimeError, match="embedder down"):
            mem.add([{"speaker": "user", "text": "I live in Bristol."}], namespace="ns")
        assert sorted((e.id, e.type) for e in mem.store.iter_entities("ns")) == before
