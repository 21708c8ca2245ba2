"""Which namespaces of an embedded store are in memory: loaded on first read, dropped under a budget.

A namespace's graph is read from SQLite into the networkx mirror (:mod:`graphmem.store.mirror`) the
first time it is read, and dropped again when the :class:`~graphmem.store.budget.CacheBudget` needs
the room (least recently used first) or when the namespace changes. A namespace holding more events
than ``mirror_max_events`` is never loaded: its reads are answered by a
:class:`~graphmem.store.sqlite_graph.DiskNamespace`. Once the budget is full, a smaller namespace is
answered the same way until it is read again soon, more often the more events it holds
(:mod:`graphmem.store.admission`, 2Q admission weighed by the cost of a load), so
reading more namespaces than fit does not reload one into networkx at nearly every read.
Per-namespace full-text statistics (:class:`~graphmem.store.sqlite_text.TermStats`) are kept here too,
and forgotten with the rest. The views of namespaces served from SQLite share one bounded cache of decoded
events (:class:`~graphmem.store.sqlite_graph.EventCache`); views and cache are dropped whenever
``PRAGMA data_version`` shows another connection's commit (one pragma per read of such a namespace).

The mirror itself (and networkx with it) is created when the first namespace is loaded: opening a
store, or reading only namespaces served from SQLite, never imports networkx.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Mapping

from graphmem.models import Batch, Fact, NodeKind
from graphmem.store import sqlite_reads
from graphmem.store.admission import GhostAdmission
from graphmem.store.budget import CacheBudget, DeferredEvictions
from graphmem.store.catch_up import apply_changes, worth_catching_up
from graphmem.store.mirror import MemoryGraph, NamespaceIndex, estimate_bytes
from graphmem.store.sqlite_graph import DiskNamespace, EventCache
from graphmem.store.sqlite_rows import end_read, normalised_event, normalised_fact, normalised_session
from graphmem.store.sqlite_text import TermStats

#: Full-text statistics are kept for this many namespaces, the ones searched last (each holds at most
#: ``TermStats.max_words`` words).
MAX_TEXT_STATS = 64

__all__ = ["NamespaceLoader"]


class NamespaceLoader:
    """The in-memory side of one embedded store, namespace by namespace.

    Every method but :meth:`evict` expects the caller to hold ``lock`` (the store's lock).
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        lock: threading.RLock,
        budget: CacheBudget | None,
        mirror_max_events: int | None,
    ) -> None:
        self._conn = conn
        self._lock = lock
        self.budget = budget if budget is not None else CacheBudget(None)
        self.mirror_max_events = mirror_max_events
        self._mem: MemoryGraph | None = None  # created on the first load
        self._loaded: set[str] = set()  # namespaces whose rows the mirror holds (possibly none)
        self._evictions = DeferredEvictions(lock, self._drop)
        self._disk: dict[str, DiskNamespace] = {}  # namespaces too large to load, read from SQLite
        self._events = EventCache()  # decoded events of every DiskNamespace view, bounded in total
        self._version: int | None = None  # PRAGMA data_version the views were built under
        self._admission = GhostAdmission()  # which namespaces to load once the budget is full
        self._passing: DiskNamespace | None = None  # a namespace read from SQLite until admitted
        self._terms: OrderedDict[str, TermStats] = OrderedDict()  # full-text statistics, until it changes

    # -- the mirror ----------------------------------------------------------------------------------

    @property
    def mirror(self) -> MemoryGraph:
        """The in-memory graph of the loaded namespaces (created, and networkx imported, on first use)."""
        if self._mem is None:
            self._mem = MemoryGraph()
        return self._mem

    def peek(self, namespace: str) -> NamespaceIndex | None:
        """The loaded lookups of ``namespace`` if it is loaded and holds anything; loads nothing."""
        if self._mem is None or namespace not in self._loaded:
            return None
        return self._mem.peek(namespace)

    def is_loaded(self, namespace: str) -> bool:
        """Whether ``namespace``'s graph is in memory now."""
        return namespace in self._loaded

    def loaded(self) -> frozenset[str]:
        """The namespaces whose graph is in memory now."""
        self.drain_evictions()
        return frozenset(self._loaded)

    def index(self, namespace: str) -> NamespaceIndex | None:
        """The mirror of ``namespace`` (loading it on first use), or ``None`` when it holds nothing."""
        self.drain_evictions()
        if namespace not in self._loaded:
            self._load(namespace)
        else:
            self.budget.touch(self, namespace)
        return self.mirror.peek(namespace)

    def on_disk(self, namespace: str, *, admit: bool = True) -> DiskNamespace | None:
        """The SQLite reads of ``namespace`` when it is served from disk, else ``None`` (use the mirror).

        A namespace with more than ``mirror_max_events`` events is always served from disk. A smaller
        one is loaded, unless the budget is full and :class:`~graphmem.store.admission.GhostAdmission`
        does not admit it yet (reads only: a write passes ``admit=False`` and loads as it always did).
        """
        self.drain_evictions()
        if self.mirror_max_events is None or namespace in self._loaded:
            self._admission.note(namespace)
            return None
        version = int(self._conn.execute("PRAGMA data_version").fetchone()[0])
        if version != self._version:  # another connection committed: what the views hold may be stale
            self._version = version
            self._drop_views()
        view = self._disk.get(namespace)
        if view is not None:
            return view
        passing = self._passing
        if (
            admit
            and passing is not None
            and passing.namespace == namespace
            and self._admission.same_reference(namespace)
        ):
            return passing  # the rest of a reference answered from SQLite
        limit = self.mirror_max_events
        if limit == 0:
            view = self._disk[namespace] = DiskNamespace(self._conn, namespace, self._events)
            return view
        held = self._conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM events WHERE ns = ? LIMIT ?)", (namespace, limit + 1)
        ).fetchone()[0]
        if held > limit:
            view = self._disk[namespace] = DiskNamespace(self._conn, namespace, self._events)
            return view
        if not admit or self._has_room(int(held)) or self._admitted(namespace, int(held)):
            self._admission.note(namespace)
            self._passing = None
            return None
        if passing is None or passing.namespace != namespace:
            self._passing = passing = DiskNamespace(self._conn, namespace, self._events)
        return passing

    def view_now(self, namespace: str, data_version: int) -> DiskNamespace | None:
        """The view ``namespace`` is served from, if it has one and nothing was committed since it was made.

        Unlike :meth:`on_disk` this decides nothing (no load, no admission, no count): a reader that
        would otherwise skip the view (full-text search) uses it only to keep the event rows it reads.
        ``data_version`` is ``PRAGMA data_version`` read in the caller's snapshot.
        """
        if data_version != self._version or namespace in self._loaded:
            return None
        return self._disk.get(namespace)

    def _admitted(self, namespace: str, events: int) -> bool:
        """Whether to load ``namespace`` (``events`` events) although the budget is full (a reference is
        decided once)."""
        if self._admission.same_reference(namespace):
            return False
        return self._admission.admits(namespace, len(self._loaded), events)

    def _has_room(self, events: int) -> bool:
        """Whether loading a namespace of ``events`` events fits the budget without evicting another."""
        limit = self.budget.limit
        return limit is None or self.budget.used + estimate_bytes(events=events) <= limit

    def new_reference(self) -> None:
        """A read scope starts (one recall): its reads are one reference for admission."""
        self._admission.begin()

    def text_stats(self, namespace: str, data_version: int) -> TermStats:
        """The full-text statistics kept for ``namespace`` (empty until words are looked up).

        ``data_version`` is SQLite's ``PRAGMA data_version`` read in the same snapshot: another connection's
        commit changes it, and statistics learnt before are dropped (this connection's writes call
        :meth:`forget`). Statistics are kept for the ``MAX_TEXT_STATS`` namespaces searched last.
        """
        stats = self._terms.get(namespace)
        if stats is None or stats.data_version != data_version:
            stats = self._terms[namespace] = TermStats(data_version=data_version)
            while len(self._terms) > MAX_TEXT_STATS:
                self._terms.popitem(last=False)
        self._terms.move_to_end(namespace)
        return stats

    # -- what a write checks against, and applying it ------------------------------------------------

    def kind_of(self, namespace: str, node_id: str) -> NodeKind | None:
        """The kind of node ``node_id`` is, from the mirror when loaded, else from SQLite."""
        if namespace not in self._loaded:
            return sqlite_reads.kind_of(self._conn, namespace, node_id)
        ix = self.peek(namespace)
        return ix.kind_of(node_id) if ix is not None else None

    def stored_fact(self, namespace: str, fact_id: str) -> Fact | None:
        """The stored version of fact ``fact_id``, from the mirror when loaded, else from SQLite."""
        if namespace not in self._loaded:
            return sqlite_reads.stored_fact(self._conn, namespace, fact_id)
        ix = self.peek(namespace)
        return ix.facts.get(fact_id) if ix is not None else None

    def apply(self, batch: Batch) -> None:
        """Put a committed batch into the mirror of its (loaded) namespace."""
        mem, ns = self.mirror, batch.namespace
        for s in batch.sessions:
            mem.put_session(normalised_session(s))
        touched: set[str] = set()
        for e in batch.events:
            touched |= mem.put_event(normalised_event(e))
        for ent in batch.entities:
            mem.put_entity(ent)
        for m in batch.mentions:
            mem.put_mention(ns, m.event_id, m.entity_id, m.role)
        for f in batch.facts:
            mem.put_fact(normalised_fact(f))
        for sid in touched:
            mem.relink_session(ns, sid)
        if batch.sessions:
            mem.relink_sessions(ns)
        self.charge(ns)

    def catch_up(self, namespace: str, changes: Mapping[str, frozenset[str]]) -> bool:
        """Bring the loaded ``namespace`` up to date with the rows other processes changed (``changes``: logged
        table → keys, from :mod:`graphmem.store.changelog`), read back by key inside the caller's snapshot.

        Returns ``False``, changing nothing, when so much changed that reading it again whole is cheaper, or
        when it may have grown past ``mirror_max_events`` (the caller unloads it then).
        """
        ix = self.peek(namespace)
        events = len(ix.events) if ix is not None else 0
        if not worth_catching_up(changes, events):
            return False
        limit = self.mirror_max_events
        if limit is not None and events + len(changes.get("events", ())) > limit:
            return False  # it may have outgrown the mirror: read from SQLite from now on
        apply_changes(self._conn, self.mirror, namespace, changes)
        self.charge(namespace)
        return True

    # -- loading and dropping ------------------------------------------------------------------------

    def _load(self, namespace: str) -> None:
        """Read one namespace into the mirror, in one read transaction, making room in the budget first."""
        c = self._conn
        outer = c.in_transaction
        if not outer:
            c.execute("BEGIN")
        try:
            events = c.execute("SELECT count(*) FROM events WHERE ns = ?", (namespace,)).fetchone()[0]
            self.budget.charge(self, namespace, estimate_bytes(events=int(events)))
            self.drain_evictions()
            self.mirror.drop_namespace(namespace)
            sqlite_reads.load_namespace(c, self.mirror, namespace)
        except BaseException:  # a damaged page, say: nothing half read stays, and no COMMIT hides the error
            self.unload(namespace)
            if not outer:
                end_read(c)
            raise
        if not outer:
            c.execute("COMMIT")
        self._loaded.add(namespace)
        self.charge(namespace)

    def charge(self, namespace: str) -> None:
        """Tell the budget what the loaded ``namespace`` holds now."""
        self.budget.charge(self, namespace, held_bytes(self.peek(namespace)))

    def _drop(self, namespace: str) -> None:
        if self._mem is not None:
            self._mem.drop_namespace(namespace)
        self._loaded.discard(namespace)

    def unload(self, namespace: str) -> None:
        """Drop ``namespace``'s graph from memory now; the next read loads it again."""
        self._drop(namespace)
        self.budget.release(self, namespace)

    def evict(self, namespace: str) -> None:
        """Drop ``namespace``'s graph (read back on next use); for the budget's LRU, from any thread."""
        self._evictions.evict(namespace)

    def drain_evictions(self) -> None:
        """Do the evictions asked while the store was busy."""
        self._evictions.drain()

    def forget(self, namespace: str) -> None:
        """Drop what is kept about ``namespace`` beside its mirror (it changed)."""
        self._disk.pop(namespace, None)
        self._terms.pop(namespace, None)
        if self._passing is not None and self._passing.namespace == namespace:
            self._passing = None

    def _drop_views(self) -> None:
        """Drop every view of a namespace served from SQLite, and the events they decoded."""
        self._disk.clear()
        self._passing = None
        self._events.clear()

    def clear(self) -> None:
        """Drop everything (the store closes)."""
        self.budget.release_all(self)
        self._mem = None
        self._loaded.clear()
        self._drop_views()
        self._terms.clear()
        self._admission.clear()


def held_bytes(ix: NamespaceIndex | None) -> int:
    """The estimated memory of a loaded namespace's mirror."""
    if ix is None:
        return estimate_bytes()
    return estimate_bytes(
        sessions=len(ix.sessions),
        events=len(ix.events),
        entities=len(ix.entities),
        mentions=ix.mentions + ix.spoken_by,
        facts=len(ix.facts),
    )
