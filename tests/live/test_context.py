"""Memory.add reads a message after the stored turns of its session: what it refers to is found as in one call."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from graphmem import Memory

_TALK = [
    ("Ben", "Have you ever been to Porto?"),
    ("Ana", "I was there in July, it was lovely."),
    ("Ana", "My sister Clara lives in Rome."),
    ("Ana", "She works at Acme Corp."),
    ("Ana", "I love Lisbon."),
    ("Ana", "We went there last summer."),
]


def _messages(talk: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"speaker": s, "text": t, "time": f"2024-05-01T10:00:{k:02d}"} for k, (s, t) in enumerate(talk)]


def _facts(memory: Memory, namespace: str = "a") -> list[tuple[Any, ...]]:
    return sorted(
        (f.fact.predicate, f.subject, f.object, f.fact.evidence, str(f.fact.valid_from), str(f.fact.valid_to))
        for f in memory.facts(namespace=namespace, all_time=True)
    )


def test_one_message_at_a_time_gives_what_one_call_gives(memory: Memory) -> None:
    for message in _messages(_TALK):
        memory.add(message, namespace="a", session="s1")
    memory.add(_messages(_TALK), namespace="b", session="s1")
    live = _facts(memory, "a")
    # "She" is Clara of the turn before, "there" Lisbon of the turn before: both were lost added alone
    assert ("works_at", "Clara", "Acme Corp") in [f[:3] for f in live]
    assert ("went_to", "Ana", "Lisbon") in [f[:3] for f in live]
    assert live == _facts(memory, "b")


def test_the_turns_before_are_not_written_again(memory: Memory) -> None:
    for speaker, text in _TALK[:4]:
        memory.add({"speaker": speaker, "text": text}, namespace="a", session="s1")
    store = memory.store
    before = (sorted(store.iter_facts("a"), key=lambda f: f.id), sorted(store.iter_entities("a"), key=lambda e: e.id))
    events = len(list(store.iter_events("a")))
    memory.add({"speaker": "Ben", "text": "Sounds nice."}, namespace="a", session="s1")
    after = (sorted(store.iter_facts("a"), key=lambda f: f.id), sorted(store.iter_entities("a"), key=lambda e: e.id))
    assert after == before  # no fact re-recorded, re-evidenced or closed again; no entity renamed
    assert len(list(store.iter_events("a"))) == events + 1


def test_a_correction_of_the_turn_before_still_corrects_it(memory: Memory) -> None:
    talk = _messages([("Dana", "I work at Acme."), ("Dana", "Sorry, I meant Globex.")])
    for message in talk:
        memory.add(message, namespace="a", session="s1")
    memory.add(talk, namespace="b", session="s1")
    current = [(f.fact.predicate, f.object) for f in memory.facts(namespace="a")]
    assert ("works_at", "Globex") in current
    assert ("works_at", "Acme") not in current
    assert _facts(memory, "a") == _facts(memory, "b")


def test_a_start_told_after_the_job_dates_it_as_in_one_call(memory: Memory) -> None:
    talk = _messages([("Dana", "I got a job at Acme."), ("Dana", "I start on 1 April.")])
    for message in talk:
        memory.add(message, namespace="a", session="s1")
    memory.add(talk, namespace="b", session="s1")
    current = [(f.fact.predicate, f.object, f.fact.evidence, f.fact.valid_from) for f in memory.facts(namespace="a")]
    one_call = [(f.fact.predicate, f.object, f.fact.evidence, f.fact.valid_from) for f in memory.facts(namespace="b")]
    assert current == one_call == [("works_at", "Acme", ("ev:s1:1", "ev:s1:2"), datetime(2025, 4, 1))]
    # the version stored before is kept as memory held it, ended when the second message taught the start
    versions = [(f.fact.evidence, f.fact.expired_at) for f in memory.facts(namespace="a", all_time=True)]
    assert (("ev:s1:1",), datetime(2024, 5, 1, 10, 0, 1)) in versions


def test_the_context_is_the_session_s_own(memory: Memory) -> None:
    memory.add({"speaker": "Ana", "text": "My sister Clara lives in Rome."}, namespace="a", session="s1")
    memory.add({"speaker": "Ana", "text": "She works at Acme Corp."}, namespace="a", session="s2")
    assert ("works_at", "Clara") not in [(f.fact.predicate, f.subject) for f in memory.facts(namespace="a")]


@pytest.mark.parametrize("extra", [0, 12])
def test_the_context_is_bounded_and_in_chain_order(memory: Memory, extra: int) -> None:
    memory.add({"speaker": "Ana", "text": "My sister Clara lives in Rome."}, namespace="a", session="s1")
    for k in range(extra):  # turns between push the sister out of the window
        memory.add({"speaker": "Ben", "text": f"Okay number {k}."}, namespace="a", session="s1")
    memory.add({"speaker": "Ana", "text": "She works at Acme Corp."}, namespace="a", session="s1")
    found = ("works_at", "Clara") in [(f.fact.predicate, f.subject) for f in memory.facts(namespace="a")]
    assert found == (extra == 0)
