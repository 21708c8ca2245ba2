"""An input moved to another path and edited there: taken as the input it was, and diffed.

An input is known by its path (its absolute path is its key: the events' ``source_file``, its source
records' keys). A file moved unchanged is skipped as a copy (:func:`graphmem.ingest_held.copy_of_another`);
one moved and then edited holds content recorded nowhere. :func:`moved_from` takes it for the input it
was moved from, in a namespace it writes, when all of this holds:

- the new path holds nothing in any namespace (it was never ingested);
- exactly one other input of the namespace (recorded whole there, not ingested earlier in this run)
  holds the new version's leading session: same id, same session fingerprint (date, place among the
  sessions, whom the speakers address, how it is read and extracted) and same first turn
  (:mod:`graphmem.ingest_prints`);
- that input's recorded path no longer exists.

Otherwise (several inputs begin that way, or the old path is still there: a copy edited, which is
another input) it is a new input as before. The input taken as moved keeps its old data: :func:`move_batch`
re-keys what the old path wrote there (its events' ``source_file``, its records, the old ones marked
gone), committed before the input's first unit, which is then planned as an edit of the old version.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from graphmem.extract.events import order_sessions
from graphmem.ingest_owners import GONE, GONE_PRINT, Owners
from graphmem.ingest_prints import SessionPrint, addressing, kept_turns, prints_key, prints_prefix
from graphmem.models import Batch, SourceRecord
from graphmem.transcript import Transcript

if TYPE_CHECKING:
    from graphmem.store.base import GraphStore

__all__ = ["move_batch", "moved_from", "old_prints", "records_of"]


def old_prints(store: GraphStore, ns: str, key: str) -> dict[str, SessionPrint]:
    """The session prints the input keyed ``key`` stored in ``ns``, by session id."""
    prefix = prints_prefix(key)
    old: dict[str, SessionPrint] = {}
    for record in store.source_records(ns, prefix):
        decoded = SessionPrint.decode(record.content_hash)
        if decoded is not None:
            old[record.key[len(prefix) :]] = decoded
    return old


def records_of(store: GraphStore, ns: str, key: str) -> list[SourceRecord]:
    """Every record of the input keyed ``key`` in ``ns``: its own, its sessions' marks and prints."""
    return [r for r in store.source_records(ns, key) if r.key == key or r.key[len(key)] in "@#"]


def _leading_print(t: Transcript, config: str) -> tuple[str, SessionPrint] | None:
    """The id and print of the transcript's first session, as :mod:`graphmem.ingest_read` prints it."""
    ordered = order_sessions(t.sessions)
    if not ordered:
        return None
    addressed = addressing([turn.speaker for s in ordered for turn in s.turns])
    return ordered[0].id, SessionPrint.of(ordered[0], 0, addressed, config)


def _begins_alike(owners: Owners, ns: str, source: str, leading: tuple[str, SessionPrint]) -> bool:
    """Whether the input ``source`` is recorded whole in ``ns`` and begins as ``leading`` does."""
    sid, new = leading
    own = owners.record(ns, source)
    if own is None or own.content_hash == GONE:
        return False
    stored = owners.record(ns, prints_key(source, sid))
    old = SessionPrint.decode(stored.content_hash) if stored is not None else None
    return old is not None and kept_turns(old, new) > 0


def moved_from(
    owners: Owners,
    key: str,
    transcripts: Iterable[Transcript],
    config: str,
) -> dict[str, str]:
    """Per namespace the input writes, the key of the input it is taken as moved from (see the module docs).

    Args:
        owners: who wrote what, and the records stored; what the old paths wrote in the namespaces found
            is handed to ``key`` (:meth:`Owners.move`).
        key: the input's key.
        transcripts: the input's transcripts (plain ids) into namespaces it does not hold as it is.
        config: how the run reads, extracts and embeds (the session prints' part of it).
    """
    if owners.held(key):
        return {}
    found: dict[str, str] = {}
    for t in transcripts:
        leading = _leading_print(t, config)
        if t.namespace in found or leading is None or owners.written(t.namespace, key):
            continue
        matches = [
            source
            for source in owners.sources(t.namespace)
            if source != key
            and source not in owners.this_run
            and os.path.isabs(source)
            and _begins_alike(owners, t.namespace, source, leading)
        ]
        if len(matches) == 1 and not os.path.lexists(matches[0]):
            found[t.namespace] = matches[0]
    for ns, old in found.items():
        owners.move(ns, old, key)
    return found


def move_batch(store: GraphStore, ns: str, old: str, key: str, now: datetime) -> Batch:
    """The write handing to ``key`` what the input ``old`` wrote into ``ns``: its events re-keyed (as they
    are otherwise), its records copied under ``key`` and marked gone under ``old``."""
    events = tuple(replace(e, source_file=key) for e in store.iter_events(ns) if e.source_file == old)
    records = records_of(store, ns, old)
    renamed = tuple(SourceRecord(ns, key + r.key[len(old) :], r.content_hash, now) for r in records)
    gone = tuple(
        SourceRecord(ns, r.key, GONE_PRINT if r.key.startswith(prints_prefix(old)) else GONE, now) for r in records
    )
    return Batch(ns, events=events, sources=(*renamed, *gone))
