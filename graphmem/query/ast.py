"""The syntax tree of a query: frozen, slotted dataclasses that remember where they came from.

The parser (:mod:`graphmem.query.parser`) builds these; :mod:`graphmem.query.unparse` turns them back into
text; the planner (:mod:`graphmem.query.planner`) resolves names and values and produces a
:class:`~graphmem.query.plan.Plan`. Nothing here is checked against a schema yet: a label is just a name.

Every node carries a :class:`Span` that is left out of equality, so two trees compare equal when they
say the same thing, wherever they were written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal as TypingLiteral

__all__ = [
    "NO_SPAN",
    "And",
    "Call",
    "Compare",
    "DateLit",
    "Duration",
    "Expr",
    "Find",
    "FuzzyCompare",
    "HopRange",
    "IsNull",
    "ListLit",
    "Literal",
    "MentionTarget",
    "Mentions",
    "NodePattern",
    "Not",
    "Or",
    "OrderItem",
    "Param",
    "PathPattern",
    "Pick",
    "Predicate",
    "Prop",
    "PropPair",
    "Query",
    "Recall",
    "RelPattern",
    "Relevance",
    "ReturnItem",
    "Span",
    "Statement",
    "Temporal",
    "TimeValue",
    "Timeline",
    "Value",
    "Var",
    "Window",
]


@dataclass(frozen=True, slots=True)
class Span:
    """Where a node was written: 1-based line and column of its first and last character, and offsets."""

    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0
    start: int = 0
    end: int = 0

    def __bool__(self) -> bool:
        return self.line > 0


#: The span of nodes built in code rather than parsed.
NO_SPAN = Span()


# -- values -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal:
    """A string, number, boolean or ``NULL`` written in the query."""

    value: str | int | float | bool | None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class DateLit:
    """A date or time written as ``2023-06-01``, ``2023-06``, ``2023-06-01T14:30``, a year, or a string.

    ``text`` is what was written (without quotes); ``quoted`` says it came from a string, ``year`` from a
    bare number. The planner checks and resolves it.
    """

    text: str
    quoted: bool = False
    year: bool = False
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Param:
    """A ``$name`` parameter, bound at plan time from the caller's values, never spliced into text."""

    name: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Var:
    """A pattern variable used as a value (``e``)."""

    name: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Prop:
    """A property of a variable (``e.time``)."""

    var: str
    key: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Call:
    """A function call: ``count(*)``, ``count(DISTINCT x)``, ``min(e.time)``, ``date(e.time)``.

    ``arg`` is ``None`` for ``f()`` and ``f(*)`` (``star`` tells them apart).
    """

    name: str
    arg: Expr | None = None
    distinct: bool = False
    star: bool = False
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Relevance:
    """``RELEVANCE``: how well a row matched its ``ABOUT`` and ``~`` seeds."""

    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ListLit:
    """A list of values: ``["Caroline", "Melanie"]``."""

    items: tuple[Expr, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Duration:
    """An amount of time: ``3 days``. ``unit`` is singular and lower case (``day``)."""

    amount: int
    unit: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class TimeValue:
    """A moment or interval, optionally shifted: ``2023-06-01 - 2 weeks``, ``s.time + 1 day``.

    ``base`` is a :class:`DateLit`, :class:`Param`, :class:`Prop` or :class:`Var` (the time of that
    node); ``shifts`` are ``(sign, duration)`` with sign ``+`` or ``-``.
    """

    base: DateLit | Param | Prop | Var
    shifts: tuple[tuple[str, Duration], ...] = ()
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


# -- predicates -------------------------------------------------------------------------------------

CompareOp = TypingLiteral["=", "<>", "<", "<=", ">", ">=", "IN", "CONTAINS", "STARTS WITH", "ENDS WITH"]


@dataclass(frozen=True, slots=True)
class Compare:
    """``left op right`` for ``= <> < <= > >= IN CONTAINS STARTS WITH ENDS WITH`` (``!=`` reads as ``<>``)."""

    op: str
    left: Expr
    right: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class TimeCompare:
    """``left op right`` where a side is a shifted time (``e.happened < e.time - 1 day``,
    ``e.time - 1 day > 2024-01-01``, ``e.time + 2 hours <= f.time - 1 hour``), read as the window it agrees
    with (``<`` ``BEFORE``, ``>`` ``AFTER``, ``=`` ``ON``) on the left side's time moved by its shift.
    A side without a shift is a plain value."""

    op: str
    left: Expr | TimeValue
    right: TimeValue | Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class FuzzyCompare:
    """``left ~ right``: the texts are alike (rapidfuzz), ignoring case."""

    left: Expr
    right: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class IsNull:
    """``x IS NULL`` or, when ``negated``, ``x IS NOT NULL``."""

    operand: Expr
    negated: bool = False
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Window:
    """A time window: ``BEFORE t``, ``AFTER t``, ``ON t``, ``BETWEEN t AND u`` or ``WITHIN d OF t``.

    ``low`` is the main operand; ``high`` is set for ``BETWEEN``; ``within`` for ``WITHIN``.
    """

    op: str
    low: TimeValue
    high: TimeValue | None = None
    within: Duration | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Temporal:
    """``subject`` falls in ``window``; ``subject`` is a time-valued property or a node (its time)."""

    subject: Expr
    window: Window
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class MentionTarget:
    """What ``MENTIONS`` looks for: an exact name (``"Caroline"``), a fuzzy one (``~"Carolin"``) or a var."""

    kind: str  # "name" | "fuzzy" | "var"
    value: Literal | Param | Var
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Mentions:
    """``e MENTIONS target``: the event ``var`` has a MENTIONS edge to a matching entity."""

    var: str
    target: MentionTarget
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class And:
    """Both sides hold."""

    left: Expr
    right: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Or:
    """Either side holds."""

    left: Expr
    right: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Not:
    """The operand does not hold."""

    operand: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


#: Expressions that compute a value.
Value = Literal | DateLit | Param | Var | Prop | Call | Relevance | ListLit
#: Expressions that test something.
Predicate = Compare | TimeCompare | FuzzyCompare | IsNull | Temporal | Mentions | And | Or | Not
Expr = Value | Predicate

# -- patterns ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PropPair:
    """``key: value`` inside ``{...}``."""

    key: str
    value: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class NodePattern:
    """``(var:Label|Label ~"fuzzy" ABOUT "text" TOP n {key: value})``; every part optional.

    ``fuzzy`` and ``about`` are mutually exclusive in the grammar.
    """

    var: str | None = None
    labels: tuple[str, ...] = ()
    fuzzy: Literal | Param | None = None
    about: Literal | Param | None = None
    top: Literal | Param | None = None
    props: tuple[PropPair, ...] = ()
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class HopRange:
    """``*``, ``*n``, ``*n..m``, ``*..m`` or ``*n..``: ``low``/``high`` are ``None`` when left out.

    ``ranged`` says ``..`` was written (``*2`` is exactly two hops, ``*2..`` two or more).
    """

    low: int | None = None
    high: int | None = None
    ranged: bool = False
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class RelPattern:
    """``-[var:TYPE|TYPE *1..3 {key: value}]->``; ``direction`` is ``out``, ``in`` or ``both``.

    ``bracketed`` is false for the bare forms ``-->``, ``<--`` and ``--``.
    """

    direction: str
    var: str | None = None
    types: tuple[str, ...] = ()
    hops: HopRange | None = None
    props: tuple[PropPair, ...] = ()
    bracketed: bool = True
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class PathPattern:
    """A chain ``node (rel node)*``; ``elements`` alternate :class:`NodePattern` and :class:`RelPattern`."""

    elements: tuple[NodePattern | RelPattern, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)

    @property
    def nodes(self) -> tuple[NodePattern, ...]:
        """The node patterns, in order."""
        return tuple(e for e in self.elements if isinstance(e, NodePattern))

    @property
    def rels(self) -> tuple[RelPattern, ...]:
        """The relationship patterns, in order."""
        return tuple(e for e in self.elements if isinstance(e, RelPattern))


# -- statements -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReturnItem:
    """One projection: ``expr [AS alias]``."""

    expr: Expr
    alias: str | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class OrderItem:
    """One sort key: ``expr [ASC|DESC]``; ``direction`` is ``None`` when not written (ascending)."""

    expr: Expr
    direction: str | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)

    @property
    def descending(self) -> bool:
        """Whether the key sorts high to low."""
        return self.direction == "DESC"


