"""Ends derived again after a forget or a merge, on every backend (``graphmem.settle``, ``graphmem.sync``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from graphmem.models import Batch, Entity, Event, Fact, Session
from graphmem.settle import forget_event, settle
from graphmem.store.base import FindsFactsOfEvents, GraphStore, TimeFilter
from graphmem.store.embedded import EmbeddedStore
from graphmem.sync import sync_stores

from .conftest import Backend
from .test_contract import day, employers, job_history


def _still(ns: str) -> Batch:
    """Day 61: "I still work at Globex" (a Globex fact from day 60, said by ``e3``)."""
    return Batch(
        ns,
        sessions=(Session(ns, "s3", 2, day(61)),),
        events=(Event(ns, "e3", "s3", 0, "Dana", "I still work at Globex.", day(61)),),
        facts=(
            Fact(ns, "fg2", "dana", "works_at", "globex", recorded_at=day(61), valid_from=day(60), evidence=("e3",)),
        ),
    )


def test_forgetting_the_new_value_lets_a_later_one_end_the_old(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    first, second = job_history(ns)
    for batch in (first, second, _still(ns)):
        store.write(batch)
    forget_event(store, ns, "e2")
    assert employers(store, ns, TimeFilter(valid_at=day(40))) == ["acme"]
    assert employers(store, ns, TimeFilter(valid_at=day(70))) == ["globex"]
    acme = store.get_fact(ns, "fa")
    assert acme is not None and (acme.valid_to, acme.recorded_at, acme.revised_by) == (day(60), day(61), ("e3",))
    # what memory held before "still at Globex" was said: Acme, open
    assert employers(store, ns, TimeFilter(valid_at=day(70), as_of=day(40))) == ["acme"]


def test_an_older_store_merged_in_reopens_nothing(backend: Backend, tmp_path: Path) -> None:
    store, ns = backend.open(), backend.ns()
    first, second = job_history(ns)
    older = EmbeddedStore.open(tmp_path / "older")
    older.write(first)
    store.write(first)
    store.write(second)
    want = sorted((f.id, f.valid_to, f.recorded_at, f.expired_at) for f in store.iter_facts(ns, history=True))
    sync_stores(older, store)
    assert employers(store, ns, TimeFilter(valid_at=day(40))) == ["globex"]
    assert sorted((f.id, f.valid_to, f.recorded_at, f.expired_at) for f in store.iter_facts(ns, history=True)) == want
    older.close()


def _back(ns: str) -> Batch:
    """Day 90: "I work at Acme again now" (``e4``), ending both Globex facts."""
    still = _still(ns).facts[0]
    globex = Fact(ns, "fg", "dana", "works_at", "globex", recorded_at=day(30), valid_from=day(20), evidence=("e2",))
    ended = {"valid_to": day(90), "recorded_at": day(90), "revised_by": ("e4",)}
    return Batch(
        ns,
        sessions=(Session(ns, "s4", 3, day(90)),),
        events=(Event(ns, "e4", "s4", 0, "Dana", "I work at Acme again now.", day(90)),),
        facts=(
            replace(globex, **ended),
            replace(still, **ended),
            Fact(ns, "fa2", "dana", "works_at", "acme", recorded_at=day(90), valid_from=day(90), evidence=("e4",)),
        ),
    )


def test_a_fact_ended_again_later_ends_the_old_as_of_when_it_was_first_learned(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    first, second = job_history(ns)
    for batch in (first, second, _still(ns), _back(ns)):
        store.write(batch)
    forget_event(store, ns, "e2")
    acme = store.get_fact(ns, "fa")
    # "still at Globex" (recorded day 61, its current version day 90) ends Acme on day 60, recorded day 61
    assert acme is not None and (acme.valid_to, acme.recorded_at, acme.revised_by) == (day(60), day(61), ("e3",))
    assert employers(store, ns, TimeFilter(valid_at=day(70), as_of=day(70))) == ["globex"]
    assert employers(store, ns, TimeFilter(valid_at=day(95))) == ["acme"]


def test_the_store_names_the_facts_an_event_supported_or_revised(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    first, second = job_history(ns)
    for batch in (first, second):
        store.write(batch)
    assert isinstance(store, FindsFactsOfEvents)
    assert store.fact_groups_of_events(ns, ["e1"]) == {("dana", "works_at")}  # evidence
    assert store.fact_groups_of_events(ns, ["e2"]) == {("dana", "works_at")}  # evidence and revised_by
    assert store.fact_groups_of_events(ns, ["nope"]) == set()
    assert store.fact_groups_of_events(ns, []) == set()


def test_forget_reads_only_the_facts_of_the_subjects_it_touched(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, ns = backend.open(), backend.ns()
    first, second = job_history(ns)
    for batch in (first, second, _still(ns)):
        store.write(batch)

    def whole(*_a: object, **_k: object) -> None:
        raise AssertionError("the namespace's facts were read whole")

    monkeypatch.setattr(store, "iter_facts", whole)
    forget_event(store, ns, "e2")
    monkeypatch.undo()
    assert employers(store, ns, TimeFilter(valid_at=day(40))) == ["acme"]
    assert employers(store, ns, TimeFilter(valid_at=day(70))) == ["globex"]


def test_a_failed_settle_is_healed_by_settling_the_namespace(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    store, ns = backend.open(), backend.ns()
    first, second = job_history(ns)
    for batch in (first, second, _still(ns)):
        store.write(batch)

    def gone(_batch: Batch) -> None:
        raise RuntimeError("server gone")

    monkeypatch.setattr(store, "write", gone)
    with pytest.raises(RuntimeError):
        forget_event(store, ns, "e2")
    monkeypatch.undo()
    assert store.get_event(ns, "e2") is None  # the deletion stands, Acme open for now
    assert employers(store, ns, TimeFilter(valid_at=day(70))) == ["acme", "globex"]
    assert settle(store, ns) == 1
    acme = store.get_fact(ns, "fa")
    assert acme is not None and (acme.valid_to, acme.recorded_at, acme.revised_by) == (day(60), day(61), ("e3",))
    assert settle(store, ns) == 0  # settled: nothing more to write


def test_forgetting_the_value_that_ended_a_state_told_as_over_leaves_it_over(tmp_path: Path) -> None:
    # "I worked at Acme before that" said after "I work at Globex": Globex ended Acme; forgetting Globex
    # left Acme current for ever (settle had no end for it), where re-ingesting leaves it ending when said
    from graphmem.memory import Memory
    from tests.ingest.fakes import FakeEmbedder

    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        [globex] = mem.add(
            {"speaker": "Ana", "text": "I work at Globex Corporation.", "time": "2024-01-10T10:00"}, namespace="p"
        )
        mem.add(
            {"speaker": "Ana", "text": "I worked at Acme Analytics before that.", "time": "2024-03-12T19:00"},
            namespace="p",
        )
        mem.forget("p", globex)
        names = {e.id: e.name for e in mem.store.iter_entities("p")}
        held = {
            names[f.object_id]: (f.valid_from, f.valid_to)
            for f in mem.store.iter_facts("p")
            if f.predicate == "works_at"
        }
        assert held == {"Acme Analytics": (None, datetime(2024, 3, 12, 19, 0))}


def _plan_history(ns: str) -> tuple[Batch, Batch]:
    """Day 0: Ana wants to visit Paris (``e1``); day 21: she went there on day 20 (``e2``), written as it
    came, without the plan's end the write path derives (what a merge brings, or a settle that failed)."""
    s1, s2 = Session(ns, "s1", 0, day(0)), Session(ns, "s2", 1, day(21))
    e1 = Event(ns, "e1", "s1", 0, "Ana", "I want to visit Paris.", day(0))
    e2 = Event(ns, "e2", "s2", 0, "Ana", "I went to Paris yesterday.", day(21))
    people = (Entity(ns, "ana", "Ana", "Person"), Entity(ns, "paris", "Paris", "Place"))
    plan = Fact(ns, "fp", "ana", "plans", "paris", recorded_at=day(0), valid_from=day(0), evidence=("e1",))
    went = Fact(ns, "fw", "ana", "went_to", "paris", recorded_at=day(21), valid_from=day(20), evidence=("e2",))
    return (
        Batch(ns, sessions=(s1,), events=(e1,), entities=people, facts=(plan,)),
        Batch(ns, sessions=(s2,), events=(e2,), facts=(went,)),
    )


def _plan(store: GraphStore, ns: str) -> tuple[datetime | None, datetime, tuple[str, ...]]:
    plan = store.get_fact(ns, "fp")
    assert plan is not None
    return plan.valid_to, plan.recorded_at, plan.revised_by


def test_settling_ends_a_plan_its_carrying_out_ends(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    for batch in _plan_history(ns):
        store.write(batch)
    assert settle(store, ns) == 1
    # as writing the visit after the plan ends it: when it began, learned when it was said
    assert _plan(store, ns) == (day(20), day(21), ("e2",))
    assert settle(store, ns) == 0


def test_a_merge_that_brings_the_carrying_out_of_a_plan_ends_it(backend: Backend, tmp_path: Path) -> None:
    store, ns = backend.open(), backend.ns()
    plan, visit = _plan_history(ns)
    store.write(plan)
    newer = EmbeddedStore.open(tmp_path / "newer")
    newer.write(plan)
    newer.write(visit)
    sync_stores(newer, store)
    assert _plan(store, ns) == (day(20), day(21), ("e2",))
    newer.close()
