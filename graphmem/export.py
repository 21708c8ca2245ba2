"""Export a store for other tools: JSON (lossless with its embeddings), GraphML (Gephi, yEd) and Cypher.

Every format is read through the :class:`~graphmem.store.base.GraphStore` protocol, so any backend
exports. The Cypher script (:mod:`graphmem.export_cypher`) rebuilds the graph in the shape the Neo4j store
writes (constraints and indexes first), with values as escaped literals, so ``cypher-shell -f graph.cypher``
or Neo4j Browser load it and ``Memory.open("neo4j://…")`` reads it back.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import IO, Any

from graphmem.errors import ConfigError, StoreError
from graphmem.export_cypher import cypher_literal, iter_cypher_statements
from graphmem.export_vectors import BadRecord, models_json, vectors_from_json
from graphmem.models import (
    Batch,
    EdgeType,
    Entity,
    Event,
    Fact,
    Mention,
    Session,
    SourceRecord,
    TimeRef,
    chain_order,
    session_order_key,
    validate_namespace,
)
from graphmem.namespaces import require_namespace
from graphmem.store.base import GraphStore, KeepsPositions, ReadsSnapshots, iter_event_embedding_origins
from graphmem.store.cypher.schema import (
    entity_row,
    event_row,
    fact_row,
    session_row,
)
from graphmem.store.validate import first_dangling_within

__all__ = [
    "EXPORT_VERSION",
    "FORMATS",
    "ExportSummary",
    "NamespaceDump",
    "batches_from_json",
    "cypher_literal",
    "dump_namespace",
    "dumps_from_json",
    "export_graph",
    "iter_cypher_statements",
    "positions_of_events",
]

FORMATS = ("json", "graphml", "cypher")
#: The ``"version"`` of the JSON export this graphmem writes; it reads this one and every older one
#: (1: without ``"sources"``, the ingest bookkeeping; 2: without each fact version's ``"revised_by"``,
#: read as none, as the store of a graphmem before it held them). ``"positions"`` (each session's highest
#: position given) is optional: an export without it takes the positions of its events; so is
#: ``"forgotten_live"`` (the places of forgotten live messages): an export without it has none; and so is
#: ``"models"`` (each model's vector dimension, :mod:`graphmem.export_vectors`).
EXPORT_VERSION = 3


@dataclass
class NamespaceDump:
    """Everything one namespace holds, read through the store protocol."""

    namespace: str
    sessions: list[Session]
    events: list[Event]
    entities: list[Entity]
    mentions: list[Mention]
    facts: list[Fact]
    embeddings: list[tuple[str, list[float], str]] = field(default_factory=list)
    #: The embedded-text scheme of each event vector whose scheme is known (``Batch.embedding_scheme``).
    schemes: dict[str, str] = field(default_factory=dict)
    #: The ingest bookkeeping (:class:`~graphmem.models.SourceRecord`): each input's record, its sessions'
    #: turn fingerprints (:mod:`graphmem.ingest_prints`), so a restored store skips unchanged inputs and
    #: keeps forgotten turns forgotten.
    sources: list[SourceRecord] = field(default_factory=list)
    #: Session id → the highest position it has given an event, forgotten events and deleted sessions
    #: included (:class:`~graphmem.store.base.KeepsPositions`), so live ingestion into a copy numbers after it.
    positions: dict[str, int] = field(default_factory=dict)
    #: ``(session id, position)`` of each message added live and forgotten since, by session and position
    #: (:meth:`~graphmem.store.base.KeepsPositions.forgotten_live`), so a file ingested into a copy never
    #: gives their event ids again.
    forgotten_live: tuple[tuple[str, int], ...] = ()

    def position_marks(self) -> tuple[tuple[str, int], ...]:
        """The positions as :attr:`Batch.positions <graphmem.models.Batch>` marks, by session id."""
        return tuple(sorted(self.positions.items()))

    def embedding_batches(self, per_batch: int | None) -> list[Batch]:
        """The stored embeddings, one model and embedded-text scheme per batch (``per_batch`` vectors at
        most; ``None``: no cap)."""
        by_origin: dict[tuple[str, str], list[tuple[str, list[float]]]] = {}
        for node_id, vector, model in self.embeddings:
            by_origin.setdefault((model, self.schemes.get(node_id, "")), []).append((node_id, vector))
        batches = []
        for (model, scheme), vectors in sorted(by_origin.items()):
            size = per_batch or len(vectors)
            for start in range(0, len(vectors), size):
                chunk = tuple(vectors[start : start + size])
                batches.append(
                    Batch(
                        self.namespace,
                        embeddings=chunk,
                        embedding_model=model or "unknown",
                        embedding_scheme=scheme or None,
                    )
                )
        return batches

    def digest(self) -> bytes:
        """A digest of everything the dump holds: two reads of a namespace that did not change between them
        give the same one (a sync compares them, :func:`graphmem.sync.sync_stores`)."""
        h = hashlib.blake2b(digest_size=32)
        parts: tuple[Iterable[object], ...] = (
            self.sessions,
            self.events,
            self.entities,
            self.mentions,
            self.facts,
            sorted(self.schemes.items()),
            self.sources,
            self.position_marks(),
            self.forgotten_live,
        )
        h.update(self.namespace.encode("utf-8", "surrogatepass"))
        for part in parts:
            h.update(b"\x00part")
            for record in part:  # a record's repr gives every field (a float's exactly)
                h.update(repr(record).encode("utf-8", "surrogatepass") + b"\x00")
        h.update(b"\x00embeddings")
        for node, vector, model in self.embeddings:
            h.update(repr((node, model, len(vector))).encode("utf-8", "surrogatepass"))
            h.update(array("d", vector).tobytes())
        return h.digest()

    def next_pairs(self) -> list[tuple[str, str]]:
        """The derived NEXT edges: consecutive events of each session, by time, then position
        (:func:`~graphmem.models.chain_key`)."""
        pairs: list[tuple[str, str]] = []
        for _, group in itertools.groupby(chain_order(self.events), key=lambda e: e.session):
            pairs.extend(itertools.pairwise(e.id for e in group))
        return pairs

    def next_session_pairs(self) -> list[tuple[str, str]]:
        """The derived NEXT_SESSION edges: consecutive sessions, by index, then id in natural order
        (:func:`~graphmem.models.session_order_key`, the order the stores list and link them)."""
        ordered = sorted(self.sessions, key=lambda s: session_order_key(s.index, s.id))
        return list(itertools.pairwise(s.id for s in ordered))


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote."""

    format: str
    namespaces: int
    nodes: int
    edges: int


