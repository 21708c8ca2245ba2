"""The Cypher data model of graphmem: labels, relationship types, the schema, and property conversion.

Nodes are ``:Session``, ``:Event`` and ``:Entity`` (plus ``:Source`` bookkeeping, one
``:GraphmemPosition`` node per session id holding the highest position it gave an event, one
``:GraphmemForgottenLive`` node per place of a message added live and forgotten since, one
``:GraphmemNamespace`` node per namespace holding its change counter (:mod:`graphmem.store.cypher.changes`)
and one ``:GraphmemSchema`` node holding the schema version and the store id); every node but the last and every
relationship carries ``namespace``.
Relationships are the :class:`~graphmem.models.EdgeType` names::

    (:Event)-[:IN_SESSION]->(:Session)          (:Session)-[:NEXT_SESSION]->(:Session)
    (:Event)-[:NEXT]->(:Event)                  (:Event)-[:SPOKEN_BY {role: "speaker"}]->(:Entity)
    (:Event)-[:MENTIONS {role}]->(:Entity)      (:Entity)-[:FACT {id, predicate, ...}]->(:Entity)

Datetimes are stored as Cypher ``LOCAL DATETIME`` values in UTC (aware values are converted, as in the
embedded store); an event's resolved time expressions are a JSON string ``times``; embeddings are a
float list ``embedding`` with ``embedding_model`` and ``embedding_scheme`` (the embedded-text scheme of
:mod:`graphmem.embed_text`; absent = unknown) on the node they describe. An event's ``session_order`` is
its session id as a key of natural order (:func:`~graphmem.models.natural_sort_text`), which the query
language sorts tied events by (Cypher cannot compute it); the upgrade to schema 4 adds it to events an older
graphmem wrote (:func:`graphmem.store.cypher.setup.order_events`).

Properties read back are checked (:mod:`graphmem.store.cypher.props`): one of the wrong type, as a hand
edit or another application's node may leave, is a :class:`~graphmem.errors.MalformedNodeError` naming
the node and the fix.

Labels and types reach Cypher text only from the allow-lists here (:data:`NODE_LABELS`,
:data:`REL_TYPES`); every value is a query parameter. The schema is data (:data:`SCHEMA`): which
constraints and indexes exist; each server's :class:`~graphmem.store.cypher.dialect.CypherDialect` writes
their DDL.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from graphmem.models import EdgeType, Entity, Event, Fact, NodeKind, Session, TimeRef, natural_sort_text
from graphmem.store.cypher.props import PropReader, dt_in, dt_out
from graphmem.text import normalise_name

__all__ = [
    "CJK_FULLTEXT_INDEX",
    "ENTITY_KEYS",
    "EVENT_KEYS",
    "FULLTEXT_INDEX",
    "KIND_OF_LABEL",
    "LABEL_OF_KIND",
    "NODE_LABELS",
    "REL_TYPES",
    "SCHEMA",
    "SCHEMA_VERSION",
    "VECTOR_INDEX",
    "IndexSpec",
    "caption_of_session",
    "dt_in",
    "dt_out",
    "entity_from_props",
    "entity_row",
    "event_caption",
    "event_from_props",
    "event_row",
    "fact_from_props",
    "fact_row",
    "label_for",
    "name_key",
    "name_keys",
    "projection",
    "rel_type_for",
    "session_caption",
    "session_from_props",
    "session_row",
    "vector_in",
]

#: Bumped whenever the graph layout changes; a database with a higher number is refused. Version 2: an
#: entity's ``name_keys`` drop accents (see :func:`name_key`); opening a version 1 database recomputes them.
#: Version 3: every write transaction bumps the namespace's change counter, so a graphmem that does not
#: (and whose writes other clients would miss) refuses the database. Version 4 (6 Dec 2026) changes no label or
#: property but what stored data means, as the embedded store's schema 8 does: a turn print (a ``:Source``
#: ``<key>#turns@<session>``) carries a speaker-free digest by which a forgotten file turn is held back (a
#: graphmem of schema 3 reads such a print as a changed turn and writes the forgotten turn back), each
#: session's highest position is kept on a ``:GraphmemPosition`` node, ``NEXT`` chains follow time then
#: position and ``NEXT_SESSION`` links the natural order of session ids. Opening a version 3 database for
#: writing fills in the last three (:mod:`graphmem.store.cypher.upgrade`).
SCHEMA_VERSION = 4

LABEL_OF_KIND: Mapping[NodeKind, str] = {
    NodeKind.SESSION: "Session",
    NodeKind.EVENT: "Event",
    NodeKind.ENTITY: "Entity",
}
KIND_OF_LABEL: Mapping[str, NodeKind] = {v: k for k, v in LABEL_OF_KIND.items()}
#: Every node label graphmem writes (the only labels that may appear in generated Cypher).
NODE_LABELS: frozenset[str] = frozenset(
    {
        *LABEL_OF_KIND.values(),
        "Source",
        "GraphmemPosition",
        "GraphmemForgottenLive",
        "GraphmemNamespace",
        "GraphmemSchema",
    }
)
#: Every relationship type graphmem writes.
REL_TYPES: frozenset[str] = frozenset(t.value for t in EdgeType)

FULLTEXT_INDEX = "graphmem_event_text"
#: A second full-text index on event text, for the bigrams of unspaced scripts (Lucene's CJK analyzer).
CJK_FULLTEXT_INDEX = "graphmem_event_text_cjk"

#: What reads return of an event: every model property, never the embedding (hundreds of floats).
EVENT_KEYS = (
    "namespace",
    "id",
    "session",
    "seq",
    "speaker",
    "text",
    "occurred_at",
    "source_id",
    "source_file",
    "source_line",
    "kind",
    "times",
)


#: What reads return of an entity (its ``name_keys`` are derived from these).
ENTITY_KEYS = ("namespace", "id", "name", "type", "aliases")


def projection(var: str, keys: tuple[str, ...]) -> str:
    """A Cypher map projection of the node ``var`` (a variable of graphmem's own text) on ``keys``."""
    return f"{var} {{{', '.join('.' + k for k in keys)}}}"


#: The vector index on ``Event.embedding``, where the dialect has one (Neo4j 5.13+).
VECTOR_INDEX = "graphmem_event_embedding"


def label_for(kind: NodeKind | str) -> str:
    """The node label of a kind, from the allow-list; anything else is a ``ValueError``."""
    label = LABEL_OF_KIND.get(NodeKind(kind))
    if label is None or label not in NODE_LABELS:  # pragma: no cover - the enum is closed
        raise ValueError(f"no label for node kind {kind!r}")
    return label


def rel_type_for(edge: EdgeType | str) -> str:
    """The relationship type of an edge type, from the allow-list; anything else is a ``ValueError``."""
    value = EdgeType(edge).value
    if value not in REL_TYPES:  # pragma: no cover - the enum is closed
        raise ValueError(f"unknown relationship type {edge!r}")
    return value


@dataclass(frozen=True, slots=True)
class IndexSpec:
    """One constraint or index of the schema, as data; a dialect writes its DDL.

    ``kind`` is ``"unique"`` (a uniqueness constraint on node properties), ``"node"`` (a node property
    index) or ``"relationship"`` (a relationship property index); ``target`` is the label or type.
    """

    name: str
    kind: str
    target: str
    props: tuple[str, ...]


def _unique(name: str, label: str, *props: str) -> IndexSpec:
    return IndexSpec(name, "unique", label, props)


def _index(name: str, label: str, *props: str) -> IndexSpec:
    return IndexSpec(name, "node", label, props)


def _rel_index(name: str, rel_type: str, *props: str) -> IndexSpec:
    return IndexSpec(name, "relationship", rel_type, props)


#: The constraints and indexes, created idempotently on open. The full-text index on event text
#: (:data:`FULLTEXT_INDEX`) is not here: whether and how a server has one is up to its dialect.
SCHEMA: tuple[IndexSpec, ...] = (
    _unique("graphmem_session_key", "Session", "namespace", "id"),
    _unique("graphmem_event_key", "Event", "namespace", "id"),
    _unique("graphmem_entity_key", "Entity", "namespace", "id"),
    _unique("graphmem_source_key", "Source", "namespace", "key"),
    _unique("graphmem_namespace_key", "GraphmemNamespace", "namespace"),
    _unique("graphmem_position_key", "GraphmemPosition", "namespace", "session"),
    _index("graphmem_session_ns", "Session", "namespace"),
    _index("graphmem_event_ns", "Event", "namespace"),
    _index("graphmem_entity_ns", "Entity", "namespace"),
    _index("graphmem_event_session", "Event", "namespace", "session"),
    _index("graphmem_event_time", "Event", "namespace", "occurred_at"),
    _index("graphmem_event_source", "Event", "namespace", "source_id"),
    _index("graphmem_entity_name", "Entity", "namespace", "name"),
    _rel_index("graphmem_fact_key", "FACT", "namespace", "id"),
    _rel_index("graphmem_fact_ns", "FACT", "namespace"),
)


# -- values ------------------------------------------------------------------------------------------


def _times_in(times: Sequence[TimeRef]) -> str:
    def iso(d: datetime | None) -> str | None:
        d = dt_in(d)
        return None if d is None else d.isoformat()

    return json.dumps([[t.phrase, iso(t.start), iso(t.end), t.grain] for t in times], ensure_ascii=False)


def name_key(name: str) -> str:
    """The key entity names are looked up by: accents dropped, case-folded, inner whitespace collapsed.

    The same key as the embedded store's (:func:`graphmem.text.normalise_name`), so both
    backends find ``Inês`` by ``ines``.
    """
    return normalise_name(name)


def name_keys(name: str, aliases: Sequence[str] = ()) -> list[str]:
    """The lookup keys of an entity's name and aliases, without repeats (its ``name_keys`` property)."""
    return list(dict.fromkeys(name_key(n) for n in (name, *aliases)))


def vector_in(vector: Sequence[float]) -> list[float]:
    """A vector as stored: float32 precision (as in the embedded store and the hnswlib index)."""
    import numpy as np

    return [float(x) for x in np.asarray(vector, dtype=np.float32).reshape(-1)]


# -- rows written (parameters of UNWIND $rows) ---------------------------------------------------------


def session_row(s: Session) -> dict[str, Any]:
    """A session as a parameter row."""
    return {
        "id": s.id,
        "index": s.index,
        "started_at": dt_in(s.started_at),
        "date_text": s.date_text,
        "caption": session_caption(s),
    }


def session_caption(s: Session) -> str:
    """What Neo4j Browser shows on a session node (``docs/graphmem.grass``): the date its header gave, else
    when it started, else its id (a live or JSONL session has no header)."""
    return caption_of_session(s.id, s.started_at, s.date_text)


def caption_of_session(session_id: str, started_at: datetime | date | None, date_text: str | None) -> str:
    """:func:`session_caption` from a session node's stored properties (a stored ``DATE`` reads as midnight)."""
    if date_text:
        return date_text
    when = dt_out(started_at)
    return f"{when:%Y-%m-%d %H:%M}" if when is not None else session_id


def event_row(e: Event) -> dict[str, Any]:
    """An event as a parameter row."""
    return {
        "id": e.id,
        "session": e.session,
        "session_order": natural_sort_text(e.session),
        "seq": e.seq,
        "speaker": e.speaker,
        "text": e.text,
        "occurred_at": dt_in(e.occurred_at),
        "source_id": e.source_id,
        "source_file": e.source_file,
        "source_line": e.source_line,
        "kind": e.kind,
        "times": _times_in(e.times),
        "happened": dt_in(span[0]) if (span := e.happened) is not None else None,
        "happened_end": dt_in(span[1]) if span is not None else None,
        "caption": event_caption(e),
    }


def event_caption(e: Event) -> str:
    """What Neo4j Browser shows on an event node (``docs/graphmem.grass``): its time and a text snippet."""
    when = dt_in(e.occurred_at)
    snippet = " ".join(e.text.split())
    if len(snippet) > 40:
        snippet = snippet[:39] + "…"
    return f"{when:%Y-%m-%d %H:%M} {snippet}" if when is not None else snippet


def entity_row(e: Entity) -> dict[str, Any]:
    """An entity as a parameter row (``name_keys`` holds the lookup keys of its name and aliases)."""
    return {
        "id": e.id,
        "name": e.name,
        "type": e.type,
        "aliases": list(e.aliases),
        "name_keys": name_keys(e.name, e.aliases),
    }


def fact_row(f: Fact) -> dict[str, Any]:
    """A fact as a parameter row."""
    return {
        "id": f.id,
        "subject": f.subject_id,
        "object": f.object_id,
        "predicate": f.predicate,
        "recorded_at": dt_in(f.recorded_at),
        "valid_from": dt_in(f.valid_from),
        "valid_to": dt_in(f.valid_to),
        "expired_at": dt_in(f.expired_at),
        "evidence": list(f.evidence),
        "time_phrase": f.time_phrase,
        "confidence": float(f.confidence),
        "revised_by": list(f.revised_by),
    }


# -- models read back ------------------------------------------------------------------------------------


def session_from_props(p: Mapping[str, Any]) -> Session:
    """Node properties back to a :class:`Session` (a property of the wrong type: :class:`MalformedNodeError`)."""
    r = PropReader("Session", p)
    return Session(
        r.required_text("namespace"),
        r.required_text("id"),
        r.required_integer("index"),
        r.moment("started_at"),
        r.text("date_text"),
    )


def event_from_props(p: Mapping[str, Any]) -> Event:
    """Node properties back to an :class:`Event` (a property of the wrong type: :class:`MalformedNodeError`)."""
    r = PropReader("Event", p)
    return Event(
        r.required_text("namespace"),
        r.required_text("id"),
        r.required_text("session"),
        r.required_integer("seq"),
        r.text("speaker"),
        r.text("text") or "",
        r.moment("occurred_at"),
        r.text("source_id"),
        r.text("source_file"),
        r.integer("source_line"),
        r.text("kind") or "utterance",
        r.time_refs("times"),
    )


def entity_from_props(p: Mapping[str, Any]) -> Entity:
    """Node properties back to an :class:`Entity` (a property of the wrong type: :class:`MalformedNodeError`)."""
    r = PropReader("Entity", p)
    return Entity(
        r.required_text("namespace"),
        r.required_text("id"),
        r.required_text("name"),
        r.text("type") or "Thing",
        r.texts("aliases"),
    )


def fact_from_props(p: Mapping[str, Any], subject_id: str, object_id: str) -> Fact:
    """FACT relationship properties (and its end ids) back to a :class:`Fact` (a property of the wrong type:
    :class:`MalformedNodeError`)."""
    r = PropReader("FACT", p)
    return Fact(
        r.required_text("namespace"),
        r.required_text("id"),
        subject_id,
        r.required_text("predicate"),
        object_id,
        r.required_moment("recorded_at"),
        r.moment("valid_from"),
        r.moment("valid_to"),
        r.moment("expired_at"),
        r.texts("evidence"),
        r.text("time_phrase"),
        r.number("confidence", 1.0),
        r.texts("revised_by"),
    )
