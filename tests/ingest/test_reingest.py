"""Re-ingesting an edited input redoes only what changed: each session's unchanged leading turns stay as
stored (not retracted, extracted or embedded again), the changed rest is retracted and written again, and
what was forgotten or revised since stays so. Runs on the embedded store and on the Bolt store."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem import EdgeType
from graphmem.errors import IngestWarning
from graphmem.ingest import IngestSummary, ingest
from graphmem.memory import Memory
from graphmem.models import Batch
from graphmem.store.base import Direction
from graphmem.transcript import Transcript

from .fakes import FakeEmbedder, FakeExtractor, keep


class CountingExtractor(FakeExtractor):
    """The fake extractor, remembering the text of every turn it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def extract(self, transcript: Transcript) -> Batch:
        self.seen.extend(t.text for s in transcript.sessions for t in s.turns)
        return super().extract(transcript)


def _open(request: pytest.FixtureRequest, tmp_path: Path, nlp: Any = None) -> Memory:
    if request.param == "embedded":
        return Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp)
    from tests.support.bolt_server import wipe_database

    bolt = request.getfixturevalue("bolt_server")
    wipe_database(bolt)
    return Memory.open(bolt.uri, embedder=FakeEmbedder(), nlp=nlp, auth=bolt.auth, database=bolt.database)


BACKENDS = ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)]


@pytest.fixture(params=BACKENDS)
def mem(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Memory]:
    """An empty memory on each backend (the Bolt one wiped first)."""
    with _open(request, tmp_path) as memory:
        yield memory


@pytest.fixture(params=BACKENDS)
def spacy_mem(request: pytest.FixtureRequest, tmp_path: Path, nlp: Any) -> Iterator[Memory]:
    """An empty memory on each backend, extracting with spaCy."""
    with _open(request, tmp_path, nlp) as memory:
        yield memory


def chat(*sessions: Iterable[str]) -> str:
    """A plain-text transcript: one dated session per list of ``Speaker: text`` lines."""
    out = []
    for n, lines in enumerate(sessions, 1):
        out.append(f"## Session {n} — {n} March 2024")
        out.extend(lines)
    return "\n".join(out) + "\n"


S1 = ["Maya: one", "Jon: two", "Maya: three"]
S2 = ["Jon: four", "Maya: five", "Jon: six"]


def run(memory: Memory, path: Path, extractor: FakeExtractor | None = None, **kw: Any) -> IngestSummary:
    summary = ingest(memory, path, extractor=extractor or FakeExtractor(), resolver=keep, **kw)
    assert summary.ok, summary.errors
    return summary


def events(memory: Memory, ns: str) -> list[tuple[Any, ...]]:
    return [
        (e.id, e.session, e.seq, e.speaker, e.text, e.occurred_at, e.source_line) for e in memory.store.iter_events(ns)
    ]


def sessions(memory: Memory, ns: str) -> list[tuple[Any, ...]]:
    return [(s.id, s.index, s.started_at, s.date_text) for s in memory.store.iter_sessions(ns)]


def fresh(tmp_path: Path, path: Path) -> list[tuple[Any, ...]]:
    """The events ingesting ``path`` whole into an empty store gives."""
    copy = tmp_path / f"fresh-{uuid.uuid4().hex[:6]}"
    copy.mkdir()
    (copy / path.name).write_bytes(path.read_bytes())
    with Memory.open(copy / "db", embedder=FakeEmbedder()) as other:
        run(other, copy / path.name)
        got = events(other, path.stem)
    # the same content, only the file's path differs
    return got


def test_appended_turn_is_the_only_one_written(mem: Memory, tmp_path: Path) -> None:
    path = tmp_path / "talk.txt"
    path.write_text(chat(S1, S2), encoding="utf-8")
    run(mem, path)
    path.write_text(chat(S1, [*S2, "Maya: seven"]), encoding="utf-8")
    extractor = CountingExtractor()
    summary = run(mem, path, extractor)
    assert extractor.seen == ["seven"]
    assert (summary.turns, summary.turns_kept, summary.events_retracted) == (1, 6, 0)
    assert events(mem, "talk") == fresh(tmp_path, path)
    # the new turn continues its session: NEXT from the turn before it
    after = mem.store.neighbors("talk", "ev:session_2:3", edge_types=[EdgeType.NEXT], direction=Direction.OUT)
    assert [n.node_id for n in after] == ["ev:session_2:4"]


