"""The expressions of a :class:`~graphmem.query.plan.Plan` (re-exported by :mod:`graphmem.query.plan`).

Every user value is already bound here: a :class:`Const` holds the value itself and the ``$name`` it
came from. ``str()`` of an expression is how ``EXPLAIN`` shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, assert_never

from graphmem.dates import zone_label
from graphmem.query.timeutil import shift, shift_clamped, shift_instant

__all__ = [
    "Agg",
    "BoolAnd",
    "BoolNot",
    "BoolOr",
    "Bound",
    "Cmp",
    "Column",
    "Const",
    "Expr",
    "Func",
    "HasName",
    "InTime",
    "IsNull",
    "Mentions",
    "PredicateExpr",
    "PropRef",
    "Ref",
    "Relevance",
    "Shift",
    "TimeIn",
    "ValueExpr",
    "flatten",
    "fmt_value",
    "vars_of",
]


def fmt_value(value: Any) -> str:
    """A bound value as ``EXPLAIN`` shows it: quoted text, ISO dates (the day alone at midnight), ``NULL``,
    ``TRUE``/``FALSE``, ``[a, b]`` for lists."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, datetime):
        if value.hour == value.minute == value.second == value.microsecond == 0:
            return value.date().isoformat()
        return value.isoformat(timespec="seconds" if value.microsecond == 0 else "microseconds")
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, tuple):
        return "[" + ", ".join(fmt_value(v) for v in value) + "]"
    return str(value)


@dataclass(frozen=True, slots=True)
class Const:
    """A bound value: str, int, float, bool, ``None``, a naive UTC ``datetime`` or a tuple of these.

    ``param`` names the ``$parameter`` it came from, if any (for display only).
    """

    value: Any
    param: str | None = None

    def __str__(self) -> str:
        text = fmt_value(self.value)
        return f"{text} (${self.param})" if self.param else text


@dataclass(frozen=True, slots=True)
class Ref:
    """The node, edge or path bound to a variable."""

    var: str

    def __str__(self) -> str:
        return self.var


@dataclass(frozen=True, slots=True)
class PropRef:
    """A property of a bound node or edge (see :data:`NODE_PROPS`, :data:`EDGE_PROPS`)."""

    var: str
    key: str

    def __str__(self) -> str:
        return f"{self.var}.{self.key}"


@dataclass(frozen=True, slots=True)
class Column:
    """An output column computed by an earlier :class:`Project` or :class:`Aggregate`."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Func:
    """A scalar function: ``date`` (midnight of a time), ``year``, ``month``, ``lower``, ``upper``, ``size``.

    ``zone`` is the clock ``date``, ``year`` and ``month`` read a time on (the memory's, see
    :func:`graphmem.dates.zone_named`; ``None``: UTC): ``date`` is then the UTC moment of the local midnight.
    ``next_day`` (no user function: the end of ``ON`` a node's day on a zone's clock) is the next midnight.
    ``shift`` (no user syntax: ``ON a.time + 2 hours``) moves the time before its day is taken.
    ``natural`` (no user function: the tie order of events) is text as a key of its natural order
    (:func:`graphmem.models.natural_sort_text`).
    """

    name: str
    arg: Expr
    zone: tzinfo | None = None
    shift: Shift | None = None

    def __str__(self) -> str:
        arg = f"{self.arg} {self.shift}" if self.shift else str(self.arg)
        if self.zone is None:
            return f"{self.name}({arg})"
        return f"{self.name}({arg} on {zone_label(self.zone)})"


@dataclass(frozen=True, slots=True)
class Agg:
    """An aggregate: ``count``, ``min``, ``max``, ``sum``, ``avg``, ``collect``; ``arg`` ``None`` is ``count(*)``."""

    name: str
    arg: Expr | None = None
    distinct: bool = False

    def __str__(self) -> str:
        inner = "*" if self.arg is None else str(self.arg)
        return f"{self.name}({'DISTINCT ' if self.distinct else ''}{inner})"


@dataclass(frozen=True, slots=True)
class Relevance:
    """The sum of the match scores (``ABOUT``, ``~``, recall score) of the row's nodes."""

    def __str__(self) -> str:
        return "relevance"


@dataclass(frozen=True, slots=True)
class Cmp:
    """``left op right``; ``op`` is ``= <> < <= > >= IN CONTAINS STARTS WITH ENDS WITH ~``.

    ``~`` is a fuzzy match (rapidfuzz ``token_set_ratio`` ≥ ``cutoff``, ignoring case and accents); a list
    on the left matches when any item does. Comparisons with a date are planned as :class:`InTime`.
    """

    op: str
    left: Expr
    right: Expr
    cutoff: float | None = None

    def __str__(self) -> str:
        return f"{self.left} {self.op} {self.right}"


@dataclass(frozen=True, slots=True)
class IsNull:
    """``operand IS [NOT] NULL``."""

    operand: Expr
    negated: bool = False

    def __str__(self) -> str:
        return f"{self.operand} IS {'NOT ' if self.negated else ''}NULL"


