"""The elements of a pattern, one at a time: what a node's labels allow, an edge's types, hop range and
direction, and narrowing a node's kinds to those an edge can reach. Used by :mod:`graphmem.query.planner`."""

from __future__ import annotations

from dataclasses import replace

from graphmem.models import EdgeType, NodeKind
from graphmem.query import ast
from graphmem.query import plan as p
from graphmem.query.kinds import FLIP
from graphmem.query.limits import PlanLimitError, QueryLimits
from graphmem.query.resolve import ALL_KINDS, Resolver, VarInfo
from graphmem.store.base import Direction

__all__ = ["direction", "hop_range", "narrow", "node_labels", "rel_types"]


def node_labels(r: Resolver, node: ast.NodePattern) -> p.Labels:
    """The kinds (and entity types) a node pattern's labels allow; ``~`` and ``ABOUT`` fix its kind."""
    if not node.labels:
        if node.fuzzy is not None:
            return p.Labels((NodeKind.ENTITY,))
        if node.about is not None:
            return p.Labels((NodeKind.EVENT,))
        return p.Labels()
    kinds: list[NodeKind] = []
    types: list[str] = []
    any_entity = False
    for name in node.labels:
        labels = r.schema.label(name)
        if labels is None:
            from graphmem.query.resolve import closest

            raise r.error(
                f"unknown label {name} (labels: {', '.join(r.schema.labels)})",
                node.span,
                closest(name, r.schema.labels),
                word=name,
            )
        kinds.extend(k for k in labels.kinds if k not in kinds)
        if labels.types:
            types.extend(labels.types)
        elif NodeKind.ENTITY in labels.kinds:
            any_entity = True
    result = p.Labels(tuple(k for k in ALL_KINDS if k in kinds), () if any_entity else tuple(types))
    if node.fuzzy is not None and NodeKind.ENTITY not in result.kinds:
        raise r.error("~ matches entity names; this node is not an entity (use ABOUT for events)", node.span)
    if node.about is not None and NodeKind.EVENT not in result.kinds:
        raise r.error("ABOUT finds events; this node is not an Event", node.span)
    if node.fuzzy is not None:
        result = replace(result, kinds=(NodeKind.ENTITY,))
    if node.about is not None:
        result = p.Labels((NodeKind.EVENT,))
    return result


def rel_types(r: Resolver, rel: ast.RelPattern) -> tuple[tuple[EdgeType, ...], bool]:
    """An edge pattern's types, and whether they run against the stored direction (``SAID``, ``PREV``)."""
    types: list[EdgeType] = []
    flags: set[bool] = set()
    for name in rel.types:
        found = r.schema.edge_type(name)
        if found is None:
            from graphmem.query.resolve import closest

            raise r.error(
                f"unknown edge type {name} (edge types: {', '.join(r.schema.edge_types)})",
                rel.span,
                closest(name, r.schema.edge_types),
                word=name,
            )
        if found[0] not in types:
            types.append(found[0])
        flags.add(found[1])
    if len(flags) > 1 and rel.direction != "both":
        raise r.error("SAID and PREV run against the stored direction; give them an edge of their own", rel.span)
    return tuple(types), flags == {True}


def hop_range(r: Resolver, limits: QueryLimits, rel: ast.RelPattern) -> tuple[int, int]:
    """An edge pattern's hop range, checked against ``limits``."""
    hops = rel.hops
    if hops is None:
        return 1, 1
    top = limits.max_hops
    if not hops.ranged:
        if hops.low is None:
            raise r.error(
                f"* alone is an unbounded hop range; give an upper bound of at most {top}",
                hops.span or rel.span,
                f"*1..{top}",
                cls=PlanLimitError,
            )
        low = high = hops.low
    else:
        low = 1 if hops.low is None else hops.low
        if hops.high is None:
            raise r.error(
                f"*{low}.. is an unbounded hop range; give an upper bound of at most {top}",
                hops.span or rel.span,
                f"*{low}..{max(low, top)}",
                cls=PlanLimitError,
            )
        high = hops.high
    if low > high:
        raise r.error(f"the hop range *{low}..{high} is empty", hops.span or rel.span, f"*{high}..{low}")
    if high > top:
        raise r.error(
            f"the hop range *{low}..{high} is over the limit of {top} hops",
            hops.span or rel.span,
            f"*{min(low, top)}..{top}",
            cls=PlanLimitError,
        )
    if rel.props and (low, high) != (1, 1):
        raise r.error("a hop range cannot carry properties; filter its edges in WHERE", rel.span)
    return low, high


def direction(rel: ast.RelPattern, reverse: bool) -> Direction:
    """The direction an edge pattern follows (flipped for a type that runs against the stored one)."""
    d = {"out": Direction.OUT, "in": Direction.IN, "both": Direction.BOTH}[rel.direction]
    return FLIP[d] if reverse else d


def narrow(r: Resolver, info: VarInfo, allowed: set[NodeKind], node: ast.NodePattern, rel: ast.RelPattern) -> None:
    """Keep the kinds of ``info`` that ``allowed`` holds (at this end of ``rel``); none left is an error."""
    kinds = tuple(k for k in info.labels.kinds if k in allowed)
    if not kinds:
        names = "|".join(k.value.capitalize() for k in info.labels.kinds)
        edge = "|".join(rel.types) or "any edge"
        raise r.error(f"no {names} node can be at this end of {edge}", node.span)
    types = info.labels.types if NodeKind.ENTITY in kinds else ()
    info.labels = p.Labels(kinds, types)
