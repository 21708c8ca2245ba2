"""Hop ranges (``-[*min..max]-``) on the embedded executor: one breadth-first search from the start.

Each node is reached once, at its shortest distance, by the path that sorts first by
:func:`~graphmem.query.result.path_key`. Of the paths reaching a node at one depth, the one through the
parent whose own path sorts first wins (paths of one length compare by their node ids first), and of
parallel edges from one parent the first by its key part: so a tie costs a comparison of two ranks,
not two keys.

The same search finds the shortest way back to the start (a path of at least one edge, no edge twice): an
edge from a node at depth ``k`` back to the start closes a cycle of ``k + 1`` edges (undirected, not the
edge the node was reached by), and, undirected, an edge between two nodes (at depths ``k`` and ``j``)
first reached through different edges of the start closes one of ``k + j + 1``. Directed, the cycle that
sorts first is the first of those paths to a node at depth ``L - 1`` followed by an edge back.
Undirected, a breadth-first tree can miss it (a triangle: the start's two neighbours are both first
reached from the start), but on a shortest cycle of length ``L`` the node at position ``i`` is at depth
``min(i, L - i)`` (else a shorter cycle would exist), so it is found by a search through only such nodes,
from the start's neighbours in id order, stopping at the first neighbour that has one. So a hop range
costs one breadth-first search, plus, only when there is a cycle, a limited search from each neighbour
tried (usually only the first).
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import Any

from graphmem.models import NodeKind
from graphmem.query.result import Edge, path_key, path_key_edge
from graphmem.store.base import Direction, Neighbor

__all__ = ["EdgeKey", "HopSearch", "edge_from", "edge_key"]

#: What identifies an edge whichever way it is walked: type, stored start and end, fact id or role.
EdgeKey = tuple[str, str, str, str | None]

#: The nodes first reached at one depth, each with its path and kind.
Level = dict[str, tuple[tuple[Edge, ...], NodeKind]]


def edge_from(from_id: str, nb: Neighbor) -> Edge:
    """The edge walked from ``from_id`` to ``nb``, as stored (start → end)."""
    if nb.direction == Direction.OUT:
        return Edge(nb.edge, from_id, nb.node_id, nb.role, nb.fact)
    return Edge(nb.edge, nb.node_id, from_id, nb.role, nb.fact)


def edge_key(edge: Edge) -> EdgeKey:
    """The :data:`EdgeKey` of ``edge``."""
    detail = edge.fact.id if edge.fact is not None else edge.role
    return (edge.type.value, edge.start, edge.end, detail)


class _Tree:
    """The parents of one search's levels, ranking a level's nodes by their paths' node ids on demand."""

    def __init__(self, origin: str) -> None:
        self.parents: list[dict[str, tuple[str, Neighbor]]] = [{}]
        self.ranks: list[dict[str, int] | None] = [{origin: 0}]

    def rank(self, depth: int) -> dict[str, int]:
        ranks = self.ranks[depth]
        if ranks is None:
            above = self.rank(depth - 1)
            parents = self.parents[depth]
            order = sorted(parents, key=lambda n: (above[parents[n][0]], n))
            ranks = self.ranks[depth] = {n: i for i, n in enumerate(order)}
        return ranks

    def add(self, parents: dict[str, tuple[str, Neighbor]]) -> None:
        self.parents.append(parents)
        self.ranks.append(None)

    def before(self, depth: int, parent: str, nb: Neighbor, than: tuple[str, Neighbor]) -> bool:
        """Whether the path through ``parent`` (at ``depth``) and on to ``nb`` sorts before ``than``'s."""
        if parent != than[0]:
            ranks = self.rank(depth)
            return ranks[parent] < ranks[than[0]]
        return path_key_edge(edge_from(parent, nb)) < path_key_edge(edge_from(parent, than[1]))


