"""The read stage of ingestion: inputs → checked transcripts, with what each must replace.

For every input this decides, before anything is extracted:

- whether it is new, changed or unchanged: a transcript whose source record (file key + content hash) is
  already stored is skipped, so re-ingesting unchanged content is a no-op. The content hash covers the
  bytes and what made the stored data from them: the reader, the extractor and its version, whether
  events were embedded, and the memory's clock for an input giving a time without an offset (its turns
  are dated on that clock: :func:`read_jobs`). It does not cover how they were embedded (the embedder,
  the embedded-text scheme of :mod:`graphmem.embed_text`): a store embedded by an older scheme keeps its vectors, and
  ``graphmem reembed`` (:mod:`graphmem.reembed`) re-embeds them in place. An input ingested without
  vectors counts as embedded for an ingest that embeds once every event it wrote carries one (``graphmem
  reembed`` gave them), and so do its sessions' fingerprints: unchanged, it is skipped; edited, only what
  changed is redone (:mod:`graphmem.ingest_hashes`). An input whose content is
  recorded from another path in every namespace it writes (a copy, a moved file) is skipped too, with a
  note naming that path (:func:`graphmem.ingest_held.copy_of_another`); one moved and edited may be
  taken for the input its old path was (:mod:`graphmem.ingest_moved`);
- which of its turns are stored already, added live in the same session with the same id (or, without
  one, saying the same at the same time), and which live messages stand in a session it writes
  (:mod:`graphmem.ingest_held`): a live session the input holds whole is taken over, else those turns are
  left out; its own live messages are written again from it, any other where it would write is an error;
- which session ids it writes: an input keeps its plain ids (``session_1``) unless another input already
  holds them in the same namespace (two ``chat.txt`` in different folders); then its ids carry its
  :func:`~graphmem.formats.source_tag`, so two inputs never write the same session or event (a session
  the input wrote before keeps its id: :mod:`graphmem.ingest_ids`);
- what a changed input redoes (:mod:`graphmem.ingest_diff`, from the turn fingerprints of
  :mod:`graphmem.ingest_prints` stored beside its record): each session keeps its unchanged leading
  turns; the rest is retracted (the events the earlier version wrote there, found by their
  ``source_file``, the input's absolute path) and written again in the same transaction; sessions the
  input no longer holds are retracted with its first unit into their namespace. Every record of a
  conversation is kept in its namespace under the input's key (never its position in a file of several
  conversations); a namespace the input no longer writes is retracted whole, in a unit of its own.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphmem.errors import EmptyInputError, GraphmemError, IngestError
from graphmem.extract.clocks import (
    all_days_on_clock,
    days_on_clock,
    has_calendar_days,
    has_utc_times,
    transcript_on_memory_clock,
)
from graphmem.extract.events import order_sessions
from graphmem.formats import UsedNames, load_source, read_records, read_source
from graphmem.ingest_diff import SessionPlan, plan_sessions
from graphmem.ingest_hashes import Hashes, clock_name, embedded_since, is_current
from graphmem.ingest_held import added_live, copy_of_another, live_in_the_way, moves_live, retract_with, without
from graphmem.ingest_ids import choose_ids, former_ids, needs_other_ids
from graphmem.ingest_moved import find_moved, move_batch, old_prints
from graphmem.ingest_oldnames import old_spellings, respelled
from graphmem.ingest_owners import GONE, GONE_PRINT, Owners
from graphmem.ingest_paths import FOLDER_SUFFIXES, Records, check_readable, collect_files, inputs_of
from graphmem.ingest_prints import SessionPrint, addressing, prints_key, prints_prefix
from graphmem.ingest_units import Todo, add_units, session_key
from graphmem.ingest_unprinted import inferred_prints
from graphmem.models import SourceRecord
from graphmem.transcript import Transcript
from graphmem.writer import fact_chains

if TYPE_CHECKING:
    from graphmem.extract import Extractor
    from graphmem.store.base import GraphStore

__all__ = [
    "FOLDER_SUFFIXES",
    "Job",
    "Records",
    "check_readable",
    "collect_files",
    "inputs_of",
    "read_jobs",
]


@dataclass(slots=True)
class Job:
    """One input: its transcripts still to ingest; or why it failed."""

    path: str
    todo: list[Todo] = field(default_factory=list)
    error: str | None = None
    skipped: bool = False
    read_seconds: float = 0.0
    #: Turns of a changed input left as they were stored (each session's unchanged leading turns).
    kept: int = 0
    #: What to tell the user about a skipped input (it is a copy of one already ingested from another path).
    note: str | None = None
    #: Turns not written because the namespace holds them already, added live with the same id in the
    #: same session (:func:`graphmem.ingest_held.added_live`).
    live: int = 0
    #: Skipped because the file is empty or only whitespace (what it wrote before, if anything, stays).
    empty: bool = False
    #: Messages of the input left out for want of text (``null``, empty or only whitespace).
    empty_messages: int = 0

    @property
    def turns(self) -> int:
        """Turns still to ingest."""
        return sum(t.transcript.turn_count for t in self.todo)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _moved(
    ns: str, written: dict[str, dict[int, str]], new_ids: set[str], adopted: dict[tuple[str, str], str]
) -> dict[str, list[tuple[str, int, str]]]:
    """The events of the live sessions of ``ns`` taken over under another id, per input session writing
    them (live sessions ``3`` and ``session_3`` may both go to one input session), in order: (live
    session, position, event id)."""
    moved: dict[str, list[tuple[str, int, str]]] = {}
    for sid, evs in sorted(written.items()):
        if sid not in new_ids and (ns, sid) in adopted:
            moved.setdefault(adopted[(ns, sid)], []).extend((sid, seq, e) for seq, e in sorted(evs.items()))
    return moved


def _plan_file(
    store: GraphStore,
    owners: Owners,
    job: Job,
    path: str,
    *,
    namespace: str | None,
    format: str | None,
    hashes: Hashes,
    zone: tzinfo | None = None,
) -> None:
    src = load_source(path)
    used = UsedNames(dict(hashes.participants))
    transcripts = read_source(src, format=format, namespace=namespace, participants=used, zone=zone)
    hashes = hashes.using(used.used)  # a name for a role its messages lack changes nothing it reads
    # a clock dates only times without an offset
    hashes = hashes.dating(has_utc_times(transcripts), has_calendar_days(transcripts))
    # dates alone resolved on the clock now, so what was read compares with what is stored (live messages)
    transcripts = all_days_on_clock(transcripts, zone)
    job.empty_messages = sum(t.empty_left_out for t in transcripts)
    fmt = transcripts[0].format if transcripts else (format or "unknown")
    digest = hashlib.sha256(src.data).hexdigest()
    content_hash = hashes.run(digest, fmt)
    both = (content_hash, hashes.bare(digest, fmt))
    key = src.key
    # an input ingested under the ASCII name its file gave before stays there (ingest_oldnames)
    spellings = {} if namespace is not None else old_spellings(owners, path, key, transcripts, content_hash)
    transcripts = respelled(transcripts, spellings)
    # every record of a conversation is keyed by the file and kept in its namespace (source records are
    # per namespace), never by its position in the file: reordering conversations changes nothing
    spaces = list(dict.fromkeys(t.namespace for t in transcripts))
    current = {ns: is_current(store, owners, ns, key, both) for ns in spaces}
    if all(current.values()):
        job.skipped = True
        return
    if copy_of_another(owners, job, spaces, current, key, content_hash, both[1]):
        return
    config = hashes.run("", fmt)
    bare_config = hashes.bare("", fmt)
    # moved here and edited, its old path gone: what the old path wrote is the input's earlier version;
    # under a chosen namespace, read as named by the stem its session ids carry (it was renamed)
    found = find_moved(owners, key, src, transcripts, current, hashes, fmt, namespace, zone)
    src, transcripts, came_from = found.source, found.transcripts, found.came_from
    plain = transcripts
    adopted: dict[tuple[str, str], str] = {}  # (namespace, live session taken over) → the input's session id
    todo = [t for t in plain if not current[t.namespace]]
    known = added_live(store, owners, job, todo, key, namespace is not None, adopted)
    for ns in spaces:  # read and checked: a copy later in this run is skipped
        if not current[ns]:
            owners.planned(ns, content_hash, key)
    transcripts = [without(t, known) for t in plain]
    readings = [transcripts]
    writes = [t for t in plain if not current[t.namespace]]
    formerly: dict[tuple[str, str], list[str]] = {}  # (namespace, session id chosen) → ids it moved from
    moves = partial(moves_live, store, owners)  # whether a session would give a live id to another turn
    if needs_other_ids(owners, key, [t for t in transcripts if not current[t.namespace]], writes, moves):
        # only the sessions another holds, or whose ids a live message had, are tagged; those the input
        # wrote keep their ids (ingest_ids)
        names = dict(hashes.participants)
        tagged_reading = read_source(src, format=fmt, namespace=namespace, tagged=True, participants=names, zone=zone)
        retagged = respelled(all_days_on_clock(tagged_reading, zone), spellings)
        tagged = choose_ids(owners, key, plain, retagged, moves)
        formerly = former_ids(owners, key, plain, retagged, tagged)
        renamed = {
            (p.namespace, ps.id): ts.id
            for t, p in zip(tagged, plain, strict=True)
            for ts, ps in zip(t.sessions, p.sessions, strict=True)
        }
        adopted = {where: renamed.get((where[0], sid), sid) for where, sid in adopted.items()}
        transcripts = [without(t, known, plain=p) for t, p in zip(tagged, plain, strict=True)]
        readings.append(transcripts)
    keep: dict[str, set[str]] = {}  # sessions an interrupted run of this very version wrote (with or without tag)
    for reading in readings:
        for t in reading:
            ns, done = t.namespace, current[t.namespace]
            ids = {s.id for s in t.sessions if done or is_current(store, owners, ns, key, both, s.id)}
            keep.setdefault(ns, set()).update(ids)
    groups: dict[str, list[Transcript]] = {}
    for t in transcripts:
        groups.setdefault(t.namespace, []).append(t)
    now = _now()
    # namespaces the file wrote before and no longer does (a conversation gone from a file of several):
    # retracted first, so a run interrupted later has already let go of them. Only for namespaces the file
    # names itself: one the caller chose says where to write, not that the file left the others ("ingest
    # chat.txt -n b" after "-n a" writes b beside a), and one holding what the file still says is a copy a
    # caller chose before ("ingest chat.txt" after "-n a" writes chat beside a)
    if namespace is None:
        _let_go_of_gone_namespaces(owners, job, key, set(groups), now)
    for ns, group in groups.items():
        if current[ns]:
            continue
        for t in group:
            owners.claim(t, key)
        written = owners.written(ns, key)
        new_ids = {s.id for t in group for s in t.sessions}
        # a live session taken over under another id (``session_2`` by ``export/session_2``) is retracted
        # in the unit writing its replacement, so a failure part way leaves it as it was
        moved = _moved(ns, written, new_ids, adopted)
        # the first unit into a namespace retracts the sessions that disappeared
        stale = tuple(
            e
            for sid, evs in written.items()
            if sid not in new_ids and (ns, sid) not in adopted
            for _, e in sorted(evs.items())
        )
        own = {sid: evs for sid, evs in written.items() if sid in new_ids or (ns, sid) not in adopted}
        start = len(job.todo)
        old = old_prints(store, ns, came_from.get(ns, key))
        gone = _gone_records(ns, key, old, written, new_ids)
        for n, t in enumerate(group):
            plans = _plan_sessions(store, owners, key, t, old, written, keep.get(ns, set()), (config, bare_config))
            job.kept += sum(p.kept for p in plans)
            first = n == 0
            add_units(
                job,
                t,
                key,
                plans,
                gone if first else [],
                stale if first else (),
                content_hash,
                n == len(group) - 1,
                now,
                store,
                own,  # the live events taken over are not kept: their words are no vocabulary
                keep.get(ns, set()),
            )
            live_in_the_way(store, owners, job, t, start, formerly)
        retract_with(job, start, moved)
        if namespace is not None and len(job.todo) > start:
            # with the namespace's first unit: a namespace holding any of the input is known to be the caller's
            unit = job.todo[start]
            job.todo[start] = replace(unit, marks=(*unit.marks, SourceRecord(ns, chosen_key(key), "chosen", now)))
    _take_as_moved(store, job, key, came_from, now, found.stem)
    job.skipped = not job.todo


def _take_as_moved(
    store: GraphStore, job: Job, key: str, came_from: dict[str, str], now: datetime, stem: str | None
) -> None:
    """Re-key what the old paths wrote (per namespace: ``came_from``) before the first unit, with a note;
    ``stem``: the one its session ids keep, when not its file's (it was renamed under a chosen namespace)."""
    if not came_from or not job.todo:
        return
    moves = tuple(move_batch(store, ns, old, key, now, stem) for ns, old in came_from.items())
    job.todo[0] = replace(job.todo[0], moves=moves)
    job.note = "; ".join(f"{job.path}: taken as moved from {old} (namespace {ns!r})" for ns, old in came_from.items())


