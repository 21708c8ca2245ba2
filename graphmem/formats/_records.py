"""Message records (JSON objects) to sessions: shared by JSONL files, chat exports and in-memory input.

A record names its speaker (``speaker``, ``name``, ``role`` or a string ``author``), its text (``text``,
``content`` as a string or a list of text parts, or ``message``), and optionally a ``timestamp``
(``time``, ``date``, ``created_at``), a ``session`` (``session_id``), an ``id`` (``dia_id``,
``message_id``) and an image ``caption`` (``blip_caption``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from itertools import pairwise
from typing import Any

from graphmem.errors import IngestError
from graphmem.formats._names import Spellings
from graphmem.formats._source import (
    check_turn_text,
    clean_speaker,
    json_type,
    parse_timestamp,
    warn_input,
)
from graphmem.formats._times import utc_on_clock
from graphmem.text import clean_text
from graphmem.transcript import RawSession, RawTurn

__all__ = [
    "CALL_KEYS",
    "RECORD_KEYS",
    "SESSION_GAP",
    "SKIPPED_ROLES",
    "Located",
    "looks_like_record",
    "record_time",
    "records_to_sessions",
]

#: Without session labels, a pause longer than this between timed messages starts a new session.
SESSION_GAP = timedelta(hours=6)
#: Messages with these roles are instructions or tool plumbing, not dialogue; they are left out.
SKIPPED_ROLES = frozenset({"system", "tool", "function", "developer"})

_SPEAKER_KEYS = ("speaker", "name", "role", "author")
_TEXT_KEYS = ("text", "content", "message")
_TIME_KEYS = ("timestamp", "time", "date", "created_at", "create_time")
_SESSION_KEYS = ("session", "session_id")
_ID_KEYS = ("id", "dia_id", "message_id")
_CAPTION_KEYS = ("caption", "blip_caption", "image_caption")
#: Keys of a chat API's message that calls a tool (its content is then null or empty, and it is no dialogue).
CALL_KEYS = ("tool_calls", "function_call")
#: Every key a record is read by; others are left out.
RECORD_KEYS = frozenset(_SPEAKER_KEYS + _TEXT_KEYS + _TIME_KEYS + _SESSION_KEYS + _ID_KEYS + _CAPTION_KEYS + CALL_KEYS)
#: A session label that is a number, bare or as ``session_N`` (leading zeros allowed).
_NUMBERED = re.compile(r"^(?:session_)?([0-9]+)$")


@dataclass(frozen=True, slots=True)
class Located:
    """A record with where it came from: a 1-based line (JSONL) or a JSON path (JSON documents)."""

    record: Any
    line: int | None = None
    json_path: str | None = None


def looks_like_record(obj: Any) -> bool:
    """Whether ``obj`` is a dict that names a speaker and a text."""
    return isinstance(obj, dict) and any(k in obj for k in _SPEAKER_KEYS) and any(k in obj for k in _TEXT_KEYS)


def _first(record: dict[str, Any], keys: Sequence[str]) -> tuple[str | None, Any]:
    for key in keys:
        if key in record and record[key] is not None:
            return key, record[key]
    return None, None


def record_time(record: dict[str, Any]) -> Any:
    """The value a record's time is read from (its first time key that holds one), or ``None``."""
    return _first(record, _TIME_KEYS)[1]


