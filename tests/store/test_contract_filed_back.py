"""A change told before a fact's stored version was recorded is filed back by every backend's own write the
same way: the version kept as told is followed a tick later by the reckoned one, whatever other facts the
same statements state (graphmem/store/fact_chain.py reads only the fact's own versions)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from graphmem.models import Batch, Entity, Event, Fact, Session
from graphmem.store.base import TimeFilter
from tests.store.conftest import Backend

JAN, MARCH, JUNE = datetime(2024, 1, 10, 9), datetime(2024, 3, 12, 10), datetime(2024, 6, 1, 10)
TICK = timedelta(seconds=1)


def _stored(ns: str) -> Batch:
    """Ana's job told in January, ended by a live message in June; her city, stated by the same messages,
    has a version recorded a tick after June (a change filed back earlier)."""
    events = (
        Event(ns, "e-jan", "s1", 0, "Ana", "I work at Initech and live in Lisbon.", JAN),
        Event(ns, "e-june", "s2", 0, "Ana", "I left Initech last week.", JUNE),
    )
    job = Fact(ns, "job", "ana", "works_at", "initech", JAN, evidence=("e-jan",))
    city = Fact(ns, "city", "ana", "lives_in", "lisbon", JAN, evidence=("e-jan",))
    return Batch(
        ns,
        sessions=(Session(ns, "s1", 0, JAN), Session(ns, "s2", 1, JUNE)),
        events=events,
        entities=(
            Entity(ns, "ana", "Ana", "Person"),
            Entity(ns, "initech", "Initech", "Organization"),
            Entity(ns, "lisbon", "Lisbon", "Place"),
        ),
        facts=(
            replace(job, id="job@2024-01-10T09:00:00", expired_at=JUNE),
            replace(job, recorded_at=JUNE, valid_to=datetime(2024, 5, 25), revised_by=("e-june",)),
            replace(city, id="city@2024-01-10T09:00:00", expired_at=JUNE + TICK),
            replace(city, recorded_at=JUNE + TICK, evidence=("e-jan", "e-june")),
        ),
        versioned=True,
    )


def test_a_change_filed_back_is_recorded_a_tick_after_the_version_kept_as_told(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    store.write(_stored(ns))
    job = next(f for f in store.iter_facts(ns) if f.id == "job")
    march = Event(ns, "e-march", "s1", 1, "Ana", "I left Initech on 1 March.", MARCH)
    change = replace(job, recorded_at=MARCH, valid_to=datetime(2024, 3, 1), evidence=(*job.evidence, march.id))
    store.write(Batch(ns, events=(march,), facts=(change,)))
    versions = sorted(
        (f for f in store.iter_facts(ns, time=TimeFilter(history=True)) if f.id.split("@")[0] == "job"),
        key=lambda f: f.recorded_at,
    )
    # the January version ends when the change was told; June is kept as told, the change current a tick later
    assert [(v.recorded_at, v.expired_at, v.valid_to) for v in versions] == [
        (JAN, MARCH, None),
        (MARCH, JUNE, datetime(2024, 3, 1)),
        (JUNE, JUNE + TICK, datetime(2024, 5, 25)),
        (JUNE + TICK, None, datetime(2024, 3, 1)),
    ]
