"""The vector index of a store: one set of vectors per namespace, loaded on first use, persisted beside the store.

Each namespace's vectors live in a folder of their own, ``vectors/<hash of the namespace>/`` in the index
directory (see :mod:`graphmem.vector_space` for the files): a small namespace is a matrix searched
exactly, a large one an hnswlib graph built incrementally. One tenant's search never reads another's
vectors, and opening the index reads nothing; a namespace is loaded on its first search (or write) and
dropped under memory pressure by the shared :class:`~graphmem.store.budget.CacheBudget`.

The store is the source of truth. When a namespace is loaded, its files are trusted if the store's
change counter for it (:class:`~graphmem.store.base.CountsChanges`) equals the one recorded when they
were saved; otherwise (or for a store without counters) the namespace is verified against the stored
embeddings and what differs is repaired (new embeddings added, removed ones dropped, changed ones
replaced). Missing, damaged or old-format files are rebuilt from the store. A search therefore never
answers from a stale index. Writes through :meth:`Memory.write` keep a loaded namespace current; it is
saved on :meth:`VectorIndex.flush`, :meth:`VectorIndex.close` and when it is evicted.

Indexes written before per-namespace files (``vectors.hnsw``, one graph for every namespace) are removed
on open; each namespace is rebuilt from the store on first use.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from graphmem.embed import normalize
from graphmem.errors import ConfigError, MissingDependencyError, StoreError, VectorIndexError
from graphmem.store.base import CountsChanges, Refreshing
from graphmem.store.budget import CacheBudget, DeferredEvictions
from graphmem.vector_models import REEMBED_HINT, model_space, same_space, stored_vectors
from graphmem.vector_space import NamespaceVectors, SpaceFiles

if TYPE_CHECKING:
    from graphmem.settings import Settings
    from graphmem.store.base import GraphStore

__all__ = ["VectorHit", "VectorIndex", "space_folder"]

#: Files of the single-index layout (format 1), removed on open.
LEGACY_FILES = ("vectors.hnsw", "vectors.ids.json", "vectors.manifest.json")
#: The folder under the index directory holding one folder per namespace.
SPACES_DIR = "vectors"
#: Largest difference of a component for two unit vectors to count as the same (exact-mode vectors
#: are held at float16 precision: an error of at most 2**-11 per component).
_SAME = 2e-3


def space_folder(directory: str | os.PathLike[str], namespace: str) -> Path:
    """The folder of ``namespace``'s vectors in index directory ``directory`` (named by a hash of it)."""
    return Path(directory) / SPACES_DIR / hashlib.sha1(namespace.encode("utf-8")).hexdigest()[:24]


