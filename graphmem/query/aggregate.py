"""Grouping, aggregates and sort order for the executor."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from graphmem.query import plan as p
from graphmem.query.row import Row

if TYPE_CHECKING:
    from graphmem.query.values import Evaluator

__all__ = ["aggregate_rows", "sort_key"]


class _Accumulator:
    """One aggregate over one group."""

    __slots__ = ("agg", "count", "items", "seen", "total", "value")

    def __init__(self, agg: p.Agg) -> None:
        self.agg = agg
        self.count = 0
        self.total: float = 0
        self.value: Any = None
        self.items: list[Any] = []
        self.seen: set[Any] = set()

    def add(self, value: Any, star: bool) -> None:
        if not star:
            if value is None:
                return
            if self.agg.distinct:
                key = _hashable(value)
                if key in self.seen:
                    return
                self.seen.add(key)
        name = self.agg.name
        self.count += 1
        if name in ("sum", "avg"):
            if isinstance(value, int | float) and not isinstance(value, bool):
                self.total += value
            else:
                self.count -= 1
        elif name == "min":
            if self.value is None or _less(value, self.value):
                self.value = value
        elif name == "max":
            if self.value is None or _less(self.value, value):
                self.value = value
        elif name == "collect":
            self.items.append(value)

    def result(self) -> Any:
        name = self.agg.name
        if name == "count":
            return self.count
        if name == "sum":
            return self.total
        if name == "avg":
            return self.total / self.count if self.count else None
        if name == "collect":
            return tuple(self.items)
        return self.value


def _less(a: Any, b: Any) -> bool:
    try:
        return bool(a < b)
    except TypeError:
        return type(a).__name__ < type(b).__name__


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value


def aggregate_rows(step: p.Aggregate, rows: Iterable[Row], ev: Evaluator) -> Iterator[Row]:
    """Group rows by the step's keys and compute its aggregates; groups come out in first-seen order.

    With no keys and no input rows there is still one group (``count(*)`` of nothing is 0).
    """
    groups: dict[tuple[Any, ...], tuple[list[Any], list[_Accumulator]]] = {}
    for row in rows:
        keys = [ev.value(expr, row) for _, expr in step.keys]
        hkey = tuple(_hashable(k) for k in keys)
        group = groups.get(hkey)
        if group is None:
            group = groups[hkey] = (keys, [_Accumulator(agg) for _, agg in step.aggregates])
        for acc in group[1]:
            arg = acc.agg.arg
            acc.add(None if arg is None else ev.value(arg, row), arg is None)
    if not groups and not step.keys:
        groups[()] = ([], [_Accumulator(agg) for _, agg in step.aggregates])
    for keys, accs in groups.values():
        cols = {name: value for (name, _), value in zip(step.keys, keys, strict=True)}
        cols.update({name: acc.result() for (name, _), acc in zip(step.aggregates, accs, strict=True)})
        yield Row(cols=cols)


class _SortValue:
    """Orders any values: by type group first, then by value; lets mixed columns sort without error."""

    __slots__ = ("rank", "value")

    def __init__(self, value: Any) -> None:
        self.value = value
        if isinstance(value, bool):
            self.rank = 0
        elif isinstance(value, int | float):
            self.rank = 1
        elif isinstance(value, datetime):
            self.rank = 2
        elif isinstance(value, str):
            self.rank = 3
        elif isinstance(value, tuple | list):  # item by item, a shorter prefix first (as Cypher orders lists)
            self.rank = 5
            self.value = tuple(_SortValue(v) for v in value)
        else:
            self.rank = 4
            self.value = _describe(value)

    def __lt__(self, other: _SortValue) -> bool:
        if self.rank != other.rank:
            return self.rank < other.rank
        try:
            return bool(self.value < other.value)
        except TypeError:
            return str(self.value) < str(other.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _SortValue) and self.rank == other.rank and bool(self.value == other.value)

    __hash__ = None  # type: ignore[assignment]


def _describe(value: Any) -> str:
    for attr in ("occurred_at", "started_at"):
        when = getattr(value, attr, None)
        if isinstance(when, datetime):
            return when.isoformat()
    for attr in ("name", "id"):
        text = getattr(value, attr, None)
        if isinstance(text, str):
            return text
    return repr(value)


class _Reversed:
    __slots__ = ("key",)

    def __init__(self, key: _SortValue) -> None:
        self.key = key

    def __lt__(self, other: _Reversed) -> bool:
        return other.key < self.key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reversed) and self.key == other.key

    __hash__ = None  # type: ignore[assignment]


def sort_key(value: Any, descending: bool) -> tuple[bool, Any]:
    """A key that sorts ``value`` ascending or descending, with nulls last either way."""
    if value is None:
        return (True, 0)
    key = _SortValue(value)
    return (False, _Reversed(key) if descending else key)
