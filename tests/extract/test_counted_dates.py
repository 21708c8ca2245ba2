"""A count after a weekday is no day number: NER runs "On Monday 3 people came" into one DATE "Monday 3",
which the resolver read as March (the month's number), so the turn was dated to the whole month and
recall's lift for "what did Jon say on Monday?" missed it. A question's own "on Monday, 3 people came" was
read right (task time29, 6 Dec 2026): the span of the turn's phrase was the fault, not recall's reader.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from graphmem.extract.pipeline import SpacyExtractor
from graphmem.recall.when import asked_window

from .conftest import make_transcript

#: A Thursday; the Monday before it is 11 March 2024.
SAID = datetime(2024, 3, 14, 10)
MONDAY = (datetime(2024, 3, 11), datetime(2024, 3, 12))


def _times(extractor: SpacyExtractor, text: str) -> list[tuple[str, datetime | None, datetime | None]]:
    batch = extractor.extract(make_transcript([(SAID, [("Jon", text), ("Ana", "Nice.")])]))
    (event, _) = batch.events
    return [(t.phrase, t.start, t.end) for t in event.times]


@pytest.mark.parametrize(
    "text",
    [
        "On Monday 3 people came to the meetup.",
        "On Monday 12 people came.",
        "On Monday 3 of us went hiking.",
        "On Monday, 3 people came to the meetup.",
    ],
)
def test_a_count_after_a_weekday_is_no_day_number(extractor: SpacyExtractor, text: str) -> None:
    assert _times(extractor, text) == [("Monday", *MONDAY)]


def test_a_count_after_a_year_or_yesterday_is_cut_off_too(extractor: SpacyExtractor) -> None:
    assert _times(extractor, "In 2019 2 people died.") == [("2019", datetime(2019, 1, 1), datetime(2020, 1, 1))]
    assert _times(extractor, "Yesterday 3 people came.") == [
        ("Yesterday", datetime(2024, 3, 13), datetime(2024, 3, 14))
    ]


@pytest.mark.parametrize(
    ("text", "phrase", "day"),
    [
        ("See you on May 3 then.", "May 3", datetime(2024, 5, 3)),
        ("On Monday 3 March we met.", "Monday 3 March", datetime(2024, 3, 3)),
        ("We met on Monday 3 of March.", "Monday 3 of March", datetime(2024, 3, 3)),
    ],
)
def test_a_number_that_is_the_day_stays_in_the_date(
    extractor: SpacyExtractor, text: str, phrase: str, day: datetime
) -> None:
    ((said, start, _end),) = _times(extractor, text)
    assert (said, start) == (phrase, day)


@pytest.mark.parametrize(
    ("text", "phrase"), [("Monday 9 to 5 I work.", "Monday 9 to 5"), ("Monday 9 till 5 I work.", "Monday 9 till 5")]
)
def test_the_end_of_a_range_is_no_count(extractor: SpacyExtractor, text: str, phrase: str) -> None:
    # NER's DATE "Monday 9 to 5": its 5 closes the range "9 to 5", it counts nothing ("5 I")
    assert [said for said, _start, _end in _times(extractor, text)] == [phrase]


@pytest.mark.parametrize(
    "question",
    ["what did Jon say on Monday, 3 people came?", "what did Jon say on Monday 3 people came?"],
)
def test_a_question_reads_the_weekday_as_the_date(question: str) -> None:
    window = asked_window(question, SAID)
    assert window is not None and (window.phrase, window.start, window.end) == ("on Monday", *MONDAY)
