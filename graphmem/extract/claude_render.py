"""What the Claude extractor sends: a transcript's turns cut into requests of one session each, and the
user message of one request (its turns, and the turns said before them as read-only context).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from graphmem.extract.events import EventPlan
from graphmem.models import Event
from graphmem.transcript import Transcript

__all__ = ["CONTEXT_TURNS", "before_group", "chunks", "render", "without_context"]

#: How many turns said before a request's first turn in its session it shows as context (as live adds).
CONTEXT_TURNS = 8


def chunks(events: Sequence[Event], size: int) -> list[tuple[int, int]]:
    """Index ranges of at most ``size`` consecutive events of one session."""
    out: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(events) + 1):
        if i == len(events) or events[i].session != events[start].session or i - start >= size:
            if i > start:
                out.append((start, i))
            start = i
    return out


def before_group(plan: EventPlan, first: int, transcript: Transcript) -> list[tuple[int, str, str]]:
    """The turns said before the event at ``first`` in its session (seq, speaker, text), the last
    :data:`CONTEXT_TURNS` of them, back to one without a speaker: the transcript's own, after the stored
    ones it carries as context (a grown file re-ingested; :attr:`Transcript.context`)."""
    event = plan.events[first]
    turns: list[tuple[int, str, str]] = []
    for sid, stored in transcript.context:
        if sid == event.session:
            last = event.seq - sum(1 for e in plan.events[:first] if e.session == event.session)
            turns += [(last - len(stored) + k, t.speaker, t.text) for k, t in enumerate(stored)]
    turns += [(e.seq, e.speaker or "", e.text) for e in plan.events[:first] if e.session == event.session]
    window: list[tuple[int, str, str]] = []
    for turn in reversed(turns[-CONTEXT_TURNS:]):
        if not turn[1]:
            break
        window.append(turn)
    return window[::-1]


def without_context(data: dict[str, Any], before: Sequence[tuple[int, str, str]]) -> dict[str, Any]:
    """``data`` without the entries about context turns (read only: recorded already, or by their own
    request)."""
    if not before:
        return data
    seen = {seq for seq, _, _ in before}

    def about_context(entry: Any) -> bool:
        turn = entry.get("turn") if isinstance(entry, dict) else None
        if isinstance(turn, bool) or turn is None:
            return False
        found = re.fullmatch(r"(?:[Tt]\s*)?(\d+)", str(turn).strip())  # T3, 3, "t 3": as the answers are read
        return found is not None and int(found.group(1)) in seen

    events = [e for e in data["events"] if not about_context(e)]
    return data if len(events) == len(data["events"]) else {**data, "events": events}


def render(
    sessions: Sequence[Any],
    events: Sequence[Event],
    addressees: Sequence[str | None],
    offset: timedelta | None = None,
    before: Sequence[tuple[int, str, str]] = (),
) -> str:
    """The user message for one group of turns (deterministic: it is the cache key).

    The session date is shown on the speakers' wall clock (``offset`` from UTC), the calendar their
    relative dates count in. ``before`` are the session's turns said just before the group, shown as
    context to read the group's turns by ("Sorry, I meant Porto"), never annotated.
    """
    session = next((s for s in sessions if s.id == events[0].session), None)
    started = session.started_at if session is not None else None
    if started is not None and offset:
        started = started + offset
    if started is not None:
        when = f"{started.date().isoformat()} ({started.strftime('%A')})"
        if session is not None and session.date_text:
            when = f"{session.date_text}; {when}"
    else:
        when = "unknown"
    speakers = list(dict.fromkeys([*(s for _, s, _ in before), *(e.speaker for e in events if e.speaker)]))
    lines = [f"Session date: {when}", f"Participants: {', '.join(speakers) or 'unknown'}"]
    if before:
        lines.append("Earlier turns (context only: recorded already, annotate none of them):")
        lines += [f"T{seq} [{speaker}]: {text}" for seq, speaker, text in before]
    lines.append("Turns:")
    for event, addressee in zip(events, addressees, strict=True):
        to = f" → {addressee}" if addressee else ""
        lines.append(f"T{event.seq} [{event.speaker or 'unknown'}{to}]: {event.text}")
    return "\n".join(lines)
