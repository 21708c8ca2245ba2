"""Live memory: an agent adds messages one at a time, each appended to its session.

:func:`add` places every message in a session of the namespace before anything is extracted:

- a message naming a session (its ``session`` field, or the ``session`` argument) joins that session
  at its next position (part of its id: positions only grow and are never given twice); a session that
  does not exist yet is created after the namespace's last one;
- a message naming none joins the namespace's latest session (the one started last in time), unless the
  pause since that session's latest turn exceeds :data:`~graphmem.formats.SESSION_GAP`, which starts a
  new session (latest by time: a backdated message is appended at the end without moving that time
  back); a message said more than the gap before that session's first turn (delivered days late) joins
  the session its time belongs to, the last one started at most the gap after it if its time is within
  the gap of that session's turns, else starts a session of its own, as a file holding the messages in
  time order splits them;
- a message without a time takes the current time;
- its NEXT edges follow the session's times, not positions (:func:`graphmem.models.chain_key`, derived
  by the store in the write's transaction): a message said after the session's last one follows it, and
  one with an earlier time (backdated, delivered late, or an edited message added again with its
  original time after ``forget``) is spliced in between the turns said before and after it, ties in time
  keeping the order the messages arrived in.

A message's identity is its position in its session, or the ``id`` it gives: repeated identical texts
are separate events, and re-adding a message with an ``id`` already stored returns the stored event
(a retry) instead of writing it twice; so does adding one that a file ingested before holds with that id
in the session the message names (a file's session answers to its id, its id behind one prefix and a
last part ``session_N``: :func:`graphmem.ingest_held.session_names`), or, without an id, one that a file
holds saying the same (speaker, time of its own as :func:`graphmem.ingest_held.own_time` tells it, text)
in the session the message names or joins, when nothing else there says it
(:func:`graphmem.ingest_held.said_key`). (Ingesting a file whose messages were added live
recognises them the same way: :mod:`graphmem.ingest_held`.) The placed messages are then extracted as
one transcript and go through the same write path as files (:func:`graphmem.writer.commit_batch`):
entities are resolved against those the namespace holds, so a person named in message 40 is the entity
named in message 3. Each stored session the call writes to is extracted with its last
:data:`CONTEXT_TURNS` stored turns said before the new ones (in chain order) ahead of them, so what a new
message refers to is found as in one call ("My sister Clara lives in Rome." then, added alone, "She works
at Acme Corp.": Clara's job). Those context turns are never written again: only the new turns' events and
mentions, the facts and closings one of them is evidence of (a fact keeps the stored turns it cites
too) and the entities these use are kept, so a stored fact is not re-recorded, re-evidenced or closed
twice; a correction of a stored turn ("Sorry, I meant Globex") is bound by the writer as before.
The messages are extracted knowing the stored entities they name (:mod:`graphmem.entity_prior`), and a
stored entity whose type was NER's guess alone and that their facts type otherwise is moved to that type
first (:func:`graphmem.entity_prior.retype_stored`), so names are typed as one call of all the turns types them.
The whole call runs under the store's write lock, so concurrent writers never take the same position; the
models it needs (spaCy, the embedder) are loaded before the lock is taken. On a server store that lock
holds only this process's threads: the call reads, places and writes inside the store's guard
(:class:`~graphmem.store.base.GuardsWrites`), and when another client wrote the namespace in between the
write is refused and the call starts over from what the namespace now holds, so an id it returns always
names its own message.
"""

from __future__ import annotations

import re
import warnings
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from graphmem.entity_prior import known_entities, retype_stored, turn_texts, undo_retypes
from graphmem.errors import ConfigError, ExtractionError, IngestError, IngestWarning
from graphmem.extract.antecedents import latest
from graphmem.extract.events import event_text
from graphmem.extract.names import event_id
from graphmem.formats._names import clean_speaker
from graphmem.formats._records import SESSION_GAP, Located, records_to_sessions
from graphmem.formats._source import naive_utc
from graphmem.ingest_held import (
    names_session,
    own_time,
    plainly_named,
    said_key,
    session_name,
    session_names,
)
from graphmem.models import Batch, Event, Session, TimeRef, chain_key, chain_order, event_chain_key, validate_namespace
from graphmem.store.base import FindsEventsAt, KeepsPositions
from graphmem.transcript import RawSession, RawTurn, Transcript
from graphmem.write_retry import guarded, retry_conflicts

