"""Which namespaces are worth loading into memory when the memory budget is full: 2Q admission.

Loading a namespace into the networkx mirror costs far more than answering one recall from SQLite
(:mod:`graphmem.store.sqlite_graph`, same results). While the :class:`~graphmem.store.budget.CacheBudget`
has room, a namespace is loaded on its first read, as always. Once loading it would evict another, a
namespace read for the first time is answered from SQLite and only remembered, by name, in a ghost list;
it is loaded when it is read again while still remembered (a large one: read several times, below). This
is the admission rule of 2Q
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

One change to 2Q weighs the cost of a load: a namespace is admitted on its second reference only if it
holds at most ``2 × EVENTS_PER_REFERENCE`` events; a larger one needs one more reference while remembered
for every further ``EVENTS_PER_REFERENCE`` events (:func:`references_to_admit`), since loading it costs that
much more than the recalls it then speeds up save. A namespace read again and again is still loaded; one
met a few times in a random stream is answered from SQLite instead of paying for a load the next recalls
would not repay. The saving per recall (about 7 ms) was measured on 1,000-event namespaces only; a namespace
near the default ``mirror_max_events`` (200,000) needs 800 references. A name that drops out of the ghost
list loses its count, as in 2Q; each reference moves it to the recent end, so it only has to outlast the
gap between two references. Within one read scope only the last namespace read is remembered, so a scope
that reads two namespaces in turn counts each switch as a reference (``Memory`` reads one per recall).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict

__all__ = ["EVENTS_PER_REFERENCE", "GhostAdmission", "references_to_admit"]

#: Loading a namespace costs about as much recall time as this many events' worth of recalls save: loading
#: took about 29 µs per event (a 1,000-event namespace: 52 ms for the recall that loads it, 23 ms for one
#: answered from SQLite), and a recall of a loaded namespace saved about 7 ms against SQLite (16.5 ms
#: against 23 ms), so a load pays for itself after about 7 / 0.029 ≈ 240 events per reference
#: (docs/scale.md, "1,000 × 1,000: which questions are slow"). Larger namespaces cost more to load for
#: a similar saving, so they need more references before they are admitted.
EVENTS_PER_REFERENCE = 250


def references_to_admit(events: int) -> int:
    """References (the first one included) a namespace of ``events`` events needs while remembered before
    it is loaded with the budget full: 2 as in 2Q, more when its load costs more than two recalls save."""
    return max(2, math.ceil(events / EVENTS_PER_REFERENCE))


class GhostAdmission:
    """The ``A1out`` ghost list of 2Q over namespace names; the caller serialises calls.

    The namespace read last, whose further reads continue the same reference, is kept per thread.
    """

    def __init__(self) -> None:
        self._ghosts: OrderedDict[str, int] = OrderedDict()  # name → references counted while remembered
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

    def admits(self, namespace: str, resident: int, events: int = 0) -> bool:
        """A new reference to ``namespace``, not loaded, when loading it would evict: whether to load it.

        It is admitted when this is its :func:`references_to_admit` ``(events)``-th reference while its name
        is in the ghost list (the second, as in 2Q, for a namespace of up to ``2 × EVENTS_PER_REFERENCE``
        events); otherwise its name enters (or moves to the recent end of) the list, which keeps the
        ``max(2, resident // 2)`` most recent names (``resident``: namespaces loaded).
        """
        self._last = namespace
        seen = self._ghosts.pop(namespace, 0) + 1
        if seen >= references_to_admit(events):
            return True
        self._ghosts[namespace] = seen
        while len(self._ghosts) > max(2, resident // 2):
            self._ghosts.popitem(last=False)
        return False

    def clear(self) -> None:
        """Forget every name (other threads' last reads too)."""
        self._ghosts.clear()
        self._local = threading.local()
