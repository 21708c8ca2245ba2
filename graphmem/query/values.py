"""Evaluating plan expressions against a row: properties, functions and three-valued predicates.

A predicate is ``True``, ``False`` or ``None`` (unknown: a missing value was compared); a row passes a
filter only when it is ``True``. Text tests other than ``=`` ignore case; ``~`` and name equality also
ignore accents.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, tzinfo
from typing import Any, assert_never

from graphmem.dates import local_to_utc, utc_to_local
from graphmem.models import EdgeType, Entity, Event, NodeKind, Session, natural_sort_text
from graphmem.query import plan as p
from graphmem.query.result import Edge
from graphmem.query.row import Row
from graphmem.query.timeutil import naive_utc, shift_clamped, to_instant
from graphmem.store.base import Direction, GraphStore
from graphmem.text import fold_name, normalise_name, strip_accents

__all__ = ["Evaluator", "fuzzy_entities", "fuzzy_key", "normalise_name", "prop_of", "strip_accents"]

_EVENT_KEYS: dict[str, Callable[[Event], Any]] = {
    "id": lambda e: e.id,
    "text": lambda e: e.text,
    "speaker": lambda e: e.speaker,
    "time": lambda e: e.occurred_at,
    "happened": lambda e: span[0] if (span := e.happened) is not None else None,
    "happened_end": lambda e: span[1] if (span := e.happened) is not None else None,
    "session": lambda e: e.session,
    "seq": lambda e: e.seq,
    "source": lambda e: e.source_id,
    "kind": lambda e: e.kind,
    "namespace": lambda e: e.namespace,
}
_ENTITY_KEYS: dict[str, Callable[[Entity], Any]] = {
    "id": lambda e: e.id,
    "name": lambda e: e.name,
    "type": lambda e: e.type,
    "aliases": lambda e: e.aliases,
    "namespace": lambda e: e.namespace,
}
_SESSION_KEYS: dict[str, Callable[[Session], Any]] = {
    "id": lambda s: s.id,
    "index": lambda s: s.index,
    "time": lambda s: s.started_at,
    "date": lambda s: s.date_text,
    "namespace": lambda s: s.namespace,
}


def fuzzy_key(text: str) -> str:
    """The form ``~`` compares: :func:`~graphmem.text.fold_name` (accents, inner apostrophes), then
    rapidfuzz's ``default_process`` (lower case, punctuation to spaces, trimmed)."""
    from rapidfuzz import utils

    return str(utils.default_process(fold_name(text)))


def fuzzy_entities(
    entities: Sequence[Entity], labels: p.Labels, text: str, cutoff: float, limit: int | None
) -> list[tuple[Entity, float, str]]:
    """Entities (of ``labels``) whose name or an alias is alike ``text``: rapidfuzz ``token_set_ratio`` on
    :func:`fuzzy_key` forms ≥ ``cutoff``, best first (ties: shorter name, then id), as
    ``(entity, score 0–1, matched name)``; at most ``limit`` (all when ``None``)."""
    from rapidfuzz import fuzz, process, utils

    types = {t.lower() for t in labels.types}
    admitted = [e for e in entities if NodeKind.ENTITY in labels.kinds and (not types or e.type.lower() in types)]
    names: list[str] = []
    owner: list[int] = []
    for i, ent in enumerate(admitted):
        for name in (ent.name, *ent.aliases):
            names.append(name)
            owner.append(i)
    best: dict[int, tuple[float, str]] = {}
    # Names folded here, the rest of fuzzy_key by rapidfuzz's own (C) default_process.
    bare = [fold_name(n) for n in names]
    matches = process.extract(
        fold_name(text),
        bare,
        scorer=fuzz.token_set_ratio,
        processor=utils.default_process,
        score_cutoff=cutoff,
        limit=None,
    )
    for _, score, index in matches:
        i, name = owner[index], names[index]
        if i not in best or score > best[i][0]:
            best[i] = (score, name)
    ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], len(admitted[kv[0]].name), admitted[kv[0]].id))
    if limit is not None:
        ranked = ranked[:limit]
    return [(admitted[i], score / 100.0, name) for i, (score, name) in ranked]


