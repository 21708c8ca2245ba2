"""Property tests: AST → unparse → parse is the identity, and no input crashes the query layer.

Any text, and any mutation of a valid query, either plans or raises ``QuerySyntaxError`` /
``QuerySemanticError``; a query that plans runs on the small graph or stops with a ``QueryError``.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from graphmem import Memory
from graphmem.errors import QueryError, QuerySemanticError, QuerySyntaxError
from graphmem.query import QueryLimits, ast, execute, parse, plan_query, unparse
from graphmem.query.parser import keywords
from graphmem.recall import RecallRequest

from .test_golden import all_cases

_RESERVED = {k.lower() for k in keywords()} | {"true", "false", "null", "first", "last", "asc", "desc"}
_UNIT_RE = re.compile(r"(minute|hour|day|week|month|year)s?$")

names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True).filter(
    lambda n: n.lower() not in _RESERVED and not _UNIT_RE.match(n.lower())
)
# string literals are read composed (NFC, as inputs are), so a query round-trips as composed text
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=12).map(lambda s: unicodedata.normalize("NFC", s))
# Bound parameters, with dates at both ends of the calendar.
_PARAMS: dict[str, Any] = {
    "who": "Caroline",
    "n": 3,
    "day": date(2023, 6, 10),
    "t": datetime(2023, 6, 1),
    "ids": ["e1"],
    "end": date(9999, 12, 31),
    "last": datetime.max,
    "first": datetime.min,
    "late": datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))),
    "endtext": "31 December 9999",
}
params = st.builds(ast.Param, names | st.sampled_from(sorted(_PARAMS)))
str_values = st.one_of(st.builds(ast.Literal, texts), params)
int_values = st.one_of(st.builds(ast.Literal, st.integers(0, 10**6)), params)
scalars = st.one_of(
    texts,
    st.integers(-(10**9), 10**9),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.booleans(),
    st.none(),
)
# The ends of the calendar, where intervals and shifts overflow unless clamped.
EDGE_DATES = ("9999-12", "9999-12-31", "9999-12-31T23:59", "9999-12-31T23:59:59", "0001-01", "0001-01-01")
date_texts = st.from_regex(r"\d{4}-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2})?)?)?", fullmatch=True) | st.sampled_from(
    EDGE_DATES
)
durations = st.builds(
    ast.Duration,
    st.integers(0, 999) | st.integers(0, 10**25),
    st.sampled_from(["minute", "hour", "day", "week", "month", "year"]),
)
time_bases = st.one_of(
    st.builds(ast.DateLit, date_texts),
    st.builds(ast.DateLit, texts, quoted=st.just(True)),
    st.builds(
        ast.DateLit, st.from_regex(r"\d{1,5}", fullmatch=True) | st.sampled_from(["9999", "1"]), year=st.just(True)
    ),
    params,
    st.builds(ast.Prop, names, names),
    st.builds(ast.Var, names),
)
time_values = st.builds(
    ast.TimeValue, time_bases, st.lists(st.tuples(st.sampled_from("+-"), durations), max_size=2).map(tuple)
)


@st.composite
def windows(draw: st.DrawFn) -> ast.Window:
    op = draw(st.sampled_from(["BEFORE", "AFTER", "ON", "BETWEEN", "WITHIN"]))
    low = draw(time_values)
    if op == "BETWEEN":
        return ast.Window(op, low, high=draw(time_values))
    if op == "WITHIN":
        return ast.Window(op, low, within=draw(durations))
    return ast.Window(op, low)


def _calls(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[ast.Call]:
    lower = names.map(str.lower).filter(lambda n: n not in _RESERVED and not _UNIT_RE.match(n))
    return st.one_of(
        st.builds(ast.Call, lower, inner, st.booleans()),
        st.builds(ast.Call, lower, st.none(), st.booleans(), st.just(True)),
        st.builds(ast.Call, lower, st.none(), st.booleans()),
    )


values = st.recursive(
    st.one_of(
        st.builds(ast.Literal, scalars),
        st.builds(ast.DateLit, date_texts),
        params,
        st.builds(ast.Var, names),
        st.builds(ast.Prop, names, names),
        st.builds(ast.Relevance),
    ),
    lambda inner: st.one_of(st.builds(ast.ListLit, st.lists(inner, max_size=3).map(tuple)), _calls(inner)),
    max_leaves=4,
)
mention_targets = st.one_of(
    st.builds(ast.MentionTarget, st.just("name"), str_values),
    st.builds(ast.MentionTarget, st.just("fuzzy"), str_values),
    st.builds(ast.MentionTarget, st.just("var"), st.builds(ast.Var, names)),
)
compare_ops = st.sampled_from(["=", "<>", "<", "<=", ">", ">=", "IN", "CONTAINS", "STARTS WITH", "ENDS WITH"])
predicates = st.recursive(
    st.one_of(
        st.builds(ast.Compare, compare_ops, values, values),
        st.builds(ast.FuzzyCompare, values, values),
        st.builds(ast.IsNull, values, st.booleans()),
        st.builds(ast.Temporal, values, windows()),
        st.builds(ast.Mentions, names, mention_targets),
    ),
    lambda inner: st.one_of(
        st.builds(ast.And, inner, inner), st.builds(ast.Or, inner, inner), st.builds(ast.Not, inner)
    ),
    max_leaves=5,
)
prop_maps = st.lists(st.builds(ast.PropPair, names, values), max_size=2).map(tuple)


@st.composite
def node_patterns(draw: st.DrawFn) -> ast.NodePattern:
    matcher = draw(st.sampled_from(["none", "fuzzy", "about"]))
    return ast.NodePattern(
        draw(st.none() | names),
        tuple(draw(st.lists(names, max_size=2))),
        fuzzy=draw(str_values) if matcher == "fuzzy" else None,
        about=draw(str_values) if matcher == "about" else None,
        top=draw(st.none() | int_values) if matcher == "about" else None,
        props=draw(prop_maps),
    )


@st.composite
def hop_ranges(draw: st.DrawFn) -> ast.HopRange:
    ranged = draw(st.booleans())
    low = draw(st.none() | st.integers(0, 20))
    high = draw(st.none() | st.integers(0, 20)) if ranged else None
    return ast.HopRange(low, high, ranged)


@st.composite
def rel_patterns(draw: st.DrawFn) -> ast.RelPattern:
    direction = draw(st.sampled_from(["out", "in", "both"]))
    if not draw(st.booleans()):
        return ast.RelPattern(direction, bracketed=False)
    return ast.RelPattern(
        direction,
        draw(st.none() | names),
        tuple(draw(st.lists(names, max_size=2))),
        draw(st.none() | hop_ranges()),
        draw(prop_maps),
    )


@st.composite
def path_patterns(draw: st.DrawFn) -> ast.PathPattern:
    elements: list[ast.NodePattern | ast.RelPattern] = [draw(node_patterns())]
    for _ in range(draw(st.integers(0, 2))):
        elements += [draw(rel_patterns()), draw(node_patterns())]
    return ast.PathPattern(tuple(elements))


@st.composite
def finds(draw: st.DrawFn) -> ast.Find:
    returns = tuple(draw(st.lists(st.builds(ast.ReturnItem, values, st.none() | names), max_size=3)))
    return ast.Find(
        tuple(draw(st.lists(path_patterns(), min_size=1, max_size=2))),
        pick=draw(st.none() | st.builds(ast.Pick, st.sampled_from(["FIRST", "LAST"]), st.none() | int_values)),
        namespace=draw(st.none() | str_values),
        where=draw(st.none() | predicates),
        as_of=draw(st.none() | time_values),
        valid_at=draw(st.none() | time_values),
        returns=returns,
        distinct=bool(returns) and draw(st.booleans()),
        group_by=tuple(draw(st.lists(values, max_size=2))),
        order_by=tuple(
            draw(st.lists(st.builds(ast.OrderItem, values, st.sampled_from([None, "ASC", "DESC"])), max_size=2))
        ),
        limit=draw(st.none() | int_values),
    )


recalls = st.builds(
    ast.Recall,
    str_values,
    st.none() | str_values,
    st.none() | int_values,
    st.lists(str_values, max_size=2).map(tuple),
    st.none() | windows(),
    st.none() | time_values,
    st.none() | int_values,
)
timelines = st.builds(
    ast.Timeline, node_patterns(), st.none() | str_values, st.none() | predicates, st.none() | int_values
)
queries = st.builds(ast.Query, st.one_of(finds(), recalls, timelines), st.booleans())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queries)
def test_unparse_then_parse_is_the_identity(query: ast.Query) -> None:
    text = unparse(query)
    assert parse(text) == query, text
    assert unparse(parse(text)) == text


_ALLOWED = (QuerySyntaxError, QuerySemanticError)


def _plan_or_named_error(text: str) -> Any:
    try:
        return plan_query(parse(text), _PARAMS)
    except _ALLOWED:
        return None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_random_text_gives_a_plan_or_a_named_error(text: str) -> None:
    _plan_or_named_error(text)


_SEEDS = [c.query for c in all_cases()]
_TOKENS = [
    "(", ")", "[", "]", "{", "}", "-", "->", "<-", ":", ",", ".", "..", "*", "~", "$who", "$nope", '"x"', "'y'",
    "2023-06-01", "2023-13-40", "3", "-1", "0", "999999", "e", "x", "event", "FIND", "WHERE", "RETURN", "AND", "OR",
    "NOT", "ABOUT", "MENTIONS", "AFTER", "BETWEEN", "LIMIT", "AS OF", "count(*)", "Person", "NEXT*1..9", "/*", "//",
    *EDGE_DATES, "9999", "0001", "+ 1 day", "- 1 year", "WITHIN 3 days OF", "ON", "<=", ">", "=", "$end", "$last",
    "$late", "~\"Inês\"",
]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(_SEEDS))
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["insert", "delete", "replace", "token"]))
        pos = draw(st.integers(0, len(text)))
        if kind == "insert":
            text = text[:pos] + draw(st.text(max_size=3)) + text[pos:]
        elif kind == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 6)) :]
        elif kind == "replace":
            text = text[:pos] + draw(st.characters(exclude_categories=("Cs",))) + text[pos + 1 :]
        else:
            text = text[:pos] + " " + draw(st.sampled_from(_TOKENS)) + " " + text[pos:]
    return text


@pytest.fixture(scope="module")
def small_store(small_memory: Memory, about_small: Any) -> Any:
    return small_memory, about_small


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=mutated())
def test_mutated_queries_plan_or_fail_by_name_and_run(small_store: Any, text: str) -> None:
    memory, about = small_store
    plan = _plan_or_named_error(text)
    assume(plan is not None)

    def recall(request: RecallRequest) -> list[Any]:
        return []

    limits = QueryLimits(max_work=20_000, timeout=5.0, max_rows=500)
    with contextlib.suppress(QueryError):
        execute(plan, memory.store, namespace="t1", about=about, recall=recall, limits=limits)


# -- time: dates anywhere in the calendar, windows, comparisons and shifts, run on the small graph --

_SUBJECTS = ["e.time", "e", "s.time", "s", "f.valid_from", "f.valid_to", "f.recorded_at", "date(e.time)"]
_DATE_PARAMS = ["$day", "$t", "$end", "$last", "$first", "$late", "$endtext"]
_GRAINS = ("%Y", "%Y-%m", "%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")
valid_dates = st.builds(lambda d, fmt: f"{d.year:04d}{d.strftime(fmt)[4:]}", st.datetimes(), st.sampled_from(_GRAINS))
edge_dates = st.sampled_from([*EDGE_DATES, "9999", "0001"])
time_dates = st.one_of(
    valid_dates,
    edge_dates,
    edge_dates,
    st.sampled_from(_DATE_PARAMS),
    st.sampled_from(["1", "0", "10000", "2023-02-30"]),
)
small_amounts = st.integers(0, 999)
time_durations = st.builds(
    "{} {}".format,
    st.one_of(*[small_amounts] * 5, st.sampled_from([3_660_000, 3_660_001, 10**25])),
    st.sampled_from(["minutes", "hours", "days", "weeks", "months", "years"]),
)
time_values_text = st.builds(
    lambda base, shifts: base + "".join(f" {sign} {d}" for sign, d in shifts),
    time_dates | st.sampled_from(_SUBJECTS),
    st.lists(st.tuples(st.sampled_from("+-"), time_durations), max_size=2),
)


@st.composite
def time_conditions(draw: st.DrawFn) -> str:
    subject = draw(st.sampled_from(_SUBJECTS))
    form = draw(st.sampled_from(["compare", "window", "between", "within", "in"]))
    if form == "compare":
        op = draw(st.sampled_from(["=", "<>", "<", "<=", ">", ">="]))
        other = draw(time_dates | st.sampled_from(_SUBJECTS))
        return f"{other} {op} {subject}" if draw(st.booleans()) else f"{subject} {op} {other}"
    if form == "window":
        return f"{subject} {draw(st.sampled_from(['BEFORE', 'AFTER', 'ON']))} {draw(time_values_text)}"
    if form == "between":
        return f"{subject} BETWEEN {draw(time_values_text)} AND {draw(time_values_text)}"
    if form == "within":
        return f"{subject} WITHIN {draw(time_durations)} OF {draw(time_values_text)}"
    return f"{subject} IN [{', '.join(draw(st.lists(time_dates, min_size=1, max_size=3)))}]"


@st.composite
def time_queries(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 5)) == 0:
        window = draw(time_conditions()).split(" ", 1)[1]
        return f'RECALL "camping" {window} AS OF {draw(time_values_text)}'
    where = draw(time_conditions())
    for _ in range(draw(st.integers(0, 2))):
        where = f"{'NOT ' if draw(st.booleans()) else ''}{where} {draw(st.sampled_from(['AND', 'OR']))} " + draw(
            time_conditions()
        )
    axes = "".join(f" {clause} {draw(time_values_text)}" for clause in ("AS OF", "VALID AT") if draw(st.booleans()))
    return (
        "FIND (s:Session)<-[:IN_SESSION]-(e:Event)-[:SPOKEN_BY]->(p)-[f:FACT]->(x)"
        f"{axes} WHERE {where} RETURN e.id, f.id LIMIT 50"
    )


def run_time_query(memory: Memory, about: Any, text: str) -> None:
    """Plan and run ``text``: a result or a named QueryError, nothing else."""
    try:
        plan = plan_query(parse(text), _PARAMS)
    except QueryError:
        return
    limits = QueryLimits(max_work=20_000, timeout=5.0, max_rows=500)
    with contextlib.suppress(QueryError):
        execute(plan, memory.store, namespace="t1", about=about, recall=lambda request: [], limits=limits)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=time_queries())
def test_any_date_gives_a_result_or_a_named_error(small_store: Any, text: str) -> None:
    memory, about = small_store
    run_time_query(memory, about, text)


def test_a_recall_window_of_no_time_is_named_at_the_window() -> None:
    # found by the property above: the window [last moment, last moment) became since > until, a ConfigError
    text = 'RECALL "camping" WITHIN 0 minutes OF $last AS OF 9999-12'
    with pytest.raises(QuerySemanticError, match="the RECALL window holds no time") as caught:
        plan_query(parse(text), _PARAMS)
    assert caught.value.column == text.index("WITHIN") + 1
