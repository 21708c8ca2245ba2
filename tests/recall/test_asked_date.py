"""The date a question names: which window recall read ("last June" against what now), and how the lift
weighs a time inside that window against one that only overlaps it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from graphmem.embed import Embedder
from graphmem.memory import Memory
from graphmem.models import Batch, Entity, Event, Mention, Session, TimeRef
from graphmem.recall.hit import AskedDate, TimeWindow, Why
from graphmem.recall.when import asked_date, asked_in_window, asked_window, window_share

NS = "ana"
NOW = datetime(2024, 3, 3)
JUNE = AskedDate("last June", datetime(2023, 6, 1), datetime(2023, 7, 1), NOW)
LAST_YEAR = TimeRef("last year", datetime(2023, 1, 1), datetime(2024, 1, 1), "year")
HIKE_DAY = TimeRef("last Saturday", datetime(2023, 6, 10), datetime(2023, 6, 11), "day")


def event(eid: str, text: str, said: datetime, *times: TimeRef) -> Event:
    return Event(NS, eid, "s", 0, "Ana", text, said, times=times)


def test_the_asked_date_keeps_its_phrase_and_reference() -> None:
    asked = asked_date("What did Ana do last June?", NOW)
    assert asked == JUNE
    absolute = asked_date("What did Ana do on 10 June 2023?", NOW)
    assert absolute == AskedDate("10 June 2023", datetime(2023, 6, 10), datetime(2023, 6, 11), None)
    assert asked_date("What did Ana do?", NOW) is None


def test_a_time_inside_the_window_outweighs_a_wider_one_that_overlaps_it() -> None:
    hike = event("hike", "I went hiking.", datetime(2023, 6, 14), HIKE_DAY)
    died = event("died", "Sadly Pipo died last year.", datetime(2024, 2, 29), LAST_YEAR)
    assert window_share(hike, JUNE) == 1.0
    assert 0 < window_share(died, JUNE) < 0.1  # June is a twelfth of the year it tells of
    said_in_june = event("said", "Hello.", datetime(2023, 6, 20))
    assert window_share(said_in_june, JUNE) == 1.0
    assert window_share(event("later", "Hi.", datetime(2024, 1, 5)), JUNE) == 0.0


def test_why_names_the_window_and_the_reference() -> None:
    window = TimeWindow(occurred_at=datetime(2023, 6, 14), asked=JUNE, asked_share=1.0)
    why = Why(seeds=(), window=window, parts={"seed": 1.0, "date": 0.5})
    text = why.describe()
    assert "in the date asked about ('last June' = 2023-06-01 to 2023-06-30, read against 2024-03-03)" in text
    asked = why.as_dict()["window"]["asked"]
    assert asked == {
        "phrase": "last June",
        "start": "2023-06-01T00:00:00",
        "end": "2023-07-01T00:00:00",
        "reference": "2024-03-03T00:00:00",
        "share": 1.0,
    }
    json.dumps(why.as_dict())
    partly = Why(seeds=(), window=TimeWindow(asked=JUNE, asked_share=0.08), parts={"date": 0.04})
    assert "partly in the date asked about, 8% of the time it tells of ('last June'" in partly.describe()
    outside = Why(seeds=(), window=TimeWindow(asked=JUNE), parts={"seed": 1.0})
    assert "not in the date asked about ('last June' = 2023-06-01 to 2023-06-30" in outside.describe()


@pytest.fixture
def pets(tmp_path: Path, embedder: Embedder) -> Iterator[Memory]:
    """The tester's case: a hike on one day of June 2023, and a dog that died "last year" (2023)."""
    mem = Memory.open(tmp_path / "mem", embedder=embedder)
    turns = [
        ("s1", 1, datetime(2023, 6, 14, 10, 2), "Last Saturday I went hiking in Guadarrama.", (HIKE_DAY,)),
        ("s2", 1, datetime(2024, 2, 29, 9, 3), "Sadly Pipo died last year.", (LAST_YEAR,)),
        ("s2", 2, datetime(2024, 2, 29, 9, 4), "I work at Initech now.", ()),
    ]
    events = tuple(Event(NS, f"{s}:{q}", s, q, "Ana", text, said, times=t) for s, q, said, text, t in turns)
    vectors = mem.embedder.embed([e.text for e in events])
    ana = Entity(NS, "ent:ana", "Ana", "Person")
    mem.write(
        Batch(
            NS,
            sessions=(Session(NS, "s1", 0, datetime(2023, 6, 14)), Session(NS, "s2", 1, datetime(2024, 2, 29))),
            events=events,
            entities=(ana,),
            mentions=tuple(Mention(NS, e.id, ana.id, "speaker") for e in events),
            embeddings=tuple((e.id, v.tolist()) for e, v in zip(events, vectors, strict=True)),
            embedding_model=mem.embedder.name,
        )
    )
    yield mem
    mem.close()