def test_appended_session_is_the_only_one_written(mem: Memory, tmp_path: Path) -> None:
    path = tmp_path / "talk.txt"
    path.write_text(chat(S1), encoding="utf-8")
    run(mem, path)
    path.write_text(chat(S1, S2), encoding="utf-8")
    extractor = CountingExtractor()
    summary = run(mem, path, extractor)
    assert extractor.seen == ["four", "five", "six"]
    assert (summary.turns, summary.turns_kept, summary.events_retracted) == (3, 3, 0)
    assert events(mem, "talk") == fresh(tmp_path, path)


def test_edited_turn_redoes_the_rest_of_its_session_only(mem: Memory, tmp_path: Path) -> None:
    path = tmp_path / "talk.txt"
    path.write_text(chat(S1, S2), encoding="utf-8")
    run(mem, path)
    path.write_text(chat(["Maya: one", "Jon: TWO", "Maya: three"], S2), encoding="utf-8")
    extractor = CountingExtractor()
    summary = run(mem, path, extractor)
    # "three" is unchanged but is redone: its embedded text includes the turn it replies to
    assert extractor.seen == ["TWO", "three"]
    assert (summary.turns, summary.turns_kept, summary.events_retracted) == (2, 4, 2)
    assert events(mem, "talk") == fresh(tmp_path, path)


def test_a_session_date_change_redoes_that_session(mem: Memory, tmp_path: Path) -> None:
    path = tmp_path / "talk.txt"
    path.write_text(chat(S1, S2), encoding="utf-8")
    run(mem, path)
    path.write_text(chat(S1, S2).replace("2 March 2024", "3 March 2024"), encoding="utf-8")
    extractor = CountingExtractor()
    summary = run(mem, path, extractor)
    assert extractor.seen == ["four", "five", "six"]
    assert (summary.turns, summary.turns_kept, summary.events_retracted) == (3, 3, 3)
    assert events(mem, "talk") == fresh(tmp_path, path)


def test_removed_turns_and_sessions_are_retracted(mem: Memory, tmp_path: Path) -> None:
    path = tmp_path / "talk.txt"
    path.write_text(chat(S1, S2), encoding="utf-8")
    run(mem, path)
    both = sessions(mem, "talk")
    path.write_text(chat(S1[:2]), encoding="utf-8")
    extractor = CountingExtractor()
    summary = run(mem, path, extractor)
    assert extractor.seen == []
    assert (summary.turns, summary.turns_kept, summary.events_retracted) == (0, 2, 4)
    assert events(mem, "talk") == fresh(tmp_path, path)
    assert sessions(mem, "talk") == both[:1]  # the removed session's node goes too (it stayed, empty)
    # and the removed session comes back when the file gets it again
    path.write_text(chat(S1, S2), encoding="utf-8")
    summary = run(mem, path)
    assert (summary.turns, summary.turns_kept, summary.events_retracted) == (4, 2, 0)
    assert events(mem, "talk") == fresh(tmp_path, path)
    assert sessions(mem, "talk") == both


def test_a_session_forgotten_whole_leaves_no_empty_session(mem: Memory, tmp_path: Path) -> None:
    path = tmp_path / "talk.txt"
    path.write_text(chat(S1, S2, ["Maya: seven"]), encoding="utf-8")
    run(mem, path)
    three = sessions(mem, "talk")
    deleted = [mem.forget("talk", f"ev:session_2:{seq}") for seq in (1, 2, 3)]
    assert [d.sessions for d in deleted] == [0, 0, 1]  # the last of its events takes the session along
    assert sessions(mem, "talk") == [three[0], three[2]]
    assert mem.stats("talk").sessions == 2
    # an edit elsewhere keeps it forgotten; removing it from the file leaves nothing of it either
    path.write_text(chat(S1, S2, ["Maya: SEVEN"]), encoding="utf-8")
    run(mem, path)
    assert [s[0] for s in sessions(mem, "talk")] == ["session_1", "session_3"]
    path.write_text(chat(S1), encoding="utf-8")
    run(mem, path)
    assert sessions(mem, "talk") == three[:1]
    assert events(mem, "talk") == fresh(tmp_path, path)


