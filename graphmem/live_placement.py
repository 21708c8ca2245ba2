"""Where the messages of one :func:`graphmem.live.add` call go: each placed in a session of the namespace
(:class:`Placement`), a message re-sent with a stored id known (:func:`retry_of`), and one a file ingested
before holds known by what it says (:class:`FileSaid`). See :mod:`graphmem.live` for the rules."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from graphmem.errors import IngestError
from graphmem.extract.antecedents import latest
from graphmem.extract.events import event_text
from graphmem.extract.names import event_id
from graphmem.formats._records import SESSION_GAP
from graphmem.ingest_held import names_session, own_time, plainly_named, said_key, session_name, session_names
from graphmem.live_messages import MESSAGES_PATH, Message
from graphmem.models import Event, Session, TimeRef, chain_key, chain_order, event_chain_key
from graphmem.store.base import FindsEventsAt, KeepsPositions
from graphmem.transcript import RawSession, RawTurn, Transcript

if TYPE_CHECKING:
    from graphmem.store.base import GraphStore

__all__ = ["CONTEXT_TURNS", "FileSaid", "Placement", "retry_of"]

#: How many stored turns of its session before a message added live are extracted with it, as context.
CONTEXT_TURNS = 8


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


class Placement:
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
        to ("She works at Acme"), never written (:func:`graphmem.live._only_new`)."""
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


def retry_of(
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
    # a speaker spelled otherwise but for case is the same one (a stored spelling taken: Placement.spelled)
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
        path=MESSAGES_PATH,
        json_path=json_path,
    )


class FileSaid:
    """The messages files hold in the sessions of one namespace, by speaker and time, read once per session
    per call: how a message without an id that a file ingested before holds is known (:func:`said_key`)."""

    def __init__(self, placement: Placement) -> None:
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
