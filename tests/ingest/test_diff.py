"""Planning a re-ingest (graphmem.ingest_diff) from turn fingerprints (graphmem.ingest_prints), without a store."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from graphmem.ingest_diff import plan_sessions, without_events
from graphmem.ingest_prints import SessionPrint, addressing, kept_turns, statement, turn_print
from graphmem.models import Batch, Entity, Event, Fact, Mention
from graphmem.transcript import RawSession, RawTurn

DAY = datetime(2024, 3, 1)


def session(sid: str, *lines: str, start: int = 1) -> RawSession:
    turns = tuple(RawTurn(line.split(": ")[0], line.split(": ")[1], line=start + i) for i, line in enumerate(lines))
    return RawSession(sid, 0, turns, DAY)


def prints(sessions: list[RawSession], speakers: Iterable[str] = ("A", "B")) -> list[SessionPrint]:
    return [SessionPrint.of(s, i, addressing(list(speakers)), "cfg") for i, s in enumerate(sessions)]


def written(*sessions: RawSession) -> dict[str, dict[int, str]]:
    return {s.id: {seq: f"ev:{s.id}:{seq}" for seq in range(1, len(s.turns) + 1)} for s in sessions}


def plan(
    old: list[RawSession],
    new: list[RawSession],
    *,
    many: bool = False,
    facts: Iterable[Fact] = (),
    history: Iterable[Fact] = (),
) -> list:
    speakers = ("A", "B", "C") if many else ("A", "B")
    stored = {p_s.id: p for p_s, p in zip(old, prints(old, speakers), strict=True)}
    versions = list(history)

    def chains(ids: set[str]) -> list[Fact]:
        return [v for v in versions if ids & set(v.evidence) or ids & set(v.revised_by)]

    return plan_sessions(
        new,
        prints(new, speakers),
        stored,
        written(*old),
        done=set(),
        many=many,
        facts=lambda: list(facts),
        chains=chains,
    )


def test_prints_round_trip_and_compare() -> None:
    a = session("s1", "A: hi", "B: yo", "A: bye")
    p = prints([a])[0]
    assert SessionPrint.decode(p.encode()) == p
    assert SessionPrint.decode("sha256:abc") is None  # a file's content hash is no print
    changed = prints([session("s1", "A: hi", "B: YO", "A: bye")])[0]
    assert kept_turns(p, changed) == 1
    assert kept_turns(p, prints([session("s1", "A: hi", "B: yo", "A: bye", "B: more")])[0]) == 3
    # the session's own fingerprint covers whom speakers address: a third speaker changes every session
    assert kept_turns(p, SessionPrint.of(a, 0, addressing(["A", "B", "C"]), "cfg")) == 0
    assert kept_turns(p, SessionPrint.of(a, 0, addressing(["A", "B"]), "other extractor")) == 0
    # a turn that only moved says the same
    moved = turn_print(RawTurn("A", "hi", line=9))
    assert moved != turn_print(RawTurn("A", "hi", line=2)) and statement(moved) == statement(p.turns[0])


def test_appended_turn_keeps_the_session_and_continues_it() -> None:
    old = [session("s1", "A: hi", "B: yo"), session("s2", "A: x", "B: y", start=3)]
    new = [old[0], session("s2", "A: x", "B: y", "A: z", start=3)]
    first, second = plan(old, new)
    assert first.unchanged and first.kept == 2 and first.retract == ()
    assert (second.kept, second.retract, second.raw.first_seq) == (2, (), 3)
    assert [t.text for t in second.raw.turns] == ["z"]


def test_edit_redoes_the_rest_of_the_session() -> None:
    old = [session("s1", "A: a", "B: b", "A: c", "B: d")]
    (p,) = plan(old, [session("s1", "A: a", "B: B", "A: c", "B: d")])
    assert (p.kept, p.retract, [t.text for t in p.raw.turns]) == (1, ("ev:s1:2", "ev:s1:3", "ev:s1:4"), ["B", "c", "d"])


def test_many_speakers_keep_only_wholly_unchanged_sessions() -> None:
    # with three speakers a turn's addressee depends on its neighbours, the next speaker included
    old = [session("s1", "A: a", "B: b"), session("s2", "A: c", "C: d", start=3)]
    new = [old[0], session("s2", "A: c", "C: d", "B: e", start=3)]
    first, second = plan(old, new, many=True)
    assert first.unchanged
    assert (second.kept, second.retract, len(second.raw.turns)) == (0, ("ev:s2:1", "ev:s2:2"), 3)


def test_an_undated_job_moves_the_cut_before_it() -> None:
    # "I start on 1 April" dates the job last named in the session: the turn naming it is redone with it
    old = [session("s1", "A: hi", "A: got the job at Lumen", "B: congrats")]
    new = [session("s1", "A: hi", "A: got the job at Lumen", "B: congrats", "A: I start on 1 April")]
    job = Fact("n", "f1", "ent:a", "works_at", "ent:lumen", recorded_at=DAY, evidence=("ev:s1:2",))
    (p,) = plan(old, new, facts=[job])
    assert (p.kept, p.retract, p.raw.first_seq) == (1, ("ev:s1:2", "ev:s1:3"), 2)
    # a job dated within the kept turns does not
    dated = Fact("n", "f1", "ent:a", "works_at", "ent:lumen", recorded_at=DAY, evidence=("ev:s1:2",), time_phrase="May")
    (p,) = plan(old, new, facts=[dated])
    assert p.kept == 3
    # nor does one in another session
    other = Fact("n", "f1", "ent:a", "works_at", "ent:lumen", recorded_at=DAY, evidence=("ev:s0:2",))
    (p,) = plan(old, new, facts=[other])
    assert p.kept == 3


def test_an_undated_job_keeps_the_cut_when_no_redone_turn_may_date_it() -> None:
    # the appended turn says no start ("start", "begin", "began", "begun"), so it dates no job: only it is written
    old = [session("s1", "A: hi", "A: got the job at Lumen", "B: congrats")]
    new = [session("s1", "A: hi", "A: got the job at Lumen", "B: congrats", "A: thanks, it pays well")]
    job = Fact("n", "f1", "ent:a", "works_at", "ent:lumen", recorded_at=DAY, evidence=("ev:s1:2",))
    (p,) = plan(old, new, facts=[job])
    assert (p.kept, p.retract, p.raw.first_seq) == (3, (), 4)
    # a start in a kept turn is no redone turn's: it dated (or not) the job already
    old = [session("s1", "A: got the job at Lumen", "A: I begin soon", "B: congrats")]
    new = [session("s1", "A: got the job at Lumen", "A: I begin soon", "B: congrats", "A: thanks")]
    job = replace(job, evidence=("ev:s1:1",))
    (p,) = plan(old, new, facts=[job])
    assert p.kept == 3
    # a start said in a turn an edit redoes moves the cut before the job, as an appended one does
    new = [session("s1", "A: got the job at Lumen", "A: I begin on Monday", "B: congrats", "A: thanks")]
    (p,) = plan(old, new, facts=[job])
    assert (p.kept, p.raw.first_seq) == (0, 1)


def test_kept_turns_that_ended_facts_of_redone_turns_are_redone_in_cascade() -> None:
    # s1:1 "I live in Lisbon" is edited; the unchanged s2:2 "I moved to Berlin" ended it, and the unchanged
    # s3:1 "I left Berlin" ended Berlin: both are redone with what follows them in their sessions
    old = [
        session("s1", "A: Lisbon", "B: ok"),
        session("s2", "A: hi", "A: Berlin", "B: ok", start=3),
        session("s3", "A: left Berlin", "B: ok", start=6),
        session("s4", "A: bye", start=8),
    ]
    new = [session("s1", "A: Porto", "B: ok"), *old[1:]]
    lisbon = Fact("n", "f1", "ent:a", "lives_in", "ent:lisbon", recorded_at=DAY, evidence=("ev:s1:1",))
    ended = Fact(
        "n",
        "f1@x",
        "ent:a",
        "lives_in",
        "ent:lisbon",
        recorded_at=DAY,
        valid_to=DAY,
        evidence=("ev:s1:1",),
        revised_by=("ev:s2:2",),
    )
    berlin = Fact("n", "f2", "ent:a", "lives_in", "ent:berlin", recorded_at=DAY, evidence=("ev:s2:2",))
    left = replace(berlin, id="f2@x", valid_to=DAY, revised_by=("ev:s3:1",))
    first, second, third, fourth = plan(old, new, history=[lisbon, ended, berlin, left])
    assert (first.kept, first.retract) == (0, ("ev:s1:1", "ev:s1:2"))
    assert (second.unchanged, second.kept, second.retract) == (False, 1, ("ev:s2:2", "ev:s2:3"))
    assert [t.text for t in second.raw.turns] == ["Berlin", "ok"] and second.raw.first_seq == 2
    assert (third.unchanged, third.kept, third.retract) == (False, 0, ("ev:s3:1", "ev:s3:2"))
    assert fourth.unchanged and fourth.retract == ()
    # without an end told by a kept turn, nothing more is redone
    first, second, third, fourth = plan(old, new, history=[lisbon, berlin])
    assert first.kept == 0 and second.unchanged and third.unchanged and fourth.unchanged


def test_without_events_drops_what_only_they_said() -> None:
    ns = "n"
    events = tuple(Event(ns, f"e{i}", "s1", i, "A", f"t{i}") for i in (1, 2))
    batch = Batch(
        ns,
        events=events,
        entities=(Entity(ns, "x", "X", "Topic"), Entity(ns, "y", "Y", "Topic"), Entity(ns, "a", "A", "Person")),
        mentions=(
            Mention(ns, "e1", "x", "object"),
            Mention(ns, "e2", "y", "object"),
            Mention(ns, "e2", "a", "speaker"),
        ),
        facts=(
            Fact(ns, "f1", "a", "likes", "x", recorded_at=DAY, evidence=("e1",)),
            Fact(ns, "f2", "a", "likes", "y", recorded_at=DAY, evidence=("e1", "e2")),
        ),
        embeddings=(("e1", [1.0]), ("e2", [0.0]), ("x", [1.0])),
    )
    out = without_events(batch, {"e1"})
    assert [e.id for e in out.events] == ["e2"]
    assert [e.id for e in out.entities] == ["y", "a"]
    assert [(f.id, f.evidence) for f in out.facts] == [("f2", ("e2",))]
    assert [n for n, _ in out.embeddings] == ["e2"]
    assert without_events(batch, set()) is batch