def test_forgotten_turns_stay_forgotten_unless_edited(mem: Memory, tmp_path: Path) -> None:
    path = tmp_path / "talk.txt"
    path.write_text(chat(S1, S2), encoding="utf-8")
    run(mem, path)
    mem.forget("talk", "ev:session_1:2")  # "two": in the unchanged prefix below
    mem.forget("talk", "ev:session_2:2")  # "five": after the edited turn, itself unchanged
    path.write_text(chat([*S1, "Jon: appended"], ["Jon: FOUR", "Maya: five", "Jon: six"]), encoding="utf-8")
    summary = run(mem, path)
    ids = [e[0] for e in events(mem, "talk")]
    assert "ev:session_1:2" not in ids and "ev:session_2:2" not in ids
    assert "ev:session_1:4" in ids and "ev:session_2:1" in ids and "ev:session_2:3" in ids
    assert (summary.turns, summary.turns_kept) == (3, 3)
    # an edited turn is a new statement: written again
    path.write_text(chat([*S1, "Jon: appended"], ["Jon: FOUR", "Maya: FIVE", "Jon: six"]), encoding="utf-8")
    run(mem, path)
    assert [e[4] for e in events(mem, "talk") if e[1] == "session_2"] == ["FOUR", "FIVE", "six"]
    assert "ev:session_1:2" not in [e[0] for e in events(mem, "talk")]