def prop_of(value: Any, key: str) -> Any:
    """Property ``key`` of a node, an edge or a path (a path gives a tuple, one value per edge)."""
    if value is None:
        return None
    if isinstance(value, Event):
        getter = _EVENT_KEYS.get(key)
        return getter(value) if getter else None
    if isinstance(value, Entity):
        getter_e = _ENTITY_KEYS.get(key)
        return getter_e(value) if getter_e else None
    if isinstance(value, Session):
        getter_s = _SESSION_KEYS.get(key)
        return getter_s(value) if getter_s else None
    if isinstance(value, Edge):
        return value.get(key)
    if isinstance(value, tuple):
        if key == "hops":
            return len(value)
        return tuple(prop_of(v, key) for v in value)
    return None


class Evaluator:
    """Evaluates expressions for one execution (it caches the mentions of events)."""

    def __init__(self, store: GraphStore, namespace: str, node: Callable[..., Any]) -> None:
        self.store = store
        self.ns = namespace
        self.node = node
        self.mention_cache: dict[str, list[Entity]] = {}

    # -- values -----------------------------------------------------------------------------------

    def value(self, expr: p.Expr, row: Row) -> Any:
        """The value of an expression (predicates give ``True``/``False``/``None``)."""
        if isinstance(expr, p.Const):
            return expr.value
        if isinstance(expr, p.Column):
            return row.cols.get(expr.name)
        if isinstance(expr, p.Ref):
            return row.vals.get(expr.var)
        if isinstance(expr, p.PropRef):
            if expr.key == "score":
                return row.scores.get(expr.var)
            if expr.key == "why":
                return row.notes.get(expr.var)
            return prop_of(row.vals.get(expr.var), expr.key)
        if isinstance(expr, p.Relevance):
            return sum(row.scores.values()) if row.scores else 0.0
        if isinstance(expr, p.Func):
            arg = self.value(expr.arg, row)
            if expr.shift and isinstance(arg, datetime):
                arg = expr.shift.clamped(arg)
            return _func(expr.name, arg, expr.zone)
        if isinstance(expr, p.Agg):
            return row.cols.get(str(expr))
        if isinstance(expr, p.PredicateExpr):
            return self.truth(expr, row)
        assert_never(expr)

    def test(self, expr: p.Expr, row: Row) -> bool:
        """Whether a predicate is true for the row."""
        return self.truth(expr, row) is True

    def truth(self, expr: p.Expr, row: Row) -> bool | None:
        """Three-valued truth of a predicate (a value is true only when it is ``True``)."""
        if isinstance(expr, p.BoolAnd | p.BoolOr):
            return self.junction(expr, row)
        if isinstance(expr, p.BoolNot):
            t = self.truth(expr.operand, row)
            return None if t is None else not t
        if isinstance(expr, p.Cmp):
            return self.compare(expr, row)
        if isinstance(expr, p.IsNull):
            v = self.value(expr.operand, row)
            empty = v is None
            return not empty if expr.negated else empty
        if isinstance(expr, p.InTime):
            return self.in_time(expr, row)
        if isinstance(expr, p.TimeIn):
            when = self.value(expr.subject, row)
            if not isinstance(when, datetime):
                return None
            if any(start <= when and (when < end or when == start) for start, end in expr.ranges):
                return True
            return None if expr.unknown else False
        if isinstance(expr, p.Mentions):
            return self.mentions(expr, row)
        if isinstance(expr, p.HasName):
            node = row.vals.get(expr.var)
            name = self.value(expr.name, row)
            if not isinstance(node, Entity) or not isinstance(name, str):
                return None
            wanted = normalise_name(name)
            return any(normalise_name(n) == wanted for n in (node.name, *node.aliases))
        if isinstance(expr, p.ValueExpr):
            value = self.value(expr, row)
            return value if isinstance(value, bool) or value is None else None
        assert_never(expr)

    def junction(self, expr: p.BoolAnd | p.BoolOr, row: Row) -> bool | None:
        """Three-valued AND / OR: the deciding value (false / true) wins, else unknown beats the other."""
        deciding = isinstance(expr, p.BoolOr)
        result: bool | None = not deciding
        for item in expr.items:
            t = self.truth(item, row)
            if t is deciding:
                return deciding
            if t is None:
                result = None
        return result

    def compare(self, expr: p.Cmp, row: Row) -> bool | None:
        """Three-valued truth of ``left op right`` (a missing side is unknown)."""
        left = self.value(expr.left, row)
        right = self.value(expr.right, row)
        if expr.op == "IN" and isinstance(right, tuple | list) and not right:
            return False  # nothing is in an empty list, not even an unknown value (as in Cypher)
        if left is None or right is None:
            return None
        op = expr.op
        if op == "~":
            if not isinstance(right, str):
                return None
            names = left if isinstance(left, tuple | list) else (left,)
            texts = tuple(n for n in names if isinstance(n, str))
            if not texts:
                return None
            return self.fuzzy_score(texts, right)[0] >= (expr.cutoff or 80.0)
        if op == "IN":
            if not isinstance(right, tuple | list):
                return None
            if isinstance(left, tuple | list):
                return _any_true(_member(x, right) for x in left)
            return _member(left, right)
        if op in ("CONTAINS", "STARTS WITH", "ENDS WITH"):
            return _text_compare(op, left, right)
        return _order_compare(op, left, right)

    def fuzzy_score(self, names: tuple[str, ...], text: str) -> tuple[float, str]:
        """The best rapidfuzz ``token_set_ratio`` (0–100) of ``text`` against ``names``, and that name."""
        from rapidfuzz import fuzz

        query = fuzzy_key(text)
        best, best_name = 0.0, ""
        for name in names:
            score = fuzz.token_set_ratio(query, fuzzy_key(name))
            if score > best:
                best, best_name = score, name
        return best, best_name

    def bound(self, bound: p.Bound, row: Row) -> int | None:
        """One end of a time window: its time as an instant (:func:`~graphmem.query.timeutil.to_instant`),
        shifted (past an end of the calendar if it goes there, as in Cypher), ``None`` when it has no time."""
        value = self.value(bound.value, row)
        if not isinstance(value, datetime):
            return None
        instant = to_instant(value)
        return bound.shift.instant(instant) if bound.shift is not None else instant

    def in_time(self, expr: p.InTime, row: Row) -> bool | None:
        """Three-valued truth of a time window: unknown when the subject or a bound has no time."""
        when = self.value(expr.subject, row)
        if not isinstance(when, datetime):
            return None
        if not expr.shift and all(b is None or not b.shift for b in (expr.low, expr.high)):
            return self._plain_in_time(expr, when, row)
        moment = to_instant(when)
        if expr.shift:
            moment = expr.shift.instant(moment)  # as a bound's shift
        ends = [(b, self.bound(b, row), sign) for b, sign in ((expr.low, 1), (expr.high, -1)) if b is not None]
        if any(at is None for _, at, _ in ends):
            return None
        for bound, at, sign in ends:  # the low end is below the moment (sign 1), the high end above it
            assert at is not None
            if sign * (moment - at) < 0 or (moment == at and not bound.inclusive):
                return False
        return True

    def _plain_in_time(self, expr: p.InTime, when: datetime, row: Row) -> bool | None:
        """:meth:`in_time` with nothing shifted: the times compared as they are (no instants per row)."""
        ends = [(b, self.value(b.value, row), sign) for b, sign in ((expr.low, 1), (expr.high, -1)) if b is not None]
        when = naive_utc(when)
        if any(not isinstance(at, datetime) for _, at, _ in ends):
            return None
        for bound, at, sign in ends:
            at = naive_utc(at)
            if (when < at if sign == 1 else when > at) or (when == at and not bound.inclusive):
                return False
        return True

    def mentioned(self, event: Event) -> list[Entity]:
        """The entities an event mentions."""
        found = self.mention_cache.get(event.id)
        if found is None:
            found = []
            for nb in self.store.neighbors(self.ns, event.id, edge_types=[EdgeType.MENTIONS], direction=Direction.OUT):
                ent = self.node(nb.node_id, NodeKind.ENTITY)
                if isinstance(ent, Entity):
                    found.append(ent)
            self.mention_cache[event.id] = found
        return found

    def mentions(self, expr: p.Mentions, row: Row) -> bool | None:
        """Three-valued truth of ``e MENTIONS target`` (unknown when ``e`` is not bound to an event)."""
        event = row.vals.get(expr.var)
        if not isinstance(event, Event):
            return None
        entities = self.mentioned(event)
        if expr.how == "var":
            other = self.value(expr.target, row)
            return isinstance(other, Entity) and any(e.id == other.id for e in entities)
        text = self.value(expr.target, row)
        if not isinstance(text, str):
            return None
        if expr.how == "name":
            wanted = normalise_name(text)
            return any(normalise_name(n) == wanted for e in entities for n in (e.name, *e.aliases))
        cutoff = expr.cutoff or 80.0
        return any(self.fuzzy_score((e.name, *e.aliases), text)[0] >= cutoff for e in entities)


