"""A client's copy of a namespace, trusted while the namespace's change counter stays where it was.

Every write transaction bumps the namespace's change counter first (:mod:`graphmem.store.cypher.changes`),
and a recall reads that counter once, as its first statement. Whatever was read of the namespace when
the counter held the value read now is still what the server holds: so a recall whose counter has not
moved can be answered from a copy read earlier, without asking the server again.

:class:`LocalCopies` keeps such copies in two parts, read and dropped apart: :class:`NamespaceCopy` (the
namespace's events, entities, and what BM25 needs for full-text search where the server has no
full-text index) and :class:`EdgeCopy` (the edge rows of every node). Each is tagged with the counter
value read (in the same read scope) *before* it was read; only namespaces of at most ``max_events``
events are copied, and all copies together take at most ``max_bytes`` (64 MiB by default, estimated from
what an event or entity and an edge row measured under ``tracemalloc``: about 3,000 and 750 bytes; the
least recently used part is dropped first). A copy is used inside a read scope whose counter read
gave its tag, and only there; a read outside a scope, or in a scope that did not read the counter, goes
to the server as before.

A copy holds what the statements reading it returned, and every answer taken from it is computed from
those rows exactly as the server's answer would be from the rows it sends (the same row shapes go
through the same conversion), so a recall gives the same hits either way.

When is a part read? On the first read of a namespace that can use it (as the embedded store loads a
namespace on its first read); after the counter moved, once ``reload_after`` scopes in a row were
answered by the server at the counter value read now, as a renter buys once the rent paid nears the
price. Measured on LoCoMo conversations of 370-680 turns (``docs/scale.md``): the events part costs
about one recall answered by the server and saves most of the statements of each (``reload_after`` 1);
the edges part costs several times a recall and saves one or two statements each (``reload_after`` 8).
A namespace written between every recall or two (a live agent adding a turn, then asking) is answered
by the server as before instead of being read whole after each write.

Loads run after the counter read, each statement read-committed on its own: a write committed in between
may show in a copy tagged with the older value, which the next recall (reading the newer value) drops.
"""

from __future__ import annotations

import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from graphmem.models import Entity, Event
from graphmem.store.base import TextHit
from graphmem.store.cypher.schema import ENTITY_KEYS, EVENT_KEYS, entity_from_props, event_from_props, projection
from graphmem.store.cypher.session import CypherSession, Row
from graphmem.store.cypher.text_search import bm25, stem

__all__ = [
    "EDGES",
    "EVENTS",
    "LOAD_EDGES",
    "LOAD_ENTITIES",
    "LOAD_EVENTS",
    "EdgeCopy",
    "LocalCopies",
    "NamespaceCopy",
    "load_edges",
    "load_events",
]

_WORD = re.compile(r"\w+", re.UNICODE)
# What one event or entity (with its BM25 counts) and one edge row take in a copy: measured with
# tracemalloc on a LoCoMo conversation (1,064 events and entities: 3.1 MB; 8,694 edge rows: 6.5 MB).
_ITEM_BYTES, _ROW_BYTES = 3000, 750
_LABELS = ("Session", "Event", "Entity")

#: The namespace's events (none when there are more than ``$most``), with the totals BM25 needs computed by
#: the server exactly as :mod:`graphmem.store.cypher.text_search` has it compute them.
LOAD_EVENTS = (
    "MATCH (t:Event {namespace: $ns}) WITH count(t) AS total, avg(size(t.text)) AS chars "
    "OPTIONAL MATCH (n:Event {namespace: $ns}) WHERE total <= $most "
    "RETURN CASE WHEN n IS NULL THEN null ELSE " + projection("n", EVENT_KEYS) + " END AS p, total, chars"
)

#: The namespace's entities.
LOAD_ENTITIES = "MATCH (n:Entity {namespace: $ns}) RETURN " + projection("n", ENTITY_KEYS) + " AS p"

#: Every relationship leaving a node of the namespace for a session, event or entity, once, with what
#: a neighbour row of either end needs (see :data:`graphmem.store.cypher.neighbors.NEIGHBORS_MANY`).
LOAD_EDGES = "\nUNION ALL\n".join(
    f"MATCH (n:{label} {{namespace: $ns}})-[r]->(m) WHERE (m:Session OR m:Event OR m:Entity) "
    "RETURN n.id AS a, labels(n) AS a_labels, n.occurred_at AS a_at, "
    "m.id AS b, labels(m) AS b_labels, m.occurred_at AS b_at, m.namespace AS b_ns, "
    "type(r) AS type, properties(r) AS p"
    for label in _LABELS
)


