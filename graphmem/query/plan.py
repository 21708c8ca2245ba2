"""The :class:`Plan`: what a query will do, as plain frozen data with a readable form.

The planner (:mod:`graphmem.query.planner`) turns a parsed query into a ``Plan``; the embedded
executor (:mod:`graphmem.query.executor`) runs it over a :class:`~graphmem.store.base.GraphStore`, and a
backend may compile it instead (the Neo4j backend compiles it to one Cypher query). ``str(plan)`` is what
``EXPLAIN`` prints. Nothing in a plan refers to a backend, and every user value is already bound: a
:class:`Const` holds the value itself (and the ``$name`` it came from), never query text, so a compiler
passes it on as a parameter.

Execution model
---------------
A plan is a pipeline of :data:`Step` s over a stream of *rows*. A row binds variable names to graph
elements: a node (:class:`~graphmem.models.Event`, :class:`~graphmem.models.Entity`,
:class:`~graphmem.models.Session`), an edge (:class:`~graphmem.query.result.Edge`) or, for a hop range,
a tuple of edges. The stream starts as one empty row. Steps in order:

- **Seek steps** bind a new variable to candidate nodes, once per incoming row (a nested loop; with an
  empty incoming row it is the start of the match). Cypher: ``MATCH (v:Label)`` with the step's lookup.

  - :class:`ScanNodes` — every node with the labels.
  - :class:`LookupNodes` — nodes by ``id``, by ``name`` (entity name or alias, ignoring case, accents
    and spacing) or by ``source`` (an event's ``source_id``).
  - :class:`FuzzySeek` — entities whose name or an alias is alike the text (rapidfuzz
    ``token_set_ratio`` on case-folded text without accents, score ≥ ``cutoff``, best ``limit``; see
    :func:`graphmem.query.values.fuzzy_entities`). Score = ratio / 100.
  - :class:`AboutSeek` — the ``k`` events nearest the text in the vector index. Score = similarity.

- :class:`Expand` follows edges from a bound variable to ``dst`` (binding it, or when ``into`` checking
  the already-bound node). Single hop: one row per edge. Hop range: one row per distinct node reachable
  in ``min_hops..max_hops`` hops, via the shortest path (the edge variable holds that path's edges; of
  several, the first by :func:`~graphmem.query.result.path_key`); the start node too, by the shortest
  cycle back to it, when ``min_hops`` ≥ 1. No edge is used twice in a path, nodes may repeat.
  Only the last node is checked against ``dst_labels``. An edge is never used twice in one row
  (Cypher's relationship uniqueness). ``as_of``/``valid_at`` keep only FACT edges memory held at
  ``as_of`` and that were true in the world at ``valid_at``.
- :class:`MatchNode` keeps rows whose bound node matches a fuzzy name or an ``ABOUT`` seed set, and
  records its score (used when that node is not where the match starts).
- :class:`Filter` keeps rows whose predicate is true (three-valued logic: unknown is dropped). The
  planner places each ``WHERE`` conjunct right after the step that binds its last variable.
- :class:`RecallSeek` runs ``Memory.recall`` and binds ``hit`` per result (RECALL statements only).
- :class:`Aggregate` groups rows by ``keys`` and computes ``aggregates``; its output rows hold only
  those columns. :class:`Project` computes the output columns (bindings stay available to later steps).
- :class:`Distinct` keeps the first row per key; :class:`Sort` orders rows (nulls last); :class:`Limit`
  keeps the first ``count``.

Expressions are :class:`Const`, :class:`Ref` (a variable), :class:`PropRef` (a property; node keys are
listed in :data:`NODE_PROPS`, edge keys in :data:`EDGE_PROPS`), :class:`Column` (an output column),
:class:`Func`, :class:`Agg`, :class:`Relevance` and the predicates :class:`Cmp`, :class:`IsNull`,
:class:`InTime`, :class:`TimeIn`, :class:`Mentions`, :class:`HasName`, :class:`BoolAnd`, :class:`BoolOr`,
:class:`BoolNot`.
Text comparisons (``CONTAINS``, ``STARTS WITH``, ``ENDS WITH``, ``~``) ignore case, and ``~`` accents too;
``=`` does not. A comparison with a date (a date literal, a ``date`` parameter, a year compared with a
time) never reaches the plan as a :class:`Cmp`: the planner writes it as the :class:`InTime` interval
test of the matching window (``t <= 2024-01`` is ``t < 2024-02-01``), so a compiler needs no extra case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from graphmem.models import EdgeType, NodeKind
from graphmem.query.plan_expr import (
    Agg,
    BoolAnd,
    BoolNot,
    BoolOr,
    Bound,
    Cmp,
    Column,
    Const,
    Expr,
    Func,
    HasName,
    InTime,
    IsNull,
    Mentions,
    PredicateExpr,
    PropRef,
    Ref,
    Relevance,
    Shift,
    TimeIn,
    ValueExpr,
    fmt_value,
)
from graphmem.store.base import Direction, TimeFilter

if TYPE_CHECKING:
    from graphmem.recall.request import RecallRequest

__all__ = [
    "EDGE_PROPS",
    "NODE_PROPS",
    "AboutSeek",
    "Agg",
    "Aggregate",
    "BoolAnd",
    "BoolNot",
    "BoolOr",
    "Bound",
    "Cmp",
    "Column",
    "Const",
    "Distinct",
    "Expand",
    "Expr",
    "FactTime",
    "Filter",
    "Func",
    "FuzzySeek",
    "HasName",
    "InTime",
    "IsNull",
    "Labels",
    "Limit",
    "LookupNodes",
    "MatchNode",
    "Mentions",
    "Plan",
    "PredicateExpr",
    "Project",
    "PropRef",
    "RecallSeek",
    "Ref",
    "Relevance",
    "ScanNodes",
    "Shift",
    "Sort",
    "SortKey",
    "Step",
    "TimeIn",
    "ValueExpr",
]

#: Property keys of each node kind. ``time`` is ``Event.occurred_at`` / ``Session.started_at``;
#: ``happened``/``happened_end`` bound ``Event.happened`` (when what the event tells of happened);
#: ``source`` is ``Event.source_id``; ``date`` is ``Session.date_text``; ``score`` is the match score.
NODE_PROPS: Mapping[NodeKind, tuple[str, ...]] = {
    NodeKind.EVENT: (
        "id",
        "text",
        "speaker",
        "time",
        "happened",
        "happened_end",
        "session",
        "seq",
        "source",
        "kind",
        "namespace",
        "score",
    ),
    NodeKind.ENTITY: ("id", "name", "type", "aliases", "namespace", "score"),
    NodeKind.SESSION: ("id", "index", "time", "date", "namespace"),
}

#: Property keys of edges. FACT edges carry the fact's fields; mention edges their ``role``; ``hops`` is
#: the number of edges of a hop-range match.
EDGE_PROPS: tuple[str, ...] = (
    "type",
    "role",
    "id",
    "predicate",
    "valid_from",
    "valid_to",
    "recorded_at",
    "expired_at",
    "evidence",
    "confidence",
    "phrase",
    "hops",
)


# -- steps --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Labels:
    """Which nodes a variable may bind: node ``kinds`` and, for entities, ``types`` (empty = any type)."""

    kinds: tuple[NodeKind, ...] = (NodeKind.SESSION, NodeKind.EVENT, NodeKind.ENTITY)
    types: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.types:
            return "|".join(self.types)
        if len(self.kinds) == 3:
            return "any"
        return "|".join(k.value.capitalize() for k in self.kinds)


@dataclass(frozen=True, slots=True)
class ScanNodes:
    """Bind ``var`` to every node with ``labels`` (Cypher ``MATCH (var:Label)``)."""

    var: str
    labels: Labels

    def describe(self) -> str:
        """The step as one line of ``EXPLAIN``."""
        return f"ScanNodes {self.var}:{self.labels}"


@dataclass(frozen=True, slots=True)
class LookupNodes:
    """Bind ``var`` to the nodes whose ``key`` (``id``, ``name`` or ``source``) equals ``value``."""

    var: str
    labels: Labels
    key: str
    value: Const

    def describe(self) -> str:
        """The step as one line of ``EXPLAIN``."""
        return f"LookupNodes {self.var}:{self.labels} by {self.key} = {self.value}"


@dataclass(frozen=True, slots=True)
class FuzzySeek:
    """Bind ``var`` to the entities (of ``labels``) whose name or an alias is alike ``text``."""

    var: str
    labels: Labels
    text: Const
    cutoff: float
    limit: int

    def describe(self) -> str:
        """The step as one line of ``EXPLAIN``."""
        return f"FuzzySeek {self.var}:{self.labels} ~ {self.text} (score >= {self.cutoff:g}, best {self.limit})"


@dataclass(frozen=True, slots=True)
class AboutSeek:
    """Bind ``var`` to the ``k`` events nearest ``text`` in the vector index."""

    var: str
    text: Const
    k: int

    def describe(self) -> str:
        """The step as one line of ``EXPLAIN``."""
        return f"AboutSeek {self.var}:Event ABOUT {self.text} (top {self.k})"


class FactTime(StrEnum):
    """Which FACT edges an :class:`Expand` follows.

    ``CURRENT`` (the default): without ``AS OF``/``VALID AT``, the facts valid now in the versions memory
    holds now; with them, those clauses. ``ALL``: every version, whatever its times (``ALL TIME``).
    ``NONE``: the step cannot follow a FACT edge.
    """

    CURRENT = "current"
    ALL = "all"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Expand:
    """Follow edges of ``types`` (all when empty) from ``src`` in ``direction`` to ``dst``.

    ``rel`` is the edge variable (always named; the planner names anonymous ones ``_r1``…). With
    ``into`` the far node must equal the one ``dst`` is already bound to. FACT edges pass ``facts``
    (:class:`FactTime`) and ``as_of``/``valid_at``.
    """

    src: str
    rel: str
    types: tuple[EdgeType, ...]
    direction: Direction
    dst: str
    dst_labels: Labels
    min_hops: int = 1
    max_hops: int = 1
    into: bool = False
    as_of: datetime | None = None
    valid_at: datetime | None = None
    facts: FactTime = FactTime.CURRENT

    def describe(self) -> str:
        """The step as one line of ``EXPLAIN``."""
        types = "|".join(t.value for t in self.types) or "any"
        hops = "" if (self.min_hops, self.max_hops) == (1, 1) else f"*{self.min_hops}..{self.max_hops}"
        left, right = {Direction.OUT: ("-", "->"), Direction.IN: ("<-", "-"), Direction.BOTH: ("-", "-")}[
            self.direction
        ]
        text = f"Expand ({self.src}){left}[{self.rel}:{types}{hops}]{right}({self.dst}:{self.dst_labels})"
        if self.into:
            text += " into bound"
        if self.as_of is not None:
            text += f" facts as of {fmt_value(self.as_of)}"
        if self.valid_at is not None:
            text += f" facts valid at {fmt_value(self.valid_at)}"
        if self.facts is FactTime.ALL:
            text += " facts of all time"
        elif self.fact_time is FactTime.CURRENT and self.as_of is None and self.valid_at is None:
            text += " current facts"
        return text

    @property
    def fact_time(self) -> FactTime:
        """``facts``, or ``NONE`` when the step's edge types leave FACT out."""
        return self.facts if not self.types or EdgeType.FACT in self.types else FactTime.NONE

    def time_filter(self, now: datetime) -> TimeFilter | None:
        """The filter FACT edges of this step must pass, ``now`` standing for the current time."""
        if self.fact_time is FactTime.NONE:
            return None
        if self.fact_time is FactTime.ALL:
            return TimeFilter(history=True)
        if self.as_of is None and self.valid_at is None:
            return TimeFilter(valid_at=now)
        return TimeFilter(as_of=self.as_of, valid_at=self.valid_at)


