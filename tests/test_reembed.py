"""Re-embedding in place (graphmem/reembed.py): stale vectors become exactly what a fresh ingest stores,
nothing else changes, an interrupted run resumes, and recall names the fix for another vector space."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import graphmem.embed_text
from graphmem.embed_text import SCHEME_VERSION, EmbeddingRequest, embedding_scheme, scheme_of
from graphmem.errors import ConfigError, UnknownNamespaceError, VectorIndexError
from graphmem.ingest import ingest
from graphmem.memory import Memory
from graphmem.models import Batch, Event
from graphmem.reembed import VectorOrigin
from graphmem.store.embedded import EmbeddedStore
from tests.ingest.conftest import DATA
from tests.ingest.fakes import FakeEmbedder, FakeExtractor, FakeSpanEmbedder

FILES = {"chat": DATA / "chat.jsonl", "priya-tomas": DATA / "locomo_style.json"}


class OtherModel(FakeSpanEmbedder):
    """Another model of the same dimension: another vector space."""

    name = "other-model"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return super().embed([t[::-1] for t in texts])

    def embed_spans(self, texts: Sequence[str], spans: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        whole, part = super().embed_spans(texts, spans)
        return whole[:, ::-1].copy(), part[:, ::-1].copy()


def _plain_request(events: Sequence[Event], lookup: Any = None, *, one_pass: bool = False) -> EmbeddingRequest:
    """An older scheme: each turn embedded as its own text alone."""
    return EmbeddingRequest([ev.text for ev in events], len(events), [])


def _ingest(memory: Memory) -> None:
    for ns, path in FILES.items():
        assert ingest(memory, path, namespace=ns, extractor=FakeExtractor()).files_ok == 1


def _old_store(where: Path | str, embedder: Any, monkeypatch: pytest.MonkeyPatch, **options: Any) -> None:
    """A store ingested under an older scheme (version 0, turns embedded alone) with ``embedder``."""
    with monkeypatch.context() as old, Memory.open(where, embedder=embedder, **options) as memory:
        old.setattr(graphmem.embed_text, "embedding_request", _plain_request)
        old.setattr(graphmem.embed_text, "SCHEME_VERSION", 0)
        _ingest(memory)


def _vectors(memory: Memory) -> dict[tuple[str, str], bytes]:
    return {
        (ns, node): np.asarray(vec, dtype=np.float32).tobytes()
        for ns in memory.namespaces()
        for node, vec, _model in memory.store.iter_embeddings(ns)
    }


def _contents(memory: Memory) -> Any:
    store = memory.store
    return [
        (
            list(store.iter_events(ns)),
            list(store.iter_sessions(ns)),
            list(store.iter_entities(ns)),
            sorted(store.iter_mentions(ns)),
            list(store.iter_facts(ns, history=True)),
        )
        for ns in memory.namespaces()
    ]


@pytest.fixture(params=[FakeSpanEmbedder, FakeEmbedder], ids=["one-pass", "two-text"])
def kind(request: pytest.FixtureRequest) -> Any:
    return request.param


@pytest.fixture
def fresh(tmp_path: Path, kind: Any) -> dict[tuple[str, str], bytes]:
    """The vectors a fresh ingest of the files stores today."""
    with Memory.open(tmp_path / "fresh", embedder=kind()) as memory:
        _ingest(memory)
        return _vectors(memory)


def test_an_ingest_records_the_model_and_scheme(tmp_path: Path, kind: Any) -> None:
    embedder = kind()
    with Memory.open(tmp_path / "m", embedder=embedder) as memory:
        _ingest(memory)
        for status in memory.vector_status():
            assert status.origins == ((VectorOrigin(embedder.name, scheme_of(embedder)), status.total),)
            assert status.stale == 0 and status.total > 0
        assert memory.reembed().events == 0


def test_reembedding_an_older_scheme_gives_what_a_fresh_ingest_stores(
    tmp_path: Path, kind: Any, fresh: dict[tuple[str, str], bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    _old_store(tmp_path / "old", kind(), monkeypatch)
    with Memory.open(tmp_path / "old", embedder=kind()) as memory:
        before = _contents(memory)
        old = _vectors(memory)
        assert set(old) == set(fresh) and all(old[k] != fresh[k] for k in fresh)
        statuses = memory.vector_status()
        assert all(s.stale == s.total > 0 and not s.other_space for s in statuses)
        # the old request embeds each turn alone (no spans): recorded as that, at version 0
        assert {o.scheme for s in statuses for o, _ in s.origins} == {
            embedding_scheme(one_pass=False).replace(f"/{SCHEME_VERSION}/", "/0/")
        }
        _ = memory.vectors.count("chat")  # the index is loaded: it must follow the new vectors
        summary = memory.reembed(batch=3)
        assert summary.namespaces == {ns: sum(1 for n, _ in fresh if n == ns) for ns in FILES}
        assert _vectors(memory) == fresh
        assert _contents(memory) == before
        assert all(s.stale == 0 for s in memory.vector_status())
        ids = sorted(node for ns, node in fresh if ns == "chat")
        held = memory.vectors.vectors("chat", ids)
        want = np.stack([np.frombuffer(fresh[("chat", i)], dtype=np.float32) for i in ids])
        assert np.allclose(held, want, atol=2e-3)
        assert memory.reembed().events == 0  # nothing left


def test_events_ingested_without_vectors_get_them(
    tmp_path: Path, kind: Any, fresh: dict[tuple[str, str], bytes]
) -> None:
    # A namespace ingested with embed=False (--no-embed) was neither counted nor embedded by reembed.
    with Memory.open(tmp_path / "bare", embedder=kind()) as memory:
        for ns, path in FILES.items():
            assert ingest(memory, path, namespace=ns, extractor=FakeExtractor(), embed=False).files_ok == 1
        before = _contents(memory)
        statuses = memory.vector_status()
        assert all(s.total == 0 and s.stale == s.missing > 0 for s in statuses)
        assert statuses[0].as_dict()["missing"] == statuses[0].missing
        summary = memory.reembed(batch=4)
        assert summary.events == sum(s.missing for s in statuses)
        assert _vectors(memory) == fresh
        assert _contents(memory) == before
        assert all(s.stale == 0 and s.missing == 0 for s in memory.vector_status())
        assert memory.recall("dog", namespace="chat", k=1)  # the new vectors are searched


def test_an_interrupted_reembedding_resumes(
    tmp_path: Path, fresh: dict[tuple[str, str], bytes], kind: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _old_store(tmp_path / "old", kind(), monkeypatch)
    with Memory.open(tmp_path / "old", embedder=kind()) as memory:
        total = sum(s.total for s in memory.vector_status())
        real_write, writes = memory.write, []

        def write(batch: Batch, **kw: Any) -> None:
            if len(writes) == 2:
                raise KeyboardInterrupt
            writes.append(batch)
            real_write(batch, **kw)

        monkeypatch.setattr(memory, "write", write)
        with pytest.raises(KeyboardInterrupt):
            memory.reembed(batch=2)
        monkeypatch.undo()
        assert sum(s.stale for s in memory.vector_status()) == total - 4  # two batches of two committed
        assert memory.recall("the trip", namespace="chat", k=2)  # same space: recall works meanwhile
        assert memory.reembed(batch=2).events == total - 4
        assert _vectors(memory) == fresh


def test_another_vector_space_is_refused_by_recall_until_reembedded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Memory.open(tmp_path / "m", embedder=FakeSpanEmbedder()) as memory:
        _ingest(memory)
        assert memory.recall("the trip", namespace="chat", k=2)
    with Memory.open(tmp_path / "m", embedder=OtherModel()) as memory:
        with pytest.raises(VectorIndexError, match="graphmem reembed"):
            memory.recall("the trip", namespace="chat", k=2)
        with pytest.raises(VectorIndexError, match="graphmem reembed"):
            memory.query('FIND (e:Event ABOUT "the trip") IN "chat" RETURN e')
        assert all(s.other_space for s in memory.vector_status())
        real_write, writes = memory.write, []

        def write(batch: Batch, **kw: Any) -> None:
            if writes:
                raise KeyboardInterrupt
            writes.append(batch)
            real_write(batch, **kw)

        monkeypatch.setattr(memory, "write", write)
        with pytest.raises(KeyboardInterrupt):
            memory.reembed("chat", batch=2)
        monkeypatch.undo()
        with pytest.raises(VectorIndexError, match=r"several models.*graphmem reembed"):
            memory.recall("the trip", namespace="chat", k=2)  # half done: both models
        memory.reembed()
        assert memory.recall("the trip", namespace="chat", k=2)
        assert memory.vectors.count("chat") == memory.vector_status("chat")[0].total > 2
        assert all(s.stale == 0 and not s.other_space for s in memory.vector_status())
    with Memory.open(tmp_path / "m", embedder=OtherModel()) as memory:  # the rebuilt index was saved
        assert memory.recall("the trip", namespace="chat", k=2)


def test_unknown_namespace_bad_batch_and_read_only(tmp_path: Path) -> None:
    with Memory.open(tmp_path / "m", embedder=FakeEmbedder()) as memory:
        _ingest(memory)
        with pytest.raises(UnknownNamespaceError):
            memory.reembed("nope")
        with pytest.raises(ConfigError):
            memory.reembed(batch=0)
    from graphmem.errors import ReadOnlyStoreError

    with Memory.open(tmp_path / "m", embedder=FakeSpanEmbedder(), read_only=True) as memory:
        assert all(s.stale for s in memory.vector_status())  # reading what is stale works read-only
        with pytest.raises(ReadOnlyStoreError):
            memory.reembed()


def test_vectors_written_without_a_scheme_read_as_unknown(tmp_path: Path) -> None:
    embedder = FakeSpanEmbedder()
    with Memory.open(tmp_path / "m", embedder=embedder) as memory:
        _ingest(memory)
        first = next(iter(memory.store.iter_events("chat")))
        memory.write(Batch("chat", embeddings=((first.id, [1.0] + [0.0] * 7),), embedding_model=embedder.name))
        status = memory.vector_status("chat")[0]
        assert dict(status.origins)[VectorOrigin(embedder.name, "")] == 1 and status.stale == 1
        assert memory.reembed("chat").namespaces == {"chat": 1}


def test_the_async_twin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from graphmem.aio import AsyncMemory

    _old_store(tmp_path / "old", FakeEmbedder(), monkeypatch)

    async def run() -> None:
        async with AsyncMemory(Memory.open(tmp_path / "old", embedder=FakeEmbedder())) as mem:
            stale = sum(s.stale for s in await mem.vector_status())
            assert stale > 0
            assert (await mem.reembed(batch=5)).events == stale
            assert sum(s.stale for s in await mem.vector_status()) == 0

    asyncio.run(run())


def _overwrite_vectors(
    path: Path, embedder: Any, damage: Callable[[EmbeddedStore], tuple[tuple[str, list[float]], ...]]
) -> tuple[tuple[str, list[float]], ...]:
    """The chat ingested at ``path``, then the vectors ``damage`` returns written over the stored ones under
    the embedder's own model and scheme (as another writer, or a restore before restores checked them,
    left them); returns them."""
    with Memory.open(path, embedder=embedder) as memory:
        _ingest(memory)
    store = EmbeddedStore.open(path)
    damaged = damage(store)
    store.write(Batch("chat", embeddings=damaged, embedding_model=embedder.name, embedding_scheme=scheme_of(embedder)))
    store.close()
    return damaged


def test_vectors_of_another_dimension_are_damaged_stale_and_repaired(
    tmp_path: Path, fresh: dict[tuple[str, str], bytes], kind: Any
) -> None:
    # A store restored (before restores checked vectors) from an export whose vectors were cut short:
    # recall failed, `reembed --check` counted 0 stale and `reembed` repaired nothing.
    cut = _overwrite_vectors(
        tmp_path / "m", kind(), lambda store: tuple((n, v[:3]) for n, v, _m in store.iter_embeddings("chat"))
    )
    with Memory.open(tmp_path / "m", embedder=kind()) as memory:
        memory.vectors.discard("chat")  # as a restore leaves it: the index built from the stored vectors
        with pytest.raises(VectorIndexError, match="graphmem reembed"):
            memory.recall("dog", namespace="chat", k=1)
        status = memory.vector_status("chat")[0]
        assert status.damaged == status.stale == status.total == len(cut) > 0
        assert status.as_dict()["damaged"] == len(cut)
        assert memory.vector_status("priya-tomas")[0].stale == 0  # its vectors are whole
        assert memory.reembed().namespaces == {"chat": len(cut)}
        assert _vectors(memory) == fresh
        assert memory.recall("dog", namespace="chat", k=1)
        assert all(s.stale == 0 and s.damaged == 0 for s in memory.vector_status())


def test_vectors_holding_nan_or_infinity_are_damaged_stale_and_repaired(
    tmp_path: Path, fresh: dict[tuple[str, str], bytes], kind: Any
) -> None:
    # Written by another writer (or restored before restores checked vectors): of the current model and
    # scheme and of the right dimension, so `reembed --check` counted 0 stale and `reembed` repaired nothing.
    def not_finite(store: EmbeddedStore) -> tuple[tuple[str, list[float]], ...]:
        events = {ev.id for ev in store.iter_events("chat")}
        rows = [(node, vec) for node, vec, _model in store.iter_embeddings("chat") if node in events][:3]
        values = (float("nan"), float("inf"), -float("inf"))
        return tuple((node, [value, *vec[1:]]) for (node, vec), value in zip(rows, values, strict=True))

    _overwrite_vectors(tmp_path / "m", kind(), not_finite)
    with Memory.open(tmp_path / "m", embedder=kind()) as memory:
        status = memory.vector_status("chat")[0]
        assert status.damaged == status.not_finite == status.stale == 3 and status.total > 3
        assert (status.as_dict()["damaged"], status.as_dict()["not_finite"]) == (3, 3)
        assert memory.vector_status("priya-tomas")[0].damaged == 0
        assert memory.reembed().namespaces == {"chat": 3}
        assert _vectors(memory) == fresh
        assert all(s.stale == 0 and s.damaged == 0 for s in memory.vector_status())