def _add_gone_namespace(
    job: Job, owners: Owners, ns: str, key: str, records: list[SourceRecord], now: datetime
) -> None:
    """One unit retracting everything the input wrote into ``ns``, which its new version no longer writes,
    its records there marked gone (the input going back to that content must write it again)."""
    written = owners.written(ns, key)
    retract = tuple(e for _, evs in sorted(written.items()) for _, e in sorted(evs.items()))
    marks = tuple(
        SourceRecord(ns, r.key, GONE_PRINT if r.key.startswith(prints_prefix(key)) else GONE, now) for r in records
    )
    job.todo.append(Todo(Transcript(ns, (), source_file=key), None, retract, marks))


def _let_go_of_gone_namespaces(owners: Owners, job: Job, key: str, writes: set[str], now: datetime) -> None:
    """Retract what the input wrote into each namespace it no longer ``writes``, unless a caller chose that
    namespace for it (:func:`chosen_key`): "ingest chat.txt" after "-n a" writes chat beside a."""
    for ns, records in owners.held(key).items():
        if ns not in writes and not any(r.key == chosen_key(key) for r in records):
            _add_gone_namespace(job, owners, ns, key, records, now)


def chosen_key(key: str) -> str:
    """The key of the record saying that a caller chose the namespace the input keyed ``key`` went into."""
    return f"{key}#chosen"


