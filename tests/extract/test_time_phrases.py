"""Stage 4: decades in words, "midweek", parts of a season, and "later that month" after the time
talked of before."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from graphmem.extract.antecedents import on_clock
from graphmem.extract.pipeline import SpacyExtractor
from graphmem.extract.times import TimeResolver
from graphmem.models import TimeRef

from .conftest import make_transcript

REF = datetime(2024, 3, 12, 19, 0)  # Tuesday 12 March 2024
JULY = datetime(2024, 7, 10, 19, 0)  # Wednesday 10 July 2024


def _interval(phrase: str, said: datetime = REF, prefer: str = "past") -> tuple[str, str, str] | None:
    ref = TimeResolver().resolve(phrase, said, prefer=prefer)
    if not ref.resolved or ref.start is None or ref.end is None:
        return None
    return ref.start.date().isoformat(), ref.end.date().isoformat(), ref.grain


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("the nineties", ("1990-01-01", "2000-01-01", "year")),
        ("the eighties", ("1980-01-01", "1990-01-01", "year")),
        ("the mid-nineties", ("1993-01-01", "1997-01-01", "year")),
        ("in the mid-nineties", ("1993-01-01", "1997-01-01", "year")),
        ("mid-nineties", ("1993-01-01", "1997-01-01", "year")),
        ("the late eighties", ("1987-01-01", "1990-01-01", "year")),
        ("the early seventies", ("1970-01-01", "1973-01-01", "year")),
        ("the noughties", ("2000-01-01", "2010-01-01", "year")),
        ("the early 2000s", ("2000-01-01", "2003-01-01", "year")),
        ("the late 2010s", ("2017-01-01", "2020-01-01", "year")),
    ],
)
def test_decades_and_their_parts(phrase: str, expected: tuple[str, str, str]) -> None:
    assert _interval(phrase) == expected
    assert _interval(phrase, prefer="future") == expected  # a decade is absolute


@pytest.mark.parametrize("phrase", ["her early twenties", "my twenties", "his late thirties"])
def test_an_age_is_no_decade(phrase: str) -> None:
    assert _interval(phrase) is None


@pytest.mark.parametrize(
    ("phrase", "said", "prefer", "expected"),
    [
        # Wednesday to Friday of the week holding the turn, or the one before (after) when the middle
        # lies wholly ahead (behind) and the clause points back (ahead)
        ("midweek", REF, "past", ("2024-03-06", "2024-03-09", "day")),
        ("midweek", REF, "future", ("2024-03-13", "2024-03-16", "day")),
        ("mid-week", REF, "future", ("2024-03-13", "2024-03-16", "day")),
        ("midweek", datetime(2024, 3, 16, 10), "past", ("2024-03-13", "2024-03-16", "day")),
        ("midweek", datetime(2024, 3, 16, 10), "future", ("2024-03-20", "2024-03-23", "day")),
    ],
)
def test_midweek(phrase: str, said: datetime, prefer: str, expected: tuple[str, str, str]) -> None:
    assert _interval(phrase, said, prefer) == expected


@pytest.mark.parametrize(
    ("phrase", "said", "prefer", "expected"),
    [
        # northern-hemisphere seasons: spring March-May, summer June-August
        ("the end of the summer", JULY, "past", ("2023-08-01", "2023-09-01", "month")),
        ("the end of the summer", JULY, "future", ("2024-08-01", "2024-09-01", "month")),
        ("the end of summer", JULY, "past", ("2023-08-01", "2023-09-01", "month")),
        ("early summer", JULY, "past", ("2024-06-01", "2024-07-01", "month")),
        ("early spring", REF, "past", ("2024-03-01", "2024-04-01", "month")),
        ("early spring", JULY, "future", ("2025-03-01", "2025-04-01", "month")),
        ("late spring", REF, "past", ("2023-05-01", "2023-06-01", "month")),
        ("the beginning of the winter", REF, "past", ("2023-12-01", "2024-01-01", "month")),
        ("the end of the summer of 2022", REF, "future", ("2022-08-01", "2022-09-01", "month")),
        # "last" is behind whatever the tense ("I'll tell you about last summer")
        ("last summer", REF, "future", ("2023-06-01", "2023-09-01", "month")),
        ("early last summer", REF, "future", ("2023-06-01", "2023-07-01", "month")),
    ],
)
def test_parts_of_a_season(phrase: str, said: datetime, prefer: str, expected: tuple[str, str, str]) -> None:
    assert _interval(phrase, said, prefer) == expected


def _after(phrase: str, antecedent: str) -> tuple[str, str, str] | None:
    resolver = TimeResolver()
    before = resolver.resolve(antecedent, REF)
    ref = resolver.resolve(phrase, REF, antecedent=before)
    if not ref.resolved or ref.start is None or ref.end is None:
        return None
    return ref.start.date().isoformat(), ref.end.date().isoformat(), ref.grain


@pytest.mark.parametrize(
    ("phrase", "antecedent", "expected"),
    [
        ("later that month", "3 May 2023", ("2023-05-04", "2023-06-01", "day")),
        ("Later that month", "3 May 2023", ("2023-05-04", "2023-06-01", "day")),
        ("earlier that month", "15 May 2023", ("2023-05-01", "2023-05-15", "day")),
        ("later that week", "Wednesday 3 May 2023", ("2023-05-04", "2023-05-08", "day")),
        ("earlier that year", "3 May 2023", ("2023-01-01", "2023-05-03", "day")),
        ("later that year", "May 2023", ("2023-06-01", "2024-01-01", "day")),
        ("later in that same year", "May 2023", ("2023-06-01", "2024-01-01", "day")),
        # the antecedent is the unit: the whole unit
        ("later that month", "May 2023", ("2023-05-01", "2023-06-01", "month")),
        # longer than the unit: which month is not said
        ("later that month", "2023", None),
        ("later that week", "May 2023", None),
        # longer by its length, whatever its grain: a season, a half year (month grain), a decade
        ("later that month", "last summer", None),
        ("later that month", "the first half of last year", None),
        ("later that year", "the nineties", None),
        # nothing of the unit on that side of the antecedent: not the whole unit
        ("earlier that year", "1 January 2023", None),
        ("later that month", "31 May 2023", None),
    ],
)
def test_later_that_month_is_after_the_antecedent(
    phrase: str, antecedent: str, expected: tuple[str, str, str] | None
) -> None:
    assert _after(phrase, antecedent) == expected


@pytest.mark.parametrize("antecedent", [None, TimeRef("recently")])
def test_later_that_month_without_an_antecedent_is_unresolved(antecedent: TimeRef | None) -> None:
    assert not TimeResolver().resolve("later that month", REF, antecedent=antecedent).resolved


def test_an_antecedent_does_not_change_other_phrases() -> None:
    resolver = TimeResolver()
    before = resolver.resolve("3 May 2023", REF)
    assert resolver.resolve("last month", REF, antecedent=before) == resolver.resolve("last month", REF)


def test_the_extractor_reads_later_that_month_after_the_time_talked_of(extractor: SpacyExtractor) -> None:
    # the antecedent is the last phrase resolved in the session: in the same turn or a turn before,
    # by either speaker; a new session starts without one
    batch = extractor.extract(
        make_transcript(
            [
                (
                    REF,
                    [
                        ("Ana", "I went to Lisbon on 3 May 2023."),
                        ("Ben", "Nice! What happened after that?"),
                        ("Ana", "Later that month I joined a choir, and earlier that year I got a dog."),
                    ],
                ),
                (datetime(2024, 4, 2, 19, 0), [("Ana", "Later that month we went to Rome.")]),
            ]
        )
    )
    times = [(t.phrase, t.start, t.end) for e in batch.events for t in e.times]
    assert times == [
        ("3 May 2023", datetime(2023, 5, 3), datetime(2023, 5, 4)),
        ("Later that month", datetime(2023, 5, 4), datetime(2023, 6, 1)),
        # of the first date, not of "later that month" (a chain stays on the time talked of)
        ("earlier that year", datetime(2023, 1, 1), datetime(2023, 5, 3)),
        ("Later that month", None, None),
    ]


DEC = datetime(2024, 12, 20, 19, 0)  # Friday 20 December 2024


def _extracted(turns: list[tuple[str, str]], extractor: SpacyExtractor, said: datetime = REF) -> list[Any]:
    batch = extractor.extract(make_transcript([(said, turns)]))
    return [(t.phrase, t.start and t.start.date().isoformat()) for e in batch.events for t in e.times]


@pytest.mark.parametrize(
    "text",
    [
        # spaCy's DATE span leaves the possessive out ("late twenties"): the extractor looks before it
        "I moved to Berlin in my late twenties.",
        "I was in my early twenties when I moved to Berlin.",
        "He is in his mid-thirties.",
        "People in their twenties love it.",
        # a decade that "it" was in is a temperature
        "It was in the nineties all week.",
        # so is one that a weather noun is in, or that modifies one ("a high in the nineties")
        "We had a high in the nineties yesterday.",
        "Highs will be in the nineties all week.",
        "The temperature was in the eighties.",
        "Temperatures in the nineties are normal here.",
        "It's supposed to be in the seventies tomorrow.",
        "Temperatures hit the nineties on Tuesday.",
        "The weather stayed in the eighties.",
    ],
)
def test_an_age_or_a_temperature_is_no_decade_in_the_extractor(text: str, extractor: SpacyExtractor) -> None:
    batch = extractor.extract(make_transcript([(REF, [("Ana", text)])]))
    decades = [t for e in batch.events for t in e.times if "ties" in t.phrase]
    assert decades and not any(t.resolved for t in decades)
    assert all(f.valid_from is None or f.valid_from <= REF for f in batch.facts)


@pytest.mark.parametrize(
    "text",
    [
        "I lived in Rome in the nineties.",
        "It was in the nineties that I lived in Rome.",
        "It was in the nineties when we met.",
        # a weather noun whose change the decade dates, or one beside no decade of it
        "Temperatures rose in the nineties.",
        "I had a high fever in the nineties.",
        "I was high in the nineties.",
        # "it" with something said of it: the decade is when
        "It was big in the nineties.",
        "It got popular in the nineties.",
        # "into" a decade is a reading only after a verb of a reading going there, not of lasting
        "It continued into the nineties.",
        "It lasted well into the nineties.",
        "It carried on into the nineties.",
        # stayed somewhere else: the decade is when
        "It stayed in Rome in the nineties.",
        "It stayed in the family in the nineties.",
        # a high or low that something is at or hits, or that is no reading: no weather talk
        "Crime was at an all-time high in the nineties.",
        "Music was at a high in the nineties.",
        "Unemployment hit a low in the nineties.",
        "Unemployment hit record lows in the nineties.",
        # a temp is someone
        "I worked as a temp in the nineties.",
        "My mom was a temp in the nineties.",
    ],
)
def test_the_nineties_stay_a_decade_in_the_extractor(text: str, extractor: SpacyExtractor) -> None:
    assert _extracted([("Ana", text)], extractor) == [("the nineties", "1990-01-01")]


@pytest.mark.parametrize(
    ("text", "phrase", "start"),
    [
        ("It dragged on into the eighties.", "the eighties", "1980-01-01"),
        ("Interest rates were at a high in the eighties.", "the eighties", "1980-01-01"),
        ("Rock music hit its high in the seventies.", "the seventies", "1970-01-01"),
        ("The highs in the nineties were the best years of my life.", "the nineties", "1990-01-01"),
    ],
)
def test_another_decade_stays_a_decade_in_the_extractor(
    text: str, phrase: str, start: str, extractor: SpacyExtractor
) -> None:
    batch = extractor.extract(make_transcript([(REF, [("Ana", text)])]))
    found = [t for e in batch.events for t in e.times if t.phrase == phrase]
    assert [(t.start and t.start.date().isoformat(), t.grain) for t in found] == [(start, "year")]


@pytest.mark.parametrize(
    "text",
    [
        # weather talk: a high or low is a reading
        "Tomorrow: sunny, a high in the nineties.",
        "Hot and humid, with highs in the nineties.",
        "Temperatures climbed into the nineties.",
        "The low was in the seventies.",
        "We moved on a day with a high in the nineties.",
    ],
)
def test_a_reading_in_weather_talk_is_no_decade(text: str, extractor: SpacyExtractor) -> None:
    batch = extractor.extract(make_transcript([(REF, [("Ana", text)])]))
    decades = [t for e in batch.events for t in e.times if "ties" in t.phrase]
    assert decades and not any(t.resolved for t in decades)


@pytest.mark.parametrize(
    ("text", "phrase", "expected"),
    [
        # a future perfect counts back from its "by" time: the latest March before January 2025
        ("By January I'll have lived in Porto since March.", "March", "2024-03-01"),
        ("By June I'll have lived in Porto since May.", "May", "2025-05-01"),
        # a modal perfect is a guess about the past: since January is back from the telling
        ("Tom may have worked at Google since January.", "January", "2024-01-01"),
        ("Tom could have lived there since March.", "March", "2024-03-01"),
    ],
)
def test_since_under_a_perfect(text: str, phrase: str, expected: str, extractor: SpacyExtractor) -> None:
    assert dict(_extracted([("Ana", text)], extractor, DEC))[phrase] == expected


def test_a_question_or_a_condition_is_no_antecedent(extractor: SpacyExtractor) -> None:
    turns = [
        ("Ana", "I went to Lisbon in May 2023."),
        ("Ben", "If you go back next week, tell me!"),
        ("Ana", "Later that month I also visited Porto."),
        ("Ben", "Did you go there on 3 June 2023?"),
        ("Ana", "Later that month I went home."),
    ]
    found = _extracted(turns, extractor)
    assert found[-3] == ("Later that month", "2023-05-01")  # May, not the week ahead
    assert found[-1] == ("Later that month", "2023-05-01")


def test_a_past_later_that_month_never_lies_ahead() -> None:
    resolver = TimeResolver()
    ahead = resolver.resolve("next week", REF, prefer="future")
    assert not resolver.resolve("later that month", REF, prefer="past", antecedent=ahead).resolved
    assert resolver.resolve("later that month", REF, prefer="future", antecedent=ahead).resolved


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # said on Tuesday 12 March: the middle of last week told as past, of this week told ahead
        ("We met midweek.", ("midweek", "2024-03-06")),  # no capital, no number: NER still runs
        ("We met mid-week.", ("mid-week", "2024-03-06")),
        ("We'll meet mid-week.", ("mid-week", "2024-03-13")),
    ],
)
def test_midweek_in_the_extractor(text: str, expected: tuple[str, str], extractor: SpacyExtractor) -> None:
    assert _extracted([("Ana", text)], extractor) == [expected]


@pytest.mark.parametrize(
    "told",
    [
        # the phrase said twice: once in a question, once telling of it
        "You ask about May 2023? I was in Lisbon in May 2023.",
        # a line break ends a sentence as a full stop does
        "I moved to Lisbon in May 2023\nhow about you?",
        # an "if" of another clause is no condition on the phrase
        "Not sure if you remember, but I moved to Lisbon in May 2023.",
    ],
)
def test_a_phrase_told_outside_a_question_or_condition_is_an_antecedent(told: str, extractor: SpacyExtractor) -> None:
    found = _extracted([("Ana", told), ("Ana", "Later that month I visited Porto.")], extractor)
    assert found[-1] == ("Later that month", "2023-05-01")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # spaCy tags no DATE here, or only "that month": the phrase is found in the text, not by NER
        ("So later that year I went back.", ("later that year", "2023-05-04")),
        ("I visited Rome later on that month.", ("later on that month", "2023-05-04")),
        ("and later in that year I met Tom.", ("later in that year", "2023-05-04")),
        # NER finds these: they are read once, as before
        ("Oh and earlier that month I had quit my job.", ("earlier that month", "2023-05-01")),
        ("we moved, and then later that week we got a dog.", ("later that week", "2023-05-04")),
    ],
)
def test_later_that_month_is_found_without_ner(text: str, expected: tuple[str, str], extractor: SpacyExtractor) -> None:
    found = _extracted([("Ana", "I moved to Porto on 3 May 2023."), ("Ana", text)], extractor)
    assert found == [("3 May 2023", "2023-05-03"), expected]


def test_later_that_month_is_not_found_across_a_line_break(extractor: SpacyExtractor) -> None:
    # "later" ends one line, "that month" starts the next: no phrase relative to May 2023
    found = _extracted(
        [("Ana", "I moved to Porto on 3 May 2023."), ("Ana", "ok talk later\nthat month was hard tho")], extractor
    )
    assert not any(phrase.lower().startswith("later") for phrase, _ in found)
    assert found[1:] == [] or all(start is None for _, start in found[1:])


def test_a_later_that_month_found_without_ner_is_no_antecedent(extractor: SpacyExtractor) -> None:
    # a chain stays on the first date, and a question names no time that happened
    turns = [
        ("Ana", "I moved to Porto on 3 May 2023."),
        ("Ben", "So later that year you went back?"),
        ("Ana", "So later that year I went back, and earlier that month I sold my car."),
    ]
    found = _extracted(turns, extractor)
    assert found[1:] == [
        ("later that year", "2023-05-04"),
        ("later that year", "2023-05-04"),
        ("earlier that month", "2023-05-01"),
    ]


@pytest.mark.parametrize(
    ("start", "reader", "expected"),
    [
        # 11:00 UTC is midnight at +13:00 (the next day) and at -11:00: the reader's clock decides
        (datetime(2023, 5, 31, 11), 13, datetime(2023, 6, 1)),
        (datetime(2023, 5, 31, 11), -11, datetime(2023, 5, 31)),
        (datetime(2023, 5, 31, 11), None, datetime(2023, 5, 31)),
        (datetime(2023, 5, 31, 10), 14, datetime(2023, 6, 1)),
        (datetime(2023, 5, 31, 10), -8, datetime(2023, 5, 31)),
        (datetime(2023, 5, 31, 12), None, datetime(2023, 6, 1)),  # +12:00, not -12:00
        # one clock only: 22:00 UTC is midnight at +02:00 whoever reads it
        (datetime(2023, 5, 31, 22), -8, datetime(2023, 6, 1)),
    ],
)
def test_a_stored_antecedent_goes_back_on_its_speakers_clock(
    start: datetime, reader: int | None, expected: datetime
) -> None:
    offset = timedelta(hours=reader) if reader is not None else None
    ref = on_clock(TimeRef("1 June 2023", start, start + timedelta(days=1), "day"), offset)
    assert ref is not None and ref.start == expected
