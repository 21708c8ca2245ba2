"""Bounded propagation from the seeds over the temporal graph.

A push-style personalised PageRank cut off after ``hops`` steps: every node on the frontier passes a
share of its score along its edges, and what a node receives is added to its own score. Edges and what
they pass on:

* ``NEXT`` (either way): the turns just before and after a turn; questions are often answered in the
  reply to the turn that matches them.
* ``IN_SESSION``: the best turns lift their session, and the session lifts all its turns.
* ``MENTIONS``: a turn passes score to the things it names, each in proportion to its specificity
  (inverse document frequency over the namespace's turns, ``log(N / df)``), and a thing passes what it
  received evenly to every turn naming it (``1 / df`` each), as a random walk does. A thing named by
  every turn (the speakers) is worth nothing; hubs (things named by a large share of the namespace)
  pass nothing on at all, which also bounds the work.
* ``FACT``: a thing passes ``fact_weight`` of its score along its facts (split evenly between them) to
  the facts' evidence turns and to the other end of each fact.

What arrives through a thing or a fact is kept apart from what arrives over ``NEXT`` and
``IN_SESSION``: its scale depends on how many things the extractor found, so ranking calibrates it
(divides by the best such score of the query) before fusing it with the seed score.

Time bounds are applied in the traversal: every edge fetch carries the query's
:class:`~graphmem.store.base.TimeFilter`, so an event outside the window is never reached and a fact not
held ``as_of`` the asked moment is never followed; the speaker filter is checked on every event reached
before it may pass anything on.

The edges are fetched a frontier at a time, not a node at a time: before a hop's nodes are expanded, the
edges of all of them come in one :meth:`~graphmem.store.base.FetchesFrontier.neighbors_many` call (the
edge types the hop follows, both directions: a turn that only follows ``NEXT`` does not bring its mention
edges over the wire; each node's answer is then filtered here to what it follows), and the edges of the
things the hop's turns name (to weigh them by specificity) in one more. Without time bounds the edges are
cached per namespace and per edge type, so a later query assembles any combination of types it has. On a
server that is a bounded number of round trips per hop (at most three) instead of one per node expanded
or weighed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from graphmem.models import EdgeType, Entity, Event, NodeKind
from graphmem.recall.config import RecallConfig
from graphmem.recall.fetch import edges_of
from graphmem.recall.hit import Seed, Step
from graphmem.store.base import Direction, Neighbor, TimeFilter

if TYPE_CHECKING:
    from collections.abc import Iterable

    from graphmem.store.base import GraphStore

__all__ = ["Reach", "Traversal"]

_MENTION_EDGES = (EdgeType.MENTIONS, EdgeType.SPOKEN_BY)
_ENTITY_EDGES = (*_MENTION_EDGES, EdgeType.FACT)
#: Edges whose score is the "link" channel (through a thing or a fact), calibrated apart in ranking.
_LINK_EDGES = frozenset({EdgeType.MENTIONS.value, EdgeType.SPOKEN_BY.value, EdgeType.FACT.value})
#: Things whose push per edge is below this share of the hop's largest are not expanded (see ``_budget``).
PUSH_EPSILON = 0.02
#: How many ``neighbors`` answers a namespace's cache holds before it starts over.
EDGE_CACHE_MAX = 200_000
#: The third part of the cache key under which the edges of one type of a node, both ways, are kept as
#: fetched (``(node id, edge type's value, _FETCHED)``); a node's edges are fetched only for the types a hop
#: follows, and each type is cached on its own so any later combination can be assembled. Keys hold strings
#: only: the garbage collector stops tracking such tuples, and a full collection visits every tracked object.
_FETCHED = "fetched"


#: A node's edges fetched within a query's time bounds: the edge types fetched, the edges of those types.
_Timed = tuple[frozenset[EdgeType], list[Neighbor]]


def _by_value(types: Iterable[EdgeType]) -> tuple[EdgeType, ...]:
    return tuple(sorted(set(types), key=lambda t: t.value))


def _in_order(parts: Iterable[list[Neighbor]]) -> list[Neighbor]:
    """Per-type edge lists (each in ``neighbors`` order, in edge-type order) as one ``neighbors`` answer:
    every outgoing edge first, then every incoming one, each side ordered by edge type first."""
    parts = list(parts)
    outs = [nb for part in parts for nb in part if nb.direction is Direction.OUT]
    return outs + [nb for part in parts for nb in part if nb.direction is Direction.IN]


@dataclass(slots=True)
class Reach:
    """What arrived at a node, per channel, with the single best contribution of each.

    ``mass``/``best``/``origin``/``path`` are for the temporal edges (``NEXT``, ``IN_SESSION``);
    ``link``/``link_best``/``link_origin``/``link_path`` for what came through a thing or a fact.
    """

    mass: float = 0.0
    best: float = 0.0
    origin: Seed | None = None
    path: tuple[Step, ...] = ()
    link: float = 0.0
    link_best: float = 0.0
    link_origin: Seed | None = None
    link_path: tuple[Step, ...] = ()

    def receive(self, amount: float, origin: Seed | None, path: tuple[Step, ...], *, linked: bool = False) -> None:
        """Add ``amount`` to the channel it came through; keep its path if it is that channel's best."""
        if linked:
            self.link += amount
            if origin is not None and amount > self.link_best:
                self.link_best, self.link_origin, self.link_path = amount, origin, path
            return
        self.mass += amount
        if origin is not None and amount > self.best:
            self.best, self.origin, self.path = amount, origin, path


