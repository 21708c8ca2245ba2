"""Dates and times for the planner: date literals and parameters, shifts, windows, and comparisons with a date.

Part of :class:`~graphmem.query.resolve.Resolver`: these methods read the times a query names on the
query's clock and turn them into the bounds and interval tests of :mod:`graphmem.query.time_bounds`.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING

from graphmem.dates import local_span_to_utc, utc_to_local
from graphmem.models import NodeKind
from graphmem.query import ast
from graphmem.query import plan as p
from graphmem.query.resolve_names import NameResolver, _show
from graphmem.query.schema import closest
from graphmem.query.time_bounds import (
    EDGE_TIME_KEYS,
    TIME_KEYS,
    day_bounds,
    high_bound,
    interval_test,
    is_time,
    low_bound,
    shifted_test,
)
from graphmem.query.timeutil import (
    EPSILON,
    DateTextError,
    grain_end,
    interval_of,
    parse_date_text,
    shift,
    shift_clamped,
)

__all__ = ["TimeResolver"]

_NOT_A_TIME_WORD = (
    '; a time is written as a date (2024-05-01, "1 May 2024", 2024-05-01 - 1 day), a $parameter or a'
    " node's time: a word such as yesterday is no date here"
)

# months and days are on the memory's clock (a day there is 23 to 25 hours), minutes and hours exact
_UNIT_SECONDS = {"minute": 60, "hour": 3600}
_UNIT_DAYS = {"day": 1, "week": 7}
_UNIT_MONTHS = {"month": 1, "year": 12}
# A duration longer than the whole calendar (years 1-9999) is a mistake, not a window.
_MAX_MONTHS = 10_000 * 12
_MAX_DAYS = 10_000 * 366
_MAX_SECONDS = 10_000 * 366 * 86_400
# ``a op d`` with a date on the left reads as ``d flipped-op a``.
# the grains of a date's interval, as its end is taken from its start
_GRAINS = ("day", "month", "year", "minute", "second", "moment")
_FLIP_OP = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


class TimeResolver(NameResolver):
    """Reads the dates, durations and windows of a query (see :class:`Resolver`)."""

    if TYPE_CHECKING:

        def value(self, node: ast.Expr, *, aggregates: bool = False) -> p.Expr:
            """A value expression (:meth:`graphmem.query.resolve.Resolver.value`)."""

    def interval(self, node: ast.DateLit | ast.Param) -> tuple[datetime, datetime]:
        """The interval a date literal or date parameter denotes."""
        if isinstance(node, ast.Param):
            value = self.param(node)
            if isinstance(value, datetime | date):
                return interval_of(value, self.zone)
            if isinstance(value, str):
                try:
                    return parse_date_text(value, self.zone)
                except ValueError as exc:
                    raise self.error(f"parameter ${node.name}: {exc}", node.span) from None
            raise self.error(
                f"parameter ${node.name} must be a date, a datetime or date text, not {_show(value)}", node.span
            )
        try:
            return parse_date_text(node.text, self.zone)
        except DateTextError as exc:
            raise self.error(str(exc), node.span, exc.suggestion) from None

    def duration(self, node: ast.Duration, sign: str = "+") -> p.Shift:
        """A duration as a signed shift: months and days on the memory's clock, minutes and hours exact."""
        factor = -1 if sign == "-" else 1
        if node.unit in _UNIT_MONTHS:
            size, top = node.amount * _UNIT_MONTHS[node.unit], _MAX_MONTHS // _UNIT_MONTHS[node.unit]
        elif node.unit in _UNIT_DAYS:
            size, top = node.amount * _UNIT_DAYS[node.unit], _MAX_DAYS // _UNIT_DAYS[node.unit]
        else:
            size, top = node.amount * _UNIT_SECONDS[node.unit], _MAX_SECONDS // _UNIT_SECONDS[node.unit]
        if node.amount > top:
            raise self.error(
                f"{node.amount} {node.unit}s is longer than the calendar (at most {top} {node.unit}s)", node.span
            )
        if node.unit in _UNIT_MONTHS:
            return p.Shift(months=factor * size, zone=self.zone)
        if node.unit in _UNIT_DAYS:
            return p.Shift(days=factor * size, zone=self.zone)
        return p.Shift(seconds=float(factor * size), zone=self.zone)

    def _shift_interval(
        self, interval: tuple[datetime, datetime], by: p.Shift, span: ast.Span, *, clamp: bool = False
    ) -> tuple[datetime, datetime]:
        """``interval`` moved by ``by``: its start moved (months, then days on the memory's clock), then
        the end of its grain from there (a day stays a whole day when a month's end is clamped:
        ``2024-01-30 + 1 month`` is 29 February, to 1 March), both moved by the hours and minutes.

        A date moved out of the calendar is an error (``clamp``: that end is the calendar's end); an end
        that moves past it is clamped."""
        if not by:
            return interval
        low, high = (utc_to_local(t, self.zone) for t in interval)
        grain = next((g for g in _GRAINS if grain_end(low, g) == high), None)
        if grain is None:  # not one grain on this clock: both ends move alike
            start, end = by.clamped(interval[0]), by.clamped(interval[1])
        else:
            try:
                start_local = shift(low, months=by.months, days=by.days)
                end_local = grain_end(shift(low, months=by.months), grain)
            except OverflowError:
                if not clamp:
                    raise self.error("this date moves out of the calendar's range", span) from None
                return (datetime.min, datetime.min) if by.months < 0 or by.days < 0 else (datetime.max,) * 2
            if end_local != datetime.max:
                end_local = shift_clamped(end_local, days=by.days)
            first, last = local_span_to_utc(start_local, end_local, self.zone)
            assert last is not None
            start, end = shift_clamped(first, seconds=by.seconds), shift_clamped(last, seconds=by.seconds)
        if not clamp and (start == datetime.max or end == datetime.min):
            raise self.error("this date moves out of the calendar's range", span)
        return start, end

    def shift_of(self, node: ast.TimeValue) -> p.Shift:
        """The sum of a time value's shifts (``2023-06-01 + 1 month - 1 hour``)."""
        total = p.Shift()
        for sign, dur in node.shifts:
            total = total + self.duration(dur, sign)
        return total

    def time_operand(self, node: ast.TimeValue) -> tuple[datetime, datetime] | tuple[p.Expr, p.Shift]:
        """A time value: a constant interval, or a node's time expression with a pending shift."""
        total = self.shift_of(node)
        base = node.base
        if isinstance(base, ast.DateLit | ast.Param):
            return self._shift_interval(self.interval(base), total, node.span)
        return self.time_subject(base), total

    def moment(self, node: ast.TimeValue, *, upper: bool = False) -> datetime:
        """A constant time (the start of its interval), for ``AS OF``, ``VALID AT`` and RECALL windows.

        With ``upper`` (``AS OF``, an inclusive upper bound as ``until`` is) a date (a day, a month or a
        year) means its last moment, so memory as of a day holds what was said that day; a time of day
        or a ``datetime`` parameter stays that moment.
        """
        start, end = self.time_operand(node)
        if not isinstance(start, datetime) or not isinstance(end, datetime):
            raise self.error("this needs a date, not a variable", node.span)
        if upper and isinstance(node.base, ast.DateLit | ast.Param):
            # whether the value is a date is read before any shift ("2023-06-01 + 1 hour" is a date
            # moved by an hour); its interval moved as the windows move it (its start by the months and
            # days on the memory's clock, its end the end of its grain from there), so a month keeps its
            # last day ("2023-02 + 1 month": 31 March) and a later shift never gives an earlier time
            low, high = (utc_to_local(t, self.zone) for t in self.interval(node.base))
            grain = next((g for g in ("day", "month", "year") if grain_end(low, g) == high), None)
            if grain is not None and low.time() == time.min:
                return end if end == datetime.max else end - EPSILON
        return start

    def time_subject(self, node: ast.Expr) -> p.Expr:
        """A time-valued expression: a node (its time) or a time property."""
        if isinstance(node, ast.Var):
            # an unknown name is perhaps a word meant as a date ("ON yesterday")
            info = self.var(node.name, node.span, note=_NOT_A_TIME_WORD)
            if not info.is_node:
                raise self.error(
                    f"{node.name} is an edge; compare one of its times: "
                    + ", ".join(f"{node.name}.{k}" for k in EDGE_TIME_KEYS),
                    node.span,
                )
            if NodeKind.ENTITY in info.labels.kinds and len(info.labels.kinds) == 1:
                raise self.error(f"{node.name} is an entity, and entities have no time", node.span)
            return p.PropRef(node.name, "time")
        if isinstance(node, ast.Prop):
            ref = self.prop(node)
            if node.key not in TIME_KEYS:
                raise self.error(f"{node.var}.{node.key} is not a time", node.span, closest(node.key, TIME_KEYS))
            return ref
        return self.value(node)

    def window(self, subject: p.Expr | None, node: ast.Window) -> tuple[p.Bound | None, p.Bound | None]:
        """The low and high bounds of a window."""
        low_op = self.time_operand(node.low)
        if node.op == "BETWEEN":
            assert node.high is not None
            high_op = self.time_operand(node.high)
            if isinstance(low_op[0], datetime) and isinstance(high_op[0], datetime) and low_op[0] >= high_op[1]:
                raise self.error("BETWEEN's first date is after its second: the window holds no time", node.span)
            return low_bound(low_op, inclusive_point=True), high_bound(high_op, inclusive_point=True)
        if node.op == "BEFORE":
            return None, high_bound(low_op, inclusive_point=False, use_start=True)
        if node.op == "AFTER":
            return low_bound(low_op, inclusive_point=False, use_end=True), None
        if node.op == "ON":
            if isinstance(low_op[0], datetime):
                return low_bound(low_op, inclusive_point=True), high_bound(low_op, inclusive_point=False)
            expr, by = low_op
            return day_bounds(expr, by, self.zone)
        assert node.op == "WITHIN" and node.within is not None
        width = self.duration(node.within)
        back = p.Shift(-width.months, -width.days, -width.seconds, width.zone)
        if isinstance(low_op[0], datetime):  # the date's interval, widened each way
            assert isinstance(node.low.base, ast.DateLit | ast.Param)
            base = self.interval(node.low.base)
            total = self.shift_of(node.low)
            first = self._shift_interval(base, total + back, node.span, clamp=True)[0]
            last = self._shift_interval(base, total + width, node.span, clamp=True)[1]
            return p.Bound(p.Const(first), True), p.Bound(p.Const(last), False)
        expr, by = low_op
        return p.Bound(expr, True, by + back), p.Bound(expr, True, by + width)

    def time_compare(self, node: ast.TimeCompare) -> p.Expr:
        """A comparison with a shifted time on either side, or both, as the window it agrees with.

        The left side is the subject, its time moved by its shift (``e.time - 1 day > 2024-01-01`` keeps
        the times whose day before is after 1 January); the right side is read as a window reads its time
        (:func:`~graphmem.query.time_bounds.shifted_test`: a date is its interval, a node's time a
        moment). A date on the left and none on the right is read from the right, the comparison turned
        round (``2024-01-01 + 1 day < e.time`` is ``e.time > 2024-01-01 + 1 day``), as ``2024-01-01 <
        e.time`` is ``e.time > 2024-01-01``.
        """
        op, left, right = node.op, node.left, node.right
        if _is_date(left) and not _is_date(right):
            op, left, right = _FLIP_OP[op], right, left
        moved = None
        if isinstance(left, ast.TimeValue) and not _is_date(left):
            subject, moved = self.time_subject(left.base), self.shift_of(left)
        elif isinstance(left, ast.TimeValue):  # a date against a date: its start, moved, as a plain date is
            start = self.time_operand(left)[0]
            assert isinstance(start, datetime)
            subject = p.Const(start)
        else:
            subject = self.time_subject(left)
        if isinstance(right, ast.TimeValue):
            return shifted_test(subject, op, self.time_operand(right), moved, zone=self.zone)
        operand = self.time_operand(self._unshifted(right))
        return shifted_test(subject, op, operand, moved, _param_name(right), self.zone)

    def _unshifted(self, node: ast.Expr) -> ast.TimeValue:
        """A plain value compared with a shifted time, as a time without a shift: a date, a date
        parameter, date text, a year, a time property or a node (its time); anything else is an error."""
        if isinstance(node, ast.DateLit | ast.Param | ast.Prop | ast.Var):
            return ast.TimeValue(node, (), node.span)
        if isinstance(node, ast.Literal) and isinstance(node.value, str):
            return ast.TimeValue(ast.DateLit(node.value, quoted=True, span=node.span), (), node.span)
        if isinstance(node, ast.Literal) and isinstance(node.value, int) and not isinstance(node.value, bool):
            # a year, as beside an unshifted time (``e.time > 999`` is after the year 999)
            if not 1 <= node.value <= 9999:
                raise self.error(
                    f"a shifted time is compared with a date (2024-03-01) or a year (1 to 9999), not {node.value}",
                    node.span,
                )
            return ast.TimeValue(ast.DateLit(f"{node.value:04d}", year=True, span=node.span), (), node.span)
        raise self.error(
            "a shifted time is compared with a time: a date (2024-03-01), date text, a year, a time property"
            " (e.time) or a node",
            node.span,
        )

    def date_operand(self, node: ast.Expr, subject: p.Expr | None = None) -> tuple[datetime, datetime] | None:
        """The interval of a date operand, or ``None`` when ``node`` is not one.

        A date literal, a parameter bound to a ``date``, or a whole number compared with a time
        (``subject`` is a time property or ``date(...)``), which is a year as in the windows. A
        ``datetime`` parameter is a moment, so it compares as a point and stays a plain comparison.
        """
        if isinstance(node, ast.DateLit):
            return self.interval(node)
        timed = subject is not None and is_time(subject)
        if isinstance(node, ast.Param) and node.name in self.params:
            value = self.params[node.name]
            if isinstance(value, date) and not isinstance(value, datetime):
                return interval_of(value, self.zone)
            if timed and isinstance(value, str):  # date text, as the shell and MCP pass dates
                return self.interval(node)
        if timed and isinstance(node, ast.Literal) and isinstance(node.value, str):  # date text, as in windows
            return self.interval(ast.DateLit(node.value, quoted=True, span=node.span))
        if timed and isinstance(node, ast.Literal) and isinstance(node.value, int) and not isinstance(node.value, bool):
            if not 1 <= node.value <= 9999:
                raise self.error(
                    f"{subject} is a time; compare it with a date (2024-03-01) or a year (1 to 9999), not {node.value}",
                    node.span,
                )
            return parse_date_text(f"{node.value:04d}", self.zone)
        return None

    def date_compare(self, op: str, left: ast.Expr, right: ast.Expr) -> p.Expr | None:
        """A comparison with a date as the interval test its window would be, or ``None`` if no side is a date.

        ``t = d`` is ``t ON d``, ``t < d`` is ``t BEFORE d``, ``t > d`` is ``t AFTER d``, ``t <= d`` is
        ``t <`` the end of ``d``, ``t >= d`` is ``t >=`` the start of ``d``, and ``t <> d`` is
        ``NOT t ON d``; ``t IN [d1, d2]`` (a list of dates and moments) is one
        :class:`~graphmem.query.plan.TimeIn` test, as ``t ON d1 OR t ON d2``.
        """
        if op == "IN":
            subject = self.value(left)
            tests = None
            if is_time(subject):
                return self._time_in(subject, right)
            if isinstance(right, ast.ListLit) and right.items:
                intervals = [self.date_operand(item, subject) for item in right.items]
                if all(i is not None for i in intervals):
                    tests = [interval_test(subject, "=", i, None) for i in intervals if i is not None]
            if not tests:
                return None
            return tests[0] if len(tests) == 1 else p.BoolOr(tuple(tests))
        if op not in _FLIP_OP:
            return None
        right_value, left_value = self.value(right), self.value(left)
        interval = self.date_operand(right, left_value)
        if interval is not None:
            return interval_test(left_value, op, interval, _param_name(right))
        interval = self.date_operand(left, right_value)
        if interval is not None:
            return interval_test(right_value, _FLIP_OP[op], interval, _param_name(left))
        return None

    def _time_in(self, subject: p.Expr, right: ast.Expr) -> p.TimeIn | None:
        """``time IN [...]`` or ``time IN $list`` as one :class:`~graphmem.query.plan.TimeIn` test: a date
        (literal, date text, a ``date``) is its interval, a ``datetime`` its moment, ``NULL`` makes a time
        in no item unknown; ``None`` when an item is none of these, or the list is empty (a plain
        comparison then: nothing is in an empty list)."""
        ranges: list[tuple[datetime, datetime]] = []
        unknown = False
        if isinstance(right, ast.ListLit):
            for item in right.items:
                if (isinstance(item, ast.Literal) and item.value is None) or (
                    isinstance(item, ast.Param) and item.name in self.params and self.params[item.name] is None
                ):
                    unknown = True
                    continue
                interval = self.date_operand(item, subject)
                if interval is not None:
                    ranges.append(interval)
                elif isinstance(item, ast.Param) and isinstance(self.params.get(item.name), datetime):
                    moment = self.param_const(item).value
                    ranges.append((moment, moment))
                else:
                    return None
            return p.TimeIn(subject, tuple(ranges), unknown) if ranges or unknown else None
        bound = self.params.get(right.name) if isinstance(right, ast.Param) else None
        if not isinstance(bound, list | tuple | set | frozenset):
            return None
        assert isinstance(right, ast.Param)
        values = sorted(bound, key=repr) if isinstance(bound, set | frozenset) else bound
        for value in values:
            if value is None:
                unknown = True
            elif isinstance(value, datetime):
                moment = self._scalar(value, right)
                ranges.append((moment, moment))
            elif isinstance(value, date):
                ranges.append(interval_of(value, self.zone))
            elif isinstance(value, str):
                try:
                    ranges.append(parse_date_text(value, self.zone))
                except ValueError as exc:
                    raise self.error(f"parameter ${right.name}: {exc}", right.span) from None
            else:
                return None
        return p.TimeIn(subject, tuple(ranges), unknown, right.name) if ranges or unknown else None


def _is_date(node: ast.Expr | ast.TimeValue) -> bool:
    """Whether a side of a comparison is a date (a literal, date text, a year or a parameter), shifted or not."""
    base = node.base if isinstance(node, ast.TimeValue) else node
    return isinstance(base, ast.DateLit | ast.Param) or (
        isinstance(base, ast.Literal) and isinstance(base.value, str | int) and not isinstance(base.value, bool)
    )


def _param_name(node: ast.Expr) -> str | None:
    return node.name if isinstance(node, ast.Param) else None
