"""One namespace's vectors: a matrix searched exactly while small, an hnswlib graph once large; its files.

Each namespace has a folder of its own (see :mod:`graphmem.vector_index`), so a tenant's search never
reads or pays for another tenant's vectors. A namespace holds unit vectors (cosine similarity) under
integer labels; ``ids`` maps a label back to the node id (``None`` for a free label).

While it holds at most :data:`EXACT_SEARCH_MAX` vectors, the namespace is a float32 matrix searched
exactly (one matrix-vector product: faster than a graph at that size, and exact). Past that it becomes
an hnswlib index built incrementally: the index is resized in steps and vectors are added in chunks, so
a million-vector namespace is built without a second copy of its vectors. The hnsw parameters and why
they were chosen are in ``docs/scale.md``.

Files in the namespace's folder::

    manifest.json   format, namespace, model, dimension, mode, counts, the store generation the
                    vectors match, and the sha256 of every file below
    ids.json        label -> node id (null for a free label)
    vectors.npy     the matrix (exact mode), stored as float16 and searched as float32, or
    index.hnsw      the hnswlib graph (hnsw mode; hnswlib keeps float32)
    .save.lock      held (``flock``) by the process saving the folder: one saver at a time (never deleted:
                    a process waiting on a deleted lock file would hold a lock nobody else sees)

float16 halves the matrix on disk (held in memory at the same precision, so results do not change
when a namespace is saved and loaded again); searching at float16 precision lost nothing measurable (recall@10 of
exact search 1.0 at 30,000 vectors and 0.9995 at 5,000 against float32; docs/scale.md).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from graphmem.errors import VectorIndexError

__all__ = [
    "EF_CONSTRUCTION",
    "EF_SEARCH",
    "EXACT_SEARCH_MAX",
    "FORMAT",
    "HNSW_M",
    "NamespaceVectors",
    "SpaceFiles",
]

FORMAT = 2
MANIFEST = "manifest.json"
IDS = "ids.json"
MATRIX = "vectors.npy"
HNSW = "index.hnsw"
SAVE_LOCK = ".save.lock"
#: How long a save waits for another process's save of the same folder before saving beside it.
SAVE_LOCK_WAIT = 30.0
#: In the names of the temporaries of a save made without the lock (see :func:`_saving`).
UNLOCKED = "unlocked."
#: A save without the lock whose temporaries are this many seconds old (unmodified) has died.
UNLOCKED_STALE = 3600.0

#: A namespace with at most this many vectors is a matrix searched exactly; above, an hnsw graph.
EXACT_SEARCH_MAX = 20_000
#: hnsw graph degree (links per node on layer 0: 2 × M). See docs/scale.md.
HNSW_M = 16
#: Candidate list size while building. See docs/scale.md.
EF_CONSTRUCTION = 200
#: Minimum candidate list size while searching (raised to 2 × k for large k).
EF_SEARCH = 128
#: Vectors added to an hnsw graph per call while building (bounds the temporary copies).
ADD_CHUNK = 10_000
_HNSW_THREADS = 1  # deterministic, and fair to a shared machine


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fillers(labels: npt.NDArray[np.int64], dim: int) -> npt.NDArray[np.float32]:
    """A unit vector per label, made of the label alone (what a removed element holds in an hnsw graph):
    spread out, so removed elements do not crowd one spot of the graph."""
    rows = np.stack([np.random.default_rng(int(label)).standard_normal(dim) for label in labels]).astype(np.float32)
    unit: npt.NDArray[np.float32] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return unit


class NamespaceVectors:
    """The vectors of one namespace, in memory.

    Args:
        hnswlib: the imported ``hnswlib`` module.
        dim: the vector dimension.
        model: the embedding model the vectors came from.
    """

    def __init__(self, hnswlib: Any, dim: int, model: str | None) -> None:
        self._hnswlib = hnswlib
        self.dim = dim
        self.model = model
        self.ids: list[str | None] = []
        self.labels: dict[str, int] = {}
        self.free: list[int] = []
        self.matrix: npt.NDArray[np.float32] | None = np.zeros((0, dim), dtype=np.float32)
        self.hnsw: Any | None = None
        #: The store generation these vectors match (``None``: unknown, verify before trusting).
        self.generation: int | None = None
        self.dirty = False

    # -- size ----------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def mode(self) -> str:
        """``"exact"`` (a matrix) or ``"hnsw"`` (a graph)."""
        return "exact" if self.hnsw is None else "hnsw"

    def nbytes(self) -> int:
        """About how much memory the namespace takes (vectors, graph links, id maps)."""
        ids = len(self.ids) * 120
        if self.hnsw is not None:
            return ids + int(self.hnsw.get_max_elements()) * (self.dim * 4 + 2 * HNSW_M * 4 + 80)
        assert self.matrix is not None
        return ids + int(self.matrix.nbytes)

    # -- writing -------------------------------------------------------------------------------------

    def put(self, ids: Sequence[str], matrix: npt.NDArray[np.float32]) -> None:
        """Add or replace unit vectors (one row each) under ``ids``."""
        if matrix.shape[1] != self.dim:
            raise VectorIndexError(
                f"vectors of dimension {matrix.shape[1]} cannot join an index of dimension {self.dim}"
            )
        arriving = len({node_id for node_id in ids if node_id not in self.labels})
        if self.hnsw is None and len(self.labels) + arriving > EXACT_SEARCH_MAX:
            self._to_hnsw(room=arriving)  # before new labels exist: only written rows move over
        labels = np.empty(len(ids), dtype=np.int64)
        for i, node_id in enumerate(ids):
            label = self.labels.get(node_id)
            if label is None:
                if self.free:
                    label = self.free.pop()
                    self.ids[label] = node_id
                else:
                    label = len(self.ids)
                    self.ids.append(node_id)
                self.labels[node_id] = label
            labels[i] = label
        if self.hnsw is None:
            assert self.matrix is not None
            if len(self.ids) > self.matrix.shape[0]:
                grown = np.zeros((max(len(self.ids), 2 * self.matrix.shape[0], 256), self.dim), dtype=np.float32)
                grown[: self.matrix.shape[0]] = self.matrix
                self.matrix = grown
            self.matrix[labels] = matrix.astype(np.float16)  # held at the precision it is saved with
        else:
            self._hnsw_add(matrix, labels)
        self.dirty = True

    def remove(self, ids: Sequence[str]) -> None:
        """Remove the vectors of ``ids`` (ids not held are ignored); nothing of them stays held or saved."""
        gone: list[int] = []
        for node_id in ids:
            label = self.labels.pop(node_id, None)
            if label is None:
                continue
            self.ids[label] = None
            self.free.append(label)
            gone.append(label)
            self.dirty = True
        if not gone:
            return
        if self.hnsw is None:
            assert self.matrix is not None
            self.matrix[gone] = 0.0
            return
        # hnswlib keeps a deleted element's data (and saves it) until its label is reused: a forgotten
        # text's vector is overwritten first with one made of the label alone, then marked deleted
        labels = np.asarray(gone, dtype=np.int64)
        self.hnsw.add_items(_fillers(labels, self.dim), labels, num_threads=_HNSW_THREADS)
        for label in gone:
            with contextlib.suppress(RuntimeError):
                self.hnsw.mark_deleted(label)

    def _new_hnsw(self, capacity: int) -> Any:
        index = self._hnswlib.Index(space="cosine", dim=self.dim)
        index.init_index(max_elements=max(capacity, 1024), ef_construction=EF_CONSTRUCTION, M=HNSW_M)
        index.set_ef(EF_SEARCH)
        return index

    def _hnsw_add(self, matrix: npt.NDArray[np.float32], labels: npt.NDArray[np.int64]) -> None:
        """Add rows to the graph in chunks, growing its capacity in steps of a quarter (at least a chunk)."""
        assert self.hnsw is not None
        needed = len(self.ids)
        capacity = int(self.hnsw.get_max_elements())
        if needed > capacity:
            self.hnsw.resize_index(max(needed, capacity + max(capacity // 4, ADD_CHUNK)))
        for start in range(0, len(labels), ADD_CHUNK):
            # adding under an existing (or deleted, reused) label replaces that vector and undeletes it
            self.hnsw.add_items(
                matrix[start : start + ADD_CHUNK], labels[start : start + ADD_CHUNK], num_threads=_HNSW_THREADS
            )

    def _to_hnsw(self, room: int = 0) -> None:
        """Turn the matrix into an hnsw graph (the namespace outgrew exact search), with ``room`` to spare."""
        assert self.matrix is not None
        live = np.asarray([label for label, node_id in enumerate(self.ids) if node_id is not None], dtype=np.int64)
        old = self.matrix
        size = len(self.ids) + room
        self.hnsw = self._new_hnsw(size + size // 4)
        self._hnsw_add(old[live], live)
        for label in self.free:
            with contextlib.suppress(RuntimeError):
                self.hnsw.mark_deleted(label)
        self.matrix = None

    # -- reading -------------------------------------------------------------------------------------

    def held(self, ids: Sequence[str]) -> npt.NDArray[np.float32]:
        """The stored vectors of ``ids`` (all held), one row each."""
        labels = [self.labels[i] for i in ids]
        if self.hnsw is None:
            assert self.matrix is not None
            return self.matrix[labels]
        out = np.empty((len(labels), self.dim), dtype=np.float32)
        for start in range(0, len(labels), ADD_CHUNK):
            out[start : start + ADD_CHUNK] = np.asarray(
                self.hnsw.get_items(labels[start : start + ADD_CHUNK]), dtype=np.float32
            )
        return out

    def search(self, vector: npt.NDArray[np.float32], k: int) -> list[tuple[str, float]]:
        """The ``k`` nearest held vectors to the unit ``vector``: ``(node id, cosine)``, best first."""
        k = min(k, len(self.labels))
        if k <= 0:
            return []
        if self.hnsw is None:
            assert self.matrix is not None
            rows = self.matrix[: len(self.ids)]
            # einsum, not BLAS: a matrix-vector product is memory-bound, and BLAS threads only add jitter
            scores = np.einsum("ij,j->i", rows, vector)
            if self.free:
                scores[self.free] = -np.inf
            top = np.argpartition(-scores, k - 1)[:k]
            top = top[np.argsort(-scores[top], kind="stable")]
            return [(self.ids[i] or "", float(scores[i])) for i in top]
        labels, distances = self._knn(vector, k)
        out = []
        for label, dist in zip(labels[0], distances[0], strict=True):
            node_id = self.ids[int(label)] if int(label) < len(self.ids) else None
            if node_id is not None:
                out.append((node_id, 1.0 - float(dist)))
        return out

    def _knn(self, vector: npt.NDArray[np.float32], k: int) -> tuple[Any, Any]:
        """hnswlib's ``k`` nearest, or as many as it can reach.

        hnswlib raises when its search reaches fewer than ``k`` elements, which happens with many
        near-identical vectors (parts of the graph are then hard to reach). A wider search is tried
        first, then fewer results are asked for, halving ``k``.
        """
        assert self.hnsw is not None
        ef = max(EF_SEARCH, 2 * k)
        for attempt_k, attempt_ef in [(k, ef), (k, 4 * ef)] + [(k >> s, 4 * ef) for s in range(1, k.bit_length())]:
            self.hnsw.set_ef(attempt_ef)
            try:
                labels, distances = self.hnsw.knn_query(vector[None, :], k=attempt_k, num_threads=1)
                return labels, distances
            except RuntimeError as exc:
                error = exc
        raise VectorIndexError(f"vector search failed: {error}")


class SpaceFiles:
    """The folder of one namespace's vectors: load and save :class:`NamespaceVectors`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def exists(self) -> bool:
        """Whether a manifest is there (a complete save)."""
        return (self.folder / MANIFEST).exists()

    def load(self, hnswlib: Any, namespace: str) -> NamespaceVectors | str:
        """The saved vectors, or why they cannot be used (missing, damaged, another format)."""
        path = self.folder / MANIFEST
        if not path.exists():
            return "manifest missing" if self._holds_files() else "no index yet"
        try:
            manifest = json.loads(path.read_text())
            if manifest.get("format") != FORMAT:
                return f"index format {manifest.get('format')!r} is not {FORMAT}"
            if manifest.get("namespace") != namespace:
                return "the folder belongs to another namespace"
            for name, sha in manifest["files"].items():
                file = self.folder / name
                if not file.exists():
                    return f"{name} missing"
                if _sha256(file) != sha:
                    return f"{name} checksum differs from the manifest"
            space = NamespaceVectors(hnswlib, int(manifest["dim"]), manifest.get("model"))
            ids = json.loads((self.folder / IDS).read_bytes())["ids"]
            space.ids = ids
            space.labels = {node_id: label for label, node_id in enumerate(ids) if node_id is not None}
            space.free = [label for label, node_id in enumerate(ids) if node_id is None]
            if len(space.labels) != int(manifest["count"]):
                return "id map count differs from the manifest"
            if manifest["mode"] == "hnsw":
                index = hnswlib.Index(space="cosine", dim=space.dim)
                index.load_index(str(self.folder / HNSW), max_elements=int(manifest["capacity"]))
                index.set_ef(EF_SEARCH)
                space.hnsw = index
                space.matrix = None
            else:
                matrix = np.load(self.folder / MATRIX, allow_pickle=False)
                if matrix.dtype not in (np.float16, np.float32) or matrix.shape != (len(ids), space.dim):
                    return "matrix shape differs from the id map"
                space.matrix = np.ascontiguousarray(matrix, dtype=np.float32)
            gen = manifest.get("generation")
            space.generation = int(gen) if gen is not None else None
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            return f"unreadable index ({exc.__class__.__name__}: {exc})"
        return space

    def drop(self, hnswlib: Any, namespace: str, ids: Collection[str]) -> bool:
        """Remove the vectors of ``ids`` from the saved files, reading nothing but the files; whether they changed.

        Under the folder's save lock, the files are loaded, the rows removed as
        :meth:`NamespaceVectors.remove` removes them (nothing of them stays, in an hnsw graph either) and
        written again as :meth:`save` writes them: new files renamed into place, the manifest last, so a
        crash leaves the old files or no manifest (the next load rebuilds). They are marked as matching no
        store generation: the next load verifies them against the store. Files that cannot be used (damaged,
        of another format or namespace, a save cut short) are removed, as the next load would rebuild them.

        Raises:
            VectorIndexError: the files cannot be read or written (the old ones stay).
        """
        if not self._holds_files():
            return False
        try:
            with _saving(self.folder) as locked:
                loaded = self.load(hnswlib, namespace)
                if isinstance(loaded, str):
                    self.remove()
                    return True
                loaded.remove(list(ids))
                if not loaded.dirty:
                    return False
                loaded.generation = None
                self._save(namespace, loaded, "" if locked else UNLOCKED)
        except (OSError, RuntimeError) as exc:
            raise VectorIndexError(f"cannot remove vectors of {namespace!r} from {self.folder}: {exc}") from exc
        return True

    def _holds_files(self) -> bool:
        """Whether any file of a save is in the folder: one emptied by :meth:`remove` keeps its save lock,
        and may hold the temporaries of a save that died before renaming one into place; it holds no index."""
        return any((self.folder / name).exists() for name in (MANIFEST, IDS, MATRIX, HNSW))

    def save(self, namespace: str, space: NamespaceVectors) -> None:
        """Write the namespace's files (each renamed into place; the manifest last).

        One process saves a folder at a time (an exclusive ``flock`` on its ``.save.lock``), so the
        temporary files found there when the lock is taken were left by a save that died (killed, out of
        memory): they are removed first, as a large namespace's are gigabytes. A save waits at most
        :data:`SAVE_LOCK_WAIT` seconds for another process's (which may be stopped): then it saves beside
        it, as every file goes through its own temporary and the manifest's hashes tell a mixed folder
        (the next load rebuilds), and removes nothing (see :func:`_saving`).
        """
        folder = self.folder
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with _saving(folder) as locked:
                self._save(namespace, space, "" if locked else UNLOCKED)
        except (OSError, RuntimeError) as exc:
            raise VectorIndexError(f"cannot write the vectors of {namespace!r} to {folder}: {exc}") from exc
        space.dirty = False

    def _save(self, namespace: str, space: NamespaceVectors, tag: str) -> None:
        folder = self.folder
        with contextlib.suppress(FileNotFoundError):
            (folder / MANIFEST).unlink()  # a crash below leaves no manifest: the next load rebuilds
        files: dict[str, str] = {}
        if space.hnsw is not None:
            files[HNSW] = self._write(HNSW, lambda tmp: space.hnsw.save_index(tmp), tag)
            with contextlib.suppress(FileNotFoundError):
                (folder / MATRIX).unlink()
        else:
            assert space.matrix is not None
            rows = space.matrix[: len(space.ids)].astype(np.float16)
            files[MATRIX] = self._write(MATRIX, lambda tmp: _save_npy(tmp, rows), tag)
            with contextlib.suppress(FileNotFoundError):
                (folder / HNSW).unlink()
        ids_bytes = json.dumps({"ids": space.ids}, separators=(",", ":")).encode()
        files[IDS] = self._write(IDS, lambda tmp: Path(tmp).write_bytes(ids_bytes), tag)
        manifest = {
            "format": FORMAT,
            "namespace": namespace,
            "model": space.model,
            "dim": space.dim,
            "mode": space.mode,
            "count": len(space.labels),
            "capacity": int(space.hnsw.get_max_elements()) if space.hnsw is not None else len(space.ids),
            "hnsw": {"M": HNSW_M, "ef_construction": EF_CONSTRUCTION, "ef_search": EF_SEARCH},
            "generation": space.generation,
            "files": files,
        }
        self._write(MANIFEST, lambda tmp: Path(tmp).write_text(json.dumps(manifest, indent=1)), tag)

    def _write(self, name: str, write: Any, tag: str = "") -> str:
        """Write ``name`` through a unique temporary file (``tag`` in its name) renamed into place; return
        its sha256."""
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{name}.{tag}", suffix=".tmp")
        os.close(fd)
        try:
            write(tmp)
            sha = _sha256(Path(tmp))
            os.replace(tmp, self.folder / name)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return sha

    def remove(self) -> None:
        """Delete the folder's files (the namespace holds no vectors any more); its save lock stays."""
        for name in (MANIFEST, IDS, MATRIX, HNSW):
            with contextlib.suppress(FileNotFoundError):
                (self.folder / name).unlink()
        with contextlib.suppress(OSError):
            self.folder.rmdir()


