"""Event time beside said time: ``Event.happened``, ``e.happened`` in queries, recall on either axis.

The small graph's e5 ("I ran a charity race last weekend", said 2023-06-10) happened on 2023-06-03;
every other event has no time phrase, so it happened when it was said (e8 has neither).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from graphmem import Memory
from graphmem.errors import ConfigError
from graphmem.models import Event, TimeRef
from graphmem.query import parse
from graphmem.query.unparse import unparse
from graphmem.recall import RecallRequest
from graphmem.recall.hit import TimeWindow
from graphmem.recall.request import overlaps
from graphmem.recall.when import asked_window, window_share

NS = "t1"
SAID = datetime(2023, 6, 10, 9, 0)
RACE = datetime(2023, 6, 3)


def event(*times: TimeRef, said: datetime | None = SAID) -> Event:
    return Event(NS, "e", "s", 0, "Mel", "text", said, times=times)


# -- the model -------------------------------------------------------------------------------------


def test_happened_is_the_most_specific_resolved_phrase() -> None:
    year = TimeRef("in 2016", datetime(2016, 1, 1), datetime(2017, 1, 1), "year")
    day = TimeRef("last Saturday", RACE, datetime(2023, 6, 4), "day")
    clock = TimeRef("at 5pm", datetime(2023, 6, 10, 17), datetime(2023, 6, 10, 17), "time")
    assert event(year, day).happened == (RACE, datetime(2023, 6, 4))
    assert event(day, clock).happened_ref == day  # a clock time is read on the day it was said
    assert event(clock).happened == (clock.start, clock.start)
    assert event(TimeRef("recently")).happened == (SAID, SAID)  # unresolved: when it was said
    assert event(said=None).happened is None


def test_overlap_of_a_span_and_a_window() -> None:
    day = (RACE, datetime(2023, 6, 4))
    assert overlaps(day, datetime(2023, 6, 3, 12), None)
    assert overlaps(day, None, datetime(2023, 6, 3))
    assert not overlaps(day, datetime(2023, 6, 4), None)  # end is exclusive
    assert not overlaps(day, None, datetime(2023, 6, 2, 23))
    assert overlaps((SAID, SAID), SAID, SAID)  # a moment on the bounds


@pytest.mark.parametrize(
    ("axis", "since", "until", "admitted"),
    [
        ("said", datetime(2023, 6, 1), datetime(2023, 6, 4), False),
        ("happened", datetime(2023, 6, 1), datetime(2023, 6, 4), True),
        ("either", datetime(2023, 6, 1), datetime(2023, 6, 4), True),
        ("said", datetime(2023, 6, 10), datetime(2023, 6, 11), True),
        ("happened", datetime(2023, 6, 10), datetime(2023, 6, 11), False),
        ("either", datetime(2023, 6, 10), datetime(2023, 6, 11), True),
        ("either", datetime(2023, 6, 5), datetime(2023, 6, 9), False),
    ],
)
def test_recall_request_admits_on_its_axis(axis: str, since: datetime, until: datetime, admitted: bool) -> None:
    race = event(TimeRef("last weekend", RACE, datetime(2023, 6, 5), "day"))
    request = RecallRequest.of("q", namespace=NS, since=since, until=until, time_axis=axis)  # type: ignore[arg-type]
    assert request.admits(race) is admitted


def test_an_unknown_axis_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="time_axis must be one of said, happened, either"):
        RecallRequest.of("q", namespace=NS, time_axis="told")  # type: ignore[arg-type]


# -- the date a question names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "start", "end"),
    [
        ("What did Melanie do on 20 May 2023?", datetime(2023, 5, 20), datetime(2023, 5, 21)),
        ("What did she do on May 7, 2023?", datetime(2023, 5, 7), datetime(2023, 5, 8)),
        ("Where did they go in June 2023?", datetime(2023, 6, 1), datetime(2023, 7, 1)),
        ("What happened in 2022?", datetime(2022, 1, 1), datetime(2023, 1, 1)),
        ("Where did she go last summer?", datetime(2022, 6, 1), datetime(2022, 9, 1)),
        ("What did he do two weeks ago?", datetime(2023, 7, 17), datetime(2023, 7, 24)),
        ("What did they do in the summer of 2021?", datetime(2021, 6, 1), datetime(2021, 9, 1)),
        # a comma before the year keeps it (not read against the question time)
        ("What did Melanie show on October 13, 2023?", datetime(2023, 10, 13), datetime(2023, 10, 14)),
        ("What did Gina find on 1 February, 2023?", datetime(2023, 2, 1), datetime(2023, 2, 2)),
        ("Where was the picture taken on December 1,2023?", datetime(2023, 12, 1), datetime(2023, 12, 2)),
        ("What did Tim finish on 8th December, 2023?", datetime(2023, 12, 8), datetime(2023, 12, 9)),
    ],
)
def test_the_date_a_question_names(question: str, start: datetime, end: datetime) -> None:
    window = asked_window(question, datetime(2023, 8, 1))
    assert window is not None and (window.start, window.end) == (start, end)


@pytest.mark.parametrize(
    "question", ["When did Caroline go to the support group?", "You may go now", "What is 2 + 2?", "What is May like?"]
)
def test_a_question_without_a_date(question: str) -> None:
    assert asked_window(question, datetime(2023, 8, 1)) is None


def test_window_share_on_either_time() -> None:
    window = TimeRef("3 June", RACE, datetime(2023, 6, 4), "day")
    assert window_share(event(TimeRef("last weekend", RACE, datetime(2023, 6, 5), "day")), window) == 1.0
    assert window_share(event(), window) == 0.0
    assert window_share(event(said=datetime(2023, 6, 3, 9)), window) == 1.0


# -- the query language ----------------------------------------------------------------------------


def rows(mem: Memory, text: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in mem.query(text, namespace=NS).rows] if "$" in text else list(mem.query(text).rows)


def test_filter_and_sort_on_happened(small_memory: Memory) -> None:
    got = small_memory.query('FIND (e:Event) IN "t1" WHERE e.happened ON 2023-06-03 RETURN e.id, e.time, e.happened')
    assert list(got.rows) == [("e5", SAID, RACE)]
    said = small_memory.query('FIND (e:Event) IN "t1" WHERE e.time ON 2023-06-03 RETURN e.id')
    assert list(said.rows) == []
    early = small_memory.query(
        'FIND (e:Event) IN "t1" WHERE e.happened BEFORE e.time - 1 day RETURN e.id, e.happened_end'
    )
    assert list(early.rows) == [("e5", datetime(2023, 6, 5))]
    order = small_memory.query('FIND (e:Event) IN "t1" WHERE e.session = "s2" RETURN e.id ORDER BY e.happened, e.seq')
    assert [r[0] for r in order.rows] == ["e5", "e6", "e7"]
    undated = small_memory.query('FIND (e:Event {id: "e8"}) IN "t1" RETURN e.happened, e.happened_end')
    assert list(undated.rows) == [(None, None)]


def test_happened_is_a_time_property(small_memory: Memory) -> None:
    got = small_memory.query('FIND (e:Event) IN "t1" WHERE e.happened AFTER 2023-06-03 RETURN count(*)')
    assert list(got.rows) == [(2,)]  # e6, e7 (e5 happened on 3 June, though said on the 10th)


def test_recall_said_or_happened_window(small_memory: Memory) -> None:
    def ids(clause: str) -> list[str]:
        found = small_memory.query(f'RECALL "charity race" IN "t1" {clause}')
        return [r[4] for r in found.rows]

    assert "D2:1" in ids("HAPPENED BETWEEN 2023-06-01 AND 2023-06-04")
    assert ids("SAID BETWEEN 2023-06-01 AND 2023-06-04") == []
    assert "D2:1" in ids("BETWEEN 2023-06-01 AND 2023-06-04")  # either axis
    assert "D2:1" not in ids("HAPPENED ON 2023-06-10")


@pytest.mark.parametrize("axis", ["SAID", "HAPPENED"])
def test_axis_windows_round_trip_through_unparse(axis: str) -> None:
    text = f'RECALL "race" {axis} ON 2023-06-03'
    assert parse(unparse(parse(text))) == parse(text)
    assert f"{axis} ON" in unparse(parse(text))


def test_memory_recall_time_axis_and_explanation(small_memory: Memory) -> None:
    window = {"since": datetime(2023, 6, 1), "until": datetime(2023, 6, 4)}
    hits = small_memory.recall("charity race", namespace=NS, time_axis="happened", **window)
    assert [h.event.id for h in hits] == ["e5"]
    # the bounds stand beside the time they bound: until is not after the said time (it was)
    assert "in 2023-06-01 ≤ happened 2023-06-03 ≤ 2023-06-04, said 2023-06-10 09:00" in hits[0].why.describe()
    assert hits[0].as_dict()["why"]["window"]["axis"] == "happened"
    assert hits[0].as_dict()["why"]["window"]["happened"] == "2023-06-03T00:00:00"
    assert small_memory.recall("charity race", namespace=NS, time_axis="said", **window) == []


W = {"since": datetime(2023, 6, 1), "until": datetime(2023, 6, 4, 23, 59)}
LATER = {"since": datetime(2023, 6, 10), "until": datetime(2023, 6, 10, 23, 59)}
DAY = {"happened": RACE, "happened_end": datetime(2023, 6, 4), "occurred_at": SAID}


@pytest.mark.parametrize(
    ("window", "said"),
    [
        (
            TimeWindow(axis="happened", **W, **DAY),
            "2023-06-01 ≤ happened 2023-06-03 ≤ 2023-06-04 23:59, said 2023-06-10 09:00",
        ),
        (
            TimeWindow(axis="either", **W, **DAY),
            "2023-06-01 ≤ happened 2023-06-03 ≤ 2023-06-04 23:59, said 2023-06-10 09:00",
        ),
        (
            TimeWindow(axis="either", **LATER, **DAY),
            "2023-06-10 ≤ said 2023-06-10 09:00 ≤ 2023-06-10 23:59, happened 2023-06-03",
        ),
        (
            TimeWindow(axis="said", **LATER, **DAY),
            "2023-06-10 ≤ said 2023-06-10 09:00 ≤ 2023-06-10 23:59, happened 2023-06-03",
        ),
        (TimeWindow(axis="said", **LATER, occurred_at=SAID), "2023-06-10 ≤ 2023-06-10 09:00 ≤ 2023-06-10 23:59"),
        (
            TimeWindow(axis="happened", since=datetime(2023, 6, 3, 12), **DAY),
            "happened 2023-06-03 to 2023-06-04, overlapping ≥ 2023-06-03 12:00, said 2023-06-10 09:00",
        ),
        (TimeWindow(**DAY), "happened 2023-06-03, said 2023-06-10 09:00"),
        (TimeWindow(axis="either", **LATER, **{**DAY, "occurred_at": None}), "undated, happened 2023-06-03"),
        (
            TimeWindow(axis="happened", until=datetime(2023, 6, 5), as_of=SAID, occurred_at=None),
            "undated (as of 2023-06-10 09:00)",
        ),
    ],
)
def test_a_window_is_described_by_the_time_its_bounds_bound(window: TimeWindow, said: str) -> None:
    assert window.describe() == said


def test_a_date_in_the_question_lifts_what_happened_then(small_memory: Memory) -> None:
    hits = small_memory.recall("Which charity race did Melanie do on 3 June 2023?", namespace=NS)
    race = next(h for h in hits if h.event.id == "e5")
    assert race.why.parts.get("date") == pytest.approx(0.5)
    assert all("date" not in h.why.parts for h in hits if h.event.id != "e5")


def test_happened_pushes_down_with_parameters_and_a_fallback(small_memory: Memory) -> None:
    from graphmem.query import explain_query
    from graphmem.query.cypher import compile_plan

    plan = explain_query(
        small_memory.store,
        'FIND (e:Event) IN "t1" WHERE e.happened ON $day RETURN e.id ORDER BY e.happened',
        {"day": "2023-06-03"},
    )
    query = compile_plan(plan, NS)
    # an event written before ``happened`` was stored happened when it was said
    assert "coalesce(n1.happened, n1.occurred_at) >= $p2" in query.text
    assert "2023-06-03" not in query.text and datetime(2023, 6, 3) in query.params.values()


# -- a window on each time -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "happened", "admitted"),
    [
        ((datetime(2023, 6, 10), datetime(2023, 6, 10, 23, 59)), (datetime(2023, 6, 1), datetime(2023, 6, 4)), True),
        ((datetime(2023, 6, 10), datetime(2023, 6, 10, 23, 59)), (datetime(2023, 6, 6), datetime(2023, 6, 11)), False),
        ((datetime(2023, 6, 1), datetime(2023, 6, 4)), (datetime(2023, 6, 1), datetime(2023, 6, 4)), False),
        ((None, None), (datetime(2023, 6, 4), None), True),  # the race's days run to the end of 4 June
        ((datetime(2023, 6, 10), None), (None, datetime(2023, 6, 2)), False),
    ],
)
def test_recall_request_admits_a_window_on_each_time(
    said: tuple[datetime | None, datetime | None], happened: tuple[datetime | None, datetime | None], admitted: bool
) -> None:
    race = event(TimeRef("last weekend", RACE, datetime(2023, 6, 5), "day"))
    request = RecallRequest.of(
        "q",
        namespace=NS,
        since=said[0],
        until=said[1],
        time_axis="said",
        happened_since=happened[0],
        happened_until=happened[1],
    )
    assert request.admits(race) is admitted
    assert request.filtered
    assert request.admits(event(said=None))  # undated events pass, as on one axis


def test_a_happened_window_that_holds_no_time_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"happened_since \(2023-06-05 00:00:00\) is after happened_until"):
        RecallRequest.of("q", namespace=NS, happened_since="2023-06-05", happened_until=datetime(2023, 6, 4))
    until = RecallRequest.of("q", namespace=NS, happened_until="2023-06-04").happened_until
    assert until == datetime(2023, 6, 4, 23, 59, 59, 999999)  # a date: its end, as until


def test_recall_said_and_happened_windows_both_hold(small_memory: Memory) -> None:
    def sources(text: str, clauses: str) -> list[str]:
        return sorted(r[4] for r in small_memory.query(f'RECALL "{text}" IN "t1" {clauses}').rows)

    # e5 (D2:1) was said on 10 June about 3 June; e6 and e7 (D2:2, D2:3) were said on 10 June about then
    assert sources("race Melanie", "SAID ON 2023-06-10") == ["D2:1", "D2:2", "D2:3"]
    assert sources("race Melanie", "SAID ON 2023-06-10 HAPPENED BETWEEN 2023-06-01 AND 2023-06-04") == ["D2:1"]
    assert sources("adoption", "SAID ON 2023-06-10") == ["D2:1", "D2:2", "D2:3"]
    assert sources("adoption", "HAPPENED ON 2023-06-10 SAID ON 2023-06-10") == ["D2:2", "D2:3"]
    assert sources("race Melanie", "SAID ON 2023-05-08 HAPPENED ON 2023-06-03") == []
    text = 'RECALL "race" IN "t1" SAID ON 2023-06-10 HAPPENED ON 2023-06-03 LIMIT 1'
    assert unparse(parse(text)) == text
    assert parse(unparse(parse(text))) == parse(text)
    why = small_memory.query(text).rows[0][5]
    assert "2023-06-10 ≤ said 2023-06-10 09:00 ≤ 2023-06-10 23:59, 2023-06-03 ≤ happened 2023-06-03" in why
    plan = str(small_memory.explain(text))
    assert "(said time), happened since 2023-06-03, happened until 2023-06-03T23:59:59.999999" in plan


def test_the_explanation_of_a_window_on_each_time() -> None:
    both = TimeWindow(axis="said", **LATER, **DAY, happened_since=datetime(2023, 6, 1))
    assert both.describe() == "2023-06-10 ≤ said 2023-06-10 09:00 ≤ 2023-06-10 23:59, 2023-06-01 ≤ happened 2023-06-03"
    wide = TimeWindow(
        axis="said", occurred_at=SAID, happened_since=datetime(2023, 6, 10), happened_until=LATER["until"]
    )
    assert wide.describe() == "said 2023-06-10 09:00, happened when said"
