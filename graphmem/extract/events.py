"""Stage 1: one :class:`~graphmem.models.Event` per turn, and the sessions in date order.

Events keep the input's order: ``seq`` counts turns from 1 inside their session and the store derives the
NEXT edges (previous turn → turn) and IN_SESSION edges from it. The event time is the turn's own
timestamp when the input has one, else the session start plus one second per turn, so turns stay in order
without leaving the session's minute. An image caption becomes part of the event text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from graphmem.extract.names import event_id, naive_utc
from graphmem.models import Event, Session, validate_namespace
from graphmem.transcript import RawSession, RawTurn, Transcript

__all__ = ["TURN_OFFSET", "EventPlan", "build_events", "event_text", "order_sessions", "turn_time"]

#: How far apart consecutive turns of a session are placed when the input gives no per-turn time.
TURN_OFFSET = timedelta(seconds=1)


def turn_time(started_at: datetime | None, seq: int, timestamp: datetime | None = None) -> datetime | None:
    """The time extraction gives turn ``seq`` of a session: its own ``timestamp``, else the session's start
    plus :data:`TURN_OFFSET` per turn before it, else ``None`` (naive UTC)."""
    own = naive_utc(timestamp)
    if own is not None:
        return own
    start = naive_utc(started_at)
    return start + TURN_OFFSET * (seq - 1) if start is not None else None


@dataclass(frozen=True, slots=True)
class EventPlan:
    """The events of a transcript with what later stages need to know about each turn.

    ``reference`` is the time relative expressions in a turn are resolved against: the speaker's wall
    clock (an aware input time in its own offset, made naive), since "yesterday" said at 00:30+02:00 is
    the day before in the speaker's calendar, not in UTC's. ``offset`` is that time's UTC offset
    (``None`` for naive input), which turns what is resolved back into naive UTC, the store's convention
    (:func:`graphmem.extract.times.to_utc`). ``addressee`` is the participant the speaker most likely
    talks to (``None`` when unknown).
    """

    sessions: tuple[Session, ...]
    events: tuple[Event, ...]
    references: tuple[datetime | None, ...]
    addressees: tuple[str | None, ...]
    speakers: tuple[str, ...]
    offsets: tuple[timedelta | None, ...] = ()
    zones: tuple[tzinfo | None, ...] = ()

    def offset(self, index: int) -> timedelta | None:
        """The UTC offset of the ``index``-th turn's reference time (``None``: naive, already UTC)."""
        return self.offsets[index] if index < len(self.offsets) else None

    def clock(self, index: int) -> tzinfo | timedelta | None:
        """The clock the ``index``-th turn's resolved times are read on: its reference time's zone (a named
        zone's rules give each date its own offset, so a date across a daylight-saving change is not an
        hour off), else its offset."""
        zone = self.zones[index] if index < len(self.zones) else None
        return zone if zone is not None else self.offset(index)


def event_text(turn: RawTurn) -> str:
    """The text of a turn's event: what was said, plus ``[shares a photo: ...]`` for an image caption."""
    text = turn.text.strip()
    if turn.caption:
        caption = turn.caption.strip()
        share = f"[shares a photo: {caption}]" if caption else ""
        text = f"{text} {share}".strip() if share else text
    return text


def order_sessions(sessions: tuple[RawSession, ...]) -> list[RawSession]:
    """Sessions in date order when every session has a date, else in input order (ties keep input order)."""
    ordered = sorted(sessions, key=lambda s: s.index)
    if ordered and all(s.started_at is not None for s in ordered):
        ordered.sort(key=lambda s: naive_utc(s.started_at) or datetime.min)
    return ordered


def _addressees(speakers: list[str], participants: list[str]) -> list[str | None]:
    """For each turn, whom the speaker addresses.

    With two participants it is the other one. Otherwise it is the previous different speaker in the
    session, or (for the opening turns) the next different one.
    """
    if len(participants) == 2:
        a, b = participants
        return [b if s == a else a for s in speakers]

    def most_recent_other(order: list[str]) -> list[str | None]:
        # within a run of turns by one speaker, the most recent other speaker is the one before the run
        found: list[str | None] = []
        previous: str | None = None
        target: str | None = None
        for speaker in order:
            if speaker != previous:
                target, previous = previous, speaker
            found.append(target)
        return found

    before = most_recent_other(speakers)
    after = most_recent_other(speakers[::-1])[::-1]
    return [b if b is not None else a for b, a in zip(before, after, strict=True)]


def build_events(transcript: Transcript, *, namespace: str | None = None) -> EventPlan:
    """Turn a transcript into sessions and events (stage 1).

    Args:
        transcript: the turns as read from the input.
        namespace: the namespace to write to (default: the transcript's).

    Raises:
        ConfigError: the namespace is not legal.
    """
    ns = validate_namespace(namespace or transcript.namespace)
    participants: list[str] = list(transcript.participants)
    for raw in transcript.sessions:
        for turn in raw.turns:
            if turn.speaker not in participants:
                participants.append(turn.speaker)
    sessions: list[Session] = []
    events: list[Event] = []
    references: list[datetime | None] = []
    offsets: list[timedelta | None] = []
    zones: list[tzinfo | None] = []
    addressees: list[str | None] = []
    for index, raw in enumerate(order_sessions(transcript.sessions)):
        start = naive_utc(raw.started_at)
        sessions.append(Session(ns, raw.id, index, start, raw.date_text))
        addressees.extend(_addressees([t.speaker for t in raw.turns], participants))
        for seq, turn in enumerate(raw.turns, start=raw.first_seq):
            occurred = turn_time(raw.started_at, seq, turn.timestamp)
            events.append(
                Event(
                    namespace=ns,
                    id=event_id(raw.id, seq),
                    session=raw.id,
                    seq=seq,
                    speaker=turn.speaker,
                    text=event_text(turn),
                    occurred_at=occurred,
                    source_id=turn.source_id,
                    source_file=transcript.source_file,
                    source_line=turn.line,
                )
            )
            reference = turn.timestamp if turn.timestamp is not None else raw.started_at
            references.append(reference.replace(tzinfo=None) if reference is not None else None)
            offsets.append(reference.utcoffset() if reference is not None else None)
            zones.append(reference.tzinfo if reference is not None else None)
    return EventPlan(
        tuple(sessions),
        tuple(events),
        tuple(references),
        tuple(addressees),
        tuple(participants),
        tuple(offsets),
        tuple(zones),
    )