if TYPE_CHECKING:
    from graphmem.extract import Extractor
    from graphmem.ingest import IngestTarget
    from graphmem.store.base import GraphStore
    from graphmem.writer import Resolver, Timings

__all__ = ["Message", "add", "lower_words", "messages_of", "parse_messages"]

_SESSION_KEYS = ("session", "session_id")
#: How many stored turns of its session before a message added live are extracted with it, as context.
CONTEXT_TURNS = 8
#: How many parsed turns the extractor of a memory's adds keeps for reuse (at most 100,000 characters of
#: text, about 17 MB): the context windows of 28 sessions added to in turn.
PARSE_CACHE_TURNS = 256
_PATH = "messages"  # errors name the argument: messages at $[1]: ...


@dataclass(frozen=True, slots=True)
class Message:
    """One message to add: the turn as read, the session it names (``None``: the latest one), and its index
    in the messages given (what errors about it name: ``$[3]``)."""

    turn: RawTurn
    session: str | None = None
    index: int | None = None

    @property
    def json_path(self) -> str | None:
        """Where the message was in the messages given (``$[3]``), or ``None``."""
        return f"$[{self.index}]" if self.index is not None else None


def parse_messages(
    messages: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    path: str = _PATH,
    lines: Sequence[int] | None = None,
    participants: Mapping[str, str] | None = None,
) -> list[Message]:
    """Check message dicts (shaped like JSONL lines) and read them into :class:`Message` values.

    Messages whose role is ``system``/``tool`` or whose text is empty are left out, as in files.
    ``lines`` gives each message's 1-based line in ``path`` (JSONL read from a file or stdin), which
    errors then name instead of its index. ``participants`` maps a role or speaker as the messages give
    it (``user``) to the name memory should know them by (``Dana``), as a chat export's ``participants`` does.

    Raises:
        IngestError: ``messages`` is neither a message nor a list of them (names the argument), or a
            message is malformed; names its index (``$[3]``) or line and the field.
    """
    if isinstance(messages, Mapping):
        items: list[Any] = [messages]
    elif isinstance(messages, str | bytes | bytearray) or not isinstance(messages, Iterable):
        raise IngestError(f"expected a message object or a list of them, found {type(messages).__name__}", path=path)
    else:
        items = list(messages)
    if lines is not None and len(lines) != len(items):
        raise ValueError(f"{len(lines)} line numbers for {len(items)} messages")
    names = check_participants(participants)
    out: list[Message] = []
    for i, record in enumerate(items):
        value = dict(record) if isinstance(record, Mapping) else record
        where = Located(value, json_path=f"$[{i}]") if lines is None else Located(value, line=lines[i])
        try:
            sessions = records_to_sessions([where], path=path, speaker_names=names)
        except IngestError as exc:
            if isinstance(record, Mapping) and str(exc).endswith("no dialogue turns found"):
                continue  # a system or tool message, or an empty one: not dialogue
            raise
        labelled = isinstance(record, Mapping) and any(record.get(k) is not None for k in _SESSION_KEYS)
        # a labelled message's session is named as in a file ("3" → "session_3")
        out.append(Message(sessions[0].turns[0], sessions[0].id if labelled else None, i))
    return out


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


#: How far ahead of this machine's clock a message's time may be before the add warns (a clock a little fast).
AHEAD = timedelta(minutes=5)


def _warn_if_ahead(when: datetime, json_path: str | None) -> None:
    """Warn that a message's time lies ahead of the clock: what it says holds from then, so current reads
    (``facts``, ``context``) leave it out until the clock gets there (a client's clock ahead, or a local time
    sent without its offset, which is read as UTC)."""
    ahead = when - _now()
    if ahead > AHEAD:
        minutes = round(ahead.total_seconds() / 60)
        by = (
            f"{minutes} min" if minutes < 120 else f"{minutes // 60} h" if minutes < 2880 else f"{minutes // 1440} days"
        )
        warnings.warn(
            IngestWarning(
                f"its time {when.isoformat(sep=' ')} (UTC) is {by} ahead of this machine's clock: what it "
                "says holds from then, so current facts leave it out until then (send times with their offset)",
                path=_PATH,
                json_path=json_path,
            ),
            stacklevel=4,
        )


