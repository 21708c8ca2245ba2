"""Live add recognises the messages a file ingested before holds: by id, or without one by what they say.

A file's session answers to its id, its id behind one prefix and a numbered last part (``a/b/session_3``
is named ``a/b/session_3``, ``b/session_3``, ``session_3`` and ``3``; ``team/3`` only ``team/3``): one
rule, :func:`graphmem.ingest_held.session_names`, for live add and for ingestion, so either order stores
a message once.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem import Memory
from graphmem.errors import IngestError
from graphmem.ingest_held import names_session, plainly_named, session_names
from tests.ingest.fakes import FakeEmbedder
from tests.support.messages import NS, jsonl, live, run, said, texts


@pytest.fixture
def memory(tmp_path: Path) -> Any:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem:
        yield mem


def test_session_names_are_every_ending_after_a_slash() -> None:
    assert session_names("a/b/session_3") == ("a/b/session_3", "b/session_3", "session_3")
    assert session_names("session_3") == ("session_3",)
    assert session_names("3") == ("session_3",)  # `add --session 3` stores "3": named as a reader names it
    assert names_session("a/b/session_3", "b/session_3")
    assert names_session("a/b/session_3", "3")
    assert names_session("export/session_3", "session_3")
    assert not names_session("a/b/session_3", "a/b")  # a beginning is no name
    assert not names_session("a/b/session_3", "b/session_")
    assert not names_session("export/session_13", "3")
    assert not names_session("export/session_3", None)


def test_a_label_with_a_slash_is_not_a_numbered_session() -> None:
    # a reader writes a numbered label "session_3", never a bare "3": "team/3" is the messages' label
    assert session_names("team/3") == ("team/3",)
    assert session_names("export/team/3") == ("export/team/3", "team/3")
    assert not names_session("team/3", "3")
    assert not names_session("export/team/3", "session_3")
    assert plainly_named("export/session_3", "session_3")
    assert not plainly_named("a/b/session_3", "session_3")  # maybe another conversation's session 3


def test_ids_of_a_slashed_label_do_not_meet_session_3(memory: Memory, tmp_path: Path) -> None:
    # before: the file's session "team/3" answered to session_3, and the live id 1 said otherwise: an error
    path = jsonl(tmp_path / "export.jsonl", [said(1, session="team/3", id="1", speaker="Cy")])
    run(memory, path, namespace=NS)
    live(memory, [said(9, session="3", id="1")])
    assert texts(memory) == ["message 1", "message 9"]


def test_an_id_said_otherwise_under_a_further_ending_is_another_message(memory: Memory, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "export.jsonl", [said(1, session="conv-26/session_3", id="1")])
    run(memory, path, namespace=NS)  # stored as export/conv-26/session_3
    with pytest.raises(IngestError, match="another speaker or text"):  # plainly named: the same message id
        live(memory, [said(9, session="conv-26/session_3", id="1")])
    live(memory, [said(9, session="3", id="1")])  # not plainly that session: stored beside, no error
    assert texts(memory) == ["message 1", "message 9"]


def test_a_message_without_id_that_an_ingested_export_holds_is_not_stored_again(memory: Memory, tmp_path: Path) -> None:
    run(memory, jsonl(tmp_path / "export.jsonl", [said(n) for n in range(1, 4)]), namespace=NS)
    # before: three new events in a live session_1 beside the export's
    assert live(memory, [said(2), said(3), said(4)]) == [
        "ev:export/session_1:2",
        "ev:export/session_1:3",
        "ev:session_1:1",
    ]
    assert texts(memory) == [f"message {n}" for n in range(1, 5)]


def test_a_message_naming_no_session_is_recognised_in_the_session_it_joins(memory: Memory, tmp_path: Path) -> None:
    run(memory, jsonl(tmp_path / "ana.jsonl", [said(n, session=None) for n in range(1, 4)]))
    assert live(memory, [said(3, session=None), said(4, session=None)]) == ["ev:session_1:3", "ev:session_1:4"]
    assert memory.stats(NS).events == 4


def test_what_must_not_be_taken_for_a_file_message(memory: Memory, tmp_path: Path) -> None:
    run(memory, jsonl(tmp_path / "export.jsonl", [said(1, text="ok"), said(2), said(3)]), namespace=NS)
    assert live(memory, [said(1, text="ok", time="2024-05-01T10:09:00")]) == ["ev:session_1:1"]  # another time
    assert live(memory, [{k: v for k, v in said(2).items() if k != "time"}]) == ["ev:session_1:2"]  # no time
    assert live(memory, [said(3, speaker="Zed")]) == ["ev:session_1:3"]  # another speaker
    assert live(memory, [said(3, session="2")]) == ["ev:session_2:1"]  # another session
    # a message with an id is known by it alone: another id, or none in the file, is another message
    run(memory, jsonl(tmp_path / "ids.jsonl", [said(5, session="5", id="m5"), said(6, session="5")]), namespace=NS)
    assert live(memory, [said(5, session="5", id="x5")]) == ["ev:session_5:1"]
    assert live(memory, [said(6, session="5", id="m6")]) == ["ev:session_5:2"]
    assert live(memory, [said(5, session="5")]) == ["ev:ids/session_5:1"]  # without an id: what it says


def test_two_files_saying_the_same_are_ambiguous(memory: Memory, tmp_path: Path) -> None:
    run(memory, jsonl(tmp_path / "a.jsonl", [said(1)]), namespace=NS)
    run(memory, jsonl(tmp_path / "b.jsonl", [said(1), said(2)]), namespace=NS)
    assert live(memory, [said(1)]) == ["ev:session_1:1"]  # a/session_1 or b/session_1: neither is chosen
    assert live(memory, [said(1, session="a/session_1")]) == ["ev:a/session_1:1"]


def test_a_message_sent_twice_in_one_call_is_the_files_once(memory: Memory, tmp_path: Path) -> None:
    run(memory, jsonl(tmp_path / "export.jsonl", [said(1)]), namespace=NS)
    assert live(memory, [said(1), said(1)]) == ["ev:export/session_1:1", "ev:session_1:1"]


@pytest.mark.parametrize("order", ["file first", "live first"])
def test_a_nested_session_is_the_same_session_either_way_round(memory: Memory, tmp_path: Path, order: str) -> None:
    """``a.jsonl`` labels its messages ``b/session_3``; under an explicit namespace it is stored ``a/b/session_3``.
    Live messages naming ``3`` are that session's, whichever comes first."""
    export = [said(n, session="b/session_3", id=f"m{n}") for n in (1, 2)]
    agent = [said(n, session="3", id=f"m{n}") for n in (1, 2)]
    if order == "file first":
        run(memory, jsonl(tmp_path / "a.jsonl", export), namespace=NS)
        assert live(memory, agent) == ["ev:a/b/session_3:1", "ev:a/b/session_3:2"]
    else:
        live(memory, agent)
        summary = run(memory, jsonl(tmp_path / "a.jsonl", export), namespace=NS)
        # before: ingest_held.session_label named a/b/session_3 "b/session_3" and wrote both messages again
        assert (summary.turns, summary.events_retracted) == (2, 2)
    assert [(e.session, e.source_id) for e in memory.store.iter_events(NS)] == [
        ("a/b/session_3", "m1"),
        ("a/b/session_3", "m2"),
    ]


