"""Bringing a Cypher database of schema 3 up to schema 4: what the stored data means since 5 Dec 2026.

Schema 4 changes no label or property; it marks the database as holding what a graphmem of schema 3 would
misread or leave half-kept (see :data:`~graphmem.store.cypher.schema.SCHEMA_VERSION`): turn prints with a
speaker-free digest, the highest position of each session (``:GraphmemPosition``), ``NEXT`` chains in
time order and ``NEXT_SESSION`` links in the natural order of session ids. An older graphmem could have
written the database without the last three, so the upgrade fills them in as a write by this version
leaves them (:func:`upgrade_to_4`):

- each session's position mark is raised to the highest position its stored events hold (a session whose
  last turns are forgotten afterwards keeps its event ids from being given again) and the highest place of
  its forgotten live messages (``:GraphmemForgottenLive``, which the writer counts as given);
- the ``NEXT`` edges of every session are re-derived by time, then position
  (:func:`~graphmem.store.cypher.write.relink_sessions_events`), and the ``NEXT_SESSION`` edges of every
  namespace by session index, then the natural order of ids
  (:func:`~graphmem.store.cypher.write.relink_session_order`).

Turn prints an older graphmem stored are read as they are (a print without the speaker-free digest is
compared without it), so they need no change. Every step is idempotent: one write transaction per
:data:`SESSIONS_PER_TRANSACTION` sessions of a namespace (their marks and ``NEXT`` chains), then one for the
namespace's ``NEXT_SESSION`` links (one chain through all its sessions: it reads a small row per session and
writes only the edges that change), each bumping the namespace's change counter as any write does; the
schema version is recorded after the last, so an upgrade stopped half-way is done again, whole, by the next
writable open.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Literal

from graphmem.store.cypher import changes
from graphmem.store.cypher.session import CypherSession, CypherTx
from graphmem.store.cypher.write import relink_session_order, relink_sessions_events

__all__ = [
    "NAMESPACES_WITH_SESSIONS",
    "RAISE_FORGOTTEN",
    "RAISE_POSITIONS",
    "SESSIONS_OF",
    "SESSIONS_PER_TRANSACTION",
    "upgrade_to_4",
]

log = logging.getLogger(__name__)

#: Sessions whose position marks and ``NEXT`` chains one transaction of the upgrade re-derives (their events
#: read at once).
SESSIONS_PER_TRANSACTION = 500

NAMESPACES_WITH_SESSIONS = """
MATCH (e:Event)
WHERE e.namespace IS NOT NULL
RETURN DISTINCT e.namespace AS ns
UNION
MATCH (s:Session)
WHERE s.namespace IS NOT NULL
RETURN DISTINCT s.namespace AS ns
"""
#: Every session id of a namespace that needs a position mark: those of its stored events and those of its
#: forgotten live messages (a session whose every message was forgotten has no event left).
SESSIONS_OF = """
MATCH (e:Event {namespace: $ns})
WHERE e.session IS NOT NULL
RETURN DISTINCT e.session AS session
UNION
MATCH (f:GraphmemForgottenLive {namespace: $ns})
WHERE f.session IS NOT NULL
RETURN DISTINCT f.session AS session
"""


def _raise_marks(label: Literal["Event", "GraphmemForgottenLive"]) -> str:
    """Each of these sessions' position mark raised to at least the highest position (``seq``) that its
    nodes of ``label`` hold (a constant of this module, never a value a user gives)."""
    return f"""
UNWIND $sids AS sid
MATCH (x:{label} {{namespace: $ns, session: sid}})
WHERE x.seq IS NOT NULL
WITH sid, max(x.seq) AS high
MERGE (p:GraphmemPosition {{namespace: $ns, session: sid}})
SET p.high = CASE WHEN p.high IS NULL OR p.high < high THEN high ELSE p.high END
"""


#: Each of these sessions' position mark at least the highest position its stored events hold.
RAISE_POSITIONS = _raise_marks("Event")
#: ... and at least the highest place of its forgotten live messages, which the writer counts as given
#: (:attr:`~graphmem.models.Batch.marks`) but a graphmem before 3 Dec forgot without a mark.
RAISE_FORGOTTEN = _raise_marks("GraphmemForgottenLive")


def upgrade_to_4(session: CypherSession) -> int:
    """Fill in what schema 4 needs of data an older graphmem wrote (see the module docstring); how many
    namespaces were gone through. Idempotent.

    Raises:
        StoreError: a statement failed (what earlier transactions did stays, and is done again harmlessly).
    """
    action = "upgrading the database to schema 4"
    namespaces = sorted(str(r["ns"]) for r in session.run(NAMESPACES_WITH_SESSIONS, action=action))
    for ns in namespaces:
        sids = sorted(str(r["session"]) for r in session.run(SESSIONS_OF, {"ns": ns}, action=action))
        for i in range(0, len(sids), SESSIONS_PER_TRANSACTION):
            session.write(_upgrade_part(ns, sids[i : i + SESSIONS_PER_TRANSACTION]), action=action)
        session.write(_upgrade_order(ns), action=action)
    if namespaces:
        log.info("upgraded the %d namespaces of %s to schema 4", len(namespaces), session.uri)
    return len(namespaces)


def _upgrade_part(ns: str, sids: list[str]) -> Callable[[CypherTx], None]:
    """The transaction function of one part of a namespace's upgrade: these sessions' position marks and
    ``NEXT`` chains."""

    def work(tx: CypherTx) -> None:
        changes.bump(tx, ns)
        tx.run(RAISE_POSITIONS, ns=ns, sids=sids)
        tx.run(RAISE_FORGOTTEN, ns=ns, sids=sids)
        relink_sessions_events(tx, ns, sids)

    return work


def _upgrade_order(ns: str) -> Callable[[CypherTx], None]:
    """The transaction function re-deriving a namespace's ``NEXT_SESSION`` edges, the last of its upgrade.

    One transaction for the whole namespace: the order is one chain through every session, so the edge
    after a session depends on all the others. It reads one small row per session (id, index, next id)
    and writes only the edges that change.
    """

    def work(tx: CypherTx) -> None:
        changes.bump(tx, ns)
        relink_session_order(tx, ns)

    return work