@dataclass(frozen=True, slots=True)
class MatchNode:
    """Keep rows whose ``var`` matches: ``how`` is ``fuzzy`` (name/alias alike ``text``, ≥ ``cutoff``)
    or ``about`` (among the ``k`` events nearest ``text``); the score is recorded."""

    var: str
    how: str
    text: Const
    k: int = 0
    cutoff: float = 0.0

    def describe(self) -> str:
        """The step as one line of ``EXPLAIN``."""
        if self.how == "about":
            return f"MatchNode {self.var} ABOUT {self.text} (top {self.k})"
        return f"MatchNode {self.var} ~ {self.text} (score >= {self.cutoff:g})"


@dataclass(frozen=True, slots=True)
class Filter:
    """Keep rows where ``predicate`` is true."""

    predicate: Expr

    def describe(self) -> str:
        """The step as one line of ``EXPLAIN``."""
        return f"Filter {self.predicate}"


@dataclass(frozen=True, slots=True)
class RecallSeek:
    """Run recall (vector + full-text seeds, graph traversal); bind ``var`` to each hit's event.

    The row also carries the hit's score and its explanation (``why``). :meth:`request` turns the step
    into the :class:`~graphmem.recall.RecallRequest` the executor passes to recall. ``speakers_at``
    holds where the query text gives each speaker (line, column, width; ``None`` when unknown), so an
    unknown speaker's error points there. ``happened_since``/``happened_until`` bound when events
    happened as well as ``since``/``until`` on ``axis`` (``SAID … HAPPENED …``).
    """

    var: str
    text: Const
    k: int
    hops: int
    speakers: tuple[Const, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    as_of: datetime | None = None
    axis: str = "either"
    speakers_at: tuple[tuple[int, int, int] | None, ...] = field(default=(), compare=False)
    happened_since: datetime | None = None
    happened_until: datetime | None = None

    def request(self, namespace: str) -> RecallRequest:
        """The recall request this step makes in ``namespace``."""
        from graphmem.recall.request import RecallRequest

        speakers = tuple(str(s.value) for s in self.speakers) or None
        return RecallRequest.of(
            str(self.text.value),
            namespace=namespace,
            k=self.k,
            hops=self.hops,
            since=self.since,
            until=self.until,
            speakers=speakers,
            as_of=self.as_of,
            time_axis=self.axis,  # type: ignore[arg-type]  # the grammar admits said|happened only
            happened_since=self.happened_since,
            happened_until=self.happened_until,
        )

    def describe(self) -> str:
        """The step as one line of ``EXPLAIN``."""
        text = f"RecallSeek {self.var} {self.text} (k {self.k}, hops {self.hops}"
        if self.speakers:
            text += ", by " + ", ".join(str(s) for s in self.speakers)
        if self.since is not None:
            text += f", since {fmt_value(self.since)}"
        if self.until is not None:
            text += f", until {fmt_value(self.until)}"
        if (self.since is not None or self.until is not None) and self.axis != "either":
            text += f" ({self.axis} time)"
        if self.happened_since is not None:
            text += f", happened since {fmt_value(self.happened_since)}"
        if self.happened_until is not None:
            text += f", happened until {fmt_value(self.happened_until)}"
        if self.as_of is not None:
            text += f", facts as of {fmt_value(self.as_of)}"
        return text + ")"


@dataclass(frozen=True, slots=True)
class Aggregate:
    """Group by ``keys`` (name, expr) and compute ``aggregates`` (name, :class:`Agg`); one row per group."""

    keys: tuple[tuple[str, Expr], ...]
    aggregates: tuple[tuple[str, Agg], ...]

    def describe(self) -> str:
        """The step as one line of ``EXPLAIN``."""
        keys = ", ".join(str(e) for _, e in self.keys) or "()"
        aggs = ", ".join(str(a) for _, a in self.aggregates)
        return f"Aggregate {aggs} group by {keys}" if aggs else f"Aggregate group by {keys}"


@dataclass(frozen=True, slots=True)
class Project:
    """Compute the output columns: (name, expr) pairs."""

    items: tuple[tuple[str, Expr], ...]

    def describe(self) -> str:
        """The step as one line of ``EXPLAIN``."""
        parts = [str(e) if str(e) == name else f"{e} AS {name}" for name, e in self.items]
        return "Project " + ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Distinct:
    """Keep the first row for each value of ``keys`` (all output columns when empty)."""

    keys: tuple[Expr, ...] = ()

    def describe(self) -> str:
        """The step as one line of ``EXPLAIN``."""
        return "Distinct" + (" on " + ", ".join(str(k) for k in self.keys) if self.keys else "")


@dataclass(frozen=True, slots=True)
class SortKey:
    """One sort key; nulls sort last either way."""

    expr: Expr
    descending: bool = False

    def __str__(self) -> str:
        return f"{self.expr} {'DESC' if self.descending else 'ASC'}"


@dataclass(frozen=True, slots=True)
class Sort:
    """Order rows by ``keys``."""

    keys: tuple[SortKey, ...]

    def describe(self) -> str:
        """The step as one line of ``EXPLAIN``."""
        return "Sort " + ", ".join(str(k) for k in self.keys)


@dataclass(frozen=True, slots=True)
class Limit:
    """Keep the first ``count`` rows."""

    count: int

    def describe(self) -> str:
        """The step as one line of ``EXPLAIN``."""
        return f"Limit {self.count}"


Step = (
    ScanNodes
    | LookupNodes
    | FuzzySeek
    | AboutSeek
    | Expand
    | MatchNode
    | Filter
    | RecallSeek
    | Aggregate
    | Project
    | Distinct
    | Sort
    | Limit
)


@dataclass(frozen=True, slots=True)
class Plan:
    """A planned query.

    Attributes:
        kind: ``find``, ``recall`` or ``timeline``.
        namespace: the namespace to run in, or ``None`` for the store's only namespace.
        steps: the pipeline, in order.
        columns: the output column names.
        explain: whether the query asked to be explained rather than run.
        row_limit: whether the query bounds its rows itself (``LIMIT``, ``FIRST``/``LAST``); without
            it, returning more than the row limit is an error rather than a silent cut.
        source: the query text.
        namespace_at: where the query text names the namespace (``IN "ns"`` or ``IN $ns``): line,
            column and width in ``source``; ``None`` when it came from outside (``namespace=``, ``-n``)
            or nowhere. An error about the namespace points there.
    """

    kind: str
    namespace: Const | None
    steps: tuple[Step, ...]
    columns: tuple[str, ...]
    explain: bool = False
    row_limit: bool = False
    source: str = field(default="", compare=False)
    namespace_at: tuple[int, int, int] | None = field(default=None, compare=False)

    def __str__(self) -> str:
        ns = str(self.namespace) if self.namespace is not None else "(the only namespace)"
        lines = [f"{self.kind.upper()} in {ns} → columns: {', '.join(self.columns)}"]
        width = len(str(len(self.steps)))
        for i, step in enumerate(self.steps, 1):
            lines.append(f"  {i:>{width}}. {step.describe()}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Plan\n{self}\n>"
