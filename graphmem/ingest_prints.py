"""Turn fingerprints: what re-ingesting an edited input compares to find what it must redo.

Every session an input wrote is remembered as one :class:`~graphmem.models.SourceRecord` beside the
input's own record (key ``<input key>#turns@<session id>``, see :func:`prints_key`). Its ``content_hash``
holds the session's fingerprint and one fingerprint per turn, in order (:class:`SessionPrint`):

- a **turn** fingerprint covers what its event is built from: speaker, text, image caption, the turn's
  own time, its id in the input, and its line (kept apart, see :func:`statement`);
- the **session** fingerprint covers what every turn of the session depends on: the session id, its
  place among the sessions, its date and date text, whom the speakers address (the conversation's two
  participants, or several), and how the input was read, extracted and (whether) embedded.

:func:`kept_turns` compares a stored print with a new one: the turns before the first difference are
the session's longest unchanged prefix, which re-ingestion leaves untouched. A turn is only kept when
every turn before it is, since its embedded text includes the turn it replies to.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from graphmem.transcript import RawSession, RawTurn

__all__ = [
    "GONE_PRINT",
    "PRINT_FORMAT",
    "SessionPrint",
    "addressing",
    "kept_turns",
    "line_of",
    "prints_key",
    "prints_prefix",
    "same_turn",
    "statement",
    "turn_print",
    "unnamed",
]

#: Marks the layout of a stored print; a print in another layout is ignored (its session is redone).
PRINT_FORMAT = "turns/1"
#: The content of the record of a session that the input no longer holds.
#: The stored print of a session the input no longer holds.
GONE_PRINT = f"{PRINT_FORMAT} gone"
_HEX = 16  # 64 bits per fingerprint: a collision within one session is not a practical concern


def _digest(*parts: object) -> str:
    text = "\x1f".join("" if p is None else p.isoformat() if isinstance(p, datetime) else str(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:_HEX]


def turn_print(turn: RawTurn) -> str:
    """The fingerprint of one turn: a digest of what it says (speaker, text, caption, time, input id),
    then ``.`` and the same digest without the speaker (see :func:`unnamed`), then ``:`` and its line in
    the input when it has one (see :func:`statement`)."""
    said = _digest("turn", turn.speaker, turn.text, turn.caption, turn.timestamp, turn.source_id)
    free = _digest("turn", turn.text, turn.caption, turn.timestamp, turn.source_id)
    return f"{said}.{free}:{turn.line}" if turn.line is not None else f"{said}.{free}"


def statement(turn_print: str) -> str:
    """What a turn says, without where it stands: a forgotten turn that only moved is still forgotten."""
    return turn_print.split(":", 1)[0].split(".", 1)[0]


def unnamed(turn_print: str) -> str | None:
    """What a turn says but for who said it (``None`` in a print stored before it was kept): a turn the
    input holds unchanged whose speaker is now called otherwise (``--participant``) is the same turn, so
    a forgotten one stays forgotten."""
    head = turn_print.split(":", 1)[0]
    return head.split(".", 1)[1] if "." in head else None


def line_of(turn_print: str) -> str | None:
    """The turn's line in the input (as text), if its print has one."""
    return turn_print.split(":", 1)[1] if ":" in turn_print else None


def same_turn(a: str, b: str) -> bool:
    """Whether two turn prints are of the same turn, said by the same speaker at the same place (a print
    stored before :func:`unnamed` was kept is compared without it)."""
    return (statement(a), line_of(a)) == (statement(b), line_of(b))


def addressing(speakers: Sequence[str]) -> str:
    """Whom the turns of a conversation address, as extraction decides it: with exactly two participants,
    always the other one (their names, sorted); with more or fewer, the neighbouring speakers (``many``)."""
    distinct = sorted(set(speakers))
    return "pair:" + "\x1f".join(distinct) if len(distinct) == 2 else "many"


def prints_prefix(key: str) -> str:
    """The key prefix of every session print of the input (or transcript) keyed ``key``."""
    return f"{key}#turns@"


def prints_key(key: str, session_id: str) -> str:
    """The source-record key of one session's print."""
    return f"{prints_prefix(key)}{session_id}"


@dataclass(frozen=True, slots=True)
class SessionPrint:
    """One session's fingerprint and its turns' fingerprints, in order (``gone``: no longer in the input)."""

    session: str
    turns: tuple[str, ...]
    gone: bool = False

    @classmethod
    def of(cls, raw: RawSession, index: int, addressed: str, config: str) -> SessionPrint:
        """The print of a session read from the input, placed ``index``-th among the transcript's sessions."""
        session = _digest("session", raw.id, index, raw.started_at, raw.date_text, addressed, config)
        return cls(session, tuple(turn_print(t) for t in raw.turns))

    def encode(self) -> str:
        """The text stored as the record's ``content_hash``."""
        return GONE_PRINT if self.gone else f"{PRINT_FORMAT} {self.session} {','.join(self.turns)}"

    def same(self, other: SessionPrint | None) -> bool:
        """Whether ``other`` is this print (a turn print stored before :func:`unnamed` was kept included)."""
        return (
            other is not None
            and (self.session, self.gone, len(self.turns)) == (other.session, other.gone, len(other.turns))
            and all(same_turn(a, b) for a, b in zip(self.turns, other.turns, strict=True))
        )

    def opens_as(self, other: SessionPrint) -> bool:
        """Whether the two sessions have the same first turn (or none)."""
        return len(self.turns[:1]) == len(other.turns[:1]) and all(
            same_turn(a, b) for a, b in zip(self.turns[:1], other.turns[:1], strict=True)
        )

    @classmethod
    def decode(cls, text: str) -> SessionPrint | None:
        """A stored print, or ``None`` when ``text`` is not one this version reads."""
        if text == GONE_PRINT:
            return cls("", (), gone=True)
        parts = text.split(" ")
        if len(parts) != 3 or parts[0] != PRINT_FORMAT:
            return None
        return cls(parts[1], tuple(parts[2].split(",")) if parts[2] else ())


def kept_turns(old: SessionPrint | None, new: SessionPrint) -> int:
    """How many leading turns of the session are unchanged (0 when the session itself changed)."""
    if old is None or old.gone or old.session != new.session:
        return 0
    n = 0
    for a, b in zip(old.turns, new.turns, strict=False):
        if not same_turn(a, b):
            break
        n += 1
    return n
