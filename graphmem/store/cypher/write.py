"""Write transactions of the Cypher store: batches, deletes and the derived order edges.

Each public function here is a *transaction function* for :meth:`CypherSession.write
<graphmem.store.cypher.session.CypherSession.write>`: it may be run more than once (the session retries
on transient faults and lost connections), so every statement is an
idempotent ``MERGE``/``SET``/``DELETE``, and a :class:`~graphmem.errors.StoreError` raised half-way rolls
the whole transaction back. Rows travel as ``UNWIND $rows`` parameters; Cypher text is constant apart
from labels and types taken from :mod:`graphmem.store.cypher.schema`'s allow-lists. The statements are
public (``PUT_*``): the Cypher script export (:mod:`graphmem.export`) writes the same ones.

Deleting events (``delete_event`` and a batch's ``retract``) follows the rule of
:mod:`graphmem.store.retraction`, shared with the embedded store: :func:`retract_events` does both.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from graphmem.models import Batch, EdgeType, Entity, Event, Fact, NodeKind, Session, chain_key, session_order_key
from graphmem.store.cypher.chain_reads import CURRENT_FACTS, EVENTS_EDGES, EVIDENCE_OF, FACT_CHAINS, VERSIONS_OF
from graphmem.store.cypher.props import PropReader
from graphmem.store.cypher.schema import (
    dt_in,
    entity_row,
    event_row,
    fact_from_props,
    fact_row,
    label_for,
    session_row,
    vector_in,
)
from graphmem.store.cypher.session import CypherTx
from graphmem.store.cypher.stats import STATS_NAMESPACE
from graphmem.store.fact_chain import chain_reader
from graphmem.store.results import DeleteResult
from graphmem.store.retraction import entities_used_by, sessions_used_by
from graphmem.store.validate import validate_batch
from graphmem.store.versions import (
    Chain,
    archive_id,
    logical_id,
    normalised_batch_times,
    rekeyed_ids,
    unwind_chain,
    version_batch,
)

__all__ = [
    "DROP_FACTS",
    "NEXT_MAKE",
    "NEXT_SESSION_MAKE",
    "PUT_EMBEDDINGS",
    "PUT_ENTITIES",
    "PUT_EVENTS",
    "PUT_FACTS",
    "PUT_FORGOTTEN_LIVE",
    "PUT_MENTIONS",
    "PUT_POSITIONS",
    "PUT_SESSIONS",
    "PUT_SOURCES",
    "RENAME_ENTITY",
    "ROWS_PER_STATEMENT",
    "delete_event",
    "delete_namespace",
    "lookup_kinds",
    "rename_entity",
    "replace_namespace",
    "retract_events",
    "write_batch",
]

#: Rows sent with one statement; a larger batch runs the statement several times in its transaction.
ROWS_PER_STATEMENT = 2000

# UNWIND, not ``n.id IN $ids``: one index seek per id on every server (ArcadeDB scans for IN lists).
KIND_LOOKUP = """
UNWIND $ids AS i MATCH (n:Session {namespace: $ns, id: i}) RETURN n.id AS id, 'session' AS kind, null AS session
UNION ALL
UNWIND $ids AS i MATCH (n:Event {namespace: $ns, id: i}) RETURN n.id AS id, 'event' AS kind, n.session AS session
UNION ALL
UNWIND $ids AS i MATCH (n:Entity {namespace: $ns, id: i}) RETURN n.id AS id, 'entity' AS kind, null AS session
"""

PUT_SESSIONS = """
UNWIND $rows AS row
MERGE (s:Session {namespace: $ns, id: row.id})
SET s.index = row.index, s.started_at = row.started_at, s.date_text = row.date_text, s.caption = row.caption
"""

PUT_EVENTS = """
UNWIND $rows AS row
MERGE (e:Event {namespace: $ns, id: row.id})
SET e.session = row.session, e.session_order = row.session_order, e.seq = row.seq, e.speaker = row.speaker,
    e.text = row.text, e.occurred_at = row.occurred_at, e.source_id = row.source_id, e.source_file = row.source_file,
    e.source_line = row.source_line, e.kind = row.kind, e.times = row.times,
    e.happened = row.happened, e.happened_end = row.happened_end, e.caption = row.caption