@dataclass(frozen=True, slots=True)
class NamespaceCopy:
    """The events and entities the server held of one namespace when its change counter read ``changes``.

    Attributes:
        namespace: the namespace.
        changes: the counter value read before the copy was loaded.
        events: every event, by id.
        entities: every entity, by id.
        total: how many events the server counted (BM25's document count).
        chars: their mean text length as the server measured it (BM25's length norm).
        terms: each event's stemmed word counts (BM25's term frequencies).
        postings: stem → the ids of the events holding it.
    """

    namespace: str
    changes: int
    events: Mapping[str, Event]
    entities: Mapping[str, Entity]
    total: int
    chars: float
    terms: Mapping[str, Counter[str]]
    postings: Mapping[str, frozenset[str]]

    @property
    def size(self) -> int:
        """The bytes the copy takes, estimated (counted against :attr:`LocalCopies.max_bytes`)."""
        return _ITEM_BYTES * (len(self.events) + len(self.entities))

    def search_text(self, words: list[str], limit: int) -> list[TextHit]:
        """:func:`~graphmem.store.cypher.text_search.search_text_fallback` over the copy: the candidates are
        the events whose lower-cased text contains a stemmed word (what ``CONTAINS`` finds) among those
        holding one as a word (the only ones BM25 scores above zero)."""
        stems = list(dict.fromkeys(stem(w) for w in words))
        found = set().union(*(self.postings.get(s, frozenset()) for s in stems))
        docs: dict[str, Counter[str]] = {}
        lengths: dict[str, int] = {}
        for event_id in found:
            text = self.events[event_id].text
            lowered = text.lower()
            if any(s in lowered for s in stems):
                docs[event_id] = self.terms[event_id]
                lengths[event_id] = len(text)
        if not docs:
            return []
        return bm25(docs, lengths, stems, self.total, self.chars or 1.0)[:limit]


@dataclass(frozen=True, slots=True)
class EdgeCopy:
    """The edges the server held of one namespace when its change counter read ``changes``.

    Attributes:
        namespace: the namespace.
        changes: the counter value read before the copy was loaded.
        edges: node id → its neighbour rows, shaped like the server's (``type``, ``out``, ``inn``,
            ``labels``, ``id``, ``at``, ``p``).
    """

    namespace: str
    changes: int
    edges: Mapping[str, Sequence[Row]]

    @property
    def size(self) -> int:
        """The bytes the copy takes, estimated (counted against :attr:`LocalCopies.max_bytes`)."""
        return _ROW_BYTES * sum(len(rows) for rows in self.edges.values())

    def rows_of(self, node_id: str, types: Sequence[str] | None) -> list[Row]:
        """The neighbour rows of one node whose edge type is among ``types`` (all when ``None``)."""
        rows = self.edges.get(node_id, ())
        return [r for r in rows if types is None or r["type"] in types]


#: The two parts of a namespace's copy, read and dropped apart.
EVENTS, EDGES = "events", "edges"


def load_events(session: CypherSession, namespace: str, changes: int, max_events: int) -> NamespaceCopy | None:
    """Read the events and entities of ``namespace`` (two statements); ``None`` past ``max_events`` events."""
    rows = session.read(LOAD_EVENTS, {"ns": namespace, "most": max_events})
    total = int(rows[0]["total"]) if rows else 0
    if total > max_events:
        return None
    events = {e.id: e for e in (event_from_props(r["p"]) for r in rows if r["p"] is not None)}
    chars = float(rows[0]["chars"] or 1.0) if rows else 1.0
    entity_rows = session.read(LOAD_ENTITIES, {"ns": namespace})
    entities = {p["id"]: entity_from_props(p) for p in (r["p"] for r in entity_rows)}
    terms: dict[str, Counter[str]] = {}
    postings: dict[str, set[str]] = {}
    for event in events.values():
        counts = terms[event.id] = Counter(stem(t) for t in _WORD.findall(event.text.casefold()))
        for term in counts:
            postings.setdefault(term, set()).add(event.id)
    frozen = {term: frozenset(ids) for term, ids in postings.items()}
    return NamespaceCopy(namespace, changes, events, entities, total, chars, terms, frozen)


def load_edges(session: CypherSession, namespace: str, changes: int) -> EdgeCopy:
    """Read every edge of ``namespace`` (one statement) as the neighbour rows of both its ends."""
    edges: dict[str, list[Row]] = {}
    for r in session.read(LOAD_EDGES, {"ns": namespace}):
        # a self-loop is one row with both ends, as the server's undirected match gives it
        loop = r["b_ns"] == namespace and r["b"] == r["a"]
        kind, props = r["type"], r["p"]
        edges.setdefault(r["a"], []).append(_edge(kind, True, loop, r["b_labels"], r["b"], r["b_at"], props))
        if r["b_ns"] == namespace and not loop:
            edges.setdefault(r["b"], []).append(_edge(kind, False, True, r["a_labels"], r["a"], r["a_at"], props))
    return EdgeCopy(namespace, changes, edges)


