"""Stage 1: events, sessions in date order, event times, captions, addressees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from graphmem.errors import ConfigError
from graphmem.extract.events import TURN_OFFSET, build_events, event_text
from graphmem.transcript import RawSession, RawTurn, Transcript

from .conftest import make_transcript


def test_one_event_per_turn_in_order(transcript: Transcript) -> None:
    plan = build_events(transcript)
    assert [e.source_id for e in plan.events] == ["D1:1", "D1:2", "D1:3", "D1:4", "D2:1", "D2:2"]
    assert [e.seq for e in plan.events] == [1, 2, 3, 4, 1, 2]
    assert [e.session for e in plan.events] == ["session_1"] * 4 + ["session_2"] * 2
    assert len({e.id for e in plan.events}) == 6
    assert all(e.namespace == "t" and e.kind == "utterance" for e in plan.events)
    assert plan.events[0].source_file == "mem.json" and plan.events[2].source_line == 3


def test_ids_are_deterministic(transcript: Transcript) -> None:
    assert [e.id for e in build_events(transcript).events] == [e.id for e in build_events(transcript).events]
    assert build_events(transcript).events[0].id == "ev:session_1:1"


def test_event_time_is_session_start_plus_order(transcript: Transcript) -> None:
    plan = build_events(transcript)
    start = datetime(2023, 5, 8, 13, 56)
    assert [e.occurred_at for e in plan.events[:4]] == [start + TURN_OFFSET * i for i in range(4)]
    assert plan.events[4].occurred_at == datetime(2023, 5, 25, 13, 14)
    assert plan.references[3] == start  # relative phrases resolve against the session date


def test_turn_timestamp_wins_and_is_made_naive_utc() -> None:
    cet = timezone(timedelta(hours=1))
    raw = RawSession("s", 0, (RawTurn("A", "hi", timestamp=datetime(2024, 9, 6, 18, 2, tzinfo=cet)),))
    plan = build_events(Transcript("t", (raw,)))
    assert plan.events[0].occurred_at == datetime(2024, 9, 6, 17, 2)
    assert plan.events[0].occurred_at.tzinfo is None
    assert plan.sessions[0].started_at is None


def test_sessions_are_put_in_date_order() -> None:
    t = make_transcript(
        [
            (datetime(2023, 6, 1), [("A", "later")]),
            (datetime(2023, 5, 1), [("B", "earlier")]),
        ]
    )
    plan = build_events(t)
    assert [s.id for s in plan.sessions] == ["session_2", "session_1"]
    assert [s.index for s in plan.sessions] == [0, 1]
    assert [e.text for e in plan.events] == ["earlier", "later"]


def test_undated_sessions_keep_input_order() -> None:
    t = make_transcript([(None, [("A", "one")]), (datetime(2020, 1, 1, tzinfo=UTC), [("B", "two")])])
    plan = build_events(t)
    assert [s.id for s in plan.sessions] == ["session_1", "session_2"]
    assert plan.events[0].occurred_at is None


def test_caption_becomes_part_of_the_event() -> None:
    assert event_text(RawTurn("A", "Look!", caption="a photo of a dog")) == "Look! [shares a photo: a photo of a dog]"
    assert event_text(RawTurn("A", "", caption="a cat")) == "[shares a photo: a cat]"
    assert event_text(RawTurn("A", " plain ")) == "plain"


def test_addressee_is_the_other_participant_or_previous_speaker() -> None:
    two = build_events(make_transcript([(None, [("A", "x"), ("A", "y"), ("B", "z")])]))
    assert two.addressees == ("B", "B", "A")
    three = build_events(make_transcript([(None, [("A", "x"), ("B", "y"), ("C", "z"), ("C", "w"), ("A", "v")])]))
    assert three.addressees == ("B", "A", "B", "B", "C")
    alone = build_events(make_transcript([(None, [("A", "x")])]))
    assert alone.addressees == (None,)


def test_namespace_override_is_validated(transcript: Transcript) -> None:
    assert build_events(transcript, namespace="other").events[0].namespace == "other"
    with pytest.raises(ConfigError, match="illegal namespace"):
        build_events(transcript, namespace="bad name!")
