"""What a merge (:mod:`graphmem.sync` without ``replace``) keeps of the input files the target ingested.

The target's ingest bookkeeping of an input (its source record and its sessions' turn fingerprints,
:mod:`graphmem.ingest_prints`) describes the turns the target holds of it: the next ingest of the file
skips it when unchanged and, when edited, diffs against those turns and rewrites what differs. A merge
that wrote the source's version of such turns (an older backup's, before the file was edited and
ingested again) would leave the bookkeeping describing turns the store no longer holds, and the next
ingest would skip the file as unchanged: the old turns would stay. So the target's version of an input it
ingested is kept whole, and a merge writes none of the source's events of an input

- the target holds records of (by the input's key, the path it was ingested from), or
- whose turns or sessions the target holds from a file (the same file ingested at another path),

nor what the source read in those turns that the target does not hold as the same message (another text,
speaker, time or place, or a turn forgotten at the target since): the fact versions they stated or
caused are unwound from each chain as retracting the turns would (:func:`~graphmem.store.versions.unwind_chain`);
their mentions and vectors, the entities only they named, the sessions only they were in and the source's
bookkeeping of those inputs are left out too. A turn the target holds as the same message still supports
what the source read in it. An older backup therefore never brings back a turn the target rewrote or
forgot since, and a newer one leaves the target's version of the file for the next ingest of the newer
file to bring up to date. Live messages (no input file) are merged as before
(:func:`~graphmem.sync_check.check_merge` refuses one that would overwrite another).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import replace

from graphmem.export import NamespaceDump
from graphmem.models import Event, Fact, Mention
from graphmem.store.base import GraphStore
from graphmem.store.versions import unwound
from graphmem.sync_check import same_message

__all__ = ["held_input", "keep_ingested"]


def held_input(key: str, inputs: Collection[str]) -> bool:
    """Whether ``key`` (an input's record, or one of its ``#``/``@`` records) is of one of ``inputs``."""
    return key in inputs or any(key[:i] in inputs for i, ch in enumerate(key) if ch in "#@")


def keep_ingested(dump: NamespaceDump, target: GraphStore) -> NamespaceDump:
    """``dump`` (the source's namespace) without what would change the target's version of the inputs it
    ingested (see the module docstring); the target holds the namespace."""
    ns = dump.namespace
    theirs = {e.id: e for e in target.iter_events(ns)}
    keys = {r.key for r in target.source_records(ns, "")}
    filed = {e.session for e in theirs.values() if e.source_file is not None}
    held: set[str] = set()
    for e in dump.events:
        if e.source_file is None or e.source_file in held:
            continue
        other = theirs.get(e.id)
        filed_turn = other is not None and other.source_file is not None
        if held_input(e.source_file, keys) or e.session in filed or filed_turn:
            held.add(e.source_file)
    sources = [r for r in dump.sources if not held_input(r.key, keys | held)]
    if not held:
        return dump if sources == dump.sources else replace(dump, sources=sources)
    left = {e.id for e in dump.events if e.source_file in held}
    gone = {e.id for e in dump.events if e.id in left and not _same(theirs.get(e.id), e)}
    events = [e for e in dump.events if e.id not in left]
    mentions = [m for m in dump.mentions if m.event_id not in left]
    facts = unwound(dump.facts, gone) if gone else dump.facts
    unnamed = _named(dump.mentions, dump.facts) - _named(mentions, facts)  # named only by what is left out
    entities = [x for x in dump.entities if x.id not in unnamed]
    sessions_left = {e.session for e in dump.events if e.id in left} - {e.session for e in events}
    return replace(
        dump,
        sessions=[s for s in dump.sessions if s.id not in sessions_left],
        events=events,
        entities=entities,
        mentions=mentions,
        facts=facts,
        embeddings=[v for v in dump.embeddings if v[0] not in left and v[0] not in unnamed],
        schemes={node: scheme for node, scheme in dump.schemes.items() if node not in left},
        sources=sources,
    )


def _same(held: Event | None, incoming: Event) -> bool:
    return held is not None and same_message(held, incoming)


def _named(mentions: Iterable[Mention], facts: Iterable[Fact]) -> set[str]:
    """The entities these mentions and facts name."""
    out = {m.entity_id for m in mentions}
    for f in facts:
        out.update((f.subject_id, f.object_id))
    return out