def _gone_records(
    ns: str, key: str, old: dict[str, SessionPrint], written: dict[str, dict[int, str]], ids: set[str]
) -> list[SourceRecord]:
    """The records marking gone the sessions of ``ns`` the input held and its new version (``ids``) does not."""
    left = {sid for sid, p in old.items() if not p.gone} | set(written)
    return [
        record
        for sid in sorted(left - ids)
        for record in (
            SourceRecord(ns, prints_key(key, sid), GONE_PRINT, _now()),
            # the session's mark goes too: the input going back to that content must write it again
            SourceRecord(ns, session_key(key, sid), GONE, _now()),
        )
    ]


def _plan_sessions(
    store: GraphStore,
    owners: Owners,
    key: str,
    t: Transcript,
    old: dict[str, SessionPrint],
    written: dict[str, dict[int, str]],
    done: set[str],
    configs: tuple[str, str | None],
) -> list[SessionPlan]:
    """Each session's plan (see :mod:`graphmem.ingest_diff`); ``configs``: the run's print config and, when
    it embeds, the one of an ingest without vectors (:func:`graphmem.ingest_hashes.embedded_since`)."""
    ns = t.namespace
    ordered = order_sessions(t.sessions)
    addressed = addressing([turn.speaker for s in ordered for turn in s.turns])
    config, bare = configs
    prints = [SessionPrint.of(s, i, addressed, config) for i, s in enumerate(ordered)]
    if bare is not None:
        bare_prints = [SessionPrint.of(s, i, addressed, bare) for i, s in enumerate(ordered)]
        old = embedded_since(
            old, prints, bare_prints, [s.id for s in ordered], lambda sid: owners.embedded(ns, key, sid)
        )
    old = inferred_prints(store, ns, key, ordered, prints, old, written, done)  # a store from before prints
    return plan_sessions(
        ordered,
        prints,
        old,
        written,
        done=done,
        many=addressed == "many",
        facts=lambda: store.iter_facts(ns),
        chains=lambda ids: fact_chains(store, ns, ids),
    )


