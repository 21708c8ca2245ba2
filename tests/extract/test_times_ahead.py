"""Times counted from the telling that were left unresolved: a length ahead ("in two weeks"), a day of
the month without its month ("on the 15th"), weekdays spelled short ("last Tues", "on Weds") and
fortnights; and a move told ahead with no time is a plan, not a home already held."""

from __future__ import annotations

from datetime import datetime

import pytest
import spacy

from graphmem.extract.pipeline import SpacyExtractor
from graphmem.extract.relative import WEEKDAY_ABBREVIATIONS
from graphmem.extract.spans import mark_missed_times
from graphmem.extract.times import TimeResolver, duration

from .conftest import make_transcript

SAID = datetime(2024, 6, 20, 10)  # a Thursday


@pytest.mark.parametrize(
    ("phrase", "day"),
    [
        ("in two weeks", "2024-07-04"),
        ("in 3 days", "2024-06-23"),
        ("in a week", "2024-06-27"),
        ("in two weeks' time", "2024-07-04"),
        ("in a week's time", "2024-06-27"),
        ("in a couple of weeks", "2024-07-04"),
        ("in two months", "2024-08-20"),
        ("in a fortnight", "2024-07-04"),
    ],
)
def test_a_length_ahead_is_the_day_it_reaches(phrase: str, day: str) -> None:
    resolver = TimeResolver()
    for prefer in ("future", "nearest"):
        ref = resolver.resolve(phrase, SAID, prefer=prefer)
        assert (ref.start, ref.grain) == (datetime.fromisoformat(day), "day"), (phrase, prefer)
    # with a past verb, "in" says how long it took: "I read it in two weeks"
    assert resolver.resolve(phrase, SAID, prefer="past").start is None


@pytest.mark.parametrize(
    ("phrase", "reference", "prefer", "day"),
    [
        ("on the 15th", SAID, "past", "2024-06-15"),  # this month's, already passed
        ("on the 15th", SAID, "future", "2024-07-15"),  # the next one
        ("the 15th", SAID, "nearest", "2024-06-15"),
        ("the 25th", SAID, "future", "2024-06-25"),
        ("the 25th", SAID, "past", "2024-05-25"),
        ("the 20th", SAID, "past", "2024-06-20"),  # today
        ("the 31st", SAID, "past", "2024-05-31"),  # June has none: the latest month that has one
        ("the 31st", SAID, "future", "2024-07-31"),
        ("the 30th", datetime(2024, 3, 1), "past", "2024-01-30"),  # not February
        ("the 3rd of this month", SAID, "past", "2024-06-03"),
    ],
)
def test_a_day_of_the_month_is_the_one_the_tense_points_to(
    phrase: str, reference: datetime, prefer: str, day: str
) -> None:
    ref = TimeResolver().resolve(phrase, reference, prefer=prefer)
    assert (ref.start, ref.grain) == (datetime.fromisoformat(day), "day")


def test_an_impossible_day_of_the_month_is_unresolved() -> None:
    assert TimeResolver().resolve("the 32nd", SAID, prefer="past").start is None


@pytest.mark.parametrize(
    ("short", "full"),
    [
        ("Mon", "Monday"),
        ("Tue", "Tuesday"),
        ("Tues", "Tuesday"),
        ("Wed", "Wednesday"),
        ("Weds", "Wednesday"),
        ("Thu", "Thursday"),
        ("Thur", "Thursday"),
        ("Thurs", "Thursday"),
        ("Fri", "Friday"),
        ("Sat", "Saturday"),
        ("Sun", "Sunday"),
    ],
)
def test_weekdays_spelled_short_resolve_as_the_full_names(short: str, full: str) -> None:
    resolver = TimeResolver()
    for lead in ("", "last ", "next ", "on "):
        for prefer in ("past", "future"):
            got = resolver.resolve(f"{lead}{short}", SAID, prefer=prefer)
            want = resolver.resolve(f"{lead}{full}", SAID, prefer=prefer)
            assert got.start is not None and (got.start, got.end) == (want.start, want.end), (lead, short, prefer)


