"""Plan expressions for time tests: the interval test a date comparison makes, and the bounds of a window.

The :class:`~graphmem.query.resolve.Resolver` reads dates and durations from the query; these turn what it
read into :class:`~graphmem.query.plan.InTime` tests and :class:`~graphmem.query.plan.Bound` values.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, tzinfo

from graphmem.query import plan as p

__all__ = [
    "EDGE_TIME_KEYS",
    "TIME_KEYS",
    "day_bounds",
    "high_bound",
    "interval_test",
    "is_time",
    "low_bound",
    "shifted_test",
]

EDGE_TIME_KEYS = ("valid_from", "valid_to", "recorded_at", "expired_at")
TIME_KEYS = ("time", "happened", "happened_end", *EDGE_TIME_KEYS)


def interval_test(
    subject: p.Expr, op: str, interval: tuple[datetime, datetime], param: str | None, moved: p.Shift | None = None
) -> p.Expr:
    """``subject op`` the interval ``[start, end)``, as the same :class:`~graphmem.query.plan.InTime` test
    the time windows use (``=`` is ``ON``, ``<`` ``BEFORE``, ``>`` ``AFTER``); ``moved`` shifts the
    subject's time first (``e.time - 1 day > 2024-01-01``)."""
    start, end = (p.Bound(p.Const(v, param), True) for v in interval)
    moved = moved or None
    if op == "=":
        return p.InTime(subject, start, replace(end, inclusive=False), op, moved)
    if op == "<>":
        return p.BoolNot(p.InTime(subject, start, replace(end, inclusive=False), "=", moved))
    if op == "<":
        return p.InTime(subject, None, replace(start, inclusive=False), op, moved)
    if op == "<=":
        return p.InTime(subject, None, replace(end, inclusive=False), op, moved)
    if op == ">":
        return p.InTime(subject, end, None, op, moved)
    assert op == ">=", op
    return p.InTime(subject, start, None, op, moved)


def day_bounds(expr: p.Expr, by: p.Shift, zone: tzinfo | None) -> tuple[p.Bound, p.Bound]:
    """The day of the time ``expr`` moved by ``by``, on ``zone``'s clock, as the bounds of ``ON``: the day
    of the moved time (``ON a.time + 2 hours`` of 22:30 is the next day), from its midnight to the next
    (``date()`` and ``next_day()``: the day clocks change is 23 or 25 hours long); on UTC's clock, from its
    midnight to a day later. Taking the day after the shift keeps a month's clamped end a whole day
    (``a.time + 1 month`` of 30 January is 29 February, to 1 March)."""
    day = p.Func("date", expr, zone, by or None)
    if zone is None:
        return p.Bound(day, True), p.Bound(day, False, p.Shift(days=1))
    return p.Bound(day, True), p.Bound(p.Func("next_day", expr, zone, by or None), False)


def is_time(expr: p.Expr) -> bool:
    """Whether ``expr`` is time-valued: a time property or ``date(...)``."""
    if isinstance(expr, p.PropRef):
        return expr.key in TIME_KEYS
    return isinstance(expr, p.Func) and expr.name in ("date", "next_day")


def low_bound(
    operand: tuple[datetime, datetime] | tuple[p.Expr, p.Shift], *, inclusive_point: bool, use_end: bool = False
) -> p.Bound:
    """The low bound of a window from a time operand: a constant interval's start (its end with ``use_end``),
    or a time expression with its shift."""
    if isinstance(operand[0], datetime):
        start, end = operand
        return p.Bound(p.Const(end if use_end else start), True)
    expr, by = operand
    return p.Bound(expr, inclusive_point, by or None)


def high_bound(
    operand: tuple[datetime, datetime] | tuple[p.Expr, p.Shift], *, inclusive_point: bool, use_start: bool = False
) -> p.Bound:
    """The high bound of a window from a time operand: a constant interval's end (its start with
    ``use_start``), exclusive, or a time expression with its shift."""
    if isinstance(operand[0], datetime):
        start, end = operand
        return p.Bound(p.Const(start if use_start else end), False)
    expr, by = operand
    return p.Bound(expr, inclusive_point, by or None)


def shifted_test(
    subject: p.Expr,
    op: str,
    operand: tuple[datetime, datetime] | tuple[p.Expr, p.Shift],
    moved: p.Shift | None = None,
    param: str | None = None,
    zone: tzinfo | None = None,
) -> p.Expr:
    """``subject op`` a shifted time (``e.happened < e.time - 1 day``), as the window it agrees with;
    ``moved`` shifts the subject's time first (``e.time - 1 day > 2024-01-01``).

    A constant operand (``2025-02-20 + 1 day``) is an interval, compared as :func:`interval_test` does
    (``param`` names the parameter it came from, for display). A node's time is a moment: ``<`` is
    ``BEFORE``, ``>`` ``AFTER``, ``<=`` and ``>=`` include the moment, ``=`` is ``ON`` (the same day, on
    ``zone``'s clock) and ``<>`` is ``NOT ON``.
    """
    if isinstance(operand[0], datetime):
        start, end = operand
        assert isinstance(end, datetime)
        return interval_test(subject, op, (start, end), param, moved)
    expr, by = operand
    assert isinstance(by, p.Shift)
    moved = moved or None
    if op in ("=", "<>"):
        on = p.InTime(subject, *day_bounds(expr, by, zone), "=", moved)
        return on if op == "=" else p.BoolNot(on)
    bound = p.Bound(expr, op in ("<=", ">="), by or None)
    if op in ("<", "<="):
        return p.InTime(subject, None, bound, op, moved)
    assert op in (">", ">="), op
    return p.InTime(subject, bound, None, op, moved)