@dataclass(frozen=True, slots=True)
class VectorHit:
    """A nearest neighbour: the node id and its cosine similarity to the query (1 = same direction)."""

    node_id: str
    score: float


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
    """Per-namespace vector search over the embeddings of one store. Thread-safe.

    Use :meth:`for_store` (what :attr:`Memory.vectors` does) or :meth:`open`.

    Args:
        store: the store whose embeddings the index mirrors (the source of truth).
        directory: where the index files live; created if missing.
        budget: the memory budget shared with the store (default: no bound).
        writable: whether files may be written (``False`` for a read-only memory).
    """

    def __init__(
        self,
        store: GraphStore,
        directory: str | os.PathLike[str],
        *,
        budget: CacheBudget | None = None,
        writable: bool = True,
    ) -> None:
        try:
            import hnswlib
        except ImportError as exc:  # pragma: no cover - hnswlib is a core dependency
            raise MissingDependencyError("hnswlib", purpose="the vector index") from exc
        self._hnswlib = hnswlib
        self.store = store
        self.directory = Path(directory)
        self._budget = budget if budget is not None else CacheBudget(None)
        self._writable = writable
        self._lock = threading.RLock()
        self._spaces: dict[str, NamespaceVectors | None] = {}  # loaded and verified; None = no vectors
        self._evictions = DeferredEvictions(self._lock, self._drop)
        self._closed = False
        #: Why a namespace's files were last (re)built on load, or ``None``. For diagnostics.
        self.rebuilt: str | None = None
        #: How many namespaces were repaired in place during verification.
        self.repairs = 0
        #: Whether files of the old single-index layout were found (and removed) on open.
        self.migrated = False
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create the vector index folder {self.directory}: {exc}") from exc
        self._remove_legacy()

    # -- construction ----------------------------------------------------------------------------

    @classmethod
    def for_store(
        cls,
        store: GraphStore,
        directory: str | os.PathLike[str] | None = None,
        *,
        settings: Settings | None = None,
        budget: CacheBudget | None = None,
        writable: bool = True,
    ) -> VectorIndex:
        """Open the index of ``store``: in ``directory`` (its store folder), else in a cache folder.

        Args:
            store: the store whose embeddings the index mirrors.
            directory: where the index lives; ``None`` (a server store) = :func:`default_cache_dir`.
            settings: where the cache folder is (default: read from the environment now).
            budget: the memory budget shared with the store.
            writable: whether files may be written.
        """
        if directory is None:
            directory = default_cache_dir(store.uri, settings)
        return cls(store, directory, budget=budget, writable=writable)

    @classmethod
    def open(cls, store: GraphStore, directory: str | os.PathLike[str]) -> VectorIndex:
        """Open (or create) the index of ``store`` in ``directory``."""
        return cls(store, directory)

    def _remove_legacy(self) -> None:
        found = [self.directory / name for name in LEGACY_FILES if (self.directory / name).exists()]
        if not found:
            return
        self.migrated = True
        self.rebuilt = "the single-file index of an older graphmem was replaced by per-namespace files"
        if self._writable:
            for path in found:
                with contextlib.suppress(OSError):
                    path.unlink()

    def _files(self, namespace: str) -> SpaceFiles:
        return SpaceFiles(space_folder(self.directory, namespace))

    # -- sizes -----------------------------------------------------------------------------------

    def __len__(self) -> int:
        """Vectors held by the namespaces loaded now."""
        with self._lock:
            return sum(len(s) for s in self._spaces.values() if s is not None)

    def count(self, namespace: str) -> int:
        """How many vectors the index holds for ``namespace`` (loading and verifying it)."""
        with self._lock:
            space = self._ensure(namespace)
            return len(space) if space is not None else 0

    @property
    def loaded(self) -> frozenset[str]:
        """The namespaces whose vectors are in memory now."""
        with self._lock:
            self._drain_evictions()
            return frozenset(self._spaces)

    def __repr__(self) -> str:
        return f"<VectorIndex {self.directory} loaded={len(self._spaces)}>"

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
            VectorIndexError: the vectors' dimension or model space differs from what the namespace holds.
        """
        if not embeddings:
            return 0
        ids = [node_id for node_id, _ in embeddings]
        matrix = normalize(np.asarray([vec for _, vec in embeddings], dtype=np.float32))
        with self._lock:
            space = self._ensure(namespace)
            if space is None:
                space = self._spaces[namespace] = NamespaceVectors(self._hnswlib, int(matrix.shape[1]), model)
            self._check_model(space, model, matrix.shape[1])
            space.put(ids, matrix)
            self._budget.charge(self, namespace, space.nbytes())
            return len(ids)

    def advance(self, namespace: str, before: int | None, after: int | None) -> None:
        """Note that the store went from change counter ``before`` to ``after`` by writes this index saw.

        The namespace's files stay trusted only if they matched ``before``; else it is verified on
        next load. :meth:`Memory.write` calls it under the store's write lock.
        """
        with self._lock:
            space = self._spaces.get(namespace)
            if space is not None:
                space.generation = after if (before is not None and space.generation == before) else None
                space.dirty = True

    @staticmethod
    def _check_model(space: NamespaceVectors, model: str | None, dim: int) -> None:
        if dim != space.dim:
            raise VectorIndexError(f"vectors of dimension {dim} cannot join an index of dimension {space.dim}")
        if model is not None and space.model is None:
            space.model = model
        elif model is not None and model_space(model) != model_space(space.model):
            raise VectorIndexError(
                f"vectors of model {model!r} cannot join an index of model {space.model!r}; write them with "
                f"the embedder that made the namespace's vectors, or {REEMBED_HINT}"
            )

    def discard(self, namespace: str) -> None:
        """Forget ``namespace``'s vectors, in memory and on disk, without reading the store; its next use
        builds them again from the stored embeddings (after a write that changes its model)."""
        with self._lock:
            self._check_open()
            self._spaces.pop(namespace, None)
            self._budget.release(self, namespace)
            if self._writable:
                self._files(namespace).remove()

    def remove_saved(self, namespace: str, ids: Collection[str]) -> None:
        """Remove the vectors of ``ids`` from ``namespace`` without reading the store's embeddings when the
        namespace is not loaded: from its saved files alone (:meth:`SpaceFiles.drop
        <graphmem.vector_space.SpaceFiles.drop>`: crash-safe, and verified against the store on next load).
        What a forget of one message runs in a process that never searched the namespace (``graphmem forget
        --event``), so its vector leaves the files without an O(namespace) read. A loaded namespace is
        brought up to date with the store instead (:meth:`sync`), and saved as usual.

        Raises:
            VectorIndexError: the files cannot be read or written.
        """
        with self._lock:
            self._check_open()
            self._drain_evictions()  # an evicted namespace's save lands before its files are changed
            if namespace in self._spaces:
                self.sync(namespace)
            elif self._writable:
                self._files(namespace).drop(self._hnswlib, namespace, ids)

    def require_space(self, namespace: str, embedder: Any) -> None:
        """Check that ``embedder``'s queries can search ``namespace``'s vectors (loading them).

        Raises:
            VectorIndexError: the vectors were made by a model of another vector space; the message names
                the fix (``graphmem reembed``).
        """
        with self._lock:
            space = self._ensure(namespace)
            if space is None or same_space(space.model, embedder):
                return
            raise VectorIndexError(
                f"namespace {namespace!r} holds vectors of model {space.model!r}, another vector space than the "
                f"current embedder {getattr(embedder, 'name', '?')!r}: its queries cannot search them; "
                f"{REEMBED_HINT} (`graphmem reembed --namespace {namespace}`), or open the memory with the "
                "embedder that made them"
            )

    def sync(
        self,
        namespace: str,
        changed: Collection[str] | None = None,
        generation: int | None = None,
        *,
        since: int | None = None,
    ) -> None:
        """Bring ``namespace``'s vectors up to date with the store now if they are loaded; else on next load.

        ``changed`` names the only ids whose stored embeddings may differ (another process's writes, from
        the store's change log), from change counter ``since`` to ``generation``: just those ids are read
        back. The vectors keep a counter only if they matched ``since`` (else their files are verified when
        next loaded). ``None`` re-verifies the whole namespace.
        """
        with self._lock:
            self._check_open()
            if namespace in self._spaces:
                space = self._spaces[namespace]
                if changed is not None and space is not None and self._update(namespace, space, changed):
                    matched = since is not None and space.generation == since
                    space.generation = generation if matched else None
                    return
                generation = self._generation(namespace)
                if space is not None:
                    space.generation = None
                self._verify(namespace, space, generation)

    def _update(self, namespace: str, space: NamespaceVectors, ids: Collection[str]) -> bool:
        """Put the stored embeddings of ``ids`` into ``space`` (dropping ids that have none any more).

        Returns ``False``, changing nothing, when that cannot be done in place (the store cannot read
        embeddings by id, or they come from another model or dimension): then verify the namespace whole.
        """
        if not ids:
            return True
        if not isinstance(self.store, Refreshing):
            return False
        rows = self.store.embedding_blobs_of(namespace, ids)
        if any(model and model_space(model) != model_space(space.model) for _, _, model in rows):
            return False
        found = [node_id for node_id, _, _ in rows]
        if rows:
            matrix = np.stack([np.frombuffer(blob, dtype=np.float32) for _, blob, _ in rows])
            if matrix.shape[1] != space.dim:
                return False
            space.put(found, normalize(matrix))
        kept = set(found)
        space.remove([node_id for node_id in ids if node_id not in kept and node_id in space.labels])
        self._budget.charge(self, namespace, space.nbytes())
        return True

    # -- loading ---------------------------------------------------------------------------------

    def _generation(self, namespace: str) -> int | None:
        return self.store.generation(namespace) if isinstance(self.store, CountsChanges) else None

    def _ensure(self, namespace: str) -> NamespaceVectors | None:
        """The vectors of ``namespace``, loaded and verified (``None`` when it holds none)."""
        self._check_open()
        self._drain_evictions()
        if namespace in self._spaces:
            self._budget.touch(self, namespace)
            return self._spaces[namespace]
        generation = self._generation(namespace)  # read before the embeddings: a later write re-verifies
        loaded = self._files(namespace).load(self._hnswlib, namespace)
        if isinstance(loaded, str):
            if loaded != "no index yet":
                self.rebuilt = f"namespace {namespace!r}: {loaded}"
            space = None
        else:
            space = loaded
            self._budget.charge(self, namespace, space.nbytes())
        if space is None or generation is None or space.generation != generation:
            space = self._verify(namespace, space, generation)
        self._spaces[namespace] = space
        self._budget.charge(self, namespace, space.nbytes() if space is not None else 0)
        return space

    def _verify(
        self, namespace: str, space: NamespaceVectors | None, generation: int | None
    ) -> NamespaceVectors | None:
        """Make the namespace's vectors equal to the store's, repairing what differs; returns them."""
        ids, matrix, models = stored_vectors(self.store, namespace)
        model = min(models) if models else None
        other_model = model_space(model) != model_space(space.model) if space is not None else False
        if space is not None and ids and (matrix.shape[1] != space.dim or other_model):
            self.rebuilt = f"namespace {namespace!r}: the stored embeddings changed to model {model!r}"
            space = None
        fresh = space is None
        if space is None:
            if not ids:
                self._spaces.pop(namespace, None)
                if self._writable and self._files(namespace).exists():
                    self._files(namespace).remove()
                return None
            space = NamespaceVectors(self._hnswlib, int(matrix.shape[1]), model)
        row = {node_id: i for i, node_id in enumerate(ids)}
        missing = [k for k in ids if k not in space.labels]
        extra = [k for k in space.labels if k not in row]
        changed = self._changed(space, matrix, row, missing)
        if extra:
            space.remove(extra)
        todo = missing + changed
        if todo:
            space.put(todo, matrix[[row[k] for k in todo]])
        if (missing or extra or changed) and not fresh:
            self.repairs += 1
        space.generation = generation
        space.dirty = space.dirty or bool(todo or extra)
        self._spaces[namespace] = space
        return space

    def _changed(
        self, space: NamespaceVectors, matrix: npt.NDArray[np.float32], row: dict[str, int], missing: list[str]
    ) -> list[str]:
        """Ids on both sides whose vectors differ (compared in chunks)."""
        skip = set(missing)
        common = [k for k in space.labels if k in row and k not in skip]
        out: list[str] = []
        for start in range(0, len(common), 10_000):
            part = common[start : start + 10_000]
            held = space.held(part)
            want = matrix[[row[k] for k in part]]
            differs = np.abs(held - want).max(axis=1) > _SAME
            out.extend(k for k, d in zip(part, differs, strict=True) if d)
        return out

    def verify_all(self) -> None:
        """Load and verify every namespace of the store now (instead of on first use)."""
        with self._lock:
            for namespace in self.store.namespaces():
                self._ensure(namespace)

    # -- memory ----------------------------------------------------------------------------------

    def evict(self, namespace: str) -> None:
        """Save and drop ``namespace``'s vectors from memory (loaded again on next use); for the budget."""
        self._evictions.evict(namespace)

    def unload(self, namespace: str) -> None:
        """Save and drop ``namespace``'s vectors from memory now."""
        with self._lock:
            self._drop(namespace)
            self._budget.release(self, namespace)

    def drop_unsaved(self, namespace: str) -> None:
        """Drop ``namespace``'s vectors from memory without saving them (they may be stale): the next use
        loads its files and verifies them against the store."""
        with self._lock:
            if namespace in self._spaces:
                del self._spaces[namespace]
                self._budget.release(self, namespace)

    def _drop(self, namespace: str) -> None:
        space = self._spaces.pop(namespace, None)
        if space is not None and space.dirty and self._writable and not self._closed:
            self._files(namespace).save(namespace, space)

    def _drain_evictions(self) -> None:
        self._evictions.drain()

    # -- search ----------------------------------------------------------------------------------

    def search(self, namespace: str, query: npt.ArrayLike, k: int = 10) -> list[VectorHit]:
        """The ``k`` nearest stored vectors of ``namespace`` to ``query``, most similar first.

        Raises:
            VectorIndexError: the query's dimension differs from the namespace's vectors.
        """
        if k <= 0:
            return []
        vector = normalize(query)[0]
        with self._lock:
            space = self._ensure(namespace)
            if space is None or not len(space):
                return []
            if vector.shape[0] != space.dim:
                raise VectorIndexError(
                    f"a query of dimension {vector.shape[0]} cannot search the vectors of {namespace!r} (dimension "
                    f"{space.dim}, model {space.model!r}); {REEMBED_HINT}"
                )
            return [VectorHit(node_id, score) for node_id, score in space.search(vector, k)]

    def vectors(self, namespace: str, ids: Sequence[str]) -> npt.NDArray[np.float32]:
        """The stored vectors of those ``ids`` that ``namespace`` holds, one row each in the given order (ids
        it does not hold are skipped; an empty ``(0, 0)`` array when it holds none)."""
        with self._lock:
            space = self._ensure(namespace)
            held = [i for i in ids if space is not None and i in space.labels]
            if space is None or not held:
                return np.zeros((0, 0), dtype=np.float32)
            return np.asarray(space.held(held), dtype=np.float32)

    # -- persistence -----------------------------------------------------------------------------

    def flush(self) -> None:
        """Write the files of every loaded namespace that changed since they were last written and that the
        store still holds (another process may have forgotten it since: its files went, with its name)."""
        with self._lock:
            if not self._writable:
                return
            dirty = [(ns, space) for ns, space in self._spaces.items() if space is not None and space.dirty]
            try:
                held = set(self.store.namespaces()) if dirty else set()
            except StoreError:  # the store cannot say (a server gone): save them all, as a cache may be
                held = {ns for ns, _ in dirty}
            for namespace, space in dirty:
                if namespace in held:
                    self._files(namespace).save(namespace, space)

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
                self._spaces.clear()
                self._budget.release_all(self)

    def _check_open(self) -> None:
        if self._closed:
            raise VectorIndexError("the vector index is closed")
