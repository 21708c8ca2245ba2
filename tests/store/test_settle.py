"""Ends derived again after a forget or a merge, on every backend (``graphmem.settle``, ``graphmem.sync``)."""

from __future__ import annotations

from pathlib import Path

from graphmem.models import Batch, Event, Fact, Session
from graphmem.settle import forget_event
from graphmem.store.base import TimeFilter
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
