"""Contract: a change learned before the fact's current version was recorded is filed in its chain when it
was learned, on every backend (:func:`graphmem.store.versions.version_batch`).

Ana works at Initech (told 10 January); a live "I left Initech last week" (1 June) ends it on 20 May. A
statement told on 12 March ("I work at Globex now, since 1 March") is written afterwards, its end of
Initech recorded when it was told, as :mod:`graphmem.settle` writes such an end. ``AS OF`` April must read
what memory believed then, one job; before the fix the June version was updated in place and the January
one stayed believed until June.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from graphmem.models import Batch, Entity, Event, Fact, Session
from graphmem.store.base import GraphStore, TimeFilter
from tests.store.conftest import Backend

JAN10, MAR1, MAR12, APR1, MAY20, JUN1, JUL1 = (
    datetime(2024, 1, 10, 9),
    datetime(2024, 3, 1),
    datetime(2024, 3, 12, 10),
    datetime(2024, 4, 1),
    datetime(2024, 5, 20),
    datetime(2024, 6, 1, 10),
    datetime(2024, 7, 1),
)


def _said(ns: str, seq: int, text: str, when: datetime) -> Event:
    return Event(ns, f"e{seq}", "s", seq, "Ana", text, when)


def _jobs(store: GraphStore, ns: str, as_of: datetime, at: datetime) -> set[str]:
    return {f.object_id for f in store.iter_facts(ns, time=TimeFilter(as_of=as_of, valid_at=at))}


def _initech(store: GraphStore, ns: str) -> list[tuple[object, ...]]:
    found = [f for f in store.iter_facts(ns, history=True) if f.object_id == "initech"]
    return sorted((f.recorded_at, f.expired_at, f.valid_to, f.revised_by) for f in found)


def _written(store: GraphStore, ns: str) -> None:
    initech = Fact(ns, "initech", "ana", "works_at", "initech", JAN10, valid_from=JAN10, evidence=("e1",))
    store.write(
        Batch(
            ns,
            sessions=(Session(ns, "s", 0, JAN10),),
            events=(_said(ns, 1, "I work at Initech.", JAN10),),
            entities=(Entity(ns, "ana", "Ana", "Person"), Entity(ns, "initech", "Initech", "Organization")),
            facts=(initech,),
        )
    )
    left = replace(initech, recorded_at=JUN1, valid_to=MAY20, revised_by=("e2",))
    store.write(Batch(ns, events=(_said(ns, 2, "I left Initech last week.", JUN1),), facts=(left,)))
    [current] = [f for f in store.iter_facts(ns) if f.id == "initech"]
    globex = Fact(ns, "globex", "ana", "works_at", "globex", MAR12, valid_from=MAR1, evidence=("e3",))
    ended = replace(current, recorded_at=MAR12, valid_to=MAR1, revised_by=("e3",))
    store.write(
        Batch(
            ns,
            events=(_said(ns, 3, "I work at Globex now, since 1 March.", MAR12),),
            entities=(Entity(ns, "globex", "Globex", "Organization"),),
            facts=(globex, ended),
        )
    )


def test_an_end_told_before_the_current_version_is_filed_when_told(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    _written(store, ns)
    assert _jobs(store, ns, APR1, APR1) == {"globex"}  # between the statements: one job
    assert _jobs(store, ns, APR1, datetime(2024, 2, 1)) == {"initech"}
    assert _jobs(store, ns, datetime(2024, 2, 1), JUL1) == {"initech"}  # before: as it was
    assert _jobs(store, ns, JUL1, JUL1) == {"globex"}
    # one version per change: open since January, ended by the March statement (the June end is moot)
    assert _initech(store, ns) == [(JAN10, MAR12, None, ()), (MAR12, None, MAR1, ("e3",))]


def test_deleting_the_statement_filed_back_restores_the_version_before(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    _written(store, ns)
    store.delete_event(ns, "e3")
    assert _initech(store, ns) == [(JAN10, None, None, ())]
    assert _jobs(store, ns, APR1, APR1) == {"initech"}
