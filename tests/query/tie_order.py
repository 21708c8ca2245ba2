"""Events said at one time in sessions whose ids sort differently as text and naturally, for the tie-order
tests of the query language (:mod:`tests.query.test_tie_order` embedded, :mod:`tests.neo4j.test_tie_order`
on both backends).

Each set of session ids is written twice: every event at one moment (two sessions under one header date)
and every event without a time (no dates at all). The ids are written in text order, which the stores'
own listing does not give the DSL: the DSL sorts ties by itself.
"""

from __future__ import annotations

from datetime import datetime

from graphmem import Entity, Event, Memory, Mention

#: namespace stem -> the session ids in natural order (:func:`graphmem.models.natural_key`).
ID_SETS = {
    "s": ["s2", "s10"],
    "session": ["session_9", "session_10"],
    "digits": ["9", "10", "100"],
    "zeros": ["s1", "s09", "s9", "s010"],  # s09 and s9 are one number: their text decides
}
AT = datetime(2024, 3, 3, 16, 12)
SPEAKER = "p:kai"


def namespaces() -> list[str]:
    """Every namespace the graph holds: one dated and one undated per id set."""
    return [f"{stem}-{when}" for stem in ID_SETS for when in ("dated", "undated")]


def natural(ns: str) -> list[str]:
    """The session ids of namespace ``ns`` in natural order."""
    return ID_SETS[ns.rsplit("-", 1)[0]]


def load(mem: Memory) -> None:
    """Write every namespace into ``mem``: two events per session, all by one speaker."""
    for ns in namespaces():
        at = AT if ns.endswith("-dated") else None
        events = [
            Event(ns, f"{sid}:{seq}", sid, seq, "Kai", f"turn {seq} of {sid}", at)
            for sid in sorted(natural(ns))  # as text: session_10 before session_9
            for seq in (0, 1)
        ]
        mentions = [Mention(ns, e.id, SPEAKER, "speaker") for e in events]
        mem.add_events(events, namespace=ns, entities=[Entity(ns, SPEAKER, "Kai", "Person")], mentions=mentions)


def expected_pairs(ns: str) -> list[tuple[str, int]]:
    """``(session, seq)`` of every event of ``ns`` in the DSL's order: sessions naturally, then position."""
    return [(sid, seq) for sid in natural(ns) for seq in (0, 1)]
