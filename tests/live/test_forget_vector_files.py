"""A forgotten message's vector leaves the vector index's files, even when the forgetting process never
searched the namespace (``graphmem forget`` from the command line); a forgotten namespace's files go.

Found by an operator: after ``forget --event`` the saved index still listed the event and held its vector,
and after forgetting a whole namespace its folder kept every vector, so a backup of the store directory
taken after the forget still held what was forgotten.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from graphmem import vector_space
from graphmem.cli import main
from graphmem.memory import Memory
from graphmem.store.embedded import EmbeddedStore
from graphmem.vector_index import space_folder
from tests.ingest.fakes import FakeEmbedder

NS = "dana"
MESSAGES = [
    {"speaker": "Dana", "text": "My bank password hint is the name of my first cat."},
    {"speaker": "Eli", "text": "You should not say that here."},
    {"speaker": "Dana", "text": "Fine, I will keep it to myself."},
]


def _stored(db: Path, nlp: Any) -> list[str]:
    with Memory.open(db, embedder=FakeEmbedder(), nlp=nlp) as mem:
        ids = mem.add(MESSAGES, namespace=NS)
        assert mem.recall("password hint", namespace=NS, k=1)  # the index is built and saved on close
    assert (space_folder(db, NS) / "ids.json").is_file()
    return list(ids)


def _saved_ids(db: Path) -> list[str | None]:
    return list(json.loads((space_folder(db, NS) / "ids.json").read_text())["ids"])


def test_a_forgotten_event_leaves_the_saved_vectors(tmp_path: Path, nlp: Any) -> None:
    db = tmp_path / "db"
    ids = _stored(db, nlp)
    assert ids[0] in _saved_ids(db)
    with Memory.open(db, embedder=FakeEmbedder(), nlp=nlp) as mem:  # no recall: the index is never searched
        mem.forget(NS, ids[0])
    saved = _saved_ids(db)
    assert ids[0] not in saved and ids[2] in saved
    matrix = np.load(space_folder(db, NS) / "vectors.npy")
    for row, node in enumerate(saved):
        assert (node is None) == (not np.any(matrix[row])), (row, node)  # the forgotten row holds zeros
    with Memory.open(db, embedder=FakeEmbedder(), nlp=nlp) as mem:
        assert ids[0] not in {h.event.id for h in mem.recall("password hint", namespace=NS, k=5)}


def test_a_forgotten_namespace_leaves_no_vector_files(tmp_path: Path, nlp: Any) -> None:
    db = tmp_path / "db"
    _stored(db, nlp)
    assert main(["--db", str(db), "forget", "-n", NS, "--yes"]) == 0
    folder = space_folder(db, NS)
    assert not any(p.name != ".save.lock" for p in folder.glob("*")) if folder.exists() else True


def _saved_rows(db: Path) -> bytes:
    """Every byte of the namespace's saved vectors (the matrix, or the hnsw graph)."""
    folder = space_folder(db, NS)
    return b"".join(p.read_bytes() for p in (folder / "vectors.npy", folder / "index.hnsw") if p.is_file())


@pytest.mark.parametrize("mode", ["exact", "hnsw"])
def test_forgetting_an_event_reads_no_stored_embedding(
    tmp_path: Path, nlp: Any, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    # `graphmem forget --event` in a process that never searched the namespace loaded and verified the whole
    # namespace's vectors against the store (every stored embedding read: O(namespace), and on a server store
    # a full download) to drop one row; now the row leaves the saved files alone.
    if mode == "hnsw":
        monkeypatch.setattr(vector_space, "EXACT_SEARCH_MAX", 2)
    db = tmp_path / "db"
    ids = _stored(db, nlp)
    with Memory.open(db, embedder=FakeEmbedder(), nlp=nlp) as mem:
        forgotten, reply = mem.vectors.vectors(NS, [ids[0], ids[1]]).astype(np.float32)
        assert mem.vectors.loaded and mem.vectors._spaces[NS].mode == mode  # type: ignore[union-attr]
    held = forgotten.astype(np.float16 if mode == "exact" else np.float32).tobytes()  # as the files hold it
    assert held in _saved_rows(db)  # the test can see it
    reads: list[str] = []
    for reader in ("iter_embeddings", "iter_embedding_blobs", "embedding_blobs_of"):
        real = getattr(EmbeddedStore, reader)
        monkeypatch.setattr(EmbeddedStore, reader, _spy(reads, reader, real))
    with Memory.open(db, embedder=FakeEmbedder(), nlp=nlp) as mem:
        mem.forget(NS, ids[0])
    assert reads == []
    saved = _saved_ids(db)
    # the reply's vector held the forgotten text: it leaves the files too, and is read back from the store
    assert ids[0] not in saved and ids[1] not in saved and ids[2] in saved
    assert held not in _saved_rows(db)
    monkeypatch.undo()
    with Memory.open(db, embedder=FakeEmbedder(), nlp=nlp) as mem:
        assert ids[0] not in {h.node_id for h in mem.vectors.search(NS, forgotten, 10)}
        assert {h.node_id for h in mem.vectors.search(NS, reply, 10)} == {ids[1], ids[2]}
        assert ids[0] not in {h.event.id for h in mem.recall("password hint", namespace=NS, k=5)}


def _spy(reads: list[str], name: str, real: Callable[..., Any]) -> Callable[..., Any]:
    def reader(self: EmbeddedStore, *args: Any, **kwargs: Any) -> Any:
        reads.append(name)
        return real(self, *args, **kwargs)

    return reader
