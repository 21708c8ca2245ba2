"""What kind of answer a question asks for, and which turns hold one.

Classic question answering types the answer from the question's words: "where" and "which cities" ask
for a place, "which books" for a work, "who" for a person, "when" for a time. Extraction typed the
entities each turn mentions and resolved the time expressions in it, so a turn that mentions a thing of
the asked type (or, for "when", says when) is more likely to hold the answer. The lexicon below is
ordinary English, not tied to any data set.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from graphmem.models import EdgeType, Entity, Event, NodeKind
from graphmem.recall.fetch import edges_of, entities_by_id
from graphmem.recall.query import QueryTerms
from graphmem.store.base import Direction, GraphStore

__all__ = ["ANSWER_TYPES", "answer_things", "answer_types", "asks_time", "holds_answer_type"]


def _cues(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Entity type → question words that ask for it.
ANSWER_TYPES: dict[str, frozenset[str]] = {
    "Place": _cues(
        "where city cities country countries place places town towns state states location locations region "
        "regions village villages continent visit visited visiting travel traveled travelled trip trips "
        "vacation vacations"
    ),
    "Work": _cues("book books novel novels movie movies film films song songs album albums series poem poems"),
    "Organization": _cues(
        "company companies organization organizations organisation organisations charity charities team "
        "teams band bands club clubs"
    ),
    "Person": _cues("who whom whose friend friends people person artist artists author authors"),
    "Occasion": _cues("festival festivals holiday holidays"),
    "Product": _cues("brand brands product products"),
    "Language": _cues("language languages"),
    "Group": _cues("nationality nationalities religion religions"),
}

#: How questions that ask for a time begin, or what they contain.
_TIME_QUESTION = re.compile(
    r"^\s*when\b|\b(?:what|which)\s+(?:year|month|day|date|time|week|season)\b|\bhow\s+long\b|\bsince\s+when\b",
    re.IGNORECASE,
)


def answer_types(query: QueryTerms) -> set[str]:
    """The entity types the question asks for (empty when it asks for none in particular)."""
    words = {w.casefold() for w in query.text.replace("?", " ").split()}
    words = {w.strip(".,;:!\"'()") for w in words}
    return {etype for etype, cues in ANSWER_TYPES.items() if words & cues}


def asks_time(query: QueryTerms) -> bool:
    """Whether the question asks when something happened (or how long ago)."""
    return _TIME_QUESTION.search(query.text) is not None


def holds_answer_type(
    store: GraphStore,
    namespace: str,
    events: Iterable[Event],
    types: set[str],
    participants: set[str],
) -> set[str]:
    """Ids of the events that mention an entity of one of ``types`` (see :func:`answer_things`)."""
    return set(answer_things(store, namespace, events, types, participants))


def answer_things(
    store: GraphStore,
    namespace: str,
    events: Iterable[Event],
    types: set[str],
    participants: set[str],
) -> dict[str, list[Entity]]:
    """Event id → the entities of one of ``types`` it mentions, for the events that mention any.

    People who take part in the conversation do not count as an answer to "who": every turn mentions
    them.
    """
    found: dict[str, list[Entity]] = {}
    if not types:
        return found
    events = list(events)
    edges = edges_of(
        store, namespace, [ev.id for ev in events], edge_types=[EdgeType.MENTIONS], direction=Direction.OUT
    )
    named = entities_by_id(
        store, namespace, (nb.node_id for ev in events for nb in edges[ev.id] if nb.kind is NodeKind.ENTITY)
    )
    for ev in events:
        for nb in edges[ev.id]:
            ent = named.get(nb.node_id) if nb.kind is NodeKind.ENTITY else None
            if ent is None or (ent.type == "Person" and " ".join(ent.name.casefold().split()) in participants):
                continue
            if ent.type in types and all(ent.id != e.id for e in found.get(ev.id, ())):
                found.setdefault(ev.id, []).append(ent)
    return found
