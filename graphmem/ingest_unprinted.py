"""Turns forgotten in a store written before turn prints were kept (graphmem of 2 Dec 2026 and earlier).

Such a store holds no print of an input's sessions (:mod:`graphmem.ingest_prints`): the only trace of a
turn forgotten there is the missing event. Redone (a new extractor version redoes every file), the session
would be written whole and the forgotten turn back. What is sound to infer from the events left:

- a **gap**, a turn number with no event between two stored ones, when every stored event of the session
  says what the input's turn of that number says (same speaker, same text): the input is the one ingested
  and the missing turn was forgotten. The session then gets the print of the stored version the way this
  graphmem records a forgotten file turn (the turn's print with no event), so the redo holds it back and
  later ingests keep it out (:func:`inferred_prints`);
- anything else (turns after the last stored one, or a session the input has changed since) may be a turn
  forgotten or one added to the input since: it is written, and an :class:`~graphmem.errors.IngestWarning`
  names it and its event id so it can be forgotten again (:func:`warn_unstored`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from graphmem.errors import IngestWarning
from graphmem.extract.names import event_id
from graphmem.ingest_prints import SessionPrint

if TYPE_CHECKING:
    from graphmem.store.base import GraphStore
    from graphmem.transcript import RawSession, RawTurn

__all__ = ["inferred_prints"]


def _says(text: str, speaker: str | None, turn: RawTurn) -> bool:
    """Whether a stored event (its text and speaker) is the event of ``turn`` (a caption is kept in the text)."""
    made = f"{turn.text} [image: {turn.caption}]" if turn.caption else turn.text
    return text == made and speaker == turn.speaker


def inferred_prints(
    store: GraphStore,
    namespace: str,
    path: str,
    ordered: Sequence[RawSession],
    prints: Sequence[SessionPrint],
    old: Mapping[str, SessionPrint],
    written: Mapping[str, Mapping[int, str]],
    done: set[str],
) -> dict[str, SessionPrint]:
    """``old`` with a print for each session the input wrote before without one (a store of a graphmem
    before prints) in which a gap shows a forgotten turn (see the module docs); warns of the turns with no
    stored event that the redo writes (:class:`~graphmem.errors.IngestWarning`, one per session).

    Args:
        store: the store (the events of such sessions are read).
        namespace: the namespace written.
        path: the input, for the warning.
        ordered: the input's sessions, as planned.
        prints: their prints.
        old: the stored prints, by session id.
        written: the events the input wrote before: session id → seq → event id.
        done: sessions an interrupted run of this content committed (taken as unchanged: left as they are).
    """
    out = dict(old)
    for raw, new in zip(ordered, prints, strict=True):
        stored = written.get(raw.id)
        if raw.id in old or raw.id in done or not stored or raw.first_seq != 1:
            continue
        events = {e.id: e for e in store.get_events(namespace, list(stored.values()))}
        if not events or any(e.source_file is None for e in events.values()):
            continue  # a live session the input takes over: its messages were never the input's turns
        turns = raw.turns
        same = all(
            1 <= seq <= len(turns) and eid in events and _says(events[eid].text, events[eid].speaker, turns[seq - 1])
            for seq, eid in stored.items()
        )
        high = max(stored)
        gaps = [seq for seq in range(1, high) if seq not in stored] if same else []
        if gaps:
            # the stored version as this graphmem records it: the turns up to the last stored one, those
            # forgotten without an event; its session print is none the redo matches, so all is redone
            out[raw.id] = SessionPrint("", new.turns[:high])
        unstored = [seq for seq in range(1, len(turns) + 1) if seq not in stored and seq not in gaps]
        if unstored:
            _warn(path, raw, unstored)
    return out


def _warn(path: str, raw: RawSession, seqs: list[int]) -> None:
    turns = ", ".join(
        f"{event_id(raw.id, seq)}" + (f" (line {raw.turns[seq - 1].line})" if raw.turns[seq - 1].line else "")
        for seq in seqs
    )
    warnings.warn(
        IngestWarning(
            f"session {raw.id}: the store, written by a graphmem that kept no turn prints, holds no event of "
            f"{turns}: forgotten then, or added to the input since; written now (graphmem forget --event ID "
            "forgets one again)",
            path=path,
            line=raw.turns[seqs[0] - 1].line,
        ),
        stacklevel=2,
    )
