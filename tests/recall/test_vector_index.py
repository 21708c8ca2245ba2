"""The vector index: search, per-namespace files, persistence, and repair when it disagrees with the store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from graphmem import vector_space as vs
from graphmem.errors import VectorIndexError
from graphmem.memory import Memory
from graphmem.models import Batch, Event, Session
from graphmem.store.embedded import EmbeddedStore
from graphmem.vector_index import VectorIndex, space_folder
from graphmem.vector_models import model_space

DIM = 16
MODEL = "test-model"


def _vectors(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _batch(namespace: str, ids: list[str], vectors: np.ndarray, *, model: str = MODEL, session: bool = True) -> Batch:
    events = tuple(Event(namespace, i, "s", n, "A", f"text {i}") for n, i in enumerate(ids))
    return Batch(
        namespace,
        sessions=(Session(namespace, "s", 0),) if session else (),
        events=events,
        embeddings=tuple((i, v.tolist()) for i, v in zip(ids, vectors, strict=True)),
        embedding_model=model,
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    s = EmbeddedStore.open(tmp_path / "store")
    yield s
    s.close()


def _fill(store: EmbeddedStore, namespace: str, n: int, seed: int) -> tuple[list[str], np.ndarray]:
    ids = [f"{namespace}-e{i}" for i in range(n)]
    vectors = _vectors(n, seed)
    store.write(_batch(namespace, ids, vectors))
    return ids, vectors


def _top(index: VectorIndex, namespace: str, query: np.ndarray, k: int = 5) -> list[str]:
    return [h.node_id for h in index.search(namespace, query, k)]


def test_search_finds_itself_and_stays_in_namespace(store: EmbeddedStore, tmp_path: Path) -> None:
    a_ids, a_vecs = _fill(store, "a", 40, 1)
    b_ids, _ = _fill(store, "b", 40, 2)
    index = VectorIndex(store, tmp_path / "idx")
    hits = index.search("a", a_vecs[7], 10)
    assert hits[0].node_id == a_ids[7]
    assert hits[0].score == pytest.approx(1.0, abs=1e-4)
    assert all(h.node_id in a_ids for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert index.search("missing", a_vecs[0], 5) == []
    assert index.count("a") == 40 and index.count("b") == 40
    assert len(index) == 80 and b_ids[0] not in {h.node_id for h in index.search("a", a_vecs[0], 80)}
    index.close()


def test_approximate_search_is_filtered_by_namespace(
    store: EmbeddedStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vs, "EXACT_SEARCH_MAX", 0)
    a_ids, a_vecs = _fill(store, "a", 60, 3)
    _fill(store, "b", 300, 4)
    index = VectorIndex(store, tmp_path / "idx")
    for i in (0, 17, 59):
        hits = index.search("a", a_vecs[i], 10)
        assert hits[0].node_id == a_ids[i]
        assert {h.node_id for h in hits} <= set(a_ids)
    assert index.loaded == {"a"}  # b's vectors were never read
    index.close()
    manifest = json.loads((space_folder(tmp_path / "idx", "a") / vs.MANIFEST).read_text())
    assert manifest["mode"] == "hnsw" and manifest["count"] == 60
    assert not space_folder(tmp_path / "idx", "b").exists()


def test_close_and_reopen_loads_without_rebuilding(store: EmbeddedStore, tmp_path: Path) -> None:
    _, vecs = _fill(store, "a", 30, 5)
    index = VectorIndex(store, tmp_path / "idx")
    before = _top(index, "a", vecs[3])
    index.close()
    manifest = json.loads((space_folder(tmp_path / "idx", "a") / vs.MANIFEST).read_text())
    assert manifest["count"] == 30 and manifest["model"] == MODEL and manifest["namespace"] == "a"
    assert manifest["mode"] == "exact" and manifest["generation"] == store.generation("a")
    again = VectorIndex(store, tmp_path / "idx")
    assert _top(again, "a", vecs[3]) == before
    assert again.rebuilt is None
    assert again.repairs == 0
    again.close()


@pytest.mark.parametrize("damage", ["delete_index", "delete_manifest", "corrupt_index", "truncate_ids"])
def test_damaged_files_are_rebuilt_from_the_store(store: EmbeddedStore, tmp_path: Path, damage: str) -> None:
    _, vecs = _fill(store, "a", 30, 6)
    folder = tmp_path / "idx"
    index = VectorIndex(store, folder)
    before = _top(index, "a", vecs[11])
    index.close()
    files = space_folder(folder, "a")
    if damage == "delete_index":
        (files / vs.MATRIX).unlink()
    elif damage == "delete_manifest":
        (files / vs.MANIFEST).unlink()
    elif damage == "corrupt_index":
        data = bytearray((files / vs.MATRIX).read_bytes())
        data[len(data) // 2 : len(data) // 2 + 64] = b"\xff" * 64
        (files / vs.MATRIX).write_bytes(bytes(data))
    else:
        (files / vs.IDS).write_text('{"ids": [')
    again = VectorIndex(store, folder)
    assert _top(again, "a", vecs[11]) == before
    assert again.rebuilt is not None
    again.close()
    third = VectorIndex(store, folder)
    assert _top(third, "a", vecs[11]) == before
    assert third.rebuilt is None
    third.close()


def test_writes_behind_the_index_are_caught_on_open(store: EmbeddedStore, tmp_path: Path) -> None:
    ids, vecs = _fill(store, "a", 20, 7)
    index = VectorIndex(store, tmp_path / "idx")
    index.search("a", vecs[0], 1)
    index.close()
    # more embeddings arrive without the index (another process, or a crash before it was saved)
    new_ids = [f"late-{i}" for i in range(5)]
    new_vecs = _vectors(5, 8)
    store.write(_batch("a", new_ids, new_vecs, session=False))
    # and one stored vector changes under an existing id
    changed = _vectors(1, 9)
    store.write(_batch("a", [ids[0]], changed, session=False))
    again = VectorIndex(store, tmp_path / "idx")
    assert _top(again, "a", new_vecs[2], 1) == [new_ids[2]]
    assert _top(again, "a", changed[0], 1) == [ids[0]]
    assert again.repairs == 1
    assert again.count("a") == 25
    again.close()


def test_deleted_events_leave_the_index(store: EmbeddedStore, tmp_path: Path) -> None:
    ids, vecs = _fill(store, "a", 20, 10)
    index = VectorIndex(store, tmp_path / "idx")
    assert _top(index, "a", vecs[4], 1) == [ids[4]]
    store.delete_event("a", ids[4])
    index.sync("a")
    assert ids[4] not in _top(index, "a", vecs[4], 20)
    assert index.count("a") == 19
    store.delete_namespace("a")
    index.sync("a")
    assert index.search("a", vecs[0], 5) == []
    index.close()


def test_a_folder_emptied_of_vectors_loads_as_no_index_yet(store: EmbeddedStore, tmp_path: Path) -> None:
    # removing a namespace's files keeps its save lock (by design); a dead save may have left a temporary
    _, vecs = _fill(store, "a", 20, 11)
    index = VectorIndex(store, tmp_path / "idx")
    index.search("a", vecs[0], 1)
    index.close()  # saved under the folder's save lock
    folder = space_folder(tmp_path / "idx", "a")
    vs.SpaceFiles(folder).remove()
    (folder / ".vectors.npy.k3j2.tmp").write_bytes(b"x")
    assert sorted(p.name for p in folder.iterdir()) == [vs.SAVE_LOCK, ".vectors.npy.k3j2.tmp"]
    assert vs.SpaceFiles(folder).load(None, "a") == "no index yet"
    store.delete_namespace("a")
    again = VectorIndex(store, tmp_path / "idx")
    assert again.search("a", vecs[0], 5) == [] and again.rebuilt is None
    again.close()


def test_incremental_adds_resize(store: EmbeddedStore, tmp_path: Path) -> None:
    index = VectorIndex(store, tmp_path / "idx")
    total = 0
    for step in range(3):
        ids = [f"x{step}-{i}" for i in range(700)]
        vecs = _vectors(700, 20 + step)
        store.write(_batch("a", ids, vecs, session=step == 0))
        index.add("a", list(zip(ids, vecs.tolist(), strict=True)), model=MODEL)
        total += 700
        assert _top(index, "a", vecs[699], 1) == [ids[699]]
    assert index.count("a") == total
    index.close()
    again = VectorIndex(store, tmp_path / "idx")
    assert again.rebuilt is None and again.count("a") == total and again.repairs == 0
    again.close()


def test_model_and_dimension_mismatch_are_refused(store: EmbeddedStore, tmp_path: Path) -> None:
    ids, vecs = _fill(store, "a", 5, 11)
    index = VectorIndex(store, tmp_path / "idx")
    with pytest.raises(VectorIndexError, match="model"):
        index.add("a", [(ids[0], vecs[0].tolist())], model="another-model")
    with pytest.raises(VectorIndexError, match="dimension"):
        index.add("a", [(ids[0], [1.0, 0.0])], model=MODEL)
    with pytest.raises(VectorIndexError, match="dimension"):
        index.search("a", np.ones(3), 1)
    index.close()
    with pytest.raises(VectorIndexError, match="closed"):
        index.search("a", vecs[0], 1)


def test_minilm_variants_share_a_space() -> None:
    assert model_space("all-MiniLM-L6-v2-onnx-int8") == model_space("all-MiniLM-L6-v2")
    assert model_space("other") != model_space("all-MiniLM-L6-v2")


def test_memory_keeps_the_index_beside_the_store(tmp_path: Path) -> None:
    ids = [f"e{i}" for i in range(10)]
    vecs = _vectors(10, 12)
    with Memory.open(tmp_path / "mem", embedder=object()) as mem:  # type: ignore[arg-type]
        assert mem.vectors.count("a") == 0
        mem.write(_batch("a", ids, vecs))
        assert _top(mem.vectors, "a", vecs[2], 1) == [ids[2]]
    assert (space_folder(tmp_path / "mem", "a") / vs.MANIFEST).exists()
    with Memory.open(tmp_path / "mem") as mem:
        assert mem.vectors.rebuilt is None
        assert _top(mem.vectors, "a", vecs[2], 1) == [ids[2]]
        mem.forget("a", ids[2])
        assert ids[2] not in _top(mem.vectors, "a", vecs[2], 10)


def test_memory_write_with_retract_keeps_the_open_index_in_step(tmp_path: Path) -> None:
    with Memory.open(tmp_path / "m") as mem:
        ids = ["e0", "e1", "e2"]
        vecs = _vectors(3, 7)
        mem.write(_batch("n", ids, vecs))
        index = mem.vectors  # opened and verified
        assert _top(index, "n", vecs[1], k=1) == ["e1"]
        new = _vectors(1, 8)
        replacement = _batch("n", ["e9"], new, session=False)
        mem.write(
            Batch(
                "n",
                events=replacement.events,
                embeddings=replacement.embeddings,
                embedding_model=MODEL,
                retract=("e1",),
            )
        )
        assert "e1" not in _top(index, "n", vecs[1], k=3)
        assert _top(index, "n", new[0], k=1) == ["e9"]


def test_a_namespace_outgrowing_exact_search_becomes_an_hnsw_graph_built_in_chunks(
    store: EmbeddedStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vs, "EXACT_SEARCH_MAX", 50)
    monkeypatch.setattr(vs, "ADD_CHUNK", 16)
    index = VectorIndex(store, tmp_path / "idx")
    ids = [f"x{i}" for i in range(130)]
    vecs = _vectors(130, 40)
    store.write(_batch("a", ids, vecs))
    for start in range(0, 130, 13):  # arrives in small writes, as an agent adds turns
        index.add("a", list(zip(ids[start : start + 13], vecs[start : start + 13].tolist(), strict=True)), model=MODEL)
    assert index.count("a") == 130
    store.delete_event("a", "x7")
    index.sync("a")
    assert index.count("a") == 129 and "x7" not in _top(index, "a", vecs[7], 10)
    assert all(_top(index, "a", vecs[i], 1) == [ids[i]] for i in (0, 64, 129))
    index.close()
    manifest = json.loads((space_folder(tmp_path / "idx", "a") / vs.MANIFEST).read_text())
    assert manifest["mode"] == "hnsw" and manifest["count"] == 129 and manifest["capacity"] >= 130
    again = VectorIndex(store, tmp_path / "idx")
    assert again.count("a") == 129 and again.repairs == 0 and again.rebuilt is None
    assert _top(again, "a", vecs[64], 1) == [ids[64]]
    again.close()


def test_hnsw_search_returns_what_it_reaches_when_hnswlib_cannot_give_k(
    store: EmbeddedStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vs, "EXACT_SEARCH_MAX", 10)
    ids = [f"x{i}" for i in range(40)]
    vecs = _vectors(40, 50)
    store.write(_batch("a", ids, vecs))
    index = VectorIndex(store, tmp_path / "idx")
    space = index._ensure("a")
    assert space is not None and space.mode == "hnsw"
    asked: list[int] = []

    class ReachesFive:
        """hnswlib's index, but its search reaches only five elements (as with many near-duplicates)."""

        def __init__(self, real: object) -> None:
            self.real = real

        def __getattr__(self, name: str) -> object:
            return getattr(self.real, name)

        def knn_query(self, data: np.ndarray, k: int, num_threads: int) -> object:
            asked.append(k)
            if k > 5:  # what hnswlib raises when its search reaches fewer than k elements
                raise RuntimeError("Cannot return the results in a contiguous 2D array. Probably ef or M is too small")
            return self.real.knn_query(data, k=k, num_threads=num_threads)  # type: ignore[attr-defined]

    space.hnsw = ReachesFive(space.hnsw)
    hits = index.search("a", vecs[3], 20)
    assert asked == [20, 20, 10, 5] and len(hits) == 5 and hits[0].node_id == "x3"
    index.close()