_SECOND_UNITS = (("hour", 3600), ("minute", 60), ("second", 1))


def _amount(count: float, unit: str, sign: bool) -> str:
    return f"{'-' if sign else '+'} {count:g} {unit}{'s' if count != 1 else ''}"


@dataclass(frozen=True, slots=True)
class Shift:
    """A shift by calendar ``months`` and ``days`` on ``zone``'s clock (``None``: UTC), then exact
    ``seconds`` (negative to subtract); see :mod:`graphmem.query.timeutil`. A day on a zone's clock is 23,
    24 or 25 hours long, so ``e.time + 1 day`` on the day summer time starts is 23 hours later."""

    months: int = 0
    days: int = 0
    seconds: float = 0.0
    zone: tzinfo | None = None

    def apply(self, value: datetime) -> datetime:
        """``value`` (naive UTC) moved by this shift.

        Raises:
            OverflowError: the result is outside the calendar.
        """
        return shift(value, months=self.months, days=self.days, seconds=self.seconds, zone=self.zone)

    def clamped(self, value: datetime) -> datetime:
        """``value`` (naive UTC) moved by this shift, clamped to the ends of the calendar."""
        return shift_clamped(value, months=self.months, days=self.days, seconds=self.seconds, zone=self.zone)

    def instant(self, instant: int) -> int:
        """An instant (:func:`~graphmem.query.timeutil.to_instant`) moved by this shift, past the ends
        of the calendar if it goes there (as Cypher's times go)."""
        return shift_instant(instant, months=self.months, days=self.days, seconds=self.seconds, zone=self.zone)

    @property
    def on_calendar(self) -> bool:
        """Whether the shift moves by months or days, which depend on the clock."""
        return bool(self.months or self.days)

    def __bool__(self) -> bool:
        return bool(self.months or self.days or self.seconds)

    def __add__(self, other: Shift) -> Shift:
        zone = self.zone if self.zone is not None else other.zone
        return Shift(self.months + other.months, self.days + other.days, self.seconds + other.seconds, zone)

    def __str__(self) -> str:
        """The shift as ``EXPLAIN`` shows it: ``+ 1 day + 2 hours`` on UTC's clock; on a zone's, what moves on
        its calendar named so, then what is exact: ``+ 1 day on the Europe/Berlin calendar, then + 2 hours
        exact``."""
        calendar = []
        if self.months:
            years = self.months % 12 == 0
            count, unit = (abs(self.months) // 12, "year") if years else (abs(self.months), "month")
            calendar.append(_amount(count, unit, self.months < 0))
        if self.days:
            count, unit = (abs(self.days) // 7, "week") if self.days % 7 == 0 else (abs(self.days), "day")
            calendar.append(_amount(count, unit, self.days < 0))
        exact = ""
        if self.seconds:
            size = abs(self.seconds)
            unit, length = (
                next((u, n) for u, n in _SECOND_UNITS if size % n == 0) if size == int(size) else ("second", 1)
            )
            exact = _amount(size / length, unit, self.seconds < 0)
        if self.zone is None or not calendar:
            return " ".join([*calendar, exact] if exact else calendar)
        moved = f"{' '.join(calendar)} on the {zone_label(self.zone)} calendar"
        return f"{moved}, then {exact} exact" if exact else moved


@dataclass(frozen=True, slots=True)
class Bound:
    """One end of a time range: ``value`` (a :class:`Const` datetime or a time-valued expression),
    shifted by ``shift`` after evaluation; ``inclusive`` says whether the end itself is in range."""

    value: Expr
    inclusive: bool
    shift: Shift | None = None

    def __str__(self) -> str:
        return f"{self.value} {self.shift}" if self.shift else str(self.value)


@dataclass(frozen=True, slots=True)
class InTime:
    """``subject`` (a time) lies between ``low`` and ``high`` (either may be ``None``: unbounded).

    ``op`` is the window the user wrote (``BEFORE``, ``AFTER``, ``ON``, ``BETWEEN``, ``WITHIN``) or the
    comparison with a date it came from (``= < <= > >=``; ``<>`` is ``NOT`` of ``=``), for display only.
    ``shift`` moves the subject's time before it is tested (``e.time - 1 day > 2024-01-01``), as a
    :class:`Bound`'s shift moves a bound. A missing subject time is unknown, so the row is dropped.
    """

    subject: Expr
    low: Bound | None
    high: Bound | None
    op: str = ""
    shift: Shift | None = None

    def __str__(self) -> str:
        parts = []
        subject = f"{self.subject} {self.shift}" if self.shift else str(self.subject)
        if self.low is not None:
            parts.append(f"{subject} {'>=' if self.low.inclusive else '>'} {self.low}")
        if self.high is not None:
            parts.append(f"{subject} {'<=' if self.high.inclusive else '<'} {self.high}")
        return " AND ".join(parts) if parts else "TRUE"


@dataclass(frozen=True, slots=True)
class TimeIn:
    """``subject`` (a time) is in a list of dates and moments: ``t IN $days``, ``t IN [2024-03, $t]``.

    ``ranges`` holds ``(start, end)`` per item: the interval ``[start, end)`` of a date, or the moment
    ``start`` itself when ``start == end``. ``unknown`` says the list held ``NULL``: a time in no range is
    then unknown rather than false, as in a plain ``IN``. A missing subject is unknown. One test however
    long the list, so a compiler passes the ranges as one parameter. ``param`` names the ``$list`` they
    came from (display only).
    """

    subject: Expr
    ranges: tuple[tuple[datetime, datetime], ...]
    unknown: bool = False
    param: str | None = None

    def __str__(self) -> str:
        items = [fmt_value(s) if s == e else f"[{fmt_value(s)}, {fmt_value(e)})" for s, e in self.ranges[:4]]
        if len(self.ranges) > 4:
            items.append(f"… {len(self.ranges)} in all")
        if self.unknown:
            items.append("NULL")
        text = f"{self.subject} IN [{', '.join(items)}]"
        return f"{text} (${self.param})" if self.param else text


@dataclass(frozen=True, slots=True)
class Mentions:
    """The event bound to ``var`` has a MENTIONS edge to an entity matching ``target``.

    ``how`` is ``name`` (name or alias equal, ignoring case and accents), ``fuzzy`` (alike, ≥ ``cutoff``) or ``var``
    (the entity bound to that variable; ``target`` is a :class:`Ref`).
    """

    var: str
    how: str
    target: Expr
    cutoff: float | None = None

    def __str__(self) -> str:
        marker = "~" if self.how == "fuzzy" else ""
        return f"{self.var} MENTIONS {marker}{self.target}"


@dataclass(frozen=True, slots=True)
class HasName:
    """The entity bound to ``var`` has ``name`` as its name or an alias (ignoring case, accents, spacing)."""

    var: str
    name: Expr

    def __str__(self) -> str:
        return f"{self.var} NAMED {self.name}"


@dataclass(frozen=True, slots=True)
class BoolAnd:
    """Every item holds."""

    items: tuple[Expr, ...]

    def __str__(self) -> str:
        return " AND ".join(_wrap(i) for i in self.items)


@dataclass(frozen=True, slots=True)
class BoolOr:
    """Some item holds."""

    items: tuple[Expr, ...]

    def __str__(self) -> str:
        return " OR ".join(_wrap(i) for i in self.items)


@dataclass(frozen=True, slots=True)
class BoolNot:
    """The operand does not hold."""

    operand: Expr

    def __str__(self) -> str:
        return f"NOT {_wrap(self.operand)}"


def _wrap(expr: Expr) -> str:
    text = str(expr)
    return f"({text})" if isinstance(expr, BoolAnd | BoolOr | InTime | TimeIn) and " " in text else text


#: Expressions that compute a value.
ValueExpr = Const | Ref | PropRef | Column | Func | Agg | Relevance
#: Expressions that test something (three-valued: true, false or unknown).
PredicateExpr = Cmp | IsNull | InTime | TimeIn | Mentions | HasName | BoolAnd | BoolOr | BoolNot
Expr = ValueExpr | PredicateExpr


def vars_of(expr: Expr | Bound | None) -> set[str]:
    """Variables an expression reads."""
    if expr is None or isinstance(expr, Const | Relevance | Column):
        return set()
    if isinstance(expr, Ref | PropRef):
        return {expr.var}
    if isinstance(expr, Bound):
        return vars_of(expr.value)
    if isinstance(expr, Func):
        return vars_of(expr.arg)
    if isinstance(expr, Agg):
        return vars_of(expr.arg)
    if isinstance(expr, Cmp):
        return vars_of(expr.left) | vars_of(expr.right)
    if isinstance(expr, IsNull):
        return vars_of(expr.operand)
    if isinstance(expr, InTime):
        return vars_of(expr.subject) | vars_of(expr.low) | vars_of(expr.high)
    if isinstance(expr, TimeIn):
        return vars_of(expr.subject)
    if isinstance(expr, Mentions):
        return {expr.var} | vars_of(expr.target)
    if isinstance(expr, HasName):
        return {expr.var}
    if isinstance(expr, BoolAnd | BoolOr):
        out: set[str] = set()
        for item in expr.items:
            out |= vars_of(item)
        return out
    if isinstance(expr, BoolNot):
        return vars_of(expr.operand)
    assert_never(expr)


def flatten(cls: type[BoolAnd] | type[BoolOr], left: Expr, right: Expr) -> Expr:
    """``left AND right`` (or ``OR``) as one flat list of items: a side of the same kind gives its items."""
    items: list[Expr] = []
    for side in (left, right):
        if isinstance(side, cls):
            items.extend(side.items)
        else:
            items.append(side)
    return cls(tuple(items))