@dataclass(slots=True)
class _Open:
    """A session as the messages of this call find it: stored, or created by this call."""

    session: Session
    last_seq: int
    last_time: datetime | None
    speakers: list[str]
    new: bool = False
    first_time: datetime | None = None
    turns: list[RawTurn] = field(default_factory=list)
    told: TimeRef | None = None  # the time its stored turns talked of last ("later that month" is of it)


class _Placement:
    """Where the messages of one call go, read from the namespace once (under the write lock)."""

    def __init__(self, store: GraphStore, namespace: str) -> None:
        self.store = store
        self.namespace = namespace
        self.sessions = {s.id: s for s in store.iter_sessions(namespace)}
        # positions given before, forgotten events and deleted sessions included: never given again
        self.positions = store.last_positions(namespace) if isinstance(store, KeepsPositions) else {}
        self.next_index = max((s.index for s in self.sessions.values()), default=-1) + 1
        self.latest = max(self.sessions.values(), key=_started).id if self.sessions else None
        self.open: dict[str, _Open] = {}
        self.order: list[str] = []
        self._events: dict[str, list[Event]] = {}
        self._spellings: dict[str, str] = {}

    def spelled(self, message: Message) -> Message:
        """``message`` with its speaker spelled as the namespace knows that person ("marta" → "Marta"): a
        stored person of that name but for case, else the first spelling of this call, as a file's reader
        takes an input's first spelling (:class:`~graphmem.formats._names.Spellings`)."""
        name = message.turn.speaker
        key = name.casefold()
        first = self._spellings.get(key)
        if first is None:
            stored = (e.name for e in self.store.find_entities(self.namespace, name, type="Person"))
            first = self._spellings[key] = next((n for n in stored if n.casefold() == key), name)
        return message if first == name else replace(message, turn=replace(message.turn, speaker=first))

    def events(self, session_id: str) -> list[Event]:
        """The events of a stored session, read once per call."""
        found = self._events.get(session_id)
        if found is None:
            found = self._events[session_id] = list(self.store.iter_events(self.namespace, session=session_id))
        return found

    def _get(self, session_id: str, when: datetime) -> _Open:
        found = self.open.get(session_id)
        if found is not None:
            return found
        stored = self.sessions.get(session_id)
        if stored is None:
            session = Session(self.namespace, session_id, self.next_index, when)
            found = _Open(session, self.positions.get(session_id, 0), None, [], new=True)
            self.sessions[session_id] = found.session
            self.next_index += 1
        else:
            events = self.events(session_id)
            last = max(events, key=lambda e: e.seq, default=None)
            speakers = list(dict.fromkeys(e.speaker for e in events if e.speaker))
            times = [e.occurred_at for e in events if e.occurred_at is not None]
            high = max(last.seq if last else 0, self.positions.get(session_id, 0))
            found = _Open(
                stored,
                high,
                max(times, default=None),
                speakers,
                told=latest(events),
                first_time=min(times, default=None),
            )
        self.open[session_id] = found
        self.order.append(session_id)
        return found

    def _fresh_id(self) -> str:
        n = self.next_index + 1
        while f"session_{n}" in self.sessions or f"session_{n}" in self.positions:
            n += 1
        return f"session_{n}"

    def joins(self, message: Message, when: datetime) -> str | None:
        """The session ``message`` (at time ``when``) joins: the one it names, else the latest unless the
        pause since its latest turn exceeds the gap; ``None`` when it starts a new one."""
        if message.session is not None:
            return message.session
        sid = self.latest
        if sid is not None:
            current = self._get(sid, when)
            if current.last_time is not None and when - current.last_time > SESSION_GAP:
                return None
            if current.first_time is not None and current.first_time - when > SESSION_GAP:
                return self._earlier(when, sid)
        return sid

    def _earlier(self, when: datetime, latest: str) -> str | None:
        """The session a message said well before the latest session began belongs to: the last one started
        by ``when`` plus the gap, if ``when`` is within the gap of its turns; ``None`` for a new session."""
        starts = [s for s in self.sessions.values() if s.id != latest and s.started_at is not None]
        before = [s for s in starts if s.started_at is not None and s.started_at - when <= SESSION_GAP]
        if not before:
            return None
        found = self._get(max(before, key=_started).id, when)
        last = found.last_time or found.session.started_at
        if last is not None and when - last > SESSION_GAP:
            return None
        return found.session.id

    def place(self, message: Message, when: datetime) -> tuple[str, int]:
        """Put ``message`` (at time ``when``, naive UTC) in its session; return its session and position."""
        sid = self.joins(message, when)
        if sid is None:
            sid = self._fresh_id()
        target = self._get(sid, when)
        target.turns.append(message.turn)
        target.last_seq += 1
        # the pause that starts a new session runs from the session's latest time: a backdated message
        # joins at the end without moving it back
        target.last_time = when if target.last_time is None else max(target.last_time, when)
        target.first_time = when if target.first_time is None else min(target.first_time, when)
        if message.turn.speaker not in target.speakers:
            target.speakers.append(message.turn.speaker)
        if self.latest is None or _started(target.session) >= _started(self.sessions[self.latest]):
            self.latest = sid  # a session started for a message delivered late is not the latest
        return sid, target.last_seq

    def context(self, session_id: str, first: RawTurn, first_seq: int) -> list[Event]:
        """The stored turns said before ``first`` (the call's first new turn in ``session_id``, placed at
        ``first_seq``): the last :data:`CONTEXT_TURNS` in chain order, back to one without a speaker."""
        o = self.open[session_id]
        if o.new:
            return []
        key = chain_key(first.timestamp, first_seq, event_id(session_id, first_seq))
        before = [e for e in chain_order(self.events(session_id)) if event_chain_key(e) < key]
        window: list[Event] = []
        for e in reversed(before[-CONTEXT_TURNS:]):
            if not e.speaker:
                break
            window.append(e)
        return window[::-1]

    def transcript(self) -> tuple[Transcript, frozenset[str]]:
        """The placed messages as one transcript, and the ids its context turns get.

        Each session's new turns come from their next position, after the stored turns said before them
        (:meth:`context`), which are numbered back from there: extracted for what the new turns refer
        to ("She works at Acme"), never written (:func:`_only_new`)."""
        raws = []
        speakers: list[str] = []
        told: list[tuple[str, TimeRef]] = []
        context: set[str] = set()
        for sid in self.order:
            o = self.open[sid]
            if not o.turns:
                continue
            if o.told is not None:
                told.append((sid, o.told))
            start = o.session.started_at
            first_seq = o.last_seq - len(o.turns) + 1
            before = self.context(sid, o.turns[0], first_seq)
            turns = tuple(RawTurn(e.speaker or "", e.text, timestamp=e.occurred_at) for e in before)
            first_seq -= len(turns)
            context.update(event_id(sid, first_seq + k) for k in range(len(turns)))
            raws.append(RawSession(sid, o.session.index, (*turns, *o.turns), start, o.session.date_text, first_seq))
            speakers.extend(s for s in o.speakers if s not in speakers)
        transcript = Transcript(
            self.namespace, tuple(raws), format="live", participants=tuple(speakers), antecedents=tuple(told)
        )
        return transcript, frozenset(context)

    def new_sessions(self) -> tuple[Session, ...]:
        """The sessions this call creates, each starting at its first message's time."""
        return tuple(self.open[sid].session for sid in self.order if self.open[sid].new and self.open[sid].turns)


