"""Words that say when: a question's date is read as a date, not matched as words, a relative single day is
exact, every time a turn tells of counts, and "now", "still"… are no full-text terms (tester findings of
5 Dec 2026: "What is Eva doing today?", "What did I do yesterday?", "Where did Eva move in 2019?",
"Where does Priya work now?")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from graphmem.embed import Embedder
from graphmem.memory import Memory
from graphmem.models import Batch, Event, Session, TimeRef
from graphmem.recall import Hit
from graphmem.recall.hit import AskedDate
from graphmem.recall.query import analyse
from graphmem.recall.when import window_share

NS = "eva"
NOW = datetime(2026, 12, 5, 12, 0)


def _write(mem: Memory, turns: Sequence[tuple[datetime, str, str, tuple[TimeRef, ...]]]) -> None:
    """One session per turn, with embeddings, as ingestion would write it."""
    for index, (when, speaker, text, times) in enumerate(turns):
        sid = f"s{index + 1}"
        event = Event(NS, f"{sid}:1", sid, 1, speaker, text, when, f"{sid}:1", times=times)
        vector = mem.embedder.embed([text])[0]
        mem.write(
            Batch(
                NS,
                sessions=(Session(NS, sid, index, when),),
                events=(event,),
                embeddings=((event.id, vector.tolist()),),
                embedding_model=mem.embedder.name,
            )
        )


def _day(when: datetime) -> TimeRef:
    start = datetime(when.year, when.month, when.day)
    return TimeRef("yesterday", start, start + timedelta(days=1), "day")


def _ask(mem: Memory, question: str, reference: datetime = NOW) -> list[Hit]:
    return mem.recall(question, namespace=NS, k=6, reference=reference)


def _texts(hits: list[Hit]) -> list[str]:
    return [h.event.text for h in hits]


@pytest.mark.parametrize(
    ("question", "left_out"),
    [
        ("Where does Priya work now?", "now"),
        ("Where does Priya work currently?", "currently"),
        ("Does Priya still work at the BBC?", "still"),
        ("Is Priya at the BBC anymore?", "anymore"),
        ("Where does Priya work these days?", "days"),
    ],
)
def test_temporal_function_words_are_no_terms(question: str, left_out: str) -> None:
    terms = analyse(question)
    assert left_out not in terms.terms and "priya" in terms.terms
    assert left_out not in terms.fulltext.split()


def test_the_date_read_from_a_question_is_no_term() -> None:
    read = analyse("Which city have Jean and John visited last summer?", dates=("last summer",))
    assert read.terms == ("city", "jean", "john", "visited") and read.names == ("Jean", "John")
    assert read.text == "Which city have Jean and John visited last summer?"  # the question as asked
    # nothing left but when: no full-text search on "what did i do"
    assert analyse("What did I do yesterday?", dates=("yesterday",)).fulltext == ""
    assert analyse("what is it?").fulltext == "what is it"  # a question that names no date keeps its fallback


def test_a_date_or_present_word_inside_a_name_stays_a_term() -> None:
    # review finding: the date phrase was removed everywhere it occurred ("in May" out of "in Mayfair"), and
    # "Now" out of "Now TV"
    assert "mayfair" in analyse("Which hotel did Sam stay at in May in Mayfair?", dates=["in May"]).terms
    assert "now" in analyse("What did Sam watch on Now TV yesterday?", dates=["yesterday"]).terms
    assert "now" not in analyse("Now, where does Priya work?").terms


def test_now_finds_no_turn_by_its_word(tmp_path: Path, embedder: Embedder) -> None:
    with Memory.open(tmp_path / "m", embedder=embedder) as mem:
        _write(
            mem,
            [
                (NOW - timedelta(days=20), "Priya", "I started a new job at Deloitte as an auditor.", ()),
                (NOW - timedelta(days=2), "Tomas", "Is he better now?", ()),
            ],
        )
        hits = _ask(mem, "Where does Priya work now?")
        now_turn = next(h for h in hits if h.event.text == "Is he better now?")
        assert not [s for s in now_turn.why.seeds if s.kind == "text"]


def test_a_relative_single_day_is_exact(tmp_path: Path, embedder: Embedder) -> None:
    with Memory.open(tmp_path / "m", embedder=embedder) as mem:
        _write(
            mem,
            [
                (NOW - timedelta(days=40), "Eva", "I visited my aunt in Bruges.", ()),
                (
                    NOW - timedelta(days=9),
                    "Eva",
                    "I went skiing in Andorra yesterday.",
                    (_day(NOW - timedelta(days=10)),),
                ),
                (NOW - timedelta(days=3), "Eva", "I baked a lemon cake for Tom's birthday.", ()),
                (NOW - timedelta(hours=3), "Eva", "I am reading a novel by Elena Ferrante.", ()),
            ],
        )
        for question, turn in [
            ("What is Eva doing today?", "I am reading a novel by Elena Ferrante."),
            ("What did Eva do three days ago?", "I baked a lemon cake for Tom's birthday."),
        ]:
            hits = _ask(mem, question)
            assert hits[0].event.text == turn, (question, _texts(hits))
            assert all(h.why.parts.get("outside") for h in hits[1:]), question


def test_a_turn_said_yesterday_beats_one_that_only_says_yesterday(tmp_path: Path, embedder: Embedder) -> None:
    with Memory.open(tmp_path / "m", embedder=embedder) as mem:
        _write(
            mem,
            [
                (
                    NOW - timedelta(days=9),
                    "Dana",
                    "I went to a jazz concert yesterday.",
                    (_day(NOW - timedelta(days=10)),),
                ),
                (NOW - timedelta(days=30), "Dana", "I cooked lasagna today.", (_day(NOW - timedelta(days=30)),)),
                (NOW - timedelta(days=1), "Dana", "I bought a new bike today.", (_day(NOW - timedelta(days=1)),)),
                (NOW - timedelta(days=8), "Dana", "I visited my grandma today.", (_day(NOW - timedelta(days=8)),)),
                (NOW - timedelta(days=14), "Dana", "Tomorrow I'm going to the dentist.", ()),
                (NOW - timedelta(days=12), "Dana", "Next week I will fly to Oslo.", ()),
            ],
        )
        hits = _ask(mem, "What did I do yesterday?")
        assert hits[0].event.text == "I bought a new bike today.", _texts(hits)
        assert not any(s.kind == "text" for h in hits for s in h.why.seeds)


def test_a_loose_relative_date_lowers_nothing() -> None:
    week = AskedDate("last week", datetime(2026, 11, 23), datetime(2026, 11, 30), NOW)
    day = AskedDate("yesterday", datetime(2026, 12, 4), datetime(2026, 12, 5), NOW)
    named = AskedDate("in 2019", datetime(2019, 1, 1), datetime(2020, 1, 1))
    assert not week.exact and day.exact and named.exact


YEAR_2019 = TimeRef("in 2019", datetime(2019, 1, 1), datetime(2020, 1, 1), "year")
LAST_WEEK = TimeRef("last week", datetime(2023, 9, 4), datetime(2023, 9, 11), "week")
MOVED = "I moved to Leeds in 2019, and last week I started a pottery class."


def test_every_time_a_turn_tells_of_counts_for_the_asked_date(tmp_path: Path, embedder: Embedder) -> None:
    event = Event(NS, "s1:1", "s1", 1, "Eva", MOVED, datetime(2023, 9, 15, 11), times=(YEAR_2019, LAST_WEEK))
    assert event.happened == (LAST_WEEK.start, LAST_WEEK.end)  # the narrowest is what it happened
    assert window_share(event, AskedDate("in 2019", datetime(2019, 1, 1), datetime(2020, 1, 1))) == 1.0
    with Memory.open(tmp_path / "m", embedder=embedder) as mem:
        _write(
            mem,
            [
                (datetime(2019, 11, 10, 9), "Eva", "My sister moved to a new flat.", ()),
                (datetime(2023, 9, 15, 11), "Eva", MOVED, (YEAR_2019, LAST_WEEK)),
            ],
        )
        hit = next(h for h in _ask(mem, "Where did Eva move in 2019?") if h.event.text == MOVED)
        assert hit.why.parts.get("date") and not hit.why.parts.get("outside")
