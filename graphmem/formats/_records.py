"""Message records (JSON objects) to sessions: shared by JSONL files, chat exports and in-memory input.

A record names its speaker (``speaker``, ``name``, ``role`` or a string ``author``), its text (``text``,
``content`` as a string or a list of text parts, or ``message``), and optionally a ``timestamp``
(``time``, ``date``, ``created_at``), a ``session`` (``session_id``), an ``id`` (``dia_id``,
``message_id``) and an image ``caption`` (``blip_caption``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from graphmem.errors import IngestError
from graphmem.formats._source import check_turn_text, naive_utc, parse_timestamp
from graphmem.transcript import RawSession, RawTurn

__all__ = ["SESSION_GAP", "SKIPPED_ROLES", "Located", "looks_like_record", "records_to_sessions"]

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
    raise fail(f"the text must be a string or a list of text parts, found {type(value).__name__}")


def records_to_sessions(
    items: Sequence[Located], *, path: str, speaker_names: dict[str, str] | None = None
) -> tuple[RawSession, ...]:
    """Group message records into sessions, in date order when every session is dated.

    Records are grouped by their ``session`` label (in order of first appearance; a record without one
    stays in the current session). Without any labels, timed records are split where a pause exceeds
    :data:`SESSION_GAP`. Records whose role is in :data:`SKIPPED_ROLES` or whose text is empty are left out.

    Args:
        items: the records with their positions.
        path: the input, for error messages.
        speaker_names: maps a role (``user``) to a display name (``Dana``).

    Raises:
        IngestError: a record is not an object, lacks a speaker or a text, or has a bad field.
    """
    names = speaker_names or {}
    groups: dict[str, list[RawTurn]] = {}
    labelled = any(isinstance(it.record, dict) and _first(it.record, _SESSION_KEYS)[0] for it in items)
    current = "1"
    last_time: datetime | None = None
    gap_sessions = 1
    for it in items:
        rec = it.record

        def fail(message: str, suffix: str = "", it: Located = it) -> IngestError:
            jp = f"{it.json_path}{suffix}" if it.json_path else None
            return IngestError(message, path=path, line=it.line, json_path=jp)

        if not isinstance(rec, dict):
            raise fail(f"expected a message object, found {type(rec).__name__}")
        role = rec.get("role")
        if isinstance(role, str) and role.lower() in SKIPPED_ROLES:
            continue
        skey, speaker = _first(rec, _SPEAKER_KEYS)
        if skey is None:
            raise fail("missing field 'speaker' (or 'role'/'name')")
        if not isinstance(speaker, str) or not speaker.strip():
            raise fail(f"field {skey!r} must be a non-empty string", f".{skey}")
        speaker = names.get(speaker.strip(), speaker.strip())
        tkey, raw_text = _first(rec, _TEXT_KEYS)
        if tkey is None:
            if not any(k in rec for k in _TEXT_KEYS):
                raise fail("missing field 'text' (or 'content')")
            continue  # content: null, e.g. a message that only called a tool
        text = check_turn_text(
            _text_of(raw_text, lambda m, k=tkey: fail(m, f".{k}")),
            path=path,
            line=it.line,
            json_path=f"{it.json_path}.{tkey}" if it.json_path else None,
        )
        _, caption = _first(rec, _CAPTION_KEYS)
        if caption is not None and not isinstance(caption, str):
            raise fail("the image caption must be a string")
        caption = caption.strip() if caption else None
        if not text and not caption:
            continue
        when = None
        wkey, raw_time = _first(rec, _TIME_KEYS)
        if wkey is not None:
            jp = f"{it.json_path}.{wkey}" if it.json_path else None
            when = parse_timestamp(raw_time, path=path, line=it.line, json_path=jp)
        ikey, raw_id = _first(rec, _ID_KEYS)
        if raw_id is not None and not isinstance(raw_id, str | int):
            raise fail(f"field {ikey!r} must be a string or an integer", f".{ikey}")
        source_id = str(raw_id) if raw_id is not None else None
        if labelled:
            sk, label = _first(rec, _SESSION_KEYS)
            if label is not None:
                if not isinstance(label, str | int) or isinstance(label, bool):
                    raise fail(f"field {sk!r} must be a string or an integer", f".{sk}")
                current = str(label).strip() or current
        elif when is not None:
            if last_time is not None and naive_utc(when) - naive_utc(last_time) > SESSION_GAP:
                gap_sessions += 1
                current = str(gap_sessions)
            last_time = when
        groups.setdefault(current, []).append(
            RawTurn(
                speaker,
                text,
                source_id=source_id,
                line=it.line,
                json_path=it.json_path,
                timestamp=when,
                caption=caption,
            )
        )
    if not groups:
        raise IngestError("no dialogue turns found", path=path)
    sessions = []
    for label, turns in groups.items():
        times = [t.timestamp for t in turns if t.timestamp is not None]
        sid = f"session_{label}" if label.isdigit() else label
        sessions.append(RawSession(sid, 0, tuple(turns), started_at=min(times, key=naive_utc) if times else None))
    if all(s.started_at is not None for s in sessions):
        sessions.sort(key=lambda s: naive_utc(s.started_at) if s.started_at else datetime.min)
    return tuple(
        RawSession(s.id, i, s.turns, started_at=s.started_at, date_text=s.date_text) for i, s in enumerate(sessions)
    )