@contextlib.contextmanager
def _saving(folder: Path) -> Iterator[bool]:
    """Hold ``folder``'s save lock, its dead savers' temporaries removed; yields whether it was taken.

    After :data:`SAVE_LOCK_WAIT` seconds of another process holding it (it may be stopped), the save goes
    on beside it without the lock: its temporaries carry :data:`UNLOCKED` in their names, and a saver
    that holds the lock removes those only when :data:`UNLOCKED_STALE` seconds old (their saver died).
    """
    fd = os.open(folder / SAVE_LOCK, os.O_RDONLY | os.O_CREAT, 0o644)  # flock needs no write access
    try:
        locked = False
        deadline = time.monotonic() + SAVE_LOCK_WAIT
        while not locked:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                locked = True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    break
                time.sleep(0.05)
        if locked:
            now = time.time()
            for stale in folder.glob(".*.tmp"):
                with contextlib.suppress(OSError):
                    if UNLOCKED not in stale.name or now - stale.stat().st_mtime > UNLOCKED_STALE:
                        stale.unlink()
        yield locked
    finally:
        os.close(fd)  # drops the lock


def _save_npy(path: str, rows: npt.NDArray[np.float16]) -> None:
    with open(path, "wb") as fh:
        np.save(fh, rows, allow_pickle=False)
