"""Stage 4: time phrases resolved against a fixed reference date."""

from __future__ import annotations

import pickle
from datetime import datetime, timedelta

import pytest

from graphmem.extract.tense import direction
from graphmem.extract.times import TimeResolver, resolve_time, to_utc
from graphmem.models import TimeRef

REF = datetime(2023, 5, 8, 13, 56)  # Monday 8 May 2023, the first LoCoMo session date


def d(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("phrase", "start", "end", "grain"),
    [
        ("yesterday", "2023-05-07", "2023-05-08", "day"),
        ("today", "2023-05-08", "2023-05-09", "day"),
        ("last night", "2023-05-07", "2023-05-08", "day"),
        ("tomorrow", "2023-05-09", "2023-05-10", "day"),
        ("the day before yesterday", "2023-05-06", "2023-05-07", "day"),
        ("last Saturday", "2023-05-06", "2023-05-07", "day"),
        ("last Friday", "2023-05-05", "2023-05-06", "day"),
        ("next Friday", "2023-05-12", "2023-05-13", "day"),
        ("two weeks ago", "2023-04-24", "2023-05-01", "week"),
        ("2 weeks ago", "2023-04-24", "2023-05-01", "week"),
        ("a couple of weeks ago", "2023-04-24", "2023-05-01", "week"),
        ("ten years ago", "2013-01-01", "2014-01-01", "year"),
        ("a month ago", "2023-04-01", "2023-05-01", "month"),
        ("in 2022", "2022-01-01", "2023-01-01", "year"),
        ("2022", "2022-01-01", "2023-01-01", "year"),
        ("the year 2020", "2020-01-01", "2021-01-01", "year"),
        ("next month", "2023-06-01", "2023-07-01", "month"),
        ("last month", "2023-04-01", "2023-05-01", "month"),
        ("last year", "2022-01-01", "2023-01-01", "year"),
        ("this year", "2023-01-01", "2024-01-01", "year"),
        ("next year", "2024-01-01", "2025-01-01", "year"),
        ("last week", "2023-05-01", "2023-05-08", "week"),
        ("this week", "2023-05-08", "2023-05-15", "week"),
        ("the week before", "2023-05-01", "2023-05-08", "week"),
        ("the previous month", "2023-04-01", "2023-05-01", "month"),
        ("the past week", "2023-05-01", "2023-05-09", "week"),
        ("the past two months", "2023-03-08", "2023-05-09", "month"),
        ("last weekend", "2023-05-06", "2023-05-08", "day"),
        ("this past weekend", "2023-05-06", "2023-05-08", "day"),
        ("the weekend", "2023-05-06", "2023-05-08", "day"),
        ("this weekend", "2023-05-13", "2023-05-15", "day"),
        ("last summer", "2022-06-01", "2022-09-01", "month"),
        ("summer 2021", "2021-06-01", "2021-09-01", "month"),
        ("the 90s", "1990-01-01", "2000-01-01", "year"),
        ("the 2010s", "2010-01-01", "2020-01-01", "year"),
        ("May 2022", "2022-05-01", "2022-06-01", "month"),
        ("June 5", "2022-06-05", "2022-06-06", "day"),
        ("8 May, 2023", "2023-05-08", "2023-05-09", "day"),
        ("last Christmas", "2022-12-25", "2022-12-26", "day"),
        ("Mother's Day", "2022-05-08", "2022-05-09", "day"),
        ("earlier this year", "2023-01-01", "2024-01-01", "year"),
        ("last August", "2022-08-01", "2022-09-01", "month"),
        ("next May", "2024-05-01", "2024-06-01", "month"),
        ("two weekends ago", "2023-04-29", "2023-05-01", "day"),
        ("last week - so", "2023-05-01", "2023-05-08", "week"),
    ],
)
def test_resolves_against_the_reference(phrase: str, start: str, end: str, grain: str) -> None:
    ref = TimeResolver().resolve(phrase, REF)
    assert ref.phrase == phrase
    assert (ref.start, ref.end, ref.grain) == (d(start), d(end), grain)
    assert ref.resolved


def test_clock_time_is_a_point_on_the_reference_day() -> None:
    ref = TimeResolver().resolve("10 am", REF)
    assert (ref.start, ref.end, ref.grain) == (d("2023-05-08 10:00"), d("2023-05-08 10:00"), "time")
    assert TimeResolver().resolve("3 pm", REF).start == d("2023-05-08 15:00")


@pytest.mark.parametrize(
    "phrase",
    [
        "recently",
        "several weeks ago",  # unlike "a few days ago" (test_relative_dates.py)
        "the past few months",
        "three years",  # a duration, not a date
        "for 2 years",
        "10 years old",
        "every day",
        "weekends",
        "daily",
        "one",
        "2",
        "the day",
        "a night",
        "these days",
        "",
    ],
)
def test_vague_phrases_are_kept_unresolved(phrase: str) -> None:
    ref = TimeResolver().resolve(phrase, REF)
    assert ref.phrase == phrase
    assert ref.start is None and ref.end is None and ref.grain == "unknown"
    assert not ref.resolved