def _started(session: Session) -> tuple[bool, datetime, int]:
    """Orders sessions by when they started (undated ones first, by index), then by index."""
    return (session.started_at is not None, session.started_at or datetime.min, session.index)


def _retry_of(
    store: GraphStore,
    namespace: str,
    turn: RawTurn,
    session: str | None = None,
    json_path: str | None = None,
    *,
    named: bool = False,
) -> Event | None:
    """The stored event of a message re-sent with the same ``id``, or ``None`` when it is new.

    A message added live before is one with that id in the session the message names (``named``: a host may
    number its messages afresh in each conversation it names), else anywhere in the namespace (a retry
    naming no session joins whichever session is latest by then). One ingested from a file
    counts when the message names its session (``session``): a file's session answers to its id, its id
    behind one prefix and a last part ``session_N`` (``session_3`` for ``export/session_3``, read from
    ``export.jsonl`` under an explicit namespace, and for ``a/b/session_3``; ``3`` is ``session_3``; never
    for ``team/3``: :func:`graphmem.ingest_held.session_names`), so an export ingested first and the same
    messages added live after are stored once, as the other order is. When several files' sessions carry
    that name (``a/session_3``, ``b/session_3``), the message is the one of theirs saying the same, or new.

    Raises:
        IngestError: the stored message with that id says something else: a live one, or one of the single
            file session plainly named so (:func:`graphmem.ingest_held.plainly_named`; under a further
            ending it may be another conversation's, and the message is new). Nothing is overwritten.
    """
    if turn.source_id is None:
        return None
    # a speaker spelled otherwise but for case is the same one (a stored spelling taken: _Placement.spelled)
    said = (turn.speaker.casefold(), event_text(turn))
    found = [
        e
        for e in store.find_events_by_source(namespace, turn.source_id)
        if (e.source_file is None and not named) or names_session(e.session, session)
    ]
    same = next((e for e in found if ((e.speaker or "").casefold(), e.text) == said), None)
    if same is not None:
        return same
    live = [e for e in found if e.source_file is None]
    # files under one namespace may each name a session "3" (two exports numbering their messages afresh):
    # the message is one of theirs only when a single file session carries that name
    # and only in a session plainly named so (``session_3``, ``export/session_3``): under a further ending
    # (``a/b/session_3``) it may be another conversation's session of that number, and both are stored
    files = {e.session: e for e in found if e.source_file is not None and plainly_named(e.session, session or "")}
    other = live[0] if live else next(iter(files.values())) if len(files) == 1 else None
    if other is None:
        return None
    where = f" ({other.source_file}:{other.source_line})" if other.source_file and other.source_line else ""
    raise IngestError(
        f"message id {turn.source_id!r} is already stored in namespace {namespace!r} as "
        f"{other.id}{where} with another speaker or text; forget that event first to replace it",
        path=_PATH,
        json_path=json_path,
    )