def _text_of(value: Any, fail: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts = []
        for part in value:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
        return "\n".join(parts)
    raise fail(f"the text must be a string or a list of text parts, found {json_type(value)}")


@dataclass(frozen=True, slots=True)
class _Turn:
    """One record read into a turn, with the session label it carries (if any)."""

    turn: RawTurn
    label: str | None


class _Fields:
    """Reads the fields of one record, raising errors that name its line or JSON path."""

    def __init__(self, it: Located, path: str) -> None:
        self.it = it
        self.path = path

    def fail(self, message: str, key: str | None = None) -> IngestError:
        jp = self.it.json_path
        if jp and key:
            jp = f"{jp}.{key}"
        return IngestError(message, path=self.path, line=self.it.line, json_path=jp)

    def json_path(self, key: str) -> str | None:
        return f"{self.it.json_path}.{key}" if self.it.json_path else None

    def speaker(self, rec: dict[str, Any], names: Mapping[str, str]) -> str:
        key, speaker = _first(rec, _SPEAKER_KEYS)
        if key is None:
            raise self.fail("missing field 'speaker' (or 'role'/'name')")
        # one line, one spelling: a name shows in tables and context lines, and NFD "Tomás" is NFC "Tomás"
        speaker = clean_speaker(speaker) if isinstance(speaker, str) else ""
        if not speaker:
            raise self.fail(f"field {key!r} must be a non-empty string", key)
        return names.get(speaker, speaker)

    def text(self, rec: dict[str, Any]) -> str | None:
        """The turn's text; ``None`` for a message without content (``content: null``)."""
        key, raw = _first(rec, _TEXT_KEYS)
        if key is None:
            if not any(k in rec for k in _TEXT_KEYS):
                raise self.fail("missing field 'text' (or 'content')")
            return None
        text = _text_of(raw, lambda m: self.fail(m, key))
        return check_turn_text(text, path=self.path, line=self.it.line, json_path=self.json_path(key))

    def caption(self, rec: dict[str, Any]) -> str | None:
        _, caption = _first(rec, _CAPTION_KEYS)
        if caption is not None and not isinstance(caption, str):
            raise self.fail("the image caption must be a string")
        return clean_text(caption.strip()) if caption else None

    def time(self, rec: dict[str, Any]) -> datetime | None:
        key, raw = _first(rec, _TIME_KEYS)
        if key is None:
            return None
        return parse_timestamp(raw, path=self.path, line=self.it.line, json_path=self.json_path(key))

    def source_id(self, rec: dict[str, Any]) -> str | None:
        key, raw = _first(rec, _ID_KEYS)
        if raw is not None and not isinstance(raw, str | int):
            raise self.fail(f"field {key!r} must be a string or an integer", key)
        text = clean_text(str(raw)) if raw is not None else ""
        return text if text.strip() else None  # an empty id ("id": "") is no id

    def label(self, rec: dict[str, Any]) -> str | None:
        key, label = _first(rec, _SESSION_KEYS)
        if label is None:
            return None
        if not isinstance(label, str | int) or isinstance(label, bool) or key is None:
            raise self.fail(f"field {key!r} must be a string or an integer", key)
        return clean_text(str(label).strip()) or None


def _read_turn(
    it: Located, path: str, names: Mapping[str, str], spellings: Spellings, empty: list[Located]
) -> _Turn | None:
    """One record as a turn, or ``None`` when it is left out (a skipped role, no text: added to ``empty``)."""
    rec = it.record
    fields = _Fields(it, path)
    if not isinstance(rec, dict):
        raise fields.fail(f"expected a message object, found {json_type(rec)}")
    role = rec.get("role")
    if isinstance(role, str) and role.lower() in SKIPPED_ROLES:
        return None
    given = fields.speaker(rec, names)
    text = fields.text(rec)
    caption = fields.caption(rec) if text is not None else None
    if text is None or (not text and not caption):
        if not any(rec.get(k) for k in CALL_KEYS):  # a message that only called a tool is plumbing, not empty
            empty.append(it)
        return None
    speaker, other = spellings.take(given)  # a message left out spells no one
    if other:
        warn_input(Spellings.note(given, speaker), path=path, line=it.line, json_path=it.json_path)
    turn = RawTurn(
        speaker,
        text,
        source_id=fields.source_id(rec),
        line=it.line,
        json_path=it.json_path,
        timestamp=fields.time(rec),
        caption=caption,
    )
    return _Turn(turn, fields.label(rec))


#: The line where a JSON path starts in the input (``None`` when unknown), to name a record's place.
LineOf = Callable[[str], int | None]
#: A time as naive UTC on the reading memory's clock, to group and order by.
TimeKey = Callable[[datetime], datetime]


def _where(turn: RawTurn, line_of: LineOf | None) -> str:
    if turn.line is not None:
        return f"line {turn.line}"
    line = line_of(str(turn.json_path)) if line_of is not None and turn.json_path else None
    return f"line {line} ({turn.json_path})" if line is not None else str(turn.json_path)


def _repeated(turn: RawTurn, first: RawTurn | None, path: str, line_of: LineOf | None) -> bool:
    """Whether ``turn`` repeats ``first``, the message given earlier with its id (in its session).

    A repeat with another time is kept once, at the first time, with an
    :class:`~graphmem.errors.IngestWarning` naming both places.

    Raises:
        IngestError: the id was given before with another speaker, text or caption.
    """
    if first is None:
        return False
    if (first.speaker, first.text, first.caption) != (turn.speaker, turn.text, turn.caption):
        raise IngestError(
            f"message id {turn.source_id!r} was already given at {_where(first, line_of)} with another speaker or text",
            path=path,
            line=turn.line,
            json_path=turn.json_path,
        )
    if first.timestamp != turn.timestamp:
        line = turn.line if turn.line is not None else (line_of(turn.json_path) if line_of and turn.json_path else None)
        warn_input(
            f"message id {turn.source_id!r} was already given at {_where(first, line_of)} with the same text at "
            f"{_stamp(first.timestamp)}; this copy says {_stamp(turn.timestamp)}: kept once, at the time given first",
            path=path,
            line=line,
            json_path=turn.json_path,
        )
    return True


def _stamp(when: datetime | None) -> str:
    return when.isoformat(sep=" ") if when is not None else "no time"


def _group(
    turns: list[_Turn], labelled: bool, path: str, line_of: LineOf | None, utc: TimeKey
) -> dict[str, list[RawTurn]]:
    """Turns grouped by session label, or (without labels) split where a pause exceeds the gap.

    A message given again with its id in the same session (labelled, or split by the gap) is kept once, as
    :meth:`graphmem.Memory.add` keeps a message sent twice; ids are checked per session, since an export
    may number its messages afresh in each conversation.
    """
    groups: dict[str, list[RawTurn]] = {}
    current = "1"
    last_time: datetime | None = None
    gap_sessions = 1
    given: dict[tuple[str, str], RawTurn] = {}
    for item in turns:
        when = item.turn.timestamp
        if labelled:
            current = item.label or current
        elif when is not None:
            if last_time is not None and utc(when) - utc(last_time) > SESSION_GAP:
                gap_sessions += 1
                current = str(gap_sessions)
            # the pause runs from the latest time so far: a backdated record does not move it back (as live add)
            last_time = when if last_time is None else max(last_time, when, key=utc)
        if item.turn.source_id is not None:
            key = (current, item.turn.source_id)
            if _repeated(item.turn, given.get(key), path, line_of):
                continue
            given[key] = item.turn
        groups.setdefault(current, []).append(item.turn)
    return groups


def _sessions(
    groups: dict[str, list[RawTurn]], path: str, line_of: LineOf | None, key: TimeKey
) -> tuple[RawSession, ...]:
    """Groups as sessions, in date order when every session is dated, indexed from 0.

    Raises:
        IngestError: two labels spelled apart name one session (``3``, ``03`` and ``session_3``); names both
            places.
    """
    sessions = []
    labels: dict[str, tuple[str, RawTurn]] = {}
    for label, turns in groups.items():
        times = [t.timestamp for t in turns if t.timestamp is not None]
        sid = f"session_{label}" if label.isdigit() else label
        # ``3``, ``03`` and ``session_3`` name one session, as LoCoMo's ``session_3`` and ``session_03`` do
        number = _NUMBERED.match(label)
        same = f"session_{int(number.group(1))}" if number else sid
        if same in labels:
            other, first = labels[same]
            raise IngestError(
                f"session labels {other!r} (first at {_where(first, line_of)}) and {label!r} both name session "
                f"{same!r}: write one spelling for one session, or number two sessions apart",
                path=path,
                line=turns[0].line,
                json_path=turns[0].json_path,
            )
        labels[same] = (label, turns[0])
        sessions.append(RawSession(sid, 0, tuple(turns), started_at=min(times, key=key) if times else None))
    if all(s.started_at is not None for s in sessions):
        sessions.sort(key=lambda s: key(s.started_at) if s.started_at else datetime.min)
    return tuple(
        RawSession(s.id, i, s.turns, started_at=s.started_at, date_text=s.date_text) for i, s in enumerate(sessions)
    )


def _chronological(turns: list[_Turn], key: TimeKey) -> list[_Turn]:
    """``turns`` oldest first when the input lists them newest first, else as they are.

    An input is newest first when its timed records never go forward in time and the last is earlier than
    the first. Its records are then sorted by time, stably: timed records of equal time keep their order
    in the input. A record without a time keeps its place between its neighbours as the input is read
    backwards (it comes just before the timed record above it; those above the first time come after
    it). An input in any other order is kept as written: one backdated message in a forward log is not a
    reason to reorder it.
    """
    times = [key(t.turn.timestamp) for t in turns if t.turn.timestamp is not None]
    if len(times) < 2 or times[0] <= times[-1] or any(a < b for a, b in pairwise(times)):
        return turns
    lead: list[_Turn] = []  # untimed records above the first timed one: newer than it
    blocks: list[list[_Turn]] = []  # a timed record, preceded by the untimed ones below it (older)
    for item in turns:
        if item.turn.timestamp is not None:
            blocks.append([item])
        elif blocks:
            blocks[-1].insert(0, item)
        else:
            lead.append(item)
    blocks[0].extend(reversed(lead))
    blocks.sort(key=lambda block: key(next(t.turn.timestamp for t in block if t.turn.timestamp)))
    return [item for block in blocks for item in block]


def records_to_sessions(
    items: Sequence[Located],
    *,
    path: str,
    speaker_names: Mapping[str, str] | None = None,
    line_of: LineOf | None = None,
    empty: list[Located] | None = None,
    zone: tzinfo | None = None,
) -> tuple[RawSession, ...]:
    """Group message records into sessions, in date order when every session is dated.

    Records listed newest first are taken oldest first (see :func:`_chronological`). Records are grouped
    by their ``session`` label (in order of first appearance; a record without one stays in the current
    session). Without any labels, timed records are split where a pause exceeds
    :data:`SESSION_GAP`. Records whose role is in :data:`SKIPPED_ROLES` or whose text is empty are left out,
    and so is a message given again with its ``id`` in the same session (labelled, or split by the gap).
    A speaker spelled as one before but for case takes the first spelling (:class:`Spellings`), with an
    :class:`~graphmem.errors.IngestWarning` at the first record spelling it otherwise.

    Args:
        items: the records with their positions.
        path: the input, for error messages.
        speaker_names: maps a role (``user``) to a display name (``Dana``).
        line_of: the line where a JSON path starts in the input, so an error names a record's line too.
        empty: gets the records left out for want of text (``null``, empty or only whitespace), to count.
        zone: the clock of the memory that reads the records: records are grouped and ordered by their times
            as it reads them (:func:`~graphmem.formats._times.utc_on_clock`: a date alone is that day on its
            calendar), as messages added live are; the times given stay as read.

    Raises:
        IngestError: a record is not an object, lacks a speaker or a text, or has a bad field, or an id is
            given again with another speaker or text (names both places).
    """
    names = speaker_names or {}
    labelled = any(isinstance(it.record, dict) and _first(it.record, _SESSION_KEYS)[0] for it in items)
    spellings = Spellings()
    empty = [] if empty is None else empty
    turns = [turn for it in items if (turn := _read_turn(it, path, names, spellings, empty)) is not None]
    if not turns:
        raise IngestError("no dialogue turns found", path=path)

    def key(when: datetime) -> datetime:
        return utc_on_clock(when, zone)

    return _sessions(_group(_chronological(turns, key), labelled, path, line_of, key), path, line_of, key)
