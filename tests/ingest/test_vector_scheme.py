"""The content hash of an ingested input does not cover how its events were embedded (graphmem/ingest_read.py).

Re-ingesting an unchanged file would replace its events through retraction, which brings back events
forgotten since and drops fact revisions made by live messages. So a store embedded by an older scheme
keeps its vectors, the next ingest of the same file skips it, and nothing forgotten comes back."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import graphmem.embed_text
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
    """A store ingested before contextual vectors: each turn embedded as its own text alone."""
    memory = Memory.open(tmp_path / "old", embedder=FakeEmbedder())
    with monkeypatch.context() as old:
        old.setattr(graphmem.embed_text, "embedding_request", _plain_request)
        assert run(memory).files_ok == 1
    return memory


def test_an_older_scheme_is_kept_and_the_unchanged_file_skipped(old_store: Memory) -> None:
    plain, before = _vectors(old_store), _contents(old_store)
    again = run(old_store)
    assert (again.files_ok, again.files_skipped, again.events_retracted) == (0, 1, 0)
    assert _contents(old_store) == before
    got = _vectors(old_store)
    assert set(got) == set(plain) and all(np.allclose(got[k], plain[k]) for k in plain)
    old_store.close()


def test_a_forgotten_event_stays_forgotten_after_an_upgrade(old_store: Memory) -> None:
    first = sorted(e.id for e in old_store.store.iter_events(NS))[0]
    old_store.forget(NS, first)
    run(old_store)  # the same file, under the current scheme
    assert first not in {e.id for e in old_store.store.iter_events(NS)}
    old_store.close()


def test_an_unchanged_reingest_loads_no_embedder(tmp_path: Path) -> None:
    with Memory.open(tmp_path / "m", embedder=FakeEmbedder()) as memory:
        run(memory)
    with Memory.open(tmp_path / "m") as reopened:  # the default embedder, loaded only on first use
        assert run(reopened).files_skipped == 1
        assert reopened._embedder is None


def test_without_embedding_the_hash_differs(memory: Memory) -> None:
    run(memory, embed=False)
    assert run(memory, embed=False).files_skipped == 1
    assert memory.stats(NS).embeddings == 0
    assert run(memory).files_skipped == 0  # now embedded: ingested again