def test_store_without_prints_is_rewritten_once(mem: Memory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "talk.txt"
    path.write_text(chat(S1, S2), encoding="utf-8")
    with monkeypatch.context() as patch:  # as graphmem before turn prints: none under the input's key
        patch.setattr("graphmem.ingest_read.prints_key", lambda key, sid: f"elsewhere:{sid}")
        patch.setattr("graphmem.ingest_units.prints_key", lambda key, sid: f"elsewhere:{sid}")
        run(mem, path)
    path.write_text(chat(S1, [*S2, "Maya: seven"]), encoding="utf-8")
    # a turn the store holds no event of: forgotten, or new (it is): written, and named
    with pytest.warns(IngestWarning, match=r"holds no event of ev:session_2:4: forgotten then"):
        summary = run(mem, path)
    assert (summary.turns, summary.turns_kept, summary.events_retracted) == (7, 0, 6)
    assert events(mem, "talk") == fresh(tmp_path, path)
    path.write_text(chat(S1, [*S2, "Maya: seven", "Jon: eight"]), encoding="utf-8")
    summary = run(mem, path)
    assert (summary.turns, summary.turns_kept, summary.events_retracted) == (1, 7, 0)
    assert events(mem, "talk") == fresh(tmp_path, path)


def test_interrupted_reingest_resumes_and_loses_nothing(
    mem: Memory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("graphmem.ingest_units.UNIT_TURNS", 1)  # one unit per session
    path = tmp_path / "talk.txt"
    path.write_text(chat(S1, S2), encoding="utf-8")
    run(mem, path)
    before = events(mem, "talk")
    path.write_text(chat([*S1[:2], "Maya: THREE"], [*S2[:2], "Jon: SIX"]), encoding="utf-8")
    calls: list[str] = []

    def fails_second(batch: Batch, existing: Any) -> Batch:
        calls.append(batch.namespace)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return batch

    broken = ingest(mem, path, extractor=FakeExtractor(), resolver=fails_second)
    assert broken.files_failed == 1 and f"{path}:" in broken.errors[0][1]
    assert "session_2" in broken.errors[0][1]
    # the first session's new turn is committed, with the retraction of every turn the run redoes (a
    # unit is written as a fresh ingest writes it, before the later ones): the second session keeps its
    # unchanged turns, and the changed one waits for the run that resumes
    assert events(mem, "talk") == [*before[:2], fresh(tmp_path, path)[2], *before[3:5]]
    again = run(mem, path)
    assert (again.turns, again.turns_kept, again.events_retracted) == (1, 5, 0)
    assert events(mem, "talk") == fresh(tmp_path, path)


def test_interrupted_reingest_writes_the_unchanged_turns_after_an_edit_on_resume(
    mem: Memory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the first unit retracts the second session's redone turns too; its unchanged last turn is not a
    # forgotten one when the run resumes
    monkeypatch.setattr("graphmem.ingest_units.UNIT_TURNS", 1)  # one unit per session
    path = tmp_path / "talk.txt"
    path.write_text(chat(S1, S2), encoding="utf-8")
    run(mem, path)
    path.write_text(chat(["Maya: ONE", *S1[1:]], [S2[0], "Maya: FIVE", S2[2]]), encoding="utf-8")
    calls: list[str] = []

    def fails_second(batch: Batch, existing: Any) -> Batch:
        calls.append(batch.namespace)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return batch

    assert ingest(mem, path, extractor=FakeExtractor(), resolver=fails_second).files_failed == 1
    again = run(mem, path)
    assert (again.turns, again.turns_kept) == (2, 4)
    assert events(mem, "talk") == fresh(tmp_path, path)


def test_bad_edit_names_the_line_and_keeps_the_stored_version(mem: Memory, tmp_path: Path) -> None:
    path = tmp_path / "talk.jsonl"
    path.write_text('{"speaker": "Maya", "text": "one"}\n{"speaker": "Jon", "text": "two"}\n', encoding="utf-8")
    run(mem, path)
    before = events(mem, "talk")
    path.write_text('{"speaker": "Maya", "text": "one"}\n{"speaker": "Jon", "text": \n', encoding="utf-8")
    summary = ingest(mem, path, extractor=FakeExtractor(), resolver=keep)
    assert summary.files_failed == 1 and f"{path}:2" in summary.errors[0][1]
    assert events(mem, "talk") == before


def test_live_fact_revision_survives_reingesting_an_unrelated_edit(spacy_mem: Memory, tmp_path: Path) -> None:
    mem = spacy_mem
    path = tmp_path / "ana.txt"
    home = "## Session 1 — 10 January 2023\nAna: I live in Porto with my sister.\nBen: Lovely city.\n"
    cat = "## Session 2 — 2 March 2023\nAna: I adopted a cat called Miso.\nBen: {}\n"
    path.write_text(home + cat.format("Cute!"), encoding="utf-8")
    assert ingest(mem, path).ok
    message = {"speaker": "Ana", "text": "I moved to Lisbon last week.", "time": "2023-06-10T10:00"}
    (moved,) = mem.add(message, namespace="ana")

    def history() -> list[tuple[Any, ...]]:
        return sorted(
            (f.id, f.predicate, f.object_id, f.valid_from, f.valid_to, f.recorded_at, f.expired_at, f.revised_by)
            for f in mem.store.iter_facts("ana", history=True)
        )

    before = history()
    path.write_text(home + cat.format("So cute, send photos!"), encoding="utf-8")
    summary = ingest(mem, path)
    assert summary.ok and (summary.turns, summary.events_retracted) == (1, 1)
    assert history() == before
    homes = [v for v in history() if v[1] == "lives_in"]
    assert any(moved in v[-1] for v in homes)  # the version the live message made
    assert [(f.fact.predicate, f.object) for f in mem.facts("Ana", namespace="ana", predicate="lives_in")] == [
        ("lives_in", "Lisbon")
    ]
    # what memory held before the live message was recorded: Porto, not yet ended
    then = datetime(2023, 6, 1)
    held = mem.facts("Ana", namespace="ana", predicate="lives_in", as_of=then, valid_at=then)
    assert [(f.object, f.fact.valid_to) for f in held] == [("Porto", None)]
    versions = mem.facts("Ana", namespace="ana", predicate="lives_in", all_time=True)
    assert sorted(f.object for f in versions) == ["Lisbon", "Porto", "Porto"]


def test_a_turn_dating_an_earlier_job_redoes_that_job(spacy_mem: Memory, tmp_path: Path, nlp: Any) -> None:
    # "I start on 1 April" dates the job named earlier in the session: that turn is extracted again with it
    path = tmp_path / "priya.txt"
    talk = [
        "Tomás: Hi Priya, how was your week?",
        "Priya: I got the job at Lumen Robotics!",
        "Tomás: Congratulations, that is great news.",
    ]
    path.write_text(chat(talk), encoding="utf-8")
    assert ingest(spacy_mem, path).ok
    path.write_text(chat([*talk, "Priya: I start on 1 April."]), encoding="utf-8")
    summary = ingest(spacy_mem, path)
    assert (summary.turns, summary.turns_kept, summary.events_retracted) == (3, 1, 2)

    def jobs(mem: Memory) -> list[tuple[Any, ...]]:
        return [(f.predicate, f.object_id, f.valid_from, f.evidence) for f in mem.store.iter_facts("priya")]

    (copy := tmp_path / "whole").mkdir()
    (copy / path.name).write_bytes(path.read_bytes())
    with Memory.open(copy / "db", embedder=FakeEmbedder(), nlp=nlp) as whole:
        assert ingest(whole, copy / path.name).ok
        assert jobs(spacy_mem) == jobs(whole)
    assert [(p, o, v) for p, o, v, _ in jobs(spacy_mem)] == [
        ("works_at", "ent:organization:lumen-robotics", datetime(2024, 4, 1))
    ]