def test_recall_lifts_the_day_in_june_over_the_year_that_overlaps_it(pets: Memory) -> None:
    hits = pets.recall("What did Ana do last June? Did a dog die?", namespace=NS, k=3, as_of=NOW)
    by_id = {h.event.id: h for h in hits}
    hike, died = by_id["s1:1"], by_id["s2:1"]
    assert hike.why.parts["date"] > died.why.parts["date"] > 0
    assert hike.why.window.asked == JUNE
    assert "read against 2024-03-03" in died.why.describe()


def test_a_time_at_least_half_inside_keeps_the_whole_lift() -> None:
    saturday = AskedDate("3 June 2023", datetime(2023, 6, 3), datetime(2023, 6, 4))
    weekend = TimeRef("last weekend", datetime(2023, 6, 3), datetime(2023, 6, 5), "day")
    assert window_share(event("race", "I ran a race.", datetime(2023, 6, 10), weekend), saturday) == 1.0
    fortnight = TimeRef("two weeks", datetime(2023, 5, 21), datetime(2023, 6, 4), "week")
    assert window_share(event("trip", "A trip.", datetime(2023, 6, 10), fortnight), saturday) == pytest.approx(1 / 14)


def test_a_date_without_its_year_is_read_inside_the_callers_window() -> None:
    """ "What happened in June?" bounded to 2023 and asked in 2024 was read as June 2024, wholly outside the
    window: every hit's why said "not in the date asked about" beside "in 2023-06-01 ≤ … ≤ 2023-06-30", and the
    date lift was lost. The reading against the window's end is taken when the first misses the window."""
    later = datetime(2024, 8, 1)  # "in June" read against it is June 2024
    since, until = datetime(2023, 6, 1), datetime(2023, 6, 30, 23, 59)
    assert asked_date("What did Ana do in June?", later).start == datetime(2024, 6, 1)
    asked = asked_in_window("What did Ana do in June?", later, since, until)
    assert asked == AskedDate("in June", datetime(2023, 6, 1), datetime(2023, 7, 1), until)
    # a reading that meets the window, or a phrase that names its year, stays as it was
    assert asked_in_window("What did Ana do in June?", later, datetime(2023, 1, 1), None) == asked_date(
        "What did Ana do in June?", later
    )
    named = asked_in_window("What did Ana do in June 2022?", later, since, until)
    assert named == AskedDate("in June 2022", datetime(2022, 6, 1), datetime(2022, 7, 1), None)


def test_recall_in_a_window_lifts_the_date_the_question_names_there(pets: Memory) -> None:
    hits = pets.recall(
        "What did Ana do in June?",
        namespace=NS,
        k=3,
        reference=datetime(2024, 8, 1),
        since=datetime(2023, 6, 1),
        until=datetime(2023, 6, 30),
        time_axis="happened",
    )
    hike = next(h for h in hits if h.event.id == "s1:1")
    assert hike.why.window.asked is not None and hike.why.window.asked.start == datetime(2023, 6, 1)
    assert hike.why.parts.get("date", 0) > 0
    assert "not in the date asked about" not in hike.why.describe()


def test_on_a_weekday_is_the_latest_such_day_before_the_asking_day() -> None:
    # tester finding: "on Monday" in a question was not read at all (only after last/this/next)
    saturday = datetime(2026, 12, 5, 12)
    asked = asked_date("What did Ana say on Monday?", saturday)
    assert asked == AskedDate("on Monday", datetime(2026, 11, 30), datetime(2026, 12, 1), saturday)
    assert asked is not None and asked.exact
    # asked on the weekday it names: the one a week before, as the resolver reads "on Saturday" in a turn
    same = asked_date("What did Ana say on Saturday?", saturday)
    assert same is not None and same.start == datetime(2026, 11, 28)
    assert asked_date("What does Ana do on Mondays?", saturday) is None  # a recurrence, no day


@pytest.mark.parametrize(
    ("question", "phrase", "day"),
    [
        ("What happened on Monday 3 March?", "3 March", datetime(2026, 3, 3)),
        ("What happened on Monday March 3?", "March 3", datetime(2026, 3, 3)),
        ("What happened on Tuesday 12 May?", "12 May", datetime(2026, 5, 12)),
        ("What happened on Monday last week?", "on Monday last week", datetime(2026, 11, 23)),
        ("What is planned on Monday next week?", "on Monday next week", datetime(2026, 12, 7)),
    ],
)
def test_a_weekday_beside_a_date_or_week_gives_way_to_it(question: str, phrase: str, day: datetime) -> None:
    # reviewer finding: the longest phrase won, so "on Monday" beat "3 March" and tied "last week"
    window = asked_window(question, datetime(2026, 12, 5, 12))
    assert window is not None and window.phrase == phrase
    assert (window.start, window.end) == (day, day + timedelta(days=1))


@pytest.mark.parametrize("question", ["Did Ana work on Monday mornings?", "Is the gym open on Monday nights?"])
def test_a_weekday_with_plural_parts_of_the_day_is_a_habit(question: str) -> None:
    # reviewer finding: read as last Monday, though "Monday mornings" recurs as "Mondays" does
    assert asked_window(question, datetime(2026, 12, 5, 12)) is None
    assert asked_window("What did Ana do on Monday morning?", datetime(2026, 12, 5, 12)) is not None
