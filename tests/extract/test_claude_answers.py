"""How the Claude extractor checks an answer against its schema and its request (recorded-answer stub):
every field's shape, time phrases, pronouns, names the request never says, entities nobody uses, and
the place (file, session, turns) errors and warnings name."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem.errors import ExtractionError
from graphmem.memory import Memory
from graphmem.transcript import RawSession, RawTurn, Transcript
from tests.extract import test_claude as base
from tests.extract.test_claude import Stub, _answer
from tests.support.talk import NoEmbedder

stub, sleeps, make = base.stub, base.sleeps, base.make

pytestmark = pytest.mark.llm

DAY = datetime(2024, 1, 10, 9, 0)
LOGGER = "graphmem.extract.claude"


def talk(*turns: tuple[str, str], source_file: str | None = "t.txt", first_line: int = 2) -> Transcript:
    """One session of ``(speaker, text)`` turns on :data:`DAY`, read from ``source_file`` from ``first_line``."""
    raw = tuple(RawTurn(s, text, line=first_line + i) for i, (s, text) in enumerate(turns))
    return Transcript("t", (RawSession("session_1", 0, raw, started_at=DAY),), source_file=source_file)


def named(batch: Any) -> set[tuple[str, str, str]]:
    n = {e.id: e.name for e in batch.entities}
    return {(n[f.subject_id], f.predicate, n[f.object_id]) for f in batch.facts}


CHESS = (
    ("Ana", "I play chess every week."),
    ("Ben", "Me too, I play chess."),
    ("Ana", "I don't play chess anymore."),
)
PEOPLE = [{"name": "Ana", "type": "Person"}, {"name": "Ben", "type": "Person"}, {"name": "chess", "type": "Thing"}]


def chess_answer(closing: dict[str, Any] | None = None, times: list[Any] | None = None) -> dict[str, Any]:
    last: dict[str, Any] = {"turn": "T3", "closings": [closing or {"predicate": "plays"}]}
    if times is not None:
        last["times"] = times
    return _answer(
        [
            {"turn": "T1", "facts": [{"subject": "Ana", "predicate": "plays", "object": "chess"}]},
            {"turn": "T2", "facts": [{"subject": "Ben", "predicate": "plays", "object": "chess"}]},
            last,
        ],
        PEOPLE,
    )


@pytest.mark.parametrize(
    ("closing", "times", "where"),
    [
        ({"subject": 42, "predicate": "plays"}, None, r"closings\[0\]\.subject: expected a string or null, found 42"),
        ({"subject": ["Ana"], "predicate": "plays"}, None, r"closings\[0\]\.subject"),
        ({"subject": {"name": "Ana"}, "predicate": "plays"}, None, r"closings\[0\]\.subject"),
        ({"object": 7, "predicate": "plays"}, None, r"closings\[0\]\.object"),
        ({"predicate": "plays", "time_phrase": 2024}, None, r"closings\[0\]\.time_phrase"),
        ({"predicate": "plays", "past": "yes"}, None, r"closings\[0\]\.past: expected true, false or null"),
        (None, [{"phrase": "now", "start": 20240303}], r"times\[0\]\.start: expected an ISO date"),
        (None, [{"phrase": "now", "start": "the third of March"}], r"times\[0\]\.start"),
        (None, [{"phrase": "now", "end": ["2024-03-03"]}], r"times\[0\]\.end"),
        (None, [{"phrase": "now", "grain": 3}], r"times\[0\]\.grain"),
        (None, ["now"], r"events\[2\]\.times\[0\]: expected an object"),
    ],
)
def test_a_field_of_the_wrong_shape_is_an_error_naming_its_path_and_request(
    make: Any, stub: Stub, closing: Any, times: Any, where: str
) -> None:
    stub.answer(chess_answer(closing, times))
    with pytest.raises(ExtractionError) as info:
        make().extract(talk(*CHESS))
    message = str(info.value)
    assert re.search(
        r"malformed record_memory output at \$\.events\[2\]\." + where.removeprefix(r"events\[2\]\."), message
    )


def fact_dated(phrase: str, times: list[dict[str, Any]] | None) -> dict[str, Any]:
    fact = {"subject": "Ana", "predicate": "works_at", "object": "Acme Analytics", "time_phrase": phrase}
    event: dict[str, Any] = {"turn": "T1", "facts": [fact]}
    if times is not None:
        event["times"] = times
    return _answer([event], [{"name": "Ana", "type": "Person"}, {"name": "Acme Analytics", "type": "Organization"}])


SINCE_2020 = [{"phrase": "since 2020", "start": "2020-01-01", "end": "2021-01-01", "grain": "year"}]


@pytest.mark.parametrize(
    ("phrase", "times"),
    [("Since  2020", SINCE_2020), ("since 2020", None), ("since 2020", [])],
)
def test_a_time_phrase_spelt_otherwise_or_left_out_of_times_still_dates_the_fact(
    make: Any, stub: Stub, phrase: str, times: Any
) -> None:
    stub.answer(fact_dated(phrase, times))
    batch = make().extract(talk(("Ana", "I have worked at Acme Analytics since 2020.")))
    [fact] = batch.facts
    assert fact.valid_from == datetime(2020, 1, 1)
    assert fact.time_phrase is not None and fact.time_phrase.lower() == "since 2020"


ORPHAN = _answer(
    [{"turn": "T1", "facts": [{"subject": "Carla", "predicate": "lives_in", "object": "Oslo"}]}],
    [
        {"name": "Carla", "type": "Person"},
        {"name": "Dan", "type": "Person"},
        {"name": "Nice", "type": "Place"},
        {"name": "Oslo", "type": "Place"},
    ],
)


def test_an_entity_nobody_mentions_is_not_stored(make: Any, stub: Stub, tmp_path: Path) -> None:
    body = "## Session 1 — 3 March 2024\n[11:00] Carla: I live in Oslo.\n[11:01] Dan: Nice.\n"
    (tmp_path / "t.txt").write_text(body, encoding="utf-8")
    stub.answer(ORPHAN)
    with Memory.open(tmp_path / "db", embedder=NoEmbedder()) as mem:  # type: ignore[arg-type]
        assert mem.ingest([tmp_path / "t.txt"], extractor=make(), embed=False, namespace="o").ok
        assert sorted(e.name for e in mem.store.iter_entities("o")) == ["Carla", "Dan", "Oslo"]
