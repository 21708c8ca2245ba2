"""Which namespaces are worth loading into memory when the memory budget is full: 2Q admission.

Loading a namespace into the networkx mirror costs far more than answering one recall from SQLite
(:mod:`graphmem.store.sqlite_graph`, same results). While the :class:`~graphmem.store.budget.CacheBudget`
has room, a namespace is loaded on its first read, as always. Once loading it would evict another, a
namespace read for the first time is answered from SQLite and only remembered, by name, in a ghost list;
it is loaded when it is read again while still remembered. This is the admission rule of 2Q
(Johnson & Shasha, VLDB 1994: a page is promoted to the main LRU only when re-referenced while its
identifier is in the ``A1out`` ghost queue, sized at half the main buffer), so a stream of namespaces
each read once (a scan, or uniform random use of more namespaces than fit) no longer evicts the
namespaces that are read again and again.

As in 2Q, correlated references count once: the store reads a namespace many times to answer one
recall, so the reads of one read scope (``EmbeddedStore.reading``, which ``Memory`` opens around each
recall), and outside scopes consecutive reads of the same namespace with no other namespace read in
between, are one reference. "The read before" is per thread: two threads recalling at once interleave
their reads, and a shared slot would make each read of one recall look like a new reference (its
namespace then admitted by its own second read, which is what scan resistance must prevent). The ghost
list, like the mirror, is shared. The ghost list holds as many names as half the namespaces the mirror
holds, and at least two (so two namespaces read in turn are admitted even when one large namespace
fills the budget).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

__all__ = ["GhostAdmission"]


class GhostAdmission:
    """The ``A1out`` ghost list of 2Q over namespace names; the caller serialises calls.

    The namespace read last, whose further reads continue the same reference, is kept per thread.
    """

    def __init__(self) -> None:
        self._ghosts: OrderedDict[str, None] = OrderedDict()
        self._local = threading.local()  # .last: the namespace this thread read last

    @property
    def _last(self) -> str | None:
        last: str | None = getattr(self._local, "last", None)
        return last

    @_last.setter
    def _last(self, namespace: str | None) -> None:
        self._local.last = namespace

    def note(self, namespace: str) -> None:
        """Record a read of ``namespace`` that loads it or finds it loaded (it leaves the ghost list)."""
        self._last = namespace
        self._ghosts.pop(namespace, None)

    def begin(self) -> None:
        """A read scope of this thread starts: its next read starts a new reference, whatever it reads."""
        self._last = None

    def same_reference(self, namespace: str) -> bool:
        """Whether this thread's read of ``namespace`` continues the reference of its read before."""
        return namespace == self._last

    def admits(self, namespace: str, resident: int) -> bool:
        """A new reference to ``namespace``, not loaded, when loading it would evict: whether to load it.

        It is admitted when its name is in the ghost list (read recently); otherwise its name enters the
        list, which keeps the ``max(2, resident // 2)`` most recent names (``resident``: namespaces loaded).
        """
        self._last = namespace
        if namespace in self._ghosts:
            del self._ghosts[namespace]
            return True
        self._ghosts[namespace] = None
        while len(self._ghosts) > max(2, resident // 2):
            self._ghosts.popitem(last=False)
        return False

    def clear(self) -> None:
        """Forget every name (other threads' last reads too)."""
        self._ghosts.clear()
        self._local = threading.local()
