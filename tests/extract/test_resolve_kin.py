"""Two people of one name whose family roles cannot both hold stay two people (resolve_kin.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from graphmem.extract.pipeline import SpacyExtractor
from graphmem.extract.resolve_kin import claims_conflict
from graphmem.memory import Memory
from tests.ingest.fakes import FakeEmbedder

T0 = datetime(2024, 3, 2, 9, 0)
LUCY, MARCO = "ent:person:lucy", "ent:person:marco"
SAM, MARCOS_SAM = "ent:person:sam", "ent:person:sam--child-of-marco"

TWO_SAMS = [
    ("Lucy", "My brother Sam lives in Denver."),
    ("Marco", "Funny, my son Sam lives in Boston."),
    ("Lucy", "Sam is coming to visit me in April."),
    ("Marco", "Sam moved to Chicago last week."),
    ("Lucy", "My brother Sam works at Intel."),
    ("Marco", "My son Sam plays the violin."),
]


@pytest.fixture
def mem(tmp_path: Path, nlp: Any) -> Iterator[Memory]:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp) as m:
        yield m


def _write(path: Path, turns: list[tuple[str, str]]) -> Path:
    lines = [f"[{(T0 + timedelta(minutes=k)):%H:%M}] {who}: {text}" for k, (who, text) in enumerate(turns)]
    path.write_text("## Session 1 — 2 March 2024\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def _store(mem: Memory, extractor: SpacyExtractor, tmp_path: Path, turns: list[tuple[str, str]], live: bool) -> None:
    if live:  # one message at a time, each resolved against what the namespace holds
        for k, (who, text) in enumerate(turns):
            mem.add([{"speaker": who, "text": text, "time": T0 + timedelta(minutes=k)}], namespace="k")
    else:
        summary = mem.ingest(_write(tmp_path / "t.txt", turns), namespace="k", extractor=extractor, embed=False)
        assert summary.ok, summary.errors


def _facts(mem: Memory, *, current: bool = False) -> set[tuple[str, str, str]]:
    found = mem.facts(namespace="k", all_time=not current)
    return {(f.fact.subject_id, f.fact.predicate, f.fact.object_id) for f in found}


@pytest.mark.parametrize("live", [False, True], ids=["ingest", "add"])
def test_a_brother_and_another_speakers_son_are_two_people(
    extractor: SpacyExtractor, mem: Memory, tmp_path: Path, live: bool
) -> None:
    _store(mem, extractor, tmp_path, TWO_SAMS, live)
    sams = sorted(e.id for e in mem.store.iter_entities("k") if e.name == "Sam")
    assert sams == [SAM, MARCOS_SAM]
    facts = _facts(mem)
    assert {
        (SAM, "brother_of", LUCY),
        (SAM, "lives_in", "ent:place:denver"),
        (SAM, "works_at", "ent:organization:intel"),
        (MARCO, "has_child", MARCOS_SAM),
        (MARCOS_SAM, "lives_in", "ent:place:chicago"),
        (MARCOS_SAM, "plays", "ent:topic:violin"),
    } <= facts
    # the bare "Sam" of each speaker is the Sam that speaker named last
    assert (SAM, "plans", LUCY) in facts
    assert not {f for f in facts if f[0] == SAM and f[2] in ("ent:topic:violin", "ent:place:chicago")}
    assert not {f for f in facts if f[0] == MARCOS_SAM and f[1] in ("brother_of", "works_at")}
    # Marco's Sam moving ends Marco's Sam's home, never Lucy's brother's
    homes = {(s, o) for s, p, o in _facts(mem, current=True) if p == "lives_in"}
    assert (SAM, "ent:place:denver") in homes
    assert (MARCOS_SAM, "ent:place:boston") not in homes


@pytest.mark.parametrize("live", [False, True], ids=["ingest", "add"])
def test_one_speakers_brother_and_son_of_one_name_are_two(
    extractor: SpacyExtractor, mem: Memory, tmp_path: Path, live: bool
) -> None:
    turns = [("Lucy", "My brother Sam lives in Denver."), ("Lucy", "My son Sam plays the violin.")]
    _store(mem, extractor, tmp_path, turns, live)
    facts = _facts(mem)
    assert (SAM, "brother_of", LUCY) in facts
    assert (LUCY, "has_child", "ent:person:sam--child-of-lucy") in facts
    assert ("ent:person:sam--child-of-lucy", "plays", "ent:topic:violin") in facts


@pytest.mark.parametrize("live", [False, True], ids=["ingest", "add"])
def test_a_full_name_with_a_conflicting_role_is_not_joined(
    extractor: SpacyExtractor, mem: Memory, tmp_path: Path, live: bool
) -> None:
    turns = [("Lucy", "My brother Sam lives in Denver."), ("Marco", "My son Sam Patel lives in Boston.")]
    _store(mem, extractor, tmp_path, turns, live)
    facts = _facts(mem)
    assert (SAM, "brother_of", LUCY) in facts
    assert (MARCO, "has_child", "ent:person:sam-patel") in facts
    homes = {(s, o) for s, p, o in _facts(mem, current=True) if p == "lives_in"}
    assert homes == {(SAM, "ent:place:denver"), ("ent:person:sam-patel", "ent:place:boston")}


@pytest.mark.parametrize("live", [False, True], ids=["ingest", "add"])
def test_roles_that_can_both_hold_keep_one_person(
    extractor: SpacyExtractor, mem: Memory, tmp_path: Path, live: bool
) -> None:
    # a colleague of Marco may be Lucy's brother: no family conflict, and a full name alone is no evidence
    turns = [
        ("Lucy", "My brother Sam lives in Denver."),
        ("Marco", "My colleague Sam Patel works at Intel."),
        ("Lucy", "My brother Sam plays the violin."),
    ]
    _store(mem, extractor, tmp_path, turns, live)
    sams = [e for e in mem.store.iter_entities("k") if e.type == "Person" and e.name.startswith("Sam")]
    assert len(sams) == 1


def test_claims_conflict_rules() -> None:
    def unrelated(a: str, b: str) -> bool:
        return False

    brother, son = (LUCY, "brother"), (MARCO, "child")
    assert claims_conflict({brother}, {son}, unrelated)  # two owners, two families
    assert not claims_conflict({brother}, {son}, lambda a, b: True)  # Marco is Lucy's father
    assert claims_conflict({(LUCY, "brother")}, {(LUCY, "child")}, unrelated)  # one owner, two roles
    assert not claims_conflict({(LUCY, "sibling")}, {(LUCY, "brother")}, unrelated)
    assert not claims_conflict({brother}, {brother}, unrelated)
    assert not claims_conflict({brother}, set(), unrelated)
    # a step-parent is often called mum or dad (review of the change: "my dad Joe", "my stepfather Joe")
    assert not claims_conflict({(LUCY, "father")}, {(LUCY, "stepfather")}, unrelated)
    assert not claims_conflict({(LUCY, "mother")}, {(LUCY, "stepmother")}, unrelated)
    assert claims_conflict({(LUCY, "stepfather")}, {(LUCY, "brother")}, unrelated)


@pytest.mark.parametrize("live", [False, True], ids=["ingest", "add"])
def test_a_stepdad_called_dad_is_one_person(extractor: SpacyExtractor, mem: Memory, tmp_path: Path, live: bool) -> None:
    turns = [("Lucy", "My dad Joe lives in Ohio."), ("Lucy", "My stepfather Joe is retiring soon.")]
    _store(mem, extractor, tmp_path, turns, live)
    joes = [e for e in mem.store.iter_entities("k") if e.type == "Person" and e.name.startswith("Joe")]
    assert len(joes) == 1


def test_an_edited_file_ingested_again_keeps_its_two_sams(
    extractor: SpacyExtractor, mem: Memory, tmp_path: Path
) -> None:
    path = tmp_path / "t.txt"
    for turns in (TWO_SAMS[:4], TWO_SAMS):  # the file grows by two turns and is ingested again
        summary = mem.ingest(_write(path, turns), namespace="k", extractor=extractor, embed=False)
        assert summary.ok, summary.errors
    sams = sorted(e.id for e in mem.store.iter_entities("k") if e.name == "Sam")
    assert sams == [SAM, MARCOS_SAM]
    facts = _facts(mem, current=True)
    assert {(SAM, "works_at", "ent:organization:intel"), (MARCOS_SAM, "plays", "ent:topic:violin")} <= facts
    assert (SAM, "lives_in", "ent:place:denver") in facts
