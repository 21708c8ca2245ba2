"""Copy memory between stores: an embedded directory into Neo4j and back, one namespace or all.

``graphmem sync --from ./mem --to neo4j://host:7687`` is :func:`sync_stores`; ``--from backup.json``, a JSON
export, is :func:`read_export` and :func:`restore_export` (the export read whole first, so a bad file changes
and creates nothing). Every namespace to copy is checked before the first write (:mod:`graphmem.sync_check`):
each whole in itself (one record per id, every reference resolved), and, in a merge, no message of the
target overwritten by another the source gave the same id; a failed check writes nothing (an export is
checked once, as it is read). A store is read through the :class:`~graphmem.store.base.GraphStore` protocol
and written in batches, so it works between any two backends. Records are upserted by id, so a sync that
stopped half-way (server down) is completed by running it again.

On a server target other clients may write a namespace while it is merged: each namespace's merge (the
check against the target, what the target holds read, the batches and the settling) runs inside the
store's guard of it, and when another client wrote it meanwhile it is made again from what the target holds
then (:func:`graphmem.write_retry.run_guarded`), checked again first; what it wrote before stays, upserted
again. A replace reads nothing of the target before its one transaction and is not guarded: it makes the
namespace hold what the source holds.

A sync from a store holds one namespace in memory at a time: it reads and checks each namespace in turn,
dropping it once checked, then reads each again to write it. Another writer may change the source
between the two reads: a namespace whose second read differs from the one checked
(:meth:`NamespaceDump.digest <graphmem.export.NamespaceDump.digest>`) is checked again as read, so nothing
unchecked is written; if it fails now, the namespaces before it are copied already and the error says which.

A fact the target does not hold (each one, when the target lacks the namespace) is written as the source's
chain of versions, archived ones included, exactly: the memory axis (``AS OF``) of the copy is the source's.

A sync copying vectors checks every stored vector of the namespaces it copies first, as a restore checks an
export's (:func:`graphmem.export_vectors.check_stored_vectors`): a source holding one that recall could not
search (empty, NaN or an infinity, or not of its model's dimension: written by another writer, or restored
before restores checked vectors) is refused before anything is written, naming the namespace and the node.
Nothing is lost that way: the source is only read, and ``graphmem reembed`` at the source repairs an event's
vector (or ``embeddings=False``, ``--no-embeddings``, copies the rest without vectors). Copying it as is would
carry the damage; leaving the one vector out would hide it.

Copying into a namespace the target already holds never undoes what the target learned later: for each
fact id, the version memory recorded later wins. A fact whose current version at the target was recorded
after the source's (a newer value or a closing the target learned since the backup was made) keeps it, and
an archived version the target holds stays as it holds it; a source version recorded later (or at the same
time) is written, and the target's own becomes an archived version of it
(:func:`graphmem.store.versions.version_batch`). So an older backup merged into a newer store adds what
the store lacks and changes nothing it knows, and a newer backup merged into an older store brings it up to
date. Then the ends of the merged facts are derived again over the union (:func:`graphmem.settle.settle`):
a value only the source knew ends the target's earlier one, and the other way round, as writing both
memories' statements into one gives.

Two limits of a merge: closings are not stored apart from the versions they make, so when both sides
closed one fact differently (one learned "I quit", the other a later value), the version recorded later
wins and the other side's end is lost (a March "I quit" yields to the June end a new job gave). And
a merge cannot tell a forgotten live message from one the target never had: merging an older backup
brings live messages forgotten since (and the facts they support) back; forget them again after such a
merge. (A turn of a file the target ingested is not brought back, see below.)

The ingest bookkeeping (each input's source record and its sessions' turn fingerprints) is copied too,
so ingesting the same folder (at the same path: records are keyed by it) into the target skips what is
unchanged and keeps forgotten turns forgotten. When merging, the target's version of an input it has
ingested is kept whole (:mod:`graphmem.sync_inputs`): its records, and its turns, which the merge does not
overwrite, add to or bring back, nor what the source read in turns the target holds otherwise (an older
backup's turns of a file edited and ingested again since). So the next ingest of the file skips it when
unchanged and diffs against what the target holds when edited. A live message, which no file gives again,
is never overwritten either (:func:`~graphmem.sync_check.check_merge`).

``replace=True`` makes each target namespace hold what the source holds, records deleted at the source
disappearing at the target too, and never shows a half-copied namespace: it is written as one batch, so a
failure leaves the target as it was: :meth:`~graphmem.store.base.GraphStore.replace_namespace` empties the
namespace and writes the batch in one transaction. The positions each session has given are copied
too (:attr:`NamespaceDump.positions <graphmem.export.NamespaceDump>`), and a replaced namespace keeps its
own, so live ingestion at the target never gives an event id the source or the target gave before; so
are the places of forgotten live messages (:attr:`NamespaceDump.forgotten_live
<graphmem.export.NamespaceDump>`), so a file ingested at the target never gives their ids again.
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from dataclasses import replace as replace_dump

from graphmem.errors import ConfigError
from graphmem.export import NamespaceDump, dump_namespace, dumps_from_json
from graphmem.export_vectors import BadRecord, check_stored_vectors
from graphmem.models import Batch, EdgeType, Fact, Mention
from graphmem.namespaces import require_namespace
from graphmem.settle import settle
from graphmem.store.base import GraphStore, GuardsWrites
from graphmem.store.sqlite_rows import normalised_fact
from graphmem.store.versions import is_archive, logical_id
from graphmem.sync_check import CheckedDumps, check_dumps, check_listed, check_merge
from graphmem.sync_inputs import keep_ingested
from graphmem.write_retry import run_guarded

__all__ = ["NamespaceSync", "SyncSummary", "read_export", "restore_export", "sync_stores"]

#: Events (with their mentions) per batch.
BATCH_EVENTS = 500


@dataclass(frozen=True)
class NamespaceSync:
    """What was copied for one namespace (``events_kept``: the source's events of inputs the target
    ingested, not copied in a merge: the target's version of them stays, :mod:`graphmem.sync_inputs`).

    ``mentions`` and ``spoken_by`` count the copied links of events to what they name and to their speakers,
    as :class:`~graphmem.store.results.StoreStats` does (``mentions`` counted both until 6 Dec 2026)."""

    namespace: str
    sessions: int
    events: int
    entities: int
    mentions: int
    facts: int
    embeddings: int
    batches: int
    events_kept: int = 0
    spoken_by: int = 0


@dataclass
class SyncSummary:
    """What a sync copied, from where to where."""

    source: str
    target: str
    namespaces: list[NamespaceSync] = field(default_factory=list)

    @property
    def events(self) -> int:
        """Events copied in all namespaces."""
        return sum(n.events for n in self.namespaces)


def _batches(dump: NamespaceDump, batch_events: int, held: Collection[str] = ()) -> list[Batch]:
    """Upsert batches: sessions and entities, then events with their mentions, facts, embeddings.

    The versions of a fact the target does not hold (no id of ``held``) are the source's chain whole and
    are written as they are (``Batch.versioned``): versioned again one by one, a current version whose
    earlier ones come in another batch would look new, and one a later fact ends be split in two."""
    ns = dump.namespace
    # the positions each session has given (and those of forgotten live messages) come first: a sync that
    # stops half-way numbers after them
    batches = [
        Batch(
            ns,
            sessions=tuple(dump.sessions),
            entities=tuple(dump.entities),
            positions=dump.position_marks(),
            forgotten_live=dump.forgotten_live,
        )
    ]
    by_event: dict[str, list[Mention]] = {}
    for m in dump.mentions:
        by_event.setdefault(m.event_id, []).append(m)
    for start in range(0, len(dump.events), batch_events):
        events = tuple(dump.events[start : start + batch_events])
        mentions = tuple(m for e in events for m in by_event.get(e.id, ()))
        batches.append(Batch(ns, events=events, mentions=mentions))
    known = set(held)
    for versioned in (True, False):
        facts = [f for f in dump.facts if (logical_id(f.id) not in known) is versioned]
        for start in range(0, len(facts), batch_events):
            batches.append(Batch(ns, facts=tuple(facts[start : start + batch_events]), versioned=versioned))
    batches.extend(dump.embedding_batches(batch_events))
    batches = [b for b in batches if len(b)]
    if dump.sources:  # last: an input is marked ingested once what it wrote is
        batches.append(Batch(ns, sources=tuple(dump.sources)))
    return batches


def _whole(dump: NamespaceDump) -> list[Batch]:
    """The namespace as one batch (with the vectors of its main model); other models' vectors follow."""
    extra = dump.embedding_batches(None)
    first = extra.pop(0) if extra else None
    whole = Batch(
        dump.namespace,
        sessions=tuple(dump.sessions),
        events=tuple(dump.events),
        entities=tuple(dump.entities),
        mentions=tuple(dump.mentions),
        facts=tuple(dump.facts),
        embeddings=first.embeddings if first else (),
        embedding_model=first.embedding_model if first else None,
        embedding_scheme=first.embedding_scheme if first else None,
        sources=tuple(dump.sources),
        positions=dump.position_marks(),
        forgotten_live=dump.forgotten_live,
    )
    return [whole, *extra]


def sync_stores(
    source: GraphStore,
    target: GraphStore,
    *,
    namespaces: Sequence[str] | None = None,
    replace: bool = False,
    embeddings: bool = True,
    batch_events: int = BATCH_EVENTS,
    progress: Callable[[str, int, int], None] | None = None,
) -> SyncSummary:
    """Copy namespaces from ``source`` to ``target``.

    Args:
        source: the store to read.
        target: the store to write.
        namespaces: the namespaces to copy (default: every one the source holds).
        replace: make each namespace at the target hold what the source holds, in one batch (see the
            module docstring); a failure leaves the target namespace as it was.
        embeddings: copy stored embeddings too (the target's clients then need no re-embedding).
        batch_events: events per write batch (without ``replace``).
        progress: called as ``progress(namespace, batches_done, batches_total)``.

    Raises:
        ConfigError: a named namespace holds no data at the source, source and target are the same
            store (by :meth:`~graphmem.store.base.GraphStore.identity`, not by the text of their URIs),
            (with ``embeddings``) the source holds a malformed vector (see the module docstring), or a
            check of :mod:`graphmem.sync_check` fails: nothing is written (but for a namespace another writer
            changed at the source after its check, found failing when read again to be copied: the
            namespaces before it are copied then, and the message names them).
        StoreError: a read or write failed; batches already written stay (run the sync again), and with
            ``replace`` the namespace being replaced is unchanged.
        WriteConflictError: in a merge into a server, other clients wrote a namespace during each attempt to
            copy it; what was written stays (run the sync again).
    """
    if source.identity().same_as(target.identity()):
        where = source.uri if source.uri == target.uri else f"{source.uri} and {target.uri}"
        raise ConfigError(f"source and target are the same store ({where})")
    existing = source.namespaces()
    wanted = list(namespaces) if namespaces else existing
    for ns in wanted:
        require_namespace(ns, existing, where=source.uri)
    summary = SyncSummary(source.uri, target.uri)
    checks = _SourceChecks(source, target, summary, merge=not replace)
    # every namespace is checked before the first write, each read alone and dropped once checked (a
    # store's namespaces, vectors included, need not fit in memory together), then read again to be written
    for ns in wanted:
        checks.check(dump_namespace(source, ns, embeddings=embeddings))

    def read_again(ns: str) -> NamespaceDump:
        return checks.again(dump_namespace(source, ns, embeddings=embeddings))

    return _copy(wanted, read_again, target, summary, replace, batch_events, progress)


class _SourceChecks:
    """What :func:`sync_stores` checks of each namespace it reads from the source, one at a time: its vectors
    (with ``embeddings``), that it is whole (:func:`~graphmem.sync_check.check_listed`) and, in a merge, that it
    overwrites no message of the target (:func:`~graphmem.sync_check.check_merge`)."""

    def __init__(self, source: GraphStore, target: GraphStore, summary: SyncSummary, *, merge: bool) -> None:
        self._source, self._target, self._summary, self._merge = source, target, summary, merge
        self._listed: dict[str, int] = {}  # namespace → its place in the sync, as check_listed names it
        self._digests: dict[str, bytes] = {}  # namespace → the digest of the dump checked

    def check(self, dump: NamespaceDump) -> None:
        """Check the next namespace, before anything is written."""
        self._check(dump, len(self._listed), self._listed, None)
        self._digests[dump.namespace] = dump.digest()

    def again(self, dump: NamespaceDump) -> NamespaceDump:
        """``dump``, read again to be written: what was checked, or (the source written to since) checked now.

        Raises:
            ConfigError: the namespace changed at the source and fails a check now; the message says
                which namespaces were copied before it.
        """
        ns = dump.namespace
        if dump.digest() != self._digests[ns]:
            copied = ", ".join(repr(n.namespace) for n in self._summary.namespaces) or "no namespace"
            written = (
                f"namespace {ns!r} changed at {self._source.uri} after it was checked; {copied} copied before it, "
                f"nothing of {ns!r} or after it (run the sync again)"
            )
            self._check(dump, self._listed[ns], {}, written)
        return dump

    def _check(self, dump: NamespaceDump, index: int, listed: dict[str, int], written: str | None) -> None:
        uri, ns = self._source.uri, dump.namespace
        try:
            check_stored_vectors(dump.embeddings)
        except BadRecord as exc:
            raise ConfigError(
                f"{uri}: namespace {ns!r}: {exc.path} {exc.reason}; {written or 'nothing was copied'}: repair it "
                f"with `graphmem --db {shlex.quote(uri)} reembed -n {shlex.quote(ns)}`, or sync without vectors "
                "(--no-embeddings)"
            ) from None
        try:
            check_listed(dump, index, listed)
        except ConfigError as exc:
            raise ConfigError(f"{uri}: {exc}" + (f"; {written}" if written else "")) from None
        if self._merge:
            check_merge([dump], self._target, source=uri, written=written or "nothing was written")


def read_export(path: str | os.PathLike[str]) -> CheckedDumps:
    """The namespaces of a JSON export file (``graphmem export --format json``), checked whole
    (:func:`restore_export` does not check them again).

    Raises:
        ConfigError: the file cannot be read, is not a graphmem JSON export or is one of another format
            version (:data:`~graphmem.export.EXPORT_VERSION`), or a namespace in it is not whole
            (:func:`~graphmem.sync_check.check_dumps`: an id given twice, a reference to a record it lacks);
            the message names the file (and the version; for invalid JSON, its line and column; for a
            malformed record, its JSON path and namespace).
    """
    where = os.fspath(path)
    try:
        with open(where, encoding="utf-8") as f:
            data = json.load(f)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{where}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {where}: {exc}") from None
    try:
        # every namespace whole before anything is written, so a restore changes none
        return check_dumps(dumps_from_json(data))
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def restore_export(
    dumps: Sequence[NamespaceDump],
    target: GraphStore,
    *,
    source: str,
    namespaces: Sequence[str] | None = None,
    replace: bool = False,
    embeddings: bool = True,
    batch_events: int = BATCH_EVENTS,
    progress: Callable[[str, int, int], None] | None = None,
) -> SyncSummary:
    """Copy the namespaces of a JSON export (:func:`read_export`, from the file ``source``) into ``target``,
    as :func:`sync_stores` copies a store's (the same arguments; ``graphmem sync --from FILE.json``).

    Raises:
        ConfigError: a named namespace is not in the export, or a check of :mod:`graphmem.sync_check` fails
            on any namespace of the export (nothing is written then; dumps :func:`read_export` read, a
            :class:`~graphmem.sync_check.CheckedDumps`, were checked whole there and are not again).
        StoreError: as :func:`sync_stores`.
    """
    if not isinstance(dumps, CheckedDumps):
        try:
            dumps = check_dumps(dumps)
        except ConfigError as exc:
            raise ConfigError(f"{source}: {exc}") from None
    found = {d.namespace: d for d in dumps}
    wanted = list(namespaces) if namespaces else list(found)
    for ns in wanted:
        require_namespace(ns, list(found), where=source)
    if not replace:  # every namespace checked before the first write
        check_merge([found[ns] for ns in wanted], target, source=source)

    def chosen(ns: str) -> NamespaceDump:
        return found[ns] if embeddings else replace_dump(found[ns], embeddings=[], schemes={})

    return _copy(wanted, chosen, target, SyncSummary(source, target.uri), replace, batch_events, progress)


def _learned_later(held: Fact, incoming: Fact) -> bool:
    """Whether the target's version of a fact id is later knowledge than the source's (see the module docs)."""
    if is_archive(incoming.id):
        return True  # its id names its record time: the target holds that version already
    return held.recorded_at > incoming.recorded_at


def _without_older(dump: NamespaceDump, target: GraphStore) -> tuple[NamespaceDump, set[str]]:
    """The dump without what would change the target's version of an input it ingested
    (:func:`~graphmem.sync_inputs.keep_ingested`) and without the fact versions the target holds later
    knowledge of; and the ids of the facts the target holds (a version of)."""
    dump = keep_ingested(dump, target)
    if not dump.facts:
        return dump, set()
    held = {f.id: f for f in target.iter_facts(dump.namespace, history=True)}
    facts = [f for f in dump.facts if f.id not in held or not _learned_later(held[f.id], normalised_fact(f))]
    ids = {logical_id(fid) for fid in held}
    return (dump if len(facts) == len(dump.facts) else replace_dump(dump, facts=facts)), ids


def _copy(
    namespaces: Sequence[str],
    read: Callable[[str], NamespaceDump],
    target: GraphStore,
    summary: SyncSummary,
    replace: bool,
    batch_events: int,
    progress: Callable[[str, int, int], None] | None,
) -> SyncSummary:
    """Write each namespace, checked by the caller, as ``read`` gives it: one dump alive at a time."""
    for ns in namespaces:
        if replace:
            copied = _copy_namespace(read(ns), target, True, batch_events, progress)
        else:
            copied = _merge_guarded(read(ns), target, summary, batch_events, progress)
        summary.namespaces.append(copied)
    return summary


def _merge_guarded(
    dump: NamespaceDump,
    target: GraphStore,
    summary: SyncSummary,
    batch_events: int,
    progress: Callable[[str, int, int], None] | None,
) -> NamespaceSync:
    """Merge one namespace into ``target``; on a server store, inside its guard of the namespace, started over
    from what the target holds when another client wrote it meanwhile (see the module docs)."""
    ns = dump.namespace
    first: list[list[Fact] | None] = []  # the target's facts before the first attempt wrote any
    copied = ", ".join(repr(n.namespace) for n in summary.namespaces) or "no namespace"

    def attempt() -> NamespaceSync:
        if isinstance(target, GuardsWrites):  # checked before the guard began: another client may have written
            part = f"what was written of {ns!r} stays" if first else f"nothing of {ns!r} or after it"
            written = f"another client wrote {ns!r} at {target.uri} since the sync began; {copied} copied, {part}"
            check_merge([dump], target, source=summary.source, written=written)
        return _copy_namespace(dump, target, False, batch_events, progress, first)

    def failed(attempts: int) -> str:
        return (
            f"could not copy namespace {ns!r} into {target.uri}: other writers changed it during each of {attempts} "
            f"attempts; {copied} copied before it, what was written of {ns!r} stays (run the sync again)"
        )

    return run_guarded(target, ns, attempt, failed=failed)


def _copy_namespace(
    dump: NamespaceDump,
    target: GraphStore,
    replace: bool,
    batch_events: int,
    progress: Callable[[str, int, int], None] | None,
    first: list[list[Fact] | None] | None = None,
) -> NamespaceSync:
    """Write one namespace; in a merge, ``first`` keeps the target's current facts read by the first attempt
    (the facts the merge's settling compares with: a later attempt finds some of the source's written)."""
    ns = dump.namespace
    before: list[Fact] | None = None
    held: set[str] = set()
    given = len(dump.events)
    if not replace and ns in target.namespaces():
        before = list(target.iter_facts(ns))
        dump, held = _without_older(dump, target)
    if first is not None:  # the earliest facts read: the groups the settling derives again are a superset
        if not first:
            first.append(before)
        before = before if first[0] is None else first[0]
    batches = _whole(dump) if replace else _batches(dump, max(1, batch_events), held)
    for done, batch in enumerate(batches, 1):
        if replace and done == 1:
            target.replace_namespace(batch)
        else:
            target.write(batch)
        if progress is not None:
            progress(ns, done, len(batches))
    if before is not None and dump.facts:
        settle(target, ns, before)
    speakers = sum(1 for m in dump.mentions if m.edge_type is EdgeType.SPOKEN_BY)
    return NamespaceSync(
        ns,
        len(dump.sessions),
        len(dump.events),
        len(dump.entities),
        len(dump.mentions) - speakers,
        len(dump.facts),
        len(dump.embeddings),
        len(batches),
        given - len(dump.events),
        speakers,
    )