def test_a_nested_session_takes_over_the_live_session_of_its_most_specific_name(memory: Memory, tmp_path: Path) -> None:
    live(memory, [said(1, session="b/session_3", id="m1")])
    live(memory, [said(2, session="3", id="m2")])
    summary = run(memory, jsonl(tmp_path / "a.jsonl", [said(1, session="b/session_3", id="m1")]), namespace=NS)
    # a/b/session_3 is named b/session_3 before session_3: it takes over the live b/session_3
    assert (summary.turns, summary.events_retracted) == (1, 1)
    assert sorted((e.session, e.source_id) for e in memory.store.iter_events(NS)) == [
        ("a/b/session_3", "m1"),
        ("session_3", "m2"),
    ]


def test_the_session_argument_3_is_session_3_for_identity_only(memory: Memory, tmp_path: Path) -> None:
    """``add --session 3`` stores session id ``3`` (as it always did), but a message there with an id an
    export gives in its session 3 is the export's message, and the other way round."""
    m1 = {k: v for k, v in said(1, id="m1").items() if k != "session"}
    m2 = {k: v for k, v in said(2, id="m2").items() if k != "session"}
    assert live(memory, [m1, m2], session="3") == ["ev:3:1", "ev:3:2"]  # the session's id stays "3"
    summary = run(memory, jsonl(tmp_path / "ana.jsonl", [said(n, session="3", id=f"m{n}") for n in (1, 2, 4)]))
    # before: both stored twice, in 3 and in the export's session_3
    assert (summary.turns, summary.events_retracted) == (3, 2)
    assert [(e.session, e.source_id) for e in memory.store.iter_events(NS)] == [
        ("session_3", "m1"),
        ("session_3", "m2"),
        ("session_3", "m4"),
    ]


