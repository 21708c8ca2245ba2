"""Bounded propagation from the seeds over the temporal graph.

A push-style personalised PageRank cut off after ``hops`` steps: every node on the frontier passes a
share of its score along its edges, and what a node receives is added to its own score. Edges and what
they pass on:

* ``NEXT`` (either way): the turns just before and after a turn; questions are often answered in the
  reply to the turn that matches them.
* ``IN_SESSION``: the best turns lift their session, and the session lifts all its turns.
* ``MENTIONS``: a turn passes score through the things it names to other turns naming them, divided by
  the square root of how many do; hubs (things mentioned by a large share of the namespace, and the
  speakers themselves) pass nothing, so they cannot flood the results.
* ``FACT``: a thing passes score along its facts to the facts' evidence turns.

Time bounds are applied in the traversal: every ``neighbors`` call carries the query's
:class:`~graphmem.store.base.TimeFilter`, so an event outside the window is never reached and a fact not
held ``as_of`` the asked moment is never followed; the speaker filter is checked on every event reached
before it may pass anything on.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from graphmem.models import EdgeType, Entity, Event, NodeKind
from graphmem.recall.config import RecallConfig
from graphmem.recall.hit import Seed, Step
from graphmem.store.base import Direction, Neighbor, TimeFilter

if TYPE_CHECKING:
    from graphmem.store.base import GraphStore

__all__ = ["Reach", "Traversal"]

_MENTION_EDGES = (EdgeType.MENTIONS, EdgeType.SPOKEN_BY)
#: How many ``neighbors`` answers a namespace's cache holds before it starts over.
EDGE_CACHE_MAX = 200_000


@dataclass(slots=True)
class Reach:
    """What arrived at a node: the total, and the single best contribution with its origin and path."""

    mass: float = 0.0
    best: float = 0.0
    origin: Seed | None = None
    path: tuple[Step, ...] = ()

    def receive(self, amount: float, origin: Seed | None, path: tuple[Step, ...]) -> None:
        self.mass += amount
        if origin is not None and amount > self.best:
            self.best = amount
            self.origin = origin
            self.path = path


@dataclass(slots=True)
class _Node:
    kind: NodeKind
    mass: float
    origin: Seed | None
    path: tuple[Step, ...]
    best: float = 0.0

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
    edge_cache: dict[tuple[str, tuple[EdgeType, ...], str], list[Neighbor]] = field(default_factory=dict)
    reached: dict[str, Reach] = field(default_factory=dict)
    speakers: set[str] = field(default_factory=set)

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
            frontier[ent.id] = _Node(NodeKind.ENTITY, seed.score, seed, ())
        session_feed = set(sorted(seeds, key=lambda e: -seeds[e])[: cfg.session_top])
        for hop in range(1, hops + 1):
            last = hop == hops
            pushes: dict[str, _Node] = {}
            for node_id, node in self._budget(frontier):
                if node.mass <= 0:
                    continue
                if node.kind is NodeKind.EVENT:
                    self._from_event(node_id, node, pushes, hop=hop, last=last, feed_session=node_id in session_feed)
                elif node.kind is NodeKind.ENTITY:
                    self._from_entity(node_id, node, pushes, last=last)
                elif node.kind is NodeKind.SESSION:
                    self._from_session(node_id, node, pushes)
            frontier = self._settle(pushes)
            session_feed = set()
        return self.reached

    def _budget(self, frontier: dict[str, _Node]) -> list[tuple[str, _Node]]:
        """The frontier nodes expanded this hop: the ``expand`` best events and entities, every session."""
        chosen: list[tuple[str, _Node]] = []
        for kind in (NodeKind.EVENT, NodeKind.ENTITY, NodeKind.SESSION):
            nodes = sorted(((k, n) for k, n in frontier.items() if n.kind is kind), key=lambda kv: -kv[1].mass)
            chosen.extend(nodes if kind is NodeKind.SESSION else nodes[: self.config.expand])
        return chosen

    # -- edges -----------------------------------------------------------------------------------

    def _push(
        self, pushes: dict[str, _Node], target: str, kind: NodeKind, amount: float, node: _Node, step: Step
    ) -> None:
        if amount <= 0:
            return
        found = pushes.get(target)
        path = (*node.path, step)
        origin = node.origin
        if path[0].source == target:
            # Back where the walk started (a turn, through a thing it names, to itself): the score counts,
            # as in any random walk with restarts, but a loop explains nothing.
            origin, path = None, ()
        if found is None:
            pushes[target] = _Node(kind, amount, origin, path)
            return
        if origin is not None and (found.origin is None or amount > found.best):
            found.origin, found.path, found.best = origin, path, amount
        found.mass += amount

    def _from_event(
        self, eid: str, node: _Node, pushes: dict[str, _Node], *, hop: int, last: bool, feed_session: bool
    ) -> None:
        cfg = self.config
        wanted: list[EdgeType] = []
        if cfg.next_weight > 0 and hop <= cfg.next_hops:
            wanted.append(EdgeType.NEXT)
        if not last and cfg.session_weight > 0 and feed_session:
            wanted.append(EdgeType.IN_SESSION)
        if not last and cfg.mention_weight > 0:
            wanted.extend(_MENTION_EDGES)
        if not wanted:
            return
        for nb in self._neighbors(eid, tuple(wanted)):
            if nb.edge is EdgeType.NEXT:
                step = Step(eid, "NEXT", nb.node_id, nb.direction.value)
                self._push(pushes, nb.node_id, NodeKind.EVENT, node.mass * cfg.next_weight, node, step)
            elif nb.edge is EdgeType.IN_SESSION and nb.direction is Direction.OUT:
                step = Step(eid, "IN_SESSION", nb.node_id, "out")
                self._push(pushes, nb.node_id, NodeKind.SESSION, node.mass * cfg.session_weight, node, step)
            elif nb.edge is EdgeType.SPOKEN_BY:
                self.speakers.add(nb.node_id)
            elif nb.edge is EdgeType.MENTIONS and nb.direction is Direction.OUT:
                step = Step(eid, "MENTIONS", nb.node_id, "out", nb.role)
                self._push(pushes, nb.node_id, NodeKind.ENTITY, node.mass * cfg.mention_weight, node, step)

    def _from_entity(self, entity_id: str, node: _Node, pushes: dict[str, _Node], *, last: bool) -> None:
        cfg = self.config
        if entity_id in self.speakers or self.degree.get(entity_id, 0) > self.hub_limit:
            return
        neighbors = self._neighbors(entity_id, (*_MENTION_EDGES, EdgeType.FACT))
        mentions = [nb for nb in neighbors if nb.edge in _MENTION_EDGES and nb.kind is NodeKind.EVENT]
        if self.time.empty:
            self.degree[entity_id] = len(mentions)
        if len(mentions) > self.hub_limit:
            self.edge_cache.pop((entity_id, (*_MENTION_EDGES, EdgeType.FACT), Direction.BOTH.value), None)
            return
        share = node.mass / math.sqrt(max(1, len(mentions)))
        for nb in mentions:
            step = Step(entity_id, nb.edge.value, nb.node_id, "in", nb.role)
            self._push(pushes, nb.node_id, NodeKind.EVENT, share, node, step)
        for nb in neighbors:
            if nb.edge is not EdgeType.FACT or nb.fact is None or cfg.fact_weight <= 0:
                continue
            fact = nb.fact
            amount = node.mass * cfg.fact_weight * fact.confidence
            for evidence in fact.evidence:
                step = Step(entity_id, "FACT", evidence, nb.direction.value, fact.predicate)
                self._push(pushes, evidence, NodeKind.EVENT, amount, node, step)
            if not last:
                step = Step(entity_id, "FACT", nb.node_id, nb.direction.value, fact.predicate)
                self._push(pushes, nb.node_id, NodeKind.ENTITY, amount, node, step)

    def _neighbors(
        self, node_id: str, edges: tuple[EdgeType, ...], direction: Direction = Direction.BOTH
    ) -> list[Neighbor]:
        """``store.neighbors`` through the query's time filter; without one, answers are cached per
        namespace (until the next write to it), so repeated questions do not walk the same edges again."""
        if not self.time.empty:
            return self.store.neighbors(self.namespace, node_id, edge_types=edges, direction=direction, time=self.time)
        key = (node_id, edges, direction.value)
        found = self.edge_cache.get(key)
        if found is None:
            found = self.store.neighbors(self.namespace, node_id, edge_types=edges, direction=direction)
            if len(self.edge_cache) >= EDGE_CACHE_MAX:
                self.edge_cache.clear()
            self.edge_cache[key] = found
        return found

    def _from_session(self, session_id: str, node: _Node, pushes: dict[str, _Node]) -> None:
        members = self._neighbors(session_id, (EdgeType.IN_SESSION,), Direction.IN)
        if len(members) > self.config.session_max:
            members = [nb for nb in members if nb.node_id in self.reached]
        for nb in members:
            step = Step(session_id, "IN_SESSION", nb.node_id, "in")
            self._push(pushes, nb.node_id, NodeKind.EVENT, node.mass, node, step)

    # -- bookkeeping -----------------------------------------------------------------------------

    def _settle(self, pushes: dict[str, _Node]) -> dict[str, _Node]:
        """Admit the events reached (speaker filter), record what they received; returns the next frontier."""
        events = [nid for nid, n in pushes.items() if n.kind is NodeKind.EVENT]
        admitted = {ev.id for ev in self.admit(events)} if events else set()
        frontier: dict[str, _Node] = {}
        for node_id, node in pushes.items():
            if node.kind is NodeKind.EVENT:
                if node_id not in admitted:
                    continue
                self.reached.setdefault(node_id, Reach()).receive(node.mass, node.origin, node.path)
            frontier[node_id] = node
        return frontier