def _saved_then_reopened(
    store: EmbeddedStore, tmp_path: Path, n: int, seed: int
) -> tuple[list[str], np.ndarray, VectorIndex]:
    """Namespace ``a`` of ``n`` vectors, its index built and saved, and the index opened again (nothing loaded)."""
    ids, vecs = _fill(store, "a", n, seed)
    index = VectorIndex(store, tmp_path / "idx")
    assert index.count("a") == n
    index.close()
    return ids, vecs, VectorIndex(store, tmp_path / "idx")


def test_remove_saved_changes_only_the_files_of_a_namespace_not_loaded(
    store: EmbeddedStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids, _, again = _saved_then_reopened(store, tmp_path, 6, 21)
    reads: list[str] = []
    monkeypatch.setattr(EmbeddedStore, "iter_embedding_blobs", lambda *a, **k: reads.append("blobs") or iter(()))
    again.remove_saved("a", [ids[1], "not-held"])
    assert reads == [] and again.loaded == frozenset()
    folder = space_folder(tmp_path / "idx", "a")
    saved = json.loads((folder / vs.IDS).read_text())["ids"]
    assert ids[1] not in saved and saved.count(None) == 1
    manifest = json.loads((folder / vs.MANIFEST).read_text())
    assert manifest["count"] == 5 and manifest["generation"] is None  # verified against the store on next load
    again.remove_saved("a", ["not-held"])  # nothing held: the files are not written again
    assert json.loads((folder / vs.MANIFEST).read_text()) == manifest
    again.close()


def test_remove_saved_removes_files_it_cannot_use(store: EmbeddedStore, tmp_path: Path) -> None:
    ids, _, again = _saved_then_reopened(store, tmp_path, 4, 22)
    folder = space_folder(tmp_path / "idx", "a")
    (folder / vs.MATRIX).write_bytes(b"damaged")
    again.remove_saved("a", [ids[0]])
    assert not (folder / vs.MATRIX).exists() and not (folder / vs.MANIFEST).exists()
    assert again.count("a") == 4  # rebuilt from the store
    again.close()


def test_remove_saved_that_fails_midway_leaves_no_file_trusted(
    store: EmbeddedStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids, vecs, again = _saved_then_reopened(store, tmp_path, 4, 23)
    real = vs.SpaceFiles._write

    def dies_at_ids(self: vs.SpaceFiles, name: str, write: object, tag: str = "") -> str:
        if name == vs.IDS:
            raise OSError("disk full")
        return real(self, name, write, tag)

    monkeypatch.setattr(vs.SpaceFiles, "_write", dies_at_ids)
    with pytest.raises(VectorIndexError, match="disk full"):
        again.remove_saved("a", [ids[0]])
    monkeypatch.undo()
    folder = space_folder(tmp_path / "idx", "a")
    assert not (folder / vs.MANIFEST).exists() and not list(folder.glob(".*.tmp"))
    assert _top(again, "a", vecs[2], 1) == [ids[2]] and again.count("a") == 4  # rebuilt from the store
    again.close()