@dataclass(slots=True)
class _Node:
    kind: NodeKind
    mass: float
    origin: Seed | None
    path: tuple[Step, ...]
    best: float = 0.0
    linked: bool = False

    def __post_init__(self) -> None:
        if self.origin is not None:
            self.best = self.mass


@dataclass(slots=True)
class Traversal:
    """One query's walk over one namespace.

    Args:
        store: the graph.
        namespace: the namespace walked.
        time: bounds applied to every edge followed.
        admit: keeps the events (already fetched) that pass the speaker filter.
        fetch: events by id (cached across the query).
        config: weights and bounds.
        degree: a cache of how many turns mention each entity, shared across queries.
        size: how many turns the namespace holds (for the hub threshold).
        edge_cache: answers of ``neighbors`` without time bounds, shared across queries.
    """

    store: GraphStore
    namespace: str
    time: TimeFilter
    admit: Callable[[list[str]], list[Event]]
    config: RecallConfig
    degree: dict[str, int]
    size: int
    edge_cache: dict[tuple[str, str, str], list[Neighbor]] = field(default_factory=dict)
    reached: dict[str, Reach] = field(default_factory=dict)
    speakers: set[str] = field(default_factory=set)
    #: This hop's edges within the time bounds (when the query has any), fetched for the whole frontier:
    #: node id → (the edge types fetched, its edges of those types in ``neighbors`` order).
    timed: dict[str, _Timed] = field(default_factory=dict)

    @property
    def hub_limit(self) -> int:
        """Entities mentioned by more turns than this are hubs."""
        cfg = self.config
        return max(cfg.hub_min, min(cfg.hub_max, int(cfg.hub_share * self.size)))

    def run(
        self,
        seeds: dict[str, float],
        origins: dict[str, Seed],
        entities: list[tuple[Entity, Seed]],
        hops: int,
    ) -> dict[str, Reach]:
        """Propagate from seed events (and named entities) for ``hops`` steps; returns event id → reach."""
        cfg = self.config
        frontier: dict[str, _Node] = {}
        for eid, score in sorted(seeds.items(), key=lambda kv: -kv[1])[: cfg.expand]:
            frontier[eid] = _Node(NodeKind.EVENT, score, origins.get(eid), ())
        for ent, seed in entities:
            frontier[ent.id] = _Node(NodeKind.ENTITY, seed.score, seed, (), linked=True)
        session_feed = set(sorted(seeds, key=lambda e: -seeds[e])[: cfg.session_top])
        for hop in range(1, hops + 1):
            last = hop == hops
            pushes: dict[tuple[str, bool], _Node] = {}
            self._fetch_untimed(
                {k: _ENTITY_EDGES for k, n in frontier.items() if n.kind is NodeKind.ENTITY and k not in self.degree}
            )
            chosen = [(k, n) for k, n in self._budget(frontier) if n.mass > 0]
            self._prefetch(chosen, hop=hop, last=last, session_feed=session_feed)
            for node_id, node in chosen:
                if node.kind is NodeKind.EVENT:
                    self._from_event(node_id, node, pushes, hop=hop, last=last, feed_session=node_id in session_feed)
                elif node.kind is NodeKind.ENTITY:
                    self._from_entity(node_id, node, pushes, last=last)
                elif node.kind is NodeKind.SESSION:
                    self._from_session(node_id, node, pushes)
            frontier = self._settle(pushes, last=last)
            session_feed = set()
        return self.reached

    def _budget(self, frontier: dict[str, _Node]) -> list[tuple[str, _Node]]:
        """The frontier nodes expanded this hop: the ``expand`` best events, every session, and the things
        whose push is not negligible.

        A thing passes ``mass / df`` to each turn naming it; as in approximate personalised PageRank
        (push with a residual threshold), a thing whose per-edge push is below ``PUSH_EPSILON`` of the
        largest one this hop is not expanded: what it would pass cannot change a ranking, and skipping
        it bounds the work. A hub is never expanded at all.
        """
        events = sorted(((k, n) for k, n in frontier.items() if n.kind is NodeKind.EVENT), key=lambda kv: -kv[1].mass)
        chosen = events[: self.config.expand]
        things = [(k, n, n.mass / max(1, self._degree(k))) for k, n in frontier.items() if n.kind is NodeKind.ENTITY]
        if things:
            floor = PUSH_EPSILON * max(push for _, _, push in things)
            chosen.extend((k, n) for k, n, push in things if push >= floor)
        chosen.extend((k, n) for k, n in frontier.items() if n.kind is NodeKind.SESSION)
        return chosen

    def _event_edges(self, *, hop: int, last: bool, feed_session: bool) -> tuple[EdgeType, ...]:
        """The edges a turn on this hop's frontier follows."""
        cfg = self.config
        wanted: list[EdgeType] = []
        if cfg.next_weight > 0 and hop <= cfg.next_hops:
            wanted.append(EdgeType.NEXT)
        if not last and cfg.session_weight > 0 and feed_session:
            wanted.append(EdgeType.IN_SESSION)
        if not last and cfg.mention_weight > 0:
            wanted.extend(_MENTION_EDGES)
        return tuple(wanted)

    # -- fetching a frontier at once -------------------------------------------------------------

    def _prefetch(self, chosen: list[tuple[str, _Node]], *, hop: int, last: bool, session_feed: set[str]) -> None:
        """Fetch the edges of every node expanded this hop in one call, then those of the things the hop's
        turns name (their specificity weighs what each receives) in one more.

        Only what the expansion will ask for is fetched; whatever it asks for that is not here yet (it
        cannot guess a speaker it has not met) is fetched on its own, so this changes round trips, never
        results.
        """
        expand: dict[str, tuple[EdgeType, ...]] = {}
        naming: list[str] = []
        for node_id, node in chosen:
            if node.kind is NodeKind.EVENT:
                wanted = self._event_edges(hop=hop, last=last, feed_session=node_id in session_feed)
                if wanted:
                    expand[node_id] = wanted
                if EdgeType.MENTIONS in wanted:
                    naming.append(node_id)
            elif node.kind is NodeKind.SESSION:
                expand[node_id] = (EdgeType.IN_SESSION,)
            elif node.kind is NodeKind.ENTITY and not self._is_hub(node_id):
                expand[node_id] = _ENTITY_EDGES
        if self.time.empty:
            self._fetch_untimed(expand)
        else:
            self.timed = self._fetch_timed(expand)
        named: list[str] = []
        spoken = set(self.speakers)
        for eid in naming:
            for nb in self._within(eid, _MENTION_EDGES):
                if nb.edge is EdgeType.SPOKEN_BY:
                    spoken.add(nb.node_id)
                elif nb.edge is EdgeType.MENTIONS and nb.direction is Direction.OUT and nb.node_id not in self.degree:
                    named.append(nb.node_id)
        self._fetch_untimed({n: _ENTITY_EDGES for n in named if n not in spoken})

    def _fetch_untimed(self, wanted: dict[str, tuple[EdgeType, ...]]) -> None:
        """Make sure the edges of the wanted types of every node, without time bounds, are in the cache: one
        fetch (one round trip where the store can) of the types missing, for the nodes missing any."""
        missing: dict[str, set[EdgeType]] = {}
        for node_id, types in wanted.items():
            lacking = {t for t in types if (node_id, t.value, _FETCHED) not in self.edge_cache}
            if lacking:
                missing[node_id] = lacking
        if not missing:
            return
        union = _by_value(t for types in missing.values() for t in types)
        found = edges_of(self.store, self.namespace, list(missing), edge_types=union)
        if len(self.edge_cache) + len(found) * len(union) > EDGE_CACHE_MAX:
            self.edge_cache.clear()
        for node_id, edges in found.items():
            for t in union:
                self.edge_cache[node_id, t.value, _FETCHED] = [nb for nb in edges if nb.edge is t]

    def _fetch_timed(self, wanted: dict[str, tuple[EdgeType, ...]]) -> dict[str, _Timed]:
        """The edges of the wanted types of every node within the query's time bounds, in one fetch."""
        if not wanted:
            return {}
        union = _by_value(t for types in wanted.values() for t in types)
        found = edges_of(self.store, self.namespace, list(wanted), edge_types=union, time=self.time)
        return {node_id: (frozenset(union), edges) for node_id, edges in found.items()}

    def _within(self, node_id: str, types: tuple[EdgeType, ...]) -> list[Neighbor]:
        """The node's edges of these types (both ways, in ``neighbors`` order) within the query's time
        bounds: fetched with the frontier where they were, else now."""
        if self.time.empty:
            return self._edges(node_id, types)
        entry = self.timed.get(node_id)
        if entry is None or not entry[0].issuperset(types):
            fetched = _by_value((*types, *(entry[0] if entry is not None else ())))
            edges = edges_of(self.store, self.namespace, [node_id], edge_types=fetched, time=self.time)[node_id]
            entry = self.timed[node_id] = (frozenset(fetched), edges)
        wanted = frozenset(types)
        return [nb for nb in entry[1] if nb.edge in wanted]

    def _edges(self, node_id: str, types: tuple[EdgeType, ...]) -> list[Neighbor]:
        """The node's edges of these types without time bounds (both ways, in ``neighbors`` order), from the
        cache shared across queries (fetched now when missing)."""
        keys = [(node_id, t.value, _FETCHED) for t in _by_value(types)]
        if any(key not in self.edge_cache for key in keys):
            self._fetch_untimed({node_id: types})
        return _in_order(self.edge_cache[key] for key in keys)

    # -- edges -----------------------------------------------------------------------------------

    def _push(
        self,
        pushes: dict[tuple[str, bool], _Node],
        target: str,
        kind: NodeKind,
        amount: float,
        node: _Node,
        step: Step,
    ) -> None:
        if amount <= 0:
            return
        linked = node.linked or step.edge in _LINK_EDGES
        found = pushes.get((target, linked))
        path = (*node.path, step)
        origin = node.origin
        if path[0].source == target:
            if linked:
                # A turn, through a thing it names, back to itself: the link channel measures what
                # *other* turns say about it, and a turn's own words are already in its seed score.
                return
            # Back where the walk started over temporal edges: the score counts, as in any random walk
            # with restarts, but a loop explains nothing.
            origin, path = None, ()
        if found is None:
            pushes[target, linked] = _Node(kind, amount, origin, path, linked=linked)
            return
        if origin is not None and (found.origin is None or amount > found.best):
            found.origin, found.path, found.best = origin, path, amount
        found.mass += amount

    def _from_event(
        self, eid: str, node: _Node, pushes: dict[tuple[str, bool], _Node], *, hop: int, last: bool, feed_session: bool
    ) -> None:
        cfg = self.config
        wanted = self._event_edges(hop=hop, last=last, feed_session=feed_session)
        if not wanted:
            return
        neighbors = self._neighbors(eid, wanted)
        for nb in neighbors:
            if nb.edge is EdgeType.NEXT:
                step = Step(eid, "NEXT", nb.node_id, nb.direction.value)
                self._push(pushes, nb.node_id, NodeKind.EVENT, node.mass * cfg.next_weight, node, step)
            elif nb.edge is EdgeType.IN_SESSION and nb.direction is Direction.OUT:
                step = Step(eid, "IN_SESSION", nb.node_id, "out")
                self._push(pushes, nb.node_id, NodeKind.SESSION, node.mass * cfg.session_weight, node, step)
            elif nb.edge is EdgeType.SPOKEN_BY:
                self.speakers.add(nb.node_id)
        named = [nb for nb in neighbors if nb.edge is EdgeType.MENTIONS and nb.direction is Direction.OUT]
        weights = {nb.node_id: self.specificity(nb.node_id) for nb in named}
        total = sum(weights.values())
        if total <= 0:
            return
        for nb in named:
            share = weights[nb.node_id] / total
            if (
                share <= 0
                or self._is_hub(nb.node_id)
                or (self._degree(nb.node_id) < 2 and not self._has_facts(nb.node_id))
            ):
                # nothing to pass on: a hub passes nothing, and a thing only this turn names leads back
                # to it alone (its share is still counted above, so specific turns spread less)
                continue
            step = Step(eid, "MENTIONS", nb.node_id, "out", nb.role)
            self._push(pushes, nb.node_id, NodeKind.ENTITY, node.mass * cfg.mention_weight * share, node, step)

    def specificity(self, entity_id: str) -> float:
        """How much naming this thing says about a turn: ``log(N / df)`` over the namespace's turns, where
        ``df`` is how many turns name it (0 for the speakers, and for a thing every turn names)."""
        if entity_id in self.speakers:
            return 0.0
        df = self._degree(entity_id)
        if df <= 0 or self.size <= df:
            return 0.0
        return math.log(self.size / df)

    def _has_facts(self, entity_id: str) -> bool:
        return self.config.fact_weight > 0 and bool(self._edges(entity_id, (EdgeType.FACT,)))

    def _is_hub(self, entity_id: str) -> bool:
        return entity_id in self.speakers or self._degree(entity_id) > self.hub_limit

    def _degree(self, entity_id: str) -> int:
        """How many turns name the thing (cached per namespace; counted over all time)."""
        found = self.degree.get(entity_id)
        if found is None:
            found = len(self._mentions(entity_id, self._edges(entity_id, _MENTION_EDGES)))
            self.degree[entity_id] = found
        return found

    @staticmethod
    def _mentions(entity_id: str, neighbors: list[Neighbor]) -> list[Neighbor]:
        return [nb for nb in neighbors if nb.edge in _MENTION_EDGES and nb.kind is NodeKind.EVENT]

    def _from_entity(self, entity_id: str, node: _Node, pushes: dict[tuple[str, bool], _Node], *, last: bool) -> None:
        cfg = self.config
        if self._is_hub(entity_id):
            return
        neighbors = self._neighbors(entity_id, _ENTITY_EDGES)
        mentions = self._mentions(entity_id, neighbors)
        facts = [
            nb
            for nb in neighbors
            if nb.edge is EdgeType.FACT and nb.fact is not None and not nb.fact.never_held and cfg.fact_weight > 0
        ]
        # a random walk's step: the thing's score spread over its edges, each mention edge counting 1 and
        # each fact ``fact_weight``; all its mentions count, also those outside the time window, so a
        # window does not inflate what the rest receive
        edges = self._degree(entity_id) + cfg.fact_weight * len(facts)
        if edges <= 0:
            return
        unit = node.mass / edges
        for nb in mentions:
            step = Step(entity_id, nb.edge.value, nb.node_id, "in", nb.role)
            self._push(pushes, nb.node_id, NodeKind.EVENT, unit, node, step)
        for nb in facts:
            fact = nb.fact
            assert fact is not None
            targets = [(evidence, NodeKind.EVENT) for evidence in fact.evidence]
            if not last:
                targets.append((nb.node_id, NodeKind.ENTITY))
            amount = unit * cfg.fact_weight * fact.confidence / max(1, len(targets))
            for target, kind in targets:
                step = Step(entity_id, "FACT", target, nb.direction.value, fact.predicate)
                self._push(pushes, target, kind, amount, node, step)

    def _neighbors(
        self, node_id: str, edges: tuple[EdgeType, ...], direction: Direction = Direction.BOTH
    ) -> list[Neighbor]:
        """What ``store.neighbors`` gives for these edge types and direction within the query's time
        bounds: the node's edges (fetched with its frontier) filtered here, which keeps their order.
        Without time bounds the answer is cached per namespace, like the edges it comes from."""
        key = (node_id, ",".join(edges), direction.value)
        if self.time.empty:
            found = self.edge_cache.get(key)
            if found is not None:
                return found
        wanted = frozenset(edges)
        found = [
            nb
            for nb in self._within(node_id, edges)
            if nb.edge in wanted and (direction is Direction.BOTH or nb.direction is direction)
        ]
        if self.time.empty and len(self.edge_cache) < EDGE_CACHE_MAX:
            self.edge_cache[key] = found
        return found

    def _from_session(self, session_id: str, node: _Node, pushes: dict[tuple[str, bool], _Node]) -> None:
        members = self._neighbors(session_id, (EdgeType.IN_SESSION,), Direction.IN)
        if len(members) > self.config.session_max:
            members = [nb for nb in members if nb.node_id in self.reached]
        for nb in members:
            step = Step(session_id, "IN_SESSION", nb.node_id, "in")
            self._push(pushes, nb.node_id, NodeKind.EVENT, node.mass, node, step)

    # -- bookkeeping -----------------------------------------------------------------------------

    def _settle(self, pushes: dict[tuple[str, bool], _Node], *, last: bool = False) -> dict[str, _Node]:
        """Admit the events reached (speaker filter), record what they received per channel; returns the
        next frontier (a node reached through both channels is expanded once, with both masses), which
        is empty after the last hop."""
        events = [nid for (nid, _), n in pushes.items() if n.kind is NodeKind.EVENT]
        admitted = {ev.id for ev in self.admit(events)} if events else set()
        reached = self.reached
        frontier: dict[str, _Node] = {}
        for (node_id, linked), node in pushes.items():
            if node.kind is NodeKind.EVENT:
                if node_id not in admitted:
                    continue
                reach = reached.get(node_id)
                if reach is None:
                    reach = reached[node_id] = Reach()
                reach.receive(node.mass, node.origin, node.path, linked=linked)
            if last:
                continue
            found = frontier.get(node_id)
            if found is None:
                frontier[node_id] = node
                continue
            better = node if node.origin is not None and (found.origin is None or node.best > found.best) else found
            merged = _Node(node.kind, found.mass + node.mass, better.origin, better.path)
            merged.best = better.best
            merged.linked = (node if node.mass > found.mass else found).linked
            frontier[node_id] = merged
        return frontier
