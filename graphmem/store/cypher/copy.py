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
what they hold by :func:`events_bytes` and :func:`edges_bytes`; the least recently used part is dropped
first, and a part estimated at more than ``max_bytes`` alone is not kept: its namespace is answered by the
server). A copy is used inside a read scope whose counter read
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
import sys
import threading
from collections import Counter, OrderedDict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from graphmem.models import Entity, Event
from graphmem.store.cypher.schema import ENTITY_KEYS, EVENT_KEYS, entity_from_props, event_from_props, projection
from graphmem.store.cypher.session import CypherSession, Row
from graphmem.store.cypher.text_search import bm25, query_terms, text_tokens
from graphmem.store.results import TextHit
from graphmem.store.segment import index_text

__all__ = [
    "EDGES",
    "EVENTS",
    "LOAD_EDGES",
    "LOAD_ENTITIES",
    "LOAD_EVENTS",
    "EdgeCopy",
    "LocalCopies",
    "NamespaceCopy",
    "edges_bytes",
    "events_bytes",
    "load_edges",
    "load_events",
]

# What a copy holds beyond the strings counted one by one (``sys.getsizeof`` of an event's text, the lengths
# of its other strings and of an entity's): an event (its object, dict slots, BM25 Counter and short
# strings), each (event, distinct token) pair (the Counter's entry and key string, the posting's entry), each
# token of the namespace (its posting set and slot), an entity, and a neighbour row (its dict, labels list and
# list slot; a properties map shared by the rows of both ends is counted once). Tokens are counted as \w+
# words, since a copy tokenises on its first text search, not when it loads.
# Calibrated with tracemalloc on the load functions below over rows shaped like the server's, the rows
# dropped, the BM25 counts built (benchmarks/copy_bytes.py, docs/scale.md): estimate ÷ measured 1.03-1.04
# for LoCoMo turns (~130 chars, 22 tokens each), 0.96-1.19 for ~2.6 KB texts (2,000 of random words: 105.6 MiB
# measured; LoCoMo turns joined, where Porter joins the most words), 1.01 for 25 random words each (19,513
# tokens in all), 0.97-1.02 for edge rows.
_EVENT_BYTES, _TERM_BYTES, _STEM_BYTES, _ENTITY_BYTES, _ROW_BYTES = 320, 140, 180, 260, 430
_LABELS = ("Session", "Event", "Entity")
_WORD = re.compile(r"\w+")

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


def events_bytes(
    events: Iterable[Event],
    entities: Iterable[Entity],
    terms: Mapping[str, Collection[str]],
    postings: Collection[str],
) -> int:
    """The bytes an events part holding ``events``, ``entities`` and the BM25 ``terms`` takes, estimated.

    Args:
        events: the events held.
        entities: the entities held.
        terms: each event's distinct tokens (or words: :func:`load_events` counts the ``\\w+`` words, which a
            copy holds before it first searches text and then tokenises).
        postings: the tokens (or words) of the namespace.

    Returns:
        The estimate, from what is held (text lengths, distinct stems per event and in all), not a fixed size
        per event.
    """
    size = sum(_event_bytes(e) for e in events) + sum(_entity_bytes(e) for e in entities)
    return size + _TERM_BYTES * sum(len(counts) for counts in terms.values()) + _STEM_BYTES * len(postings)


def edges_bytes(edges: Mapping[str, Sequence[Row]]) -> int:
    """The bytes an edges part holding the neighbour rows ``edges`` takes, estimated.

    Args:
        edges: node id → its neighbour rows (as :func:`load_edges` builds them).

    Returns:
        The estimate, from the rows and their properties (a properties map shared by two rows counted once).
    """
    seen: set[int] = set()
    size = 0
    for rows in edges.values():
        for row in rows:
            size += _row_bytes(row, seen)
    return size


def _event_bytes(event: Event) -> int:
    short = (event.id, event.session, event.speaker, event.source_id, event.source_file, event.kind)
    return _EVENT_BYTES + sys.getsizeof(event.text) + sum(len(s) for s in short if s) + 120 * len(event.times)


def _entity_bytes(entity: Entity) -> int:
    return (
        _ENTITY_BYTES + len(entity.id) + len(entity.name) + len(entity.type) + sum(60 + len(a) for a in entity.aliases)
    )


def _row_bytes(row: Row, seen: set[int]) -> int:
    size = _ROW_BYTES + len(row["id"])
    props = row["p"]
    if id(props) not in seen:
        seen.add(id(props))
        size += sys.getsizeof(props) + sum(_value_bytes(v) for v in props.values())
    return size


