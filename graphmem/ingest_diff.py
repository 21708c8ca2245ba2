"""What re-ingesting a changed transcript redoes, session by session (no I/O: the read stage supplies the store's part).

For each session of the new version, :func:`plan_sessions` compares the turn fingerprints stored when
the input was last ingested (:mod:`graphmem.ingest_prints`) with the new ones:

- the session's longest unchanged prefix of turns is kept as stored: not retracted, not extracted
  again, not embedded again (its forgotten events stay forgotten);
- the rest of the session (from the first turn whose content, or whose context, changed) is retracted
  and written again as a continuation of the kept turns, numbered on from them;
- a turn of that rest whose own content is unchanged but whose event was forgotten since is not
  written again, also when an inserted session moved it to another session id; an edited turn is a new
  statement and is written.

Extraction of a kept turn must not depend on what follows it, or the kept turns would differ from a
whole-file extraction of the new version. Two things in extraction look ahead, and move the cut back:

- whom a speaker addresses: with two participants it is always the other one, but with more (or
  fewer) it is found from neighbouring turns of the session, including the next speaker for a
  session's opening turns; such a session is kept only when it is wholly unchanged. A change in who
  takes part (a third speaker joins) changes every session's fingerprint;
- "I start on 1 April" dates the job the speaker last named earlier in the same session: when a kept
  turn holds an undated ``works_at`` fact and a turn of the session now redone may say such a start
  (:func:`graphmem.extract.facts.may_tell_start`), or holds one dated by a turn now redone, the cut
  moves back to before that turn. A redone part that says no start dates no kept job, so turns
  appended to a session that named a job keep the session's turns before them.

A kept turn that ended (closed, or otherwise revised) a fact of a redone turn is redone as well, in any
session of the transcript: the fact is written again and must be ended again the same way ("I moved to
Berlin" ends the "I live in Porto" an edit made of "I live in Lisbon"). Each cut redoes more turns, so
this runs to a fixpoint. Ends told outside the transcript are applied again by the writer instead
(:func:`graphmem.store.versions.kept_closings`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from graphmem.extract.events import event_text
from graphmem.extract.facts import may_tell_start
from graphmem.extract.names import event_id
from graphmem.ingest_prints import SessionPrint, kept_turns, line_of, statement, unnamed
from graphmem.models import Batch, Fact
from graphmem.store.versions import logical_id
from graphmem.transcript import RawSession

__all__ = ["SessionPlan", "plan_sessions", "without_events"]

#: The predicate whose undated facts a later turn of the session may date ("I start on 1 April").
_DATED_LATER = "works_at"


@dataclass(frozen=True, slots=True)
class SessionPlan:
    """What to do with one session of the new version.

    ``kept`` leading turns stay as stored; ``raw`` holds the turns to write (from ``kept + 1`` on, as
    its ``first_seq`` says; empty when the session is unchanged); ``retract`` the stored events of the
    earlier version from ``kept + 1`` on; ``forgotten`` the ids among the written events not to write.
    """

    index: int
    raw: RawSession
    print: SessionPrint
    kept: int
    retract: tuple[str, ...] = ()
    forgotten: tuple[str, ...] = ()
    unchanged: bool = False


def _forgotten(old: SessionPrint, written: Mapping[int, str], kept: int) -> list[str]:
    """The prints of the turns of the stored version after ``kept`` whose events are no longer stored."""
    return [p for seq, p in enumerate(old.turns, start=1) if seq > kept and seq not in written]


def _jobs(facts: Iterable[Fact], written: Mapping[str, Mapping[int, str]]) -> dict[str, list[tuple[int, Fact]]]:
    """Per session, the ``works_at`` facts with evidence in it, each with its first turn there."""
    where = {eid: (session, seq) for session, events in written.items() for seq, eid in events.items()}
    out: dict[str, list[tuple[int, Fact]]] = {}
    for f in facts:
        if f.predicate != _DATED_LATER:
            continue
        first: dict[str, int] = {}
        for e in f.evidence:
            if e in where:
                session, seq = where[e]
                first[session] = min(seq, first.get(session, seq))
        for session, seq in first.items():
            out.setdefault(session, []).append((seq, f))
    return out


def _cut_for_jobs(kept: int, jobs: list[tuple[int, Fact]], redone: set[str], last_start: int) -> int:
    """``kept`` moved back before any kept turn whose job fact is dated by a redone turn, or is undated
    while a redone turn may date it (``last_start``: the session's last turn that may say a start, or 0)."""
    cut = kept
    for seq, f in jobs:
        undated = f.time_phrase is None and last_start > kept
        if seq <= kept and (undated or redone.intersection(f.evidence)):
            cut = min(cut, seq - 1)
    return cut


def _closers(chains: Iterable[Fact], redone: set[str]) -> set[str]:
    """The events that ended (closed, or otherwise revised) a version of a fact stated by a ``redone``
    event: ``chains`` holds every version of the facts concerned."""
    stated: set[str] = set()
    versions = list(chains)
    for v in versions:
        if redone.intersection(v.evidence):
            stated.add(logical_id(v.id))
    return {e for v in versions if logical_id(v.id) in stated for e in v.revised_by} - redone


def _settle_cuts(
    cuts: dict[str, int],
    changed: set[str],
    sizes: Mapping[str, int],
    written: Mapping[str, Mapping[int, str]],
    starts: Mapping[str, int],
    *,
    many: bool,
    facts: Callable[[], Iterable[Fact]],
    chains: Callable[[set[str]], Iterable[Fact]] | None,
) -> None:
    """Move the ``cuts`` (session id → kept leading turns) back, to a fixpoint, before every kept turn
    whose facts a redone turn dates (:func:`_cut_for_jobs`) and every kept turn that ended a fact of a
    redone turn; each cut redoes more turns, which may move others. ``changed``: the sessions whose
    content changed (the others are redone only from a cut made here); ``starts``: per session, its last
    turn that may say a start (:func:`_last_starts`)."""
    jobs: dict[str, list[tuple[int, Fact]]] | None = None
    where = {eid: (sid, seq) for sid, events in written.items() if sid in cuts for seq, eid in events.items()}
    looked: set[str] = set()
    moved = True
    while moved:
        moved = False
        redone = {eid for eid, (sid, seq) in where.items() if seq > cuts[sid]}
        changing = [sid for sid, kept in cuts.items() if kept and (sid in changed or kept < sizes[sid])]
        if jobs is None and changing:
            jobs = _jobs(facts(), written)
        for sid in changing:
            cut = _cut_for_jobs(cuts[sid], (jobs or {}).get(sid, []), redone, starts.get(sid, 0))
            moved |= cut != cuts[sid]
            cuts[sid] = cut
        fresh = redone - looked
        if chains is None or not fresh:
            continue
        looked |= fresh
        for sid, seq in (where[e] for e in _closers(chains(fresh), fresh) if e in where):
            if seq <= cuts[sid]:
                cuts[sid] = 0 if many else seq - 1
                moved = True


def _last_starts(sessions: Iterable[RawSession]) -> dict[str, int]:
    """Per session, the seq of its last turn that may say "I start on 1 April" (0: none may)."""
    out: dict[str, int] = {}
    for raw in sessions:
        seqs = [seq for seq, t in enumerate(raw.turns, start=raw.first_seq) if may_tell_start(event_text(t))]
        out[raw.id] = max(seqs, default=0)
    return out


def _plan(index: int, raw: RawSession, new: SessionPrint, stored: Mapping[int, str], kept: int) -> SessionPlan:
    """The plan of a session keeping its ``kept`` leading turns (``stored``: its events, by seq)."""
    retract = tuple(eid for seq, eid in sorted(stored.items()) if seq > kept)
    part = RawSession(raw.id, raw.index, raw.turns[kept:], raw.started_at, raw.date_text, kept + 1)
    return SessionPlan(index, part, new, kept, retract)


def plan_sessions(
    ordered: list[RawSession],
    prints: list[SessionPrint],
    old: Mapping[str, SessionPrint],
    written: Mapping[str, Mapping[int, str]],
    *,
    done: set[str],
    many: bool,
    facts: Callable[[], Iterable[Fact]],
    chains: Callable[[set[str]], Iterable[Fact]] | None = None,
) -> list[SessionPlan]:
    """Plan every session of the new version of one transcript (see the module docs).

    Args:
        ordered: the new version's sessions in transcript order (date order when all are dated).
        prints: their fingerprints, in the same order.
        old: the stored prints of the earlier version, by session id (empty for a new input, or one
            ingested before prints were kept: then every session is written whole).
        written: the events the input wrote before: session id → seq → event id.
        done: sessions an interrupted run of this very version already committed.
        many: speakers are addressed from neighbouring turns (not two participants).
        facts: the namespace's current facts (read only when a session keeps some turns).
        chains: every version (current and archived) of the facts that the given events state or
            revised (read only when a turn is redone; ``None``: kept turns that ended facts of redone
            ones are not looked for).
    """
    cuts: dict[str, int] = {}  # session id → its kept leading turns
    changed: set[str] = set()
    for raw, new in zip(ordered, prints, strict=True):
        before = old.get(raw.id)
        # a print is written with its session, so it tells; a mark (of this very content) only when the
        # session was committed by a graphmem that kept no prints
        if new.same(before) or (before is None and raw.id in done):
            cuts[raw.id] = len(new.turns)
        else:
            changed.add(raw.id)
            kept = kept_turns(before, new)
            cuts[raw.id] = 0 if kept and many else kept
    sizes = {raw.id: len(new.turns) for raw, new in zip(ordered, prints, strict=True)}
    _settle_cuts(cuts, changed, sizes, written, _last_starts(ordered), many=many, facts=facts, chains=chains)
    plans: list[SessionPlan] = []
    for index, (raw, new) in enumerate(zip(ordered, prints, strict=True)):
        kept = cuts[raw.id]
        if raw.id not in changed and kept == len(new.turns):
            plans.append(SessionPlan(index, RawSession(raw.id, raw.index, ()), new, kept, unchanged=True))
        else:
            plans.append(_plan(index, raw, new, written.get(raw.id, {}), kept))
    return _keep_forgotten(plans, old, written)


def _keep_forgotten(
    plans: list[SessionPlan], old: Mapping[str, SessionPrint], written: Mapping[str, Mapping[int, str]]
) -> list[SessionPlan]:
    """``plans`` with the turns to write that say what a forgotten turn said marked ``forgotten``.

    An inserted session renumbers the ones after it, so a forgotten turn may come back under another
    session id. Each forgotten turn holds back one turn to write that says the same, looked for first in
    the session that says what its session said (moved whole), then in the session of its id, then in any.
    The same is the same words, time, caption and input id, said by the same speaker or, failing that, by
    whoever (the input's speakers named otherwise with ``--participant``: the turn is the same turn; its
    own line is preferred). Turns kept as stored are not written, so they hold back none.
    """
    kept = {p.raw.id: p.kept for p in plans}
    lost = {
        sid: _forgotten(before, written.get(sid, {}), kept.get(sid, 0))
        for sid, before in old.items()
        if not before.gone
    }
    todo = [p for p in plans if not p.unchanged]
    said = {p.raw.id: tuple(statement(t) for t in p.print.turns) for p in todo}
    marked: dict[str, set[int]] = {p.raw.id: set() for p in todo}

    def hold_back(p: SessionPlan, left: list[str]) -> None:
        # what the turn says and who said it first; then, for what is left, what it says whoever said it
        # (a speaker named otherwise: --participant), at its old line first
        for alike in (_said_by, _said_at, _said):
            for seq, turn in enumerate(p.print.turns[p.kept :], start=p.kept + 1):
                if not left or seq in marked[p.raw.id]:
                    continue
                found = next((old for old in left if alike(old, turn)), None)
                if found is not None:
                    left.remove(found)
                    marked[p.raw.id].add(seq)

    for sid, left in lost.items():  # a session moved whole: its turns say what they said
        if left:
            moved = tuple(statement(t) for t in old[sid].turns)
            for p in todo:
                if said[p.raw.id] == moved:
                    hold_back(p, left)
    for p in todo:  # in the session of its id
        hold_back(p, lost.get(p.raw.id, []))
    pool = [s for left in lost.values() for s in left]
    for p in todo:  # anywhere
        hold_back(p, pool)
    return [
        replace(p, forgotten=tuple(event_id(p.raw.id, seq) for seq in sorted(marked[p.raw.id])))
        if marked.get(p.raw.id)
        else p
        for p in plans
    ]


def _said_by(old: str, new: str) -> bool:
    return statement(old) == statement(new)


def _said_at(old: str, new: str) -> bool:
    return _said(old, new) and line_of(old) == line_of(new)


def _said(old: str, new: str) -> bool:
    return unnamed(old) is not None and unnamed(old) == unnamed(new)


def without_events(batch: Batch, ids: set[str]) -> Batch:
    """``batch`` without the events ``ids`` (forgotten turns not to write again), as forgetting them
    after the write would leave it: their mentions and vectors go, facts lose them as evidence (a fact
    only they supported goes), and so do the entities that only they mentioned."""
    if not ids:
        return batch
    mentions = tuple(m for m in batch.mentions if m.event_id not in ids)
    facts = []
    for f in batch.facts:
        evidence = tuple(e for e in f.evidence if e not in ids)
        if evidence or not f.evidence:
            facts.append(replace(f, evidence=evidence, revised_by=tuple(e for e in f.revised_by if e not in ids)))
    closings = tuple(c for c in batch.closings if not c.evidence or set(c.evidence) - ids)
    used = {m.entity_id for m in mentions} | {f.subject_id for f in facts} | {f.object_id for f in facts}
    lost = {m.entity_id for m in batch.mentions if m.event_id in ids} - used
    return replace(
        batch,
        events=tuple(e for e in batch.events if e.id not in ids),
        mentions=mentions,
        facts=tuple(facts),
        closings=closings,
        entities=tuple(e for e in batch.entities if e.id not in lost),
        embeddings=tuple((n, v) for n, v in batch.embeddings if n not in ids and n not in lost),
    )
