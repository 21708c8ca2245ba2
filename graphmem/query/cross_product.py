"""``max_work`` up front: refuse a cross product before it is built, on every backend.

The embedded executor counts every intermediate row it builds and stops past ``max_work``; a Cypher
server is not metered that way. So before a plan that joins unconnected patterns (``FIND (a:Event),
(b:Event), …``) runs, each pattern is counted on its own (its seek, the edges it follows and the
conditions on it alone, as one ``count(*)`` plan: on the server when pushed down, by the executor
otherwise), and the plan is refused with a :class:`~graphmem.errors.QueryLimitError` when the product
of the counts, the rows the cross product holds before conditions that join the patterns, passes
``max_work``. A plan of one connected pattern, or one that streams to a ``LIMIT`` (no sort or aggregate
before it), is not checked (``timeout``, and in the executor ``max_work`` as it counts, bound it).
"""

from __future__ import annotations

from collections.abc import Callable

from graphmem.errors import QueryLimitError
from graphmem.query import plan as p
from graphmem.query.plan_expr import vars_of

__all__ = ["check_cross_product", "patterns"]

#: Runs a plan's count query on the server and gives the count (``None``: it cannot be counted there).
CountFn = Callable[[p.Plan], int | None]

_SEEKS = (p.ScanNodes, p.LookupNodes, p.FuzzySeek, p.AboutSeek)


def patterns(plan: p.Plan) -> list[tuple[p.Step, ...]]:
    """The unconnected patterns of ``plan``'s match, each as the steps that bind and test it alone (a
    seek, then its expansions, node matches and filters); steps that join patterns are left out. Empty
    when the plan has a step the estimate does not model (``RECALL``)."""
    found: list[list[p.Step]] = []
    owner: dict[str, int] = {}  # variable -> pattern
    for step in plan.steps:
        if isinstance(step, _SEEKS):
            owner[step.var] = len(found)
            found.append([step])
        elif isinstance(step, p.Expand):
            i = owner[step.src]
            if step.into and owner.get(step.dst, i) != i:
                continue  # joins two patterns: their cross product is built before it
            owner[step.dst] = owner[step.rel] = i
            found[i].append(step)
        elif isinstance(step, p.MatchNode):
            found[owner[step.var]].append(step)
        elif isinstance(step, p.Filter):
            mine = {owner[v] for v in vars_of(step.predicate) if v in owner}
            if len(mine) == 1:
                found[mine.pop()].append(step)
        elif isinstance(step, p.RecallSeek):
            return []
        else:
            break  # results (aggregate, project, sort, …): the match is over
    return [tuple(steps) for steps in found]


def _streams_to_a_limit(plan: p.Plan) -> bool:
    """Whether a ``LIMIT`` ends the plan with nothing before it that needs every row (a sort or an
    aggregate) or may drop rows (a filter, which may join the patterns, or ``DISTINCT``): the executor
    and the server both stop after that many rows, so the cross product is not built whole."""
    for step in plan.steps:
        if isinstance(step, p.Sort | p.Aggregate | p.Filter | p.Distinct):
            return False
        if isinstance(step, p.Limit):
            return True
    return False


def check_cross_product(plan: p.Plan, max_work: int, count: CountFn) -> None:
    """Refuse ``plan`` when its unconnected patterns, counted on the server by ``count``, multiply to
    more than ``max_work`` rows.

    Raises:
        QueryLimitError: the cross product passes ``max_work``.
    """
    if _streams_to_a_limit(plan):
        return
    parts = patterns(plan)
    if len(parts) < 2:
        return
    total = 1
    counts = []
    for steps in parts:
        counting = p.Plan(
            plan.kind,
            plan.namespace,
            (*steps, p.Aggregate((), (("n", p.Agg("count", None, False)),))),
            ("n",),
        )
        n = count(counting)
        if n is None:
            return
        counts.append(n)
        total *= n
        if total == 0:
            return
    if total > max_work:
        sizes = " × ".join(f"{n:,}" for n in counts)
        raise QueryLimitError(
            f"the query would build a cross product of {total:,} rows ({sizes} for its {len(parts)} unconnected "
            f"patterns), more than {max_work} intermediate rows; connect the patterns with an edge, start "
            "from something more specific (a name, ~, ABOUT) or add conditions on each pattern"
        )
