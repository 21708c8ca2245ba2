"""What a namespace holds already of an input: messages added live with its ids, or the whole input from
another path.

Two ways into memory meet here: an agent adds messages as it talks (:func:`graphmem.live.add`), and the
transcript it exports is ingested later (or the other way round); a file is copied or moved and ingested
again. :mod:`graphmem.ingest_read` plans each input with these checks:

- :func:`added_live`: turns stored already, added live in the session the input's session names
  (:func:`session_names`) with the same id, or without an id saying the same (:func:`pair_said`); a live
  session the input holds whole is taken over (:func:`retract_with` retracts it in the unit writing its
  replacement), else those turns are left out (:func:`without`);
- :func:`live_in_the_way`: messages added live into a session the input writes; its own (same id, or
  said alike: :func:`own_live`) are written again from it, any other where it would write is an error;
  one of its own that it writes at another place has its place recorded as forgotten, and a session that
  would give such a live id to another turn (:func:`moves_live`) is written under another id
  (:mod:`graphmem.ingest_ids`);
- :func:`copy_of_another`: an input whose content is recorded from another path in every namespace it
  writes is skipped with a note.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from graphmem.errors import IngestError
from graphmem.formats._source import naive_utc
from graphmem.transcript import RawSession, RawTurn, Transcript

if TYPE_CHECKING:
    from graphmem.ingest_owners import Owners
    from graphmem.ingest_read import Job
    from graphmem.models import Event
    from graphmem.store.base import GraphStore

__all__ = [
    "Known",
    "Said",
    "added_live",
    "copy_of_another",
    "live_by_name",
    "live_counterparts",
    "live_in_the_way",
    "moves_live",
    "names_session",
    "own_live",
    "own_time",
    "pair_said",
    "plainly_named",
    "retract_with",
    "said_key",
    "session_name",
    "session_names",
    "stored_times",
    "without",
]


def retract_with(job: Job, start: int, moved: dict[str, list[tuple[str, int, str]]]) -> None:
    """Add the events of the live sessions taken over (``moved``: the input's session id → (live session,
    position, event id) of each, in order) to the retraction of the unit writing that session (from
    ``job.todo[start]`` on), their places recorded as those of forgotten live messages (the input writes
    them under its own session id: theirs never name them again); one whose session is not written in this
    run (an interrupted run wrote it) goes with the first unit."""
    for sid, evs in moved.items():
        at = next(
            (i for i in range(start, len(job.todo)) if any(s.id == sid for s in job.todo[i].transcript.sessions)),
            start,
        )
        if at < len(job.todo):
            _mark(job, at, tuple(e for _, _, e in evs), tuple((session, seq) for session, seq, _ in evs))


def live_in_the_way(
    store: GraphStore,
    owners: Owners,
    job: Job,
    t: Transcript,
    start: int,
    formerly: dict[tuple[str, str], list[str]] | None = None,
) -> None:
    """Check the units of ``t`` (``job.todo[start:]``) against the messages added live into the sessions
    they write (``Memory.add`` appends to the session of a file ingested before).

    A live message whose id the input's session gives, with the same speaker and text, is the input's
    message, and so is one without an id that says the same as a turn (:func:`pair_said`): it is
    retracted in the unit writing that session (the input writes it in its place). One whose place the
    input's new turns would take, and that is none of the input's, is in the way. The input's own live
    messages in the sessions it wrote before under another id (``formerly``: (namespace, the id it writes
    now) → those ids; the session moved, :func:`moves_live`) are retracted with it too.

    Every retracted live message whose event id the input does not give to that message (written at
    another place, or under another session id) has its place recorded with the unit's other marks
    (:attr:`Todo.forgotten_live <graphmem.ingest_units.Todo>`), as a forgotten one's is: an ingested file
    never gives that id to another of its turns (:mod:`graphmem.ingest_ids`).

    Raises:
        IngestError: a live message has an id the input's session gives with another speaker or text,
            or stands where the input would write a turn; names the input's ``file:line`` and the live
            event. Nothing of the input is written.
    """
    live = owners.live_events(t.namespace)
    whole = {s.id: s for s in t.sessions}
    for sid, session in whole.items():  # the input's own live messages in a live session it took over
        seqs = owners.taken_over(t.namespace, sid)
        if seqs and start < len(job.todo):  # retracted with the first unit, as the input's earlier events
            events = store.get_events(t.namespace, [e for _, e in sorted(seqs.items())])
            own = own_live(events, session)
            elsewhere = tuple(
                (sid, ev.seq) for ev in events if ev.id not in own or session.first_seq + own[ev.id] != ev.seq
            )
            _mark(job, start, (), elsewhere)
    if not live:
        return
    for i in range(start, len(job.todo)):
        todo = job.todo[i]
        retract: list[str] = []
        places: list[tuple[str, int]] = []
        for raw in todo.transcript.sessions:
            if raw.id not in whole:
                continue
            for sid in (formerly or {}).get((t.namespace, raw.id), []):
                found = store.get_events(t.namespace, [e for _, e in sorted(live.get(sid, {}).items())])
                mine = own_live(found, whole[raw.id])
                retract.extend(ev.id for ev in found if ev.id in mine)
                places.extend((ev.session, ev.seq) for ev in found if ev.id in mine)
            here = live.get(raw.id)
            if not here:
                continue
            turns = whole[raw.id].turns
            given = {turn.source_id: turn for turn in turns if turn.source_id is not None}
            writes = range(raw.first_seq, raw.first_seq + len(raw.turns))
            events = store.get_events(t.namespace, [e for _, e in sorted(here.items())])
            own = own_live(events, whole[raw.id])
            for ev in events:
                if ev.id in own:
                    retract.append(ev.id)
                    if whole[raw.id].first_seq + own[ev.id] != ev.seq:  # its id would name another turn
                        places.append((raw.id, ev.seq))
                    continue
                turn = given.get(ev.source_id) if ev.source_id is not None else None
                if turn is None and ev.seq not in writes:
                    continue  # after the input's turns: it stays where it is
                if turn is None:
                    turn = raw.turns[ev.seq - raw.first_seq]
                    named = f"id {ev.source_id!r}" if ev.source_id else "no id"
                    why = f"with {named}, which this file does not give there"
                    what = "its turn here would be written in that place"
                else:
                    why = "with another speaker or text"
                    what = "the file gives that id here"
                raise IngestError(
                    f"{raw.id} holds a message added live, {ev.id} ({ev.speaker}: {ev.text[:40]!r}) {why};"
                    f" {what}. Forget that event first (or add the message to the file as it is stored);"
                    " nothing of this file is written",
                    path=job.path,
                    line=turn.line,
                    json_path=turn.json_path,
                )
        _mark(job, i, tuple(retract), tuple(places))


def _mark(job: Job, i: int, retract: tuple[str, ...], places: tuple[tuple[str, int], ...]) -> None:
    """Add events to retract and live places to record to the unit ``job.todo[i]``."""
    if retract or places:
        todo = job.todo[i]
        job.todo[i] = replace(todo, retract=(*todo.retract, *retract), forgotten_live=(*todo.forgotten_live, *places))


def own_live(events: Sequence[Event], session: RawSession) -> dict[str, int]:
    """The events of ``events`` (messages added live) that are messages of ``session`` (an input's whole
    session): one with an id the session gives, with the same speaker and text, or one without an id
    saying the same as a turn (:func:`pair_said`). Returns event id → the index of its turn."""
    from graphmem.extract.events import event_text

    index = {turn.source_id: n for n, turn in enumerate(session.turns) if turn.source_id is not None}
    ided = {ev.source_id for ev in events if ev.source_id in index}
    said = pair_said(
        [ev for ev in events if ev.source_id not in ided],
        [(n, turn) for n, turn in enumerate(session.turns) if turn.source_id is None or turn.source_id not in ided],
        session,
    )
    out = {ev.id: n for n, ev in said.items()}
    for ev in events:
        n = index.get(ev.source_id) if ev.source_id is not None else None
        if n is not None and (ev.speaker, ev.text) == (session.turns[n].speaker, event_text(session.turns[n])):
            out[ev.id] = n
    return out


def moves_live(store: GraphStore, owners: Owners, namespace: str, session: RawSession) -> bool:
    """Whether writing ``session`` (an input's whole session, under its id) would give the event id of a
    message added live there to another of its turns: the live message is the input's own
    (:func:`own_live`), which the input writes at another place, and the input writes a turn at the live
    message's place (an agent's ``m5`` appended as ``ev:session_1:4`` to a file of three turns, which then
    grows to ``m1``-``m5``). :mod:`graphmem.ingest_ids` then writes the session under another id, so the
    id the agent was given never names another message (an agent's retried ``forget`` would delete it)."""
    here = {**owners.live_events(namespace).get(session.id, {}), **owners.taken_over(namespace, session.id)}
    writes = range(session.first_seq, session.first_seq + len(session.turns))
    if not any(seq in writes for seq in here):
        return False
    events = store.get_events(namespace, [e for _, e in sorted(here.items())])
    own = own_live(events, session)
    return any(ev.seq in writes and session.first_seq + own[ev.id] != ev.seq for ev in events if ev.id in own)


#: Per namespace and (plain) session id, the turns of an input not to write: they are stored already, added live.
Known = dict[tuple[str, str], frozenset[int]]


def session_name(name: str) -> str:
    """A session name as a reader writes it: a number ``3`` is ``session_3`` (``"session": "3"``)."""
    return f"session_{name}" if name.isdigit() else name


#: A numbered session label as a reader writes it (``"session": 3`` is ``session_3``).
_NUMBERED = re.compile(r"session_\d+")


def session_names(session_id: str) -> tuple[str, ...]:
    """The names a stored session answers to, the most specific first: its id (a number read as a reader
    names it: ``3`` is ``session_3``), its id without the first part before a ``/`` (one prefix a reader
    puts: ``export/`` under an explicit namespace, a source tag) unless that is a bare number, and its last
    part when that is a numbered label ``session_N``.

    Readers only ever put prefixes before the session the messages name, one (``export/session_3``) or
    several (``chat-1f2e3d4c/conv-26/session_3``); a stored id does not say how many. The rule keeps the
    endings a reader can have made and no other: ``a/b/session_3`` answers to ``a/b/session_3``,
    ``b/session_3`` and ``session_3``, while ``team/3`` (messages labelled so) answers to ``team/3`` alone,
    never to ``session_3`` (a reader writes a numbered label ``session_3``, never a bare ``3``). The first
    two names are :func:`plainly_named`: an id stored under another name is no error (two sessions).
    This is the one rule both ways round (:func:`names_session`, used by :func:`graphmem.live.add`, and
    :func:`live_by_name`, used by ingestion).
    """
    parts = session_id.split("/")
    names = [session_name(session_id)]
    rest = "/".join(parts[1:])
    if rest and not rest.isdigit():
        names.append(rest)
    if len(parts) > 2 and _NUMBERED.fullmatch(parts[-1]):
        names.append(parts[-1])
    return tuple(dict.fromkeys(names))


def names_session(session_id: str, name: str | None) -> bool:
    """Whether ``name`` (a session as messages or ``Memory.add(session=...)`` name it: ``3``, ``session_3``,
    ``b/session_3``) is the stored session ``session_id`` (see :func:`session_names`)."""
    return name is not None and session_name(name) in session_names(session_id)


def plainly_named(session_id: str, name: str) -> bool:
    """Whether ``name`` is the stored session ``session_id`` itself or behind one prefix (``export/``): the
    same session beyond doubt, where a message id stored with another speaker or text is an error. Under a
    further ending (``session_3`` of ``a/b/session_3``) the two may be different conversations numbering
    their messages afresh: such an id is another message, stored beside."""
    return session_name(name) in session_names(session_id)[:2]


def live_by_name(owners: Owners, namespace: str) -> dict[str, list[str]]:
    """The sessions of ``namespace`` holding messages added live (and no input's), by name (a number read
    as ``session_N``: live sessions ``3`` and ``session_3`` are both ``session_3``). Built once per namespace
    and call: an input's sessions look up their live counterparts in it (:func:`live_counterparts`)."""
    out: dict[str, list[str]] = {}
    for sid in owners.live_events(namespace):
        if owners.live_session(namespace, sid):
            out.setdefault(session_name(sid), []).append(sid)
    return {name: sorted(sids) for name, sids in out.items()}


def live_counterparts(live: dict[str, list[str]], session_id: str) -> tuple[str, list[str]] | None:
    """The live sessions an input's session ``session_id`` names (``live``: :func:`live_by_name`): all those
    answering to its most specific name that any answers to (:func:`session_names`; ``3`` and
    ``session_3`` both), with that name; ``None`` when none does."""
    for name in session_names(session_id):
        found = live.get(name)
        if found:
            return name, found
    return None


#: How a message without an id is known: speaker, text (whitespace collapsed) and time (naive UTC).
Said = tuple[str | None, str, datetime]


def said_key(speaker: str | None, text: str, when: datetime | None) -> Said | None:
    """The identity of a message without an id, or ``None`` when it has no time of its own (then nothing
    tells it from the same words said again). Speakers spelled alike but for case are one (``Marta``,
    ``marta``), as readers and live adds take them."""
    if when is None:
        return None
    return (
        speaker.casefold() if speaker is not None else None,
        " ".join(unicodedata.normalize("NFC", text).split()),
        naive_utc(when),
    )


def own_time(when: datetime | None, start: datetime | None, seq: int, second: datetime | None, dated: bool) -> bool:
    """Whether a file's turn at position ``seq`` of a session starting at ``start`` has a time of its own,
    as far as the stored times tell (``when``, its own; ``second``, that of the session's turn at seq 2 or
    ``None``): extraction gives a turn without one the session start plus one second per turn before it
    (:mod:`graphmem.extract.events`), and the event keeps no mark of which it is.

    A time equal to that is taken for one the session gave, not the turn: a turn without a time of its
    own is then matched in neither order. The first turn is at the session start either way (a JSONL
    session starts at its earliest turn); it is taken for the session's when the second turn is at the
    start plus a second too (a session dated as a whole, as LoCoMo's or a text header's), or, alone, when
    the file dates the session (``dated``). The same test is applied to a turn being ingested (with the
    times extraction will give) and to a stored event, so both orders agree; only a session whose first
    turn has no time and whose second has one is told apart in one order and not the other.
    """
    from graphmem.extract.events import turn_time

    if when is None:
        return False
    if start is None:
        return True
    if naive_utc(when) != turn_time(start, seq):
        return True
    if seq != 1:
        return False
    return naive_utc(second) != turn_time(start, 2) if second is not None else not dated


def stored_times(session: RawSession) -> list[datetime | None]:
    """The time extraction gives each turn of ``session`` (its own, else the start plus a second per turn)."""
    from graphmem.extract.events import turn_time

    return [turn_time(session.started_at, session.first_seq + i, t.timestamp) for i, t in enumerate(session.turns)]


def pair_said(events: Sequence[Event], turns: Sequence[tuple[int, RawTurn]], session: RawSession) -> dict[int, Event]:
    """Pair live events without an id with an input's turns (index, turn) that say the same: same speaker,
    same time (the turn's own; the event's), same text with whitespace collapsed (:func:`said_key`). The turn
    may have an id. A live event with an id is known by it alone: paired with a turn without one, the
    input written in its place would drop the id. A turn is paired only when its time is its own and would
    be taken for its own once stored (:func:`own_time`; ``session`` holds the turns, index ``i`` at seq
    ``first_seq + i``).

    Only unambiguous pairs count: no other event and no other turn among those given says the same at that
    time (two "ok" at 10:01 from one speaker may be one message sent twice or two; neither is paired).

    Returns:
        Per turn index, its event.
    """
    from graphmem.extract.events import event_text

    by_event: dict[Said, list[Event]] = {}
    for ev in events:
        key = said_key(ev.speaker, ev.text, ev.occurred_at)
        if key is not None:
            by_event.setdefault(key, []).append(ev)
    by_turn: dict[Said, list[int]] = {}
    dated = session.date_text is not None
    times = stored_times(session)
    # the second turn (seq 2) is at index 2 - first_seq: seq = first_seq + index
    second = times[2 - session.first_seq] if 0 <= 2 - session.first_seq < len(times) else None
    for i, turn in turns:
        if turn.timestamp is None or not own_time(times[i], session.started_at, session.first_seq + i, second, dated):
            continue
        key = said_key(turn.speaker, event_text(turn), turn.timestamp)
        if key is not None:
            by_turn.setdefault(key, []).append(i)
    out: dict[int, Event] = {}
    for key, found in by_turn.items():
        evs = by_event.get(key, [])
        if len(found) == 1 and len(evs) == 1 and evs[0].source_id is None:
            out[found[0]] = evs[0]
    return out


def added_live(
    store: GraphStore,
    owners: Owners,
    job: Job,
    transcripts: list[Transcript],
    key: str,
    prefixed: bool,
    adopted: dict[tuple[str, str], str],
) -> Known:
    """Recognise the turns of an input that the namespace holds already, added live.

    An agent's messages added live (``Memory.add``, ``graphmem add``, MCP ``add_messages``) and an export
    of its transcript holding them are one message each. Identity is (namespace, session, id), as for a
    message given twice in one file (:mod:`graphmem.formats._records`): the session as the messages name
    it, which an input's session answers to behind the prefixes a reader can have put before it
    (:func:`session_names`: ``export/session_3``, read from ``export.jsonl`` under an explicit namespace,
    is the live ``session_3``, as ``"session": "3"`` names it; ``export/team/3`` is ``team/3`` only). A
    stored id with another speaker or text is an error where the input's session is plainly the live one
    (its label without the reader's ``name/`` prefix, ``prefixed``); under a further ending the two are
    different sessions numbering ids afresh, and the live session is left as it is. A message without an
    id is known by what it says where it is unambiguous (:func:`pair_said`: same speaker, time and text).
    For each session of the input naming a session that live messages hold (and no input:
    :func:`live_counterparts`; live sessions ``3`` and ``session_3`` are met together):

    - when every stored message of that session is one the input's session gives, the input takes it
      over: the live events are retracted and the input's session written whole in their place, in one
      transaction (each message once, in the input's order and session, owned by the input from then on);
    - else (messages added after the export, or that nothing tells for the export's) the turns stored
      already are left out of what the input writes (:attr:`Job.live` counts them), and its other turns
      are written.

    Each live session taken over is added to ``adopted``: (namespace, its id) → the input's session id.

    Returns:
        Per (namespace, session id), the indexes of the turns to leave out.

    Raises:
        IngestError: a stored id comes with another speaker or text in the input; names its ``file:line``
            (or JSON path) and the stored event.
    """
    from graphmem.extract.events import event_text

    known: Known = {}
    taken_over: list[tuple[str, str]] = []  # handed to the input once every session is checked
    for t in transcripts:
        ns = t.namespace
        live = live_by_name(owners, ns)  # once per namespace: not per input session
        for s in t.sessions:
            found = live_counterparts(live, s.id)
            if found is None:
                continue
            name, sids = found
            # a live session another session of the input took over is that one's (first claim wins): two
            # exports' "x/session_3" and "y/session_3" do not both retract the live "session_3"
            sids = [sid for sid in sids if (ns, sid) not in adopted]
            if not sids:
                continue
            # the messages' own label (the reader's prefix known here): an id clash is an error only there
            plain = session_name(s.id.split("/", 1)[1] if prefixed and "/" in s.id else s.id) == name
            given = {turn.source_id: i for i, turn in enumerate(s.turns) if turn.source_id is not None}
            stored = [ev for sid in sids for ev in store.iter_events(ns, session=sid)]
            matched: dict[int, Event] = {}
            clash = False
            for ev in stored:
                i = given.get(ev.source_id) if ev.source_id is not None else None
                if i is None:
                    continue
                turn = s.turns[i]
                if (ev.speaker, ev.text) != (turn.speaker, event_text(turn)):
                    if not plain:  # another conversation's session of that number: both are stored
                        clash = True
                        break
                    raise IngestError(
                        f"message id {ev.source_id!r} is stored in namespace {ns!r} as {ev.id}, added live in"
                        f" {ev.session}, with another speaker or text; forget that event first to replace it",
                        path=job.path,
                        line=turn.line,
                        json_path=turn.json_path,
                    )
                matched[i] = ev
            if clash:
                continue
            paired = {ev.id for ev in matched.values()}
            matched.update(
                pair_said(
                    [ev for ev in stored if ev.id not in paired],
                    [(i, turn) for i, turn in enumerate(s.turns) if i not in matched],
                    s,
                )
            )
            if not matched:
                continue
            if len(matched) == len(stored):
                for sid in sids:
                    taken_over.append((ns, sid))
                    adopted[(ns, sid)] = s.id
            else:
                known[(ns, s.id)] = frozenset(matched)
                job.live += len(matched)
    for ns, label in taken_over:
        owners.adopt(ns, label, key)
    return known


def without(t: Transcript, known: Known, *, plain: Transcript | None = None) -> Transcript:
    """``t`` without the turns ``known`` lists (keyed by the sessions of ``plain``, the untagged reading of
    the same input, when ``t`` is tagged); a session left with no turn goes."""
    if not known:
        return t
    names = [s.id for s in (plain or t).sessions]
    sessions = []
    for name, s in zip(names, t.sessions, strict=True):
        drop = known.get((t.namespace, name), frozenset())
        turns = tuple(turn for i, turn in enumerate(s.turns) if i not in drop)
        if turns:
            sessions.append(replace(s, turns=turns))
    return replace(t, sessions=tuple(sessions))


def copy_of_another(
    owners: Owners,
    job: Job,
    spaces: list[str],
    current: dict[str, bool],
    key: str,
    content_hash: str,
    bare_hash: str | None = None,
) -> bool:
    """Skip ``job`` with a note when what it would write is already stored from another path.

    An input is known by its path; a file copied or moved elsewhere is the same content under another
    key. When every namespace it writes (and does not already hold under its own key) holds a record of
    this very content from one other input, it is skipped: writing it would store each message twice.
    A moved file that was also edited is not a copy: :mod:`graphmem.ingest_moved` may take it as moved,
    else it is written beside the old path's data (docs/extraction.md). An input that
    holds data of its own in a namespace it writes (ingested from this path before) is never a copy there:
    edited to the bytes of another file, it is an edit, and its old content is retracted as for any edit.
    ``bare_hash``: the hash an ingest without vectors would have recorded for this content, when this one
    embeds; another input recorded with it counts once every event it wrote carries a vector (embedded
    since, ``graphmem reembed``).
    """
    if any(owners.written(ns, key) or ns in owners.held(key) for ns in spaces):
        return False  # the input itself was ingested before: an edit (even into another's copy) is diffed

    def other_of(ns: str) -> str | None:
        found = owners.copy_of(ns, content_hash, key)
        if found is None and bare_hash is not None:
            found = owners.copy_of(ns, bare_hash, key, accept=lambda other: owners.embedded(ns, other))
        return found

    others = {ns: other_of(ns) for ns in spaces if not current[ns]}
    found = set(others.values())
    if None in found or len(found) != 1:
        return False
    other = found.pop()
    job.skipped = True
    places = ", ".join(repr(ns) for ns in others)
    if other in owners.this_run:  # not written yet: it may still fail
        job.note = (
            f"{job.path}: skipped, the same content as {other}, which this run ingests into namespace {places}"
            " (should that fail, ingest this file again)"
        )
    else:
        job.note = f"{job.path}: skipped, the same content as {other}, already ingested into namespace {places}"
    return True