def _value_bytes(value: object) -> int:
    if isinstance(value, list | tuple):
        return sys.getsizeof(value) + sum(_value_bytes(v) for v in value)
    return sys.getsizeof(value)


@dataclass(frozen=True, slots=True)
class NamespaceCopy:
    """The events and entities the server held of one namespace when its change counter read ``changes``.

    What BM25 needs (each event's tokens, and the events holding each token) is built on the first
    :meth:`search_text`, not when the copy is loaded: tokenising takes FTS5 (:func:`~graphmem.store.cypher.
    text_search.text_tokens`), and the copy's other reads (events, entities) do without it.

    Attributes:
        namespace: the namespace.
        changes: the counter value read before the copy was loaded.
        events: every event, by id.
        entities: every entity, by id.
        total: how many events the server counted (BM25's document count).
        chars: their mean text length as the server measured it (BM25's length norm).
        size: the bytes the copy takes once it has searched text, estimated by :func:`events_bytes` from its
            texts' ``\\w+`` words (given as ``size``, or counted here); counted against
            :attr:`LocalCopies.max_bytes`.
    """

    namespace: str
    changes: int
    events: Mapping[str, Event]
    entities: Mapping[str, Entity]
    total: int
    chars: float
    size: int = field(default=-1, compare=False)
    _index: list[tuple[dict[str, Counter[str]], dict[str, frozenset[str]]]] = field(
        default_factory=list, init=False, repr=False, compare=False
    )
    _building: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.size < 0:
            words = {e.id: _words(e.text) for e in self.events.values()}
            size = events_bytes(self.events.values(), self.entities.values(), words, set().union(*words.values()))
            object.__setattr__(self, "size", size)

    @property
    def terms(self) -> Mapping[str, Counter[str]]:
        """Each event's token counts (FTS5 Porter tokens; BM25's term frequencies), built on first use.

        Raises:
            StoreError: this Python's SQLite cannot tokenise (no FTS5).
        """
        return self._text_index()[0]

    @property
    def postings(self) -> Mapping[str, frozenset[str]]:
        """Token → the ids of the events holding it, built on first use.

        Raises:
            StoreError: this Python's SQLite cannot tokenise (no FTS5).
        """
        return self._text_index()[1]

    def _text_index(self) -> tuple[dict[str, Counter[str]], dict[str, frozenset[str]]]:
        with self._building:  # one thread tokenises; another searching meanwhile waits for its index
            if not self._index:
                place = f"full-text search of namespace {self.namespace!r} in the client's copy"
                tokens = text_tokens((e.text for e in self.events.values()), place=place)
                terms = {e.id: Counter(tokens[e.text]) for e in self.events.values()}
                postings: dict[str, set[str]] = {}
                for event_id, counts in terms.items():
                    for term in counts:
                        postings.setdefault(term, set()).add(event_id)
                self._index.append((terms, {t: frozenset(ids) for t, ids in postings.items()}))
            return self._index[0]

    def search_text(self, words: list[str], limit: int) -> list[TextHit]:
        """:func:`~graphmem.store.cypher.text_search.search_text_fallback` over the copy: the candidates are
        the events whose lower-cased text contains a query token's key (what ``CONTAINS`` finds) among those
        holding a query token (the only ones BM25 scores above zero).

        Raises:
            StoreError: this Python's SQLite cannot tokenise (no FTS5).
        """
        place = f"full-text search of namespace {self.namespace!r} in the client's copy"
        terms, keys = query_terms(words, place=place)
        counts, postings = self._text_index()
        found = set().union(*(postings.get(t, frozenset()) for t in terms))
        docs: dict[str, Counter[str]] = {}
        lengths: dict[str, int] = {}
        for event_id in found:
            text = self.events[event_id].text
            lowered = text.lower()
            if any(k in lowered for k in keys):
                docs[event_id] = counts[event_id]
                lengths[event_id] = len(text)
        if not docs:
            return []
        return bm25(docs, lengths, terms, self.total, self.chars or 1.0)[:limit]