#: How many times :func:`dump_namespace` reads a namespace of a store without snapshots that another writer
#: changes while it is read, before it gives up.
READ_ATTEMPTS = 3


def dump_namespace(store: GraphStore, namespace: str, *, embeddings: bool = True) -> NamespaceDump:
    """Read a whole namespace (events in session order, the rest by id) as it stood at one moment.

    A store that reads snapshots (:class:`~graphmem.store.base.ReadsSnapshots`, the embedded store) is read in
    one. Another (a server) is read record kind by record kind; if a writer changed the namespace meanwhile
    so that a record names one the read missed (a mention of a message added after the messages were
    read), it is read again, up to :data:`READ_ATTEMPTS` times.

    Raises:
        StoreError: the namespace was still changing after :data:`READ_ATTEMPTS` reads.
    """
    if isinstance(store, ReadsSnapshots):
        with store.snapshot():
            return _read_namespace(store, namespace, embeddings)
    for _ in range(READ_ATTEMPTS):
        dump = _read_namespace(store, namespace, embeddings)
        dangling = _first_dangling(dump)
        if dangling is None:
            return dump
    raise StoreError(
        f"namespace {namespace!r} of {store.uri} kept changing while it was read ({READ_ATTEMPTS} times: "
        f"{dangling}, which another writer added or removed meanwhile); run it again when fewer writes are made"
    )


def _read_namespace(store: GraphStore, namespace: str, embeddings: bool) -> NamespaceDump:
    events = list(store.iter_events(namespace))
    positions = positions_of_events(events)
    forgotten: tuple[tuple[str, int], ...] = ()
    if isinstance(store, KeepsPositions):  # forgotten events and deleted sessions count too
        for session, high in store.last_positions(namespace).items():
            positions[session] = max(positions.get(session, high), high)
        places = store.forgotten_live(namespace).items()
        forgotten = tuple(sorted((session, seq) for session, seqs in places for seq in seqs))
    return NamespaceDump(
        namespace,
        list(store.iter_sessions(namespace)),
        events,
        list(store.iter_entities(namespace)),
        [Mention(namespace, e, x, role) for e, x, role in store.iter_mentions(namespace)],
        list(store.iter_facts(namespace, history=True)),
        list(store.iter_embeddings(namespace)) if embeddings else [],
        _schemes(store, namespace) if embeddings else {},
        store.source_records(namespace, ""),
        positions,
        forgotten,
    )