def _edge(kind: str, out: bool, inn: bool, labels: list[str], far: str, at: object, props: dict[str, object]) -> Row:
    """One neighbour row, with the columns the server's neighbour statements return."""
    return {"type": kind, "out": out, "inn": inn, "labels": labels, "id": far, "at": at, "p": props}


_Copy = NamespaceCopy | EdgeCopy


class LocalCopies:
    """The copies of the namespaces recalled lately, and what each thread's read scope read of the counters.

    Thread-safe. ``max_events = 0`` keeps no copy (every read goes to the server).

    Attributes:
        max_events: namespaces of more events are not copied.
        max_bytes: the bytes all copies together take (estimated).
        reload_after: per part, how many scopes in a row the server answers at one counter value before the
            part is read again (a part is read at once the first time).
    """

    def __init__(
        self, *, max_events: int = 5000, max_bytes: int = 64 << 20, reload_after: Mapping[str, int] | None = None
    ) -> None:
        self.max_events = max_events
        self.max_bytes = max_bytes
        self.reload_after = dict(reload_after or {EVENTS: 1, EDGES: 8})
        self._lock = threading.Lock()
        self._copies: OrderedDict[tuple[str, str], _Copy] = OrderedDict()
        self._runs: dict[str, tuple[int, int]] = {}  # the counter scopes read last, how many scopes in a row
        self._copied: set[tuple[str, str]] = set()  # parts copied once (the first copy needs no run)
        self._small: set[str] = set()  # namespaces known to have at most max_events events
        self._too_big: set[str] = set()
        self._local = threading.local()

    @contextmanager
    def scope(self) -> Iterator[None]:
        """One read scope: counters read inside (:meth:`observed`) hold until it ends (nested: the outer's)."""
        if getattr(self._local, "counters", None) is not None:
            yield
            return
        self._local.counters = {}
        try:
            yield
        finally:
            self._local.counters = None

    def observed(self, namespace: str, changes: int | None) -> None:
        """Note the counter of ``namespace`` read in this thread's scope (ignored outside one)."""
        counters: dict[str, tuple[int, int]] | None = getattr(self._local, "counters", None)
        if counters is None or changes is None:
            return
        with self._lock:
            last, run = self._runs.get(namespace, (None, 0))
            run = run + 1 if last == changes else 1
            self._runs[namespace] = (changes, run)
        counters[namespace] = (changes, run)

    def wanted(self, namespace: str, part: str) -> tuple[int, _Copy | None, bool] | None:
        """For a read of ``part`` of ``namespace`` in this scope: the counter read, the copy tagged with it (if
        any) and whether one may be read now; ``None`` when the scope read no counter of it."""
        counters: dict[str, tuple[int, int]] | None = getattr(self._local, "counters", None)
        if counters is None or self.max_events <= 0 or namespace not in counters:
            return None
        changes, run = counters[namespace]
        key = (namespace, part)
        with self._lock:
            copy = self._copies.get(key)
            if copy is not None and copy.changes == changes:
                self._copies.move_to_end(key)
                return changes, copy, False
            due = key not in self._copied or run > self.reload_after[part]
            sized = namespace in self._small if part == EDGES else namespace not in self._too_big
            return changes, None, due and sized

    def keep(self, namespace: str, part: str, copy: _Copy | None) -> None:
        """Keep a part just read (``None``: the namespace is too big to copy; it is not tried again)."""
        with self._lock:
            if copy is None:
                self._too_big.add(namespace)
                self._small.discard(namespace)
                for key in [k for k in self._copies if k[0] == namespace]:
                    del self._copies[key]
                return
            if part == EVENTS:
                self._small.add(namespace)
            key = (namespace, part)
            self._copied.add(key)
            self._copies[key] = copy
            self._copies.move_to_end(key)
            total = sum(c.size for c in self._copies.values())
            while total > self.max_bytes and len(self._copies) > 1:
                _, dropped = self._copies.popitem(last=False)
                total -= dropped.size

    def forget(self, namespace: str) -> None:
        """Drop the copies of ``namespace`` and what was known of its size (it was deleted or replaced)."""
        with self._lock:
            for key in [k for k in self._copies if k[0] == namespace]:
                del self._copies[key]
            self._small.discard(namespace)
            self._too_big.discard(namespace)