@pytest.mark.parametrize("short", sorted(WEEKDAY_ABBREVIATIONS))
def test_every_weekday_the_resolver_spells_out_is_found_in_a_turn(short: str) -> None:
    """The finder (spans) and the resolver (relative) read weekdays spelled short from one table: each one
    in it is found after "last" and "on" and read as its full name; in lower case too, but for the four
    that are words as well (Mon, Wed, Sat, Sun)."""
    nlp = spacy.blank("en")  # no NER: every DATE found is the finder's
    name = short.capitalize()
    for lead in ("last ", "on "):
        for said in (name, short):
            text = f"I met Hiro {lead}{said} with Ana."
            phrase = f"last {said}" if lead == "last " else said  # "last" is part of the phrase, "on" is not
            want = [] if said == short and short in ("mon", "wed", "sat", "sun") else [phrase]
            dates = [e.text for e in mark_missed_times(nlp(text)).ents if e.label_ == "DATE"]
            assert dates == want, text
    resolver = TimeResolver()
    got = resolver.resolve(f"last {name}", SAID, prefer="past")
    full = resolver.resolve(f"last {WEEKDAY_ABBREVIATIONS[short]}", SAID, prefer="past")
    assert got.start is not None and (got.start, got.end) == (full.start, full.end)


def test_a_fortnight_is_two_weeks() -> None:
    resolver = TimeResolver()
    got, want = resolver.resolve("a fortnight ago", SAID), resolver.resolve("two weeks ago", SAID)
    assert got.start is not None and (got.start, got.end) == (want.start, want.end)
    assert duration("for a fortnight") == (2, "week")


def _happened(extractor: SpacyExtractor, lines: list[str]) -> list[str | None]:
    batch = extractor.extract(make_transcript([(SAID, [("Zoe", line) for line in lines])]))
    events = sorted(batch.events, key=lambda e: e.seq)
    return [
        e.happened_ref.start.date().isoformat() if e.happened_ref and e.happened_ref.start else None for e in events
    ]


def test_turns_with_these_phrases_are_dated(extractor: SpacyExtractor) -> None:
    lines = [
        "I'm flying to Rome in two weeks.",
        "I'm flying to Rome in 3 days.",
        "I'm flying to Rome in a week.",
        "I'm flying to Rome in two weeks' time.",
        "I met Hiro on the 15th.",
        "I met Hiro a fortnight ago.",
        "Last Fri I took my kids to a pottery workshop.",
        "I joined a new group last Tues.",
        "I met Hiro on Weds.",
        "I finished the whole book in two weeks.",  # how long it took: no time ahead
    ]
    assert _happened(extractor, lines) == [
        "2024-07-04",
        "2024-06-23",
        "2024-06-27",
        "2024-07-04",
        "2024-06-15",
        "2024-06-03",  # the week two weeks back, as "two weeks ago"
        "2024-06-14",
        "2024-06-18",
        "2024-06-19",
        None,
    ]


def test_sat_and_sun_as_words_are_no_days(extractor: SpacyExtractor) -> None:
    assert _happened(extractor, ["I sat in the sun with Hiro.", "I burn easily after sun exposure."]) == [None, None]


def _facts(extractor: SpacyExtractor, line: str) -> dict[tuple[str, str], datetime | None]:
    batch = extractor.extract(make_transcript([(SAID, [("Mark", "Where will you live?"), ("Zoe", line)])]))
    names = {e.id: e.name for e in batch.entities}
    return {(f.predicate, names[f.object_id]): f.valid_from for f in batch.facts if names[f.subject_id] == "Zoe"}


def test_a_move_in_two_weeks_begins_then(extractor: SpacyExtractor) -> None:
    facts = _facts(extractor, "Yes, I'm moving to Osaka in two weeks.")
    assert facts[("lives_in", "Osaka")] == datetime(2024, 7, 4)


@pytest.mark.parametrize(
    "line",
    ["I'm moving to Osaka.", "I'm going to move to Osaka.", "I will move to Osaka.", "I'm gonna move to Osaka."],
)
def test_a_move_told_ahead_without_a_time_is_a_plan(extractor: SpacyExtractor, line: str) -> None:
    facts = _facts(extractor, line)
    assert ("lives_in", "Osaka") not in facts, facts
    assert ("plans", "Osaka") in facts


def test_a_home_held_now_in_the_progressive_stays_a_home(extractor: SpacyExtractor) -> None:
    assert ("lives_in", "Osaka") in _facts(extractor, "I'm living in Osaka.")