class _FileSaid:
    """The messages files hold in the sessions of one namespace, by speaker and time, read once per session
    per call: how a message without an id that a file ingested before holds is known (:func:`said_key`)."""

    def __init__(self, placement: _Placement) -> None:
        self.placement = placement
        self.sessions = list(placement.sessions)  # the stored sessions, when the call started
        self.stored = set(self.sessions)
        store = placement.store  # a protocol check is slow: made once per call
        self.by_time: FindsEventsAt | None = store if isinstance(store, FindsEventsAt) else None
        self._names: dict[str, list[str]] | None = None
        self.read: dict[str, dict[tuple[str | None, datetime], list[Event]]] = {}
        self.used: set[str] = set()  # events this call recognised already

    def named(self, name: str | None) -> list[str]:
        """The stored sessions answering to ``name`` (:func:`session_names`), by a map built once per call."""
        if name is None:
            return []
        if self._names is None:
            self._names = {}
            for sid in self.sessions:
                for each in session_names(sid):
                    self._names.setdefault(each, []).append(sid)
        return self._names.get(session_name(name), [])

    def _at(self, session: str) -> dict[tuple[str | None, datetime], list[Event]]:
        found = self.read.get(session)
        if found is None:
            found = self.read[session] = {}
            for e in self.placement.events(session):
                if e.source_file is not None and e.occurred_at is not None:
                    found.setdefault((e.speaker, e.occurred_at), []).append(e)
        return found

    def _own(self, event: Event) -> bool:
        """Whether the file event's time is taken for its own (:func:`own_time`, as ingestion tests a turn)."""
        session = self.placement.sessions.get(event.session)
        start = session.started_at if session is not None else None
        dated = session is not None and session.date_text is not None
        second = None
        if event.seq == 1 and start is not None:  # only the first turn needs the second's time
            found = self.placement.store.get_events(self.placement.namespace, [event_id(event.session, 2)])
            second = found[0].occurred_at if found and found[0].source_file is not None else None
        return own_time(event.occurred_at, start, event.seq, second, dated)

    def find(self, turn: RawTurn, named: str | None, joins: str | None) -> Event | None:
        """The file's event saying what ``turn`` says, in a file session the message names (``named``) or the
        session it joins (``joins``): unambiguous (the only one there saying it at that time, not recognised
        for another message of this call). ``None`` otherwise, and for a message with an id (known by it)."""
        key = said_key(turn.speaker, event_text(turn), turn.timestamp) if turn.source_id is None else None
        if key is None:
            return None
        where = list(dict.fromkeys([*self.named(named), *([joins] if joins in self.stored else [])]))
        if self.by_time is not None:  # by time, without reading the sessions whole
            at = [e for e in self.by_time.events_at(self.placement.namespace, where, key[2]) if e.source_file]
        else:
            at = [e for s in where for e in self._at(s).get((key[0], key[2]), [])]
        found = [e for e in at if self._own(e) and said_key(e.speaker, e.text, e.occurred_at) == key]
        if len(found) != 1 or found[0].id in self.used:
            return None
        self.used.add(found[0].id)
        return found[0]


