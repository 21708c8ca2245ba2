"""Temporal fact maintenance: state facts end when a newer state or a change replaces them."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem.extract.resolve import resolve_batch
from graphmem.extract.temporal import STATE_PREDICATES, state_predicate, update_facts, valid_to_of
from graphmem.ingest import ingest
from graphmem.memory import Memory
from graphmem.models import Batch, Entity, Fact, FactClosing
from graphmem.store.base import TimeFilter

DATA = Path(__file__).resolve().parents[2] / "data"


def day(text: str) -> datetime:
    return datetime.fromisoformat(text)


def fact(fid: str, predicate: str, obj: str, start: str | None, subject: str = "priya", **kw: Any) -> Fact:
    return Fact(
        "ns",
        fid,
        subject,
        predicate,
        obj,
        recorded_at=day("2024-05-01"),
        valid_from=day(start) if start else None,
        evidence=kw.pop("evidence", (f"ev:{fid}",)),
        **kw,
    )


def ends(*facts: Fact) -> dict[str, datetime | None]:
    return valid_to_of(facts)


def test_a_newer_state_with_another_object_ends_the_older() -> None:
    got = ends(
        fact("a", "works_at", "northwind", "2019-01-01"),
        fact("b", "works_at", "lumen", "2024-04-01"),
        fact("c", "lives_in", "alfama", "2024-04-27"),  # another predicate: no effect on jobs
    )
    assert got == {"a": day("2024-04-01"), "b": None, "c": None}


def test_the_earliest_later_state_wins_and_a_return_is_a_new_stint() -> None:
    got = ends(
        fact("a", "works_at", "x", "2010-01-01"),
        fact("b", "works_at", "y", "2015-01-01"),
        fact("c", "works_at", "x", "2020-01-01"),
    )
    assert got == {"a": day("2015-01-01"), "b": day("2020-01-01"), "c": None}


@pytest.mark.parametrize(
    "facts",
    [
        # the same object again ends nothing
        (fact("a", "works_at", "x", "2019-01-01"), fact("b", "works_at", "x", "2024-01-01")),
        # the same start: no order between them
        (fact("a", "works_at", "x", "2024-01-01"), fact("b", "works_at", "y", "2024-01-01")),
        # another subject
        (fact("a", "works_at", "x", "2019-01-01"), fact("b", "works_at", "y", "2024-01-01", subject="tomas")),
        # undated: cannot be ordered
        (fact("a", "works_at", "x", None), fact("b", "works_at", "y", None)),
        # not a state: events never end
        (fact("a", "went_to", "x", "2019-01-01"), fact("b", "went_to", "y", "2024-01-01")),
    ],
)
def test_nothing_ends(facts: tuple[Fact, ...]) -> None:
    assert all(v is None for v in ends(*facts).values())


def closing(predicate: str, obj: str | None, at: str, subject: str | None = "priya") -> FactClosing:
    return FactClosing(
        "ns", predicate, day("2024-10-01"), subject_id=subject, object_id=obj, at=day(at), evidence=("ev:x",)
    )


def test_a_closing_ends_the_matching_fact() -> None:
    facts = (
        fact("a", "works_at", "bakery", "2020-01-01"),
        fact("b", "lives_in", "lisbon", "2020-01-01"),
        fact("c", "has_pet", "max", "2021-01-01"),
        fact("d", "plays", "guitar", "2015-01-01"),
    )
    got = valid_to_of(
        facts,
        [
            closing("works_at", None, "2024-09-06"),  # "I quit my job": whichever held
            closing("lives_in", "lisbon", "2023-01-01"),
            closing("lives_in", "lisbon", "2022-01-01"),  # the earliest counts
            closing("has_pet", "max", "2024-02-01", subject=None),  # "Max passed away"
            closing("plays", "guitar", "2024-03-01"),  # "I don't play guitar anymore"
        ],
    )
    assert got == {
        "a": day("2024-09-06"),
        "b": day("2022-01-01"),
        "c": day("2024-02-01"),
        "d": day("2024-03-01"),
    }


def test_a_closing_ends_the_fact_of_its_name_typed_apart() -> None:
    # "I work at Acme" (NER: an organisation) ... "I got fired from Acme" (NER: a place): one employer
    facts = (
        fact("a", "works_at", "ent:organization:acme", "2020-01-01"),
        fact("b", "works_at", "ent:organization:acme-labs", "2020-01-01", subject="tomas"),
    )
    got = valid_to_of(
        facts,
        [
            closing("works_at", "ent:place:acme", "2024-09-06"),
            closing("works_at", "ent:place:acme", "2024-09-06", subject="tomas"),  # another name
        ],
    )
    assert got == {"a": day("2024-09-06"), "b": None}


@pytest.mark.parametrize(
    "change",
    [
        closing("works_at", "other", "2024-01-01"),  # another object
        closing("works_at", "bakery", "2019-01-01"),  # before the state began: an earlier stint
        closing("lives_in", "bakery", "2024-01-01"),  # ends a home, not a job
        closing("works_at", "bakery", "2024-01-01", subject="tomas"),  # someone else
    ],
)
def test_a_closing_that_does_not_match_ends_nothing(change: FactClosing) -> None:
    assert valid_to_of([fact("a", "works_at", "bakery", "2020-01-01")], [change]) == {"a": None}


def test_closings_from_a_batch_end_stored_facts_and_stay() -> None:
    stored = [fact("pet", "has_pet", "max", "2021-01-01")]
    batch = Batch("ns", closings=(closing("has_pet", "max", "2024-02-01", subject=None),))
    (ended,) = update_facts(batch, stored).facts
    assert ended.valid_to == day("2024-02-01")
    # a later batch with nothing to say about Max leaves the end alone
    assert update_facts(Batch("ns", facts=(fact("job", "works_at", "x", "2024-05-01"),)), [ended]).facts == (
        fact("job", "works_at", "x", "2024-05-01"),
    )


def test_a_bound_said_in_the_clause_is_kept() -> None:
    until = fact("a", "lives_in", "lisbon", "2024-03-01", valid_to=day("2024-06-01"))
    later = fact("b", "lives_in", "porto", "2024-09-01")
    out = {f.id: f.valid_to for f in update_facts(Batch("ns", facts=(until, later)), ()).facts}
    assert out == {"a": day("2024-06-01"), "b": None}


def test_state_predicate_spellings() -> None:
    assert state_predicate("work_for") == "works_at" and state_predicate("lives_in") == "lives_in"
    assert state_predicate("marry") == "married_to" and state_predicate("visit") is None
    assert {state_predicate(p) for p in STATE_PREDICATES} == STATE_PREDICATES
    assert {"works_at", "lives_in", "married_to", "dating", "studies_at"} <= STATE_PREDICATES


def test_update_facts_re_emits_stored_facts_it_ends() -> None:
    stored = [
        fact("old", "works_at", "northwind", "2019-01-01"),
        fact("other", "visit", "porto", "2020-01-01"),
        Fact("elsewhere", "x", "priya", "works_at", "z", recorded_at=day("2020-01-01"), valid_from=day("2000-01-01")),
    ]
    batch = Batch("ns", facts=(fact("new", "works_at", "lumen", "2024-04-01"),))
    out = update_facts(batch, stored)
    by_id = {f.id: f for f in out.facts}
    assert set(by_id) == {"new", "old"}  # the stored job is re-emitted, nothing else
    assert by_id["old"].valid_to == day("2024-04-01") and by_id["old"].expired_at is None
    assert by_id["new"].valid_to is None
    # idempotent: with the updated fact stored, nothing more changes
    again = update_facts(batch, [by_id["old"], *stored[1:]])
    assert [f.id for f in again.facts] == ["new"]


def test_an_older_batch_is_ended_by_what_is_stored() -> None:
    stored = [fact("new", "works_at", "lumen", "2024-04-01")]
    out = update_facts(Batch("ns", facts=(fact("old", "works_at", "northwind", "2019-01-01"),)), stored)
    assert [(f.id, f.valid_to) for f in out.facts] == [("old", day("2024-04-01"))]


def test_retracted_facts_stop_ending_others() -> None:
    ended = fact("old", "works_at", "northwind", "2019-01-01", valid_to=day("2024-04-01"))
    gone = fact("new", "works_at", "lumen", "2024-04-01", evidence=("ev:gone",))
    out = update_facts(Batch("ns", retract=("ev:gone",)), [ended, gone])
    (reopened,) = out.facts
    assert reopened.id == "old" and reopened.valid_to is None


# -- on the data/ sample, through ingestion ----------------------------------------------------------


def _ingest(mem: Memory, extractor: Any, *paths: Path) -> None:
    """Ingest as the writer will once wired: resolve, then update facts against the stored ones."""

    def resolver(batch: Batch, existing: list[Entity]) -> Batch:
        return update_facts(resolve_batch(batch, existing), mem.store.iter_facts(batch.namespace))

    for path in paths:
        summary = ingest(mem, str(path), extractor=extractor, embed=False, resolver=resolver)
        assert summary.ok, summary.errors


def _employers(mem: Memory, when: str) -> set[str]:
    names = {e.id: e.name for e in mem.store.iter_entities("priya-tomas")}
    priya = next(i for i, n in names.items() if n == "Priya")
    held = mem.store.iter_facts("priya-tomas", time=TimeFilter(valid_at=day(when)))
    return {names[f.object_id] for f in held if f.subject_id == priya and f.predicate == "works_at"}


def test_priya_changes_employer_on_1_april(memory: Memory, extractor: Any) -> None:
    _ingest(memory, extractor, DATA / "locomo_style.json")
    assert _employers(memory, "2020-06-01") == {"Northwind Bank"}
    assert _employers(memory, "2024-03-31") == {"Northwind Bank"}  # she got the job, has not started
    assert _employers(memory, "2024-04-01") == {"Lumen Robotics"}
    assert _employers(memory, "2024-04-28") == {"Lumen Robotics"}
    rows = memory.query(
        'FIND (p:Person {name: "Priya"})-[f:FACT {predicate: "works_at"}]->(x) IN "priya-tomas" '
        "VALID AT 2024-03-15 RETURN x.name"
    ).rows
    assert rows == (("Northwind Bank",),)
    # memory axis: on 10 March memory knew only of Northwind Bank; nothing was retracted
    known = memory.store.iter_facts("priya-tomas", time=TimeFilter(as_of=day("2024-03-10")))
    assert {f.predicate for f in known} >= {"works_at"}
    assert all(f.expired_at is None for f in memory.store.iter_facts("priya-tomas"))


def test_files_ingested_in_any_order_agree(memory: Memory, extractor: Any, tmp_path: Path) -> None:
    sample = json.loads((DATA / "locomo_style.json").read_text(encoding="utf-8"))[0]
    conv = sample["conversation"]
    parts = []
    for n in (1, 2, 3):  # one file per session, all in one namespace
        keys = {"speaker_a", "speaker_b", f"session_{n}", f"session_{n}_date_time"}
        part = {"sample_id": "priya-tomas", "conversation": {k: v for k, v in conv.items() if k in keys}}
        path = tmp_path / f"s{n}.json"
        path.write_text(json.dumps([part]), encoding="utf-8")
        parts.append(path)
    _ingest(memory, extractor, parts[2], parts[1], parts[0])  # the newest first
    assert _employers(memory, "2024-03-15") == {"Northwind Bank"}
    assert _employers(memory, "2024-04-15") == {"Lumen Robotics"}


def test_a_fact_is_told_when_its_evidence_events_were_made_not_when_its_version_was_recorded() -> None:
    # "I work at Acme" (10 Jan), "I still work at Globex" (20 June, from then): Acme ended then. A write of
    # another client (1 July) re-recorded Acme's version; read as told then, Acme (held since January, through
    # a telling after Globex's) ended Globex on 1 July, the current job (tests/neo4j/test_forget_writers.py)
    from graphmem.extract.temporal import supersession_ends, told_times
    from graphmem.models import Event

    acme = replace(
        fact("acme", "works_at", "acme", "2024-01-10"), recorded_at=day("2024-07-01"), valid_to=day("2024-06-20")
    )
    globex = replace(fact("globex", "works_at", "globex", "2024-06-20"), recorded_at=day("2024-06-20"))
    events = [
        Event("ns", "ev:acme", "s", 1, "Ana", "I work at Acme.", day("2024-01-10")),
        Event("ns", "ev:globex", "s", 2, "Ana", "I still work at Globex.", day("2024-06-20")),
    ]
    told = told_times([acme, globex], events)
    assert told == {"acme": day("2024-01-10"), "globex": day("2024-06-20")}
    assert supersession_ends([acme, globex], told=told) == {"acme": day("2024-06-20")}
    # by the version's record time alone, the re-recorded job reads as news told on 1 July
    assert supersession_ends([acme, globex])["globex"] == day("2024-07-01")


def test_a_value_told_later_to_hold_since_before_ends_the_earlier_one_when_told() -> None:
    bbc = replace(fact("bbc", "works_at", "bbc", "2024-01-12T19:00"), recorded_at=day("2024-01-12T19:00"))
    scotsman = replace(fact("scot", "works_at", "scotsman", "2023-12-01"), recorded_at=day("2024-01-12T19:01"))
    assert ends(bbc, scotsman) == {"bbc": day("2024-01-12T19:01"), "scot": None}  # never valid_to = valid_from