WITH e, row
OPTIONAL MATCH (e)-[old:IN_SESSION]->(s0:Session)
WHERE s0.id <> row.session
DELETE old
WITH DISTINCT e, row
MATCH (s:Session {namespace: $ns, id: row.session})
MERGE (e)-[r:IN_SESSION]->(s)
SET r.namespace = $ns
"""

PUT_ENTITIES = """
UNWIND $rows AS row
MERGE (x:Entity {namespace: $ns, id: row.id})
SET x.name = row.name, x.type = row.type, x.aliases = row.aliases, x.name_keys = row.name_keys
"""

# One statement per relationship type: a type cannot be a parameter.
PUT_MENTIONS = {
    rel: f"""
UNWIND $rows AS row
MATCH (e:Event {{namespace: $ns, id: row.event}})
MATCH (x:Entity {{namespace: $ns, id: row.entity}})
MERGE (e)-[r:{rel} {{role: row.role}}]->(x)
SET r.namespace = $ns
"""
    for rel in (EdgeType.MENTIONS.value, EdgeType.SPOKEN_BY.value)
}

DROP_FACTS = """
UNWIND $ids AS fid
MATCH ()-[r:FACT {namespace: $ns, id: fid}]->()
DELETE r
"""

PUT_FACTS = """
UNWIND $rows AS row
MATCH (a:Entity {namespace: $ns, id: row.subject})
MATCH (b:Entity {namespace: $ns, id: row.object})
CREATE (a)-[r:FACT]->(b)
SET r.namespace = $ns, r.id = row.id, r.predicate = row.predicate, r.recorded_at = row.recorded_at,
    r.valid_from = row.valid_from, r.valid_to = row.valid_to, r.expired_at = row.expired_at,
    r.evidence = row.evidence, r.time_phrase = row.time_phrase, r.confidence = row.confidence,
    r.revised_by = row.revised_by
"""

PUT_EMBEDDINGS = {
    kind: f"""
UNWIND $rows AS row
MATCH (n:{label_for(kind)} {{namespace: $ns, id: row.id}})
SET n.embedding = row.vector, n.embedding_model = $model, n.embedding_scheme = $scheme
"""
    for kind in NodeKind
}

PUT_SOURCES = """
UNWIND $rows AS row
MERGE (s:Source {namespace: $ns, key: row.key})
SET s.content_hash = row.content_hash, s.ingested_at = row.ingested_at
"""

#: The highest position each session has given (a bookkeeping node per session id, kept when the session's
#: events and the session itself are forgotten, so live ingestion never gives an event id twice).
PUT_POSITIONS = """
UNWIND $rows AS row
MERGE (p:GraphmemPosition {namespace: $ns, session: row.session})
SET p.high = CASE WHEN p.high IS NULL OR p.high < row.high THEN row.high ELSE p.high END
"""

#: The places of messages added live and forgotten since (one bookkeeping node each, kept as the position
#: marks are): an ingested file never gives their event ids again.
PUT_FORGOTTEN_LIVE = """
UNWIND $rows AS row
MERGE (:GraphmemForgottenLive {namespace: $ns, session: row.session, seq: row.seq})
"""

#: Before an event is forgotten: its place, when it was added live (no ``source_file``).
MARK_FORGOTTEN_LIVE = """
MATCH (e:Event {namespace: $ns, id: $id})
WHERE e.source_file IS NULL
MERGE (:GraphmemForgottenLive {namespace: $ns, session: e.session, seq: e.seq})
"""

SESSION_ORDER = """
UNWIND $sids AS sid
MATCH (e:Event {namespace: $ns, session: sid})
OPTIONAL MATCH (e)-[:NEXT]->(f:Event)
RETURN sid, e.id AS id, e.seq AS seq, e.occurred_at AS at, collect(f.id) AS nxt
"""

SESSIONS_ORDER = """
MATCH (s:Session {namespace: $ns})
OPTIONAL MATCH (s)-[:NEXT_SESSION]->(t:Session)
RETURN s.id AS id, s.index AS idx, collect(t.id) AS nxt
"""


def _link_statements(label: str, rel: str) -> tuple[str, str]:
    drop = f"""