def check_participants(participants: Mapping[str, str] | None) -> dict[str, str]:
    """``participants`` as a plain dict, each side spelled as speakers are (one line, NFC), or
    :class:`ConfigError` naming what is wrong."""
    if participants is None:
        return {}
    if not isinstance(participants, Mapping):
        raise ConfigError(f"participants must map roles to names, not {type(participants).__name__}")
    names: dict[str, str] = {}
    for role, name in participants.items():
        who = clean_speaker(role) if isinstance(role, str) else ""
        called = clean_speaker(name) if isinstance(name, str) else ""
        if not who or not called:
            raise ConfigError(f"participants must map roles to non-empty names, not {role!r}: {name!r}")
        names[who] = called
    return names


def add(
    memory: IngestTarget,
    messages: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    namespace: str,
    session: str | None = None,
    participants: Mapping[str, str] | None = None,
    extractor: Extractor | None = None,
    resolver: Resolver | None = None,
    embed: bool = True,
    timings: Timings | None = None,
    nlp: Any | None = None,
) -> list[str]:
    """Append messages to a namespace and return the ids of their events, in order.

    See the module docstring for where each message goes. Runs under the store's write lock, against
    what the namespace holds when the lock is taken.

    Args:
        memory: the open memory (or another :class:`~graphmem.ingest.IngestTarget`).
        messages: one message dict or a list, shaped like a JSONL line: ``speaker``, ``text``, optional
            ``time`` (ISO 8601 or epoch seconds), ``session``, ``id`` and ``caption``.
        namespace: where the messages go.
        session: the session of messages that name none, its id as stored (``session_3``, as events
            show it; a message's own ``"session": "3"`` is named as in a file, ``session_3``). Default:
            the namespace's latest one.
        participants: maps a role or speaker as the messages give it (``user``, ``assistant``) to the name
            memory should know them by (``Dana``), as a chat export's ``participants`` does.
        extractor: the extractor (default: spaCy, made once per memory and reusing ``nlp``).
        resolver: the entity resolver (default: as for files).
        embed: embed the event texts.
        timings: where to add the seconds spent resolving, embedding and writing.
        nlp: a loaded spaCy pipeline for the default extractor (default: loaded on first use).

    Messages whose text is empty or whose role is ``system``/``tool`` are left out (no id is returned for
    them), as in files.

    Raises:
        ConfigError: the namespace, session or participants are not legal.
        IngestError: a message is malformed (names its index) or re-uses a stored id with other text.
        StoreError: the write failed (nothing was written) or the store is locked by another writer.
        WriteConflictError: on a server store, other clients kept writing the namespace during each
            attempt (names it); nothing of these messages was written.
    """
    validate_namespace(namespace)
    if session is not None and (not isinstance(session, str) or not session.strip()):
        raise ConfigError(f"session must be a non-empty string, not {session!r}")
    parsed = parse_messages(messages, participants=participants)
    if session is not None:
        parsed = [m if m.session is not None else replace(m, session=session.strip()) for m in parsed]
    if not parsed:
        return []
    ex = extractor if extractor is not None else _extractor(memory, nlp)
    if embed:  # loaded before the lock: a process's first add would hold every other writer for seconds
        memory.embedder  # noqa: B018
    return retry_conflicts(
        lambda: _add(memory, parsed, namespace, ex, resolver, embed, timings),
        namespace=namespace,
        failed=lambda attempts: (
            f"could not add {len(parsed)} message(s) to namespace {namespace!r}: other writers changed it "
            f"during each of {attempts} attempts; nothing of these messages was written, try again"
        ),
    )