def test_sessions_are_named_once_per_call(memory: Memory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # before: every message compared its session name with every stored session (messages × sessions)
    import graphmem.ingest_held as held
    import graphmem.live_placement as live_module

    run(memory, jsonl(tmp_path / "export.jsonl", [said(n, session=str(n)) for n in range(1, 31)]), namespace=NS)
    calls = []
    real = held.session_names

    def counted(session_id: str) -> tuple[str, ...]:
        calls.append(session_id)
        return real(session_id)

    monkeypatch.setattr(held, "session_names", counted)
    monkeypatch.setattr(live_module, "session_names", counted, raising=False)
    live(memory, [said(n, session=str(n), text=f"new {n}") for n in range(1, 21)], embed=False)
    assert len(calls) <= 31  # once per stored session (and the new one)


@pytest.mark.parametrize("mirror_max_events", [None, 0])  # served from memory, and from disk
def test_file_messages_are_looked_up_by_time(tmp_path: Path, mirror_max_events: int | None) -> None:
    # before: every file session the message names was read whole on every add (files × turns per add)
    from graphmem.store.embedded import EmbeddedStore

    (tmp_path / "in").mkdir()
    for f in range(3):
        jsonl(tmp_path / "in" / f"exp{f}.jsonl", [said(n, text=f"f{f} m{n}") for n in range(1, 6)])
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        run(memory, tmp_path / "in", namespace=NS)
    store = EmbeddedStore.open(tmp_path / "db", mirror_max_events=mirror_max_events)
    try:
        sessions = ["exp0/session_1", "exp2/session_1", "none"]
        found = store.events_at(NS, sessions, datetime(2024, 5, 1, 10, 3))
        assert [(e.session, e.text) for e in found] == [("exp0/session_1", "f0 m3"), ("exp2/session_1", "f2 m3")]
        assert store.events_at(NS, sessions, datetime(2024, 5, 1, 10, 3, 1)) == []
        with store.write_lock():  # the mirror's index by time, once built, follows what is forgotten
            store.delete_event(NS, "ev:exp0/session_1:3")
        found = store.events_at(NS, sessions, datetime(2024, 5, 1, 10, 3))
        assert [e.session for e in found] == ["exp2/session_1"]
    finally:
        store.close()
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), mirror_max_events=mirror_max_events) as memory:
        read: list[str | None] = []
        real = memory.store.iter_events

        def counted(namespace: str, *, session: str | None = None) -> Any:
            read.append(session)
            return real(namespace, session=session)

        memory.store.iter_events = counted  # type: ignore[method-assign]
        assert live(memory, [said(3, text="f1 m3")], embed=False) == ["ev:exp1/session_1:3"]
        assert not [s for s in read if s is not None and s.startswith("exp")]


def test_a_first_turn_a_second_after_the_start_agrees_in_both_orders(tmp_path: Path) -> None:
    # the second turn's time (seq 2) tells whether the first turn's time is its own: the ingest side read
    # the first turn's time in its place, so the two orders disagreed
    file_msgs = [
        {"speaker": "Ana", "text": "hello there", "session": "1", "time": "2024-05-01T10:00:00"},
        {"speaker": "Bot", "text": "hi", "session": "1", "time": "2024-05-01T10:00:01"},
    ]
    msg = {"speaker": "Ana", "text": "hello there", "time": "2024-05-01T10:00:00", "session": "1"}
    counts = []
    for order in ("file first", "live first"):
        with Memory.open(tmp_path / order, embedder=FakeEmbedder()) as mem:
            path = jsonl(tmp_path / f"{order}.jsonl", file_msgs)
            if order == "file first":
                run(mem, path, namespace=NS)
                live(mem, [msg])
            else:
                live(mem, [msg])
                run(mem, path, namespace=NS)
            counts.append(len(list(mem.store.iter_events(NS))))
    assert counts[0] == counts[1]


def test_events_at_reads_an_aware_time_alike_from_the_mirror_and_from_disk(tmp_path: Path) -> None:
    from datetime import UTC, timedelta, timezone

    from graphmem.store.embedded import EmbeddedStore

    found = []
    for budget in (None, 0):  # the mirror, and SQLite
        with Memory.open(tmp_path / f"db{budget}", embedder=FakeEmbedder()) as mem:
            run(mem, jsonl(tmp_path / "exp.jsonl", [said(1), said(2)]), namespace=NS)
        store = EmbeddedStore.open(tmp_path / f"db{budget}", mirror_max_events=budget)
        try:
            when = datetime(2024, 5, 1, 10, 2, tzinfo=UTC).astimezone(timezone(timedelta(hours=2)))
            sessions = [s.id for s in store.iter_sessions(NS)]
            found.append([e.text for e in store.events_at(NS, sessions, when)])
        finally:
            store.close()
    assert found[0] == found[1] == ["message 2"]


def test_a_message_with_an_id_naming_no_session_is_the_files_in_the_session_it_joins(
    memory: Memory, tmp_path: Path
) -> None:
    run(memory, jsonl(tmp_path / "ana.jsonl", [said(n, session=None, id=f"m{n}") for n in (1, 2, 3)]))
    [again] = live(memory, [said(3, session=None, id="m3")])
    assert again == "ev:session_1:3" and texts(memory) == ["message 1", "message 2", "message 3"]


def test_two_export_sessions_of_one_name_take_a_live_session_over_once(memory: Memory, tmp_path: Path) -> None:
    hello = {"speaker": "Ana", "text": "hello", "time": "2024-05-01T10:01:00", "id": "m1"}
    live(memory, [{**hello, "session": "3"}])
    export = jsonl(tmp_path / "export.jsonl", [{**hello, "session": s} for s in ("x/session_3", "y/session_3")])
    run(memory, export, namespace=NS)
    # the live "session_3" is x's (first claim); y's is a session of its own: the live copy is not left behind
    assert sorted(e.id for e in memory.store.iter_events(NS)) == ["ev:export/x/session_3:1", "ev:export/y/session_3:1"]