def _plan_records(
    store: GraphStore, job: Job, records: list[Any], namespace: str | None, hashes: Hashes, zone: tzinfo | None
) -> None:
    # records ingested without vectors are written again by an ingest that embeds, even after reembed:
    # their events carry no source to tell them by
    blob = json.dumps(records, sort_keys=True, default=str, ensure_ascii=False).encode()
    digest = hashlib.sha256(blob).hexdigest()
    ns = namespace or "default"
    transcript = read_records(records, namespace=ns, key=f"records-{digest[:8]}", zone=zone)
    key = f"records:{digest[:16]}"
    content_hash = hashes.dating(has_utc_times([transcript]), has_calendar_days([transcript])).run(digest, "records")
    transcript = days_on_clock(transcript, zone)
    if store.has_source(ns, key, content_hash):
        job.skipped = True
    else:
        job.todo.append(Todo(transcript, SourceRecord(ns, key, content_hash, _now())))


def _check_space(job: Job, mismatch: Callable[[str], str | None] | None) -> None:
    """Fail ``job`` (nothing written) when it would embed into a namespace holding another model's vectors."""
    if mismatch is None:
        return
    for ns in dict.fromkeys(t.transcript.namespace for t in job.todo if t.transcript.sessions):
        reason = mismatch(ns)
        if reason is not None:
            job.todo, job.kept = [], 0
            raise IngestError(reason, path=job.path)