class HopSearch:
    """A breadth-first search for a hop range from one start node.

    Args:
        start: the start node's id.
        fetch: the neighbours of a node id (the store's, already limited to the range's edge types,
            direction and time); each node's are fetched once.
        undirected: the range is walked both ways.
        banned: keys of edges not to follow (those the row has bound already).
        tick: counts work (raises past the query's limits).
    """

    def __init__(
        self,
        start: str,
        fetch: Callable[[str], Sequence[Neighbor]],
        *,
        undirected: bool,
        banned: Collection[Any],
        tick: Callable[[], None],
    ) -> None:
        self.start = start
        self.fetch = fetch
        self.undirected = undirected
        self.banned = banned
        self.tick = tick
        self.depth: dict[str, int] = {start: 0}
        self.paths: dict[str, tuple[Edge, ...]] = {start: ()}
        self.branch: dict[str, EdgeKey] = {}
        self.tree = _Tree(start)
        self.frontier: list[str] = [start]
        self.reached = 0
        #: the length of the shortest cycle back to the start seen so far
        self.cycle_length: int | None = None
        #: the edges back to the start closing a cycle of ``cycle_length``, with the node they leave
        self.closing: list[tuple[str, Neighbor]] = []
        self._steps: dict[str, Sequence[Neighbor]] = {}
        self._edges_to: collections.Counter[str] = collections.Counter()  # edges from the start, per node

    def steps(self, node_id: str) -> Sequence[Neighbor]:
        """The edges to follow from ``node_id`` (fetched once per search)."""
        found = self._steps.get(node_id)
        if found is None:
            found = self.fetch(node_id)
            if self.banned:
                found = [nb for nb in found if edge_key(edge_from(node_id, nb)) not in self.banned]
            self._steps[node_id] = found
        return found

    def levels(self, max_depth: int, *, until_cycle: bool = False) -> Iterator[tuple[int, Level]]:
        """Per depth up to ``max_depth``, the nodes first reached there (continuing where the last call
        stopped). With ``until_cycle``, stop once no shorter cycle back to the start can be found, and
        (undirected) keep no paths longer than one edge: the cycle search needs only the depths."""
        while self.frontier and self.reached < max_depth:
            if until_cycle and self.cycle_length is not None and self.cycle_length <= self.reached + 1:
                return
            level = self._next(paths=not until_cycle or not self.undirected or self.reached == 0)
            if level:
                yield self.reached, level

    def _next(self, *, paths: bool) -> Level:
        above = self.reached
        depth = above + 1
        parents: dict[str, tuple[str, Neighbor]] = {}
        start, tick, known, branches = self.start, self.tick, self.depth, self.branch
        undirected = self.undirected
        for x in self.frontier:
            branch = branches.get(x)
            for nb in self.steps(x):
                tick()
                y = nb.node_id
                if y == start:
                    self._close(x, above, nb, branch)
                    continue
                seen = known.get(y)
                if seen is not None:
                    # branches are shared down the tree: the same branch is the same object
                    if undirected and branch is not None and branches[y] is not branch:
                        self._found(above + seen + 1)
                    continue
                current = parents.get(y)
                if current is None or (paths and self.tree.before(above, x, nb, current)):
                    parents[y] = (x, nb)
        if above == 0:
            self._edges_to = collections.Counter(nb.node_id for nb in self.steps(start))
        self.tree.add(parents)
        self.reached = depth
        level: Level = {}
        for y, (x, nb) in parents.items():
            self.depth[y] = depth
            if above == 0:
                edge = edge_from(x, nb)
                self.branch[y] = edge_key(edge)
                path: tuple[Edge, ...] = (edge,)
            else:
                self.branch[y] = self.branch[x]
                path = (*self.paths[x], edge_from(x, nb)) if paths else ()
            if paths:
                self.paths[y] = path
            level[y] = (path, nb.kind)
        self.frontier = list(parents)
        return level

    def _found(self, length: int) -> None:
        if self.cycle_length is None or length < self.cycle_length:
            self.cycle_length = length
            self.closing = []

    def _close(self, x: str, depth: int, nb: Neighbor, branch: EdgeKey | None) -> None:
        if self.undirected and depth == 1 and (self._edges_to[x] < 2 or edge_key(edge_from(x, nb)) == branch):
            return  # back along the edge x was reached by (its only one)
        self._found(depth + 1)
        if self.cycle_length == depth + 1:
            self.closing.append((x, nb))

    def cycle(self, min_hops: int, max_hops: int) -> tuple[Edge, ...] | None:
        """The shortest path of at least one edge from the start back to it, using no edge twice (of
        several, the first by :func:`path_key`), when its length is in ``min_hops..max_hops``."""
        for _ in self.levels(max_hops, until_cycle=True):
            pass
        length = self.cycle_length
        if length is None or not max(min_hops, 1) <= length <= max_hops:
            return None
        if not self.undirected or length <= 2:
            # directed, the way to the node an edge back leaves from is its shortest; undirected, a
            # cycle of one or two edges is one edge out and another back
            cycles = (self.paths[x] + (edge_from(x, nb),) for x, nb in self.closing)
            return min(cycles, key=lambda c: path_key(self.start, c))
        best: tuple[str, tuple[Edge, ...]] | None = None
        best_first = ""
        for first in sorted(self.steps(self.start), key=lambda nb: nb.node_id):
            if best is not None and first.node_id != best_first:
                break  # cycles through a later neighbour sort after the one found
            if first.node_id == self.start:
                continue
            edge = edge_from(self.start, first)
            back = self._way_back(first.node_id, edge_key(edge), length)
            if back is not None:
                found = (edge, *back)
                key = path_key(self.start, found)
                if best is None or key < best[0]:
                    best, best_first = (key, found), first.node_id
        return None if best is None else best[1]

    def _way_back(self, origin: str, first: EdgeKey, length: int) -> tuple[Edge, ...] | None:
        """The first (by :func:`path_key`) path of ``length - 1`` edges from ``origin`` back to the start
        through nodes at the depths a shortest cycle passes (undirected), not using the edge ``first``."""
        tree = _Tree(origin)
        paths: dict[str, tuple[Edge, ...]] = {origin: ()}
        frontier = [origin]
        for above in range(length - 1):
            position = above + 2  # of the nodes reached now, on the cycle
            parents: dict[str, tuple[str, Neighbor]] = {}
            for x in frontier:
                for nb in self.steps(x):
                    self.tick()
                    y = nb.node_id
                    if y in paths:
                        continue
                    if y == self.start:
                        if position != length or (x == origin and edge_key(edge_from(x, nb)) == first):
                            continue
                    elif self.depth.get(y) != min(position, length - position):
                        continue
                    current = parents.get(y)
                    if current is None or tree.before(above, x, nb, current):
                        parents[y] = (x, nb)
            if not parents:
                return None
            tree.add(parents)
            for y, (x, nb) in parents.items():
                paths[y] = (*paths[x], edge_from(x, nb))
            frontier = list(parents)
        return paths.get(self.start)