UNWIND $pairs AS p
MATCH (a:{label} {{namespace: $ns, id: p[0]}})-[r:{rel}]->(b:{label} {{namespace: $ns, id: p[1]}})
DELETE r
"""
    make = f"""
UNWIND $pairs AS p
MATCH (a:{label} {{namespace: $ns, id: p[0]}})
MATCH (b:{label} {{namespace: $ns, id: p[1]}})
MERGE (a)-[r:{rel}]->(b)
SET r.namespace = $ns
"""
    return drop, make


NEXT_DROP, NEXT_MAKE = _link_statements("Event", EdgeType.NEXT.value)
NEXT_SESSION_DROP, NEXT_SESSION_MAKE = _link_statements("Session", EdgeType.NEXT_SESSION.value)


def lookup_kinds(tx: CypherTx, ns: str, ids: Iterable[str]) -> tuple[dict[str, NodeKind], dict[str, str]]:
    """The kinds of the ids that exist in ``ns``, and the session of each existing event."""
    wanted = sorted(set(ids))
    kinds: dict[str, NodeKind] = {}
    sessions: dict[str, str] = {}
    if not wanted:
        return kinds, sessions
    for rec in tx.run(KIND_LOOKUP, ns=ns, ids=wanted):
        kinds[rec["id"]] = NodeKind(rec["kind"])
        if rec["session"] is not None:
            sessions[rec["id"]] = rec["session"]
    return kinds, sessions


def _referenced_ids(batch: Batch) -> set[str]:
    ids: set[str] = set()
    records: tuple[Session | Event | Entity, ...] = (*batch.sessions, *batch.events, *batch.entities)
    for rec in records:
        if isinstance(rec.id, str):
            ids.add(rec.id)
    ids.update(e.session for e in batch.events if isinstance(e.session, str))
    for m in batch.mentions:
        ids.update((m.event_id, m.entity_id))
    for f in batch.facts:
        ids.update((f.subject_id, f.object_id, *f.evidence))
    ids.update(node_id for node_id, _ in batch.embeddings)
    return {i for i in ids if isinstance(i, str)}


def write_batch(tx: CypherTx, batch: Batch) -> None:
    """Transaction function: validate ``batch`` against the database, retract its ``retract`` events, then
    write all of it.

    Retracted events count as absent for validation (a batch may re-create them, not refer to them
    otherwise); entities the batch writes or refers to survive the retraction even if it leaves them unused.
    """
    ns = batch.namespace
    retract = {i for i in batch.retract if isinstance(i, str)}
    found, old_sessions = lookup_kinds(tx, ns, _referenced_ids(batch) | retract)
    retracted = sorted(i for i in retract if found.get(i) is NodeKind.EVENT)
    existing = {i: k for i, k in found.items() if i not in retract or k is not NodeKind.EVENT}
    kinds = {**existing, **validate_batch(batch, existing.get)}
    touched: set[str] = set()
    emptied = False
    if retracted:
        _, retracted_sessions = retract_events(tx, ns, retracted, keep=entities_used_by(batch))
        touched |= retracted_sessions
        emptied = _drop_empty_sessions(tx, ns, retracted_sessions - sessions_used_by(batch)) > 0
    if batch.sessions:
        _run_rows(tx, PUT_SESSIONS, ns, [session_row(s) for s in batch.sessions])
    if batch.events:
        _run_rows(tx, PUT_EVENTS, ns, [event_row(e) for e in batch.events])
    if highs := batch.marks():
        _run_rows(tx, PUT_POSITIONS, ns, [{"session": s, "high": h} for s, h in sorted(highs.items())])
    if batch.forgotten_live:
        rows = [{"session": s, "seq": seq} for s, seq in sorted(set(batch.forgotten_live))]
        _run_rows(tx, PUT_FORGOTTEN_LIVE, ns, rows)
    if batch.entities:
        _run_rows(tx, PUT_ENTITIES, ns, [entity_row(e) for e in batch.entities])
    for rel, statement in PUT_MENTIONS.items():
        rows = [
            {"event": m.event_id, "entity": m.entity_id, "role": m.role}
            for m in batch.mentions
            if m.edge_type.value == rel
        ]
        _run_rows(tx, statement, ns, rows)
    if batch.facts:
        batch = normalised_batch_times(batch)
        if not batch.versioned:  # versions given whole (see Batch) are written as they are
            batch = version_batch(batch, _current_lookup(tx, ns, batch), _chain_lookup(tx, ns))
        latest = {f.id: f for f in batch.facts}  # a fact repeated in a batch: the last one wins
        _run_rows(tx, DROP_FACTS, ns, sorted(latest), key="ids")
        _run_rows(tx, PUT_FACTS, ns, [fact_row(f) for f in latest.values()])
    if batch.embeddings:
        by_kind: dict[NodeKind, dict[str, list[float]]] = {}
        for node_id, vec in batch.embeddings:
            by_kind.setdefault(kinds[node_id], {})[node_id] = vector_in(vec)
        for kind, vectors in by_kind.items():
            vec_rows = [{"id": i, "vector": v} for i, v in vectors.items()]
            scheme = batch.embedding_scheme or None  # null removes the property: unknown
            _run_rows(tx, PUT_EMBEDDINGS[kind], ns, vec_rows, model=batch.embedding_model, scheme=scheme)
    if batch.sources:
        src_rows = [
            {"key": s.key, "content_hash": s.content_hash, "ingested_at": dt_in(s.ingested_at)} for s in batch.sources
        ]
        _run_rows(tx, PUT_SOURCES, ns, src_rows)
    touched |= {e.session for e in batch.events}
    touched |= {old_sessions[e.id] for e in batch.events if e.id in old_sessions}
    relink_sessions_events(tx, ns, touched)
    if batch.sessions or emptied:
        relink_session_order(tx, ns)


def _current_lookup(tx: CypherTx, ns: str, batch: Batch) -> Callable[[str], Fact | None]:
    """The stored current version of each fact id the batch writes (read inside the write transaction)."""
    ids = sorted({f.id for f in batch.facts})
    found = {}
    for start in range(0, len(ids), ROWS_PER_STATEMENT):
        for rec in tx.run(CURRENT_FACTS, ns=ns, ids=ids[start : start + ROWS_PER_STATEMENT]):
            fact = fact_from_props(rec["p"], rec["s"], rec["o"])
            if fact.expired_at is None:
                found[fact.id] = fact
    return found.get


def _chain_lookup(tx: CypherTx, ns: str) -> Chain:
    """Every stored version of a fact, given its current one (read inside the write transaction, after its
    retraction, only to file a change told before that version was recorded:
    :func:`graphmem.store.versions.version_batch`)."""

    def read(ids: Sequence[str]) -> list[Fact]:
        return [fact_from_props(r["p"], r["s"], r["o"]) for r in tx.run(FACT_CHAINS, ns=ns, ids=list(ids))]

    return chain_reader(read)


def _run_rows(tx: CypherTx, statement: str, ns: str, rows: list[Any], *, key: str = "rows", **params: Any) -> None:
    """Run an ``UNWIND`` statement over ``rows`` in chunks (one transaction, messages of bounded size)."""
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        tx.run(statement, ns=ns, **{key: rows[start : start + ROWS_PER_STATEMENT]}, **params)


def replace_namespace(tx: CypherTx, batch: Batch) -> DeleteResult:
    """Transaction function: delete everything of the batch's namespace, then write the batch.

    What ``sync --replace`` needs: the namespace holds exactly the batch afterwards, or (the
    transaction failing) exactly what it held before. The positions its sessions gave stay (the batch may
    raise them), so a later live add never gives an event id the namespace gave before.
    """
    deleted = delete_namespace(tx, batch.namespace, keep_positions=True)
    write_batch(tx, replace(batch, retract=()))
    return deleted


def relink_sessions_events(tx: CypherTx, ns: str, session_ids: Iterable[str]) -> None:
    """Re-derive the NEXT edges of the events of these sessions (by time, then seq, then id:
    :func:`~graphmem.models.chain_key`), dropping the edges no longer wanted (a late message spliced in
    replaces the one edge between its neighbours by two)."""
    sids = sorted(set(session_ids))
    if not sids:
        return
    members: dict[str, list[tuple[tuple[bool, datetime, int, str], str]]] = {sid: [] for sid in sids}
    have: set[tuple[str, str]] = set()
    for rec in tx.run(SESSION_ORDER, ns=ns, sids=sids):
        read = PropReader("Event", {"occurred_at": rec["at"], "seq": rec["seq"]}, namespace=ns, node_id=rec["id"])
        key = chain_key(read.moment("occurred_at"), read.required_integer("seq"), rec["id"])
        members[rec["sid"]].append((key, rec["id"]))
        have.update((rec["id"], nxt) for nxt in rec["nxt"])
    want: set[tuple[str, str]] = set()
    for order in members.values():
        ids = [eid for _, eid in sorted(order)]
        want.update(itertools.pairwise(ids))
    _apply_links(tx, ns, have, want, NEXT_DROP, NEXT_MAKE)


def relink_session_order(tx: CypherTx, ns: str) -> None:
    """Re-derive the NEXT_SESSION edges of a namespace, in the order sessions are listed (by index, then id
    in natural order: :func:`~graphmem.models.session_order_key`, computed here from the rows read).

    Raises:
        MalformedNodeError: a session of the namespace has no whole-number ``index`` (nothing is written).
    """
    order: list[tuple[int, str]] = []
    have: set[tuple[str, str]] = set()
    for rec in tx.run(SESSIONS_ORDER, ns=ns):
        read = PropReader("Session", {"index": rec["idx"]}, namespace=ns, node_id=rec["id"])
        order.append((read.required_integer("index"), rec["id"]))
        have.update((rec["id"], nxt) for nxt in rec["nxt"])
    want = set(itertools.pairwise([sid for _, sid in sorted(order, key=lambda r: session_order_key(*r))]))
    _apply_links(tx, ns, have, want, NEXT_SESSION_DROP, NEXT_SESSION_MAKE)


def _apply_links(
    tx: CypherTx, ns: str, have: set[tuple[str, str]], want: set[tuple[str, str]], drop: str, make: str
) -> None:
    stale = sorted(have - want)
    missing = sorted(want - have)
    if stale:
        tx.run(drop, ns=ns, pairs=[list(p) for p in stale])
    if missing:
        tx.run(make, ns=ns, pairs=[list(p) for p in missing])


# -- deletes ---------------------------------------------------------------------------------------------

DROP_EVENTS = """
UNWIND $ids AS i
MATCH (e:Event {namespace: $ns, id: i})
DETACH DELETE e
"""

DROP_EMPTY_SESSIONS = """
UNWIND $ids AS sid
MATCH (s:Session {namespace: $ns, id: sid})
OPTIONAL MATCH (e:Event {namespace: $ns, session: sid})
WITH s, count(e) AS events
WHERE events = 0
DETACH DELETE s
RETURN count(*) AS dropped
"""

SESSION_COUNT = """
MATCH (s:Session {namespace: $ns})
RETURN count(s) AS sessions
"""

DROP_ORPHANS = """
UNWIND $ids AS xid
MATCH (x:Entity {namespace: $ns, id: xid})
OPTIONAL MATCH (x)-[r]-()
WITH x, count(r) AS degree
WHERE degree = 0
DETACH DELETE x
RETURN count(*) AS dropped
"""


def retract_events(
    tx: CypherTx, ns: str, event_ids: Iterable[str], *, keep: Iterable[str] = ()
) -> tuple[DeleteResult, set[str]]:
    """Delete events with their mentions; drop the facts only they supported and shrink the evidence of the
    others; drop the entities left with no mention and no fact, except those in ``keep``.

    Ids that are not events of ``ns`` are ignored. Returns what was deleted and the sessions whose NEXT
    order the caller must re-derive (:func:`delete_event` does it; a batch does it after its writes).
    """
    wanted = sorted(set(event_ids))
    rows = tx.run(EVENTS_EDGES, ns=ns, ids=wanted) if wanted else []
    gone = {r["id"] for r in rows}
    if not gone:
        return DeleteResult(), set()
    sessions = {r["session"] for r in rows if r["session"] is not None}
    touched = {x for r in rows for x in r["entities"]}
    mentions = sum(int(r["mentions"]) for r in rows)
    spoken_by = sum(int(r["spoken_by"]) for r in rows)
    dropped: list[str] = []
    puts: list[Fact] = []
    logical = sorted({logical_id(r["id"]) for r in tx.run(EVIDENCE_OF, ns=ns, ids=sorted(gone))})
    if logical:
        chains: dict[str, list[Fact]] = {}
        prefixes = [archive_id(i, datetime.min)[: len(i) + 1] for i in logical]
        for rec in tx.run(VERSIONS_OF, ns=ns, ids=logical, prefixes=prefixes):
            fact = fact_from_props(rec["p"], rec["s"], rec["o"])
            chains.setdefault(logical_id(fact.id), []).append(fact)
        for lid in sorted(chains):
            drop, rewrite = unwind_chain(chains[lid], gone)
            by_id = {f.id: f for f in chains[lid]}
            for fid in drop:
                dropped.append(fid)
                touched.update((by_id[fid].subject_id, by_id[fid].object_id))
            puts.extend(rewrite)
    if dropped or puts:
        tx.run(DROP_FACTS, ns=ns, ids=sorted({*dropped, *(f.id for f in puts)}))
    if puts:
        _run_rows(tx, PUT_FACTS, ns, [fact_row(f) for f in puts])
    tx.run(DROP_EVENTS, ns=ns, ids=sorted(gone))
    orphans = 0
    candidates = sorted(touched - set(keep))
    if candidates:
        dropped_rows = tx.run(DROP_ORPHANS, ns=ns, ids=candidates)
        orphans = int(dropped_rows[0]["dropped"]) if dropped_rows else 0
    result = DeleteResult(
        events=len(gone), entities=orphans, facts=len(dropped), mentions=mentions, spoken_by=spoken_by
    )
    return result, sessions


def _drop_empty_sessions(tx: CypherTx, ns: str, session_ids: Iterable[str]) -> int:
    """Delete those of these sessions left without an event (a session a re-ingested input no longer
    holds, or whose events were all forgotten); how many were deleted (the sessions' order is then
    re-derived)."""
    ids = sorted(set(session_ids))
    if not ids:
        return 0
    rows = tx.run(DROP_EMPTY_SESSIONS, ns=ns, ids=ids)
    return int(rows[0]["dropped"]) if rows else 0


def delete_event(tx: CypherTx, ns: str, event_id: str) -> DeleteResult:
    """Transaction function: delete an event, its mentions, facts only it supported, unused entities, and
    its session when it leaves it without an event (unless it is the namespace's only session)."""
    tx.run(MARK_FORGOTTEN_LIVE, ns=ns, id=event_id)
    result, sessions = retract_events(tx, ns, [event_id])
    dropped = 0
    if sessions and int(tx.run(SESSION_COUNT, ns=ns)[0]["sessions"]) > 1:  # the last one marks the namespace
        dropped = _drop_empty_sessions(tx, ns, sessions)
    relink_sessions_events(tx, ns, sessions)
    if dropped:
        relink_session_order(tx, ns)
    return replace(result, sessions=dropped)


RENAME_ENTITY = "MATCH (x:Entity {namespace: $ns, id: $old}) SET x.id = $new RETURN count(x) AS moved"
# each end anchored on the entity's index (a fact from the entity to itself comes twice: one id, one row)
FACTS_OF_ENTITY = "\nUNION ALL\n".join(
    f"MATCH {pattern} RETURN f.id AS id, a.id AS subject, f.predicate AS predicate, b.id AS object, "
    "f.evidence AS evidence"
    for pattern in (
        "(a:Entity {namespace: $ns, id: $id})-[f:FACT]->(b:Entity)",
        "(a:Entity)-[f:FACT]->(b:Entity {namespace: $ns, id: $id})",
    )
)
REKEY_FACTS = """
UNWIND $rows AS row
MATCH ()-[f:FACT {namespace: $ns, id: row.old}]->()
SET f.id = row.new
"""


def rename_entity(tx: CypherTx, ns: str, old_id: str, new_id: str) -> bool | None:
    """Transaction function: move the entity ``old_id`` to ``new_id``; its mentions and facts are its
    relationships and its vector a property, so they move with it (a fact id made of its ends made again of
    the moved ones: :func:`~graphmem.store.versions.rekeyed_ids`). ``False``: no entity ``old_id``;
    ``None``: another node has ``new_id`` (nothing moved)."""
    kinds, _ = lookup_kinds(tx, ns, [old_id, new_id])
    if kinds.get(old_id) != NodeKind.ENTITY:
        return False
    if old_id == new_id:
        return True
    if new_id in kinds:
        return None
    found = tx.run(FACTS_OF_ENTITY, ns=ns, id=old_id)
    rows = ((r["id"], r["subject"], r["predicate"], r["object"], list(r["evidence"] or ())) for r in found)
    rekeyed = rekeyed_ids(rows, old_id, new_id)
    tx.run(RENAME_ENTITY, ns=ns, old=old_id, new=new_id)
    if rekeyed:  # a fact id made of its ends is made again of the moved ones
        tx.run(REKEY_FACTS, ns=ns, rows=[{"old": o, "new": n} for o, n in sorted(rekeyed.items())])
    return True


def delete_namespace(tx: CypherTx, ns: str, *, keep_positions: bool = False) -> DeleteResult:
    """Transaction function: delete every node (and so every relationship) of a namespace, its
    ``:GraphmemNamespace`` node (its name, change counter and line of writers) too; with ``keep_positions``
    (a namespace replaced whole), all but its ``:GraphmemPosition`` and ``:GraphmemForgottenLive`` marks and
    that node.

    The node is made again, with a counter at a new random start and a new line, by the next write of the
    namespace (:mod:`graphmem.store.cypher.changes`, :mod:`graphmem.store.cypher.line`): a client that read
    the old counter sees it changed (its guarded write is refused and read again, its caches dropped), and a
    writer waiting in the old line has its turn.
    """
    rec = tx.run(STATS_NAMESPACE, ns=ns)[0]
    result = DeleteResult(
        events=int(rec["events"]),
        entities=int(rec["entities"]),
        facts=int(rec["facts"]),
        mentions=int(rec["mentions"]),
        sessions=int(rec["sessions"]),
        spoken_by=int(rec["spoken_by"]),
    )
    marks = () if keep_positions else ("GraphmemPosition", "GraphmemForgottenLive", "GraphmemNamespace")
    for label in ("Event", "Entity", "Session", "Source", *marks):
        tx.run(f"MATCH (n:{label} {{namespace: $ns}}) DETACH DELETE n", ns=ns)
    return result
