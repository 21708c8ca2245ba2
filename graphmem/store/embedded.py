"""The embedded store: SQLite (WAL) as the durable record, networkx in memory for traversal.

A store is a directory holding ``graphmem.sqlite3`` (and, beside it, caches such as the vector index).
Every batch is one SQLite transaction; the in-memory graph is updated only after it commits, so a failed
batch leaves both untouched. Reads of the in-memory graph hold the store's lock from finding a namespace
loaded to the last row read, so a thread never sees another's batch half applied, nor its namespace unloaded
under it.

Opening reads no namespace (nor imports networkx): a namespace's graph is loaded into memory on its
first read and dropped again when a :class:`~graphmem.store.budget.CacheBudget` needs the room (least
recently used first); see :mod:`graphmem.store.namespace_loading`.
Writes to a namespace that is not loaded go to SQLite only (what they check is read from indexed
rows, :mod:`graphmem.store.sqlite_reads`); ``namespaces()`` and ``stats()`` are answered from SQLite.
A namespace holding more events than ``mirror_max_events`` is never loaded: its reads are answered from
indexed queries (:mod:`graphmem.store.sqlite_graph`), with the same results. Full-text search is
SQLite FTS5 in every case (:mod:`graphmem.store.sqlite_text`).

The reads themselves (mirror or SQLite) are :class:`~graphmem.store.embedded_reads.EmbeddedReads`, which
this store extends with opening, catching up with other processes, writing and deleting.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from graphmem.errors import ConfigError, CorruptStoreError, ReadOnlyStoreError, StoreError
from graphmem.models import Batch, Fact, validate_namespace
from graphmem.settings import DEFAULT_MIRROR_MAX_EVENTS
from graphmem.store import sqlite_reads
from graphmem.store.budget import CacheBudget
from graphmem.store.changelog import ChangeLog, forget_log
from graphmem.store.damage import check_file, guard_sqlite, store_error
from graphmem.store.embedded_reads import EmbeddedReads
from graphmem.store.fact_chain import chain_reader
from graphmem.store.freshness import Freshness, drop_generation
from graphmem.store.lock import DEFAULT_LOCK_TIMEOUT, WriteLock
from graphmem.store.mirror import MemoryGraph
from graphmem.store.namespace_loading import NamespaceLoader
from graphmem.store.results import CaughtUp, DeleteResult, StoreIdentity, StoreStats
from graphmem.store.retraction import (
    Retraction,
    apply_retraction,
    entities_used_by,
    plan_retraction,
    sessions_used_by,
)
from graphmem.store.sqlite_open import connect_writable
from graphmem.store.sqlite_rows import (
    read_store_id,
)
from graphmem.store.sqlite_writes import (
    clear_namespace,
    delete_rows,
    empty_the_log,
    file_holds,
    mark_forgotten_live,
    merge_text_index,
    one_transaction,
    purge_forgotten,
    rename_entity_rows,
    rewrite_file,
    write_rows,
)
from graphmem.store.validate import validate_batch
from graphmem.store.versions import normalised_batch_times, version_batch

__all__ = ["DB_FILENAME", "EmbeddedStore"]

DB_FILENAME = "graphmem.sqlite3"
#: Files up to this size are checked whole for damage before the first write (about 0.25 s here);
#: larger ones only as statements reach their pages.
DAMAGE_CHECK_MAX_BYTES = 64 * 1024 * 1024

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _exclusive(
    method: Callable[Concatenate[EmbeddedStore, _P], _R],
) -> Callable[Concatenate[EmbeddedStore, _P], _R]:
    """Run a writing method under the store's write lock, after catching up with other writers."""

    def run(self: EmbeddedStore, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        if self.read_only:
            raise ReadOnlyStoreError(f"the store at {self.directory} is open read-only; open it without read_only")
        if self.damage is not None:  # nothing is added to a file known to be damaged
            raise CorruptStoreError(str(self.damage))
        with self.write_lock():
            self.refresh(keep=True)
            self._check_file()
            result = method(self, *args, **kwargs)
            self._fresh.saw_own_writes()
            self._log.skip_to_end()
        return result

    functools.update_wrapper(run, method)
    return run


@guard_sqlite
class EmbeddedStore(EmbeddedReads):
    """A :class:`~graphmem.store.base.GraphStore` in a local directory; no server needed.

    Every public method raises a :class:`~graphmem.errors.StoreError` naming the store for an SQLite error
    (:mod:`graphmem.store.damage`): a :class:`~graphmem.errors.CorruptStoreError` when the database file is
    damaged, after which the store refuses every write.
    """

    def __init__(
        self,
        directory: Path,
        conn: sqlite3.Connection,
        *,
        read_only: bool = False,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        budget: CacheBudget | None = None,
        mirror_max_events: int | None = None,
    ) -> None:
        """Use :meth:`EmbeddedStore.open`."""
        if mirror_max_events is not None and mirror_max_events < 0:
            conn.close()
            raise ConfigError(f"mirror_max_events must be a number of events >= 0 or None, not {mirror_max_events}")
        self.directory = directory
        self.uri = str(directory)
        self._db_file = (directory / DB_FILENAME).resolve()  # identity() after a chdir
        self.read_only = read_only
        self._conn = conn
        self._lock = threading.RLock()
        self._ns = NamespaceLoader(conn, self._lock, budget, mirror_max_events)
        self._closed = False
        self._write_lock = None if read_only else WriteLock(directory, timeout=lock_timeout)
        self._unseen: dict[str, CaughtUp] = {}  # namespaces changed by others since the caller last asked
        self._scopes = threading.local()  # read scopes open in each thread (see reading)
        self.mirror_max_events = mirror_max_events
        self.damage: CorruptStoreError | None = None  # met reading or writing: no write is made after it
        self._file_checked = read_only  # the whole file is checked for damage before the first write
        self._damage_checked = False  # check_damage ran (and found none)
        self._forgetting: set[str] | None = None  # inside forgetting_many: the namespaces to scrub at its end
        try:
            with self._snapshot():
                self._fresh = Freshness(conn)
                self._log = ChangeLog(conn)
        except sqlite3.Error as exc:
            conn.close()
            raise store_error(directory, exc) from exc

    # -- opening -------------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        create: bool = True,
        read_only: bool = False,
        lock_timeout: float | None = None,
        budget: CacheBudget | None = None,
        mirror_max_events: int | None = DEFAULT_MIRROR_MAX_EVENTS,
    ) -> EmbeddedStore:
        """Open the store in directory ``path``, creating it when ``create`` is true.

        Opening loads no namespace into memory; ``budget`` bounds how much the loaded ones may take
        (shared with the vector index by ``Memory.open``; default: no bound).

        With ``read_only`` the database is opened with SQLite's ``mode=ro``: reads work on a store the
        user cannot write, and every write raises :class:`~graphmem.errors.ReadOnlyStoreError`. A
        writer waits up to ``lock_timeout`` seconds (default 30; ``Memory.open`` passes
        ``GRAPHMEM_LOCK_TIMEOUT``) for another to release the store's write lock.

        A namespace holding more than ``mirror_max_events`` events (default 200,000; ``Memory.open``
        passes ``GRAPHMEM_MIRROR_MAX_EVENTS``) is not loaded into memory: its reads are indexed SQLite
        queries. ``0`` reads every namespace from SQLite; ``None`` loads every namespace.

        Raises:
            StoreError: the path is a file, cannot be created or written, or holds a database that is
                not a graphmem store (corrupt or foreign SQLite). The file is never modified then.
            SchemaVersionError: the store was written by a newer graphmem.
        """
        directory = Path(path)
        if directory.exists() and not directory.is_dir():
            raise StoreError(f"{directory} is a file, not a graphmem store directory")
        if read_only:
            from graphmem.store.readonly import connect_read_only

            conn = connect_read_only(directory / DB_FILENAME)
            return cls(directory, conn, read_only=True, budget=budget, mirror_max_events=mirror_max_events)
        conn = connect_writable(directory, directory / DB_FILENAME, create=create)
        timeout = lock_timeout if lock_timeout is not None else DEFAULT_LOCK_TIMEOUT
        return cls(directory, conn, lock_timeout=timeout, budget=budget, mirror_max_events=mirror_max_events)

    # -- loading namespaces (see :mod:`graphmem.store.namespace_loading`) ---------------------------

    def evict(self, namespace: str) -> None:
        """Drop ``namespace``'s graph from memory (it is read back on next use)."""
        self._ns.evict(namespace)

    def unload(self, namespace: str) -> None:
        """Drop ``namespace``'s graph from memory now; the next read loads it again."""
        with self._lock:
            self._ns.unload(namespace)

    @property
    def loaded(self) -> frozenset[str]:
        """The namespaces whose graph is in memory now."""
        with self._lock:
            return self._ns.loaded()

    def generation(self, namespace: str) -> int | None:
        """The change counter of ``namespace`` (see :mod:`graphmem.store.freshness`); ``None`` if untracked."""
        with self._lock:
            self._check_open()
            return sqlite_reads.generation(self._conn, namespace)

    @contextmanager
    def reading(self) -> Iterator[None]:
        """A read scope (the :class:`~graphmem.store.base.ScopesReads` capability; one recall).

        Its reads of a namespace count as one reference for admission into memory once the budget is
        full (:mod:`graphmem.store.admission`): a namespace read in one scope is answered from SQLite,
        and loaded when a later scope reads it again soon. Nested scopes of a thread are one scope.
        """
        depth = getattr(self._scopes, "depth", 0)
        if depth == 0:
            with self._lock:
                self._ns.new_reference()
        self._scopes.depth = depth + 1
        try:
            yield
        finally:
            self._scopes.depth = depth

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads from one committed state (the :class:`~graphmem.store.base.ReadsSnapshots` capability).

        One SQLite read transaction, with the namespaces in memory caught up with other processes inside it
        (:meth:`refresh`, their changes kept for the next caller): the mirror and the rows read from disk
        then agree, and neither moves until the end. Holds the store's lock throughout, so other threads of
        this process wait. A writer in another process does not (SQLite's WAL keeps the snapshot for us),
        unless a thread of this process starts a write meanwhile: it takes the store's write lock before it
        waits here, so other processes' writers then wait for the snapshot's end too. A write from inside
        the snapshot, in its own thread, fails (SQLite cannot begin it inside the read transaction).
        """
        with self._lock, self._read():
            self.refresh(keep=True)
            yield

    # -- other processes -----------------------------------------------------------------------------

    def write_lock(self) -> AbstractContextManager[object]:
        """The store-wide write lock (re-entrant); a read-only store has none to take."""
        return self._write_lock if self._write_lock is not None else nullcontext()

    def refresh(self, *, keep: bool = False) -> dict[str, CaughtUp]:
        """Catch up with what other processes committed to the namespaces they changed.

        A changed namespace that is loaded is brought up to date from the change log, reading back only the
        rows others wrote (:mod:`graphmem.store.catch_up`); when the log cannot say what changed (it was
        trimmed past this reader, or the store has none yet) or so much changed that a fresh read is
        cheaper, the namespace is dropped from memory and read back on its next use.

        Returns the namespaces changed since the previous call, each with the ids whose embeddings changed
        and its change counter as of this catch-up (:class:`~graphmem.store.results.CaughtUp`), so the caller
        can update what it derived from them; with ``keep`` they are remembered for that next call instead.
        """
        with self._lock, self._read():  # inside a snapshot (see snapshot()), up to its state
            self._check_open()
            before = self._fresh.seen()
            changed = self._fresh.changed()
            log = self._log.read() if changed is None or changed else {}
            after: Mapping[str, int] | None = self._fresh.seen()  # read by changed(), in this snapshot
            if changed is None:  # a store without change counters: anything may have changed
                changed = set(self._ns.loaded()) | set(sqlite_reads.namespaces_with_data(self._conn))
                log, after = None, None
            for ns in sorted(changed):
                rows = None if log is None else log.get(ns, {})
                if self._ns.is_loaded(ns) and (rows is None or not self._caught_up(ns, rows)):
                    self._ns.unload(ns)  # read back on next use
                self._ns.forget(ns)
                now = CaughtUp(
                    None if rows is None else rows.get("embeddings", frozenset()),
                    before.get(ns, 0),
                    None if after is None else after.get(ns, 0),
                )
                self._unseen[ns] = self._unseen[ns].then(now) if ns in self._unseen else now
            if keep:
                return {}
            out, self._unseen = self._unseen, {}
            return out

    def _caught_up(self, namespace: str, rows: Mapping[str, frozenset[str]]) -> bool:
        """Catch the loaded ``namespace`` up with ``rows``; ``False`` when it should be read again whole.

        A catch-up that fails part way drops the namespace before the error goes on: the log position and
        the counters have moved past these rows, so nothing would repair a half-updated mirror later.
        """
        try:
            return self._ns.catch_up(namespace, rows)
        except BaseException:
            self._ns.unload(namespace)
            raise

    def identity(self) -> StoreIdentity:
        """The database file (device and inode: the same through any path to it) and the store id."""
        with self._lock:
            self._check_open()
            try:
                st = os.stat(self._db_file)
            except OSError as exc:
                raise StoreError(f"cannot read the store at {self.directory}: {exc.strerror}") from exc
            return StoreIdentity(f"file:{st.st_dev}:{st.st_ino}", "", read_store_id(self._conn))

    def close(self) -> None:
        """Close the database. Safe to call twice."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()
                self._ns.clear()

    # -- writing -------------------------------------------------------------------------------------

    def _check_file(self) -> None:
        """Refuse the first write when the file is damaged anywhere, not only on the pages the write
        touches (see :mod:`graphmem.store.damage`); once per open."""
        if self._file_checked:
            return
        self.check_damage()
        self._file_checked = True

    def check_damage(self) -> None:
        """Raise :class:`~graphmem.errors.CorruptStoreError` when the database file is damaged anywhere
        (SQLite's ``PRAGMA quick_check``, files up to :data:`DAMAGE_CHECK_MAX_BYTES`; damage in a larger
        file is found as statements reach it) or the store met damage before; the file is read once per open.
        Read-only stores check too: ``stats`` and ``reembed --check`` report damage as a write does."""
        if self.damage is not None:
            raise CorruptStoreError(str(self.damage))
        if self._damage_checked:
            return
        if not self._db_file.exists() or self._db_file.stat().st_size > DAMAGE_CHECK_MAX_BYTES:
            self._damage_checked = True  # O(file): a large store would wait seconds for it
            return
        with self._lock:
            self._check_open()
            damage = check_file(self._conn, self.directory)
            if damage is not None:
                self.damage = damage
                raise damage
            self._damage_checked = True

    @_exclusive
    def write(self, batch: Batch) -> None:
        """Apply a batch in one transaction (retractions first); on any error nothing of it is stored."""
        ns = validate_namespace(batch.namespace)
        with self._lock:
            self._check_open()
            self._ns.drain_evictions()
            retraction = None
            if batch.retract:  # planning a retraction walks the graph
                graph, keep = self._graph_of(ns), entities_used_by(batch)
                retraction = plan_retraction(graph, ns, batch.retract, keep=keep, sessions_kept=sessions_used_by(batch))
            self._validate(batch, set(retraction.events) if retraction else set())
            batch = self._versioned(batch, retraction)
            gone: set[str] = set()
            with one_transaction(
                self._conn, f"write to namespace {ns!r} of {self.directory} failed, nothing was stored"
            ):
                if retraction is not None:  # a re-ingest: texts it does not write again leave the file
                    gone = set(delete_rows(self._conn, ns, retraction)) - {e.text for e in batch.events}
                write_rows(self._conn, batch)
                if gone:
                    purge_forgotten(self._conn, ns, retraction.orphans if retraction is not None else ())
            if gone:
                empty_the_log(self._conn)
            self._ns.forget(ns)  # its lookups (and whether to load it) are decided afresh
            if not self._ns.is_loaded(ns):
                return  # read from SQLite when first needed
            if retraction is not None:
                apply_retraction(self._mem, ns, retraction)
            self._ns.apply(batch)

    def _graph_of(self, namespace: str) -> MemoryGraph:
        """A graph holding ``namespace``: the mirror, or (served from disk) a copy read for this one use."""
        if self._on_disk(namespace, admit=False) is None:
            self._ix(namespace)
            return self._mem
        graph = MemoryGraph()
        sqlite_reads.load_namespace(self._conn, graph, namespace)
        return graph

    def _versioned(self, batch: Batch, retraction: Retraction | None) -> Batch:
        """The batch with changed facts written as new versions (see :mod:`graphmem.store.versions`)."""
        if not batch.facts or batch.versioned:  # versions given whole (see Batch) are written as they are
            return batch
        ns = batch.namespace
        dropped = {f.id for f in retraction.dropped_facts} if retraction else set()
        rewritten = {f.id: f for f in retraction.shrunk_facts} if retraction else {}

        def current(fact_id: str) -> Fact | None:
            if fact_id in rewritten:
                return rewritten[fact_id]
            return None if fact_id in dropped else self._ns.stored_fact(ns, fact_id)

        # the stored chains as the retraction, written first, leaves them
        chain = chain_reader(
            lambda ids: self.fact_chains_of_events(ns, ids), gone=retraction.events if retraction else ()
        )
        normal = normalised_batch_times(batch)
        versioned = version_batch(normal, current, chain)
        return batch if versioned.facts == normal.facts else replace(batch, facts=versioned.facts)

    def _validate(self, batch: Batch, retracted: set[str]) -> None:
        ns = batch.namespace
        validate_batch(batch, lambda node_id: None if node_id in retracted else self._ns.kind_of(ns, node_id))

    # -- deleting ------------------------------------------------------------------------------------

    @_exclusive
    def delete_event(self, namespace: str, event_id: str) -> DeleteResult:
        """Delete an event, its mentions, the facts only it supported, entities left unused and its session
        when it leaves it without an event (unless it is the namespace's only session)."""
        with self._lock:
            disk = self._on_disk(namespace, admit=False)
            graph = self._graph_of(namespace)
            ix = graph.peek(namespace)
            if ix is None:
                return DeleteResult()
            kept = set(ix.sessions) if len(ix.sessions) == 1 else set()  # the last one marks the namespace
            plan = plan_retraction(graph, namespace, [event_id], keep=set(), sessions_kept=kept)
            if not plan.events:
                return DeleteResult()
            with one_transaction(self._conn, f"deleting event {event_id!r} failed, nothing was deleted"):
                mark_forgotten_live(self._conn, namespace, plan.events)
                texts = delete_rows(self._conn, namespace, plan)
                purge_forgotten(self._conn, namespace, plan.orphans, merge=self._forgetting is None)
            self._scrub(namespace, texts)
            self._ns.forget(namespace)
            if disk is None:
                apply_retraction(self._mem, namespace, plan)
                self._ns.charge(namespace)
            return DeleteResult(
                events=len(plan.events),
                entities=len(plan.orphans),
                facts=len(plan.dropped_facts),
                mentions=plan.mentions,
                sessions=len(plan.sessions),
                spoken_by=plan.spoken_by,
            )

    def _scrub(self, namespace: str, forgotten: list[str]) -> None:
        """After a forget's transaction: empty the log, and rewrite the file when it still holds one of the
        ``forgotten`` strings (:func:`~graphmem.store.sqlite_writes.rewrite_file`); inside
        :meth:`forgetting_many`, only note ``namespace`` for its end."""
        if self._forgetting is not None:
            self._forgetting.add(namespace)
            return
        empty_the_log(self._conn)
        if file_holds(self._db_file, forgotten):
            rewrite_file(self._conn)

    @contextmanager
    def forgetting_many(self) -> Iterator[None]:
        """Forget many events at once (the :class:`~graphmem.store.base.ForgetsInBulk` capability): inside,
        :meth:`delete_event` and :meth:`rename_entity` leave the full-text merge, the log's emptying and the
        file's rewrite to the end, made once (also when the body raises) for every namespace they changed."""
        if self._forgetting is not None:
            yield
            return
        self._forgetting = set()
        try:
            yield
        finally:
            namespaces, self._forgetting = self._forgetting, None
            if namespaces:
                self._scrub_after_many(sorted(namespaces))

    @_exclusive
    def _scrub_after_many(self, namespaces: list[str]) -> None:
        with self._lock:
            with one_transaction(self._conn, "merging the full-text index after forgetting failed"):
                for ns in namespaces:
                    merge_text_index(self._conn, ns)
            empty_the_log(self._conn)
            rewrite_file(self._conn)

    @_exclusive
    def rename_entity(self, namespace: str, old_id: str, new_id: str) -> bool:
        """Move the entity ``old_id`` to ``new_id`` with its mentions, facts and vector, leaving ``old_id``
        nowhere in the file (the :class:`~graphmem.store.base.RenamesEntities` capability).

        Raises:
            ConfigError: ``new_id`` is the id of another node of the namespace.
        """
        from graphmem.models import NodeKind
        from graphmem.store.catch_up import apply_changes

        ns = validate_namespace(namespace)
        with self._lock:
            self._check_open()
            if self._ns.kind_of(ns, old_id) != NodeKind.ENTITY:
                return False
            if old_id == new_id:
                return True
            if self._ns.kind_of(ns, new_id) is not None:
                raise ConfigError(f"cannot move entity {old_id!r} to {new_id!r}: namespace {ns!r} has that node")
            with one_transaction(self._conn, f"moving entity {old_id!r} failed, nothing was changed"):
                events, facts = rename_entity_rows(self._conn, ns, old_id, new_id)
            self._scrub(ns, [old_id])  # the old id's page images in the log, and copies in pages' unused space
            self._ns.forget(ns)
            if self._ns.is_loaded(ns):  # the mirror takes the rows back as another process's would
                changes = {"entities": frozenset({new_id}), "mentions": frozenset(events), "facts": frozenset(facts)}
                with self._snapshot():
                    apply_changes(self._conn, self._mem, ns, changes)
                self._ns.charge(ns)
            return True

    def delete_namespace(self, namespace: str) -> DeleteResult:
        """Delete everything in a namespace."""
        return self._replace(namespace, None)

    def replace_namespace(self, batch: Batch) -> DeleteResult:
        """Make the batch's namespace hold exactly ``batch``, in one transaction; returns what was deleted.
        The positions its sessions have given stay, raised to the batch's."""
        return self._replace(validate_namespace(batch.namespace), batch)

    @_exclusive
    def _replace(self, namespace: str, batch: Batch | None) -> DeleteResult:
        self._checked(namespace)
        with self._lock:
            if batch is not None:
                validate_batch(batch, lambda _id: None)
            held = sqlite_reads.count_rows(self._conn, namespace).get(namespace)
            if held is None and batch is None:
                return DeleteResult()
            result = DeleteResult()
            if held is not None:
                result = DeleteResult(
                    events=held["events"],
                    entities=held["entities"],
                    facts=held["facts"],
                    mentions=held["mentions"],
                    sessions=held["sessions"],
                    spoken_by=held["spoken_by"],
                )
            with one_transaction(self._conn, f"replacing namespace {namespace!r} failed, nothing was changed"):
                # a namespace replaced keeps the positions its sessions gave (the batch may raise them): a
                # later add never gives an id it gave before; one forgotten whole starts afresh
                clear_namespace(self._conn, namespace, keep_positions=batch is not None)
                if batch is None:  # forgotten: the change log keeps no id of it (see purge_forgotten)
                    forget_log(self._conn)
                    drop_generation(self._conn, namespace)  # nor its counter, keyed by its name
                if batch is not None:
                    write_rows(self._conn, batch)
            if batch is None:
                empty_the_log(self._conn)
            self._ns.unload(namespace)  # read back on next use
            self._ns.forget(namespace)
            return result

    # -- stats ---------------------------------------------------------------------------------------

    def stats(self, namespace: str | None = None) -> StoreStats:
        """Counts for one namespace or for the whole store (a loaded namespace counts from memory)."""
        if namespace is not None:
            validate_namespace(namespace)
        with self._lock:
            self._check_open()
            self._ns.drain_evictions()
            if namespace is None or not self._ns.is_loaded(namespace):
                per = sqlite_reads.count_rows(self._conn, namespace)
            elif (ix := self._ns.peek(namespace)) is None or ix.empty:
                per = {}
            else:
                embeddings = self._conn.execute("SELECT count(*) FROM embeddings WHERE ns = ?", (namespace,))
                per = {
                    namespace: {
                        "sessions": len(ix.sessions),
                        "events": len(ix.events),
                        "entities": len(ix.entities),
                        "mentions": ix.mentions,
                        "spoken_by": ix.spoken_by,
                        "facts": len(ix.facts),
                        "embeddings": int(embeddings.fetchone()[0]),
                    }
                }
        return StoreStats.from_counts(namespace, per)
