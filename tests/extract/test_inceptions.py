"""Stage 3: a dated clause that begins a state ("I started there on 1 March") dates the state's fact."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from .conftest import make_transcript
from .test_facts import closings_of, facts_of

SAID = datetime(2024, 3, 12, 19, 0)


def start_of(nlp: Any, text: str, predicate: str, obj: str) -> tuple[datetime | None, str | None]:
    found = [
        (start, phrase)
        for _, p, o, start, phrase in facts_of(nlp, text, full=True, ref=SAID)
        if (p, o) == (predicate, obj)
    ]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("text", "predicate", "obj", "start", "phrase"),
    [
        (
            "I work at Globex Corporation. I started there on 1 March.",
            "works_at",
            "Globex Corporation",
            "2024-03-01",
            "1 March",
        ),
        ("I live in Porto now, I moved here on 1 June.", "lives_in", "Porto", "2023-06-01", "1 June"),
        ("I work at Spotify. I started working there in January.", "works_at", "Spotify", "2024-01-01", "January"),
        ("I live in Seattle. We relocated there last summer.", "lives_in", "Seattle", "2023-06-01", "last summer"),
        (
            "I work at IBM. I started at IBM in the first week of February.",
            "works_at",
            "IBM",
            "2024-02-01",
            "the first week of February",
        ),
        ("I work at Boeing. I start there next week.", "works_at", "Boeing", "2024-03-18", "next week"),
        ("I work at Google and live in Zurich. I moved here in 2021.", "lives_in", "Zurich", "2021-01-01", "2021"),
        # the complement of a verb that reports it done is a start (before: undated)
        ("I live in Porto. I decided to move here in 2019.", "lives_in", "Porto", "2019-01-01", "2019"),
        ("I live in Porto. I had to move here in 2019 for work.", "lives_in", "Porto", "2019-01-01", "2019"),
        ("I live in Porto. I ended up moving here in 2015.", "lives_in", "Porto", "2015-01-01", "2015"),
        ("I live in Porto. We chose to settle here in 2012.", "lives_in", "Porto", "2012-01-01", "2012"),
        ("I work at Google. I managed to join in 2019.", "works_at", "Google", "2019-01-01", "2019"),
        ("I work at Google. I got to start there in May.", "works_at", "Google", "2023-05-01", "May"),
        ("I work at Google. I was able to start there in May.", "works_at", "Google", "2023-05-01", "May"),
    ],
)
def test_an_inception_clause_dates_the_state(
    nlp: Any, text: str, predicate: str, obj: str, start: str, phrase: str
) -> None:
    assert start_of(nlp, text, predicate, obj) == (datetime.fromisoformat(start), phrase)


@pytest.mark.parametrize(
    ("text", "predicate", "obj"),
    [
        ("I work at Google. My sister started there in May.", "works_at", "Google"),  # another subject
        ("I work at Google. I started a blog in January.", "works_at", "Google"),  # another object
        ("I work at Intel. I started a new project there in February.", "works_at", "Intel"),
        ("I live in Porto. I started yoga in January.", "lives_in", "Porto"),
        ("I live in Paris. I went to Rome last week.", "lives_in", "Paris"),  # no inception
        ("I work at Google and live in Zurich. I moved here in 2021.", "works_at", "Google"),  # moving is no job
        ("I work at Google, though I didn't start there in January.", "works_at", "Google"),  # negated
        ("I work at Spotify. You started there in May, didn't you?", "works_at", "Spotify"),  # a question
        ("I live in Oslo. My parents moved here in 2010.", "lives_in", "Oslo"),
        ("I work at Google. I started working on a novel in May.", "works_at", "Google"),  # work on: no job
        # a phrase fronted before a conjoined clause of another tense is not its time
        ("Last year I worked at Acme Analytics and now I work at Google.", "works_at", "Google"),
        ("In 2019 I moved to Lisbon and now I live in Porto.", "lives_in", "Porto"),
        ("Last year I worked at Acme Analytics, but I work at Google.", "works_at", "Google"),
    ],
)
def test_a_date_of_another_clause_does_not(nlp: Any, text: str, predicate: str, obj: str) -> None:
    assert start_of(nlp, text, predicate, obj) == (SAID, None)


@pytest.mark.parametrize(
    ("text", "predicate", "obj"),
    [
        # a pro-form or a missing target that may stand for another name or fact of the turn
        ("I live in Porto now. Before that I lived in Lisbon; I moved there in 2010.", "lives_in", "Porto"),
        ("I live in Porto. My parents live in Lisbon; we moved there in 2010.", "lives_in", "Porto"),
        ("I work at Google. Before that I was at Acme Analytics; I joined them in 2015.", "works_at", "Google"),
        ("I work at Google. I love my podcast, I started it in 2019.", "works_at", "Google"),  # "it": no job
        ("I study at Harvard University. I joined in 2022 but I work at Google.", "studies_at", "Harvard University"),
        ("I study at Harvard University. I joined in 2022 but I work at Google.", "works_at", "Google"),
        ("I work at Google and study at Stanford University. I started in 2020.", "works_at", "Google"),
        # plans, wishes and attempts are no start
        ("I live in Porto. I want to move here in May.", "lives_in", "Porto"),
        ("I live in Porto. I'm going to move here in May.", "lives_in", "Porto"),
        ("I live in Porto. I hope to settle here in 2025.", "lives_in", "Porto"),
        ("I live in Porto. I'd like to move here in May.", "lives_in", "Porto"),
        ("I live in Porto. I need to move here in May.", "lives_in", "Porto"),
        ("I work at Globex Corporation. I was supposed to start there in January.", "works_at", "Globex Corporation"),
        ("I work at Google. I almost started there in 2019.", "works_at", "Google"),
        ("I work at Google. I tried to join Google in 2019.", "works_at", "Google"),  # an attempt: no job
        # a generic noun with a named target, or a home's generic noun, is no pro-form
        ("I work at Google. I started a new job at Acme in January.", "works_at", "Google"),
        ("I live in Porto. I moved house in May.", "lives_in", "Porto"),
        # a generic noun of another job or course, or "work", is no pro-form (before: dated)
        ("I work at Google. I started my first job in 2005.", "works_at", "Google"),
        ("I work at Google. I started another job in May.", "works_at", "Google"),
        ("I work at Google. I started a second job in May.", "works_at", "Google"),
        ("I work at Google. I started my previous job in 2015.", "works_at", "Google"),
        ("I work at Google. I started work in 2005.", "works_at", "Google"),
        ("I study at Harvard University. I started an online course in May.", "studies_at", "Harvard University"),
        # a state set against the start by "but" is not what it began (before: dated 2022, 2019)
        ("I joined in 2022 but I work at Google.", "works_at", "Google"),
        ("I joined in 2022. But I work at Google.", "works_at", "Google"),
        ("I joined them in 2022 but I work at Google now.", "works_at", "Google"),
        ("I moved in 2019 but I live in Oslo now.", "lives_in", "Oslo"),
        # ... or by "though", "although": a subordinating conjunction, the state an adverbial clause
        ("I joined in 2022 though I work at Google.", "works_at", "Google"),
        ("I moved in 2019, though I live in Oslo now.", "lives_in", "Oslo"),
        ("I joined in 2022, although I work at Google now.", "works_at", "Google"),
        ("I joined in 2022. Though I work at Google now.", "works_at", "Google"),
    ],
)
def test_a_start_that_may_be_of_another_or_did_not_happen_does_not_date(
    nlp: Any, text: str, predicate: str, obj: str
) -> None:
    assert start_of(nlp, text, predicate, obj) == (SAID, None)


@pytest.mark.parametrize(
    ("text", "predicate", "obj", "start", "phrase"),
    [
        # a conjoined clause with its own subject has its own time
        (
            "I work at Globex Corporation. My boss started there in 2010, and I joined last year.",
            "works_at",
            "Globex Corporation",
            "2023-01-01",
            "last year",
        ),
        # ... but one without a time takes a phrase fronted before the first clause's subject
        ("In 2019, I left Acme Analytics and I joined Google.", "works_at", "Google", "2019-01-01", "2019"),
        ("Yesterday I went to the Louvre and I met Tom.", "met", "Tom", "2024-03-11", "Yesterday"),
        # a generic job noun stands for the job; "got together", "got hired" begin as declared
        ("I work at Google. I started my new job there in January.", "works_at", "Google", "2024-01-01", "January"),
        ("I work at Google. I started my job in January.", "works_at", "Google", "2024-01-01", "January"),
        ("I'm dating Carlos. We got together in May.", "dating", "Carlos", "2023-05-01", "May"),
        (
            "I work at Globex Corporation. I got hired in January.",
            "works_at",
            "Globex Corporation",
            "2024-01-01",
            "January",
        ),
        # names of the fact's own clause qualify its object and do not stand in the way (before: undated)
        ("I live in Porto, Portugal. I moved here in 2019.", "lives_in", "Porto", "2019-01-01", "2019"),
        ("I work at Google in London. I started there in 2019.", "works_at", "Google", "2019-01-01", "2019"),
        ("I work at Google in London. I joined in 2019.", "works_at", "Google", "2019-01-01", "2019"),
        # "but" after the state concedes when it began ("I live here, but I only moved in 2022")
        ("I work at Google. I joined in 2022.", "works_at", "Google", "2022-01-01", "2022"),
        ("I work at Google now, but I only joined in 2022.", "works_at", "Google", "2022-01-01", "2022"),
        ("I work at Google, and I joined in 2022.", "works_at", "Google", "2022-01-01", "2022"),
        # since under a future perfect is back from a time ahead: the nearest May; "by June" is no start
        ("By June I'll have lived in Porto since May.", "lives_in", "Porto", "2024-05-01", "May"),
        ("I have lived in Porto since May.", "lives_in", "Porto", "2023-05-01", "May"),
        # names that are no job or home do not stand in the way
        ("I work at Google. My boss is nice and I started there in May.", "works_at", "Google", "2023-05-01", "May"),
        (
            "I'm a student at Harvard University. I enrolled in 2022.",
            "studies_at",
            "Harvard University",
            "2022-01-01",
            "2022",
        ),
    ],
)
def test_an_unambiguous_start_still_dates(
    nlp: Any, text: str, predicate: str, obj: str, start: str, phrase: str
) -> None:
    assert start_of(nlp, text, predicate, obj) == (datetime.fromisoformat(start), phrase)


def test_a_dated_restatement_in_the_turn_dates_the_fact(nlp: Any) -> None:
    text = "I work at Globex Corporation. I joined Globex Corporation in January."
    assert start_of(nlp, text, "works_at", "Globex Corporation") == (datetime(2024, 1, 1), "January")


@pytest.mark.parametrize(
    ("said", "text", "at"),
    [
        (SAID, "Yes, I left Acme Analytics at the end of February.", datetime(2024, 3, 1)),
        (SAID, "I left Acme Analytics in late February.", datetime(2024, 3, 1)),
        (datetime(2024, 2, 12, 10), "I'll leave Acme Analytics in late February.", datetime(2024, 3, 1)),
        (datetime(2024, 2, 12, 10), "I'll leave Acme Analytics at the end of the month.", datetime(2024, 3, 1)),
        (datetime(2024, 2, 29, 10), "I'm leaving Acme Analytics at the end of February.", datetime(2024, 3, 1)),
        (datetime(2024, 12, 5, 10), "I'm leaving Acme Analytics at the end of December.", datetime(2025, 1, 1)),
        (SAID, "I left Acme Analytics in early February.", datetime(2024, 2, 1)),  # the start of an early part
        # told as past inside the part, it ended by the time it was said (before: 1 March)
        (datetime(2024, 2, 25, 10), "I left Acme Analytics at the end of February.", datetime(2024, 2, 25, 10)),
    ],
)
def test_an_ending_at_the_end_of_a_month_closes_as_it_ends(nlp: Any, said: datetime, text: str, at: datetime) -> None:
    # "I left at the end of February" held through February, as "until the end of February" does
    closings = closings_of(nlp, text, said)
    assert ("Caroline", "works_at", "Acme Analytics", at) in closings


@pytest.mark.parametrize(
    ("said", "text", "predicate", "obj", "start"),
    [
        # a part of a named month said inside it or near the year's end takes the nearest year
        (datetime(2024, 12, 5, 10), "I'm moving to Porto in late December.", "lives_in", "Porto", "2024-12-21"),
        (SAID, "I start at Google in late March.", "works_at", "Google", "2024-03-21"),
        (SAID, "I moved to Porto in late March.", "lives_in", "Porto", "2023-03-21"),
        (
            datetime(2024, 12, 5, 10),
            "I live in Porto. I moved here at the end of December.",
            "lives_in",
            "Porto",
            "2023-12-21",
        ),
        (datetime(2024, 12, 5, 10), "I'm moving to Porto in December.", "lives_in", "Porto", "2024-12-01"),
        # since points back whatever the tense of its verb
        (datetime(2024, 5, 1, 10), "I work at Lumen Robotics since April.", "works_at", "Lumen Robotics", "2024-04-01"),
        (SAID, "I live in Porto since December.", "lives_in", "Porto", "2023-12-01"),
        (SAID, "I work at Google since late January.", "works_at", "Google", "2024-01-21"),
    ],
)
def test_a_named_month_takes_the_year_its_direction_gives(
    nlp: Any, said: datetime, text: str, predicate: str, obj: str, start: str
) -> None:
    found = [s for _, p, o, s, _ in facts_of(nlp, text, full=True, ref=said) if (p, o) == (predicate, obj)]
    assert found == [datetime.fromisoformat(start)]


def test_until_the_end_of_a_month_said_inside_it_is_this_month(extractor: Any) -> None:
    said = datetime(2024, 2, 10, 10)
    batch = extractor.extract(
        make_transcript([(said, [("Leo", "I'm working at Acme Analytics until the end of February.")])])
    )
    assert [(f.predicate, f.valid_to) for f in batch.facts] == [("works_at", datetime(2024, 3, 1))]


@pytest.mark.parametrize(
    ("text", "end"),
    [
        ("I'm staying in Paris until June.", datetime(2024, 6, 1)),
        ("I'm staying in Paris until the end of June.", datetime(2024, 7, 1)),
        ("I'm staying in Paris through June.", datetime(2024, 7, 1)),
    ],
)
def test_until_the_end_of_a_month_ends_with_it(extractor: Any, text: str, end: datetime) -> None:
    batch = extractor.extract(make_transcript([(SAID, [("Leo", text)])]))
    assert [(f.predicate, f.valid_from, f.valid_to) for f in batch.facts] == [("lives_in", SAID, end)]


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("Tom works at Google. He started there in May.", datetime(2023, 5, 1)),  # the one person named before
        ("Tom works at Google. Ben said he started there in May.", SAID),  # two: he may be either
        # a person noun or the name no longer the subject before: he or she may be another (before: dated)
        ("Tom works at Google. His wife is a nurse. She started there in May.", SAID),
        ("Tom works at Google. His boss is nice. He started there in 2010.", SAID),
        ("Tom works at Google and he loves his job. He started there in May.", datetime(2023, 5, 1)),
        ("Tom works at Google. He loves it. He started there in May.", datetime(2023, 5, 1)),
        ("Tom works at Google. His wife loves it. He started there in May.", SAID),
    ],
)
def test_he_or_she_is_the_one_person_named_before(nlp: Any, text: str, start: datetime) -> None:
    found = [(s, o, f) for s, p, o, f, _ in facts_of(nlp, text, full=True, ref=SAID) if p == "works_at"]
    assert found == [("Tom", "Google", start)]


@pytest.mark.parametrize(
    ("said", "text", "predicate", "end"),
    [
        # a late part ends with its period, as "until the end of" does; a part that has begun when it is
        # said is meant through (before: 21 February and 11 March, before the fact began)
        (datetime(2024, 2, 25, 10), "I'm working at Acme Analytics until late February.", "works_at", "2024-03-01"),
        (datetime(2024, 3, 12, 10), "I'm staying in Paris until mid-March.", "lives_in", "2024-03-21"),
        (datetime(2024, 2, 10, 10), "I'm working at Acme Analytics until late February.", "works_at", "2024-03-01"),
        (datetime(2024, 2, 10, 10), "I'm staying in Paris until mid-March.", "lives_in", "2024-03-11"),
    ],
)
def test_until_a_part_of_a_month_never_ends_before_the_start(
    extractor: Any, said: datetime, text: str, predicate: str, end: str
) -> None:
    batch = extractor.extract(make_transcript([(said, [("Leo", text)])]))
    assert [(f.predicate, f.valid_from, f.valid_to) for f in batch.facts] == [
        (predicate, said, datetime.fromisoformat(end))
    ]


def test_he_is_not_a_woman_named_before(nlp: Any) -> None:
    text = "Sarah lives in Porto with her husband. He moved here in 2010."
    found = [(s, o, f) for s, p, o, f, _ in facts_of(nlp, text, full=True, ref=SAID) if p == "lives_in"]
    assert found == [("Sarah", "Porto", SAID)]


@pytest.mark.parametrize(
    "text",
    [
        # an attempt or "almost" ends nothing (before: each closed the job, home or relationship)
        "I tried to quit my job at Acme Analytics in February.",
        "I was supposed to leave Acme Analytics in February.",
        "I almost left Acme Analytics in February.",
        "I failed to leave Acme Analytics.",
        "I nearly quit my job in February.",
        "I tried to break up with Carlos last week.",
        "I tried to move out of Porto.",
    ],
)
def test_an_attempt_or_almost_closes_nothing(nlp: Any, text: str) -> None:
    assert closings_of(nlp, text, SAID) == []


def test_a_done_ending_still_closes(nlp: Any) -> None:
    assert ("Caroline", "works_at", "Acme Analytics", datetime(2024, 2, 1)) in closings_of(
        nlp, "I left Acme Analytics in February.", SAID
    )


@pytest.mark.parametrize(
    "text",
    [
        "I worked at Acme Analytics, but I quit at the end of February.",
    ],
)
def test_a_state_and_its_ending_told_as_past_in_one_turn_ends(extractor: Any, text: str) -> None:
    # "I worked at" tells of a job held before: no start; told as past, the ending ended it by the time it
    # was said (25 February). Before, the fact started when said and the ending was moved to 1 March.
    said = datetime(2024, 2, 25, 10)
    batch = extractor.extract(make_transcript([(said, [("Leo", text)])]))
    assert [(f.predicate, f.valid_from, f.valid_to) for f in batch.facts] == [("works_at", None, said)]


@pytest.mark.parametrize(
    ("text", "predicate"),
    [
        ("I quit my job at the end of the month and I work at Globex Corporation now.", "works_at"),
        ("I moved out at the end of the month and I live in Porto now.", "lives_in"),
    ],
)
def test_an_ending_naming_no_value_leaves_the_new_state_of_its_turn(extractor: Any, text: str, predicate: str) -> None:
    # "my job" names whichever job held: not the new one the same turn states
    said = datetime(2024, 1, 25, 18)
    batch = extractor.extract(make_transcript([(said, [("Ana", text)])]))
    assert [f.valid_to for f in batch.facts if f.predicate == predicate] == [None]
