"""Memory.add extracts a message knowing the stored entities it names (:mod:`graphmem.entity_prior`): a firm
the namespace stored as one stays a firm in a message added alone, in another session, as in one call."""

from __future__ import annotations

from typing import Any

from graphmem import Memory

_FIRST = [("Maya", "I work at Helix Labs."), ("Jon", "Nice, how is it?")]
_LATER = [("Maya", "I quit my job at Helix Labs last week."), ("Maya", "I start at Helix Labs again on Monday.")]


def _message(speaker: str, text: str, day: int) -> dict[str, str]:
    return {"speaker": speaker, "text": text, "time": f"2024-03-{day:02d}T10:00:00"}


def _facts(memory: Memory, namespace: str) -> list[tuple[Any, ...]]:
    return sorted(
        (f.predicate, f.subject_id, f.object_id, str(f.valid_from), str(f.valid_to))
        for f in memory.store.iter_facts(namespace)
    )


def test_a_message_added_alone_types_a_stored_firm_as_one_call_does(memory: Memory) -> None:
    memory.add([_message(s, t, 1) for s, t in _FIRST], namespace="a", session="s1")
    for speaker, text in _LATER:  # each alone, in a session of its own: no turn before it names the firm
        memory.add(_message(speaker, text, 8), namespace="a", session=f"s-{len(text)}")
    memory.add([_message(s, t, 1) for s, t in _FIRST], namespace="b", session="s1")
    memory.add([_message(s, t, 8) for s, t in _LATER], namespace="b", session="s2")
    alone = _facts(memory, "a")
    assert [f[:3] for f in alone if f[0] == "works_at"] == [
        ("works_at", "ent:person:maya", "ent:organization:helix-labs")
    ] * 2
    assert alone == _facts(memory, "b")
    kinds = {ns: sorted((e.id, e.type) for e in memory.store.iter_entities(ns)) for ns in "ab"}
    assert kinds["a"] == kinds["b"] and ("ent:person:helix-labs", "Person") not in kinds["a"]