def _text_compare(op: str, left: Any, right: Any) -> bool | None:
    """``CONTAINS`` / ``STARTS WITH`` / ``ENDS WITH``, ignoring case; a list passes when any item does.

    Case is ignored by lower-casing both sides, as Cypher's ``toLower`` does when the test is pushed
    down (not ``casefold``, which would also equate ``ß`` with ``ss``)."""
    if not isinstance(right, str):
        return None
    needle = right.lower()
    if isinstance(left, tuple | list):
        return any(isinstance(x, str) and _text_test(op, x.lower(), needle) for x in left)
    if not isinstance(left, str):
        return None
    return _text_test(op, left.lower(), needle)


_ORDER: dict[str, Callable[[Any, Any], Any]] = {
    "=": operator.eq,
    "<>": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _any_true(truths: Iterable[bool | None]) -> bool | None:
    """Three-valued OR of ``truths`` (``any`` where unknown is neither)."""
    result: bool | None = False
    for t in truths:
        if t:
            return True
        if t is None:
            result = None
    return result


def _member(value: Any, items: tuple[Any, ...] | list[Any]) -> bool | None:
    """Three-valued ``value IN items`` (as Cypher): true when an item equals it, else unknown when an item
    is missing (``NULL``) or cannot be compared, else false."""
    return _any_true(None if item is None else _order_compare("=", value, item) for item in items)


def _equal(left: Any, right: Any) -> bool | None:
    """Three-valued ``left = right`` as in Cypher: a missing value is unknown; lists are equal when they have
    the same length and each pair is equal, unequal when the lengths or any pair differ, else unknown
    (``[1, NULL] = [1, NULL]`` is unknown, ``[1, NULL] = [2, NULL]`` false); booleans only equal booleans."""
    if left is None or right is None:
        return None
    left_list, right_list = isinstance(left, tuple | list), isinstance(right, tuple | list)
    if left_list or right_list:
        if not (left_list and right_list) or len(left) != len(right):
            return False
        result: bool | None = True
        for a, b in zip(left, right, strict=True):
            t = _equal(a, b)
            if t is False:
                return False
            if t is None:
                result = None
        return result
    if isinstance(left, bool) != isinstance(right, bool):
        return False
    return bool(left == right)


def _order_compare(op: str, left: Any, right: Any) -> bool | None:
    """``=``, ``<>`` (see :func:`_equal`) and the orderings; values that cannot be ordered give unknown."""
    test = _ORDER.get(op)
    if test is None:  # pragma: no cover - the planner emits only the operators above
        raise ValueError(f"unknown comparison {op}")
    if op in ("=", "<>"):
        same = _equal(left, right)
        return same if same is None or op == "=" else not same
    if isinstance(left, bool) != isinstance(right, bool):
        return None
    try:
        return bool(test(left, right))
    except TypeError:
        return None


def _text_test(op: str, hay: str, needle: str) -> bool:
    if op == "CONTAINS":
        return needle in hay
    if op == "STARTS WITH":
        return hay.startswith(needle)
    return hay.endswith(needle)


def _func(name: str, value: Any, zone: tzinfo | None = None) -> Any:
    """A scalar function of a value; ``date``, ``year`` and ``month`` read a time on ``zone``'s clock."""
    if value is None:
        return None
    if name in ("date", "next_day", "year", "month"):
        if not isinstance(value, datetime):
            return None
        local = utc_to_local(value, zone)
        if name == "year":
            return local.year
        if name == "month":
            return local.month
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        if name == "next_day":  # the end of the day on the clock (not in the plan without a zone)
            midnight = shift_clamped(midnight, seconds=86400.0)
        return local_to_utc(midnight, zone)
    if name == "lower":
        return value.lower() if isinstance(value, str) else None
    if name == "upper":
        return value.upper() if isinstance(value, str) else None
    if name == "size":
        return len(value) if isinstance(value, str | tuple | list) else None
    if name == "natural":
        return natural_sort_text(value) if isinstance(value, str) else None
    raise ValueError(f"unknown function {name}")  # pragma: no cover
