"""Memory.add extracts a message knowing the stored entities it names (:mod:`graphmem.entity_prior`): a firm
the namespace stored as one stays a firm in a message added alone, in another session, as in one call."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graphmem import EdgeType, Memory
from graphmem.store.base import Direction
from tests.ingest.test_reingest import BACKENDS, _open

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


# A city first named in a question (NER: an organisation), then told as a home; a pet named later beside a
# firm (NER: the pet a place). One call types them from the whole dialogue: Bristol a Place, Mango a Thing.
_DIALOGUE = [
    ("Grace", "Hi Owen! I just got back from a trip.", "2023-03-04T10:00:00"),  # so Owen's "you" is Grace alone too
    ("Owen", "Nice. Are you still in Bristol?", "2023-03-04T10:01:00"),
    ("Grace", "Yes, I live in Bristol near the harbour.", "2023-03-04T10:02:00"),
    ("Kemi", "I just got a puppy named Mango! She is a beagle.", "2023-03-04T10:03:00"),
    ("Kemi", "Mango loved it. I quit my job at Hartley Bank on Friday.", "2023-08-20T18:01:00"),
]


def _records(memory: Memory, namespace: str) -> dict[str, list[tuple[Any, ...]]]:
    store = memory.store
    events = [e.id for e in store.iter_events(namespace)]
    return {
        "entities": sorted((e.id, e.name, e.type) for e in store.iter_entities(namespace)),
        "mentions": sorted(
            (event, n.node_id, n.role)
            for event in events
            for n in store.neighbors(namespace, event, edge_types=[EdgeType.MENTIONS], direction=Direction.OUT)
        ),
        "facts": sorted(
            (f.id, f.predicate, f.subject_id, f.object_id, str(f.valid_from), str(f.valid_to))
            for f in store.iter_facts(namespace)
        ),
    }


@pytest.fixture(params=BACKENDS)
def spacy_memory(request: pytest.FixtureRequest, tmp_path: Path, nlp: Any) -> Iterator[Memory]:
    """An empty memory on each backend, extracting with spaCy."""
    with _open(request, tmp_path, nlp) as opened:
        yield opened


def _live_and_batch(memory: Memory, dialogue: list[tuple[str, str, str]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The records of ``dialogue`` added one message at a time (namespace ``live``) and in one call (``batch``)."""
    for speaker, text, time in dialogue:
        memory.add({"speaker": speaker, "text": text, "time": time}, namespace="live")
    memory.add([{"speaker": s, "text": t, "time": when} for s, t, when in dialogue], namespace="batch")
    return _records(memory, "live"), _records(memory, "batch")


def test_messages_added_one_at_a_time_are_typed_as_one_call_types_them(spacy_memory: Memory) -> None:
    live, batch = _live_and_batch(spacy_memory, _DIALOGUE)
    assert ("ent:place:bristol", "Bristol", "Place") in batch["entities"]
    assert ("ent:thing:mango", "Mango", "Thing") in batch["entities"]
    for kind in ("entities", "mentions", "facts"):
        assert live[kind] == batch[kind], kind
    found = spacy_memory.query(
        'FIND (k:Person {name: "Kemi"})-[:FACT {predicate: "has_pet"}]->(p:Thing) RETURN p.name', namespace="live"
    )
    assert found.rows == (("Mango",),)


def test_a_name_stored_as_a_place_named_later_as_a_partner_is_the_person_one_call_makes(
    spacy_memory: Memory,
) -> None:
    dialogue = [  # NER takes Jamal for a place (GPE) in both of Nora's turns
        ("Nora", "Sorry, I meant Tuesday, not Friday. Friday is Jamal's work party.", "2023-03-04T10:00:00"),
        ("Theo", "Ha, fine. Who is Jamal again?", "2023-03-04T10:01:00"),
        ("Nora", "My partner Jamal is a nurse.", "2023-03-04T10:02:00"),
    ]
    live, batch = _live_and_batch(spacy_memory, dialogue)
    assert ("ent:person:jamal", "Jamal", "Person") in batch["entities"]
    assert [f[1:4] for f in batch["facts"]] == [("dating", "ent:person:nora", "ent:person:jamal")]
    for kind in ("entities", "mentions", "facts"):
        assert live[kind] == batch[kind], kind