def _first_dangling(dump: NamespaceDump) -> str | None:
    """How a record of ``dump`` names a node the dump lacks (the first found), or ``None``."""
    found = first_dangling_within(
        dump.sessions, dump.events, dump.entities, dump.mentions, dump.facts, (node for node, _, _ in dump.embeddings)
    )
    return None if found is None else f"{found.owner} {found.clause}"


def positions_of_events(events: Iterable[Event]) -> dict[str, int]:
    """Session id → the highest position of these events in it (what a store without its own marks, or an
    export without ``"positions"``, tells of the positions given)."""
    highs: dict[str, int] = {}
    for e in events:
        highs[e.session] = max(highs.get(e.session, e.seq), e.seq)
    return highs


def _schemes(store: GraphStore, namespace: str) -> dict[str, str]:
    """Event id → the embedded-text scheme of its vector, for the vectors whose scheme is known."""
    rows = iter_event_embedding_origins(store, namespace, page=10_000)
    return {event_id: scheme for event_id, _model, scheme in rows if scheme}


def _namespaces(store: GraphStore, namespace: str | None) -> list[str]:
    existing = store.namespaces()
    if namespace is None:
        return existing
    return [require_namespace(namespace, existing, where=store.uri)]


def export_graph(
    store: GraphStore, out: IO[str], fmt: str, *, namespace: str | None = None, embeddings: bool = False
) -> ExportSummary:
    """Write the store (or one namespace) to ``out`` in ``fmt`` (``json``, ``graphml`` or ``cypher``).

    Args:
        store: the store to read.
        out: a text stream.
        fmt: one of :data:`FORMATS`.
        namespace: only this namespace.
        embeddings: include embedding vectors (JSON and Cypher; GraphML never does).

    Raises:
        ConfigError: an unknown format, or a namespace that holds no data.
    """
    if fmt not in FORMATS:
        raise ConfigError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    dumps = [dump_namespace(store, ns, embeddings=embeddings) for ns in _namespaces(store, namespace)]
    nodes = sum(len(d.sessions) + len(d.events) + len(d.entities) for d in dumps)
    edges = sum(
        2 * len(d.events)
        - len({e.session for e in d.events})
        + len(d.mentions)
        + len(d.facts)
        + max(len(d.sessions) - 1, 0)
        for d in dumps
    )
    if fmt == "json":
        json.dump(_to_json(dumps), out, ensure_ascii=False, indent=1)
        out.write("\n")
    elif fmt == "graphml":
        _write_graphml(dumps, out)
    else:
        for statement in iter_cypher_statements(dumps):
            out.write(statement + ";\n")
    return ExportSummary(fmt, len(dumps), nodes, edges)


# -- JSON ------------------------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _time_json(t: TimeRef) -> dict[str, Any]:
    return {"phrase": t.phrase, "start": _iso(t.start), "end": _iso(t.end), "grain": t.grain}


def _to_json(dumps: Sequence[NamespaceDump]) -> dict[str, Any]:
    spaces = []
    for d in dumps:
        spaces.append(
            {
                "namespace": d.namespace,
                "sessions": [
                    {"id": s.id, "index": s.index, "started_at": _iso(s.started_at), "date_text": s.date_text}
                    for s in d.sessions
                ],
                "events": [
                    {
                        "id": e.id,
                        "session": e.session,
                        "seq": e.seq,
                        "speaker": e.speaker,
                        "text": e.text,
                        "occurred_at": _iso(e.occurred_at),
                        "source_id": e.source_id,
                        "source_file": e.source_file,
                        "source_line": e.source_line,
                        "kind": e.kind,
                        "times": [_time_json(t) for t in e.times],
                    }
                    for e in d.events
                ],
                "entities": [
                    {"id": x.id, "name": x.name, "type": x.type, "aliases": list(x.aliases)} for x in d.entities
                ],
                "mentions": [{"event": m.event_id, "entity": m.entity_id, "role": m.role} for m in d.mentions],
                "facts": [
                    {
                        "id": f.id,
                        "subject": f.subject_id,
                        "predicate": f.predicate,
                        "object": f.object_id,
                        "recorded_at": _iso(f.recorded_at),
                        "valid_from": _iso(f.valid_from),
                        "valid_to": _iso(f.valid_to),
                        "expired_at": _iso(f.expired_at),
                        "evidence": list(f.evidence),
                        "time_phrase": f.time_phrase,
                        "confidence": f.confidence,
                        "revised_by": list(f.revised_by),
                    }
                    for f in d.facts
                ],
                "embeddings": [
                    {"node": n, "model": m, "scheme": d.schemes.get(n), "vector": v} for n, v, m in d.embeddings
                ],
                "models": models_json(d.embeddings),
                "sources": [
                    {"key": r.key, "content_hash": r.content_hash, "ingested_at": _iso(r.ingested_at)}
                    for r in d.sources
                ],
                "positions": [{"session": sid, "position": high} for sid, high in d.position_marks()],
                "forgotten_live": [{"session": sid, "position": seq} for sid, seq in d.forgotten_live],
            }
        )
    return {"format": "graphmem-export", "version": EXPORT_VERSION, "namespaces": spaces}


