"""A talk about Dana Quillfeather over three sessions, and what a reader finds of a name afterwards: shared
by the tests of ``Memory.forget(session=...)`` and ``forget(about=...)`` on every backend."""

from __future__ import annotations

import io
from typing import Any

import pytest

from graphmem.errors import NotFoundError
from graphmem.export import export_graph
from graphmem.memory import Memory
from graphmem.store.base import RunsCypher

#: Words only the messages about Dana hold (her name, her surname, her cat's name, her secret).
HERS = ("dana", "quillfeather", "mochi", "zanzibar")

SESSION_1 = [
    {"speaker": "Ann", "text": "I love hiking in the Alps.", "time": "2024-05-01T10:00"},
    {"speaker": "Ann", "text": "I met Dana Quillfeather at the climbing gym.", "time": "2024-05-01T10:01"},
    {"speaker": "Bob", "text": "Nice, I work at Globex in Lisbon.", "time": "2024-05-01T10:02"},
    {
        "speaker": "Ann",
        "text": "She told me about her trip to Zanzibar, dana said it was lovely.",
        "time": "2024-05-01T10:03",
    },
    {"speaker": "Bob", "text": "Hiking keeps me sane.", "time": "2024-05-01T10:04"},
]
SESSION_2 = [
    {"speaker": "Dana", "text": "Hi, I adopted a cat called Mochi.", "time": "2024-05-03T10:00"},
    {"speaker": "Ann", "text": "Cute! I moved to Porto last week.", "time": "2024-05-03T10:01"},
]
SESSION_3 = [
    {"speaker": "Bob", "text": "I started learning the cello.", "time": "2024-05-05T10:00"},
    {"speaker": "Ann", "text": "The cello sounds lovely.", "time": "2024-05-05T10:01"},
    {"speaker": "Bob", "text": "My teacher lives in Lisbon.", "time": "2024-05-05T10:02"},
]


def tell(mem: Memory, ns: str) -> dict[str, list[str]]:
    """Store the talk in ``ns``; the event ids of each session (``session_1``, ``s2``, ``s3``)."""
    return {
        "session_1": mem.add(SESSION_1, namespace=ns),
        "s2": mem.add(SESSION_2, namespace=ns, session="s2"),
        "s3": mem.add(SESSION_3, namespace=ns, session="s3"),
    }


def everything(mem: Memory, ns: str) -> str:
    """What a reader of the store finds of ``ns``, lower case: its exports (with vectors), every entity's
    names, every fact version's ends, and on a Cypher server every node and relationship of it."""
    store = mem.store
    parts = []
    for fmt in ("json", "cypher", "graphml"):
        out = io.StringIO()
        export_graph(store, out, fmt, namespace=ns, embeddings=fmt != "graphml")
        parts.append(out.getvalue())
    parts += [repr(e) for e in store.iter_entities(ns)]
    parts += [repr(f) for f in store.iter_facts(ns, history=True)]
    if isinstance(store, RunsCypher):
        parts.append(repr(store.run_cypher("MATCH (n) WHERE n.namespace = $ns RETURN n", {"ns": ns})))
        parts.append(repr(store.run_cypher("MATCH ()-[r]->() WHERE r.namespace = $ns RETURN r", {"ns": ns})))
    return "\n".join(parts).lower()


def check_nothing_of(mem: Memory, ns: str, words: tuple[str, ...], *, name: str = "Dana") -> None:
    """Nothing of ``words`` is left in ``ns``: not in recall, facts (every version), the DSL, the full-text
    index, an export or (on a server) a node; ``name`` names no entity for ``timeline``."""
    found = everything(mem, ns)
    for word in words:
        assert word not in found, f"{word!r} is still in the store"
        assert mem.store.search_text(ns, word) == []
        hits = mem.recall(f"What about {word}?", namespace=ns, k=20)
        assert all(word not in h.event.text.lower() for h in hits)
        rows = mem.query("FIND (e:Event) RETURN e.text", namespace=ns).rows
        assert all(word not in str(row).lower() for row in rows)
        rows = mem.query("FIND (p:Entity) RETURN p.name", namespace=ns).rows
        assert all(word not in str(row).lower() for row in rows)
    facts = mem.facts(namespace=ns, all_time=True)
    assert all(w not in repr(f).lower() for f in facts for w in words)
    with pytest.raises(NotFoundError):
        mem.timeline(name, namespace=ns)


def texts(mem: Memory, ns: str) -> list[str]:
    """The texts of ``ns``'s events, in session and turn order."""
    return [ev.text for ev in sorted(mem.store.iter_events(ns), key=lambda ev: (ev.session, ev.seq))]


def kept_state(mem: Memory, ns: str) -> tuple[Any, ...]:
    """What ``ns`` holds, to compare two stores that forgot the same way: texts, entities, facts, vectors."""
    store = mem.store
    events = sorted((ev.id, ev.text) for ev in store.iter_events(ns))
    entities = sorted((e.id, e.name, e.aliases) for e in store.iter_entities(ns))
    facts = sorted((f.id, f.subject_id, f.predicate, f.object_id) for f in store.iter_facts(ns, history=True))
    vectors = sorted((node, tuple(round(x, 5) for x in vec)) for node, vec, _ in store.iter_embeddings(ns))
    return events, entities, facts, vectors
