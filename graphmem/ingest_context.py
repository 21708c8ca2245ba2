"""What the turns of an input written again are extracted with, read from what the store keeps of it.

When an edited input keeps each session's unchanged leading turns (:mod:`graphmem.ingest_diff`), or is
written in several units, the part extracted must read as the whole conversation would: with everyone
taking part (:func:`participants`), the words the kept turns use (:func:`vocabulary`), the time the kept
turns talked of last ("later that month": :func:`told`) and the turns just before the first one written
again (:func:`said_before`). :func:`graphmem.ingest_read.read_jobs` puts these on each unit's transcript.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from graphmem.extract.antecedents import latest
from graphmem.models import TimeRef
from graphmem.transcript import RawTurn, Transcript

if TYPE_CHECKING:
    from graphmem.store.base import GraphStore

__all__ = ["participants", "said_before", "told", "vocabulary"]


def participants(t: Transcript) -> tuple[str, ...]:
    """Everyone taking part in the whole conversation, in the order extraction finds them
    (:func:`graphmem.extract.events.build_events`)."""
    found = dict.fromkeys(t.participants)
    for s in t.sessions:
        found.update(dict.fromkeys(turn.speaker for turn in s.turns))
    return tuple(found)


def told(store: GraphStore, namespace: str, events: dict[int, str], kept: int) -> TimeRef | None:
    """The time the ``kept`` leading turns of a stored session (``events``: seq → event id) talked of last
    (:func:`graphmem.extract.antecedents.latest`)."""
    ids = [eid for seq, eid in events.items() if seq <= kept]
    return latest(store.get_events(namespace, ids)) if ids else None


def said_before(store: GraphStore, namespace: str, events: dict[int, str], kept: int) -> tuple[RawTurn, ...]:
    """The last turns of the ``kept`` leading turns of a stored session (``events``: seq → event id), as
    the turns after them are read with (:attr:`~graphmem.transcript.Transcript.context`)."""
    from graphmem.extract.claude_render import CONTEXT_TURNS

    ids = [eid for seq, eid in sorted(events.items()) if seq <= kept][-CONTEXT_TURNS:]
    stored = sorted(store.get_events(namespace, ids), key=lambda e: e.seq) if ids else []
    return tuple(RawTurn(e.speaker or "", e.text) for e in stored)


def vocabulary(store: GraphStore, namespace: str, ids: Sequence[str]) -> set[str]:
    """The words the input's kept events use in lower case (see :func:`graphmem.live.lower_words`): what
    the turns written again are extracted with, as the whole conversation would be."""
    from graphmem.live import lower_words

    return lower_words(e.text for e in store.get_events(namespace, list(ids))) if ids else set()