def _dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def dumps_from_json(data: Any) -> list[NamespaceDump]:
    """The namespaces of an exported JSON document (``graphmem export --format json``), as read from a store.

    Raises:
        ConfigError: the document is not a graphmem export, its format version is not one this graphmem
            reads (1 to :data:`EXPORT_VERSION`: a newer graphmem wrote it, or it is unknown), or a record in it is
            malformed (the message names the namespace and what is wrong; a malformed embedding vector, one
            not of its model's dimension, empty or holding a value that is not a finite number, its JSON path).
    """
    if not isinstance(data, dict) or data.get("format") != "graphmem-export":
        raise ConfigError('not a graphmem JSON export (no "format": "graphmem-export")')
    version = data.get("version")
    if type(version) is not int or not 1 <= version <= EXPORT_VERSION:  # not a bool either: True == 1
        if type(version) is int and version > EXPORT_VERSION:
            raise ConfigError(
                f"graphmem JSON export format version {version} is newer than this graphmem reads "
                f"({EXPORT_VERSION}): restore it with the graphmem that wrote it, or a newer one"
            )
        raise ConfigError(f"unknown export format version {version!r} (this graphmem reads 1 to {EXPORT_VERSION})")
    spaces = data.get("namespaces")
    if not isinstance(spaces, list):
        raise ConfigError('not a graphmem JSON export: "namespaces" is not a list')
    out: list[NamespaceDump] = []
    for i, space in enumerate(spaces):
        ns = space.get("namespace") if isinstance(space, dict) else None
        try:
            if not isinstance(ns, str):
                raise ValueError("no namespace name")
            validate_namespace(ns)
            out.append(_dump_from_json(ns, space, version))
        except BadRecord as exc:  # named by its JSON path: a vector a restore must not store, a list that is none
            raise ConfigError(f"namespaces[{i}].{exc.path} (namespace {ns!r}): {exc.reason}") from None
        except (KeyError, TypeError, ValueError, AttributeError, ConfigError) as exc:
            what = f"missing field {exc.args[0]!r}" if isinstance(exc, KeyError) else str(exc)
            raise ConfigError(f"not a graphmem JSON export: namespaces[{i}] ({ns!r}): {what}") from None
    return out


def _listed(record: dict[str, Any], key: str, path: str, default: list[Any] | None = None) -> list[Any]:
    """The list a record holds under ``key`` (``default`` when it has none and a default is given): a text
    there would otherwise be read as a list of its characters."""
    value = record[key] if default is None or key in record else default
    if not isinstance(value, list):
        raise BadRecord(f"{path}.{key}", f"is not a list: {value!r}")
    return value


def _dump_from_json(ns: str, space: dict[str, Any], version: int) -> NamespaceDump:
    sessions = [Session(ns, s["id"], s["index"], _dt(s["started_at"]), s["date_text"]) for s in space["sessions"]]
    events = [
        Event(
            ns,
            e["id"],
            e["session"],
            e["seq"],
            e["speaker"],
            e["text"],
            _dt(e["occurred_at"]),
            e["source_id"],
            e["source_file"],
            e["source_line"],
            e["kind"],
            tuple(
                TimeRef(t["phrase"], _dt(t["start"]), _dt(t["end"]), t["grain"])
                for t in _listed(e, "times", f"events[{i}]")
            ),
        )
        for i, e in enumerate(space["events"])
    ]
    entities = [
        Entity(ns, x["id"], x["name"], x["type"], tuple(_listed(x, "aliases", f"entities[{i}]")))
        for i, x in enumerate(space["entities"])
    ]
    mentions = [Mention(ns, m["event"], m["entity"], m["role"]) for m in space["mentions"]]
    facts = [
        Fact(
            ns,
            f["id"],
            f["subject"],
            f["predicate"],
            f["object"],
            datetime.fromisoformat(f["recorded_at"]),
            _dt(f["valid_from"]),
            _dt(f["valid_to"]),
            _dt(f["expired_at"]),
            tuple(_listed(f, "evidence", f"facts[{i}]")),
            f["time_phrase"],
            f["confidence"],
            # version 2 and older name no statement that revised a version
            tuple(_listed(f, "revised_by", f"facts[{i}]", None if version >= 3 else [])),
        )
        for i, f in enumerate(space["facts"])
    ]
    embeddings, schemes = vectors_from_json(space)
    sources = [
        SourceRecord(ns, str(r["key"]), str(r["content_hash"]), datetime.fromisoformat(r["ingested_at"]))
        for r in space.get("sources", [])  # an export of version 1 has none
    ]
    positions = positions_of_events(events)
    for session, high in _places(space, "positions", "a position"):  # an older export has none: its events'
        positions[session] = max(positions.get(session, high), high)
    forgotten = tuple(sorted(set(_places(space, "forgotten_live", "a forgotten live place"))))
    dump = NamespaceDump(ns, sessions, events, entities, mentions, facts, embeddings, schemes, sources, positions)
    return replace(dump, forgotten_live=forgotten)