@dataclass(frozen=True, slots=True)
class Pick:
    """``FIRST [n]`` or ``LAST [n]``: the earliest or latest rows by event time."""

    which: str  # "FIRST" | "LAST"
    count: Literal | Param | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Find:
    """``FIND [FIRST|LAST n] patterns [IN ns] [WHERE] [AS OF] [VALID AT] [ALL TIME] [RETURN] [GROUP BY] [ORDER BY]
    [LIMIT]``. ``all_time``: FACT edges of every version and valid time, not only the current facts."""

    patterns: tuple[PathPattern, ...]
    pick: Pick | None = None
    namespace: Literal | Param | None = None
    where: Expr | None = None
    as_of: TimeValue | None = None
    valid_at: TimeValue | None = None
    returns: tuple[ReturnItem, ...] = ()
    distinct: bool = False
    group_by: tuple[Expr, ...] = ()
    order_by: tuple[OrderItem, ...] = ()
    limit: Literal | Param | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)
    all_time: bool = False


@dataclass(frozen=True, slots=True)
class Recall:
    """``RECALL "text" [IN ns] [HOPS n] [BY speaker, ...] [[SAID|HAPPENED] window] [AS OF t] [LIMIT n]``
    (and a HAPPENED window beside a SAID one).

    ``axis`` is what the window bounds: ``"said"``, ``"happened"`` or ``None`` (either; see
    :class:`~graphmem.recall.RecallRequest`'s ``time_axis``). ``happened`` is a second window, on when
    it happened, given beside a SAID ``window`` (``SAID ON d1 HAPPENED ON d2``: both must hold).
    """

    text: Literal | Param
    namespace: Literal | Param | None = None
    hops: Literal | Param | None = None
    speakers: tuple[Literal | Param, ...] = ()
    window: Window | None = None
    as_of: TimeValue | None = None
    limit: Literal | Param | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)
    axis: str | None = None
    happened: Window | None = None


@dataclass(frozen=True, slots=True)
class Timeline:
    """``TIMELINE (node) [IN ns] [WHERE expr] [LIMIT n]``: the events of a node in time order.

    Inside ``WHERE`` the events are the variable ``event``.
    """

    node: NodePattern
    namespace: Literal | Param | None = None
    where: Expr | None = None
    limit: Literal | Param | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


Statement = Find | Recall | Timeline


@dataclass(frozen=True, slots=True)
class Query:
    """A whole query: one statement, maybe under ``EXPLAIN``; ``source`` is the text it was parsed from."""

    statement: Statement
    explain: bool = False
    source: str = field(default="", compare=False, repr=False)
    span: Span = field(default=NO_SPAN, compare=False, repr=False)