@dataclass(frozen=True, slots=True)
class EdgeCopy:
    """The edges the server held of one namespace when its change counter read ``changes``.

    Attributes:
        namespace: the namespace.
        changes: the counter value read before the copy was loaded.
        edges: node id → its neighbour rows, shaped like the server's (``type``, ``out``, ``inn``,
            ``labels``, ``id``, ``at``, ``p``).
        size: the bytes the copy takes, estimated by :func:`edges_bytes` (counted against
            :attr:`LocalCopies.max_bytes`).
    """

    namespace: str
    changes: int
    edges: Mapping[str, Sequence[Row]]
    size: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "size", edges_bytes(self.edges))

    def rows_of(self, node_id: str, types: Sequence[str] | None) -> list[Row]:
        """The neighbour rows of one node whose edge type is among ``types`` (all when ``None``)."""
        rows = self.edges.get(node_id, ())
        return [r for r in rows if types is None or r["type"] in types]


#: The two parts of a namespace's copy, read and dropped apart.
EVENTS, EDGES = "events", "edges"


def load_events(
    session: CypherSession, namespace: str, changes: int, max_events: int, max_bytes: int | None = None
) -> NamespaceCopy | None:
    """Read the events and entities of ``namespace`` (two statements); ``None`` past ``max_events`` events, or
    once the copy is estimated (:func:`events_bytes`) at more than ``max_bytes`` (the rest is not built).

    Nothing is tokenised here: the copy builds BM25's counts on its first text search, so its other reads
    need no FTS5."""
    rows = session.read(LOAD_EVENTS, {"ns": namespace, "most": max_events})
    total = int(rows[0]["total"]) if rows else 0
    if total > max_events:
        return None
    events = {e.id: e for e in (event_from_props(r["p"]) for r in rows if r["p"] is not None)}
    chars = float(rows[0]["chars"] or 1.0) if rows else 1.0
    entity_rows = session.read(LOAD_ENTITIES, {"ns": namespace})
    entities = {p["id"]: entity_from_props(p) for p in (r["p"] for r in entity_rows)}
    most = float("inf") if max_bytes is None else max_bytes
    size = sum(_entity_bytes(e) for e in entities.values())
    if size + sum(_event_bytes(e) for e in events.values()) > most:
        return None
    # sized by its words, not its tokens: tokenising waits for the first text search (NamespaceCopy)
    seen: set[str] = set()
    for event in events.values():
        words = _words(event.text)
        stems = len(seen)
        seen |= words
        size += _event_bytes(event) + _TERM_BYTES * len(words) + _STEM_BYTES * (len(seen) - stems)
        if size > most:
            return None
    return NamespaceCopy(namespace, changes, events, entities, total, chars, size)


def _words(text: str) -> set[str]:
    """The distinct words of ``text`` as the estimate counts them: about its tokens (Porter joins a few; a run
    of an unspaced script counts its characters and bigrams, as it is tokenised)."""
    return set(_WORD.findall(index_text(text).casefold()))


def load_edges(session: CypherSession, namespace: str, changes: int, max_bytes: int | None = None) -> EdgeCopy | None:
    """Read every edge of ``namespace`` (one statement) as the neighbour rows of both its ends; ``None`` once
    the copy is estimated (:func:`edges_bytes`) at more than ``max_bytes`` (the rest is not built)."""
    most = float("inf") if max_bytes is None else max_bytes
    edges: dict[str, list[Row]] = {}
    seen: set[int] = set()
    size = 0
    for r in session.read(LOAD_EDGES, {"ns": namespace}):
        # a self-loop is one row with both ends, as the server's undirected match gives it
        loop = r["b_ns"] == namespace and r["b"] == r["a"]
        kind, props = r["type"], r["p"]
        row = _edge(kind, True, loop, r["b_labels"], r["b"], r["b_at"], props)
        edges.setdefault(r["a"], []).append(row)
        size += _row_bytes(row, seen)
        if r["b_ns"] == namespace and not loop:
            row = _edge(kind, False, True, r["a_labels"], r["a"], r["a_at"], props)
            edges.setdefault(r["b"], []).append(row)
            size += _row_bytes(row, seen)
        if size > most:
            return None
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
        """Keep a part just read (``None``, or a part estimated at more than :attr:`max_bytes`: the namespace is
        too big to copy; it is not tried again and the server answers its reads)."""
        with self._lock:
            if copy is None or copy.size > self.max_bytes:
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
            while total > self.max_bytes:  # the part just kept fits alone: it is never the one dropped
                _, dropped = self._copies.popitem(last=False)
                total -= dropped.size

    def forget(self, namespace: str) -> None:
        """Drop the copies of ``namespace`` and what was known of its size (it was deleted or replaced)."""
        with self._lock:
            for key in [k for k in self._copies if k[0] == namespace]:
                del self._copies[key]
            self._small.discard(namespace)
            self._too_big.discard(namespace)
