"""Which kinds of node can sit at the ends of which edges, for the planner's label inference."""

from __future__ import annotations

from graphmem.models import EdgeType, NodeKind
from graphmem.store.base import Direction

__all__ = ["ENDS", "FLIP", "kinds_after", "reach"]

ENDS: dict[EdgeType, tuple[NodeKind, NodeKind]] = {
    EdgeType.IN_SESSION: (NodeKind.EVENT, NodeKind.SESSION),
    EdgeType.NEXT: (NodeKind.EVENT, NodeKind.EVENT),
    EdgeType.NEXT_SESSION: (NodeKind.SESSION, NodeKind.SESSION),
    EdgeType.SPOKEN_BY: (NodeKind.EVENT, NodeKind.ENTITY),
    EdgeType.MENTIONS: (NodeKind.EVENT, NodeKind.ENTITY),
    EdgeType.FACT: (NodeKind.ENTITY, NodeKind.ENTITY),
}
FLIP = {Direction.OUT: Direction.IN, Direction.IN: Direction.OUT, Direction.BOTH: Direction.BOTH}


def kinds_after(kinds: set[NodeKind], types: tuple[EdgeType, ...], direction: Direction) -> set[NodeKind]:
    """The kinds one edge of ``types`` (any when empty) leads to from ``kinds``."""
    out: set[NodeKind] = set()
    for t in types or tuple(EdgeType):
        src, dst = ENDS[t]
        if direction in (Direction.OUT, Direction.BOTH) and src in kinds:
            out.add(dst)
        if direction in (Direction.IN, Direction.BOTH) and dst in kinds:
            out.add(src)
    return out


def reach(
    kinds: set[NodeKind], types: tuple[EdgeType, ...], direction: Direction, low: int, high: int
) -> set[NodeKind]:
    """The kinds reachable in ``low..high`` such edges (beyond three hops nothing new appears)."""
    current = set(kinds)
    found = set(kinds) if low == 0 else set()
    for hop in range(1, min(high, low + 3) + 1):
        current = kinds_after(current, types, direction)
        if hop >= low:
            found |= current
        if not current:
            break
    return found
