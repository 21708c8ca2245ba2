"""Turns forgotten in a store written before turn prints were kept (graphmem of 2 Dec 2026 and earlier).

Such a store holds no print of an input's sessions (:mod:`graphmem.ingest_prints`): the only trace of a
turn forgotten there is the missing event. Redone (a new extractor version redoes every file), the session
would be written whole and the forgotten turn back. What is sound to infer from the events left:

- a **gap**, a turn number with no event between two stored ones, when every stored event of the session
  says what the input's turn of that number says (same speaker, same text): the input is the one ingested
  and the missing turn was taken for forgotten. The session then gets the print of the stored version the
  way this graphmem records a forgotten file turn (the turn's print with no event), so the redo holds it
  back and later ingests keep it out (:func:`inferred_prints`). Nothing stored tells a turn forgotten from
  one forgotten and then edited in the input, so an :class:`~graphmem.errors.IngestWarning` names the
  turns held back (edited again, a turn is written);
- anything else (turns after the last stored one, a session the input has changed since, or a session
  with no stored event at all) may be a turn forgotten or one added to the input since: it is written, and
  an :class:`~graphmem.errors.IngestWarning` names it and its event id so it can be forgotten again.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from graphmem.errors import IngestWarning
from graphmem.extract.events import event_text
from graphmem.extract.names import event_id
from graphmem.ingest_prints import SessionPrint

if TYPE_CHECKING:
    from graphmem.store.base import GraphStore
    from graphmem.transcript import RawSession, RawTurn

__all__ = ["inferred_prints"]


def _says(text: str, speaker: str | None, turn: RawTurn) -> bool:
    """Whether a stored event (its text and speaker) is the event of ``turn``: the text extraction gives it
    (:func:`~graphmem.extract.events.event_text`: stripped, a caption kept in it)."""
    return text == event_text(turn) and speaker == turn.speaker


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
    # the input wrote events (from the file, not live messages it takes over) and no session of it has a print
    unprinted = not old and _wrote_from_file(store, namespace, written)
    for raw, new in zip(ordered, prints, strict=True):
        stored = written.get(raw.id)
        if raw.id in old or raw.id in done or raw.first_seq != 1:
            continue
        if not stored:
            if unprinted and raw.turns:  # forgotten whole then, or added to the input since
                _warn(path, raw, list(range(1, len(raw.turns) + 1)), _UNSTORED)
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
            _warn(path, raw, gaps, _HELD)
        unstored = [seq for seq in range(1, len(turns) + 1) if seq not in stored and seq not in gaps]
        if unstored:
            _warn(path, raw, unstored, _UNSTORED)
    return out


def _wrote_from_file(store: GraphStore, namespace: str, written: Mapping[str, Mapping[int, str]]) -> bool:
    """Whether any event ``written`` names came from the input (a live session it takes over did not)."""
    ids = [eid for seqs in written.values() for eid in seqs.values()]
    return bool(ids) and any(e.source_file is not None for e in store.get_events(namespace, ids))


#: What the warnings say of the turns they name.
_UNSTORED = "forgotten then, or added to the input since; written now (graphmem forget --event ID forgets one again)"
_HELD = (
    "between stored turns, so taken as forgotten then and not written; one edited in the input since is held "
    "back too (edit that turn again to have it written)"
)


def _warn(path: str, raw: RawSession, seqs: list[int], what: str) -> None:
    """One warning naming the turns ``seqs`` of ``raw`` by event id; the first one's line is the warning's
    place, each later one's line follows its id."""
    first = raw.turns[seqs[0] - 1].line
    turns = ", ".join(
        event_id(raw.id, seq) + (f" (line {line})" if (line := raw.turns[seq - 1].line) and i else "")
        for i, seq in enumerate(seqs)
    )
    warnings.warn(
        IngestWarning(
            f"session {raw.id}: the store, written by a graphmem that kept no turn prints, holds no event of "
            f"{turns}: {what}",
            path=path,
            line=first,
        ),
        stacklevel=2,
    )
