"""A talk where names are also words ("mark", "grace"), share a word ("Sam" of Sam Lee and of Sam Park) or
start with "The": what ``Memory.forget(ns, about=...)`` finds of a name (``graphmem.forget_names``), shared
by the embedded and Bolt tests."""

from __future__ import annotations

from datetime import datetime

import pytest

from graphmem.errors import NotFoundError
from graphmem.forget_many import plan_forget
from graphmem.memory import Memory
from graphmem.models import Batch, Entity, Event, Mention

NS = "names"
_TURNS = [
    ("e1", "Mark", "I graded the essays."),
    ("e2", "Ann", "Did you mark the essays yet?"),
    ("e3", "Ann", "Saying grace before dinner is nice."),
    ("e4", "Ann", "Sam Park says hi."),
    ("e5", "Ann", "Sam Lee and I went climbing."),
    ("e6", "Bob", "I met sam lee yesterday."),  # his full name, no mention extracted
    ("e7", "Bob", "Sam told me about The Office."),
    ("e8", "Ann", "I left the office early."),
    ("e9", "Bob", "Mark's essays are great."),  # his name, no mention extracted
    ("e10", "Grace", "Hello all."),
    ("e11", "Ann", "I will call you tomorrow."),  # to Mark, as "you"
]
_ENTITIES = [
    Entity(NS, "ent:person:mark", "Mark", "Person"),
    Entity(NS, "ent:person:grace", "Grace", "Person"),
    Entity(NS, "ent:person:sam-lee", "Sam Lee", "Person", ("Sam",)),
    Entity(NS, "ent:person:sam-park", "Sam Park", "Person"),
    Entity(NS, "ent:thing:the-office", "The Office", "Thing"),
]
_MENTIONS = [
    ("e1", "ent:person:mark", "speaker"),
    ("e4", "ent:person:sam-park", "subject"),
    ("e5", "ent:person:sam-lee", "subject"),
    ("e7", "ent:thing:the-office", "object"),
    ("e10", "ent:person:grace", "speaker"),
    ("e11", "ent:person:mark", "object"),
]


def tell(mem: Memory) -> None:
    """Store the talk in namespace ``names``, with the entities and mentions extraction would have made."""
    events = [
        Event(NS, f"ev:s1:{i}", "s1", i, speaker, text, datetime(2024, 5, 1, 10, i))
        for i, (_, speaker, text) in enumerate(_TURNS, start=1)
    ]
    mem.add_events(events, namespace=NS)
    ids = {key: f"ev:s1:{i}" for i, (key, _, _) in enumerate(_TURNS, start=1)}
    mentions = tuple(Mention(NS, ids[e], ent, role) for e, ent, role in _MENTIONS)
    mem.write(Batch(NS, entities=tuple(_ENTITIES), mentions=mentions))


def planned(mem: Memory, about: str) -> list[str]:
    """The texts forgetting everything ``about`` a name would delete, in talk order."""
    plan = plan_forget(mem.store, NS, about=about)
    return sorted((ev.text for ev in plan.events), key=lambda t: [x[2] for x in _TURNS].index(t))


def check_names_as_names(mem: Memory) -> None:
    """A name is found as a name, not as a word; a shared one-word alias is not searched alone; the turns are
    counted by who said them; forgetting again says nothing is called that any more."""
    tell(mem)
    assert planned(mem, "Mark") == ["I graded the essays.", "Mark's essays are great.", "I will call you tomorrow."]
    plan = plan_forget(mem.store, NS, about="Mark")
    by_text = {ev.text: ev.id for ev in plan.events}
    assert plan.said == {by_text["I graded the essays."]}
    assert plan.naming == {by_text["Mark's essays are great."]}  # the rest speak to him as "you"
    assert planned(mem, "Grace") == ["Hello all."]
    assert planned(mem, "The Office") == ["Sam told me about The Office."]
    plan = plan_forget(mem.store, NS, about="Sam Lee")
    assert (plan.names, plan.alone) == (("Sam Lee",), ("Sam",))
    assert planned(mem, "Sam Lee") == ["Sam Lee and I went climbing.", "I met sam lee yesterday."]

    result = mem.forget(NS, about="Sam Lee")

    assert result.events == 2
    left = [ev.text for ev in mem.store.iter_events(NS)]
    assert "Sam Park says hi." in left and "Sam told me about The Office." in left
    assert mem.store.get_entity(NS, "ent:person:sam-park") is not None
    with pytest.raises(
        NotFoundError, match=r"nothing in namespace 'names' is called 'Sam Lee' \(already forgotten\?\)"
    ):
        mem.forget(NS, about="Sam Lee")
