"""Re-embedding in place over Bolt: the same vectors as a fresh ingest into the embedded store, nothing
else changed, and the local vector copy follows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from graphmem.memory import Memory
from graphmem.settings import Settings
from tests.ingest.fakes import FakeSpanEmbedder
from tests.support.bolt_server import BoltTarget, wipe_database
from tests.test_reembed import FILES, _contents, _ingest, _old_store, _vectors

pytestmark = pytest.mark.neo4j


def _open(bolt: BoltTarget, cache: Path) -> Memory:
    settings = Settings.from_env(environ={"GRAPHMEM_CACHE_DIR": str(cache)})
    return Memory.open(bolt.uri, embedder=FakeSpanEmbedder(), settings=settings, auth=bolt.auth, database=bolt.database)


def test_reembedding_over_bolt_gives_what_a_fresh_ingest_stores(
    bolt_server: BoltTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Memory.open(tmp_path / "fresh", embedder=FakeSpanEmbedder()) as memory:
        _ingest(memory)
        fresh = _vectors(memory)
    wipe_database(bolt_server)
    settings = Settings.from_env(environ={"GRAPHMEM_CACHE_DIR": str(tmp_path / "cache")})
    _old_store(
        bolt_server.uri,
        FakeSpanEmbedder(),
        monkeypatch,
        settings=settings,
        auth=bolt_server.auth,
        database=bolt_server.database,
    )
    with _open(bolt_server, tmp_path / "cache") as memory:
        before = _contents(memory)
        assert all(s.stale == s.total > 0 for s in memory.vector_status())
        assert memory.recall("the trip", namespace="chat", k=2)  # the local copy holds the old vectors
        summary = memory.reembed(batch=4)
        assert summary.events == len(fresh)
        got = _vectors(memory)
        assert set(got) == set(fresh)
        for key, blob in fresh.items():  # Bolt keeps float64 lists of the float32 values
            assert np.array_equal(np.frombuffer(got[key], dtype=np.float32), np.frombuffer(blob, dtype=np.float32))
        assert _contents(memory) == before
        assert all(s.stale == 0 for s in memory.vector_status())
        ids = sorted(node for ns, node in fresh if ns == "chat")
        want = np.stack([np.frombuffer(fresh[("chat", i)], dtype=np.float32) for i in ids])
        assert np.allclose(memory.vectors.vectors("chat", ids), want, atol=2e-3)
        assert sorted(memory.namespaces()) == sorted(FILES)


def test_nan_vectors_over_bolt_are_damaged_and_repaired(
    bolt_server: BoltTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graphmem.embed_text import scheme_of
    from graphmem.models import Batch

    wipe_database(bolt_server)
    with _open(bolt_server, tmp_path / "cache") as memory:
        _ingest(memory)
        fresh = _vectors(memory)
        events = {ev.id for ev in memory.store.iter_events("chat")}
        node, vec = next((n, v) for n, v, _m in memory.store.iter_embeddings("chat") if n in events)
        embedder = memory.embedder
        bad = Batch(
            "chat",
            embeddings=((node, [float("nan"), *vec[1:]]),),
            embedding_model=embedder.name,
            embedding_scheme=scheme_of(embedder),
        )
        memory.store.write(bad)
        status = memory.vector_status("chat")[0]
        assert (status.damaged, status.not_finite, status.stale) == (1, 1, 1)
        assert memory.reembed().namespaces == {"chat": 1}
        assert _vectors(memory) == fresh
        assert all(s.stale == 0 for s in memory.vector_status())