def _add(
    memory: IngestTarget,
    parsed: list[Message],
    namespace: str,
    ex: Extractor,
    resolver: Resolver | None,
    embed: bool,
    timings: Timings | None,
) -> list[str]:
    """Place ``parsed`` and write them, under the store's write lock (the threads of this process) and, on a
    server store, its guard (other processes: :class:`~graphmem.store.base.GuardsWrites`)."""
    from graphmem.writer import commit_batch, default_resolver

    with memory.writing(), guarded(memory.store, namespace):
        store = memory.store
        placement = _Placement(store, namespace)
        files = _FileSaid(placement)
        ids: list[str] = []
        retried: set[str] = set()
        seen: dict[str, tuple[str, RawTurn]] = {}
        for message in map(placement.spelled, parsed):
            given = message.turn.source_id
            if given is not None and given in seen:  # the same message twice in one call: one event
                placed_id, first = seen[given]
                if (first.speaker, event_text(first)) != (message.turn.speaker, event_text(message.turn)):
                    raise IngestError(
                        f"message id {given!r} is given twice in this call with another speaker or text",
                        path=_PATH,
                        json_path=message.json_path,
                    )
                ids.append(placed_id)
                continue
            when = naive_utc(message.turn.timestamp) if message.turn.timestamp is not None else _now()
            if message.turn.timestamp is not None:
                _warn_if_ahead(when, message.json_path)
            joins = placement.joins(message, when)
            # with an id, the file session it names or joins: a message naming none joins one as without an id
            retry = _retry_of(
                store,
                namespace,
                message.turn,
                message.session or joins,
                message.json_path,
                named=message.session is not None,
            )
            if retry is None and message.turn.timestamp is not None:  # an export's message without an id
                retry = files.find(message.turn, message.session, joins)
            if retry is not None:
                ids.append(retry.id)
                retried.add(retry.id)
                continue
            turn = message.turn if message.turn.timestamp is not None else replace(message.turn, timestamp=when)
            sid, seq = placement.place(replace(message, turn=turn), when)
            ids.append(event_id(sid, seq))
            if given is not None:
                seen[given] = (ids[-1], message.turn)
        transcript, context = placement.transcript()
        if transcript.sessions:
            words = _vocabulary(memory, store, namespace)
            # the stored entities the messages name: "Helix Labs" stays the firm the namespace knows
            known = known_entities(store, namespace, turn_texts(transcript), participants=transcript.participants)
            transcript = replace(transcript, vocabulary=frozenset(words), known=known)
            batch = _only_new(ex.extract(transcript), context)
            placed = list(dict.fromkeys(i for i in ids if i not in retried))
            if sorted(e.id for e in batch.events) != sorted(placed):  # sessions may come in time order
                raise ExtractionError(
                    f"extractor {ex.name!r} returned events {[e.id for e in batch.events][:5]} for messages "
                    f"placed at {placed[:5]}: it must number turns from each session's first_seq"
                )
            batch = replace(batch, sessions=placement.new_sessions())
            # "I live in Bristol." after "Are you still in Bristol?" stored NER's organisation: now the place
            moved = retype_stored(store, batch, known, memory.write)
            try:
                commit_batch(
                    memory,
                    batch,
                    resolver=resolver or default_resolver(memory, embed),
                    embed=embed,
                    timings=timings,
                )
            except BaseException:
                undo_retypes(store, moved, memory.write)  # the messages were not stored: nor is what they moved
                raise
            _learn(memory, namespace, [e.text for e in batch.events])
    return ids


def _only_new(batch: Batch, context: frozenset[str]) -> Batch:
    """``batch`` without what only its context turns (stored turns extracted again) said: their events and
    mentions, the facts and closings whose evidence is only theirs (what is stored already, closed or
    corrected already), and the entities nothing kept uses. A fact a new turn is evidence of keeps the
    stored turns it cites ("I got a job at Acme." then "I start on 1 April.": the job, from April).

    What stays is what the new turns said, as extracting them alone gave it, but read after the turns
    before them: so writing it writes nothing already stored again."""
    if not context:
        return batch
    facts = []
    for f in batch.facts:
        if set(f.evidence) - context:  # a stored turn it cites too stays cited, as in one call
            facts.append(f)
    closings = []
    for c in batch.closings:
        evidence = tuple(e for e in c.evidence if e not in context)
        if evidence:
            closings.append(replace(c, evidence=evidence))
    mentions = tuple(m for m in batch.mentions if m.event_id not in context)
    used = {m.entity_id for m in mentions}
    used.update(i for f in facts for i in (f.subject_id, f.object_id))
    used.update(i for c in closings for i in (c.subject_id, c.object_id, c.value) if i is not None)
    said = {m.entity_id for m in batch.mentions if m.event_id in context}
    said.update(i for f in batch.facts for i in (f.subject_id, f.object_id))
    said.update(i for c in batch.closings for i in (c.subject_id, c.object_id, c.value) if i is not None)
    lost = said - used  # what only the context turns named (an entity no statement uses stays, as before)
    return replace(
        batch,
        events=tuple(e for e in batch.events if e.id not in context),
        mentions=mentions,
        facts=tuple(facts),
        closings=tuple(closings),
        entities=tuple(e for e in batch.entities if e.id not in lost),
        embeddings=tuple((n, v) for n, v in batch.embeddings if n not in context),
    )