def read_jobs(
    store: GraphStore,
    inputs: list[str] | Records,
    *,
    namespace: str | None,
    format: str | None,
    extractor: Extractor,
    embed: bool,
    mismatch: Callable[[str], str | None] | None = None,
    participants: Mapping[str, str] | None = None,
    zone: tzinfo | None = None,
) -> Iterator[Job]:
    """Yield one job per input, read and checked against the store (lazily, so a big folder streams).

    A failed read leaves the job's ``error`` set (the message names the file and the line or JSON path).
    ``mismatch`` tells, for a namespace, why the run's embedder must not write there (its stored vectors
    are another model's; see :func:`graphmem.ingest.ingest`), or ``None``: a job with turns to write
    into such a namespace fails with that message, before anything of it is written. ``zone`` is the
    memory's clock: the times an input gives without an offset (UTC) are shown on it before extraction
    (:func:`~graphmem.extract.clocks.transcript_on_memory_clock`), so what its turns say ("yesterday") is
    dated on that calendar, as a live message's is; an input dated so records the clock in its hashes
    (:class:`~graphmem.ingest_hashes.Hashes`), so one read on another clock is read anew.
    """

    hashes = Hashes(extractor, embed, tuple(sorted((participants or {}).items())), clock_name(zone))
    if isinstance(inputs, Records):
        started = time.perf_counter()
        job = Job("<records>")
        try:
            _plan_records(store, job, inputs.records, namespace, hashes, zone)
        except GraphmemError as exc:
            job.error = str(exc)
        job.read_seconds = time.perf_counter() - started
        yield _on_clock(job, zone)
        return
    owners = Owners(store)
    suffixes = ", ".join(sorted(FOLDER_SUFFIXES))
    for path in inputs:
        started = time.perf_counter()
        job = Job(path)
        try:
            if Path(path).is_dir():
                job.error = f"no transcript files under {path} (looked for {suffixes})"
            else:
                _plan_file(store, owners, job, path, namespace=namespace, format=format, hashes=hashes, zone=zone)
                _check_space(job, mismatch)
        except EmptyInputError:  # a log created but not written yet: nothing to read, nothing to fail
            job.skipped = job.empty = True
            job.note = f"{path}: skipped, the file is empty (nothing to ingest yet)"
        except GraphmemError as exc:
            job.error = str(exc) if isinstance(exc, IngestError) else f"{path}: {exc}"
        except Exception as exc:  # a reader bug on one input must not stop a run over a folder
            job.error = f"{path}: cannot read: {type(exc).__name__}: {exc}"
        job.read_seconds = time.perf_counter() - started
        yield _on_clock(job, zone)


def _on_clock(job: Job, zone: tzinfo | None) -> Job:
    """``job`` with its transcripts' times on the memory's clock ``zone``: once planned, as planning compares
    times as read (prints, ids, messages added live)."""
    job.todo = [replace(t, transcript=transcript_on_memory_clock(t.transcript, zone)) for t in job.todo]
    return job
