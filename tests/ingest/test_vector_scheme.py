"""The content hash of an ingested input covers how its events were embedded (graphmem/ingest_read.py):
a store whose vectors were made by an older embedded-text scheme, or another embedder, is embedded again
by the next ingest of the same unchanged file, replacing its events instead of adding to them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import graphmem.embed_text
import graphmem.writer
from graphmem.embed_text import EmbeddingRequest
from graphmem.ingest import IngestSummary, ingest
from graphmem.memory import Memory
from graphmem.models import Event

from .conftest import DATA
from .fakes import FakeEmbedder, FakeExtractor

FILE = DATA / "chat.jsonl"  # speakers on every turn: each turn's text in context differs from its own
NS = "chat"
SESSIONS_FILE, SESSIONS_NS = DATA / "locomo_style.json", "priya-tomas"  # three sessions


def run(memory: Memory, path: Path = FILE, **kw: Any) -> IngestSummary:
    return ingest(memory, path, extractor=FakeExtractor(), **kw)


def _plain_request(events: Sequence[Event], lookup: Any = None, *, one_pass: bool = False) -> EmbeddingRequest:
    """The scheme before contextual vectors: each turn embedded as its own text alone."""
    return EmbeddingRequest([ev.text for ev in events], len(events), [])


def _vectors(memory: Memory, ns: str = NS) -> dict[str, list[float]]:
    return {node: vec for node, vec, _model in memory.store.iter_embeddings(ns)}


def _contents(memory: Memory, ns: str = NS) -> tuple[Any, ...]:
    store = memory.store
    return (
        sorted((e.id, e.text) for e in store.iter_events(ns)),
        sorted(e.id for e in store.iter_entities(ns)),
        sorted(store.iter_mentions(ns)),
        sorted((s.id, s.index) for s in store.iter_sessions(ns)),
    )


@pytest.fixture
def old_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Memory:
    """A store ingested before contextual vectors: plain vectors, hashed under scheme version 1."""
    memory = Memory.open(tmp_path / "old", embedder=FakeEmbedder())
    with monkeypatch.context() as old:
        old.setattr(graphmem.embed_text, "embedding_request", _plain_request)
        old.setattr(graphmem.writer, "EMBED_TEXT_VERSION", "1")
        assert run(memory).files_ok == 1
    return memory


def test_reingesting_a_store_of_an_older_scheme_embeds_again_without_duplicates(
    old_store: Memory, tmp_path: Path
) -> None:
    plain, before = _vectors(old_store), _contents(old_store)
    with Memory.open(tmp_path / "fresh", embedder=FakeEmbedder()) as fresh:
        run(fresh)
        expected = _vectors(fresh)
    assert set(plain) == set(expected) and any(not np.allclose(plain[k], expected[k]) for k in plain)

    again = run(old_store)
    assert (again.files_ok, again.files_skipped) == (1, 0)  # not skipped although the file is unchanged
    assert again.events_retracted == len(plain)  # the old version's events are replaced, in one transaction
    assert _contents(old_store) == before  # the same events, entities and mentions: nothing twice
    got = _vectors(old_store)
    assert set(got) == set(expected)
    assert all(np.allclose(got[k], expected[k], atol=1e-6) for k in expected)  # as a fresh ingest embeds
    assert old_store.stats(NS).embeddings == len(expected)
    assert run(old_store).files_skipped == 1  # and now it is current
    old_store.close()


def test_a_file_of_several_units_is_embedded_again_unit_by_unit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("graphmem.ingest_read.UNIT_TURNS", 1)  # one session per unit: three commits
    memory = Memory.open(tmp_path / "old", embedder=FakeEmbedder())
    with monkeypatch.context() as old:
        old.setattr(graphmem.embed_text, "embedding_request", _plain_request)
        old.setattr(graphmem.writer, "EMBED_TEXT_VERSION", "1")
        run(memory, SESSIONS_FILE)
    before = _contents(memory, SESSIONS_NS)
    with Memory.open(tmp_path / "fresh", embedder=FakeEmbedder()) as fresh:
        run(fresh, SESSIONS_FILE)
        expected = _vectors(fresh, SESSIONS_NS)
    assert run(memory, SESSIONS_FILE).files_ok == 1
    assert _contents(memory, SESSIONS_NS) == before
    got = _vectors(memory, SESSIONS_NS)
    assert set(got) == set(expected) and all(np.allclose(got[k], expected[k], atol=1e-6) for k in expected)
    assert run(memory, SESSIONS_FILE).files_skipped == 1
    memory.close()


def test_another_embedder_space_ingests_again_and_the_same_one_skips(memory: Memory) -> None:
    run(memory)
    assert run(memory).files_skipped == 1

    class Other(FakeEmbedder):
        name = "other-embedder"

    with Memory.open(memory.store.directory, embedder=Other()) as other:  # type: ignore[attr-defined]
        memory.close()
        assert run(other).files_skipped == 0


def test_without_embedding_the_hash_ignores_the_embedder(memory: Memory) -> None:
    run(memory, embed=False)
    assert run(memory, embed=False).files_skipped == 1
    assert memory.stats(NS).embeddings == 0


def test_the_scheme_names_the_space_and_the_version() -> None:
    scheme = graphmem.writer.vector_scheme(FakeEmbedder())
    assert scheme == f"fake-embedder|text-v{graphmem.writer.EMBED_TEXT_VERSION}"