#: Runs of lower-case letters: the words a text uses in lower case.
_LOWER = re.compile(r"\b[a-z]+\b")


def lower_words(texts: Iterable[str]) -> set[str]:
    """The words ``texts`` use in lower case, function words left out.

    A whole-file extraction knows which words a conversation uses in lower case (a noun, verb or
    adjective seen so: evidence that the word is no name when it starts a sentence capitalised). A
    message added later is extracted with only the last few turns of its session, so it is given this set
    for what the namespace already holds. Function words ("will", "may") are left out, as the file pass
    counts only nouns, verbs and adjectives: "Will" at a sentence start stays a possible name.
    """
    from graphmem.recall.query import STOP_WORDS

    found: set[str] = set()
    for text in texts:
        found.update(_LOWER.findall(text))
    return found - STOP_WORDS


def _vocabulary(memory: IngestTarget, store: GraphStore, namespace: str) -> set[str]:
    """The lower-case words of ``namespace``: read from the store once per memory, then kept current with
    what :func:`add` adds, and read again whenever the namespace's event count says someone else wrote."""
    known = _VOCABULARY.setdefault(memory, {})
    count = store.stats(namespace).events
    cached = known.get(namespace)
    if cached is None or cached[0] != count:
        cached = known[namespace] = (count, lower_words(e.text for e in store.iter_events(namespace)))
    return cached[1]


def _learn(memory: IngestTarget, namespace: str, texts: Sequence[str]) -> None:
    """Add the words of the events just written (under the write lock) to the namespace's vocabulary."""
    cached = _VOCABULARY.get(memory, {}).get(namespace)
    if cached is not None:
        cached[1].update(lower_words(texts))
        _VOCABULARY[memory][namespace] = (cached[0] + len(texts), cached[1])


def _extractor(memory: IngestTarget, nlp: Any | None) -> Extractor:
    """The spaCy extractor of ``memory``, made once (it caches compiled rules) and sharing ``nlp``; it keeps
    the parses of the last :data:`PARSE_CACHE_TURNS` turns it read, so a stored turn read again as context
    of the messages after it is parsed once (:class:`~graphmem.extract.parse_cache.ParseCache`).

    The pipeline is loaded here (once per process), before :func:`add` takes the store's write lock.
    """
    found = _EXTRACTORS.get(memory)
    if found is None:
        from graphmem.extract import get_extractor
        from graphmem.extract.nlp import load_nlp

        found = _EXTRACTORS[memory] = get_extractor(
            "spacy", nlp=nlp if nlp is not None else load_nlp(), parse_cache=PARSE_CACHE_TURNS
        )
    return found


_EXTRACTORS: weakref.WeakKeyDictionary[IngestTarget, Extractor] = weakref.WeakKeyDictionary()
#: memory → namespace → (its event count when read, its lower-case words)
_VOCABULARY: weakref.WeakKeyDictionary[IngestTarget, dict[str, tuple[int, set[str]]]] = weakref.WeakKeyDictionary()


def messages_of(transcript: Transcript) -> list[dict[str, Any]]:
    """A transcript's turns as the messages an agent would have added one at a time, in order.

    Each carries its session, its own id, its caption and its time: the turn's timestamp, else the
    session start plus one second per turn (the time ingestion gives it), else none. Used to check that
    adding a conversation message by message builds what ingesting it builds (``bench live``, tests).
    """
    from graphmem.extract.events import TURN_OFFSET, order_sessions

    out: list[dict[str, Any]] = []
    for raw in order_sessions(transcript.sessions):
        for seq, turn in enumerate(raw.turns, start=raw.first_seq):
            message: dict[str, Any] = {"speaker": turn.speaker, "text": turn.text, "session": raw.id}
            when = turn.timestamp or (raw.started_at + TURN_OFFSET * (seq - 1) if raw.started_at else None)
            if when is not None:
                message["time"] = when.isoformat()
            if turn.source_id is not None:
                message["id"] = turn.source_id
            if turn.caption:
                message["caption"] = turn.caption
            out.append(message)
    return out
