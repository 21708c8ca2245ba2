"""Comparisons with dates mean the date's interval, as the time windows do; dates at the calendar's ends.

On the small graph (``conftest.py``): e1-e4 are on 2023-05-08 (13:56-13:59), e5-e7 on 2023-06-10
(09:00-09:02), e8 has no time.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from graphmem import Memory
from graphmem.errors import QuerySemanticError
from graphmem.query import parse, plan_query
from graphmem.query import plan as p
from graphmem.query.unparse import unparse

from .test_executor import col, run

MAY_8 = ["e1", "e2", "e3", "e4"]
JUNE_10 = ["e5", "e6", "e7"]


def ids(mem: Memory, where: str, **params: Any) -> list[Any]:
    return col(run(mem, f"FIND (e:Event) WHERE {where} RETURN e.id ORDER BY e.id", **params))


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("e.time = 2023-05-08", MAY_8),
        ("e.time <= 2023-05", MAY_8),
        ("e.time <= 2023-05-08", MAY_8),
        ("e.time > 2023-05-08", JUNE_10),
        ("e.time > 2023-05", JUNE_10),
        ("e.time < 2023-06-10", MAY_8),
        ("e.time >= 2023-06-10", JUNE_10),
        ("e.time >= 2023-06-10T09:01", ["e6", "e7"]),
        ("e.time = 2023-05-08T13:57", ["e2"]),
        ("e.time <> 2023-05-08", JUNE_10),
        ("2023-05-08 < e.time", JUNE_10),
        ("2023-05-08T13:57 >= e.time", ["e1", "e2"]),
        ("e.time IN [2023-05-08T13:56, 2023-06]", ["e1", *JUNE_10]),
        ("date(e.time) = 2023-06-10", JUNE_10),
        ("e.time = 2023", [*MAY_8, *JUNE_10]),  # a number compared with a time is a year, as in windows
        ("e.time > 2022 AND e.time < 2024 AND 2023 >= e.time", [*MAY_8, *JUNE_10]),
        ("e.time IN [2022, 2023-05]", MAY_8),
        ("e.seq = 2", ["e3", "e7"]),  # ... but only compared with a time
        ('e.time = "8 May 2023"', MAY_8),  # text compared with a time is date text, as in the windows
        ('e.time IN ["2023-06", 2023-05-08T13:56]', ["e1", *JUNE_10]),
    ],
)
def test_comparison_with_a_date_means_its_interval(small_memory: Memory, where: str, expected: list[str]) -> None:
    assert ids(small_memory, where) == expected


@pytest.mark.parametrize("day", ["2023", "2023-05", "2023-05-08", "2023-05-08T13:57", "2023-06-10T09:01:00", "2024"])
def test_comparisons_agree_with_the_windows(small_memory: Memory, day: str) -> None:
    def same(comparison: str, window: str) -> None:
        assert ids(small_memory, f"e.time {comparison} {day}") == ids(small_memory, f"e.time {window} {day}")

    same("=", "ON")
    same("<", "BEFORE")
    same(">", "AFTER")
    assert ids(small_memory, f"e.time <= {day}") == ids(small_memory, f"e.time BEFORE {day} OR e.time ON {day}")
    assert ids(small_memory, f"e.time >= {day}") == ids(small_memory, f"e.time ON {day} OR e.time AFTER {day}")
    assert ids(small_memory, f"e.time <> {day}") == ids(small_memory, f"NOT e.time ON {day}")


def test_date_parameters_are_days_and_datetime_parameters_moments(small_memory: Memory) -> None:
    assert ids(small_memory, "e.time = $day", day=date(2023, 6, 10)) == JUNE_10
    assert ids(small_memory, "e.time <= $day", day=date(2023, 5, 8)) == MAY_8
    assert ids(small_memory, "e.time = $t", t=datetime(2023, 6, 10, 9, 1)) == ["e6"]
    assert ids(small_memory, "e.time <= $t", t=datetime(2023, 6, 10, 9, 1)) == [*MAY_8, "e5", "e6"]


def test_text_parameters_compared_with_a_time_are_date_text(small_memory: Memory) -> None:
    """The shell (``-p d=2023-05-08``) and MCP pass dates as text: compared with a time, text reads as a date."""
    assert ids(small_memory, "e.time = $day", day="2023-06-10") == JUNE_10
    assert ids(small_memory, "e.time > $day", day="2023-05-08") == JUNE_10
    assert ids(small_memory, "e.time IN [$a, $b]", a="2023-05-08T13:56", b="2023-06") == ["e1", *JUNE_10]
    assert ids(small_memory, "e.text = $day", day="2023-06-10") == []  # compared with text it stays text
    with pytest.raises(QuerySemanticError, match=r"column 31: parameter \$day: .*not a date"):
        ids(small_memory, "e.time > $day", day="soon")


def test_a_time_in_a_list_of_dates_moments_or_date_texts(small_memory: Memory) -> None:
    # A list parameter (of dates or date texts) matched nothing, and one datetime item in a list literal
    # made the whole list a plain comparison, so its date-text items matched nothing.
    assert ids(small_memory, "e.time IN $days", days=[date(2023, 6, 10)]) == JUNE_10
    assert ids(small_memory, "e.time IN $days", days=["2023-05-08T13:56", "2023-06"]) == ["e1", *JUNE_10]
    assert ids(small_memory, "e.time IN $days", days=(datetime(2023, 6, 10, 9, 1),)) == ["e6"]
    assert ids(small_memory, 'e.time IN [$t, "2023-05-08T13:57"]', t=datetime(2023, 6, 10, 9, 1)) == ["e2", "e6"]
    with pytest.raises(QuerySemanticError, match=r"parameter \$days: .*not a date"):
        ids(small_memory, "e.time IN $days", days=["soon"])
    assert ids(small_memory, "e.seq IN $n", n=[2]) == ["e3", "e7"]  # not a time: a plain comparison
    # a set like a list; a null item matches no time and leaves the others as they are (it made the
    # whole list a plain comparison, which matched nothing)
    assert ids(small_memory, "e.time IN $d", d={date(2023, 5, 8), date(2023, 6, 10)}) == [*MAY_8, *JUNE_10]
    assert ids(small_memory, "e.time IN $d", d=[date(2023, 6, 10), None]) == JUNE_10
    assert ids(small_memory, "e.time IN [2023-06-10, $n, NULL]", n=None) == JUNE_10


@pytest.mark.parametrize(
    ("where", "column"),
    [('e.time IN [2023-05-08, "x"]', 45), ('e.time < "the day after"', 31)],
)
def test_text_that_is_no_date_compared_with_a_time_is_an_error(small_memory: Memory, where: str, column: int) -> None:
    with pytest.raises(QuerySemanticError, match=f"column {column}: .*not a date"):
        ids(small_memory, where)


def test_a_reversed_between_is_an_error(small_memory: Memory) -> None:
    with pytest.raises(QuerySemanticError, match="column 29: BETWEEN's first date is after its second"):
        ids(small_memory, "e.time BETWEEN 2023-06-10 AND 2023-05-08")
    assert ids(small_memory, "e.time BETWEEN 2023-06-10 AND 2023-06-10") == JUNE_10  # one day is a window


def test_property_maps_with_a_date_mean_its_interval(small_memory: Memory) -> None:
    text = "FIND (e:Event {time: 2023-06-10})-[:SPOKEN_BY]->(p) RETURN e.id, p.name ORDER BY e.id"
    assert run(small_memory, text).rows == (("e5", "Melanie"), ("e6", "Caroline"), ("e7", "Melanie"))
    facts = "FIND (a)-[f:FACT {valid_from: 2023-06}]->(b) RETURN f.id ORDER BY f.id"
    assert col(run(small_memory, facts)) == ["f2", "f4"]


def test_date_comparisons_plan_to_the_window_predicates() -> None:
    # The plan keeps the test explicit (InTime, as the windows), so a compiler needs no new case.
    def condition(where: str) -> p.Expr:
        plan = plan_query(parse(f"FIND (e:Event) WHERE {where} RETURN e"))
        filters = [s.predicate for s in plan.steps if isinstance(s, p.Filter)]
        assert len(filters) == 1
        return filters[0]

    for comparison, window in [("=", "ON"), ("<", "BEFORE"), (">", "AFTER")]:
        got, want = condition(f"e.time {comparison} 2024-01"), condition(f"e.time {window} 2024-01")
        assert isinstance(got, p.InTime)
        assert (got.subject, got.low, got.high) == (want.subject, want.low, want.high)
    assert condition("e.time <= 2024-01") == p.InTime(
        p.PropRef("e", "time"), None, p.Bound(p.Const(datetime(2024, 2, 1)), False), "<="
    )
    assert condition("e.time >= 2024-01") == p.InTime(
        p.PropRef("e", "time"), p.Bound(p.Const(datetime(2024, 1, 1)), True), None, ">="
    )
    assert isinstance(condition("e.time <> 2024-01"), p.BoolNot)


# -- the ends of the calendar -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "FIND (e:Event) WHERE e.time ON 9999-12-31 RETURN e",
        "FIND (e:Event) WHERE e.time ON 9999-12-31T23:59:59 RETURN e",
        "FIND (e:Event) WHERE e.time = 9999-12-31T23:59 OR e.time > 9999 RETURN e",
        "FIND (e:Event) WHERE e.time AFTER 9999 OR e.time BETWEEN 9999-12 AND 9999-12-31 RETURN e",
        "FIND (e:Event) WHERE e.time WITHIN 1 day OF 9999-12-31 RETURN e",
        "FIND (e:Event) WHERE e.time BEFORE 0001-01-01 OR e.time WITHIN 2 days OF 0001-01-01 RETURN e",
        "FIND (e:Event), (s:Event) WHERE e.time WITHIN 9999 years OF s.time RETURN count(*)",
        "FIND (a)-[f:FACT]->(b) AS OF 9999-12-31 RETURN f.id",
        "FIND (a)-[f:FACT]->(b) VALID AT 9999-12-31T23:59:59 RETURN f.id",
        "FIND (e:Event) WHERE e.time <= $end RETURN e.id",
        "FIND (e:Event) WHERE e.time = $last OR e ON $late RETURN e.id",
    ],
)
def test_the_end_of_the_calendar_is_a_date_like_any_other(small_memory: Memory, text: str) -> None:
    late = datetime(9999, 12, 31, 23, 0, tzinfo=__import__("datetime").timezone.min)
    run(small_memory, text, end=date(9999, 12, 31), last=datetime.max, late=late)


def test_the_end_of_the_calendar_keeps_what_is_in_it(small_memory: Memory) -> None:
    assert len(ids(small_memory, "e.time <= 9999-12-31")) == 7
    assert ids(small_memory, "e.time ON 9999") == []
    assert len(ids(small_memory, "e.time >= 0001-01-01")) == 7


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("FIND (e:Event) WHERE e.time AFTER 9999-12-31 + 1 day RETURN e", "out of the calendar's range"),
        ("FIND (e:Event) WHERE e.time BEFORE 0001-01-01 - 1 day RETURN e", "out of the calendar's range"),
        ("FIND (e:Event) WHERE e.time WITHIN 10001 years OF 2024 RETURN e", "longer than the calendar"),
        ("FIND (e:Event) WHERE e.time WITHIN 99999999999999999999999 days OF 2024 RETURN e", "at most 3660000 days"),
        ("FIND (e:Event) WHERE e.time > 20240 RETURN e", "e.time is a time; compare it with a date"),
        ("FIND (a)-[f:FACT {valid_to: 0}]->(b) RETURN f", "f.valid_to is a time; .* not 0"),
    ],
)
def test_dates_moved_out_of_the_calendar_are_named_errors(text: str, message: str) -> None:
    with pytest.raises(QuerySemanticError, match=message):
        plan_query(parse(text))


def test_recall_windows_at_the_ends_of_the_calendar() -> None:
    first = plan_query(parse('RECALL "x" BEFORE 0001-01-01')).steps[0]
    last = plan_query(parse('RECALL "x" AFTER 9999-12-31T23:59:59')).steps[0]
    assert isinstance(first, p.RecallSeek) and first.until == datetime.min
    assert isinstance(last, p.RecallSeek) and last.since == datetime.max


@pytest.mark.parametrize(
    ("comparison", "window"),
    [
        ("e.time > 2023-05-07 + 1 day", "e.time AFTER 2023-05-07 + 1 day"),
        ("e.time < 2023-06-11 - 1 day", "e.time BEFORE 2023-06-11 - 1 day"),
        ("e.time = 2023-05 + 1 month", "e.time ON 2023-05 + 1 month"),
        ('e.time >= "9 June 2023" + 1 day', 'e.time ON "9 June 2023" + 1 day OR e.time AFTER "9 June 2023" + 1 day'),
        ("e.time <= 2022 + 1 year", "e.time BEFORE 2022 + 1 year OR e.time ON 2022 + 1 year"),
        ("e.time <> $d - 1 day", "NOT e.time ON $d - 1 day"),
        ("e.happened < e.time - 1 day", "e.happened BEFORE e.time - 1 day"),
        ("e.happened > e.time - 8 days", "e.happened AFTER e.time - 8 days"),
        ("e.happened = e.time - 7 days", "e.happened ON e.time - 7 days"),
        ("e.happened <> e.time - 7 days", "NOT e.happened ON e.time - 7 days"),
    ],
)
def test_comparisons_with_a_shifted_time_agree_with_the_windows(
    small_memory: Memory, comparison: str, window: str
) -> None:
    """``e.happened < e.time - 1 day`` parses, and means what ``BEFORE`` with the same shifted time means."""
    got = ids(small_memory, comparison, d=date(2023, 6, 11))
    assert got == ids(small_memory, window, d=date(2023, 6, 11))
    assert got  # each case keeps some events, so agreement is not two empty answers


def test_comparisons_with_a_shifted_moment_include_it_with_the_equal_sign(small_memory: Memory) -> None:
    assert ids(small_memory, "e.happened <= e.time - 7 days") == ["e5"]
    assert ids(small_memory, "e.happened >= e.time - 7 days") == [*MAY_8, "e6", "e7"]
    assert ids(small_memory, "e.time >= e.time + 1 minute") == []
    assert unparse(parse("FIND (e) WHERE e.happened < e.time - 1 day RETURN e")) == (
        "FIND (e) WHERE e.happened < e.time - 1 day RETURN e"
    )


@pytest.mark.parametrize(
    ("comparison", "same"),
    [
        ("e.time - 1 day > 2023-05-08", "e.time > 2023-05-08 + 1 day"),
        ("e.time + 1 month <= 2023-06-08", "e.time <= 2023-06-08 - 1 month"),
        ("e.time - 1 month < 2023-05", "e.time < 2023-06"),
        ("e.time - 1 day = 2023-06-09", "e.time ON 2023-06-10"),
        ("e.time - 1 day <> 2023-06-09", "NOT e.time ON 2023-06-10"),
        ('e.time + 1 week >= "15 May 2023"', "e.time >= 2023-05-08"),
        ("e.time - 1 hour >= $t", "e.time >= 2023-06-10T09:01"),
        ("e.time + 1 day >= $d", "e.time >= 2023-06-10"),
        ("e.happened + 1 day < e.time", "e.happened < e.time - 1 day"),
        ("e.happened + 1 day < e.time - 5 days", "e.happened < e.time - 6 days"),
        ("e.time - 2 hours < e.time", "e.time IS NOT NULL"),
        ("2023-05-08 + 1 day < e.time", "e.time > 2023-05-09"),
        ("$d - 1 day <= e.time", "e.time >= 2023-06-10"),
        ("2023-06-10 - 3 days >= e.happened", "e.happened <= 2023-06-07"),
    ],
)
def test_a_shift_on_the_left_or_on_both_sides(small_memory: Memory, comparison: str, same: str) -> None:
    """``e.time - 1 day > 2023-05-08`` moves the left side's time, then compares as an unshifted time does;
    a date on the left is read from the right, the comparison turned round."""
    params = {"d": date(2023, 6, 11), "t": datetime(2023, 6, 10, 8, 1)}
    got = ids(small_memory, comparison, **params)
    assert got == ids(small_memory, same, **params)
    assert got  # each case keeps some events, so agreement is not two empty answers
    text = f"FIND (e:Event) WHERE {comparison} RETURN e"
    assert unparse(parse(text)) == text


def test_a_shifted_time_of_one_node_against_another(small_memory: Memory) -> None:
    text = 'FIND (a:Event {id: "e1"}), (e:Event) WHERE a.time + 2 minutes <= e.time RETURN e.id ORDER BY e.id'
    assert col(run(small_memory, text)) == ["e3", "e4", "e5", "e6", "e7"]
    both = 'FIND (a:Event {id: "e1"}), (e:Event) WHERE a.time + 1 day <= e.time - 1 month RETURN e.id ORDER BY e.id'
    assert col(run(small_memory, both)) == JUNE_10  # 9 May 13:56 is before 10 June 09:00 - 1 month
    assert col(run(small_memory, both.replace("1 day", "2 days"))) == []  # 10 May 13:56 is not
    plan = str(plan_query(parse(both)))
    assert "Filter a.time + 1 day <= e.time - 1 month" in plan


def test_a_left_shift_moves_the_time_itself_on_the_calendar(small_memory: Memory) -> None:
    # 10 June - 1 month is 10 May; the test is on the moved time, not on the date moved the other way
    assert ids(small_memory, "e.time - 1 month = 2023-05-10") == JUNE_10
    assert "Filter e.time - 1 month >= 2023-05-10 AND e.time - 1 month < 2023-05-11" in str(
        plan_query(parse("FIND (e:Event) WHERE e.time - 1 month = 2023-05-10 RETURN e"))
    )


@pytest.mark.parametrize(
    ("where", "place", "message"),
    [
        ("e.text - 1 day > 2023-05-08", "line 1, column 22", "e.text is not a time"),
        ("e.time - 1 day > e.text", "line 1, column 39", "e.text is not a time"),
        ("e.time - 1 day > e.speaker - 1 day", "line 1, column 39", "e.speaker is not a time"),
        ("e.time - 1 day > TRUE", "line 1, column 39", "a shifted time is compared with a time"),
        ('e.time + 1 day < "soon"', "line 1, column 39", "'soon' is not a date"),
        ("\n  e.seq + 1 day >= 2023", "line 2, column 3", "e.seq is not a time"),
    ],
)
def test_a_shift_on_a_non_time_is_an_error_at_its_place(
    small_memory: Memory, where: str, place: str, message: str
) -> None:
    with pytest.raises(QuerySemanticError, match=f"{place}: {message}"):
        ids(small_memory, where)
