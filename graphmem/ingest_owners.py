"""Who wrote which session and event, per namespace: what the read stage (:mod:`graphmem.ingest_read`)
asks of the store once per run to decide what an input may write and what it replaces."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from graphmem.ingest_prints import GONE_PRINT
from graphmem.models import SourceRecord
from graphmem.store.base import KeepsPositions, iter_event_embedding_origins
from graphmem.transcript import Transcript

if TYPE_CHECKING:
    from graphmem.store.base import GraphStore

__all__ = ["GONE", "GONE_PRINT", "Owners"]

#: The content of the records (the input's own, a session's mark) of what the input no longer holds.
GONE = "gone"


@dataclass(slots=True)
class _Namespace:
    """What one namespace held when first looked at in this run, plus the sessions this run claims."""

    owner: dict[str, str | None] = field(default_factory=dict)  # session id → source_file of its events
    # source → session → {seq: event id}
    events: dict[str | None, dict[str, dict[int, str]]] = field(default_factory=dict)


class Owners:
    """Who wrote which session and event, per namespace, read from the store once per run."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self._seen: dict[str, _Namespace] = {}
        # namespace → content hash → the keys of the inputs recorded with it (stored, or planned in this run)
        self._contents: dict[str, dict[str, list[str]]] = {}
        self.this_run: set[str] = set()  # the keys of the inputs planned in this run (not yet written)
        self._records: list[SourceRecord] | None = None  # every namespace's, sorted by key
        self._keys: list[str] = []
        self._forgotten: dict[str, dict[str, frozenset[int]]] = {}
        self._vectors: dict[str, set[str]] = {}  # namespace → the ids of its events that carry a vector

    def _get(self, namespace: str) -> _Namespace:
        ns = self._seen.get(namespace)
        if ns is None:
            ns = self._seen[namespace] = _Namespace()
            for ev in self._store.iter_events(namespace):
                ns.owner.setdefault(ev.session, ev.source_file)
                ns.events.setdefault(ev.source_file, {}).setdefault(ev.session, {})[ev.seq] = ev.id
        return ns

    def taken(self, transcript: Transcript, key: str) -> bool:
        """Whether another input holds (or in this run claimed) a session id of ``transcript``."""
        return any(self.holds_another(transcript.namespace, s.id, key) for s in transcript.sessions)

    def holds_another(self, namespace: str, session_id: str, key: str) -> bool:
        """Whether another input, or a live add, holds (or in this run claimed) the session ``session_id``."""
        return self._get(namespace).owner.get(session_id, key) != key

    def gives_forgotten(self, namespace: str, session_id: str, turns: int) -> bool:
        """Whether a session ``session_id`` of ``turns`` turns would give the event id of a message added live
        there and forgotten since (:meth:`~graphmem.store.base.KeepsPositions.forgotten_live`, read once per
        namespace and run)."""
        found = self._forgotten.get(namespace)
        if found is None:
            store = self._store
            found = self._forgotten[namespace] = (
                store.forgotten_live(namespace) if isinstance(store, KeepsPositions) else {}
            )
        return any(1 <= seq <= turns for seq in found.get(session_id, ()))

    def claim(self, transcript: Transcript, key: str) -> None:
        """Record that ``key`` writes the sessions of ``transcript``."""
        owner = self._get(transcript.namespace).owner
        for s in transcript.sessions:
            owner[s.id] = key

    def copy_of(
        self, namespace: str, content_hash: str, key: str, accept: Callable[[str], bool] | None = None
    ) -> str | None:
        """Another input recorded in ``namespace`` with this content hash (the same bytes, read, extracted and
        embedded the same way), before this run or earlier in it: the first by key (of those ``accept``
        takes, when given), or ``None``.

        Only an input's own record counts (its key is its events' ``source_file``), not the marks of the
        sessions an interrupted run committed (``<key>@session_3``), which carry the same hash.
        """
        contents = self._contents.get(namespace)
        if contents is None:
            contents = self._contents[namespace] = {}
            sources = self._get(namespace).events
            for r in self._store.source_records(namespace, ""):
                if r.key in sources:
                    contents.setdefault(r.content_hash, []).append(r.key)
        return next(
            (k for k in sorted(contents.get(content_hash, ())) if k != key and (accept is None or accept(k))), None
        )

    def embedded(self, namespace: str, key: str, session: str | None = None) -> bool:
        """Whether every event ``key`` wrote into ``namespace`` before this run (in ``session`` only, when
        given) carries a vector: written by an ingest that embedded, or embedded since (``graphmem
        reembed``). The namespace's embedded event ids are read once per run, without their vectors."""
        have = self._vectors.get(namespace)
        if have is None:
            rows = iter_event_embedding_origins(self._store, namespace)
            have = self._vectors[namespace] = {event_id for event_id, _model, _scheme in rows}
        written = self.written(namespace, key)
        sessions = written.values() if session is None else [written.get(session, {})]
        return all(e in have for events in sessions for e in events.values())

    def planned(self, namespace: str, content_hash: str, key: str) -> None:
        """Record that ``key`` writes this content into ``namespace`` in this run (a copy later in the run
        is skipped)."""
        self.copy_of(namespace, content_hash, key)  # the stored records first
        self._contents[namespace].setdefault(content_hash, []).append(key)
        self.this_run.add(key)

    def live_session(self, namespace: str, session_id: str) -> bool:
        """Whether the session holds messages added live (``Memory.add``: no ``source_file``) and no input's."""
        events = self._get(namespace).events
        return session_id in events.get(None, {}) and not any(
            session_id in sessions for source, sessions in events.items() if source is not None
        )

    def live_events(self, namespace: str) -> dict[str, dict[int, str]]:
        """The events added live (no ``source_file``) before this run and not handed to an input: session id
        → seq → event id."""
        return self._get(namespace).events.get(None, {})

    def adopt(self, namespace: str, session_id: str, key: str) -> None:
        """Hand a live session to the input ``key``: its events count as what ``key`` wrote before (so they
        are retracted and written again from the input, in one transaction) and it no longer holds the
        session against it."""
        ns = self._get(namespace)
        ns.owner[session_id] = key
        events = ns.events.get(None, {}).pop(session_id, {})
        ns.events.setdefault(key, {})[session_id] = events

    def sources(self, namespace: str) -> list[str]:
        """The keys of the inputs whose events ``namespace`` holds (stored before this run), sorted."""
        return sorted(source for source in self._get(namespace).events if source is not None)

    def move(self, namespace: str, old: str, key: str) -> None:
        """Hand what the input ``old`` wrote into ``namespace`` to the input ``key`` (the same input,
        moved: :mod:`graphmem.ingest_moved`)."""
        ns = self._get(namespace)
        ns.events[key] = ns.events.pop(old, {})
        for sid, owner in ns.owner.items():
            if owner == old:
                ns.owner[sid] = key

    def written(self, namespace: str, key: str) -> dict[str, dict[int, str]]:
        """The events ``key`` wrote into ``namespace`` before this run: session id → seq → event id."""
        return self._get(namespace).events.get(key, {})

    def _all_records(self) -> list[SourceRecord]:
        """Every namespace's records, sorted by key, read once per run."""
        if self._records is None:
            found = [r for ns in self._store.namespaces() for r in self._store.source_records(ns, "")]
            self._records = sorted(found, key=lambda r: r.key)
            self._keys = [r.key for r in self._records]
        return self._records

    def record(self, namespace: str, key: str) -> SourceRecord | None:
        """The record keyed ``key`` in ``namespace`` as :meth:`held` read it (gone ones too), or ``None``."""
        records = self._all_records()
        for r in records[bisect.bisect_left(self._keys, key) : bisect.bisect_right(self._keys, key)]:
            if r.namespace == namespace:
                return r
        return None

    def held(self, key: str) -> dict[str, list[SourceRecord]]:
        """Per namespace, the records (not marked gone) the input keyed ``key`` left there before this run.

        Every namespace's records are read once per run (an input's own records are only ever written
        while it is planned and committed, after this looked).
        """
        out: dict[str, list[SourceRecord]] = {}
        for r in self._all_records()[bisect.bisect_left(self._keys, key) :]:
            if not r.key.startswith(key):
                break
            rest = r.key[len(key) :]
            if (not rest or rest[0] in "@#") and r.content_hash not in (GONE, GONE_PRINT):
                out.setdefault(r.namespace, []).append(r)
        return out
