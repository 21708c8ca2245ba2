"""The ingest bookkeeping the Cypher store (:class:`~graphmem.store.cypher.store.CypherStore`) reads: the
highest position each session has given and the positions of forgotten live messages (the
:class:`~graphmem.store.base.KeepsPositions` capability), and the source records of ingested inputs.

:class:`CypherBookkeeping` holds these reads; the store writes the records with its batches
(:mod:`graphmem.store.cypher.write`).
"""

from __future__ import annotations

from datetime import datetime

from graphmem.models import SourceRecord
from graphmem.store.cypher.schema import dt_out
from graphmem.store.cypher.session import SessionReads

__all__ = ["CypherBookkeeping"]


class CypherBookkeeping(SessionReads):
    """The bookkeeping reads of :class:`~graphmem.store.cypher.store.CypherStore`, which sets ``_session``."""

    def last_positions(self, namespace: str) -> dict[str, int]:
        """Session id → the highest position ever given in it (:class:`~graphmem.store.base.KeepsPositions`)."""
        rows = self._read(
            "MATCH (p:GraphmemPosition {namespace: $ns}) RETURN p.session AS session, p.high AS high",
            ns=self._checked(namespace),
        )
        return {r["session"]: int(r["high"]) for r in rows}

    def forgotten_live(self, namespace: str) -> dict[str, frozenset[int]]:
        """Session id → the positions of its forgotten live messages (:class:`~graphmem.store.base.KeepsPositions`)."""
        rows = self._read(
            "MATCH (f:GraphmemForgottenLive {namespace: $ns}) RETURN f.session AS session, f.seq AS seq",
            ns=self._checked(namespace),
        )
        out: dict[str, set[int]] = {}
        for r in rows:
            out.setdefault(r["session"], set()).add(int(r["seq"]))
        return {sid: frozenset(seqs) for sid, seqs in out.items()}

    def has_source(self, namespace: str, key: str, content_hash: str) -> bool:
        """Whether an input with this key and content hash was already ingested."""
        ns = self._checked(namespace)
        rows = self._read(
            "MATCH (s:Source {namespace: $ns, key: $key}) WHERE s.content_hash = $hash RETURN count(s) AS n",
            ns=ns,
            key=key,
            hash=content_hash,
        )
        return bool(rows and rows[0]["n"])

    def source_records(self, namespace: str, prefix: str) -> list[SourceRecord]:
        """The source records of the namespace whose key starts with ``prefix``, sorted by key."""
        ns = self._checked(namespace)
        rows = self._read(
            "MATCH (s:Source {namespace: $ns}) WHERE s.key STARTS WITH $prefix "
            "RETURN s.key AS key, s.content_hash AS content_hash, s.ingested_at AS ingested_at ORDER BY key",
            ns=ns,
            prefix=prefix,
        )
        return [
            SourceRecord(namespace, r["key"], r["content_hash"], dt_out(r["ingested_at"]) or datetime.min) for r in rows
        ]