def test_relative_phrase_without_reference_is_not_guessed() -> None:
    assert TimeResolver().resolve("yesterday", None).start is None
    assert TimeResolver().resolve("in 2019", None).start == d("2019-01-01")  # absolute: no reference needed


def test_direction_changes_undirected_phrases_only() -> None:
    r = TimeResolver()
    assert r.resolve("June", REF, prefer="past").start == d("2022-06-01")
    assert r.resolve("June", REF, prefer="future").start == d("2023-06-01")
    assert r.resolve("Christmas", REF, prefer="future").start == d("2023-12-25")
    assert r.resolve("Christmas", REF, prefer="past").start == d("2022-12-25")
    assert r.resolve("3 June", REF, prefer="nearest").start == d("2023-06-03")
    assert r.resolve("3 April", REF, prefer="nearest").start == d("2023-04-03")
    # explicit direction words win over the preference
    assert r.resolve("last year", REF, prefer="future").start == d("2022-01-01")
    with pytest.raises(ValueError, match="prefer"):
        r.resolve("June", REF, prefer="sideways")


def test_last_and_next_spans_follow_the_tense() -> None:
    r = TimeResolver()
    ref = d("2024-03-01 17:45")
    # "will join us for the last three days": the end of the trip ahead, not the three days before now
    assert r.resolve("the last three days", ref, prefer="future").start is None
    assert r.resolve("the last three days", ref, prefer="past").start == d("2024-02-27")
    assert r.resolve("the past two weeks", ref, prefer="future").start == d("2024-02-16")  # "past" is explicit
    ahead = r.resolve("the next three days", ref, prefer="future")
    assert (ahead.start, ahead.end, ahead.grain) == (d("2024-03-01"), d("2024-03-04"), "day")
    assert r.resolve("the next three days", ref, prefer="past").start is None  # after a past event


def test_to_utc_shifts_a_wall_clock_interval() -> None:
    local = TimeResolver().resolve("yesterday", d("2024-05-02 00:30"))
    assert (local.start, local.end) == (d("2024-05-01"), d("2024-05-02"))
    utc = to_utc(local, timedelta(hours=2))
    assert (utc.phrase, utc.start, utc.end, utc.grain) == (
        "yesterday",
        d("2024-04-30 22:00"),
        d("2024-05-01 22:00"),
        "day",
    )
    assert to_utc(local, None) is local and to_utc(local, timedelta(0)) is local
    assert to_utc(TimeRef("recently"), timedelta(hours=2)) == TimeRef("recently")


def test_results_are_cached_and_resolver_pickles() -> None:
    r = TimeResolver()
    assert r.resolve("yesterday", REF) is r.resolve("yesterday", REF)
    clone = pickle.loads(pickle.dumps(r))
    assert clone.resolve("yesterday", REF) == r.resolve("yesterday", REF)
    assert resolve_time("yesterday", REF).start == d("2023-05-07")


@pytest.mark.parametrize(
    ("text", "phrase", "expected"),
    [
        ("I went there in June.", "June", "past"),
        ("I have lived there since January.", "January", "past"),
        ("I start on 1 April.", "1 April", "future"),
        ("I'm moving to Berlin in June.", "June", "future"),
        ("We will fly on 2 April.", "2 April", "future"),
        ("On 3 June, from Manchester.", "3 June", "nearest"),
        # a present auxiliary is the present progressive or passive: what is planned
        ("She is getting married in June, by the way.", "June", "future"),
        ("The wedding is planned for June.", "June", "future"),
        # a bare participle announcing a start points ahead; others follow their clause
        ("I got a job teaching guitar at the school, starting in November.", "November", "future"),
        ("Walking home on Saturday, I met Tom.", "Saturday", "past"),
        # the perfect progressive is past, not a present auxiliary
        ("I have been running since January.", "January", "past"),
        # ... since under a perfect too: a future perfect counts back from its "by" time (the extractor
        # moves the reference there: graphmem.extract.spans), a modal one is a guess about the past
        ("By June I'll have lived in Porto since May.", "May", "past"),
        ("I will have worked there since January.", "January", "past"),
        ("Tom may have worked at Google since January.", "January", "past"),
        # what a verb of arranging is for lies ahead, whatever its tense
        ("Ines and I booked a train to Porto for the second week of May.", "the second week of May", "future"),
        ("We scheduled the move for early June.", "early June", "future"),
        ("I was in Paris for the first week of May.", "the first week of May", "past"),
    ],
)
def test_direction_follows_the_verb_tense(nlp, text: str, phrase: str, expected: str) -> None:
    doc = nlp(text)
    spans = [e for e in doc.ents if e.text == phrase]
    assert spans, [(e.text, e.label_) for e in doc.ents]
    assert direction(spans[0]) == expected
