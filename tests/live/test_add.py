"""Memory.add: messages appended one at a time keep their place, their session and their entities."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from graphmem import EdgeType, IngestError, Memory
from graphmem.errors import NotFoundError
from graphmem.store.base import Direction


def _next_of(memory: Memory, namespace: str, event_id: str) -> list[str]:
    found = memory.store.neighbors(namespace, event_id, edge_types=[EdgeType.NEXT], direction=Direction.OUT)
    return [n.node_id for n in found]


def test_the_issue_snippet_keeps_all_three_messages(memory: Memory) -> None:
    for text in ["I work at Acme.", "My dog is Rex.", "See you tomorrow."]:
        memory.ingest({"speaker": "Dana", "text": text, "session": "chat-1"}, namespace="a")
    events = list(memory.store.iter_events("a"))
    assert [(e.seq, e.text) for e in events] == [
        (1, "I work at Acme."),
        (2, "My dog is Rex."),
        (3, "See you tomorrow."),
    ]
    assert _next_of(memory, "a", events[0].id) == [events[1].id]
    assert _next_of(memory, "a", events[1].id) == [events[2].id]
    works = [f for f in memory.store.iter_facts("a") if f.predicate == "works_at"]
    assert works and works[0].evidence == (events[0].id,)  # the fact cites the message that said it


def test_add_returns_ids_and_appends_with_next_edges(memory: Memory) -> None:
    first = memory.add({"speaker": "Dana", "text": "ok"}, namespace="n")
    more = memory.add([{"speaker": "Sam", "text": "ok"}, {"speaker": "Dana", "text": "ok"}], namespace="n")
    assert first == ["ev:session_1:1"]
    assert more == ["ev:session_1:2", "ev:session_1:3"]  # repeated texts are separate events
    assert memory.stats("n").events == 3
    assert _next_of(memory, "n", "ev:session_1:2") == ["ev:session_1:3"]
    assert [s.index for s in memory.store.iter_sessions("n")] == [0]


def test_a_long_pause_starts_a_new_session(memory: Memory) -> None:
    t0 = datetime(2024, 5, 1, 9, 0)
    memory.add({"speaker": "Dana", "text": "Morning!", "time": t0.isoformat()}, namespace="n")
    memory.add({"speaker": "Sam", "text": "Hi Dana.", "time": (t0 + timedelta(minutes=5)).isoformat()}, namespace="n")
    later = memory.add(
        {"speaker": "Dana", "text": "Back again.", "time": (t0 + timedelta(days=1)).isoformat()}, namespace="n"
    )
    sessions = list(memory.store.iter_sessions("n"))
    assert [(s.id, s.index) for s in sessions] == [("session_1", 0), ("session_2", 1)]
    assert sessions[1].started_at == t0 + timedelta(days=1)
    assert later == ["ev:session_2:1"]
    nxt = memory.store.neighbors("n", "session_1", edge_types=[EdgeType.NEXT_SESSION], direction=Direction.OUT)
    assert [n.node_id for n in nxt] == ["session_2"]


def test_a_time_may_be_a_datetime_or_a_date(memory: Memory) -> None:
    # A Python caller's datetime was refused: "not a timestamp: datetime.datetime(2024, 5, 1, 9, 0)".
    plus_two = timezone(timedelta(hours=2))
    memory.add({"speaker": "Dana", "text": "Morning!", "time": datetime(2024, 5, 1, 9, 0)}, namespace="n")
    memory.add({"speaker": "Sam", "text": "Hi.", "time": datetime(2024, 5, 1, 11, 5, tzinfo=plus_two)}, namespace="n")
    memory.add({"speaker": "Dana", "text": "Next day.", "time": date(2024, 5, 2)}, namespace="n")
    memory.add({"speaker": "Sam", "text": "Later.", "time": datetime(2024, 5, 2, 0, 3, tzinfo=UTC)}, namespace="n")
    times = [e.occurred_at for e in memory.store.iter_events("n")]
    assert times == [
        datetime(2024, 5, 1, 9, 0),
        datetime(2024, 5, 1, 9, 5),
        datetime(2024, 5, 2),
        datetime(2024, 5, 2, 0, 3),
    ]
    with pytest.raises(IngestError, match=r"\$\[0\]\.time: timestamp out of range"):
        memory.add({"speaker": "A", "text": "x", "time": date(1, 1, 1)}, namespace="n")


def test_named_sessions_are_created_in_order_and_joined(memory: Memory) -> None:
    memory.add({"speaker": "A", "text": "one", "session": "s-a"}, namespace="n")
    memory.add({"speaker": "A", "text": "two"}, namespace="n", session="s-b")
    memory.add({"speaker": "B", "text": "three", "session": "s-a"}, namespace="n")
    assert [(s.id, s.index) for s in memory.store.iter_sessions("n")] == [("s-a", 0), ("s-b", 1)]
    assert [e.id for e in memory.store.iter_events("n", session="s-a")] == ["ev:s-a:1", "ev:s-a:2"]
    # a message without a session joins the latest session
    assert memory.add({"speaker": "B", "text": "four"}, namespace="n") == ["ev:s-b:2"]


def test_a_given_id_is_the_identity_of_a_message(memory: Memory) -> None:
    first = memory.add({"speaker": "Dana", "text": "hi", "id": "m1"}, namespace="n")
    again = memory.add({"speaker": "Dana", "text": "hi", "id": "m1"}, namespace="n")  # a retry
    assert again == first and memory.stats("n").events == 1
    with pytest.raises(IngestError, match="'m1' is already stored"):
        memory.add({"speaker": "Dana", "text": "something else", "id": "m1"}, namespace="n")
    assert [e.text for e in memory.store.iter_events("n")] == ["hi"]


def test_a_given_id_is_one_message_per_named_session(memory: Memory) -> None:
    """Identity is (namespace, session, id): a host numbering ids afresh per conversation keeps every message
    of each conversation it names; a message naming no session is a retry wherever its id is stored."""
    conv1 = memory.add(
        [{"speaker": "Lea", "text": "Hi!", "id": "1"}, {"speaker": "Lea", "text": "I live in Oslo.", "id": "2"}],
        namespace="n",
        session="conv1",
    )
    conv2 = memory.add(
        [{"speaker": "Lea", "text": "Hi!", "id": "1"}, {"speaker": "Lea", "text": "I moved to Bergen.", "id": "2"}],
        namespace="n",
        session="conv2",
    )
    assert conv1 == ["ev:conv1:1", "ev:conv1:2"] and conv2 == ["ev:conv2:1", "ev:conv2:2"]
    own = memory.add({"speaker": "Lea", "text": "Hi!", "id": "1", "session": "conv2"}, namespace="n")
    assert own == ["ev:conv2:1"]  # a retry naming its session
    assert memory.add({"speaker": "Lea", "text": "I moved to Bergen.", "id": "2"}, namespace="n") == ["ev:conv2:2"]
    with pytest.raises(IngestError, match="'2' is already stored"):
        memory.add({"speaker": "Lea", "text": "Bye.", "id": "2"}, namespace="n", session="conv1")
    assert memory.stats("n").events == 4


def test_an_event_id_is_never_given_twice(memory: Memory) -> None:
    # Forgetting a session's last message let the next one take its id, and a retried forget of the old id
    # then deleted the new message.
    day = datetime(2020, 1, 1)
    ids = memory.add(
        [{"speaker": "Ann", "text": "one", "time": day}, {"speaker": "Ann", "text": "two", "time": day}], namespace="n"
    )
    assert ids == ["ev:session_1:1", "ev:session_1:2"]
    memory.forget("n", ids[1])
    assert memory.add({"speaker": "Ann", "text": "three", "time": day}, namespace="n") == ["ev:session_1:3"]
    with pytest.raises(NotFoundError):
        memory.forget("n", ids[1])  # a retried forget
    # a session emptied (and so deleted) by forget keeps its numbers, and its name is not given again
    assert memory.add({"speaker": "Ann", "text": "four"}, namespace="n", session="chat") == ["ev:chat:1"]
    memory.forget("n", "ev:chat:1")
    assert memory.add({"speaker": "Ann", "text": "five"}, namespace="n", session="chat") == ["ev:chat:2"]
    later = memory.add({"speaker": "Ann", "text": "six", "time": day + timedelta(days=30)}, namespace="n")
    memory.forget("n", later[0])
    again = memory.add({"speaker": "Ann", "text": "seven", "time": day + timedelta(days=60)}, namespace="n")
    assert later != again and again[0].endswith(":1")
    assert [e.text for e in memory.store.iter_events("n")] == ["one", "three", "five", "seven"]


def test_errors_name_the_argument_and_the_message(memory: Memory) -> None:
    for bad in (None, 5, "hello"):
        with pytest.raises(IngestError, match=r"^messages: expected a message object or a list of them, found"):
            memory.add(bad, namespace="n")  # type: ignore[arg-type]
    memory.add({"speaker": "Dana", "text": "hi", "id": "5"}, namespace="n")
    clash = [{"speaker": "Dana", "text": "new"}, {"speaker": "Dana", "text": "other", "id": "5"}]
    with pytest.raises(IngestError, match=r"^messages at \$\[1\]: message id '5' is already stored"):
        memory.add(clash, namespace="n")
    twice = [{"speaker": "Dana", "text": "a", "id": "6"}, {"speaker": "Dana", "text": "b", "id": "6"}]
    with pytest.raises(IngestError, match=r"^messages at \$\[1\]: message id '6' is given twice"):
        memory.add(twice, namespace="n")


def test_the_same_id_twice_in_one_call(memory: Memory) -> None:
    # Both raised ExtractionError ("returned events [...] for messages placed at []"): the first copy was
    # counted as a retry of itself.
    twice = [{"speaker": "Dana", "text": "hi", "id": "m1"}, {"speaker": "Dana", "text": "hi", "id": "m1"}]
    assert memory.add(twice, namespace="n") == ["ev:session_1:1", "ev:session_1:1"]
    assert [e.text for e in memory.store.iter_events("n")] == ["hi"]
    clash = [{"speaker": "Dana", "text": "one", "id": "m2"}, {"speaker": "Dana", "text": "two", "id": "m2"}]
    with pytest.raises(IngestError, match=r"message id 'm2' is given twice in this call with another speaker or text"):
        memory.add(clash, namespace="n")
    assert [e.text for e in memory.store.iter_events("n")] == ["hi"]


def test_entities_resolve_against_what_the_namespace_holds(memory: Memory) -> None:
    memory.add({"speaker": "Dana", "text": "My sister Maria Lopez moved to Lisbon."}, namespace="n")
    memory.add({"speaker": "Sam", "text": "Nice."}, namespace="n")
    memory.add({"speaker": "Dana", "text": "Maria Lopez loves Lisbon."}, namespace="n")
    marias = [e for e in memory.store.iter_entities("n") if "Maria" in e.name]
    assert len(marias) == 1
    mentioning = {m[0] for m in memory.store.iter_mentions("n") if m[1] == marias[0].id}
    assert mentioning == {"ev:session_1:1", "ev:session_1:3"}


def test_a_bad_message_is_named_and_nothing_is_written(memory: Memory) -> None:
    with pytest.raises(IngestError, match=r"^messages at \$\[1\]: missing field 'text'"):
        memory.add([{"speaker": "Dana", "text": "fine"}, {"speaker": "Dana"}], namespace="n")
    assert memory.namespaces() == []


def test_system_messages_are_left_out(memory: Memory) -> None:
    ids = memory.add([{"role": "system", "content": "be nice"}, {"role": "user", "content": "hello"}], namespace="n")
    assert ids == ["ev:session_1:1"]


def test_a_word_the_namespace_uses_in_lower_case_is_no_name_at_a_sentence_start(memory: Memory) -> None:
    # "Guitar is mostly my thing" alone reads like a name; a conversation that said "guitar" before
    # tells the extractor otherwise, also when the two messages are added one at a time.
    from graphmem.live import lower_words

    said = "Guitar is mostly my thing these days, honestly."
    memory.add({"speaker": "Ana", "text": said}, namespace="fresh")
    assert ("Guitar", "Person") in {(e.name, e.type) for e in memory.store.iter_entities("fresh")}
    memory.add({"speaker": "Ben", "text": "I bought a new guitar last week."}, namespace="told")
    memory.add({"speaker": "Ana", "text": said}, namespace="told")
    assert "guitar" not in {e.name.casefold() for e in memory.store.iter_entities("told") if e.type != "Topic"}
    assert lower_words(["Will you play the Guitar? I will.", "a new guitar"]) == {"play", "guitar", "new"}


@pytest.mark.parametrize("one_call", [True, False])
def test_a_backdated_message_does_not_start_the_next_one_a_new_session(memory: Memory, one_call: bool) -> None:
    # The pause was measured from the last placed message, so after one backdated by days the next
    # message of the same conversation, minutes later than the one before, started a new session.
    messages = [
        {"speaker": "Ana", "text": "first", "time": "2024-03-01T10:00"},
        {"speaker": "Ana", "text": "about last month", "time": "2024-02-20T09:00"},
        {"speaker": "Ben", "text": "third", "time": "2024-03-01T10:10"},
    ]
    if one_call:
        ids = memory.add(messages, namespace="bd")
    else:
        ids = [i for m in messages for i in memory.add(m, namespace="bd")]
    # a message said more than the session gap before the session's first turn is placed by its time, in a
    # session of its own (tests/live/test_late_messages.py); the next one still joins the current session
    assert ids == ["ev:session_1:1", "ev:session_2:1", "ev:session_1:2"]
    assert sorted(s.id for s in memory.store.iter_sessions("bd")) == ["session_1", "session_2"]


def test_a_backdated_record_splits_sessions_alike_in_a_file_and_live(tmp_path: Path, nlp: Any) -> None:
    # File ingest measured the pause from the previous record, live add (now) from the latest time: a
    # backdated record followed by a normal one made two sessions from the file and one live.
    import json

    from tests.ingest.fakes import FakeEmbedder

    # (backdated by more than the gap from the session's last turn, within it of its first: it stays there;
    # one further back than the gap before the first is placed by its time, tests/live/test_late_messages.py)
    messages = [
        {"speaker": "Ana", "text": "first", "time": "2024-03-01T10:00"},
        {"speaker": "Ben", "text": "second", "time": "2024-03-01T15:00"},
        {"speaker": "Ana", "text": "about this morning", "time": "2024-03-01T08:00"},
        {"speaker": "Ben", "text": "third", "time": "2024-03-01T15:10"},
        {"speaker": "Ben", "text": "next day", "time": "2024-03-02T10:10"},
    ]
    path = tmp_path / "bd.jsonl"
    path.write_text("".join(json.dumps(m) + "\n" for m in messages), encoding="utf-8")
    with (
        Memory.open(tmp_path / "file", embedder=FakeEmbedder(), nlp=nlp) as from_file,
        Memory.open(tmp_path / "live", embedder=FakeEmbedder(), nlp=nlp) as live,
    ):
        assert from_file.ingest(path, namespace="bd").ok
        for m in messages:
            live.add(m, namespace="bd")
        # which records share a session (a file's session ids carry its name as a prefix)
        shapes = []
        for mem in (from_file, live):
            ids = [e.session for e in sorted(mem.store.iter_events("bd"), key=lambda e: e.text)]
            shapes.append([list(dict.fromkeys(ids)).index(i) for i in ids])
        assert shapes[0] == shapes[1]
        assert len(set(shapes[0])) == 2  # the next day is a new session, the backdated record is not


def test_later_that_month_is_dated_alike_added_one_by_one_or_ingested(memory: Memory, tmp_path: Path) -> None:
    # the time talked of before is read back from the session's stored turns
    messages = [
        {"speaker": "Ana", "text": "I went to Lisbon on 3 May 2023.", "time": "2024-03-12T19:00:00", "session": "1"},
        {"speaker": "Ben", "text": "Nice! What happened after that?", "time": "2024-03-12T19:01:00", "session": "1"},
        {"speaker": "Ana", "text": "Later that month I joined a choir.", "time": "2024-03-12T19:02:00", "session": "1"},
    ]
    path = tmp_path / "conv.jsonl"
    path.write_text("".join(json.dumps(m) + "\n" for m in messages), encoding="utf-8")
    assert memory.ingest(path, namespace="file").ok
    for message in messages:
        memory.add(message, namespace="live")
    # a file that grew: its stored leading turns stay, the new one is extracted alone
    grown = tmp_path / "grown.jsonl"
    grown.write_text("".join(json.dumps(m) + "\n" for m in messages[:2]), encoding="utf-8")
    assert memory.ingest(grown, namespace="grown").ok
    grown.write_text("".join(json.dumps(m) + "\n" for m in messages), encoding="utf-8")
    summary = memory.ingest(grown, namespace="grown")
    assert summary.ok and summary.turns_kept == 2

    def times(ns: str) -> list[tuple[str, datetime | None, datetime | None]]:
        events = sorted(memory.store.iter_events(ns), key=lambda e: e.seq)
        return [(t.phrase, t.start, t.end) for e in events for t in e.times]

    assert times("live") == times("file") == times("grown")
    assert times("live")[-1] == ("Later that month", datetime(2023, 5, 4), datetime(2023, 6, 1))


@pytest.mark.parametrize(
    ("said", "later", "expected"),
    [
        # Ana at +05:00 names 1 June; Ben at -08:00 reads "later that month" of June, on Ana's calendar
        ("I arrived in Lisbon on 1 June 2023.", "Later that month I visited Porto.", datetime(2023, 6, 2, 8)),
        ("I arrived in Lisbon on 1 May 2023.", "Earlier that month I was in Rome.", None),
    ],
)
def test_the_antecedent_stays_on_the_clock_of_its_speaker(
    said: str, later: str, expected: datetime | None, memory: Memory
) -> None:
    messages = [
        {"speaker": "Ana", "text": said, "time": "2024-03-12T23:30:00+05:00", "session": "1"},
        {"speaker": "Ben", "text": later, "time": "2024-03-12T11:01:00-08:00", "session": "1"},
    ]
    memory.add(messages, namespace="all")
    for message in messages:
        memory.add(message, namespace="one")
    for ns in ("all", "one"):
        last = max(memory.store.iter_events(ns), key=lambda e: e.seq)
        assert last.times[0].start == expected


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        # Tongatapu and Kiritimati: midnight there is 11:00 and 10:00 UTC the day before, as at -11 and -10
        ("+13:00", datetime(2023, 6, 1, 11)),
        ("+14:00", datetime(2023, 6, 1, 10)),
        ("-10:00", datetime(2023, 6, 2, 10)),  # Honolulu
        ("+12:00", datetime(2023, 6, 1, 12)),
    ],
)
def test_the_antecedent_keeps_a_clock_far_east(offset: str, expected: datetime, memory: Memory) -> None:
    messages = [
        {"speaker": "Ana", "text": "I arrived in Lisbon on 1 June 2023.", "time": f"2024-03-12T09:30:00{offset}"},
        {"speaker": "Ben", "text": "Later that month I visited Porto.", "time": f"2024-03-12T09:31:00{offset}"},
    ]
    for message in messages:
        message["session"] = "1"
    memory.add(messages, namespace="all")
    for message in messages:
        memory.add(message, namespace="one")
    for ns in ("all", "one"):
        last = max(memory.store.iter_events(ns), key=lambda e: e.seq)
        assert last.times[0].start == expected  # 2 June on the speakers' clock


@pytest.mark.parametrize(
    ("said", "later", "expected"),
    [
        # Ana at +13:00 names 1 June; Ben at -08:00 reads "later that month" of Ana's June
        (
            ("I arrived in Lisbon on 1 June 2023.", "2024-03-12T23:30:00+13:00"),
            ("Later that month I visited Porto.", "2024-03-12T02:31:00-08:00"),
            datetime(2023, 6, 2, 8),
        ),
        # a clock time keeps its own clock: 6pm on 31 May at -08:00 is 1 June 07:00 at +05:00,
        # but Ana's day was 31 May, so Ben's "earlier that month" is May
        (
            ("We landed at 6pm.", "2023-05-31T20:00:00-08:00"),
            ("Earlier that month I was in Rome too.", "2023-06-01T09:01:00+05:00"),
            datetime(2023, 4, 30, 19),
        ),
    ],
)
def test_the_antecedent_keeps_its_own_clock_in_one_extraction(
    said: tuple[str, str], later: tuple[str, str], expected: datetime, memory: Memory
) -> None:
    # read back from the store (message by message) an antecedent's offset is not known: see antecedents.on_clock
    messages = [
        {"speaker": "Ana", "text": said[0], "time": said[1], "session": "1"},
        {"speaker": "Ben", "text": later[0], "time": later[1], "session": "1"},
    ]
    memory.add(messages, namespace="all")
    last = max(memory.store.iter_events("all"), key=lambda e: e.seq)
    assert last.times[0].start == expected


def test_a_forgotten_turn_dates_nothing_when_the_grown_file_is_read_again(memory: Memory, tmp_path: Path) -> None:
    # the file still holds the forgotten turn: re-ingesting it does not write it, nor date later turns by it
    messages = [
        {"speaker": "Ana", "text": "I went to Lisbon on 3 May 2023.", "time": "2024-03-12T19:00:00", "session": "1"},
        {
            "speaker": "Ana",
            "text": "Then on 2 August 2023 I went to Rome.",
            "time": "2024-03-12T19:01:00",
            "session": "1",
        },
        {"speaker": "Ana", "text": "Later that month I joined a choir.", "time": "2024-03-12T19:02:00", "session": "1"},
    ]
    path = tmp_path / "grown.jsonl"
    path.write_text("".join(json.dumps(m) + "\n" for m in messages[:2]), encoding="utf-8")
    assert memory.ingest(path, namespace="g").ok
    rome = next(e for e in memory.store.iter_events("g") if e.seq == 2)
    memory.forget("g", rome.id)
    path.write_text("".join(json.dumps(m) + "\n" for m in messages), encoding="utf-8")
    assert memory.ingest(path, namespace="g").ok
    events = sorted(memory.store.iter_events("g"), key=lambda e: e.seq)
    assert [e.seq for e in events] == [1, 3]
    assert events[-1].times[0].start == datetime(2023, 5, 4)  # of May, as adding the turn live dates it