def _places(space: dict[str, Any], key: str, what: str) -> list[tuple[str, int]]:
    """The ``(session, position)`` places an exported namespace lists under ``key`` (none when absent)."""
    out = []
    for p in space.get(key, []):
        session, seq = p["session"], p["position"]
        if not isinstance(session, str) or not session or type(seq) is not int or seq < 0:
            raise ValueError(f"{what} is not a session id and a position >= 0: {p!r}")
        out.append((session, seq))
    return out


def batches_from_json(data: dict[str, Any]) -> Iterator[Batch]:
    """The batches that rebuild an exported JSON document (one per namespace, plus one per model).

    Raises:
        ConfigError: the document is not a graphmem export, or a namespace in it is not whole
            (:func:`graphmem.sync_check.check_dumps`), before the first batch is given.
    """
    from graphmem.sync_check import check_dumps  # it reads this module's dumps

    dumps = dumps_from_json(data)
    check_dumps(dumps)
    for dump in dumps:
        ns = dump.namespace
        yield Batch(
            ns,
            tuple(dump.sessions),
            tuple(dump.events),
            tuple(dump.entities),
            tuple(dump.mentions),
            tuple(dump.facts),
            positions=dump.position_marks(),
            forgotten_live=dump.forgotten_live,
        )
        yield from dump.embedding_batches(None)
        if dump.sources:  # last: an input is marked ingested once what it wrote is
            yield Batch(ns, sources=tuple(dump.sources))


# -- GraphML ---------------------------------------------------------------------------------------------


def _attrs(values: dict[str, Any]) -> dict[str, Any]:
    """GraphML attributes: scalars only (lists as JSON text, datetimes as ISO text), no nulls, and
    characters XML cannot hold replaced by U+FFFD."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, list | tuple):
            value = json.dumps(list(value), ensure_ascii=False)
        if isinstance(value, str):
            value = _XML_INVALID.sub("\ufffd", value)
        out[key] = value
    return out


# Characters XML 1.0 cannot hold (C0 controls other than tab, newline, carriage return; surrogates; FFFE/FFFF).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _write_graphml(dumps: Sequence[NamespaceDump], out: IO[str]) -> None:
    import networkx as nx

    graph = nx.MultiDiGraph()
    for d in dumps:
        ns = d.namespace

        def key(node_id: str, ns: str = ns) -> str:
            return f"{ns}/{node_id}"

        for s in d.sessions:
            graph.add_node(key(s.id), **_attrs({"label": "Session", "namespace": ns, **session_row(s)}))
        for e in d.events:
            graph.add_node(key(e.id), **_attrs({"label": "Event", "namespace": ns, **event_row(e)}))
            graph.add_edge(key(e.id), key(e.session), type=EdgeType.IN_SESSION.value)
        for x in d.entities:
            row = entity_row(x)
            row.pop("name_keys")
            graph.add_node(key(x.id), **_attrs({"label": "Entity", "namespace": ns, **row}))
        for a, b in d.next_pairs():
            graph.add_edge(key(a), key(b), type=EdgeType.NEXT.value)
        for a, b in d.next_session_pairs():
            graph.add_edge(key(a), key(b), type=EdgeType.NEXT_SESSION.value)
        for m in d.mentions:
            graph.add_edge(key(m.event_id), key(m.entity_id), type=m.edge_type.value, role=m.role)
        for f in d.facts:
            row = fact_row(f)
            subject, obj = row.pop("subject"), row.pop("object")
            graph.add_edge(key(subject), key(obj), **_attrs({"type": EdgeType.FACT.value, **row}))
    for line in nx.generate_graphml(graph):
        out.write(line + "\n")
