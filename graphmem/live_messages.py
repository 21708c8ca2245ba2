"""Reading the messages an agent adds (:func:`graphmem.live.add`): message dicts checked and read into
:class:`Message` values, the ``participants`` map checked, a time ahead of the clock warned about, and a
transcript turned back into the messages that would have built it (:func:`messages_of`)."""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from graphmem.errors import ConfigError, IngestError, IngestWarning
from graphmem.extract.clocks import on_memory_clock
from graphmem.formats._names import clean_speaker
from graphmem.formats._records import (
    CALL_KEYS,
    RECORD_KEYS,
    SKIPPED_ROLES,
    Located,
    record_time,
    records_to_sessions,
)
from graphmem.formats._times import parse_timestamp
from graphmem.transcript import RawTurn, Transcript

__all__ = [
    "AHEAD",
    "MESSAGES_PATH",
    "Message",
    "check_participants",
    "messages_of",
    "naive_now",
    "parse_messages",
    "unread_fields",
    "warn_if_ahead",
]

_SESSION_KEYS = ("session", "session_id")
MESSAGES_PATH = "messages"  # errors name the argument: messages at $[1]: ...


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
    path: str = MESSAGES_PATH,
    lines: Sequence[int] | None = None,
    participants: Mapping[str, str] | None = None,
    zone: tzinfo | None = None,
) -> list[Message]:
    """Check message dicts (shaped like JSONL lines) and read them into :class:`Message` values.

    Messages whose role is ``system``/``tool`` or whose text is empty are left out, as in files.
    ``lines`` gives each message's 1-based line in ``path`` (JSONL read from a file or stdin), which
    errors then name instead of its index. ``participants`` maps a role or speaker as the messages give
    it (``user``) to the name memory should know them by (``Dana``), as a chat export's ``participants`` does.
    ``zone`` is the memory's clock: a message's time is shown on it
    (:func:`~graphmem.extract.clocks.on_memory_clock`, as a file's times are), so what the message says
    ("yesterday") is dated on that calendar, and a date alone (``"time": "2024-03-05"``) is that day there. A
    field no message is read by that looks like a misspelt one, or that holds a time while the message gives
    none, is warned about (:func:`unread_fields`).

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
        turn = sessions[0].turns[0]
        labelled = False
        if isinstance(record, Mapping):
            for note in unread_fields(record):
                warnings.warn(IngestWarning(note, path=path, json_path=where.json_path, line=where.line), stacklevel=4)
            labelled = any(record.get(k) is not None for k in _SESSION_KEYS)
        if turn.timestamp is not None:  # a date alone is that day on the memory's calendar
            turn = replace(turn, timestamp=on_memory_clock(turn.timestamp, zone))
        # a labelled message's session is named as in a file ("3" → "session_3")
        out.append(Message(turn, sessions[0].id if labelled else None, i))
    return out


#: Words in a key that say it may hold a time (``ts``, ``sent_at``, ``datetime``, ``when``).
_TIME_HINTS = ("time", "date", "ts", "stamp", "when", "_at", "sent", "created")


def _holds_time(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, str | int | float | datetime):
        return False
    if isinstance(value, int | float) and abs(value) < 1e9:  # a count or a score, not epoch seconds
        return False
    if isinstance(value, str) and not any(c.isdigit() for c in value):
        return False
    try:
        parse_timestamp(value, path=MESSAGES_PATH)
    except IngestError:
        return False
    return True


def unread_fields(record: Mapping[str, Any]) -> list[str]:
    """What a message's fields that nothing reads may have meant, one note each: a key close to one that
    is read (``tme``: did you mean ``time``?), or, in a message with no time, a key whose value is a
    time (``ts``). Other keys (a chat API's ``refusal``, an app's ``metadata``) are left out quietly."""
    notes: list[str] = []
    role = record.get("role")
    if (isinstance(role, str) and role.lower() in SKIPPED_ROLES) or any(record.get(k) for k in CALL_KEYS):
        return notes  # a system or tool message, or a call of a tool: not dialogue, left out whole
    timed = record_time(dict(record)) is not None
    for key, value in record.items():
        if not isinstance(key, str) or key in RECORD_KEYS:
            continue
        close = difflib.get_close_matches(key, sorted(RECORD_KEYS), n=1, cutoff=0.8)
        if close:
            notes.append(f"field {key!r} is not read (did you mean {close[0]!r}?); it was left out")
        elif not timed and any(h in key.lower() for h in _TIME_HINTS) and _holds_time(value):
            notes.append(
                f"field {key!r} holds a time but is not read, so the message takes the current time; "
                "name it 'time' (or 'timestamp')"
            )
    return notes


def naive_now() -> datetime:
    """The current time as stores keep times: naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


#: How far ahead of this machine's clock a message's time may be before the add warns (a clock a little fast).
AHEAD = timedelta(minutes=5)


def warn_if_ahead(when: datetime, json_path: str | None) -> None:
    """Warn that a message's time lies ahead of the clock: what it says holds from then, so current reads
    (``facts``, ``context``) leave it out until the clock gets there (a client's clock ahead, or a local time
    sent without its offset, which is read as UTC)."""
    ahead = when - naive_now()
    if ahead > AHEAD:
        minutes = round(ahead.total_seconds() / 60)
        by = (
            f"{minutes} min" if minutes < 120 else f"{minutes // 60} h" if minutes < 2880 else f"{minutes // 1440} days"
        )
        warnings.warn(
            IngestWarning(
                f"its time {when.isoformat(sep=' ')} (UTC) is {by} ahead of this machine's clock: what it "
                "says holds from then, so current facts leave it out until then (send times with their offset)",
                path=MESSAGES_PATH,
                json_path=json_path,
            ),
            stacklevel=4,
        )


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
