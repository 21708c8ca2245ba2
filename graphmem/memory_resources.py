"""What a :class:`~graphmem.memory.Memory` holds beside its store, and how it keeps that in step.

The embedder, the spaCy pipeline, the settings, the vector index and recall's caches load lazily on first
use (:class:`MemoryResources`, the base the facade builds on); :meth:`MemoryResources.refresh` and
:meth:`MemoryResources.writing` keep them consistent with what other processes commit to the store.
:func:`open_memory_store` opens the store :meth:`Memory.open <graphmem.memory.Memory.open>` wraps, with
the memory budget a store directory shares with the vector index.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphmem.config import resolve_db
from graphmem.errors import NotFoundError, ReadOnlyStoreError, StoreError, UnknownNamespaceError
from graphmem.models import validate_namespace
from graphmem.recall.cache import NamespaceCache, NamespaceCaches
from graphmem.settings import Settings
from graphmem.store import open_store
from graphmem.store.base import GraphStore, Refreshing, Unloading, WatchesChanges, WriteLocking
from graphmem.store.budget import CacheBudget, megabytes
from graphmem.store.lock import StoppableLock

if TYPE_CHECKING:
    from datetime import tzinfo

    from graphmem.embed import Embedder, FloatArray
    from graphmem.vector_index import VectorIndex

__all__ = ["MemoryResources", "open_memory_store"]


def open_memory_store(
    path_or_uri: str | os.PathLike[str] | None,
    settings: Settings,
    *,
    read_only: bool,
    cache_mb: float | None,
    store_options: dict[str, Any],
) -> tuple[GraphStore, CacheBudget | None]:
    """The store :meth:`Memory.open <graphmem.memory.Memory.open>` opens, and the memory budget of a store
    directory (``None`` for a server); ``store_options`` gets the embedded store's options or a server's
    read-only ones."""
    where = resolve_db(path_or_uri, settings)
    from graphmem.store.registry import scheme_of

    budget = None
    if scheme_of(where) is None:  # a store directory: the embedded store's options
        from graphmem.settings import parse_cache_mb
        from graphmem.store.lock import parse_lock_timeout

        mb = parse_cache_mb(cache_mb, "cache_mb") if cache_mb is not None else settings.cache_budget_mb
        budget = CacheBudget(megabytes(mb))
        store_options["budget"] = budget
        store_options.setdefault("mirror_max_events", settings.mirror_event_limit)
        if read_only:
            store_options["read_only"] = True
        else:
            store_options.setdefault("lock_timeout", parse_lock_timeout(settings.lock_timeout))
    elif read_only:  # a server: reading never creates a database nor writes or upgrades graphmem's schema
        store_options.setdefault("create", False)
        store_options["read_only"] = True
    else:  # a server: the write lock of this process's threads
        from graphmem.store.lock import parse_lock_timeout

        store_options.setdefault("lock_timeout", parse_lock_timeout(settings.lock_timeout))
    store = open_store(where, **store_options)
    return store, budget


class MemoryResources:
    """The lazily loaded resources of a :class:`~graphmem.memory.Memory` and their consistency with the store.

    :class:`~graphmem.memory.Memory` sets these attributes (see its constructor) and adds the operations.
    """

    read_only: bool
    _store: GraphStore
    _embedder: Embedder | None
    _nlp: Any | None
    _index_dir: Path | None
    _settings: Settings | None
    _vectors: VectorIndex | None
    _vectors_lock: threading.Lock
    _caches: NamespaceCaches
    _refresh_lock: threading.RLock
    _caches_lock: threading.Lock
    _budget: CacheBudget | None
    _closed: bool
    zone: tzinfo | None

    @property
    def store(self) -> GraphStore:
        """The underlying :class:`~graphmem.store.base.GraphStore`."""
        if self._closed:
            raise StoreError("this Memory is closed")
        return self._store

    # -- other processes -----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Catch up with what other processes committed to the store.

        Every read through this object (recall, context, query, stats, namespaces, match_entity, timeline,
        facts) calls it first; it costs one SQLite pragma when nothing changed. A namespace another process
        wrote is brought up to date by reading back only the rows it changed (its graph mirror and vector
        index entries; recall's caches are dropped), or read again whole when that cannot be known. On a
        server store, a recall (and a DSL ``ABOUT``) reads its namespace's change counter instead and drops
        recall's caches and the local vector copy when another process wrote it.
        """
        store = self.store
        if not isinstance(store, Refreshing):
            return
        with self._refresh_lock:  # one catch-up at a time: the vectors follow the store's catch-ups in order
            caught = list(store.refresh().items())
            for namespace, _ in caught:
                self._drop_cache(namespace)
            vectors = self._vectors
            if vectors is None:
                return
            for i, (namespace, up) in enumerate(caught):
                try:
                    vectors.sync(namespace, up.embeddings, up.generation, since=up.since)
                except BaseException:  # these namespaces' vectors may now be stale: checked whole on next use
                    for rest, _ in caught[i:]:
                        vectors.drop_unsaved(rest)
                    raise

    def _catch_up(self, namespace: str) -> None:
        """Drop what was derived from ``namespace`` if other processes wrote it since (a server store: one
        small read, made inside the caller's read scope; see :class:`~graphmem.store.base.WatchesChanges`)."""
        store = self.store
        if isinstance(store, WatchesChanges) and store.changed_elsewhere(namespace):
            try:
                self._drop_cache(namespace)
                if self._vectors is not None:
                    self._vectors.sync(namespace)
            except BaseException:
                store.forget_changes(namespace)  # the next recall tries again
                raise

    @contextmanager
    def writing(self, waiting: Callable[[], None] | None = None) -> Iterator[None]:
        """Hold the store's write lock for a whole operation, having caught up with other writers first.

        Re-entrant. Reads and writes inside the block see one consistent store that no other process
        changes until the block ends.

        Args:
            waiting: called at each poll while another process (or thread) holds the lock, and once more
                after catching up; what it raises ends the wait, the lock not taken (or, after catching up,
                released before the block runs: an ingest stops so on Ctrl-C).

        Raises:
            ReadOnlyStoreError: this memory is read-only.
            StoreLockedError: another process held the lock for longer than the store's lock timeout.
        """
        self._refuse_if_read_only()
        store = self.store
        lock = store.write_lock() if isinstance(store, WriteLocking) else nullcontext()
        # both stores' locks poll, so a caller can stop waiting for them
        with lock.taken(waiting) if waiting is not None and isinstance(lock, StoppableLock) else lock:
            self.refresh()
            if waiting is not None:
                waiting()  # asked to stop while catching up (a server store reads it): stop before any work
            yield

    @contextmanager
    def _held(self, namespace: str) -> Iterator[None]:
        """A lookup in ``namespace``: a :class:`~graphmem.errors.NotFoundError` (no entity of that name)
        becomes :class:`~graphmem.errors.UnknownNamespaceError` when the namespace itself holds no data."""
        try:
            yield
        except NotFoundError as exc:
            self._require_held(namespace, exc)
            raise

    def _spelled(self, namespace: str) -> str:
        """``namespace`` as the store spells it, else in NFC (:func:`graphmem.namespaces.namespace_spelling`):
        every method that takes a namespace starts here, so ``José`` typed in NFC or NFD is one namespace."""
        from graphmem.namespaces import namespace_spelling

        return namespace_spelling(namespace, self.store.namespaces)

    def _require_held(self, namespace: str, cause: BaseException | None = None) -> None:
        """Raise :class:`~graphmem.errors.UnknownNamespaceError` (the closest name suggested) unless
        ``namespace`` holds data, as recall does."""
        from graphmem.namespaces import require_namespace

        try:
            require_namespace(namespace, self.store.namespaces())
        except UnknownNamespaceError as unknown:
            raise unknown from cause

    def _refuse_if_read_only(self) -> None:
        if self.read_only:
            raise ReadOnlyStoreError(f"{self._store.uri} is open read-only; open it without read_only to write")

    # -- lazily loaded resources ---------------------------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        """The sentence embedder, loaded on first use unless one was injected."""
        if self._embedder is None:
            from graphmem.embed import default_embedder

            self._embedder = default_embedder(self.settings.embedder)
        return self._embedder

    @property
    def nlp(self) -> Any:
        """The spaCy pipeline, loaded on first use unless one was injected."""
        if self._nlp is None:
            from graphmem.extract.nlp import load_nlp

            self._nlp = load_nlp()
        return self._nlp

    def _embed(self, texts: Sequence[str]) -> FloatArray:
        """Embed with :attr:`embedder`, loading it only when something is embedded."""
        return self.embedder.embed(texts)

    def _embed_for(self, namespace: str) -> Callable[[Sequence[str]], FloatArray]:
        """:meth:`_embed` for queries searching ``namespace``'s vectors: the first call checks that they are
        of the embedder's vector space (a clear error naming ``graphmem reembed`` if not)."""
        checked = False

        def embed(texts: Sequence[str]) -> FloatArray:
            nonlocal checked
            if not checked:
                self.vectors.require_space(namespace, self.embedder)
                checked = True
            return self.embedder.embed(texts)

        return embed

    @property
    def settings(self) -> Settings:
        """The settings this memory was opened with (read from the environment on first use if none)."""
        if self._settings is None:
            self._settings = Settings.from_env()
        return self._settings

    @property
    def vectors(self) -> VectorIndex:
        """The vector index of this store, opened (and verified or rebuilt) on first use."""
        if self._vectors is None:
            from graphmem.vector_index import VectorIndex

            with self._vectors_lock:  # threads whose first recalls come together open one index
                if self._vectors is None:
                    self._vectors = VectorIndex.for_store(
                        self.store,
                        self._index_dir,
                        settings=self.settings,
                        budget=self._budget,
                        writable=not self.read_only,
                    )
        return self._vectors

    def unload(self, namespace: str) -> None:
        """Drop ``namespace``'s graph, vectors and recall caches from memory (its data stays stored).

        The next read loads it again; the memory budget does the same by itself for the least
        recently used namespaces.
        """
        validate_namespace(namespace)
        store = self.store
        if isinstance(store, Unloading):
            store.unload(namespace)
        if self._vectors is not None:
            self._vectors.unload(namespace)
        self._drop_cache(namespace)

    @property
    def budget(self) -> CacheBudget | None:
        """The memory budget of a store directory's loaded namespaces (``None`` for a server store)."""
        return self._budget

    def recall_cache(self, namespace: str) -> NamespaceCache:
        """What recall derived from ``namespace`` (participants, entity degrees).

        Dropped whenever :meth:`write` or :meth:`forget` changes that namespace (or, on a server store,
        when a recall finds that another process wrote it), so nothing derived outlives the data it came from.
        """
        with self._caches_lock:
            return self._caches.get(namespace)

    def _drop_cache(self, namespace: str) -> None:
        with self._caches_lock:
            self._caches.drop(namespace)

    @property
    def index_dir(self) -> Path | None:
        """Where local caches (the vector index) live: the store directory, or ``None`` for servers."""
        return self._index_dir
