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

Under a namespace the caller chose, session ids carry the file's stem (``chat/session_1``): the new file
is compared with each old input as a file of that input's stem (:func:`stem_of`) reads, so a renamed
file is recognised, and it keeps the ids it was written under (its stem recorded: :func:`stem_key`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from graphmem.extract.clocks import all_days_on_clock
from graphmem.extract.events import order_sessions
from graphmem.formats import read_source
from graphmem.formats._source import Source
from graphmem.ingest_owners import GONE, GONE_PRINT, Owners
from graphmem.ingest_prints import SessionPrint, addressing, kept_turns, prints_key, prints_prefix
from graphmem.models import Batch, SourceRecord
from graphmem.transcript import Transcript

if TYPE_CHECKING:
    from graphmem.ingest_hashes import Hashes
    from graphmem.store.base import GraphStore

__all__ = ["Found", "find_moved", "move_batch", "moved_from", "old_prints", "records_of", "stem_key"]

#: The input's transcripts as a file named with the given stem reads them (ids under a chosen namespace
#: carry the file's stem), filtered and ordered as the transcripts handed to :func:`moved_from`.
Reread = Callable[[str], Sequence[Transcript]]


def stem_key(key: str) -> str:
    """The key of the record naming the stem the session ids of the input keyed ``key`` carry, when it was
    renamed: ``chat.txt`` ingested with ``-n ns`` wrote ``chat/session_1``, and renamed ``talk.txt`` keeps
    those ids."""
    return f"{key}#stem"


def ids_stem(owners: Owners, ns: str, key: str) -> str | None:
    """The stem the session ids of the input ``key`` carry in ``ns`` when not its own file's (it was
    renamed), else ``None``."""
    record = owners.record(ns, stem_key(key))
    return record.content_hash if record is not None and record.content_hash != GONE else None


def as_named(src: Source, stem: str) -> Source:
    """``src`` read as a file named ``stem`` (same folder and suffix) would be: the session ids it gives
    under a chosen namespace carry ``stem``."""
    path = Path(src.path)
    return replace(src, path=str(path.with_name(stem + path.suffix)))


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


def _begins_alike(owners: Owners, ns: str, source: str, leading: tuple[str, SessionPrint] | None) -> bool:
    """Whether the input ``source`` is recorded whole in ``ns`` and begins as ``leading`` does."""
    if leading is None:
        return False
    sid, new = leading
    own = owners.record(ns, source)
    if own is None or own.content_hash == GONE:
        return False
    stored = owners.record(ns, prints_key(source, sid))
    old = SessionPrint.decode(stored.content_hash) if stored is not None else None
    return old is not None and kept_turns(old, new) > 0


def stem_of(owners: Owners, ns: str, source: str) -> str:
    """The stem the session ids of the input ``source`` carry in ``ns`` (under a chosen namespace)."""
    return ids_stem(owners, ns, source) or Path(source).stem


def _opens_alike(owners: Owners, ns: str, source: str, new: SessionPrint) -> bool:
    """Whether a session the input ``source`` holds in ``ns`` has ``new``'s first turn (its print carries
    no session id): what the input must have to begin as ``new`` does under any stem."""
    prefix = prints_prefix(source)
    for record in owners.held(source).get(ns, []):
        old = SessionPrint.decode(record.content_hash) if record.key.startswith(prefix) else None
        if old is not None and old.opens_as(new):
            return True
    return False


def moved_from(
    owners: Owners,
    key: str,
    transcripts: Sequence[Transcript],
    config: str,
    reread: Reread | None = None,
) -> dict[str, str]:
    """Per namespace the input writes, the key of the input it is taken as moved from (see the module docs).

    Args:
        owners: who wrote what, and the records stored; what the old paths wrote in the namespaces found
            is handed to ``key`` (:meth:`Owners.move`).
        key: the input's key.
        transcripts: the input's transcripts (plain ids) into namespaces it does not hold as it is.
        config: how the run reads, extracts and embeds (the session prints' part of it).
        reread: under a namespace the caller chose (session ids carry the file's stem), the transcripts
            as a file of another stem reads them: each old input is compared under its own stem
            (:func:`stem_of`), so a renamed file is recognised.
    """
    if owners.held(key):
        return {}
    found: dict[str, str] = {}
    readings: dict[str, Sequence[Transcript]] = {}

    def leading_as(n: int, ns: str, source: str) -> tuple[str, SessionPrint] | None:
        leading = _leading_print(transcripts[n], config)
        if reread is None or leading is None or not _opens_alike(owners, ns, source, leading[1]):
            return leading  # read again only for an input with a session opening alike (turns carry no id)
        stem = stem_of(owners, ns, source)
        if stem not in readings:
            readings[stem] = reread(stem)
        return _leading_print(readings[stem][n], config)

    for n, t in enumerate(transcripts):
        if t.namespace in found or not t.sessions or owners.written(t.namespace, key):
            continue
        matches = [
            source
            for source in owners.sources(t.namespace)
            if source != key
            and source not in owners.this_run
            and os.path.isabs(source)
            and _begins_alike(owners, t.namespace, source, leading_as(n, t.namespace, source))
        ]
        if len(matches) == 1 and not os.path.lexists(matches[0]):
            found[t.namespace] = matches[0]
    for ns, old in found.items():
        owners.move(ns, old, key)
    return found


def move_batch(store: GraphStore, ns: str, old: str, key: str, now: datetime, stem: str | None = None) -> Batch:
    """The write handing to ``key`` what the input ``old`` wrote into ``ns``: its events re-keyed (as they
    are otherwise), its records copied under ``key`` and marked gone under ``old``; with ``stem``, the
    stem its session ids keep (:func:`stem_key`), its file being named otherwise."""
    events = tuple(replace(e, source_file=key) for e in store.iter_events(ns) if e.source_file == old)
    records = records_of(store, ns, old)
    renamed = tuple(
        SourceRecord(ns, key + r.key[len(old) :], r.content_hash, now) for r in records if r.key != stem_key(old)
    )
    if stem is not None:
        renamed = (*renamed, SourceRecord(ns, stem_key(key), stem, now))
    gone = tuple(
        SourceRecord(ns, r.key, GONE_PRINT if r.key.startswith(prints_prefix(old)) else GONE, now) for r in records
    )
    return Batch(ns, events=events, sources=(*renamed, *gone))


@dataclass(frozen=True, slots=True)
class Found:
    """What :func:`find_moved` found: the input to read (as named by the stem its session ids carry), its
    transcripts read so, the input it is taken as moved from per namespace, and the stem its ids keep when
    not its file's own (recorded with the move: :func:`stem_key`)."""

    source: Source
    transcripts: list[Transcript]
    came_from: dict[str, str]
    stem: str | None


def find_moved(
    owners: Owners,
    key: str,
    src: Source,
    transcripts: list[Transcript],
    current: dict[str, bool],
    hashes: Hashes,
    fmt: str,
    namespace: str | None,
    zone: tzinfo | None = None,
) -> Found:
    """The input ``src`` (read into ``transcripts``) as the input it was moved from, if any (:func:`moved_from`).

    Under a namespace the caller chose, session ids carry the file's stem (``chat/session_1``): a renamed
    input keeps the ids it was written under, so it is read as a file of the stem its old input's ids
    carry, that of the old path or the one recorded when that was renamed in turn (:func:`stem_key`).
    ``current``: per namespace, whether it holds the input as it is. ``zone``: the memory's clock, which
    resolves the dates alone of an input read again under another stem as ``transcripts`` were
    (:func:`~graphmem.extract.clocks.days_on_clock`). ``hashes``: how the run reads, extracts and embeds.

    An input a zoned memory read before dates alone were read on its clock (at UTC's midnight:
    :meth:`~graphmem.ingest_hashes.Hashes.before_days`) and that was renamed since is compared as that rule
    read it too, so it is taken as moved (and its sessions re-dated as an edit), not ingested beside.
    """
    found = _find(owners, key, src, transcripts, current, hashes.run("", fmt), fmt, namespace, zone)
    earlier = hashes.before_days("", fmt)
    if found.came_from or earlier is None:
        return found
    before = all_days_on_clock(read_source(src, format=fmt, namespace=namespace), None)
    old = _find(owners, key, src, before, current, earlier, fmt, namespace, None)
    if not old.came_from:
        return found
    if old.source is src:
        return replace(old, transcripts=transcripts)
    reading = read_source(old.source, format=fmt, namespace=namespace, zone=zone)
    return replace(old, transcripts=all_days_on_clock(reading, zone))


def _find(
    owners: Owners,
    key: str,
    src: Source,
    transcripts: list[Transcript],
    current: dict[str, bool],
    config: str,
    fmt: str,
    namespace: str | None,
    zone: tzinfo | None,
) -> Found:
    if namespace is None:  # the namespaces and ids are the file's own: no stem in them to keep
        wanted = [t for t in transcripts if not current[t.namespace]]
        return Found(src, transcripts, moved_from(owners, key, wanted, config), None)
    own = Path(src.path).stem
    readings = {own: transcripts}

    def read(stem: str) -> list[Transcript]:
        if stem not in readings:
            reading = read_source(as_named(src, stem), format=fmt, namespace=namespace, zone=zone)
            readings[stem] = all_days_on_clock(reading, zone)
        return readings[stem]

    def todo(stem: str) -> list[Transcript]:
        return [t for t in read(stem) if not current[t.namespace]]

    stem = ids_stem(owners, namespace, key) or own  # renamed before: its ids keep their stem
    came_from = moved_from(owners, key, todo(stem), config, todo)
    if namespace in came_from:
        stem = stem_of(owners, namespace, came_from[namespace])
    source = src if stem == own else as_named(src, stem)
    return Found(source, read(stem), came_from, None if stem == own else stem)
