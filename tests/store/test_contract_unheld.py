"""Contract: a version ending a fact where it began (it held for no time) names the statement of the batch that
showed so, and deleting that statement gives back the version before, on every backend.

"I'm moving to York next month" (12 March: York from 1 April), then "I moved to York last week" (20 April:
York from 7 April) dates the move: the announced York held for no time and Leeds ends on 7 April
(:mod:`graphmem.extract.forecasts`). "I live in Hamburg", then "I've lived in Munich since 1 March": Hamburg
held for no time. The writer re-emits the stored facts with their new ends and no ``revised_by``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from graphmem.models import Batch, Entity, Event, Fact, Session
from graphmem.store.base import GraphStore
from tests.store.conftest import Backend

MAR3, MAR12, APR1, APR7, APR20 = (
    datetime(2025, 3, 3, 9),
    datetime(2025, 3, 12, 19, 2),
    datetime(2025, 4, 1),
    datetime(2025, 4, 7),
    datetime(2025, 4, 20, 10),
)


def _said(ns: str, seq: int, text: str, when: datetime) -> Event:
    return Event(ns, f"e{seq}", "s", seq, "Mara", text, when)


def _versions(store: GraphStore, ns: str) -> list[tuple[object, ...]]:
    facts = store.iter_facts(ns, history=True)
    return sorted(
        ((f.id, f.object_id, f.valid_from, f.valid_to, f.recorded_at, f.expired_at, f.revised_by) for f in facts),
        key=repr,
    )


def _first_two(ns: str) -> tuple[Batch, Batch, Fact]:
    leeds = Fact(ns, "leeds", "mara", "lives_in", "leeds", MAR3, valid_from=MAR3, evidence=("e1",))
    york = Fact(
        ns, "york", "mara", "lives_in", "york", MAR12, valid_from=APR1, evidence=("e2",), time_phrase="next month"
    )
    first = Batch(
        ns,
        sessions=(Session(ns, "s", 0, MAR3),),
        events=(_said(ns, 1, "I live in Leeds.", MAR3),),
        entities=(Entity(ns, "mara", "Mara", "Person"), Entity(ns, "leeds", "Leeds", "Place")),
        facts=(leeds,),
    )
    ended = Fact(ns, "leeds", "mara", "lives_in", "leeds", MAR3, valid_from=MAR3, valid_to=APR1, evidence=("e1",))
    second = Batch(
        ns,
        events=(_said(ns, 2, "I'm moving to York next month.", MAR12),),
        entities=(Entity(ns, "york", "York", "Place"),),
        facts=(york, ended),
    )
    return first, second, york


def test_a_forecast_dated_later_names_the_dating_statement(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    first, second, york = _first_two(ns)
    store.write(first)
    store.write(second)
    before = _versions(store, ns)
    [leeds_v2] = [f for f in store.iter_facts(ns) if f.id == "leeds"]
    assert leeds_v2.revised_by == ("e2",)
    dated = Fact(
        ns, "york7", "mara", "lives_in", "york", APR20, valid_from=APR7, evidence=("e3",), time_phrase="last week"
    )
    third = Batch(
        ns,
        events=(_said(ns, 3, "I moved to York last week.", APR20),),
        # as the writer re-emits stored facts whose ends change: no revised_by of their own
        facts=(dated, replace(leeds_v2, valid_to=APR7, revised_by=()), _unheld(york)),
    )
    store.write(third)
    current = {f.id: f for f in store.iter_facts(ns)}
    assert (current["leeds"].valid_to, current["leeds"].revised_by) == (APR7, ("e3",))
    assert (current["york"].valid_to, current["york"].revised_by, current["york"].recorded_at) == (APR1, ("e3",), APR20)
    store.delete_event(ns, "e3")
    assert _versions(store, ns) == before


def test_a_value_held_since_before_names_its_statement(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    hamburg = Fact(ns, "hamburg", "mara", "lives_in", "hamburg", MAR3, valid_from=MAR3, evidence=("e1",))
    store.write(
        Batch(
            ns,
            sessions=(Session(ns, "s", 0, MAR3),),
            events=(_said(ns, 1, "I live in Hamburg.", MAR3),),
            entities=(Entity(ns, "mara", "Mara", "Person"), Entity(ns, "hamburg", "Hamburg", "Place")),
            facts=(hamburg,),
        )
    )
    before = _versions(store, ns)
    munich = Fact(ns, "munich", "mara", "lives_in", "munich", MAR12, valid_from=datetime(2025, 3, 1), evidence=("e2",))
    store.write(
        Batch(
            ns,
            events=(_said(ns, 2, "I've lived in Munich since 1 March.", MAR12),),
            entities=(Entity(ns, "munich", "Munich", "Place"),),
            facts=(munich, _unheld(hamburg)),
        )
    )
    current = store.get_fact(ns, "hamburg")
    assert current is not None and (current.valid_to, current.revised_by) == (MAR3, ("e2",))
    store.delete_event(ns, "e2")
    assert _versions(store, ns) == before


def _unheld(f: Fact) -> Fact:
    """``f`` held for no time, as the writer re-emits it."""
    return replace(f, valid_to=f.valid_from, revised_by=())
