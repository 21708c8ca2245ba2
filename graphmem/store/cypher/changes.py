"""Change counters: how a client of a Cypher server notices that another process wrote a namespace.

What a :class:`~graphmem.memory.Memory` derives from a namespace and keeps between recalls (recall's
:class:`~graphmem.recall.cache.NamespaceCache`: edges, entity degrees, participants; and the local copy of
the vector index) is dropped by its own writes, but another process writing the same database is not
seen by it. So every write transaction of the Cypher store first bumps a counter on the namespace's
``(:GraphmemNamespace {namespace, changes})`` node (:data:`BUMP`, the transaction's first statement: it
also takes the node's write lock, so two writers of a namespace bump it one after the other; the value is
read under that lock, as Neo4j reads a property the ``SET`` depends on; :mod:`graphmem.store.cypher.writers`
checks it to refuse a write decided from a state another writer changed), and the
store remembers, per namespace, the value its holder's caches match (:class:`ChangeCounters`). Once per
recall the holder asks :meth:`CypherStore.changed_elsewhere
<graphmem.store.cypher.store.CypherStore.changed_elsewhere>`: one small read (:data:`READ`) says whether
the counter moved by more than this store's own writes; if so the caches are dropped.

A counter starts at a random value when its node is created, so a namespace deleted with the whole
database (or the database re-created under the same URI) and written again does not come back to a
value a client remembers. :func:`~graphmem.store.cypher.write.delete_namespace` deletes the node with
the namespace, so a forgotten namespace leaves its name in no node: a client that remembers the old value
reads no counter (changed: its caches go), and a guarded write expecting it is refused (the new counter
starts at a random value, not one above the old) and made again from what the namespace holds now.
"""

from __future__ import annotations

import secrets
import threading

from graphmem.store.cypher.session import CypherTx

__all__ = ["BUMP", "READ", "ChangeCounters", "bump", "new_start"]

#: Bump the namespace's counter (creating its node at a random start); the new value.
BUMP = """
MERGE (c:GraphmemNamespace {namespace: $ns})
SET c.changes = coalesce(c.changes + 1, $start)
RETURN c.changes AS changes
"""

#: The namespace's counter (no row: never written since the node was made).
READ = "MATCH (c:GraphmemNamespace {namespace: $ns}) RETURN c.changes AS changes"

#: Counters start below this (and above 0): far from any value a client may remember.
_START_BELOW = 2**48


def new_start() -> int:
    """A random value for a counter to start at."""
    return secrets.randbelow(_START_BELOW - 1) + 1


def bump(tx: CypherTx, ns: str, *, start: int | None = None) -> int:
    """Bump the counter of ``ns`` inside the write transaction ``tx``; the value it now holds (``start``, or a
    random :func:`new_start`, when the counter is new)."""
    rows = tx.run(BUMP, ns=ns, start=start if start is not None else new_start())
    return int(rows[0]["changes"])


class ChangeCounters:
    """The counter value of each namespace that its holder's caches match. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: dict[str, int | None] = {}

    def wrote(self, ns: str, after: int) -> None:
        """Note that one of our writes left the counter at ``after``.

        If we knew it at ``after - 1``, no other writer came in between and the holder's caches (which
        its own write updates) still match; otherwise the next :meth:`changed` answers true.
        """
        with self._lock:
            if self._known.get(ns) == after - 1:
                self._known[ns] = after

    def forget(self, ns: str) -> None:
        """Know no value for ``ns``: the next :meth:`changed` answers true."""
        with self._lock:
            self._known.pop(ns, None)

    def changed(self, ns: str, now: int | None) -> bool:
        """Whether the counter read now differs from the value known (true when none is known yet)."""
        with self._lock:
            first = ns not in self._known
            before = self._known.get(ns)
            self._known[ns] = now
            return first or before != now
